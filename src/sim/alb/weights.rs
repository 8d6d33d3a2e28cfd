//! Listener rules' forward weights moved during a run (docs/ecs-model.md#blue-green-deployments):
//! a blue/green, linear or canary deployment moves its production listener rule's traffic, and
//! its test listener rule's, between a service's target group and its alternate by rewriting the
//! weights of the precomputed routes of that rule (a route belongs to one rule of one listener,
//! so moving the test rule leaves production where it is); which of the two a service task
//! registers in follows its deployment's side. alb.csv's `forward_weight_pct` is read from the
//! production routes.
//!
//! A weight change is a rare event (a few per deployment): it rewrites routes in place, and the
//! request path keeps reading precomputed cumulative weights.

use super::state::{Route, RouteAction};
use crate::elb::config::RuleKey;
use crate::model::ServiceTargetGroup;
use crate::sim::ids::{ServiceId, TargetGroupId, TaskId};
use crate::sim::task::Owner;
use crate::sim::world::World;
use smallvec::SmallVec;

/// A route's weights are scaled to at least this total before a share is moved, so that a
/// 0.1 % step is a whole weight.
const WEIGHT_SCALE: u32 = 1000;

impl World<'_> {
    /// The target groups a service task registers in: its service's primary target groups, or
    /// their alternates when its deployment is on side 1.
    pub(super) fn task_target_groups(&self, task: TaskId) -> SmallVec<[usize; 2]> {
        let t = &self.tasks[task.index()];
        let Owner::Service(service) = t.owner else { return SmallVec::new() };
        let side = self.services[service.index()].deployments.get(t.deployment as usize).map_or(0, |d| d.side);
        self.scenario.services[service.index()]
            .target_groups
            .iter()
            .map(|g| if side == 1 { g.alternate.unwrap_or(g.target_group) } else { g.target_group })
            .collect()
    }

    /// Sends `green_permille` ‰ of what the `rules` of a service forward to its target group
    /// pair to the group on side `green_side`, the rest to the other: every load-balancer entry
    /// of the service with an alternate target group. Answers how many routes changed (0 for a
    /// headless service, or when no request follows the rules).
    pub(in crate::sim) fn set_forward_weights(&mut self, service: ServiceId, rules: Rules, green_side: u8, green_permille: u32) -> usize {
        let green_permille = green_permille.min(1000);
        let mut changed = 0;
        for g in &self.scenario.services[service.index()].target_groups {
            let Some(alternate) = g.alternate else { continue };
            let (blue, green) = if green_side == 1 { (g.target_group, alternate) } else { (alternate, g.target_group) };
            let (blue, green) = (TargetGroupId::at(blue), TargetGroupId::at(green));
            for route in &mut self.alb.routes {
                if !rules.moves(g, route.rule) {
                    continue;
                }
                if split_route(route, blue, green, green_permille) {
                    changed += 1;
                }
            }
        }
        changed
    }

    /// The share, in %, of what the first production route forwarding to target group `group`
    /// sends it (alb.csv's `forward_weight_pct`; a service's test listener rule is not
    /// production); `None` when no route forwards to it.
    pub(in crate::sim) fn forward_weight_pct(&self, group: usize) -> Option<f64> {
        let tg = TargetGroupId::at(group);
        let is_test = |rule: RuleKey| self.scenario.services.iter().flat_map(|s| &s.target_groups).any(|g| g.test_rule == Some(rule));
        let pct = |route: &Route| {
            let RouteAction::Forward(cumulative) = &route.action else { return None };
            let pos = cumulative.iter().position(|(t, _)| *t == tg)?;
            let total = cumulative.last().map_or(0, |c| c.1);
            let prev = if pos == 0 { 0 } else { cumulative[pos - 1].1 };
            (total > 0).then(|| f64::from(cumulative[pos].1 - prev) * 100.0 / f64::from(total))
        };
        let routes = &self.alb.routes;
        routes.iter().filter(|r| !is_test(r.rule)).find_map(pct).or_else(|| routes.iter().find_map(pct))
    }

    /// Whether alb.csv carries `forward_weight_pct`: only when a service's deployments move
    /// traffic between target groups, so other runs' alb.csv keep their columns.
    pub(in crate::sim) fn records_forward_weights(&self) -> bool {
        self.scenario.services.iter().any(|s| s.target_groups.iter().any(|g| g.alternate.is_some()))
    }
}

/// Which of a service's listener rules a weight change moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(in crate::sim) enum Rules {
    /// The production listener rule (every rule forwarding to the pair but the test rule, when
    /// the service names none).
    Production,
    /// The test listener rule (none, when the service names none).
    Test,
    /// Both (a rollback, a new deployment's start).
    Both,
}

impl Rules {
    /// Whether a route of `rule` is one of `g`'s rules this change moves.
    fn moves(self, g: &ServiceTargetGroup, rule: RuleKey) -> bool {
        let test = g.test_rule == Some(rule);
        let production = match g.production_rule {
            Some(p) => p == rule,
            None => !test,
        };
        match self {
            Rules::Production => production,
            Rules::Test => test,
            Rules::Both => production || test,
        }
    }
}

/// Sends `green_permille` ‰ of what `route` forwards to the `blue`/`green` pair to `green`, the
/// rest to `blue`; other target groups keep their weights. `false` (untouched) when the route
/// forwards to neither.
fn split_route(route: &mut Route, blue: TargetGroupId, green: TargetGroupId, green_permille: u32) -> bool {
    let RouteAction::Forward(cumulative) = &mut route.action else { return false };
    if !cumulative.iter().any(|(tg, _)| *tg == blue || *tg == green) {
        return false;
    }
    // Back to plain weights, the pair's share summed, then split.
    let mut prev = 0;
    let mut weights: SmallVec<[(TargetGroupId, u32); 2]> = SmallVec::new();
    for &(tg, cum) in cumulative.iter() {
        weights.push((tg, cum - prev));
        prev = cum;
    }
    let mut pair: u32 = weights.iter().filter(|(tg, _)| *tg == blue || *tg == green).map(|w| w.1).sum();
    if pair < WEIGHT_SCALE {
        // Equal-split routes (all weights 0) come here as 1 each: scaled alike.
        for w in &mut weights {
            w.1 = w.1.saturating_mul(WEIGHT_SCALE);
        }
        pair = pair.saturating_mul(WEIGHT_SCALE).max(WEIGHT_SCALE);
    }
    let to_green = (u64::from(pair) * u64::from(green_permille) / 1000) as u32;
    weights.retain(|(tg, _)| *tg != blue && *tg != green);
    weights.push((blue, pair - to_green));
    weights.push((green, to_green));
    // A zero weight keeps its place (it is never chosen) so the route's shape is stable.
    let mut total = 0u32;
    cumulative.clear();
    for (tg, w) in weights {
        total = total.saturating_add(w);
        cumulative.push((tg, total));
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    const BLUE: TargetGroupId = TargetGroupId(0);
    const GREEN: TargetGroupId = TargetGroupId(1);
    const OTHER: TargetGroupId = TargetGroupId(2);

    fn route(cumulative: &[(TargetGroupId, u32)]) -> Route {
        let rule = RuleKey { load_balancer: 0, listener: 0, priority: None };
        Route { action: RouteAction::Forward(cumulative.iter().copied().collect()), rule }
    }

    fn cumulative(r: &Route) -> Vec<(TargetGroupId, u32)> {
        match &r.action {
            RouteAction::Forward(c) => c.to_vec(),
            RouteAction::Answer { .. } => Vec::new(),
        }
    }

    /// A rule forwarding all to blue (weight 1) is scaled to 1000 first: LINEAR 25 % steps put
    /// 250, 500, 750, 1000 of 1000 on green, each step computed from the route as left by the last.
    #[test]
    fn linear_steps_move_the_pairs_share_step_by_step() {
        let mut r = route(&[(BLUE, 1)]);
        for (permille, green) in [(250, 250), (500, 500), (750, 750), (1000, 1000)] {
            assert!(split_route(&mut r, BLUE, GREEN, permille));
            assert_eq!(cumulative(&r), [(BLUE, 1000 - green), (GREEN, 1000)], "{permille} ‰");
        }
    }

    /// CANARY 10 %: 100 of 1000 to green; a 0.1 % canary is a whole weight (1 of 1000); back
    /// to 0 ‰ on a rollback, green keeps its place with weight 0 (never chosen).
    #[test]
    fn a_canary_step_and_its_rollback() {
        let mut r = route(&[(BLUE, 1)]);
        split_route(&mut r, BLUE, GREEN, 100);
        assert_eq!(cumulative(&r), [(BLUE, 900), (GREEN, 1000)]);
        split_route(&mut r, BLUE, GREEN, 1);
        assert_eq!(cumulative(&r), [(BLUE, 999), (GREEN, 1000)]);
        split_route(&mut r, BLUE, GREEN, 0);
        assert_eq!(cumulative(&r), [(BLUE, 1000), (GREEN, 1000)]);
    }

    /// An equal-split rule (all weights 0: cumulative 1, 2) between blue and another group:
    /// each is scaled to 1000, and half of blue's 1000 moves to green; the other group keeps
    /// its half of the rule's traffic.
    #[test]
    fn an_equal_split_route_keeps_the_other_groups_half() {
        let mut r = route(&[(BLUE, 1), (OTHER, 2)]);
        split_route(&mut r, BLUE, GREEN, 500);
        assert_eq!(cumulative(&r), [(OTHER, 1000), (BLUE, 1500), (GREEN, 2000)]);
    }

    /// Other groups' weights are kept: 30 to OTHER, 70 to blue → at 100 % green, OTHER still
    /// has 30 % (30,000 of 100,000 after scaling by 1000), blue 0, green 70 %. A route that
    /// forwards to neither group of the pair is left alone.
    #[test]
    fn other_groups_weights_are_kept_and_unrelated_routes_untouched() {
        let mut r = route(&[(OTHER, 30), (BLUE, 100)]);
        assert!(split_route(&mut r, BLUE, GREEN, 1000));
        assert_eq!(cumulative(&r), [(OTHER, 30_000), (BLUE, 30_000), (GREEN, 100_000)]);
        let mut unrelated = route(&[(OTHER, 1)]);
        assert!(!split_route(&mut unrelated, BLUE, GREEN, 1000));
        assert_eq!(cumulative(&unrelated), [(OTHER, 1)]);
    }

    /// Which rules a change moves: the named production rule only; without one, every rule but
    /// the test rule; the test rule only at the test shift.
    #[test]
    fn a_change_moves_only_its_rules() {
        let prod = RuleKey { load_balancer: 0, listener: 0, priority: None };
        let test = RuleKey { listener: 1, ..prod };
        let other = RuleKey { priority: Some(10), ..prod };
        let mut g = ServiceTargetGroup {
            target_group: 0,
            container_name: None,
            container_port: None,
            alternate: Some(1),
            test_listener_rule: None,
            production_rule: Some(prod),
            test_rule: Some(test),
        };
        let moves = |g: &ServiceTargetGroup, rules: Rules| [prod, test, other].map(|k| rules.moves(g, k));
        assert_eq!(moves(&g, Rules::Production), [true, false, false]);
        assert_eq!(moves(&g, Rules::Test), [false, true, false]);
        assert_eq!(moves(&g, Rules::Both), [true, true, false]);
        g.production_rule = None;
        assert_eq!(moves(&g, Rules::Production), [true, false, true]);
    }
}

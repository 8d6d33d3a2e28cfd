//! Listener rules' forward weights moved during a run (docs/ecs-model.md#blue-green-deployments):
//! a blue/green, linear or canary deployment moves production traffic between a service's
//! target group and its alternate by rewriting the weights of every precomputed route that
//! forwards to either; which of the two a service task registers in follows its deployment's
//! side. alb.csv's `forward_weight_pct` is read from the same routes.
//!
//! A weight change is a rare event (a few per deployment): it rewrites routes in place, and the
//! request path keeps reading precomputed cumulative weights.

use super::state::RouteAction;
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

    /// Sends `green_permille` ‰ of what each route forwards to a service's target group pair
    /// to the group on side `green_side`, the rest to the other: every load-balancer entry of the
    /// service with an alternate target group. Answers how many routes changed (0 for a
    /// headless service, or when no rule forwards to the groups).
    pub(in crate::sim) fn set_forward_weights(&mut self, service: ServiceId, green_side: u8, green_permille: u32) -> usize {
        let green_permille = green_permille.min(1000);
        let mut changed = 0;
        for g in &self.scenario.services[service.index()].target_groups {
            let Some(alternate) = g.alternate else { continue };
            let (blue, green) = if green_side == 1 { (g.target_group, alternate) } else { (alternate, g.target_group) };
            let (blue, green) = (TargetGroupId::at(blue), TargetGroupId::at(green));
            for route in &mut self.alb.routes {
                let RouteAction::Forward(cumulative) = &mut route.action else { continue };
                if !cumulative.iter().any(|(tg, _)| *tg == blue || *tg == green) {
                    continue;
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
                changed += 1;
            }
        }
        changed
    }

    /// The share, in %, of what the first route forwarding to target group `group` sends it
    /// (alb.csv's `forward_weight_pct`); `None` when no route forwards to it.
    pub(in crate::sim) fn forward_weight_pct(&self, group: usize) -> Option<f64> {
        let tg = TargetGroupId::at(group);
        self.alb.routes.iter().find_map(|route| {
            let RouteAction::Forward(cumulative) = &route.action else { return None };
            let pos = cumulative.iter().position(|(t, _)| *t == tg)?;
            let total = cumulative.last().map_or(0, |c| c.1);
            let prev = if pos == 0 { 0 } else { cumulative[pos - 1].1 };
            (total > 0).then(|| f64::from(cumulative[pos].1 - prev) * 100.0 / f64::from(total))
        })
    }

    /// Whether alb.csv carries `forward_weight_pct`: only when a service's deployments move
    /// traffic between target groups, so other runs' alb.csv keep their columns.
    pub(in crate::sim) fn records_forward_weights(&self) -> bool {
        self.scenario.services.iter().any(|s| s.target_groups.iter().any(|g| g.alternate.is_some()))
    }
}

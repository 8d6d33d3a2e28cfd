//! Placing one service task (docs/ecs-model.md#placement-algorithm): `World::place_service_task`
//! is the only caller of placement for services — REPLICA launches, replacements, deployments,
//! AZ rebalancing, capacity providers. It goes through the service's index for the revision
//! (`services/indexes.rs`), which returns the very instance the reference `placement::place`
//! returns with the same random draws, so using it changes no output; where the index cannot
//! serve — placements explained, an extra constraint such as AZ rebalancing's zone pin — the
//! reference decides. With invariant checks on, indexed decisions are checked against the
//! reference. Below both `launch` and `capacity::services`, so neither calls the other back.

use crate::ecs::placement::index::PlacementIndex;
use crate::ecs::placement::{self, Constraint, Decision, Outcome, PlacementRequest};
use crate::sim::ids::ServiceId;
use crate::sim::world::World;

/// With invariant checks on, indexed decisions are checked against the reference on clusters
/// of up to this many instances (ECS's "Container instances per cluster" quota).
const CHECKED_UP_TO_INSTANCES: usize = 5_000;

impl World<'_> {
    /// Places one task of revision `td` of the service, on a capacity provider's instances when
    /// `provider` gives one (its index and its group's `memberOf`), with one `extra` constraint
    /// (AZ rebalancing's zone pin). Through the service's index when it can serve, else the
    /// reference.
    pub(in crate::sim) fn place_service_task(
        &mut self,
        service: ServiceId,
        td: usize,
        provider: Option<(usize, Option<&Constraint>)>,
        extra: Option<&Constraint>,
    ) -> Decision {
        let idx = service.index();
        let scenario = self.scenario;
        let indexed = !scenario.explain_placements && extra.is_none();
        if indexed {
            self.service_indexes[idx].keep_revision(td);
            let (cluster, reservations, s) = (&self.cluster, &self.reservations, &self.services[idx]);
            let member_of = provider.and_then(|(_, m)| m);
            let index = self.service_indexes[idx].current(cluster, td, provider.map(|(p, _)| p), &s.strategies, || {
                let constraints: Vec<Constraint> = s.constraints.iter().chain(member_of).cloned().collect();
                let req = PlacementRequest {
                    reservation: &reservations[td],
                    group: s.group,
                    strategies: &s.strategies,
                    constraints: &constraints,
                    requires_attributes: &scenario.task_definitions[td].requires_attributes,
                    tie_break: scenario.tie_break,
                };
                PlacementIndex::new(cluster, &req)
            });
            // The check costs a scan of every instance per task: done up to ECS's quota of
            // instances per cluster, so the bench scenarios beyond it stay quick under tests.
            let check = (self.check && self.cluster.instances.len() <= CHECKED_UP_TO_INSTANCES).then(|| self.placement_rng.clone());
            if let Some(instance) = index.place(&self.cluster, &mut self.placement_rng) {
                if let Some(mut rng) = check {
                    let reference = placement::place(&self.cluster, &index.request(), &mut rng, false);
                    assert_eq!(reference.instance(), Some(instance), "service index and reference disagree");
                    assert_eq!(rng, self.placement_rng, "service index and reference drew differently");
                }
                return Decision { outcome: Outcome::Placed { instance }, explanation: None };
            }
            // Nothing fits: the index says why, as the reference would (which draws nothing
            // when there is no candidate), without a scan.
            let outcome = index.failure(&self.cluster);
            if check.is_some() {
                let reference = placement::place(&self.cluster, &index.request(), &mut self.placement_rng.clone(), false);
                assert_eq!(reference.outcome, outcome, "service index and reference explain a failure differently");
            }
            return Decision { outcome, explanation: None };
        }
        self.place_service_task_by_reference(service, td, provider.and_then(|(_, m)| m), extra)
    }

    /// The reference `placement::place` for a service task, explained when the scenario asks.
    fn place_service_task_by_reference(
        &mut self,
        service: ServiceId,
        td: usize,
        member_of: Option<&Constraint>,
        extra: Option<&Constraint>,
    ) -> Decision {
        let scenario = self.scenario;
        let s = &self.services[service.index()];
        let constraints: Vec<Constraint> = s.constraints.iter().chain(member_of).chain(extra).cloned().collect();
        let req = PlacementRequest {
            reservation: &self.reservations[td],
            group: s.group,
            strategies: &s.strategies,
            constraints: &constraints,
            requires_attributes: &scenario.task_definitions[td].requires_attributes,
            tie_break: scenario.tie_break,
        };
        placement::place(&self.cluster, &req, &mut self.placement_rng, scenario.explain_placements)
    }
}

#[cfg(test)]
mod tests {
    use crate::engine::{SimTime, Streams};
    use crate::sim::ids::ServiceId;
    use crate::sim::world::World;
    use crate::sim::RunOptions;

    /// Six m5.large instances over three zones, a service of 4 tasks of web:1 (default
    /// strategy: AZ spread, then instance spread), and web:2 for an update.
    const SCENARIO: &str = r#"
[scenario]
name = "service-index"
duration = "1h"
seed = 1
explain_placements = false

[cluster]
zones = ["us-east-1a", "us-east-1b", "us-east-1c"]

[[cluster.instances]]
type = "m5.large"
count = 6

[[task_definitions]]
name = "web-v1"
family = "web"
revision = 1
cpu = 512
memory = 1024

[[task_definitions]]
name = "web-v2"
family = "web"
revision = 2
cpu = 512
memory = 1024

[[services]]
name = "web"
task_definition = "web-v1"
desired_count = 4
"#;

    #[test]
    fn an_index_per_revision_built_on_first_launch_and_dropped_with_its_revision() {
        let scenario = crate::scenario::load_str(std::path::Path::new("unit.toml"), SCENARIO).unwrap_or_else(|d| panic!("{d}"));
        // Invariant checks on: every indexed placement is also checked against the reference.
        let mut w = World::new(&scenario, &Streams::new(1), RunOptions { check_invariants: true, ..Default::default() });
        let web = ServiceId::at(0);
        assert!(w.service_indexes[0].is_empty(), "nothing built before the first launch");
        w.on_service_evaluation(SimTime::ZERO, web);
        assert_eq!(w.services[0].tasks.len(), 4);
        assert_eq!(w.service_indexes[0].len(), 1, "one index, for web:1");
        // Spread over the service's tasks: 4 tasks on 6 instances, 2 zones with 1 and one with 2
        // (AZ spread), never two on one instance (instance spread).
        let mut instances: Vec<u32> = w.services[0].tasks.iter().map(|t| w.tasks[t.index()].instance.0).collect();
        instances.sort_unstable();
        instances.dedup();
        assert_eq!(instances.len(), 4);
        // A task of web:2 drops web:1's index and builds web:2's.
        let decision = w.place_service_task(web, 1, None, None);
        assert!(decision.instance().is_some());
        assert_eq!(w.service_indexes[0].len(), 1);
        assert_eq!(w.service_indexes[0].revisions(), vec![1]);
    }
}

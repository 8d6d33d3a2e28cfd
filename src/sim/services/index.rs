//! The services' placement indexes and the one function that places a service task
//! (docs/ecs-model.md#placement-algorithm).
//!
//! `ServiceIndexes` holds one `PlacementIndex` per (task definition revision, capacity
//! provider) a service launches: its group is the service's group, so `spread(instanceId)`,
//! `spread(attribute:…)` over the service's tasks and `distinctInstance` are answered from the
//! index's counters in O(log n) instead of a scan of every instance. An index is built on the
//! first launch of its revision, rebuilt when UpdateService changes the strategies, dropped when
//! the service launches another revision, and kept current by the same `InstanceChanged` notice
//! as the workloads' indexes (the conductor's listener), plus a catch-up on instances registered
//! since it last looked (registration raises no notice).
//!
//! `World::place_service_task` is the only caller of placement for services (REPLICA launches,
//! replacements, deployments, AZ rebalancing, capacity providers). The index returns the very
//! instance the reference `placement::place` returns with the same random draws, so using it
//! changes no output; where it cannot serve — placements explained, an extra constraint such as
//! AZ rebalancing's zone pin — the reference decides. With invariant checks on, every indexed
//! decision is checked against the reference.

use crate::ecs::instance::InstanceId;
use crate::ecs::placement::index::PlacementIndex;
use crate::ecs::placement::{self, Constraint, Decision, Outcome, PlacementRequest, Strategy};
use crate::ecs::Cluster;
use crate::sim::ids::ServiceId;
use crate::sim::world::World;

/// One index: what it was built for, and how many instances it has seen.
#[derive(Debug, Clone)]
struct Entry {
    task_definition: usize,
    provider: Option<usize>,
    /// The strategies it was built with (UpdateService may change the service's).
    strategies: Vec<Strategy>,
    /// Instances registered when it last looked (ids are dense, in registration order).
    known_instances: usize,
    index: PlacementIndex,
}

/// A service's placement indexes, at most one per (revision, capacity provider) it launches.
#[derive(Debug, Clone, Default)]
pub struct ServiceIndexes {
    entries: Vec<Entry>,
}

impl ServiceIndexes {
    /// Instance `id` changed: every index re-reads it.
    pub fn instance_changed(&mut self, cluster: &Cluster, id: InstanceId) {
        for e in &mut self.entries {
            e.index.instance_changed(cluster, id);
            e.known_instances = e.known_instances.max(id.index() + 1);
        }
    }

    /// How many indexes are held (tests: built lazily, dropped with their revision).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when no index is held.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Drops the indexes of revisions other than `task_definition`: the service no longer
    /// launches them.
    fn keep_revision(&mut self, task_definition: usize) {
        self.entries.retain(|e| e.task_definition == task_definition);
    }

    /// The index for (revision, provider) with these strategies, current with the cluster;
    /// `build` makes the request when there is none yet.
    fn current(
        &mut self,
        cluster: &Cluster,
        task_definition: usize,
        provider: Option<usize>,
        strategies: &[Strategy],
        build: impl FnOnce() -> PlacementIndex,
    ) -> &mut PlacementIndex {
        let found = self.entries.iter().position(|e| e.task_definition == task_definition && e.provider == provider);
        let at = match found {
            Some(i) if self.entries[i].strategies == strategies => i,
            Some(i) => {
                self.entries[i] = Entry::new(task_definition, provider, strategies, cluster, build());
                i
            }
            None => {
                self.entries.push(Entry::new(task_definition, provider, strategies, cluster, build()));
                self.entries.len() - 1
            }
        };
        let e = &mut self.entries[at];
        let registered = cluster.instances.len();
        if registered > e.known_instances {
            e.index.instance_added(cluster, InstanceId((registered - 1) as u32));
            e.known_instances = registered;
        }
        &mut e.index
    }
}

impl Entry {
    fn new(task_definition: usize, provider: Option<usize>, strategies: &[Strategy], cluster: &Cluster, index: PlacementIndex) -> Self {
        Entry { task_definition, provider, strategies: strategies.to_vec(), known_instances: cluster.instances.len(), index }
    }
}

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
            let check = self.check.then(|| self.placement_rng.clone());
            if let Some(instance) = index.place(&self.cluster, &mut self.placement_rng) {
                if let Some(mut rng) = check {
                    let reference = placement::place(&self.cluster, &index.request(), &mut rng, false);
                    assert_eq!(reference.instance(), Some(instance), "service index and reference disagree");
                    assert_eq!(rng, self.placement_rng, "service index and reference drew differently");
                }
                return Decision { outcome: Outcome::Placed { instance }, explanation: None };
            }
            // Nothing fits: the reference says why (with no candidate it draws nothing).
            // The lead swaps this for the index's own failure once it has one.
            let req = index.request();
            return placement::place(&self.cluster, &req, &mut self.placement_rng, false);
        }
        self.place_service_task_by_reference(service, td, provider.and_then(|(_, m)| m), extra)
    }

    /// The reference `placement::place` for a service task, explained when the scenario asks.
    fn place_service_task_by_reference(&mut self, service: ServiceId, td: usize, member_of: Option<&Constraint>, extra: Option<&Constraint>) -> Decision {
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

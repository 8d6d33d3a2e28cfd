//! A service's placement indexes (the state; `services/place.rs` places through them): one
//! `PlacementIndex` per (task definition revision, capacity provider) the service launches.
//! Its group is the service's group, so `spread(instanceId)`, `spread(attribute:…)` over the
//! service's tasks and `distinctInstance` are answered from the index's counters in O(log n)
//! instead of a scan of every instance. An index is built on the first launch of its revision,
//! rebuilt when UpdateService changes the strategies, dropped when the service launches another
//! revision, and kept current by the same `InstanceChanged` notice as the workloads' indexes
//! (the conductor's listener), plus a catch-up on instances registered since it last looked
//! (registration raises no notice). Nothing here touches the world.

use crate::ecs::instance::InstanceId;
use crate::ecs::placement::index::PlacementIndex;
use crate::ecs::placement::Strategy;
use crate::ecs::Cluster;

/// One index and what it was built for (how many instances it has seen, it knows itself).
#[derive(Debug, Clone)]
struct Entry {
    task_definition: usize,
    provider: Option<usize>,
    /// The strategies it was built with (UpdateService may change the service's).
    strategies: Vec<Strategy>,
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
        }
    }

    /// The indexes held, to hear of changes that not every index reads.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut PlacementIndex> {
        self.entries.iter_mut().map(|e| &mut e.index)
    }

    /// How many indexes are held (tests: built lazily, dropped with their revision).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// The revisions (task definition indexes) indexed, in the order built.
    pub fn revisions(&self) -> Vec<usize> {
        self.entries.iter().map(|e| e.task_definition).collect()
    }

    /// True when no index is held.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Drops the indexes of revisions other than `task_definition`: the service no longer
    /// launches them.
    pub(in crate::sim) fn keep_revision(&mut self, task_definition: usize) {
        self.entries.retain(|e| e.task_definition == task_definition);
    }

    /// The index for (revision, provider) with these strategies, current with the cluster;
    /// `build` makes the request when there is none yet.
    pub(in crate::sim) fn current(
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
                self.entries[i] = Entry::new(task_definition, provider, strategies, build());
                i
            }
            None => {
                self.entries.push(Entry::new(task_definition, provider, strategies, build()));
                self.entries.len() - 1
            }
        };
        let e = &mut self.entries[at];
        let registered = cluster.instances.len();
        if registered > e.index.instances_seen() {
            e.index.instance_added(cluster, InstanceId((registered - 1) as u32));
        }
        &mut e.index
    }
}

impl Entry {
    fn new(task_definition: usize, provider: Option<usize>, strategies: &[Strategy], index: PlacementIndex) -> Self {
        Entry { task_definition, provider, strategies: strategies.to_vec(), index }
    }
}

//! The per-zone counts closing each minute (running and pending tasks, instances counted in
//! the denominators, stranded CPU and memory), kept as sums of each instance's share and
//! brought up to date from the instances that changed since the last minute (each
//! `Notice::InstanceChanged` marks one), so closing a minute costs what changed, not the
//! cluster's size. `check` recomputes them from every instance (under the invariant checks).

use crate::ecs::instance::ContainerInstance;
use crate::ecs::task_def::Reservation;
use crate::ecs::{Cluster, InstanceStatus};

/// One instance's share of its zone's counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Share {
    running: u64,
    pending: u64,
    counted: u64,
    stranded_cpu: u64,
    stranded_mem: u64,
}

impl Share {
    fn of(inst: &ContainerInstance, shapes: &[Reservation]) -> Share {
        let stranded = inst.status == InstanceStatus::Active
            && !inst.fargate
            && !shapes.is_empty()
            && !shapes.iter().any(|r| inst.remaining_cpu_units >= r.cpu_units && inst.remaining_memory_mib >= r.memory_mib);
        Share {
            running: inst.running_tasks_count as u64,
            pending: inst.pending_tasks_count as u64,
            counted: u64::from(counts_in_denominator(inst)),
            stranded_cpu: if stranded { inst.remaining_cpu_units as u64 } else { 0 },
            stranded_mem: if stranded { inst.remaining_memory_mib as u64 } else { 0 },
        }
    }
}

/// Per zone: the sums of its instances' shares.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ZoneCounts {
    pub running: u64,
    pub pending: u64,
    pub instances: u64,
    pub stranded_cpu: u64,
    pub stranded_mem: u64,
}

impl ZoneCounts {
    fn add(&mut self, s: &Share, sign: i64) {
        let f = |v: &mut u64, d: u64| *v = (*v as i64 + sign * d as i64) as u64;
        f(&mut self.running, s.running);
        f(&mut self.pending, s.pending);
        f(&mut self.instances, s.counted);
        f(&mut self.stranded_cpu, s.stranded_cpu);
        f(&mut self.stranded_mem, s.stranded_mem);
    }
}

#[derive(Debug, Clone, Default)]
pub struct Totals {
    /// Per instance: its share as last counted.
    shares: Vec<Share>,
    /// Instances changed since the last minute closed, each once.
    dirty: Vec<u32>,
    is_dirty: Vec<bool>,
    zones: Vec<ZoneCounts>,
}

impl Totals {
    /// An instance joined (or the run starts with it): counted at the next minute's end.
    pub fn instance_added(&mut self, id: usize) {
        if self.shares.len() <= id {
            self.shares.resize(id + 1, Share::default());
            self.is_dirty.resize(id + 1, false);
        }
        self.instance_changed(id);
    }

    /// Something of the instance changed (tasks, resources, status).
    pub fn instance_changed(&mut self, id: usize) {
        if let Some(flag) = self.is_dirty.get_mut(id).filter(|f| !**f) {
            *flag = true;
            self.dirty.push(id as u32);
        }
    }

    /// The zones' counts now (`zone_of`: instance → zone; `zones`: how many zones).
    pub fn refresh(&mut self, cluster: &Cluster, zone_of: &[usize], zones: usize, shapes: &[Reservation]) -> &[ZoneCounts] {
        if self.zones.len() < zones {
            self.zones.resize(zones, ZoneCounts::default());
        }
        for id in self.dirty.drain(..) {
            let i = id as usize;
            self.is_dirty[i] = false;
            let (Some(inst), Some(&z)) = (cluster.instances.get(i), zone_of.get(i)) else { continue };
            let new = Share::of(inst, shapes);
            let old = std::mem::replace(&mut self.shares[i], new);
            if old != new {
                self.zones[z].add(&old, -1);
                self.zones[z].add(&new, 1);
            }
        }
        &self.zones[..zones]
    }

    /// The counts recomputed from every instance equal the kept ones (the invariant checks).
    pub fn check(&self, cluster: &Cluster, zone_of: &[usize], shapes: &[Reservation]) {
        let mut zones = vec![ZoneCounts::default(); self.zones.len()];
        for (inst, &z) in cluster.instances.iter().zip(zone_of) {
            zones[z].add(&Share::of(inst, shapes), 1);
        }
        assert_eq!(zones, self.zones, "the recorder's per-zone counts missed an instance change");
    }
}

/// ACTIVE and DRAINING instances count in the reservation denominators (docs/ecs-model.md#reservation-edge-cases); a Fargate
/// task's capacity never does.
pub(super) fn counts_in_denominator(inst: &ContainerInstance) -> bool {
    matches!(inst.status, InstanceStatus::Active | InstanceStatus::Draining) && !inst.fargate
}

//! The faults' own state: the step an `Event::Fault` carries out (`FaultStep`), each fault's
//! target-picking stream, the unreachable instances, the zones in an outage, and each
//! occurrence with the watches that measure what it did to the services. Nothing here touches
//! the world; `faults/mod.rs` and `faults/steps.rs` carry the faults out.

use crate::ecs::instance::InstanceId;
use crate::engine::{SimTime, StreamRng, Streams};
use crate::model::Scenario;
use crate::sim::unreachable::Unreachable;

/// The step of a `[[faults]]` entry an `Event::Fault` carries out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultStep {
    /// The fault strikes (its target given, or picked then).
    Fire,
    /// ECS learns of an unreachable instance (target: the instance, or the occurrence).
    Detect,
    /// An Auto Scaling group's health check replaces a failed member (target: the instance).
    Replace,
    /// A disconnection or outage is over (target: the occurrence).
    End,
    /// A Spot instance's two minutes are over (target: the occurrence).
    SpotTerminate,
    /// A Fargate Spot task's two minutes are over (target: the task).
    FargateKill,
    /// A zone outage's group health check (target: the occurrence).
    ZoneReplace,
}

#[derive(Debug, Clone)]
pub(super) struct Watch {
    pub(super) occurrence: u32,
    pub(super) service: u16,
    pub(super) desired: u32,
    pub(super) tasks_lost: u32,
    pub(super) lowest: u32,
    /// Tasks the fault hit that have not reached STOPPED yet.
    pub(super) pending: Vec<u32>,
    pub(super) recovered: Option<SimTime>,
}

#[derive(Debug, Clone)]
pub(super) struct Occurrence {
    pub(super) fault: u16,
    pub(super) target: String,
    pub(super) start: SimTime,
    pub(super) end: Option<SimTime>,
    /// The fault is still doing damage (an outage or disconnection not over, a bad deployment
    /// in progress): no recovery before it is over.
    pub(super) ongoing: bool,
    pub(super) failed_at_start: u64,
    pub(super) failed_at_close: Option<u64>,
    pub(super) detail: String,
    /// Instances it took down (unreachable), for its detection and replacement steps.
    pub(super) instances: Vec<InstanceId>,
}

/// The faults' state in the run.
pub struct FaultState {
    pub(super) streams: Streams,
    /// Per fault: the stream that picks targets.
    pub(super) pick: Vec<StreamRng>,
    /// Unreachable instances, and the task timers frozen on them.
    pub unreachable: Unreachable,
    /// Per cluster zone (`scenario.capacity.zones`): in an outage.
    pub zone_out: Vec<bool>,
    pub(super) occurrences: Vec<Occurrence>,
    pub(super) watches: Vec<Watch>,
    pub(super) open_watches: usize,
    /// Per service: tasks that reached RUNNING (the index of a task's lifetime stream), and
    /// Fargate Spot tasks started.
    pub(super) running_seen: Vec<u32>,
    pub(super) spot_seen: Vec<u32>,
}

impl FaultState {
    pub fn new(scenario: &Scenario, streams: &Streams) -> Self {
        FaultState {
            streams: *streams,
            pick: scenario.faults.iter().map(|f| streams.get(&format!("fault/{}", f.name))).collect(),
            unreachable: Unreachable::new(scenario.cluster.instances.len()),
            zone_out: vec![false; scenario.capacity.zones.len()],
            occurrences: Vec::new(),
            watches: Vec::new(),
            open_watches: 0,
            running_seen: vec![0; scenario.services.len()],
            spot_seen: vec![0; scenario.services.len()],
        }
    }

    pub(super) fn lifetime_stream(&self, fault: &str, what: &str, n: u32) -> StreamRng {
        self.streams.get(&format!("fault/{fault}/{what}/{n}"))
    }
}

//! The faults' own state: the step an `Event::Fault` carries out (`FaultStep`), each fault's
//! target-picking stream, the unreachable instances, the zones in an outage, and each
//! occurrence with the watches that measure what it did to the services. Nothing here touches
//! the world; `faults/mod.rs` and `faults/steps.rs` carry the faults out.

use crate::ecs::instance::InstanceId;
use crate::engine::{SimTime, StreamRng, Streams};
use crate::model::Scenario;
use crate::sim::ids::FaultId;
use crate::sim::ids::ServiceId;
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
    pub(super) service: ServiceId,
    pub(super) desired: u32,
    pub(super) tasks_lost: u32,
    pub(super) lowest: u32,
    /// Tasks the fault hit that have not reached STOPPED yet.
    pub(super) pending: Vec<u32>,
    pub(super) recovered: Option<SimTime>,
}

#[derive(Debug, Clone)]
pub(super) struct Occurrence {
    pub(super) fault: FaultId,
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
    /// The state for `scenario`'s faults on a cluster of `instances` instances at t = 0 (the
    /// world's cluster: the scenario's own may have been moved into the world).
    pub fn new(scenario: &Scenario, instances: usize, streams: &Streams) -> Self {
        let names: Vec<&str> = scenario.faults.iter().map(|f| f.name.as_str()).collect();
        Self::sized(streams, &names, instances, scenario.capacity.zones.len(), scenario.services.len())
    }

    /// The state for faults named `names` on a cluster of `instances` instances, `zones` zones
    /// and `services` services, before anything happened.
    pub fn sized(streams: &Streams, names: &[&str], instances: usize, zones: usize, services: usize) -> Self {
        FaultState {
            streams: *streams,
            pick: names.iter().map(|name| streams.get(&format!("fault/{name}"))).collect(),
            unreachable: Unreachable::new(instances),
            zone_out: vec![false; zones],
            occurrences: Vec::new(),
            watches: Vec::new(),
            open_watches: 0,
            running_seen: vec![0; services],
            spot_seen: vec![0; services],
        }
    }

    /// A new occurrence of fault `fault` (its index is the occurrence's id); `failed_at_start`:
    /// the run's failed requests so far, from which its own are counted.
    pub(super) fn open_occurrence(
        &mut self,
        now: SimTime,
        fault: FaultId,
        target: String,
        detail: String,
        ongoing: bool,
        failed_at_start: u64,
    ) -> u32 {
        self.occurrences.push(Occurrence {
            fault,
            target,
            start: now,
            end: None,
            ongoing,
            failed_at_start,
            failed_at_close: None,
            detail,
            instances: Vec::new(),
        });
        (self.occurrences.len() - 1) as u32
    }

    /// The occurrence's damage is over (a disconnection or outage ended, a Spot instance is
    /// gone): from now on its watches may recover.
    pub(super) fn end_occurrence(&mut self, o: usize, now: SimTime) {
        self.occurrences[o].end = Some(now);
        self.occurrences[o].ongoing = false;
    }

    /// Watches `service` for occurrence `o`, from `desired` tasks of which `healthy` are
    /// healthy and reachable; `tasks`: the tasks it hit.
    pub(super) fn open_watch(&mut self, o: u32, service: ServiceId, desired: u32, healthy: u32, tasks: Vec<u32>) {
        self.watches.push(Watch {
            occurrence: o,
            service,
            desired,
            tasks_lost: tasks.len() as u32,
            lowest: healthy,
            pending: tasks,
            recovered: None,
        });
        self.open_watches += 1;
    }

    /// Occurrence `o` is over: the tasks it hit for which `survived` holds are no longer lost.
    pub(super) fn release_survivors(&mut self, o: u32, survived: impl Fn(&Unreachable, u32) -> bool) {
        let unreachable = &self.unreachable;
        for w in self.watches.iter_mut().filter(|w| w.occurrence == o) {
            let survivors = w.pending.iter().filter(|&&t| survived(unreachable, t)).count() as u32;
            w.pending.retain(|&t| !survived(unreachable, t));
            w.tasks_lost = w.tasks_lost.saturating_sub(survivors);
        }
    }

    pub(super) fn lifetime_stream(&self, fault: &str, what: &str, n: u32) -> StreamRng {
        self.streams.get(&format!("fault/{fault}/{what}/{n}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state() -> FaultState {
        FaultState::sized(&Streams::new(11), &["wear", "outage"], 4, 2, 3)
    }

    /// Occurrences and watches are numbered in the order they open; a watch counts the tasks
    /// it hit and starts from the healthy count it saw; ending an occurrence lets it recover.
    #[test]
    fn occurrences_and_watches_open_in_order() {
        let mut f = state();
        let now = SimTime::from_secs(30);
        assert_eq!(f.open_occurrence(now, FaultId(1), "us-east-1a".into(), "zone down".into(), true, 5), 0);
        assert_eq!(f.open_occurrence(now, FaultId(0), "i-1".into(), "failure".into(), false, 7), 1);
        f.open_watch(0, ServiceId(2), 4, 3, vec![10, 11]);
        f.open_watch(1, ServiceId(2), 4, 2, vec![12]);
        assert_eq!(f.open_watches, 2);
        let w = &f.watches[0];
        assert_eq!((w.occurrence, w.service, w.desired, w.tasks_lost, w.lowest, w.recovered), (0, ServiceId(2), 4, 2, 3, None));
        assert!(f.occurrences[0].ongoing && f.occurrences[0].end.is_none());
        f.end_occurrence(0, SimTime::from_secs(90));
        assert_eq!((f.occurrences[0].ongoing, f.occurrences[0].end), (false, Some(SimTime::from_secs(90))));
        assert_eq!(f.occurrences[1].failed_at_start, 7);
    }

    /// When an occurrence is over, the tasks it hit that are still there are not lost; the
    /// other occurrences' watches are untouched.
    #[test]
    fn survivors_are_released_from_their_occurrence_only() {
        let mut f = state();
        f.open_occurrence(SimTime::ZERO, FaultId(0), "a".into(), String::new(), false, 0);
        f.open_occurrence(SimTime::ZERO, FaultId(1), "b".into(), String::new(), false, 0);
        f.open_watch(0, ServiceId(0), 3, 1, vec![1, 2, 3]);
        f.open_watch(1, ServiceId(0), 3, 1, vec![2]);
        f.unreachable.set_down(InstanceId(3), 0);
        // Task t runs on instance t; task 2 survived, task 3 is on an instance still down.
        f.release_survivors(0, |unreachable, t| t != 1 && !unreachable.is_down(InstanceId(t)));
        assert_eq!((f.watches[0].tasks_lost, f.watches[0].pending.clone()), (2, vec![1, 3]));
        assert_eq!((f.watches[1].tasks_lost, f.watches[1].pending.clone()), (1, vec![2]));
    }

    /// A target's lifetime stream depends on the fault, the kind of target and its ordinal
    /// only, so failure times do not move when anything else in the run does.
    #[test]
    fn lifetime_streams_are_named_by_fault_and_target() {
        use rand::Rng;
        let f = state();
        let draw = |fault: &str, what: &str, n: u32| f.lifetime_stream(fault, what, n).gen::<u64>();
        assert_eq!(draw("wear", "instance", 2), draw("wear", "instance", 2));
        assert_ne!(draw("wear", "instance", 2), draw("wear", "instance", 3));
        assert_ne!(draw("wear", "instance", 2), draw("outage", "instance", 2));
        assert_eq!(f.pick.len(), 2);
        assert_eq!(f.zone_out, vec![false, false]);
    }
}

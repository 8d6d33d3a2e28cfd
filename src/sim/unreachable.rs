//! Which instances are unreachable (a failure, a zone outage, a disconnection: the fault that
//! took each down), and the task timers that went off on them meanwhile. Faults set it; the
//! task lifecycle reads it (an unreachable instance's agent reports nothing).

use crate::ecs::instance::InstanceId;
use crate::sim::task::TaskTimer;

/// A task timer that could not be reported: (task, generation, timer).
pub type FrozenTimer = (u32, u32, TaskTimer);

/// Unreachable instances and their frozen task timers.
#[derive(Debug, Clone, Default)]
pub struct Unreachable {
    /// Per instance (grown as instances register): the fault occurrence that took it down.
    down: Vec<Option<u32>>,
    /// Task timers that went off on an unreachable instance, fired again when it is back.
    frozen: Vec<FrozenTimer>,
}

impl Unreachable {
    pub fn new(instances: usize) -> Self {
        Unreachable { down: vec![None; instances], frozen: Vec::new() }
    }

    pub fn is_down(&self, instance: InstanceId) -> bool {
        self.down_by(instance).is_some()
    }

    /// The fault occurrence that took `instance` down, if it is down.
    pub fn down_by(&self, instance: InstanceId) -> Option<u32> {
        self.down.get(instance.index()).copied().flatten()
    }

    /// An instance registered during the run: reachable.
    pub fn registered(&mut self, instance: InstanceId) {
        let i = instance.index();
        if self.down.len() <= i {
            self.down.resize(i + 1, None);
        }
    }

    pub fn set_down(&mut self, instance: InstanceId, occurrence: u32) {
        self.registered(instance);
        self.down[instance.index()] = Some(occurrence);
    }

    pub fn set_up(&mut self, instance: InstanceId) {
        if let Some(d) = self.down.get_mut(instance.index()) {
            *d = None;
        }
    }

    /// A timer of a task on an unreachable instance went off: it waits for the instance.
    pub fn freeze(&mut self, timer: FrozenTimer) {
        self.frozen.push(timer);
    }

    /// The frozen timers for which `on_instance` holds, in the order they froze; the others stay.
    pub fn thaw(&mut self, on_instance: impl Fn(u32) -> bool) -> Vec<FrozenTimer> {
        let (thawed, kept): (Vec<_>, Vec<_>) = self.frozen.drain(..).partition(|&(task, _, _)| on_instance(task));
        self.frozen = kept;
        thawed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An instance taken down by occurrence 3 is down until set up; its frozen timers come back
    /// in order, the others stay frozen.
    #[test]
    fn down_then_up_thaws_only_its_timers() {
        let mut u = Unreachable::new(2);
        let (a, b) = (InstanceId(0), InstanceId(1));
        assert!(!u.is_down(a));
        u.set_down(a, 3);
        assert_eq!(u.down_by(a), Some(3));
        assert!(!u.is_down(b));
        u.freeze((10, 1, TaskTimer::Started));
        u.freeze((11, 4, TaskTimer::ContainersStopped));
        u.freeze((12, 2, TaskTimer::HealthCheck));
        u.set_up(a);
        assert!(!u.is_down(a));
        // Tasks 10 and 12 run on `a`.
        let thawed = u.thaw(|task| task != 11);
        assert_eq!(thawed, vec![(10, 1, TaskTimer::Started), (12, 2, TaskTimer::HealthCheck)]);
        assert_eq!(u.thaw(|_| true), vec![(11, 4, TaskTimer::ContainersStopped)]);
        // An instance registered later is reachable; one set down later is down.
        u.registered(InstanceId(5));
        assert!(!u.is_down(InstanceId(5)));
        u.set_down(InstanceId(7), 0);
        assert_eq!(u.down_by(InstanceId(7)), Some(0));
    }
}

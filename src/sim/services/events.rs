//! What a service says in events.csv (docs/ecs-model.md#steady-state-and-events) — tasks started, tasks stopped, problems
//! (not repeated while they persist), launches that keep failing — and the scheduler's stops,
//! remembered so that one evaluation's stops make one event.

use crate::ecs::task::StopCode;
use crate::engine::SimTime;
use crate::sim::ids::ServiceId;
use crate::sim::ids::TaskId;
use crate::sim::recorder::{EventKind, EventSource};
use crate::sim::world::World;

impl World<'_> {
    pub(super) fn service_event(&mut self, now: SimTime, service: ServiceId, message: String) {
        self.recorder.event(now, EventKind::Service, None, EventSource::Service(service), None, "", &message);
    }

    /// A launch failed: a task stopped before RUNNING, or placing one failed (docs/ecs-model.md#launch-throttling). The
    /// throttle counts it, and at the 3rd failure in a row the service says so.
    pub(in crate::sim) fn record_launch_failure(&mut self, now: SimTime, service: ServiceId) {
        let s = &mut self.services[service.index()];
        s.throttle.record_failure(now.whole_secs());
        if s.throttle.should_emit_event() {
            let name = s.name.clone();
            self.service_event(now, service, format!("service {name} is unable to consistently start tasks successfully."));
        }
    }

    /// A problem event, not repeated while the same problem persists (docs/ecs-model.md#steady-state-and-events).
    pub(in crate::sim) fn problem(&mut self, now: SimTime, service: ServiceId, message: String) {
        if self.services[service.index()].new_problem(&message) {
            self.service_event(now, service, message);
        }
    }

    /// "service X has started N tasks: (task …)." (docs/ecs-model.md#steady-state-and-events).
    pub(in crate::sim) fn report_starts(&mut self, now: SimTime, service: ServiceId, started: &[TaskId]) {
        if started.is_empty() {
            return;
        }
        let name = self.services[service.index()].name.clone();
        let list: Vec<String> = started.iter().map(|t| format!("t-{:06}", t.0)).collect();
        self.services[service.index()].last_problem.clear();
        self.service_event(now, service, format!("service {name} has started {} tasks: (task {}).", started.len(), list.join(") (task ")));
    }

    /// The scheduler stops one of the service's tasks (reported with the evaluation's others).
    pub(super) fn stop_service_task(&mut self, now: SimTime, task: TaskId) {
        if self.tasks[task.index()].desired_running {
            self.stop_task(now, task, StopCode::ServiceSchedulerInitiated);
            self.stopped_this_evaluation.push(task);
        }
    }

    /// "service X has stopped N running tasks: (task …)." for the stops of one evaluation.
    pub(super) fn report_stops(&mut self, now: SimTime, service: ServiceId) {
        if self.stopped_this_evaluation.is_empty() {
            return;
        }
        let list: Vec<String> = self.stopped_this_evaluation.drain(..).map(|t| format!("t-{:06}", t.0)).collect();
        let name = self.services[service.index()].name.clone();
        self.service_event(
            now,
            service,
            format!("service {name} has stopped {} running tasks: (task {}).", list.len(), list.join(") (task ")),
        );
    }
}

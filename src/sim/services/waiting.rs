//! Services waiting for resources (docs/ecs-model.md#simulated-time: a service is re-evaluated as soon as something that
//! can affect it changes). A service whose last launch could not be placed is waiting; when a task
//! stops, the room it frees is offered at once — to waiting DAEMON services first (docs/ecs-model.md#daemon-services: the
//! daemon is the first task launched on an instance), then to the stopped task's own service,
//! then to the other waiting REPLICA services in service order — instead of at the next 15 s tick.

use crate::ecs::service::SchedulingStrategy;
use crate::engine::SimTime;
use crate::sim::ids::ServiceId;
use crate::sim::ids::TaskId;
use crate::sim::notice::Notice;
use crate::sim::world::World;

impl World<'_> {
    /// A task stopped and returned what it held: `notify_owner`, with the services waiting for
    /// resources re-evaluated around it in the order above. Evaluations at one instant coalesce.
    pub(in crate::sim) fn task_stopped_reevaluate(&mut self, now: SimTime, task: TaskId) {
        self.request_waiting(now, SchedulingStrategy::Daemon);
        self.notify(now, Notice::TaskChanged { task });
        self.request_waiting(now, SchedulingStrategy::Replica);
    }

    fn request_waiting(&mut self, now: SimTime, scheduling: SchedulingStrategy) {
        for s in 0..self.services.len() {
            let service = &self.services[s];
            if service.waiting_for_resources && service.scheduling == scheduling {
                self.request_evaluation(now, ServiceId::at(s));
            }
        }
    }
}

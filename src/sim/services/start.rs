//! Starting one service task on the instance its placement chose: bind it, start its
//! lifecycle, and record it in the service. The lowest layer of launching, shared by the
//! placement path (`launch`) and the capacity-provider path (`capacity::services`), so that
//! neither calls the other back.

use crate::engine::SimTime;
use crate::sim::ids::ServiceId;
use crate::sim::ids::TaskId;
use crate::sim::lifecycle::NewTask;
use crate::sim::recorder::EventKind;
use crate::sim::task::Owner;
use crate::sim::world::World;

impl World<'_> {
    /// Binds a placed task of the service and starts it.
    pub(in crate::sim) fn start_service_task(
        &mut self,
        now: SimTime,
        service: ServiceId,
        instance: crate::ecs::InstanceId,
        td: usize,
        deployment: u32,
        detail: &str,
    ) -> TaskId {
        let start_delay = self.scenario.lifecycle.start_delay.sample(&mut self.lifecycle_rng);
        self.start_service_task_after(now, service, instance, td, deployment, detail, start_delay)
    }

    /// `start_service_task` with the PENDING → RUNNING delay given (Fargate draws its own).
    #[allow(clippy::too_many_arguments)] // the task's identity, one argument per field
    pub(in crate::sim) fn start_service_task_after(
        &mut self,
        now: SimTime,
        service: ServiceId,
        instance: crate::ecs::InstanceId,
        td: usize,
        deployment: u32,
        detail: &str,
        start_delay: crate::engine::Span,
    ) -> TaskId {
        let group = self.services[service.index()].group;
        let new = NewTask {
            owner: Owner::Service(service),
            task_definition: td as u16,
            group,
            deployment,
            submitted_at: now,
            run_time: None,
            start_delay,
        };
        let task = self.start_task(now, instance, new);
        self.services[service.index()].tasks.push(task);
        self.record(now, EventKind::Placed, task, "", detail);
        task
    }
}

//! Notices: what one concern of the run must tell the others. A concern that changes something
//! others follow (the cluster, a task, a service, an alarm) says so with a `Notice`; the world
//! hands it to every listener in one place (`World::notify`, in `sim/mod.rs`), so that the
//! concern does not call into the listeners and a new listener is one line there.
//!
//! Notices are handled at once, depth first, where they are raised: the calls they replace ran
//! there, and the run's outputs depend on that order.

use crate::ecs::instance::{GroupId, InstanceId};
use crate::sim::ids::ServiceId;
use crate::sim::ids::TaskId;

/// Something that happened in one concern that others follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    /// An instance's resources, status, tasks or agent changed: the placement indexes re-read it.
    InstanceChanged(InstanceId),
    /// A task on the instance started: only its running and pending counts changed, which a
    /// placement index reads only through a `memberOf` constraint (`runningTasksCount`).
    InstanceTaskStarted(InstanceId),
    /// A task of `group` on the instance began stopping: only the group's spread count there
    /// changed (it still holds its resources), which an index reads only when it serves that
    /// group or has constraints.
    InstanceTaskStopping { instance: InstanceId, group: GroupId },
    /// An instance registered with the cluster (a RunInstances action): capacity bills it.
    InstanceRegistered(InstanceId),
    /// An Auto Scaling group's instance registered: faults draw its lifetime.
    GroupInstanceRegistered(InstanceId),
    /// An instance became INACTIVE: capacity closes its bill and its group forgets it.
    InstanceGone(InstanceId),
    /// A task's state or health changed: its service re-evaluates (coalesced).
    TaskChanged { task: TaskId },
    /// A service task reached RUNNING: faults draw its crash time.
    TaskRunning { task: TaskId },
    /// A task reached STOPPED and returned what it held: its service and the services waiting
    /// for room re-evaluate, capacity retires Fargate capacity or a drained instance, waiting
    /// standalone tasks try again.
    TaskStopped { task: TaskId },
    /// A Fargate Spot task of `service` was started: faults draw its interruption.
    FargateSpotStarted { task: TaskId, service: ServiceId },
    /// A service's tasks or deployments changed: the fault watches on it update.
    ServiceChanged { service: ServiceId },
    /// An alarm entered or left ALARM: the services whose deployments watch alarms re-evaluate.
    AlarmChanged,
}

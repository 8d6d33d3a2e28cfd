//! The data of one task of the run: who owns it (`Owner`), where it is in its life (`Task`),
//! and the timers its lifecycle sets (`TaskTimer`). Plain data, shared by every concern that
//! reads tasks (the lifecycle, services, faults, the recorder); it names no behaviour.

use crate::ecs::instance::{Binding, GroupId, InstanceId};
use crate::ecs::task::{LastStatus, StopCode};
use crate::engine::{SimTime, Span};
use crate::sim::ids::ServiceId;

/// What a task timer is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskTimer {
    /// PENDING → RUNNING (image pulled, containers started).
    Started,
    /// PENDING → STOPPED: the task failed to start (a bad revision).
    FailedToStart,
    /// An essential container exited (crash, or a standalone task's work is done).
    Exited,
    /// A container health check runs.
    HealthCheck,
    /// A container health check's result is known (after the application's response time, or
    /// at the check's timeout).
    HealthCheckResult { passed: bool },
    /// The container at this index of the revision's `container_exits` exits.
    ContainerExited(u16),
    /// 40 s RUNNING: a service task without health checks counts as healthy.
    HealthyByTime,
    /// DEACTIVATING is over (target deregistered): STOPPING, SIGTERM.
    Deactivated,
    /// The containers have exited (or were killed after stopTimeout): STOPPED.
    ContainersStopped,
}

/// Who a task belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    Workload(u16),
    Service(ServiceId),
    /// Started by a RunTask action.
    Action,
}

/// A task placed on an instance.
#[derive(Debug, Clone)]
pub struct Task {
    pub owner: Owner,
    pub task_definition: u16,
    pub group: GroupId,
    /// The service deployment it belongs to (0 for standalone tasks).
    pub deployment: u32,
    pub instance: InstanceId,
    pub binding: Binding,
    pub last_status: LastStatus,
    pub desired_running: bool,
    /// Bumped on every state change; timers carry it and are dropped when it moved on.
    pub generation: u32,
    pub submitted_at: SimTime,
    pub placed_at: SimTime,
    pub running_at: Option<SimTime>,
    /// When desiredStatus became STOPPED.
    pub stopping_at: Option<SimTime>,
    pub stopped_at: Option<SimTime>,
    /// Standalone tasks: how long the work takes once RUNNING.
    pub run_time: Option<Span>,
    /// Container health: None = UNKNOWN (or no health check), Some(true) HEALTHY.
    pub container_healthy: Option<bool>,
    pub health_failures: u32,
    /// Counts as healthy for minimumHealthyPercent.
    pub healthy: bool,
    pub stop_code: Option<StopCode>,
    /// Stopped because a health check failed (circuit breaker stage 2).
    pub stopped_for_health: bool,
    /// The application has already exited (no SIGTERM wait in the stop sequence).
    pub exited: bool,
    /// Task scale-in protection expires then.
    pub protected_until: Option<SimTime>,
}

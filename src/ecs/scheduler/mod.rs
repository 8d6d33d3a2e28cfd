//! The service scheduler's decisions as pure functions of plain inputs
//! (docs/ecs-model.md#scale-in-and-rebalancing–docs/ecs-model.md#deployments): which
//! tasks count as healthy, how many tasks a rolling update starts and stops in one evaluation,
//! which tasks a scale-in stops, the launch throttle, the circuit-breaker threshold, and the
//! stages, traffic steps and hook answers of blue/green, linear and canary deployments.
//!
//! The simulation (`sim`) owns the state and the clock; it builds `TaskView`s, asks these
//! functions, and carries out the answer. Each function is unit-tested on the model's worked
//! examples.

pub mod blue_green;
pub mod circuit_breaker;
pub mod health;
pub mod rolling;
pub mod scale_in;
pub mod throttle;

use super::instance::InstanceId;
use super::task::LastStatus;

/// What the scheduler sees of one task of a service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaskView {
    /// The task's index in the simulation (creation order: lower = older).
    pub id: u32,
    pub instance: InstanceId,
    /// The deployment the task belongs to (index into the service's deployments).
    pub deployment: u32,
    pub last_status: LastStatus,
    /// `desiredStatus = RUNNING` (false once the scheduler or a user decided to stop it).
    pub desired_running: bool,
    /// Counts as healthy for `minimumHealthyPercent` (docs/ecs-model.md#healthy-tasks; see `health`).
    pub healthy: bool,
    /// Known to be unhealthy (failed container or target health check after the grace period).
    pub unhealthy: bool,
    /// The task's instance is DRAINING (its tasks are "old" for docs/ecs-model.md#draining).
    pub on_draining_instance: bool,
    /// Task scale-in protection is on and not expired (docs/ecs-model.md#scale-in).
    pub protected: bool,
}

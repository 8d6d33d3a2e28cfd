//! Service Auto Scaling in a validated scenario (docs/ecs-model.md#service-auto-scaling): a service's scalable target with its
//! policies and scheduled actions.

use crate::autoscaling::scheduled::ScheduledAction;
use crate::autoscaling::{ScalableTarget, ScalingPolicy};

/// A service's scalable target with its policies and scheduled actions, resolved.
#[derive(Debug, Clone)]
pub struct ScalingSpec {
    /// Index into `Scenario::services`.
    pub service: usize,
    pub target: ScalableTarget,
    pub policies: Vec<ScalingPolicy>,
    /// Per policy: the alarms that invoke it (a step policy's; empty for target tracking, whose
    /// alarms the simulation creates).
    pub invoked_by: Vec<Vec<String>>,
    pub scheduled: Vec<ScheduledAction>,
}

//! The scalable target (docs/ecs-model.md#scaling-settings): which service, the capacity range every policy and
//! scheduled action stays inside, and which scaling processes are suspended.

use super::ScalingDecision;
use std::fmt;

/// The only `ServiceNamespace` ecsim models.
pub const ECS_NAMESPACE: &str = "ecs";
/// The only `ScalableDimension` of an ECS service.
pub const ECS_SCALABLE_DIMENSION: &str = "ecs:service:DesiredCount";

/// `SuspendedState`: each flag stops one kind of scaling (false = running, the default).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SuspendedState {
    /// `DynamicScalingInSuspended`: policies do not remove tasks.
    pub dynamic_in: bool,
    /// `DynamicScalingOutSuspended`: policies do not add tasks.
    pub dynamic_out: bool,
    /// `ScheduledScalingSuspended`: scheduled actions do not run.
    pub scheduled: bool,
}

/// `RegisterScalableTarget` for one ECS service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScalableTarget {
    /// `service/<cluster>/<service>`.
    pub resource_id: String,
    pub min_capacity: u32,
    pub max_capacity: u32,
    pub suspended: SuspendedState,
}

/// Which setting a [`TargetError`] is about, so a file loader can point at it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetField {
    ResourceId,
    MinCapacity,
    MaxCapacity,
}

/// A scalable target Application Auto Scaling would refuse, with what to change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetError {
    pub field: TargetField,
    pub message: String,
    pub help: String,
}

impl fmt::Display for TargetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.message, self.help)
    }
}

impl std::error::Error for TargetError {}

/// `(cluster, service)` of a `service/<cluster>/<service>` resource id, or why it is not one.
pub fn parse_resource_id(id: &str) -> Result<(&str, &str), String> {
    let mut parts = id.split('/');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some("service"), Some(cluster), Some(service), None) if !cluster.is_empty() && !service.is_empty() => Ok((cluster, service)),
        _ => Err(format!("resource id {id:?} is not of the form service/<cluster>/<service>")),
    }
}

impl ScalableTarget {
    /// A target with nothing suspended, validated.
    pub fn new(resource_id: impl Into<String>, min_capacity: u32, max_capacity: u32) -> Result<Self, TargetError> {
        let t = ScalableTarget { resource_id: resource_id.into(), min_capacity, max_capacity, suspended: SuspendedState::default() };
        t.validate()?;
        Ok(t)
    }

    /// The checks RegisterScalableTarget makes: a well-formed resource id and Min ≤ Max.
    pub fn validate(&self) -> Result<(), TargetError> {
        if let Err(message) = parse_resource_id(&self.resource_id) {
            return Err(TargetError {
                field: TargetField::ResourceId,
                message,
                help: "write the service as service/<cluster name>/<service name>, e.g. service/default/web".into(),
            });
        }
        if self.min_capacity > self.max_capacity {
            return Err(TargetError {
                field: TargetField::MinCapacity,
                message: format!("MinCapacity ({}) is above MaxCapacity ({})", self.min_capacity, self.max_capacity),
                help: format!("lower MinCapacity to at most {} or raise MaxCapacity to at least {}", self.max_capacity, self.min_capacity),
            });
        }
        Ok(())
    }

    /// The cluster name in the resource id ("" when it is malformed; `validate` says so).
    pub fn cluster_name(&self) -> &str {
        parse_resource_id(&self.resource_id).map_or("", |(c, _)| c)
    }

    /// The service name in the resource id ("" when it is malformed).
    pub fn service_name(&self) -> &str {
        parse_resource_id(&self.resource_id).map_or("", |(_, s)| s)
    }

    /// `n` brought into [MinCapacity, MaxCapacity].
    pub fn clamp(&self, n: u32) -> u32 {
        n.clamp(self.min_capacity, self.max_capacity.max(self.min_capacity))
    }

    /// What Application Auto Scaling does when it finds the desired count outside the range
    /// (at registration, after a scheduled action changed the range): scale out to the minimum,
    /// or scale in to the maximum. Scale-in waits while a deployment is in progress (ECS turns
    /// scale-in off during deployments, docs/ecs-model.md#rolling-updates), so the caller calls this again when the
    /// deployment completes.
    pub fn enforce_bounds(&self, current_desired: u32, deployment_in_progress: bool) -> Option<ScalingDecision> {
        if current_desired < self.min_capacity {
            Some(ScalingDecision {
                new_desired: self.min_capacity,
                reason: format!("desired count {current_desired} is below MinCapacity {}: scale out to it", self.min_capacity),
            })
        } else if current_desired > self.max_capacity && !deployment_in_progress {
            Some(ScalingDecision {
                new_desired: self.max_capacity,
                reason: format!("desired count {current_desired} is above MaxCapacity {}: scale in to it", self.max_capacity),
            })
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn min_above_max_says_what_to_change() {
        let e = ScalableTarget::new("service/prod/web", 5, 2).unwrap_err();
        assert_eq!(e.field, TargetField::MinCapacity);
        assert_eq!(e.message, "MinCapacity (5) is above MaxCapacity (2)");
        assert_eq!(e.help, "lower MinCapacity to at most 2 or raise MaxCapacity to at least 5");
    }

    #[test]
    fn resource_ids_name_a_cluster_and_a_service() {
        let t = ScalableTarget::new("service/prod/web", 1, 4).unwrap();
        assert_eq!((t.cluster_name(), t.service_name()), ("prod", "web"));
        for bad in ["service/prod", "service//web", "table/prod/web", "service/prod/web/x", ""] {
            assert_eq!(ScalableTarget::new(bad, 1, 4).unwrap_err().field, TargetField::ResourceId, "{bad}");
        }
    }

    #[test]
    fn out_of_range_desired_counts_are_brought_back() {
        let t = ScalableTarget::new("service/prod/web", 2, 6).unwrap();
        assert_eq!(t.enforce_bounds(1, false).map(|d| d.new_desired), Some(2));
        assert_eq!(t.enforce_bounds(1, true).map(|d| d.new_desired), Some(2));
        assert_eq!(t.enforce_bounds(9, false).map(|d| d.new_desired), Some(6));
        assert_eq!(t.enforce_bounds(9, true), None, "no scale-in during a deployment");
        assert_eq!(t.enforce_bounds(4, false), None);
    }
}

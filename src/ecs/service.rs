//! Service definitions as CreateService describes them (docs/ecs-model.md#service-fields, docs/ecs-model.md#deployment-settings): the
//! data the
//! scheduler needs. The scheduler itself comes with the services issue.

use super::placement::{Constraint, Strategy};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SchedulingStrategy {
    #[default]
    Replica,
    Daemon,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LaunchType {
    #[default]
    Ec2,
    Fargate,
    External,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CircuitBreaker {
    pub enable: bool,
    pub rollback: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeploymentAlarms {
    pub alarm_names: Vec<String>,
    pub enable: bool,
    pub rollback: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeploymentConfiguration {
    pub minimum_healthy_percent: u32,
    pub maximum_percent: u32,
    pub circuit_breaker: Option<CircuitBreaker>,
    pub alarms: Option<DeploymentAlarms>,
}

impl DeploymentConfiguration {
    /// ECS defaults (docs/ecs-model.md#limits-and-defaults): REPLICA 100/200, DAEMON 0/100.
    pub fn default_for(strategy: SchedulingStrategy) -> Self {
        let (min, max) = match strategy {
            SchedulingStrategy::Replica => (100, 200),
            SchedulingStrategy::Daemon => (0, 100),
        };
        DeploymentConfiguration { minimum_healthy_percent: min, maximum_percent: max, circuit_breaker: None, alarms: None }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LoadBalancerRef {
    pub target_group_arn: Option<String>,
    pub container_name: Option<String>,
    pub container_port: Option<u16>,
}

/// One `capacityProviderStrategy` item as written (validated by `crate::capacity::strategy`
/// when the scenario resolves it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CapacityProviderItem {
    pub capacity_provider: String,
    pub base: u32,
    pub weight: u32,
}

/// A CreateService request, validated.
#[derive(Debug, Clone, Serialize)]
pub struct ServiceDefinition {
    pub service_name: String,
    /// `family`, `family:revision` or an ARN, as written.
    pub task_definition: Option<String>,
    pub desired_count: u32,
    pub launch_type: LaunchType,
    /// `launchType` was written (without it, a strategy or the cluster's default applies).
    pub launch_type_given: bool,
    /// `capacityProviderStrategy` (empty when not given).
    pub capacity_provider_strategy: Vec<CapacityProviderItem>,
    pub scheduling_strategy: SchedulingStrategy,
    pub deployment: DeploymentConfiguration,
    pub placement_strategy: Vec<Strategy>,
    pub placement_constraints: Vec<Constraint>,
    pub load_balancers: Vec<LoadBalancerRef>,
    pub health_check_grace_period_s: u32,
    /// `awsvpcConfiguration.subnets`.
    pub subnets: Vec<String>,
}

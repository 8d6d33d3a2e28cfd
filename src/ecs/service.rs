//! Service definitions as CreateService describes them (docs/ecs-model.md#service-fields, docs/ecs-model.md#deployment-settings): the
//! data the
//! scheduler needs, the blue/green, linear and canary settings included.

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
    /// `strategy` (docs/ecs-model.md#blue-green-deployments): ROLLING unless given.
    pub strategy: DeploymentStrategy,
    /// `bakeTimeInMinutes`: both revisions run this long after production traffic moved.
    pub bake_time_min: u32,
    /// `linearConfiguration` (LINEAR; its defaults when not given).
    pub linear: LinearConfiguration,
    /// `canaryConfiguration` (CANARY; its defaults when not given).
    pub canary: CanaryConfiguration,
    /// `lifecycleHooks`, each with the answer the scenario gives it.
    pub lifecycle_hooks: Vec<LifecycleHook>,
    /// ecsim's own (docs/decisions.md): seconds from ECS moving a listener rule's weights to the
    /// load balancer applying them, and from a stage's start to its hooks' first invocation.
    pub traffic_shift_delay_s: u32,
    pub first_hook_invocation_delay_s: u32,
}

/// `deploymentConfiguration.strategy` (docs/ecs-model.md#blue-green-deployments).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DeploymentStrategy {
    #[default]
    Rolling,
    BlueGreen,
    Linear,
    Canary,
}

impl DeploymentStrategy {
    pub fn as_str(self) -> &'static str {
        match self {
            DeploymentStrategy::Rolling => "ROLLING",
            DeploymentStrategy::BlueGreen => "BLUE_GREEN",
            DeploymentStrategy::Linear => "LINEAR",
            DeploymentStrategy::Canary => "CANARY",
        }
    }
}

/// `linearConfiguration`: production traffic moves `stepPercent` at a time, waiting
/// `stepBakeTimeInMinutes` after each step but the last. Percent in tenths (3.0 % = 30).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LinearConfiguration {
    pub step_permille: u32,
    pub step_bake_time_min: u32,
}

impl Default for LinearConfiguration {
    /// ECS's defaults: 10.0 % every 6 minutes.
    fn default() -> Self {
        LinearConfiguration { step_permille: 100, step_bake_time_min: 6 }
    }
}

/// `canaryConfiguration`: `canaryPercent` of production traffic, then the rest after
/// `canaryBakeTimeInMinutes`. Percent in tenths (5.0 % = 50).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CanaryConfiguration {
    pub canary_permille: u32,
    pub canary_bake_time_min: u32,
}

impl Default for CanaryConfiguration {
    /// ECS's defaults: 5.0 % for 10 minutes.
    fn default() -> Self {
        CanaryConfiguration { canary_permille: 50, canary_bake_time_min: 10 }
    }
}

/// A deployment lifecycle stage (`ServiceDeployment.lifecycleStage`), in the order a blue/green,
/// linear or canary deployment goes through them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LifecycleStage {
    ReconcileService,
    PreScaleUp,
    ScaleUp,
    PostScaleUp,
    TestTrafficShift,
    PostTestTrafficShift,
    ProductionTrafficShift,
    PostProductionTrafficShift,
    BakeTime,
    CleanUp,
}

impl LifecycleStage {
    pub const ALL: [LifecycleStage; 10] = [
        LifecycleStage::ReconcileService,
        LifecycleStage::PreScaleUp,
        LifecycleStage::ScaleUp,
        LifecycleStage::PostScaleUp,
        LifecycleStage::TestTrafficShift,
        LifecycleStage::PostTestTrafficShift,
        LifecycleStage::ProductionTrafficShift,
        LifecycleStage::PostProductionTrafficShift,
        LifecycleStage::BakeTime,
        LifecycleStage::CleanUp,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            LifecycleStage::ReconcileService => "RECONCILE_SERVICE",
            LifecycleStage::PreScaleUp => "PRE_SCALE_UP",
            LifecycleStage::ScaleUp => "SCALE_UP",
            LifecycleStage::PostScaleUp => "POST_SCALE_UP",
            LifecycleStage::TestTrafficShift => "TEST_TRAFFIC_SHIFT",
            LifecycleStage::PostTestTrafficShift => "POST_TEST_TRAFFIC_SHIFT",
            LifecycleStage::ProductionTrafficShift => "PRODUCTION_TRAFFIC_SHIFT",
            LifecycleStage::PostProductionTrafficShift => "POST_PRODUCTION_TRAFFIC_SHIFT",
            LifecycleStage::BakeTime => "BAKE_TIME",
            LifecycleStage::CleanUp => "CLEAN_UP",
        }
    }

    /// The stage named `s` (ECS's spelling).
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// Stages a lifecycle hook may name (SCALE_UP, BAKE_TIME and CLEAN_UP take none).
    pub fn takes_hooks(self) -> bool {
        !matches!(self, LifecycleStage::ScaleUp | LifecycleStage::BakeTime | LifecycleStage::CleanUp)
    }

    /// The stage after this one (`None` after CLEAN_UP).
    pub fn next(self) -> Option<Self> {
        Self::ALL.get(self as usize + 1).copied()
    }
}

/// What a lifecycle hook answers each time ECS invokes it (the scenario stands in for the Lambda
/// function): `hookStatus` SUCCEEDED or FAILED, or IN_PROGRESS until `in_progress_s` seconds have
/// passed since the first invocation, then `then`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct HookAnswer {
    pub in_progress_s: u32,
    /// The final answer: true SUCCEEDED, false FAILED.
    pub succeeds: bool,
}

/// One `lifecycleHooks` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LifecycleHook {
    /// `hookTargetArn` (a Lambda function), as written; a name in the scenario.
    pub hook_target_arn: String,
    pub lifecycle_stages: Vec<LifecycleStage>,
    pub answer: HookAnswer,
    /// `callBackDelay` the function returns with IN_PROGRESS: seconds until ECS invokes it again
    /// (30 by default).
    pub callback_delay_s: u32,
}

impl DeploymentConfiguration {
    /// ECS defaults (docs/ecs-model.md#limits-and-defaults): REPLICA 100/200, DAEMON 0/100.
    pub fn default_for(strategy: SchedulingStrategy) -> Self {
        let (min, max) = match strategy {
            SchedulingStrategy::Replica => (100, 200),
            SchedulingStrategy::Daemon => (0, 100),
        };
        DeploymentConfiguration {
            minimum_healthy_percent: min,
            maximum_percent: max,
            circuit_breaker: None,
            alarms: None,
            strategy: DeploymentStrategy::Rolling,
            bake_time_min: 0,
            linear: LinearConfiguration::default(),
            canary: CanaryConfiguration::default(),
            lifecycle_hooks: Vec::new(),
            traffic_shift_delay_s: 0,
            first_hook_invocation_delay_s: 0,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LoadBalancerRef {
    pub target_group_arn: Option<String>,
    pub container_name: Option<String>,
    pub container_port: Option<u16>,
    /// `advancedConfiguration` (blue/green, linear and canary deployments).
    pub advanced: Option<AdvancedConfiguration>,
}

/// `loadBalancers[].advancedConfiguration`: the second target group and the listener rules ECS
/// moves between the two (docs/ecs-model.md#blue-green-deployments).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AdvancedConfiguration {
    pub alternate_target_group_arn: String,
    pub production_listener_rule: String,
    pub test_listener_rule: Option<String>,
    pub role_arn: String,
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

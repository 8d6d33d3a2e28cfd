//! The scenario file as written (TOML), before validation. Every table denies unknown keys so
//! a typo is an error at its line and column, not a silently ignored setting. Values that need
//! checks serde cannot do carry their span (`Spanned`) so the check can point at them.
//! `docs/scenarios.md` documents every key.

use crate::ecs::placement::{Strategy, TieBreak};
use crate::engine::Span;
use crate::workload::Distribution;
use serde::Deserialize;
use std::collections::BTreeMap;
use toml::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    pub scenario: RawMeta,
    pub cluster: RawCluster,
    #[serde(default)]
    pub task_definitions: Vec<RawTaskDefinition>,
    #[serde(default)]
    pub workload: Vec<RawWorkload>,
    #[serde(default)]
    pub lifecycle: RawLifecycle,
    #[serde(default)]
    pub variants: Vec<RawVariant>,
    #[serde(default)]
    pub services: Vec<RawService>,
    #[serde(default)]
    pub actions: Vec<Spanned<RawAction>>,
    #[serde(default)]
    pub traffic: Vec<super::load_traffic::RawTraffic>,
    #[serde(default)]
    pub alarms: Vec<super::load_alarms::RawAlarm>,
    #[serde(default)]
    pub cloudwatch: RawCloudWatch,
    #[serde(default)]
    pub scaling: Vec<super::load_scaling::RawScaling>,
    #[serde(default)]
    pub target_groups: Vec<super::toml_elb::RawTargetGroup>,
    #[serde(default)]
    pub load_balancers: Vec<super::toml_elb::RawLoadBalancer>,
    #[serde(default)]
    pub auto_scaling_groups: Vec<super::load_capacity::RawAsg>,
    /// EC2 launch templates the groups launch from.
    #[serde(default)]
    pub launch_templates: Vec<super::load_launch_templates::RawLaunchTemplate>,
    #[serde(default)]
    pub capacity_providers: Vec<super::load_providers::RawCapacityProvider>,
    #[serde(default)]
    pub fargate: super::load_capacity::RawFargate,
    #[serde(default)]
    pub faults: Vec<super::load_faults::RawFault>,
    pub slo: Option<super::load_faults::RawSlo>,
    /// What a lesson shows and the steps of its story (changes nothing in the run).
    pub lesson: Option<super::load_lesson::RawLesson>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMeta {
    pub name: Option<String>,
    pub description: Option<String>,
    pub duration: Spanned<Span>,
    #[serde(default = "default_seed")]
    pub seed: u64,
    #[serde(default)]
    pub tie_break: TieBreak,
    /// Record each placement's reasoning in events.csv (default: on for clusters of at most
    /// 200 instances, where it costs little).
    pub explain_placements: Option<bool>,
}

fn default_seed() -> u64 {
    1
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCluster {
    #[serde(default = "default_cluster_name")]
    pub name: String,
    #[serde(default)]
    pub zones: Vec<Spanned<String>>,
    /// `ECS_RESERVED_MEMORY` of every instance, MiB.
    #[serde(default)]
    pub reserved_memory_mib: u32,
    #[serde(default)]
    pub instances: Vec<RawInstanceGroup>,
    /// A describe-container-instances output to start from (relative to the scenario file).
    pub describe_container_instances: Option<Spanned<String>>,
    /// A describe-tasks output for the tasks already running on those instances.
    pub describe_tasks: Option<Spanned<String>>,
    /// The cluster's capacity providers (default: every `[[capacity_providers]]`, FARGATE and
    /// FARGATE_SPOT).
    pub capacity_providers: Option<Spanned<Vec<Spanned<String>>>>,
    /// For services given neither a launch type nor a strategy.
    pub default_capacity_provider_strategy: Option<Spanned<Vec<Spanned<super::load_service_capacity::RawStrategyItem>>>>,
    /// put-cluster-capacity-providers input instead of the two keys above.
    pub capacity_providers_file: Option<Spanned<String>>,
    /// Subnet ID → Availability Zone (for Fargate services' and groups' subnets).
    #[serde(default)]
    pub subnets: BTreeMap<String, String>,
}

fn default_cluster_name() -> String {
    "default".into()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawInstanceGroup {
    pub name: Option<String>,
    #[serde(rename = "type")]
    pub instance_type: Spanned<String>,
    pub count: Spanned<u32>,
    /// Zones to spread the group over, round-robin; default: every cluster zone.
    pub zones: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
    /// Memory the OS reports (MemTotal, MiB); ECS registers it minus reserved_memory_mib.
    pub os_memory_mib: Option<u32>,
    #[serde(default)]
    pub awsvpc_trunking: bool,
    pub price_usd_per_hour: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTaskDefinition {
    /// The name workloads refer to.
    pub name: Spanned<String>,
    /// A RegisterTaskDefinition or DescribeTaskDefinition JSON file.
    pub file: Option<Spanned<String>>,
    /// Inline form: one container with these task-level figures.
    pub family: Option<String>,
    /// Inline form: the revision number (default 1), as in `family:revision`.
    pub revision: Option<u32>,
    pub cpu: Option<u32>,
    pub memory: Option<u32>,
    pub network_mode: Option<Spanned<String>>,
    #[serde(default)]
    pub host_ports: Vec<u16>,
    #[serde(default)]
    pub dynamic_ports: u16,
    #[serde(default)]
    pub gpus: u32,
    /// Inline form: a container health check (seconds).
    pub health_check: Option<RawHealthCheck>,
    /// How the application behaves (a bad revision, crashes, shutdown time).
    #[serde(default)]
    pub behaviour: RawBehaviour,
    /// How the application serves requests behind a load balancer.
    pub serving: Option<Spanned<RawServing>>,
    /// Inline form: `runtimePlatform` (`cpu_architecture` "X86_64" or "ARM64").
    pub runtime_platform: Option<RawRuntimePlatform>,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawRuntimePlatform {
    /// "X86_64" (default) or "ARM64".
    pub cpu_architecture: Option<Spanned<String>>,
    /// "LINUX" (default); the Windows families are billed as Linux, with a warning.
    pub operating_system_family: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawServing {
    /// Workers serving requests in parallel (default 1).
    pub concurrency: Option<u32>,
    /// Time to serve one request with the CPU it wants (default exponential, mean 50 ms).
    pub service_time: Option<Distribution>,
    /// Requests waiting beyond this get a 503 from the task (default unbounded).
    pub queue_limit: Option<usize>,
    /// CPU units a busy worker wants (default 1024: one vCPU).
    pub cpu_per_busy_worker: Option<f64>,
    /// Memory used idle (default: half the task's reservation) and per busy worker (default 0).
    pub memory_base_mib: Option<u32>,
    pub memory_per_busy_worker_mib: Option<f64>,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawHealthCheck {
    #[serde(default = "thirty")]
    pub interval: u32,
    #[serde(default = "five")]
    pub timeout: u32,
    #[serde(default = "three")]
    pub retries: u32,
    #[serde(default)]
    pub start_period: u32,
}

fn thirty() -> u32 {
    30
}
fn five() -> u32 {
    5
}
fn three() -> u32 {
    3
}

#[derive(Debug, Deserialize, Clone, Default)]
#[serde(deny_unknown_fields)]
pub struct RawBehaviour {
    /// The task never reaches RUNNING: it goes PENDING → STOPPED this long after placement
    /// (an image that cannot be pulled, a container that fails to start).
    pub fails_to_start_after: Option<Span>,
    /// An essential container exits after this long RUNNING (application crash).
    pub crash_after: Option<Spanned<Distribution>>,
    /// Result of every container health check: "healthy" (default) or "unhealthy".
    pub container_health: Option<Spanned<String>>,
    /// How long the application takes to exit after SIGTERM (capped by stopTimeout).
    pub exit_after_sigterm: Option<Span>,
    /// Answer to load-balancer health checks: "healthy" (default), "error" (a 500 at once) or
    /// "hang" (no answer: fails at the check's timeout).
    pub target_health: Option<Spanned<String>>,
    /// Fraction of requests answered with a 500 by the application (0–1, default 0).
    pub error_fraction: Option<Spanned<f64>>,
    /// Windows of time in which health checks get another answer or response time.
    #[serde(default)]
    pub health: Vec<Spanned<super::behaviour::RawHealthWindow>>,
    /// How long the application takes to answer a health check (default: 10 ms for the load
    /// balancer's check, at once for a container check).
    pub health_check_response_time: Option<Span>,
    /// Containers that exit at a given time after RUNNING.
    #[serde(default)]
    pub container_exits: Vec<super::behaviour::RawContainerExit>,
}

/// One `loadBalancers` entry of a service in the scenario.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawServiceLoadBalancer {
    /// A `[[target_groups]]` name or ARN.
    pub target_group: Spanned<String>,
    pub container_name: Option<String>,
    pub container_port: Option<u16>,
    /// `advancedConfiguration.alternateTargetGroupArn`: a `[[target_groups]]` name or ARN, for
    /// blue/green, linear and canary deployments (docs/ecs-model.md#blue-green-deployments).
    pub alternate_target_group: Option<Spanned<String>>,
    /// `productionListenerRule` and `testListenerRule`: "LB/PORT/default" or "LB/PORT/PRIORITY"
    /// (a load balancer's name, its listener's port, the rule's priority), or a rule ARN from a
    /// describe-rules file (docs/ecs-model.md#blue-green-deployments).
    pub production_listener_rule: Option<Spanned<String>>,
    pub test_listener_rule: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum RawUnplaceable {
    /// RunTask's behaviour: the task is not created (docs/ecs-model.md#placement-failures).
    #[default]
    Fail,
    /// Wait in FIFO order for capacity (like a capacity provider's PROVISIONING state).
    Wait,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConstraint {
    #[serde(rename = "type")]
    pub kind: Spanned<String>,
    pub expression: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWorkload {
    pub name: String,
    pub task_definition: Spanned<String>,
    pub group: Option<String>,
    pub arrivals: Spanned<RawArrivals>,
    /// Tasks per RunTask call (1–10).
    #[serde(default = "one")]
    pub count: Spanned<u32>,
    pub run_time: Spanned<Distribution>,
    pub placement_strategy: Option<Spanned<Vec<Strategy>>>,
    pub placement_constraints: Option<Vec<RawConstraint>>,
    /// A console template name (docs/ecs-model.md#console-templates) instead of strategy + constraints.
    pub template: Option<Spanned<String>>,
    #[serde(default)]
    pub on_unplaceable: RawUnplaceable,
    /// With `on_unplaceable = "wait"`: give up after this long (default: never).
    pub max_wait: Option<Span>,
}

fn one() -> Spanned<u32> {
    Spanned::new(0..0, 1)
}

/// A workload's `arrivals`, tagged by `process` (read in `toml_arrivals`, without buffering).
#[derive(Debug, Clone)]
pub enum RawArrivals {
    Poisson {
        rate_per_minute: f64,
    },
    /// `bulk`: the list was read ahead of the parser (`bulk_times`): `at` is empty until the
    /// loader puts that list in.
    Times {
        at: Vec<Span>,
        bulk: Option<u32>,
    },
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawLifecycle {
    /// PENDING → RUNNING: image pull and container start (docs/ecs-model.md#simulated-time default 10 s).
    pub start_delay: Option<Spanned<Distribution>>,
    /// Extra delay for awsvpc ENI attachment on EC2 (docs/ecs-model.md#simulated-time default 5 s).
    pub awsvpc_attach: Option<Span>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawVariant {
    pub name: String,
    pub template: Option<Spanned<String>>,
    pub placement_strategy: Option<Spanned<Vec<Strategy>>>,
    pub placement_constraints: Option<Vec<RawConstraint>>,
    /// "EC2" or "FARGATE" for every REPLICA service.
    pub launch_type: Option<Spanned<String>>,
    /// A capacity provider strategy for every REPLICA service.
    pub capacity_provider_strategy: Option<Spanned<Vec<Spanned<super::load_service_capacity::RawStrategyItem>>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawService {
    pub name: Spanned<String>,
    /// A create-service JSON (placement, deployment configuration, scheduling strategy).
    pub file: Option<Spanned<String>>,
    /// The task definition (a `[[task_definitions]]` name): the first revision.
    pub task_definition: Spanned<String>,
    pub desired_count: Option<u32>,
    /// "REPLICA" (default) or "DAEMON".
    pub scheduling_strategy: Option<Spanned<String>>,
    pub deployment: Option<RawDeploymentConfiguration>,
    pub placement_strategy: Option<Spanned<Vec<Strategy>>>,
    pub placement_constraints: Option<Vec<RawConstraint>>,
    pub template: Option<Spanned<String>>,
    pub health_check_grace_period: Option<Span>,
    /// `availabilityZoneRebalancing = ENABLED` (docs/ecs-model.md#az-rebalancing); default false.
    #[serde(default)]
    pub availability_zone_rebalancing: bool,
    /// For a service without target groups: how long a stopping task stays DEACTIVATING, a
    /// stand-in for a load balancer the scenario does not model (default 0 s).
    pub deregistration_delay: Option<Span>,
    /// `loadBalancers`: the target groups the service's tasks register in.
    pub load_balancers: Option<Vec<RawServiceLoadBalancer>>,
    /// CreateService time (default: the start of the run).
    pub created_at: Option<Span>,
    /// "EC2" or "FARGATE" (default: the JSON's, else the cluster's default strategy, else EC2).
    pub launch_type: Option<Spanned<String>>,
    /// `[{ capacity_provider = "cp", base = 0, weight = 1 }, ...]`.
    pub capacity_provider_strategy: Option<Spanned<Vec<Spanned<super::load_service_capacity::RawStrategyItem>>>>,
    /// `awsvpcConfiguration.subnets`: the zones Fargate tasks spread over.
    pub subnets: Option<Vec<Spanned<String>>>,
    /// What-if: the launch throttle switched off, or its own schedule of delays.
    pub launch_throttle: Option<RawLaunchThrottle>,
    /// CPU/memory utilization history replayed as the service's load (`load_service_load`).
    pub load: Option<Spanned<super::load_service_load::RawServiceLoad>>,
}

/// `launch_throttle = { enabled = false }` or `{ delays = ["0s", "1m", "2m"] }`: the delays
/// after the 1st, 2nd, … consecutive failure to start a task, the last repeating.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLaunchThrottle {
    pub enabled: Option<Spanned<bool>>,
    pub delays: Option<Spanned<Vec<Span>>>,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawDeploymentConfiguration {
    pub minimum_healthy_percent: Option<Spanned<i64>>,
    pub maximum_percent: Option<Spanned<i64>>,
    pub circuit_breaker: Option<RawCircuitBreaker>,
    /// CloudWatch alarms that fail the deployment (docs/ecs-model.md#deployment-alarms).
    pub alarms: Option<RawDeploymentAlarms>,
    /// "ROLLING" (default), "BLUE_GREEN", "LINEAR" or "CANARY" (docs/ecs-model.md#blue-green-deployments).
    pub strategy: Option<Spanned<String>>,
    pub bake_time_in_minutes: Option<Spanned<i64>>,
    pub linear: Option<Spanned<RawLinear>>,
    pub canary: Option<Spanned<RawCanary>>,
    pub lifecycle_hooks: Option<Vec<Spanned<RawLifecycleHook>>>,
    /// ecsim's own: how long after ECS moves a listener rule's weights the load balancer applies
    /// them (default 0 s; docs/decisions.md).
    pub traffic_shift_delay: Option<Span>,
    /// ecsim's own: how long after a stage starts its hooks are first invoked (default 0 s).
    pub first_hook_invocation_delay: Option<Span>,
}

/// `linearConfiguration`.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawLinear {
    pub step_percent: Option<f64>,
    pub step_bake_time_in_minutes: Option<i64>,
}

/// `canaryConfiguration`.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawCanary {
    pub canary_percent: Option<f64>,
    pub canary_bake_time_in_minutes: Option<i64>,
}

/// A `lifecycleHooks` entry, and what the hook answers (the scenario stands in for the Lambda).
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawLifecycleHook {
    /// `hookTargetArn`: the function's ARN or any name.
    pub hook_target_arn: String,
    pub lifecycle_stages: Vec<String>,
    /// "SUCCEEDED" (default) or "FAILED": the answer once `in_progress_for` has passed.
    pub answer: Option<String>,
    /// The hook answers IN_PROGRESS for this long after its first invocation (default 0 s).
    pub in_progress_for: Option<Span>,
    /// `callBackDelay` returned with IN_PROGRESS (default 30 s).
    pub callback_delay: Option<Span>,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawDeploymentAlarms {
    pub alarm_names: Vec<String>,
    #[serde(default = "yes")]
    pub enable: bool,
    #[serde(default)]
    pub rollback: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawCircuitBreaker {
    pub enable: bool,
    #[serde(default)]
    pub rollback: bool,
}

/// The `deployment` table of an `update_service` action. An action is an internally tagged
/// enum, which serde buffers before it picks the variant, and `Spanned` values do not survive the
/// buffer ("invalid type: integer, expected a spanned value"): the values are plain, and their
/// errors are located at the action.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawActionDeployment {
    pub minimum_healthy_percent: Option<i64>,
    pub maximum_percent: Option<i64>,
    pub circuit_breaker: Option<RawCircuitBreaker>,
    pub alarms: Option<RawDeploymentAlarms>,
}

impl RawActionDeployment {
    /// The same configuration, each value located at `span` (the action's).
    pub fn located(&self, span: std::ops::Range<usize>) -> RawDeploymentConfiguration {
        RawDeploymentConfiguration {
            minimum_healthy_percent: self.minimum_healthy_percent.map(|v| Spanned::new(span.clone(), v)),
            maximum_percent: self.maximum_percent.map(|v| Spanned::new(span.clone(), v)),
            circuit_breaker: self.circuit_breaker.clone(),
            alarms: self.alarms.clone(),
            strategy: None,
            bake_time_in_minutes: None,
            linear: None,
            canary: None,
            lifecycle_hooks: None,
            traffic_shift_delay: None,
            first_hook_invocation_delay: None,
        }
    }
}

/// One scheduled action (`at` from the start of the run).
#[derive(Debug, Deserialize, Clone)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum RawAction {
    /// UpdateService: any of desired count, a new revision, deployment configuration, placement.
    UpdateService {
        at: Span,
        service: String,
        desired_count: Option<u32>,
        task_definition: Option<String>,
        deployment: Option<RawActionDeployment>,
        placement_strategy: Option<Vec<Strategy>>,
        #[serde(default)]
        force_new_deployment: bool,
    },
    /// DeleteService (scaled to 0 first, as `--force` does).
    DeleteService { at: Span, service: String },
    /// RunTask of a task definition, `count` 1–10.
    RunTask {
        at: Span,
        task_definition: String,
        #[serde(default = "one_u32")]
        count: u32,
        group: Option<String>,
        run_time: Option<Distribution>,
    },
    /// Task scale-in protection (UpdateTaskProtection) on the `index`-th live task of a service,
    /// for `expires_in` (default 2 h; docs/ecs-model.md#scale-in).
    ProtectTask { at: Span, service: String, index: u32, expires_in: Option<Span> },
    /// StopTask of the `index`-th task (creation order) of a service.
    StopTask { at: Span, service: String, index: u32 },
    /// UpdateContainerInstancesState DRAINING.
    DrainInstance { at: Span, instance: u32 },
    /// UpdateContainerInstancesState ACTIVE.
    ActivateInstance { at: Span, instance: u32 },
    /// DeregisterContainerInstance --force: tasks on it are stopped (ECS forgets them).
    DeregisterInstance { at: Span, instance: u32 },
    /// The EC2 instance is terminated: its tasks die with it.
    TerminateInstance { at: Span, instance: u32 },
    /// A CloudWatch alarm changes state ("ALARM" or "OK"); until alarms are simulated, this is
    /// how a scenario makes one fire (deployment failure detection, docs/ecs-model.md#deployment-alarms).
    SetAlarmState { at: Span, alarm: String, state: String },
    /// SetDesiredCapacity of an Auto Scaling group (within its min and max).
    SetDesiredCapacity { at: Span, group: String, desired: u32 },
    /// A new instance of a type registers.
    RegisterInstance {
        at: Span,
        #[serde(rename = "type")]
        instance_type: String,
        zone: String,
        #[serde(default = "one_u32")]
        count: u32,
    },
}

fn one_u32() -> u32 {
    1
}

/// `[cloudwatch]`: how metrics are published.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawCloudWatch {
    /// Minutes after its end that a minute's datapoint becomes visible to alarms (default 0).
    pub metric_delay: Option<Span>,
}

//! The validated model: a `Scenario` and its parts as plain data, ready to simulate. Every front
//! end (the scenario TOML, the AWS JSON files it reads) maps its input onto these types and
//! validates it once; `sim`, `report` and `sweep` read only this. Nothing here knows a file
//! format.

pub mod behaviour;
pub mod capacity;
pub mod diagnostic;
pub mod lesson;
pub mod scaling;

pub use behaviour::{Behaviour, CheckKind, ContainerExit, HealthAnswer, HealthClock, HealthWindow, Serving};
pub use capacity::{AsgSpec, CapacitySpec, CapacityTarget, FargateSpec, ProviderSpec, ServiceCapacity, ASG_ATTRIBUTE};
pub use diagnostic::{Diagnostic, Diagnostics, Severity};
pub use lesson::{Lesson, LessonStep};
pub use scaling::ScalingSpec;

use crate::ecs::placement::{Constraint, Strategy, TieBreak};
use crate::ecs::{Cluster, TaskDefinition};
use crate::engine::Span;
use crate::workload::{Arrivals, Distribution};
use std::path::PathBuf;

/// A validated scenario: plain data, ready to simulate.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub name: String,
    pub description: String,
    pub source: PathBuf,
    /// SHA-256 of the scenario text and every file it read.
    pub sha256: String,
    pub duration: Span,
    pub seed: u64,
    pub tie_break: TieBreak,
    pub explain_placements: bool,
    /// The cluster at t = 0.
    pub cluster: Cluster,
    pub task_definitions: Vec<TaskDefinition>,
    pub workloads: Vec<Workload>,
    pub lifecycle: Lifecycle,
    /// Placement variants to run side by side on the same workload and seed.
    pub variants: Vec<Variant>,
    /// The `[[task_definitions]]` names, parallel to `task_definitions`.
    pub task_definition_names: Vec<String>,
    /// How each task definition's application behaves, parallel to `task_definitions`.
    pub behaviours: Vec<Behaviour>,
    pub services: Vec<ServiceSpec>,
    /// Scheduled actions, in time order (stable for equal times).
    pub actions: Vec<Action>,
    /// Load balancers, listeners, rules and target groups (docs/ecs-model.md#load-balancer).
    pub elb: crate::elb::config::ElbConfig,
    /// Request traffic to the load balancers.
    pub traffic: Vec<TrafficSource>,
    /// CloudWatch metric alarms (docs/ecs-model.md#alarms), their metrics resolved to what the run publishes.
    pub alarms: Vec<crate::cloudwatch::AlarmConfig>,
    /// Service Auto Scaling: scalable targets, policies, scheduled actions (docs/ecs-model.md#service-auto-scaling).
    pub scaling: Vec<ScalingSpec>,
    /// How long after its minute a datapoint becomes visible to alarms (`[cloudwatch]
    /// metric_delay`, rounded up to whole minutes).
    pub metric_delay: Span,
    /// Auto Scaling groups, capacity providers, Fargate settings (docs/ecs-model.md#capacity).
    pub capacity: CapacitySpec,
    /// Failures to inject (`[[faults]]`, docs/ecs-model.md#spot-interruptions, docs/ecs-model.md#instance-failure).
    pub faults: Vec<crate::faults::FaultSpec>,
    /// `[slo]`: the objectives the run is held to.
    pub slo: crate::faults::Slo,
    /// `[lesson]`: the lesson's title, what it shows and its story (nothing the run reads).
    pub lesson: Option<Lesson>,
    pub warnings: Diagnostics,
}

/// A service to create (CreateService at `created_at`).
#[derive(Debug, Clone)]
pub struct ServiceSpec {
    pub definition: crate::ecs::service::ServiceDefinition,
    /// Index into `Scenario::task_definitions`: the first revision.
    pub task_definition: usize,
    /// DEACTIVATING time of a stopping task when the service has no target group (a stand-in for
    /// a load balancer the scenario does not model; 0 s by default). With target groups the
    /// longest of their deregistration delays applies (docs/ecs-model.md#deregistration-on-stop).
    pub deregistration_delay: Span,
    /// The target groups the service registers its tasks in (`loadBalancers`).
    pub target_groups: Vec<ServiceTargetGroup>,
    pub created_at: Span,
    /// AZ rebalancing (docs/ecs-model.md#az-rebalancing).
    pub availability_zone_rebalancing: bool,
    /// `None`: the EC2 launch type (any instance, no capacity provider).
    pub capacity: Option<ServiceCapacity>,
    /// The zones Fargate tasks are spread over (the subnets' zones; default the cluster's).
    pub zones: Vec<String>,
    /// The launch throttle's delays (ECS's by default; `launch_throttle` for what-if teaching).
    pub launch_throttle: crate::ecs::scheduler::throttle::ThrottleSchedule,
    /// `load`: CPU/memory utilization history replayed as the service's load (no load balancer).
    pub load: Option<ServiceLoad>,
}

/// A service's load replayed from utilization history: each curve gives the demand in
/// task-percent (utilization × tasks recorded × scale) over the run's clock; each minute it is
/// published as n samples of demand ÷ n, n the running tasks.
#[derive(Debug, Clone)]
pub struct ServiceLoad {
    /// CPUUtilization demand (task-percent), if a CPU history is given.
    pub cpu: Option<crate::workload::traffic::RateProfile>,
    /// MemoryUtilization demand (task-percent), if a memory history is given.
    pub memory: Option<crate::workload::traffic::RateProfile>,
}

/// A source of requests to one listener of a load balancer.
#[derive(Debug, Clone)]
pub struct TrafficSource {
    pub name: String,
    /// Indexes into `ElbConfig::load_balancers` and its `listeners`.
    pub load_balancer: usize,
    pub listener: usize,
    pub kind: TrafficKind,
}

/// What the listener rules look at in a request.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct RequestSpec {
    pub method: String,
    /// Without the port.
    pub host: String,
    /// Without the query string.
    pub path: String,
    pub query: String,
    pub client_ip: Option<std::net::Ipv4Addr>,
}

#[derive(Debug, Clone)]
pub enum TrafficKind {
    /// A Poisson process following a rate profile, all requests alike.
    Poisson { profile: crate::workload::traffic::RateProfile, request: RequestSpec },
    /// An ALB access log replayed: each request at its creation-time offset (÷ speed), repeated
    /// for `loop_for` when given. `replay` is the iterator at its start; `requests[i]` is what the
    /// listener rules see of its i-th request.
    Replay { replay: crate::workload::alb_log::Replay, requests: Vec<RequestSpec> },
}

/// One `loadBalancers` entry of a service, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceTargetGroup {
    /// Index into `ElbConfig::target_groups`.
    pub target_group: usize,
    pub container_name: Option<String>,
    pub container_port: Option<u16>,
    /// `advancedConfiguration.alternateTargetGroupArn`, resolved: the index of the target group
    /// the other revision of a blue/green, linear or canary deployment registers in.
    pub alternate: Option<usize>,
    /// `advancedConfiguration.testListenerRule`, as written (named in events.csv).
    pub test_listener_rule: Option<String>,
    /// `advancedConfiguration.productionListenerRule` and `testListenerRule`, resolved: the
    /// rules whose weights a deployment moves (docs/ecs-model.md#blue-green-deployments).
    /// Without a production rule every rule forwarding to the pair but the test rule moves.
    pub production_rule: Option<crate::elb::config::RuleKey>,
    pub test_rule: Option<crate::elb::config::RuleKey>,
}

/// A scheduled action.
#[derive(Debug, Clone)]
pub struct Action {
    pub at: Span,
    pub kind: ActionKind,
}

#[derive(Debug, Clone)]
pub enum ActionKind {
    UpdateService {
        service: usize,
        desired_count: Option<u32>,
        task_definition: Option<usize>,
        deployment: Option<crate::ecs::service::DeploymentConfiguration>,
        placement_strategy: Option<Vec<Strategy>>,
        force_new_deployment: bool,
    },
    DeleteService {
        service: usize,
    },
    RunTask {
        task_definition: usize,
        count: u32,
        group: String,
        run_time: Distribution,
    },
    StopTask {
        service: usize,
        index: u32,
    },
    DrainInstance {
        instance: crate::ecs::InstanceId,
    },
    ActivateInstance {
        instance: crate::ecs::InstanceId,
    },
    DeregisterInstance {
        instance: crate::ecs::InstanceId,
    },
    TerminateInstance {
        instance: crate::ecs::InstanceId,
    },
    ProtectTask {
        service: usize,
        index: u32,
        expires_in: Span,
    },
    SetAlarmState {
        alarm: String,
        in_alarm: bool,
    },
    /// SetDesiredCapacity: index into `CapacitySpec::groups`.
    SetDesiredCapacity {
        group: usize,
        desired: u32,
    },
    RegisterInstance {
        instance_type: &'static crate::ecs::instance_types::InstanceType,
        zone: String,
        count: u32,
    },
}

/// A stream of standalone tasks (RunTask calls).
#[derive(Debug, Clone)]
pub struct Workload {
    pub name: String,
    /// Index into `Scenario::task_definitions`.
    pub task_definition: usize,
    pub group: String,
    pub arrivals: Arrivals,
    /// Tasks per RunTask call.
    pub count: u32,
    pub run_time: Distribution,
    pub strategies: Vec<Strategy>,
    pub constraints: Vec<Constraint>,
    pub on_unplaceable: Unplaceable,
}

/// What happens to a task no instance can take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unplaceable {
    /// ECS's RunTask behaviour: a failure is returned and no task is created (docs/ecs-model.md#placement-failures).
    Fail,
    /// Wait (FIFO per workload) until capacity is freed; optionally give up after `max_wait`.
    Wait { max_wait: Option<Span> },
}

/// Task lifecycle timings (docs/ecs-model.md#simulated-time, docs/ecs-model.md#task-lifecycle).
#[derive(Debug, Clone)]
pub struct Lifecycle {
    /// PENDING → RUNNING.
    pub start_delay: Distribution,
    /// Added for awsvpc tasks on EC2.
    pub awsvpc_attach: Span,
}

impl Default for Lifecycle {
    fn default() -> Self {
        Lifecycle { start_delay: default_start_delay(), awsvpc_attach: Span::from_secs(5) }
    }
}

/// One placement configuration to compare; `None` keeps the workload's own.
#[derive(Debug, Clone)]
pub struct Variant {
    pub name: String,
    pub strategies: Option<Vec<Strategy>>,
    pub constraints: Option<Vec<Constraint>>,
    /// A launch type or capacity provider strategy for every REPLICA service: `Some(None)` is
    /// the EC2 launch type.
    pub capacity: Option<Option<ServiceCapacity>>,
}

impl Scenario {
    /// The scenario with `variant`'s placement applied to every workload and REPLICA service.
    pub fn with_variant(&self, variant: &Variant) -> Scenario {
        let mut s = self.clone();
        for w in &mut s.workloads {
            if let Some(st) = &variant.strategies {
                w.strategies = st.clone();
            }
            if let Some(c) = &variant.constraints {
                w.constraints = c.clone();
            }
        }
        // ... and to every REPLICA service (a DAEMON's placement is one task per instance).
        for svc in
            s.services.iter_mut().filter(|svc| svc.definition.scheduling_strategy == crate::ecs::service::SchedulingStrategy::Replica)
        {
            if let Some(st) = &variant.strategies {
                svc.definition.placement_strategy = st.clone();
            }
            if let Some(c) = &variant.constraints {
                svc.definition.placement_constraints = c.clone();
            }
            if let Some(capacity) = &variant.capacity {
                svc.capacity = capacity.clone();
            }
        }
        s
    }
}

/// Default start delay when a scenario gives none: 10 s (docs/ecs-model.md#simulated-time).
pub fn default_start_delay() -> Distribution {
    Distribution::Constant { value: Span::from_secs(10) }
}

/// The `TargetGroup` dimension value of a target group ARN: `targetgroup/<name>/<id>`.
pub fn tg_dimension(arn: &str) -> String {
    arn.find("targetgroup/").map_or_else(|| arn.to_string(), |i| arn[i..].to_string())
}

/// The `LoadBalancer` dimension value of a load balancer: `app/<name>/<id>`.
pub fn lb_dimension(name: &str) -> String {
    format!("app/{name}/0000000000000000")
}

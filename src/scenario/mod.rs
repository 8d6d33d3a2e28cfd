//! File formats: the scenario TOML and the real ECS JSON users already have (task
//! definitions, services, describe-container-instances, describe-tasks), validated with
//! located errors.

pub mod autoscaling_json;
pub mod behaviour;
pub mod capacity_json;
pub mod cloudwatch_json;
pub mod diagnostic;
pub mod ecs_json;
mod elb_rules;
pub mod elbv2_json;
pub mod json_kind;
pub mod json_locate;
mod limits;
pub mod load;
pub mod load_alarms;
mod load_capacity;
mod load_check;
mod load_elb;
mod load_faults;
mod load_launch_templates;
pub mod load_scaling;
mod load_services;
mod load_traffic;
mod load_workloads;
mod runtime_platform;
pub mod toml_elb;
mod toml_errors;
pub mod toml_model;

pub use diagnostic::{Diagnostic, Diagnostics, Severity};
pub use limits::{MAX_INSTANCES, MAX_RECORDED_BYTES, MAX_TASKS_PER_SERVICE, QUOTA_INSTANCES_PER_CLUSTER, QUOTA_TASKS_PER_SERVICE};
pub use load::{load, load_str};
pub use load_capacity::ASG_ATTRIBUTE;

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
    /// Load balancers, listeners, rules and target groups (spec §9).
    pub elb: crate::elb::config::ElbConfig,
    /// Request traffic to the load balancers.
    pub traffic: Vec<TrafficSource>,
    /// CloudWatch metric alarms (spec §10.3), their metrics resolved to what the run publishes.
    pub alarms: Vec<crate::cloudwatch::AlarmConfig>,
    /// Service Auto Scaling: scalable targets, policies, scheduled actions (spec §11).
    pub scaling: Vec<load_scaling::ScalingSpec>,
    /// How long after its minute a datapoint becomes visible to alarms (`[cloudwatch]
    /// metric_delay`, rounded up to whole minutes).
    pub metric_delay: Span,
    /// Auto Scaling groups, capacity providers, Fargate settings (spec §12).
    pub capacity: CapacitySpec,
    /// Failures to inject (`[[faults]]`, spec §8.2, §8.3).
    pub faults: Vec<crate::faults::FaultSpec>,
    /// `[slo]`: the objectives the run is held to.
    pub slo: crate::faults::Slo,
    pub warnings: Diagnostics,
}

/// The capacity side of a scenario (spec §12): Auto Scaling groups and their capacity
/// providers, the cluster's providers and default strategy, and Fargate's settings.
#[derive(Debug, Clone, Default)]
pub struct CapacitySpec {
    /// The cluster's zones (`[cluster] zones`, or those of its instances): the default zones of
    /// groups and of Fargate services.
    pub zones: Vec<String>,
    /// `[cluster] subnets`: subnet ID → zone.
    pub subnets: Vec<(String, String)>,
    /// `[cluster] reserved_memory_mib`, which group instances register with too.
    pub reserved_memory_mib: u32,
    pub groups: Vec<AsgSpec>,
    pub providers: Vec<ProviderSpec>,
    /// The cluster's capacity providers (PutClusterCapacityProviders): what strategies may name.
    pub cluster_providers: Vec<String>,
    /// Used by services given neither a launch type nor a strategy.
    pub default_strategy: Option<crate::capacity::CapacityProviderStrategy>,
    pub fargate: FargateSpec,
}

impl CapacitySpec {
    /// True when the run has anything of spec §12 to simulate (groups, or services with a
    /// capacity provider strategy or the Fargate launch type).
    pub fn in_use(&self, services: &[ServiceSpec]) -> bool {
        !self.groups.is_empty() || services.iter().any(|s| s.capacity.is_some())
    }
}

/// An Auto Scaling group and the instances it has at t = 0 (registered in `Scenario::cluster`).
#[derive(Debug, Clone)]
pub struct AsgSpec {
    pub config: crate::capacity::AsgConfig,
    pub initial: Vec<crate::ecs::InstanceId>,
}

/// An Auto Scaling group capacity provider and its group (index into `CapacitySpec::groups`).
#[derive(Debug, Clone)]
pub struct ProviderSpec {
    pub config: crate::capacity::CapacityProviderConfig,
    pub group: usize,
}

/// Fargate launch latency and prices (spec §12.5; defaults in `crate::capacity::fargate`).
#[derive(Debug, Clone)]
pub struct FargateSpec {
    /// PROVISIONING → PENDING (capacity, ENI): not billed.
    pub provisioning: Distribution,
    /// PENDING → RUNNING (image pull, start): billed.
    pub pull_and_start: Distribution,
    pub prices: crate::capacity::FargatePrices,
}

impl Default for FargateSpec {
    fn default() -> Self {
        let d = crate::capacity::fargate::FargateLaunch::default();
        let lognormal = |l: crate::capacity::fargate::LognormalSpan| Distribution::Lognormal { mean: l.mean, cv: l.cv };
        FargateSpec {
            provisioning: lognormal(d.provisioning),
            pull_and_start: lognormal(d.pull_and_start),
            prices: crate::capacity::FargatePrices::default(),
        }
    }
}

/// Where the tasks of a strategy item (or of the Fargate launch type) run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CapacityTarget {
    Fargate {
        spot: bool,
    },
    /// Index into `CapacitySpec::providers`.
    Provider(usize),
}

/// How a service gets capacity when it is not the EC2 launch type: a capacity provider
/// strategy (its own or the cluster's default), or the Fargate launch type (one target, no
/// strategy).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceCapacity {
    pub strategy: Option<crate::capacity::CapacityProviderStrategy>,
    /// Parallel to the strategy's items (one entry for the Fargate launch type).
    pub targets: Vec<CapacityTarget>,
}

impl ServiceCapacity {
    /// The Fargate launch type.
    pub fn fargate_launch_type() -> Self {
        ServiceCapacity { strategy: None, targets: vec![CapacityTarget::Fargate { spot: false }] }
    }

    pub fn is_fargate(&self) -> bool {
        self.targets.iter().any(|t| matches!(t, CapacityTarget::Fargate { .. }))
    }

    /// Whether some tasks may go to FARGATE_SPOT.
    pub fn uses_fargate_spot(&self) -> bool {
        self.targets.iter().any(|t| matches!(t, CapacityTarget::Fargate { spot: true }))
    }

    /// The item for the next task, given the non-STOPPED tasks per item (spec §12.4).
    pub fn choose(&self, counts: &[u32]) -> usize {
        self.strategy.as_ref().map_or(0, |s| s.choose(counts))
    }
}

/// How a revision's application behaves once ECS starts it.
#[derive(Debug, Clone, Default)]
pub struct Behaviour {
    /// PENDING → STOPPED this long after placement (never reaches RUNNING).
    pub fails_to_start_after: Option<Span>,
    /// Essential container exits after this long RUNNING.
    pub crash_after: Option<Distribution>,
    /// Every container health check fails.
    pub container_unhealthy: bool,
    /// Time to exit after SIGTERM (capped by stopTimeout, then SIGKILL).
    pub exit_after_sigterm: Span,
    /// How the application serves requests behind a load balancer.
    pub serving: Serving,
    /// How it answers the load balancer's health checks.
    pub target_health: HealthAnswer,
    /// Fraction of requests it answers with a 5xx of its own (HTTPCode_Target_5XX_Count).
    pub error_fraction: f64,
    /// Windows of time in which health checks get another answer (`behaviour.health`).
    pub health: Vec<behaviour::HealthWindow>,
    /// How long the application takes to answer a health check; `None`: 10 ms for the load
    /// balancer's, at once for a container check.
    pub health_check_response_time: Option<Span>,
    /// Containers that exit at a given time after RUNNING (`behaviour.container_exits`).
    pub container_exits: Vec<behaviour::ContainerExit>,
}

/// How a task serves requests (the request queue of spec §9 / DESIGN "per-task request queues").
#[derive(Debug, Clone)]
pub struct Serving {
    /// Workers serving requests in parallel.
    pub concurrency: u32,
    /// Time to serve one request when the task has the CPU it wants.
    pub service_time: Distribution,
    /// Requests waiting beyond this are refused with a 503 from the task; `None` = unbounded.
    pub queue_limit: Option<usize>,
    /// CPU units one busy worker wants (1024 = a whole vCPU: a CPU-bound worker).
    pub cpu_per_busy_worker_units: f64,
    /// Memory the task uses idle (default: half of what it reserves) and per busy worker.
    pub memory_base_mib: Option<u32>,
    pub memory_per_busy_worker_mib: f64,
}

impl Default for Serving {
    fn default() -> Self {
        Serving {
            concurrency: 1,
            service_time: Distribution::Exponential { mean: Span::from_millis(50) },
            queue_limit: None,
            cpu_per_busy_worker_units: 1024.0,
            memory_base_mib: None,
            memory_per_busy_worker_mib: 0.0,
        }
    }
}

/// The answer to a load-balancer health check (spec §9.4: an error answer vs a hang).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HealthAnswer {
    /// 200 after `HEALTH_CHECK_RESPONSE` (10 ms).
    #[default]
    Healthy,
    /// A 500 after 10 ms: fails fast.
    Error,
    /// No answer: fails at the health check's timeout.
    Hang,
}

/// A service to create (CreateService at `created_at`).
#[derive(Debug, Clone)]
pub struct ServiceSpec {
    pub definition: crate::ecs::service::ServiceDefinition,
    /// Index into `Scenario::task_definitions`: the first revision.
    pub task_definition: usize,
    /// DEACTIVATING time of a stopping task when the service has no target group (a stand-in for
    /// a load balancer the scenario does not model; 0 s by default). With target groups the
    /// longest of their deregistration delays applies (spec §6.4).
    pub deregistration_delay: Span,
    /// The target groups the service registers its tasks in (`loadBalancers`).
    pub target_groups: Vec<ServiceTargetGroup>,
    pub created_at: Span,
    /// AZ rebalancing (spec §4.3).
    pub availability_zone_rebalancing: bool,
    /// `None`: the EC2 launch type (any instance, no capacity provider).
    pub capacity: Option<ServiceCapacity>,
    /// The zones Fargate tasks are spread over (the subnets' zones; default the cluster's).
    pub zones: Vec<String>,
    /// The launch throttle's delays (ECS's by default; `launch_throttle` for what-if teaching).
    pub launch_throttle: crate::ecs::scheduler::throttle::ThrottleSchedule,
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
    /// ECS's RunTask behaviour: a failure is returned and no task is created (spec §3.7).
    Fail,
    /// Wait (FIFO per workload) until capacity is freed; optionally give up after `max_wait`.
    Wait { max_wait: Option<Span> },
}

/// Task lifecycle timings (spec §0, §2.2).
#[derive(Debug, Clone)]
pub struct Lifecycle {
    /// PENDING → RUNNING.
    pub start_delay: Distribution,
    /// Added for awsvpc tasks on EC2.
    pub awsvpc_attach: Span,
}

impl Default for Lifecycle {
    fn default() -> Self {
        Lifecycle { start_delay: load::default_start_delay(), awsvpc_attach: Span::from_secs(5) }
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
        for svc in &mut s.services {
            if svc.definition.scheduling_strategy != crate::ecs::service::SchedulingStrategy::Replica {
                continue;
            }
            if let Some(st) = &variant.strategies {
                svc.definition.placement_strategy = st.clone();
            }
            if let Some(c) = &variant.constraints {
                svc.definition.placement_constraints = c.clone();
            }
        }
        if let Some(capacity) = &variant.capacity {
            for svc in &mut s.services {
                if svc.definition.scheduling_strategy == crate::ecs::service::SchedulingStrategy::Replica {
                    svc.capacity = capacity.clone();
                }
            }
        }
        s
    }
}

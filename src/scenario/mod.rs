//! File formats: the scenario TOML and the real ECS JSON users already have (task
//! definitions, services, describe-container-instances, describe-tasks), validated with
//! located errors.

pub mod diagnostic;
pub mod ecs_json;
pub mod elbv2_json;
pub mod json_locate;
pub mod load;
mod load_elb;
mod load_services;
pub mod toml_elb;
pub mod toml_model;

pub use diagnostic::{Diagnostic, Diagnostics, Severity};
pub use load::{load, load_str};

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
    /// Load balancers and target groups (spec §9).
    pub elb: crate::elb::config::ElbConfig,
    pub warnings: Diagnostics,
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
}

/// A service to create (CreateService at `created_at`).
#[derive(Debug, Clone)]
pub struct ServiceSpec {
    pub definition: crate::ecs::service::ServiceDefinition,
    /// Index into `Scenario::task_definitions`: the first revision.
    pub task_definition: usize,
    /// DEACTIVATING time of a stopping task: the target group's deregistration delay (0 s
    /// when the service has no load balancer).
    pub deregistration_delay: Span,
    pub created_at: Span,
    /// AZ rebalancing (spec §4.3).
    pub availability_zone_rebalancing: bool,
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
}

impl Scenario {
    /// The scenario with `variant`'s placement applied to every workload.
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
        s
    }
}

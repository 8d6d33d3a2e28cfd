//! `aws ecs run-task --cli-input-json` input: its capacity provider strategy or launch type, and
//! its task-size overrides (checked against the Fargate sizes).

use super::{strategy_at, uint_in, RawStrategyItem, M, STRATEGY_ITEM};
use crate::capacity::fargate;
use crate::capacity::strategy::{CapacityProviderStrategy, FARGATE_SPOT};
use crate::ecs::service::LaunchType;
use crate::ecs::TaskDefinition;
use crate::model::diagnostic::{Diagnostics, Severity};
use crate::scenario::ecs_json::schema::Field::{Derived, Modelled, Unmodelled};
use crate::scenario::ecs_json::schema::Schema;
use crate::scenario::ecs_json::schema::Shape::{ArrayOf, Object};
use crate::scenario::ecs_json::{parse_task_cpu, parse_task_memory, At, Ctx, JPath, Scalar};
use serde::Deserialize;
use std::path::Path;

static TASK_OVERRIDE: Schema = Schema {
    what: "task overrides",
    fields: &[
        ("cpu", M),
        ("memory", M),
        ("containerOverrides", Unmodelled),
        ("ephemeralStorage", Unmodelled),
        ("inferenceAcceleratorOverrides", Unmodelled),
        ("executionRoleArn", Derived),
        ("taskRoleArn", Derived),
    ],
};

static RUN_TASK: Schema = Schema {
    what: "run-task input",
    fields: &[
        ("cluster", M),
        ("taskDefinition", M),
        ("count", M),
        ("group", M),
        ("launchType", M),
        ("capacityProviderStrategy", Modelled(ArrayOf(&STRATEGY_ITEM))),
        ("platformVersion", M),
        ("overrides", Modelled(Object(&TASK_OVERRIDE))),
        ("placementConstraints", Unmodelled),
        ("placementStrategy", Unmodelled),
        ("volumeConfigurations", Unmodelled),
        ("enableExecuteCommand", Unmodelled),
        ("networkConfiguration", Derived),
        ("startedBy", Derived),
        ("tags", Derived),
        ("enableECSManagedTags", Derived),
        ("propagateTags", Derived),
        ("referenceId", Derived),
        ("clientToken", Derived),
    ],
};

// ------------------------------------------------------------------ RunTask

/// The capacity side of a run-task call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunTaskRequest {
    pub cluster: Option<String>,
    pub task_definition: String,
    /// 1–10.
    pub count: u32,
    pub group: Option<String>,
    /// Mutually exclusive with `capacity_provider_strategy`; neither = the cluster's default
    /// strategy.
    pub launch_type: Option<LaunchType>,
    pub capacity_provider_strategy: Option<CapacityProviderStrategy>,
    /// Task size overrides (`overrides.cpu`, `overrides.memory`), converted to units and MiB.
    pub cpu_units: Option<u32>,
    pub memory_mib: Option<u32>,
    pub platform_version: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawRunTask {
    cluster: Option<String>,
    task_definition: Option<String>,
    count: Option<Scalar>,
    group: Option<String>,
    launch_type: Option<String>,
    capacity_provider_strategy: Option<Vec<RawStrategyItem>>,
    platform_version: Option<String>,
    overrides: Option<RawOverrides>,
}

#[derive(Deserialize)]
struct RawOverrides {
    cpu: Option<String>,
    memory: Option<String>,
}

/// Loads run-task input. When the task runs on Fargate (launch type FARGATE, or a
/// FARGATE/FARGATE_SPOT strategy) its size — the overrides, else `task_definition`'s — must be
/// one of docs/ecs-model.md#fargate-task-sizes, on a platform version that offers it.
pub fn load_run_task(
    path: &Path,
    text: &str,
    task_definition: Option<&TaskDefinition>,
) -> Result<(RunTaskRequest, Diagnostics), Diagnostics> {
    let mut ctx = Ctx::new(path, text);
    let Ok(root) = ctx.parse() else {
        return ctx.finish(None);
    };
    let root_path = JPath::root();
    if !root.is_object() {
        ctx.error(&root_path, At::Value, "expected run-task input (a JSON object)");
        return ctx.finish(None);
    }
    ctx.check_fields(&root, &RUN_TASK, &root_path, Severity::Error);
    ctx.flush_unmodelled(false);
    let Some(raw) = ctx.de::<RawRunTask>(&root, &root_path) else {
        return ctx.finish(None);
    };
    let task_definition_name = raw.task_definition.clone().unwrap_or_else(|| {
        ctx.error_help(&root_path, At::Value, "`taskDefinition` is missing", "give family:revision or the task definition's ARN");
        String::new()
    });
    let count = match &raw.count {
        Some(s) => uint_in(&mut ctx, s, &root_path.key("count"), 1..=10, "RunTask", "start at most 10 tasks per call").unwrap_or(1),
        None => 1,
    };
    let launch_path = root_path.key("launchType");
    let launch_type = raw.launch_type.as_deref().and_then(|l| match ctx.one_of(l, &launch_path, &["EC2", "FARGATE", "EXTERNAL"]) {
        Some("FARGATE") => Some(LaunchType::Fargate),
        Some("EXTERNAL") => Some(LaunchType::External),
        Some(_) => Some(LaunchType::Ec2),
        None => None,
    });
    let strategy_path = root_path.key("capacityProviderStrategy");
    let strategy = match raw.capacity_provider_strategy.as_deref() {
        Some(items) if !items.is_empty() => {
            if raw.launch_type.is_some() {
                ctx.error_help(
                    &strategy_path,
                    At::Key,
                    "launchType and capacityProviderStrategy cannot both be given",
                    "remove one: a task launched with a launch type is invisible to capacity providers",
                );
            }
            strategy_at(&mut ctx, items, &strategy_path, None)
        }
        _ => None,
    };
    let over_path = root_path.key("overrides");
    let overrides = raw.overrides.as_ref();
    let cpu_units = overrides.and_then(|o| o.cpu.as_deref()).and_then(|c| match parse_task_cpu(c) {
        Ok(n) => Some(n),
        Err(m) => {
            ctx.error(&over_path.key("cpu"), At::Value, m);
            None
        }
    });
    let memory_mib = overrides.and_then(|o| o.memory.as_deref()).and_then(|m| match parse_task_memory(m) {
        Ok(n) => Some(n),
        Err(e) => {
            ctx.error(&over_path.key("memory"), At::Value, e);
            None
        }
    });
    let on_fargate = launch_type == Some(LaunchType::Fargate) || strategy.as_ref().is_some_and(CapacityProviderStrategy::is_fargate);
    if on_fargate {
        let spot = strategy.as_ref().and_then(|s| s.items().iter().position(|it| it.capacity_provider == FARGATE_SPOT));
        if let (Some(i), Some(td)) = (spot, task_definition) {
            if let Err(m) = fargate::check_spot_architecture(td.cpu_architecture) {
                ctx.error_help(&strategy_path.idx(i), At::Value, m, "use FARGATE for ARM64 tasks");
            }
        }
        let cpu = cpu_units.or(task_definition.and_then(|t| t.cpu_units));
        let memory = memory_mib.or(task_definition.and_then(|t| t.memory_mib));
        // Point at the override when there is one, else at what chose Fargate.
        let at_cpu = if cpu_units.is_some() { over_path.key("cpu") } else { fargate_choice(&raw, &launch_path, &strategy_path) };
        let at_memory = if memory_mib.is_some() { over_path.key("memory") } else { at_cpu.clone() };
        if let (Some(cpu), Some(memory)) = (cpu, memory) {
            if let Err(m) = fargate::validate_size(cpu, memory) {
                let at = if fargate::size_row(cpu).is_some() { at_memory } else { at_cpu.clone() };
                ctx.error_help(&at, At::Value, m, "Fargate runs only the task sizes of docs/ecs-model.md#fargate-task-sizes");
            } else if let Some(v) = raw.platform_version.as_deref() {
                if let Err(m) = fargate::check_platform_version(cpu, v) {
                    ctx.error_help(&root_path.key("platformVersion"), At::Value, m, "use \"LATEST\" or \"1.4.0\"");
                }
            }
        }
    }
    let out = RunTaskRequest {
        cluster: raw.cluster,
        task_definition: task_definition_name,
        count,
        group: raw.group,
        launch_type,
        capacity_provider_strategy: strategy,
        cpu_units,
        memory_mib,
        platform_version: raw.platform_version,
    };
    ctx.finish(Some(out))
}

/// Where the file chose Fargate: the launch type, or the strategy.
fn fargate_choice(raw: &RawRunTask, launch_path: &JPath, strategy_path: &JPath) -> JPath {
    if raw.launch_type.is_some() {
        launch_path.clone()
    } else {
        strategy_path.clone()
    }
}

//! One-shot placement (`ecsim place`): where would ECS put these tasks, and why? Reads the
//! files the AWS CLI gives (describe-container-instances, describe-tasks, a task definition,
//! a service), places the tasks one by one with the simulation's own placement code, and
//! answers as RunTask does — `{"tasks": [...], "failures": [...]}` plus an `explanation`
//! member — or with the reasoning for a person.

use super::{Diagnostic, Diagnostics, TieBreak};
use crate::ecs::placement::{self, Constraint, Explanation, Outcome, PlacementRequest, Strategy};
use crate::ecs::service::SchedulingStrategy;
use crate::ecs::Cluster;
use crate::engine::Streams;
use crate::scenario::ecs_json;
use serde::Serialize;
use serde_json::{json, Value};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// What to place, and where: the files and options of `ecsim place`.
///
/// ```
/// let request = ecsim::api::PlaceRequest::new(
///     "scenarios/lessons/placement/binpack-memory/instances.json",
///     "scenarios/lessons/placement/binpack-memory/taskdef.json",
/// );
/// assert_eq!(request.count, 1);
/// assert!(request.strategy.is_none());
/// ```
#[derive(Debug, Clone)]
pub struct PlaceRequest {
    /// `aws ecs describe-container-instances` output: the cluster.
    pub instances: PathBuf,
    /// `aws ecs describe-tasks` output: tasks already running (their groups matter to spread,
    /// distinctInstance and task:group).
    pub tasks: Option<PathBuf>,
    /// The task definition (register-task-definition input or describe-task-definition output).
    pub task_definition: PathBuf,
    /// Placement strategy as the AWS JSON array, inline (starting with `[`) or a file's path.
    pub strategy: Option<String>,
    /// Placement constraints as the AWS JSON array, inline or a file's path.
    pub constraints: Option<String>,
    /// A create-service JSON to take the strategy, constraints and group from.
    pub service: Option<PathBuf>,
    /// Tasks to place (RunTask allows 1–10).
    pub count: u32,
    /// Task group (default: `family:<family>`, or `service:<name>` with a service).
    pub group: Option<String>,
    /// How the last tie is broken.
    pub tie_break: TieBreak,
    /// Seed of the `placement` random stream.
    pub seed: u64,
}

impl PlaceRequest {
    /// One task of `task_definition` on the cluster of `instances`, with RunTask's defaults:
    /// random strategy, random tie-break, seed 1.
    ///
    /// ```
    /// let request = ecsim::api::PlaceRequest::new("instances.json", "taskdef.json");
    /// assert_eq!(request.seed, 1);
    /// assert_eq!(request.tie_break, ecsim::api::TieBreak::Random);
    /// ```
    pub fn new(instances: impl Into<PathBuf>, task_definition: impl Into<PathBuf>) -> PlaceRequest {
        PlaceRequest {
            instances: instances.into(),
            tasks: None,
            task_definition: task_definition.into(),
            strategy: None,
            constraints: None,
            service: None,
            count: 1,
            group: None,
            tie_break: TieBreak::Random,
            seed: 1,
        }
    }
}

fn read(path: &Path) -> Result<String, Diagnostics> {
    crate::model::diagnostic::read_text(path).map_err(Into::into)
}

/// An inline JSON array or the path of a file holding one.
fn inline_or_file(arg: &str, what: &str) -> Result<(PathBuf, String), Diagnostics> {
    if arg.trim_start().starts_with('[') {
        Ok((PathBuf::from(format!("--{what}")), arg.to_string()))
    } else {
        let p = PathBuf::from(arg);
        Ok((p.clone(), read(&p)?))
    }
}

fn parse_array<T: serde::de::DeserializeOwned>(path: &Path, text: &str) -> Result<T, Diagnostics> {
    let de = &mut serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let inner = e.inner();
        let d = Diagnostic::error(path, inner.line(), inner.column(), format!("{} (at {})", inner, e.path()))
            .with_help("expected the AWS JSON shape, e.g. [{\"type\": \"spread\", \"field\": \"attribute:ecs.availability-zone\"}]");
        d.with_source(text).into()
    })
}

struct Inputs {
    cluster: Cluster,
    td: crate::ecs::TaskDefinition,
    strategies: Vec<Strategy>,
    constraints: Vec<Constraint>,
    group: String,
    warnings: Diagnostics,
}

fn load_inputs(args: &PlaceRequest) -> Result<Inputs, Diagnostics> {
    let mut errors = Diagnostics::default();
    let mut warnings = Diagnostics::default();
    let mut cluster = Cluster::new("default");
    let text = read(&args.instances)?;
    match ecs_json::load_container_instances(&args.instances, &text, &mut cluster) {
        Ok(w) => warnings.extend(w),
        Err(e) => errors.extend(e),
    }
    if let Some(tasks) = &args.tasks {
        let text = read(tasks)?;
        match ecs_json::load_tasks(tasks, &text, &mut cluster) {
            Ok(w) => warnings.extend(w),
            Err(e) => errors.extend(e),
        }
    }
    let td_text = read(&args.task_definition)?;
    let td = match ecs_json::load_task_definition(&args.task_definition, &td_text) {
        Ok((td, w)) => {
            warnings.extend(w);
            Some(td)
        }
        Err(e) => {
            errors.extend(e);
            None
        }
    };
    let mut strategies: Option<Vec<Strategy>> = None;
    let mut constraints: Vec<Constraint> = vec![];
    let mut group = args.group.clone();
    if let Some(svc) = &args.service {
        let text = read(svc)?;
        match ecs_json::load_service(svc, &text) {
            Ok((s, w)) => {
                warnings.extend(w);
                strategies = Some(match (s.scheduling_strategy, s.placement_strategy.is_empty()) {
                    (SchedulingStrategy::Replica, true) => Strategy::service_default(),
                    _ => s.placement_strategy.clone(),
                });
                constraints = s.placement_constraints.clone();
                group.get_or_insert(format!("service:{}", s.service_name));
            }
            Err(e) => errors.extend(e),
        }
    }
    if let Some(arg) = &args.strategy {
        let (p, text) = inline_or_file(arg, "strategy")?;
        match parse_array::<Vec<Strategy>>(&p, &text) {
            Ok(s) if s.len() > placement::rules::MAX_STRATEGIES => {
                errors.push(Diagnostic::error(&p, 0, 0, format!("{} strategies; ECS allows at most 5", s.len())))
            }
            Ok(s) => strategies = Some(s),
            Err(e) => errors.extend(e),
        }
    }
    if let Some(arg) = &args.constraints {
        let (p, text) = inline_or_file(arg, "constraints")?;
        match parse_array::<Vec<Constraint>>(&p, &text) {
            Ok(c) => constraints = c,
            Err(e) => errors.extend(e),
        }
    }
    if !(1..=10).contains(&args.count) {
        errors.push(Diagnostic::error(Path::new("--count"), 0, 0, format!("count {} is outside RunTask's 1–10", args.count)));
    }
    let Some(td) = td else { return Err(errors) };
    for expr in &td.member_of {
        match Constraint::parse("memberOf", Some(expr)) {
            Ok(c) => constraints.push(c),
            Err(e) => errors.push(Diagnostic::error(&args.task_definition, 0, 0, e.to_string())),
        }
    }
    if constraints.len() > placement::rules::MAX_CONSTRAINTS {
        errors.push(Diagnostic::error(
            Path::new("--constraints"),
            0,
            0,
            format!("{} constraints (task definition included); ECS allows 10", constraints.len()),
        ));
    }
    if errors.has_errors() {
        return Err(errors);
    }
    let group = group.unwrap_or_else(|| td.default_group());
    // RunTask's default strategy is random (docs/ecs-model.md#placement-defaults).
    Ok(Inputs { cluster, strategies: strategies.unwrap_or_else(|| vec![Strategy::Random]), td, constraints, group, warnings })
}

/// One entry of RunTask's `failures`.
#[derive(Serialize)]
struct Failure {
    arn: String,
    reason: String,
    detail: String,
}

/// The answer to a [`PlaceRequest`]: the tasks placed (each bound on its instance before the
/// next was placed), the failures, and the reasoning for each task.
///
/// ```
/// let request = ecsim::api::PlaceRequest::new(
///     "scenarios/lessons/placement/binpack-memory/instances.json",
///     "scenarios/lessons/placement/binpack-memory/taskdef.json",
/// );
/// let placement = ecsim::api::place(&request).unwrap();
/// assert_eq!(placement.placed(), 1);
/// ```
pub struct Placement {
    /// Warnings about the files read (fields ecsim does not model, …).
    pub warnings: Diagnostics,
    count: u32,
    cluster: Cluster,
    tasks: Vec<Value>,
    failures: Vec<Failure>,
    explanations: Vec<Explanation>,
}

impl Placement {
    /// How many of the requested tasks were placed.
    ///
    /// ```
    /// let mut request = ecsim::api::PlaceRequest::new(
    ///     "scenarios/lessons/placement/binpack-memory/instances.json",
    ///     "scenarios/lessons/placement/binpack-memory/taskdef.json",
    /// );
    /// request.count = 2;
    /// assert!(ecsim::api::place(&request).unwrap().placed() <= 2);
    /// ```
    pub fn placed(&self) -> usize {
        self.tasks.len()
    }

    /// The answer as RunTask gives it, pretty-printed JSON: `tasks`, `failures`, and an
    /// `explanation` per task.
    ///
    /// ```
    /// let request = ecsim::api::PlaceRequest::new(
    ///     "scenarios/lessons/placement/binpack-memory/instances.json",
    ///     "scenarios/lessons/placement/binpack-memory/taskdef.json",
    /// );
    /// let json = ecsim::api::place(&request).unwrap().response_json();
    /// let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    /// assert_eq!(value["tasks"].as_array().unwrap().len(), 1);
    /// ```
    pub fn response_json(&self) -> String {
        let name = |id: crate::ecs::InstanceId| self.cluster.instance(id).ec2_instance_id.clone();
        let explanation: Vec<Value> = self.explanations.iter().map(|e| e.to_json(&name)).collect();
        let out = json!({ "tasks": self.tasks, "failures": self.failures, "explanation": explanation });
        serde_json::to_string_pretty(&out).unwrap_or_default()
    }

    /// The reasoning for a person: per task, what each filter and constraint removed, each
    /// strategy's ranking and the final tie; then how many were placed, if not all.
    ///
    /// ```
    /// let request = ecsim::api::PlaceRequest::new(
    ///     "scenarios/lessons/placement/binpack-memory/instances.json",
    ///     "scenarios/lessons/placement/binpack-memory/taskdef.json",
    /// );
    /// let text = ecsim::api::place(&request).unwrap().explain_text();
    /// assert!(text.starts_with("task 1 of 1:"));
    /// ```
    pub fn explain_text(&self) -> String {
        let names = |id: crate::ecs::InstanceId| {
            let i = self.cluster.instance(id);
            format!("{} ({})", i.ec2_instance_id, i.availability_zone)
        };
        let mut text = String::new();
        for (n, e) in self.explanations.iter().enumerate() {
            let _ = writeln!(text, "task {} of {}:", n + 1, self.count);
            text.push_str(&e.render(&names));
        }
        if self.tasks.len() < self.count as usize {
            let _ = writeln!(text, "{} of {} tasks placed", self.tasks.len(), self.count);
        }
        text
    }
}

/// Places `request.count` tasks one by one on the cluster the files describe, binding each
/// before the next, as RunTask does; once one task fails, the rest of the batch fails the same
/// way. Errors in the files or options come back located, every one of them.
///
/// ```
/// let mut request = ecsim::api::PlaceRequest::new(
///     "scenarios/lessons/placement/binpack-memory/instances.json",
///     "scenarios/lessons/placement/binpack-memory/taskdef.json",
/// );
/// request.count = 11;
/// let errors = ecsim::api::place(&request).err().unwrap();
/// assert!(errors.to_string().contains("outside RunTask's 1–10"));
/// ```
pub fn place(request: &PlaceRequest) -> Result<Placement, Diagnostics> {
    let mut inputs = load_inputs(request)?;
    let reservation = inputs.td.reservation();
    let group = inputs.cluster.group_id(&inputs.group);
    let mut rng = Streams::new(request.seed).get("placement");
    let mut tasks: Vec<Value> = vec![];
    let mut failures: Vec<Failure> = vec![];
    let mut explanations: Vec<Explanation> = vec![];
    for n in 0..request.count {
        let req = PlacementRequest {
            reservation: &reservation,
            group,
            strategies: &inputs.strategies,
            constraints: &inputs.constraints,
            requires_attributes: &inputs.td.requires_attributes,
            tie_break: request.tie_break,
        };
        let decision = placement::place(&inputs.cluster, &req, &mut rng, true);
        let explanation = decision.explanation.clone();
        match decision.outcome {
            Outcome::Placed { instance } => {
                inputs.cluster.bind_task(instance, group, &reservation);
                let inst = inputs.cluster.instance(instance);
                tasks.push(json!({
                    "taskArn": format!("arn:aws:ecs:us-east-1:123456789012:task/{}/{:032x}", inputs.cluster.name, n + 1),
                    "taskDefinitionArn": format!("arn:aws:ecs:us-east-1:123456789012:task-definition/{}", inputs.td.family_revision()),
                    "containerInstanceArn": inst.arn,
                    "ec2InstanceId": inst.ec2_instance_id,
                    "availabilityZone": inst.availability_zone,
                    "group": inputs.group,
                    "lastStatus": "PROVISIONING",
                    "desiredStatus": "RUNNING",
                    "launchType": "EC2",
                    "cpu": reservation.cpu_units.to_string(),
                    "memory": reservation.memory_mib.to_string(),
                }));
            }
            Outcome::Failed { reason, closest } => {
                // As RunTask does: one failure per container instance that was rejected, with
                // the reason of the first check it failed; once one task fails, the rest of
                // the batch fails the same way, so they are reported once.
                let detail = closest
                    .map(|(id, r)| {
                        format!(
                            "The closest matching container-instance {} {}",
                            inputs.cluster.instance(id).ec2_instance_id,
                            r.closest_match_text()
                        )
                    })
                    .unwrap_or_else(|| "no ACTIVE container instance in the cluster".into());
                if let Some(e) = &explanation {
                    // Instances that are not ACTIVE are not candidates at all; RunTask does not
                    // report them.
                    for (id, r) in e.rejected.iter().filter(|(_, r)| !matches!(r, placement::Rejection::NotActive { .. })) {
                        failures.push(Failure {
                            arn: inputs.cluster.instance(*id).arn.clone(),
                            reason: r.reason().code().into(),
                            detail: r.to_string(),
                        });
                    }
                }
                if failures.is_empty() {
                    failures.push(Failure { arn: String::new(), reason: reason.code().into(), detail });
                }
                if let Some(e) = explanation {
                    explanations.push(e);
                }
                break;
            }
        }
        if let Some(e) = explanation {
            explanations.push(e);
        }
    }
    Ok(Placement { warnings: inputs.warnings, count: request.count, cluster: inputs.cluster, tasks, failures, explanations })
}

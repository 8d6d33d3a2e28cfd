//! `ecsim check FILE...`: validates scenarios, sweep files, ECS JSON and ELBv2 JSON files without
//! running anything, reporting every error (and warning) with file:line:column. Exit 1 on errors.

use crate::ecs::Cluster;
use crate::scenario::diagnostic::{Diagnostic, Diagnostics};
use crate::scenario::{self, ecs_json, elbv2_json};
use anyhow::Result;
use clap::Args;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// Scenario and sweep TOML files, ECS JSON files (task definitions, services,
    /// describe-container-instances, describe-tasks) and ELBv2 JSON files (describe-target-groups,
    /// target-group attributes, describe-listeners, describe-rules).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
}

/// What kind of file this is, from its extension and top-level keys.
#[derive(Debug, PartialEq, Eq)]
enum Kind {
    Scenario,
    /// A sweep file (a `[sweep]` table): the file, its base scenario and every cell.
    Sweep,
    TaskDefinition,
    Service,
    ContainerInstances,
    Tasks,
    TargetGroups,
    TargetGroupAttributes,
    Listeners,
    Rules,
}

fn kind_of(path: &Path, text: &str) -> Kind {
    if path.extension().is_some_and(|e| e == "toml") {
        let is_sweep = toml::from_str::<toml::Table>(text).is_ok_and(|t| t.contains_key("sweep"));
        return if is_sweep { Kind::Sweep } else { Kind::Scenario };
    }
    // Decide from the first top-level keys; a file that is not valid JSON goes to the task
    // definition loader, whose syntax error is located.
    let has = |key: &str| text.contains(&format!("\"{key}\""));
    if has("containerInstances") {
        Kind::ContainerInstances
    } else if has("containerDefinitions") || has("taskDefinition") {
        Kind::TaskDefinition
    } else if has("tasks") && !has("desiredCount") {
        Kind::Tasks
    } else if let Some(kind) = elbv2_kind(text) {
        kind
    } else {
        Kind::Service
    }
}

/// The kind of an ELBv2 JSON file, from its top-level keys (ELBv2 names are PascalCase, and
/// nested ones such as `ForwardConfig.TargetGroups` must not count).
fn elbv2_kind(text: &str) -> Option<Kind> {
    let root: serde_json::Value = serde_json::from_str(text).ok()?;
    let top = root.as_object()?;
    let has = |k: &str| top.contains_key(k);
    if has("TargetGroups") || (has("Name") && ["VpcId", "TargetType", "Protocol", "HealthCheckPath"].iter().any(|k| has(k))) {
        Some(Kind::TargetGroups)
    } else if has("Attributes") {
        Some(Kind::TargetGroupAttributes)
    } else if has("Listeners") || has("DefaultActions") {
        Some(Kind::Listeners)
    } else if has("Rules") || has("Conditions") {
        Some(Kind::Rules)
    } else {
        None
    }
}

/// Checks one file; returns its messages.
pub fn check_file(path: &Path) -> Diagnostics {
    let text = match scenario::diagnostic::read_text(path) {
        Ok(t) => t,
        Err(d) => return d.into(),
    };
    let result = match kind_of(path, &text) {
        Kind::Scenario => scenario::load_str(path, &text).map(|s| s.warnings),
        Kind::Sweep => crate::sweep::file::parse_str(path, &text).and_then(crate::sweep::prepare).map(|p| p.base.warnings),
        Kind::TaskDefinition => ecs_json::load_task_definition(path, &text).map(|(_, w)| w),
        Kind::Service => ecs_json::load_service(path, &text).map(|(_, w)| w),
        Kind::ContainerInstances => ecs_json::load_container_instances(path, &text, &mut Cluster::new("check")),
        Kind::Tasks => {
            // Tasks refer to container instances we do not have here: check the shape only.
            let mut cluster = Cluster::new("check");
            ecs_json::load_tasks(path, &text, &mut cluster).or_else(|d| {
                let shape_errors: Vec<Diagnostic> = d.0.into_iter().filter(|x| !x.message.contains("unknown container instance")).collect();
                if shape_errors.is_empty() {
                    Ok(Diagnostics::default())
                } else {
                    Err(Diagnostics(shape_errors))
                }
            })
        }
        Kind::TargetGroups => elbv2_json::load_target_groups(path, &text).map(|(_, w)| w),
        Kind::TargetGroupAttributes => elbv2_json::load_target_group_attributes(path, &text).map(|(_, w)| w),
        // Listeners and rules name target groups defined elsewhere: check the rest.
        Kind::Listeners => without_target_groups(elbv2_json::load_listeners(path, &text, &[]).map(|(_, w)| w)),
        Kind::Rules => without_target_groups(elbv2_json::load_rules(path, &text, &[]).map(|(_, w)| w)),
    };
    match result {
        Ok(w) | Err(w) => w,
    }
}

/// The outcome without the "no target group" errors a file checked on its own cannot avoid.
fn without_target_groups(result: Result<Diagnostics, Diagnostics>) -> Result<Diagnostics, Diagnostics> {
    result.or_else(|d| {
        let kept = Diagnostics(d.0.into_iter().filter(|x| !x.message.starts_with("no target group")).collect());
        if kept.has_errors() {
            Err(kept)
        } else {
            Ok(kept)
        }
    })
}

pub fn check(args: CheckArgs) -> Result<ExitCode> {
    let mut all = Diagnostics::default();
    for f in &args.files {
        all.extend(check_file(f));
    }
    for d in &all.0 {
        eprintln!("{d}\n");
    }
    let errors = all.errors().count();
    let warnings = all.warnings().count();
    let files_with_errors: std::collections::BTreeSet<&Path> = all.errors().map(|d| d.file.as_path()).collect();
    println!("checked {} file(s): {errors} error(s) in {} file(s), {warnings} warning(s)", args.files.len(), files_with_errors.len());
    Ok(if errors > 0 { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

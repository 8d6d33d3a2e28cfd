//! `ecsim check FILE...`: validates scenarios, sweep files, ECS JSON and ELBv2 JSON files without
//! running anything, reporting every error (and warning) with file:line:column. Exit 1 on errors;
//! with `--deny-warnings`, exit 4 on warnings alone. `--json` prints the verdict per file.

use super::exit;
use super::out::{errln, json, outln};
use crate::api::{self, Diagnostics};
use anyhow::Result;
use clap::Args;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// Scenario and sweep TOML files, ECS JSON files (task definitions, services,
    /// describe-container-instances, describe-tasks / run-task / start-task output) and ELBv2
    /// JSON files (describe-target-groups, target-group attributes, describe-listeners,
    /// describe-rules); each JSON file's kind is told from its shape.
    /// Infrastructure code ecsim imports (CloudFormation, Terraform, Copilot, docker-compose,
    /// container_definitions) is imported and checked as the scenario it becomes.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// A TOML laid over each scenario or stack before it is checked (as `ecsim run --overlay`).
    #[arg(long)]
    pub overlay: Option<PathBuf>,
    #[command(flatten)]
    pub stack: super::import::StackArgs,
    /// Exit with code 4 when there are warnings and no error (errors still give 1).
    #[arg(long)]
    pub deny_warnings: bool,
    /// Print one JSON document on standard output: per file given, `{file, ok, errors,
    /// warnings}`, each message with its file, line, column and text; the messages for a
    /// person still go to standard error.
    #[arg(long)]
    pub json: bool,
}

pub fn check(args: CheckArgs) -> Result<ExitCode> {
    let options = args.stack.options(None)?;
    let per_file: Vec<(&Path, Diagnostics)> = args
        .files
        .iter()
        .map(|f| {
            let diags = if args.overlay.is_some() || api::is_stack(f) || f.is_dir() {
                match api::load_with(f, args.overlay.as_deref(), &options) {
                    Ok(scenario) => scenario.warnings,
                    Err(d) => d,
                }
            } else {
                api::check_file(f)
            };
            (f.as_path(), diags)
        })
        .collect();
    let mut all = Diagnostics::default();
    for (_, d) in &per_file {
        all.extend(d.clone());
    }
    for d in &all.0 {
        errln!("{d}\n");
    }
    let errors = all.errors().count();
    let warnings = all.warnings().count();
    let files_with_errors: std::collections::BTreeSet<&Path> = all.errors().map(|d| d.file.as_path()).collect();
    let line =
        format!("checked {} file(s): {errors} error(s) in {} file(s), {warnings} warning(s)", args.files.len(), files_with_errors.len());
    let code = if errors > 0 {
        exit::FAILED
    } else if warnings > 0 && args.deny_warnings {
        exit::WARNINGS_DENIED
    } else {
        exit::DONE
    };
    if args.json {
        errln!("{line}");
        json(&document(&per_file, code));
    } else {
        outln!("{line}");
    }
    Ok(exit::code(code))
}

/// What `check --json` prints: `{"ok", "errors", "warnings", "files": [{"file", "ok", "errors":
/// [...], "warnings": [...]}]}`, the counts over every file, one entry per file given (its
/// messages may point into files it names, a task definition of a scenario, say).
fn document(per_file: &[(&Path, Diagnostics)], code: u8) -> Value {
    let files: Vec<Value> = per_file
        .iter()
        .map(|(f, d)| {
            json!({
                "file": super::json::path(f),
                "ok": d.errors().next().is_none(),
                "errors": super::json::errors(d),
                "warnings": super::json::warnings(d),
            })
        })
        .collect();
    let count = |pick: fn(&Diagnostics) -> usize| per_file.iter().map(|(_, d)| pick(d)).sum::<usize>();
    json!({
        "ok": code == exit::DONE,
        "errors": count(|d| d.errors().count()),
        "warnings": count(|d| d.warnings().count()),
        "files": files,
    })
}

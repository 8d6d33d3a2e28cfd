//! `ecsim check FILE...`: validates scenarios, sweep files, ECS JSON and ELBv2 JSON files without
//! running anything, reporting every error (and warning) with file:line:column. Exit 1 on errors.

use super::out::{errln, outln};
use crate::api::{self, Diagnostics};
use anyhow::Result;
use clap::Args;
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
}

pub fn check(args: CheckArgs) -> Result<ExitCode> {
    let mut all = Diagnostics::default();
    let options = args.stack.options(None)?;
    for f in &args.files {
        if args.overlay.is_some() || api::is_stack(f) || f.is_dir() {
            match api::load_with(f, args.overlay.as_deref(), &options) {
                Ok(scenario) => all.extend(scenario.warnings),
                Err(d) => all.extend(d),
            }
        } else {
            all.extend(api::check_file(f));
        }
    }
    for d in &all.0 {
        errln!("{d}\n");
    }
    let errors = all.errors().count();
    let warnings = all.warnings().count();
    let files_with_errors: std::collections::BTreeSet<&Path> = all.errors().map(|d| d.file.as_path()).collect();
    outln!("checked {} file(s): {errors} error(s) in {} file(s), {warnings} warning(s)", args.files.len(), files_with_errors.len());
    Ok(if errors > 0 { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

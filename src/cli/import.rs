//! `ecsim import FILE... [--out DIR/scenario.toml]`: infrastructure code (CloudFormation,
//! Terraform, Copilot, docker-compose, container_definitions) as a scenario, written with the
//! task definition files it names and checked as `ecsim check` would.

use super::out::{errln, outln};
use crate::api::{self, ImportOptions};
use anyhow::{Context, Result};
use clap::Args;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

/// Settings of an import shared by `import`, `run` and `check`.
#[derive(Args, Debug, Clone, Default)]
pub struct StackArgs {
    /// A CloudFormation parameter value over its default: `--parameter DesiredCount=4`
    /// (repeatable).
    #[arg(long = "parameter", value_name = "KEY=VALUE")]
    pub parameters: Vec<String>,
    /// A Terraform variable over its default and the `.tfvars` files: `--var desired_count=4`
    /// (repeatable).
    #[arg(long = "var", value_name = "NAME=VALUE")]
    pub vars: Vec<String>,
}

impl StackArgs {
    pub fn options(&self, name: Option<String>) -> Result<ImportOptions> {
        Ok(ImportOptions { parameters: pairs(&self.parameters, "--parameter")?, vars: pairs(&self.vars, "--var")?, name })
    }
}

fn pairs(items: &[String], flag: &str) -> Result<BTreeMap<String, String>> {
    items
        .iter()
        .map(|s| match s.split_once('=') {
            Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.to_string())),
            _ => anyhow::bail!("{flag} {s:?}: write KEY=VALUE"),
        })
        .collect()
}

#[derive(Args, Debug)]
pub struct ImportArgs {
    /// CloudFormation templates (YAML or JSON, CDK output included), Terraform files or
    /// folders, `terraform show -json` output, Copilot manifests, docker-compose files,
    /// container_definitions JSON arrays. Files of one stack are given together.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Where to write the scenario (default: imported/<name>/scenario.toml); the task
    /// definition files go beside it.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// The scenario's name (default: the first file's name).
    #[arg(long)]
    pub name: Option<String>,
    #[command(flatten)]
    pub stack: StackArgs,
}

pub fn import(args: ImportArgs) -> Result<ExitCode> {
    let imported = match api::import(&args.files, &args.stack.options(args.name.clone())?) {
        Ok(i) => i,
        Err(diags) => {
            errln!("{diags}");
            errln!("{} error(s); nothing was written", diags.errors().count());
            return Ok(ExitCode::from(1));
        }
    };
    for w in imported.warnings.warnings() {
        errln!("{w}\n");
    }
    // The scenario must load as written before anything is written.
    let checked = imported.load(None);
    if let Err(diags) = &checked {
        errln!("{diags}");
        errln!(
            "the imported scenario does not load: nothing was written (this is a bug of the importer, or a value ecsim cannot simulate)"
        );
        return Ok(ExitCode::from(1));
    }
    let out = args.out.clone().unwrap_or_else(|| PathBuf::from("imported").join(&imported.draft.name).join("scenario.toml"));
    imported.write(&out).with_context(|| format!("writing {}", out.display()))?;
    outln!(
        "wrote {} ({} task definition file(s) beside it), {} warning(s); run it with: ecsim run {}",
        out.display(),
        imported.draft.files.len(),
        imported.warnings.warnings().count(),
        out.display()
    );
    Ok(ExitCode::SUCCESS)
}

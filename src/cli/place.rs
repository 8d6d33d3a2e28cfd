//! `ecsim place`: where would ECS put this task, and why? Reads the files the AWS CLI gives
//! (describe-container-instances, describe-tasks, a task definition, a service) and prints a
//! RunTask response — `{"tasks": [...], "failures": [...]}` plus an `explanation` member — or,
//! with `--explain`, the reasoning for a person. The placing is `api::place`'s.

use super::out::{errln, out, outln};
use crate::api::{self, PlaceRequest, TieBreak};
use anyhow::Result;
use clap::{Args, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct PlaceArgs {
    /// `aws ecs describe-container-instances` output: the cluster.
    #[arg(long)]
    pub instances: PathBuf,
    /// `aws ecs describe-tasks` output: tasks already running (their groups matter to spread,
    /// distinctInstance and task:group).
    #[arg(long)]
    pub tasks: Option<PathBuf>,
    /// The task definition (register-task-definition input or describe-task-definition output).
    #[arg(long = "task-definition")]
    pub task_definition: PathBuf,
    /// Placement strategy as the AWS JSON array, inline (`'[{"type":"binpack","field":"memory"}]'`)
    /// or a file.
    #[arg(long)]
    pub strategy: Option<String>,
    /// Placement constraints as the AWS JSON array, inline or a file.
    #[arg(long)]
    pub constraints: Option<String>,
    /// Take strategy, constraints and group from a create-service JSON.
    #[arg(long)]
    pub service: Option<PathBuf>,
    /// Tasks to place (RunTask allows 1–10).
    #[arg(long, default_value_t = 1)]
    pub count: u32,
    /// Task group (default: `family:<family>`, or `service:<name>` with --service).
    #[arg(long)]
    pub group: Option<String>,
    #[arg(long = "tie-break", value_enum, default_value_t = TieBreakArg::Random)]
    pub tie_break: TieBreakArg,
    /// Seed of the `placement` random stream.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Print the reasoning for a person instead of JSON.
    #[arg(long)]
    pub explain: bool,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum TieBreakArg {
    First,
    Random,
}

pub fn place(args: PlaceArgs) -> Result<ExitCode> {
    let request = PlaceRequest {
        instances: args.instances,
        tasks: args.tasks,
        task_definition: args.task_definition,
        strategy: args.strategy,
        constraints: args.constraints,
        service: args.service,
        count: args.count,
        group: args.group,
        tie_break: match args.tie_break {
            TieBreakArg::First => TieBreak::First,
            TieBreakArg::Random => TieBreak::Random,
        },
        seed: args.seed,
    };
    let placement = match api::place(&request) {
        Ok(p) => p,
        Err(diags) => {
            errln!("{diags}");
            return Ok(ExitCode::from(1));
        }
    };
    for w in placement.warnings.warnings() {
        errln!("{w}");
    }
    if args.explain {
        out!("{}", placement.explain_text());
    } else {
        outln!("{}", placement.response_json());
    }
    Ok(ExitCode::SUCCESS)
}

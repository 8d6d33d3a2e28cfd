//! `ecsim place`: where would ECS put this task, and why? Reads the files the AWS CLI gives
//! (describe-container-instances, describe-tasks, a task definition, a service) and prints a
//! RunTask response — `{"tasks": [...], "failures": [...]}` plus an `explanation` member — or,
//! with `--explain`, the reasoning for a person; with `--json`, the chosen instances, the
//! failures and both explanations in one document. The placing is `api::place`'s.

use super::exit;
use super::out::{errln, json, out, outln};
use crate::api::{self, PlaceRequest, Placement, TieBreak};
use anyhow::Result;
use clap::{Args, ValueEnum};
use serde_json::{json, Value};
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
    #[arg(long, conflicts_with = "json")]
    pub explain: bool,
    /// Print one JSON document for scripts: `ok` (every task placed), `placed_on` (the chosen
    /// instances, in placement order), the RunTask `tasks` and `failures`, the `explanation`
    /// as data and as text (`explanation_text`), and the `warnings`.
    #[arg(long)]
    pub json: bool,
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
            if args.json {
                json(&super::json::failed(&diags));
            }
            return Ok(exit::code(exit::FAILED));
        }
    };
    for w in placement.warnings.warnings() {
        errln!("{w}");
    }
    if args.json {
        json(&document(&placement, args.count));
    } else if args.explain {
        out!("{}", placement.explain_text());
    } else {
        outln!("{}", placement.response_json());
    }
    Ok(exit::code(exit::DONE))
}

/// What `place --json` prints: the RunTask response (`tasks`, `failures`, `explanation`)
/// with `ok`, `count`, `placed_on` (each explanation's chosen instance, `null` for a task not
/// placed), `explanation_text` and `warnings` added.
fn document(placement: &Placement, count: u32) -> Value {
    let mut doc: Value = serde_json::from_str(&placement.response_json()).unwrap_or_else(|_| json!({}));
    let placed_on: Vec<Value> =
        doc["explanation"].as_array().map(|all| all.iter().map(|e| e["outcome"]["placed_on"].clone()).collect()).unwrap_or_default();
    let placed = doc["tasks"].as_array().map_or(0, Vec::len);
    if let Value::Object(map) = &mut doc {
        map.insert("ok".into(), json!(placed == count as usize));
        map.insert("count".into(), json!(count));
        map.insert("placed_on".into(), json!(placed_on));
        map.insert("explanation_text".into(), json!(placement.explain_text()));
        map.insert("warnings".into(), json!(super::json::warnings(&placement.warnings)));
    }
    doc
}

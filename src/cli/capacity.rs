//! `ecsim capacity SCENARIO`: the smallest value of an integer knob at which every replication
//! meets the scenario's `[slo]` with no placement failure (`sweep::capacity`). Exit 3 when no
//! value meets it; `--json` prints capacity.json's content and where it is.

use super::out::{err, errln, json, out, outln};
use super::{exit, previous};
use crate::api::{self, CapacityOptions};
use anyhow::Result;
use clap::Args;
use serde_json::json;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct CapacityArgs {
    /// The scenario (TOML) with an [slo].
    pub scenario: PathBuf,
    /// Dotted path of the integer knob, e.g. services.web.desired_count,
    /// cluster.instances.0.count, auto_scaling_groups.asg.desired (default: the count of the
    /// scenario's only [[cluster.instances]] entry).
    #[arg(long, value_name = "PATH")]
    pub vary: Option<String>,
    /// Lowest value considered.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub from: i64,
    /// A value that meets the objective: checked, then bisected down from (default: doubling
    /// upward from --from).
    #[arg(long, value_name = "N")]
    pub to: Option<i64>,
    /// Replications per probe; every one must meet the objective.
    #[arg(long, short = 'r', value_name = "R", default_value_t = 5)]
    pub replications: u32,
    /// Worker threads (default: every core).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// Output folder for capacity.csv and capacity.json (default: results/capacity/<scenario>/).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Master seed of the replications (default: the scenario's seed).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Print one JSON document on standard output, `{"ok", "answer", "results_dir",
    /// "capacity"}` (`capacity` is capacity.json's content), instead of the answer's text; the
    /// plan and the probes stay on standard error.
    #[arg(long)]
    pub json: bool,
}

pub fn capacity(args: CapacityArgs) -> Result<ExitCode> {
    let options = CapacityOptions {
        scenario: args.scenario.clone(),
        vary: args.vary.clone(),
        from: Some(args.from),
        to: args.to,
        replications: args.replications,
        threads: args.threads,
        seed: args.seed,
    };
    let search = api::prepare_capacity(&options)?;
    let out = args.out.clone().unwrap_or_else(|| api::default_capacity_dir(&search));
    err!("{}", api::capacity_plan(&search));
    let outcome = search.run(&mut |p| errln!("{}", api::probe_line(&search, p)))?;
    let replacing = previous::capacity(&out);
    api::write_capacity(&outcome, &out)?;
    if let Some(what) = replacing {
        errln!("note: replaced capacity.csv and capacity.json in {} ({what})", previous::shown(&out));
    }
    if args.json {
        json(&json!({
            "ok": outcome.answer.is_some(),
            "answer": outcome.answer,
            "results_dir": super::json::path(&out),
            "capacity": outcome,
        }));
    } else {
        out!("{}", api::capacity_answer(&outcome));
        outln!("probes written to {}/ (capacity.csv, capacity.json)", out.display());
    }
    // A search that ran and found nothing is an answer, not a failure: its own code.
    Ok(exit::code(if outcome.answer.is_some() { exit::DONE } else { exit::NO_CAPACITY }))
}

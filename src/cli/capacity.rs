//! `ecsim capacity SCENARIO`: the smallest value of an integer knob at which every replication
//! meets the scenario's `[slo]` with no placement failure (`sweep::capacity`).

use super::out::{errln, outln};
use crate::sweep::capacity::{self, Figure, Options, Outcome, Probe, Search};
use anyhow::Result;
use clap::Args;
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
}

fn short(knob: &str) -> &str {
    knob.rsplit('.').find(|s| s.parse::<usize>().is_err()).unwrap_or(knob)
}

fn fig(f: &Option<Figure>, decimals: usize) -> String {
    f.as_ref().map_or("–".into(), |f| f.text(decimals))
}

fn probe_line(s: &Search, p: &Probe) -> String {
    format!(
        "probe {}: {} = {} → {}/{} met (SLO {}, no placement failure {})  availability {} %  p99 {} ms  budget spent {} %  tasks failed {}",
        p.order,
        short(&s.knob),
        p.value,
        p.replications_met,
        p.replications,
        p.replications_slo_met,
        p.replications_no_placement_failure,
        fig(&p.availability_pct, 4),
        fig(&p.latency_ms_p99, 1),
        fig(&p.error_budget_spent_pct, 1),
        fig(&p.tasks_failed, 1),
    )
}

pub fn capacity(args: CapacityArgs) -> Result<ExitCode> {
    let options = Options {
        scenario: args.scenario.clone(),
        vary: args.vary.clone(),
        from: Some(args.from),
        to: args.to,
        replications: args.replications,
        threads: args.threads,
        seed: args.seed,
    };
    let search = capacity::prepare(&options)?;
    let out = args.out.clone().unwrap_or_else(|| PathBuf::from("results/capacity").join(&search.base.name));
    let slo = &search.base.slo;
    let mut objective = Vec::new();
    if let Some(a) = slo.availability_pct {
        objective.push(format!("availability ≥ {a} %"));
    }
    if let Some(l) = slo.latency_ms_p99 {
        objective.push(format!("p99 latency ≤ {l} ms"));
    }
    errln!("capacity search: {} of {} ({} in the file)", search.knob, args.scenario.display(), search.base_value);
    errln!(
        "objective: {} and no placement failure (tasks.failed = 0), in every one of {} replication(s)",
        objective.join(", "),
        search.replications
    );
    errln!("seeds: run_seed({}, 0..{}), the same at every probe (common random numbers)", search.master_seed, search.replications);
    match search.to {
        Some(to) => errln!("search: check {to} (--to), then bisect down to {}; assumes more never hurts (monotone)", search.from),
        None => errln!("search: double from {}, then bisect; assumes more never hurts (monotone)", search.from),
    }
    let outcome = search.run(&mut |p| errln!("{}", probe_line(&search, p)))?;
    capacity::write(&outcome, &out)?;
    print_answer(&outcome);
    outln!("probes written to {}/ (capacity.csv, capacity.json)", out.display());
    Ok(if outcome.answer.is_some() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// The answer and the evidence: the answer and one step below.
pub fn print_answer(o: &Outcome) {
    let Some(answer) = o.answer else {
        outln!("no answer: {}", o.failure.as_deref().unwrap_or("no value met the objective"));
        return;
    };
    outln!("answer: {} = {answer}  (the smallest value where all {} replications meet the objective)", o.knob, o.replications);
    outln!("evidence (mean ± half-width of the 95 % CI over the replications):");
    let header = ["value", "met", "availability %", "p99 latency ms", "error budget spent %", "tasks failed"];
    let rows: Vec<[String; 6]> = [answer - 1, answer]
        .iter()
        .filter_map(|v| o.probe(*v))
        .map(|p| {
            [
                p.value.to_string(),
                format!("{}/{}", p.replications_met, p.replications),
                fig(&p.availability_pct, 4),
                fig(&p.latency_ms_p99, 1),
                fig(&p.error_budget_spent_pct, 1),
                fig(&p.tasks_failed, 1),
            ]
        })
        .collect();
    let widths: Vec<usize> = (0..header.len())
        .map(|i| rows.iter().map(|r| r[i].chars().count()).chain([header[i].chars().count()]).max().unwrap_or(0))
        .collect();
    let line = |cells: Vec<String>| {
        let parts: Vec<String> = cells.iter().zip(&widths).map(|(c, w)| format!("{c:>w$}")).collect();
        outln!("  {}", parts.join("   "));
    };
    line(header.iter().map(|h| h.to_string()).collect());
    for r in rows {
        line(r.to_vec());
    }
    if o.probe(answer - 1).is_none() {
        outln!("  ({} = {} was not run: the search starts at --from {}; lower --from to look below)", o.knob, answer - 1, o.from);
    }
    outln!("assumption: {}", o.assumption);
}

//! `ecsim sweep SWEEP`: run a grid of scenario variations × replications and write runs.csv,
//! cells.csv, cells.json (docs/sweeps.md); `--json` prints the cells as one JSON document.

use super::out::{errln, json, out, outln};
use super::{exit, previous};
use crate::api::{self, Finished, Shard};
use anyhow::Result;
use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::{json, Value};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct SweepArgs {
    /// The sweep file (TOML; docs/sweeps.md).
    pub sweep: PathBuf,
    /// Output folder (default: results/sweeps/<sweep name>/). Runs already in it are kept.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Worker threads (default: every core).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// Run only shard I of N (runs k = cell × replications + rep with k mod N = I); default:
    /// from SLURM_ARRAY_TASK_ID, AWS_BATCH_JOB_ARRAY_INDEX or JOB_COMPLETION_INDEX when set.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<Shard>,
    /// The shard count where the batch system gives only an index (Kubernetes Indexed Jobs;
    /// or set ECSIM_SHARDS).
    #[arg(long, value_name = "N")]
    pub shards: Option<u32>,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
    /// Print one JSON document on standard output, `{"ok", "sweep", "results_dir", "runs",
    /// "skipped", "shard", "cells"}` (`cells` is cells.json's content; null for a shard),
    /// instead of the table.
    #[arg(long)]
    pub json: bool,
}

#[allow(clippy::disallowed_methods)] // wall time for the progress report and the runs/s line only
pub fn sweep(args: SweepArgs) -> Result<ExitCode> {
    let shard = match args.shard {
        Some(s) => Some(s),
        None => api::shard_from_env(&|k| std::env::var(k).ok(), args.shards)?,
    };
    let prepared = match api::load_sweep(&args.sweep) {
        Ok(p) => p,
        Err(diags) => {
            errln!("{diags}");
            errln!("{} error(s); nothing was run and nothing was written", diags.errors().count());
            if args.json {
                json(&super::json::failed(&diags));
            }
            return Ok(exit::code(exit::FAILED));
        }
    };
    let out = args.out.clone().unwrap_or_else(|| api::default_sweep_dir(&prepared));
    let replacing = if shard.is_none() { previous::sweep(&out) } else { None };
    let cells = prepared.cells.len();
    let reps = prepared.file.replications;
    let wanted = api::headline_figures(&prepared);
    let terminal = std::io::stderr().is_terminal();
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
    let started = std::time::Instant::now();
    let mut to_run = 0;
    let executed = api::run_sweep(
        &prepared,
        &out,
        args.threads,
        shard,
        &mut |todo, skipped| {
            to_run = todo;
            if args.quiet {
                return;
            }
            let of = shard.map_or(String::new(), |s| format!(", shard {s}"));
            errln!(
                "sweep {}: {cells} cell(s) × {reps} replication(s){of}: {skipped} run(s) already done, {todo} to run",
                prepared.file.name
            );
            if terminal && todo > 0 {
                bar.set_length(todo as u64);
                bar.set_style(
                    ProgressStyle::with_template("{spinner} runs {pos}/{len} [{bar:30}] {percent}% eta {eta} {msg}")
                        .unwrap_or_else(|_| ProgressStyle::default_bar()),
                );
                bar.set_draw_target(ProgressDrawTarget::stderr());
            }
        },
        &|f: Finished| {
            if args.quiet {
                return;
            }
            let head = wanted.iter().find_map(|w| f.record.figures.get(w).map(|v| format!(" ({w} {v:.4})"))).unwrap_or_default();
            let line = format!("run {}/{} done: {} r{}{head}", f.done, f.total, f.record.cell, f.record.replication);
            if terminal {
                bar.set_message(line);
                bar.inc(1);
            } else {
                errln!("{line}");
            }
        },
    )?;
    bar.finish_and_clear();
    if args.json {
        let cells = executed.assembled.as_ref().map(|a| serde_json::from_slice::<Value>(&a.cells_json).unwrap_or(Value::Null));
        json(&json!({
            "ok": true,
            "sweep": prepared.file.name,
            "results_dir": super::json::path(&out),
            "runs": executed.runs,
            "skipped": executed.skipped,
            "shard": shard.map(|s| s.to_string()),
            "cells": cells,
        }));
    }
    if args.quiet {
        return Ok(exit::code(exit::DONE));
    }
    if let Some(what) = replacing {
        errln!(
            "note: replaced the tables in {} ({what}; the {} run(s) already in runs/ were kept)",
            previous::shown(&out),
            executed.skipped
        );
    }
    if args.json {
        return Ok(exit::code(exit::DONE));
    }
    let secs = started.elapsed().as_secs_f64();
    if to_run > 0 {
        errln!("{to_run} run(s) in {secs:.1} s ({:.2} runs/s)", to_run as f64 / secs.max(1e-9));
    }
    match &executed.assembled {
        Some(a) => {
            out!("{}", api::sweep_table(a));
            outln!("results written to {}/ (runs.csv, cells.csv, cells.json)", out.display());
        }
        None => outln!(
            "shard {} done: {} run(s) in {}/runs/; merge the shards with `ecsim merge SHARD_DIR... --out DIR`",
            shard.map_or(String::new(), |s| s.to_string()),
            executed.runs,
            out.display()
        ),
    }
    Ok(exit::code(exit::DONE))
}

//! `ecsim run SCENARIO`: simulate and write the results directory (`api::run_to_dir`), with a
//! progress bar on long runs, a note when it replaces a previous run's results, and with
//! `--json` the summary as one JSON document.

use super::out::{errln, json, out};
use super::{exit, previous};
use crate::api::{self, Summary};
use anyhow::Result;
use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct RunArgs {
    /// The scenario file (TOML), or infrastructure code ecsim imports (a CloudFormation
    /// template, Terraform files or folder, a Copilot manifest, a docker-compose file).
    pub scenario: PathBuf,
    /// A TOML laid over the scenario: its `[scenario]` keys (duration, seed) replace the
    /// file's, its `[[traffic]]`, `[[faults]]`, `[[actions]]` are added.
    #[arg(long)]
    pub overlay: Option<PathBuf>,
    #[command(flatten)]
    pub stack: super::import::StackArgs,
    /// Master seed (default: the scenario's `seed`).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Output directory (default: results/<scenario name>/).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
    /// Print the summary as one JSON document on standard output (summary.json's content and
    /// the results directory) instead of the report; warnings and notes stay on standard error.
    #[arg(long)]
    pub json: bool,
    /// Which result files to write: everything (charts and report.html included), the data
    /// (summary.json and the CSV files), or summary.json alone — for scripts and benchmarks
    /// that read no chart.
    #[arg(long, value_enum, default_value_t = OutputSet::All)]
    pub outputs: OutputSet,
}

/// `--outputs`: the result files `ecsim run` writes.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputSet {
    /// summary.json, the CSV files, the charts and report.html
    All,
    /// summary.json, lesson.json and the CSV files; no chart, no report.html
    Data,
    /// summary.json (and lesson.json for a lesson) only
    Summary,
}

impl From<OutputSet> for api::Outputs {
    fn from(set: OutputSet) -> api::Outputs {
        match set {
            OutputSet::All => api::Outputs::All,
            OutputSet::Data => api::Outputs::Data,
            OutputSet::Summary => api::Outputs::Summary,
        }
    }
}

#[allow(clippy::disallowed_methods)] // wall time only decides whether to show a progress bar
pub fn run(args: RunArgs) -> Result<ExitCode> {
    let scenario = match api::load_with(&args.scenario, args.overlay.as_deref(), &args.stack.options(None)?) {
        Ok(s) => s,
        Err(diags) => {
            errln!("{diags}");
            errln!("{} error(s); nothing was run and nothing was written", diags.errors().count());
            if args.json {
                json(&super::json::failed(&diags));
            }
            return Ok(exit::code(exit::FAILED));
        }
    };
    if !args.quiet {
        for w in scenario.warnings.warnings() {
            errln!("{w}");
        }
    }
    let seed = args.seed.unwrap_or(scenario.seed);
    let out = args.out.clone().unwrap_or_else(|| api::default_results_dir(&scenario));
    let replacing = previous::run(&out);
    let started = std::time::Instant::now();
    let bar = ProgressBar::with_draw_target(Some(api::simulated_minutes(&scenario)), ProgressDrawTarget::hidden());
    bar.set_style(
        ProgressStyle::with_template("{spinner} simulated {pos}/{len} min [{bar:30}] {percent}% eta {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let mut shown = false;
    let summaries = api::run_to_dir_before_exit(scenario, seed, &out, args.outputs.into(), &mut |now| {
        bar.set_position(now.whole_secs() / 60);
        // Only runs longer than a second get a bar, and only on a terminal.
        if !args.quiet && !shown && started.elapsed().as_secs_f64() > 1.0 {
            bar.set_draw_target(ProgressDrawTarget::stderr());
            shown = true;
        }
    });
    bar.finish_and_clear();
    let summaries = summaries?;
    if let (Some(what), false) = (replacing, args.quiet) {
        errln!("note: replaced the results in {} ({what})", previous::shown(&out));
    }
    if args.json {
        json(&document(&summaries, &out));
    } else if !args.quiet {
        out!("{}", api::report_text(&summaries, &out));
    }
    Ok(exit::code(exit::DONE))
}

/// What `run --json` prints: `{"ok", "results_dir", "summary"}` for a run, or
/// `{"ok", "results_dir", "comparison_csv", "variants": [{"variant", "results_dir", "summary"}]}`
/// for a scenario with variants; each `summary` is summary.json's content.
fn document(summaries: &[Summary], out: &Path) -> Value {
    let dir = super::json::path(out);
    match summaries {
        [one] if one.variant.is_none() => json!({ "ok": true, "results_dir": dir, "summary": one }),
        _ => {
            let variants: Vec<Value> = summaries
                .iter()
                .map(|s| {
                    let name = s.variant.clone().unwrap_or_default();
                    json!({ "variant": name, "results_dir": super::json::path(&api::variant_results_dir(out, &name)), "summary": s })
                })
                .collect();
            json!({ "ok": true, "results_dir": dir, "comparison_csv": super::json::path(&out.join("comparison.csv")), "variants": variants })
        }
    }
}

//! What the test modules share, written once: where the repository's files are (`repo`,
//! `fixture`), loading a scenario from a file or from pieces of TOML (`load`, `load_parts`,
//! `load_err`), running it with the model's invariants checked (`run`, `run_seed`), the binary
//! (`ecsim`), the one error a test expects at a `line:column` (`error_at`), the event log as
//! plain rows (`events`), and TOML pieces several modules build their scenarios from (`toml`).

use ecsim::scenario::{self, Diagnostic, Diagnostics, Scenario};
use ecsim::sim::alb::metrics::TrafficTotals;
use ecsim::sim::recorder::EventKind;
use ecsim::sim::{self, RunOptions, RunOutcome};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A path in the repository, from its root (`repo("scenarios/quickstart.toml")`).
pub fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// A file of `tests/fixtures/` and its text (`fixture("autoscaling/put-scaling-policy.json")`).
#[track_caller]
pub fn fixture(rel: &str) -> (PathBuf, String) {
    let path = repo("tests/fixtures").join(rel);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    (path, text)
}

/// Loads a scenario file of the repository (`load("scenarios/lessons/…")`); its errors fail
/// the test.
#[track_caller]
pub fn load(rel: &str) -> Scenario {
    scenario::load(&repo(rel)).unwrap_or_else(|d| panic!("{rel}: {d}"))
}

/// Every scenario file under scenarios/ (sweep files apart), in path order.
pub fn bundled_scenarios() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|e| e == "toml") {
                let text = std::fs::read_to_string(&p).unwrap();
                let is_sweep = text.lines().any(|l| l.trim_start().starts_with("[[axes]]") || l.trim_start().starts_with("[sweep]"));
                if !is_sweep {
                    out.push(p);
                }
            }
        }
    }
    let mut out = Vec::new();
    walk(&repo("scenarios"), &mut out);
    out
}

/// Where a module's inline scenarios pretend to live (`tests/<stem>.toml`): relative paths in
/// them (access logs, JSON files) resolve from `tests/`, and messages name `<stem>.toml`.
pub fn scenario_path(stem: &str) -> PathBuf {
    repo("tests").join(format!("{stem}.toml"))
}

/// Loads a scenario written as pieces of TOML (a test's own tables plus shared ones).
#[track_caller]
pub fn load_parts(stem: &str, parts: &[&str]) -> Scenario {
    scenario::load_str(&scenario_path(stem), &parts.concat()).unwrap_or_else(|d| panic!("{d}"))
}

/// The diagnostics of a scenario text that must not load, as if it were the file `path`.
#[track_caller]
pub fn load_err(path: &Path, text: &str) -> Diagnostics {
    match scenario::load_str(path, text) {
        Ok(_) => panic!("expected errors, but this loaded:\n{text}"),
        Err(d) => d,
    }
}

/// Runs with the scenario's own seed and the model's invariants checked after every event.
pub fn run(s: &Scenario) -> RunOutcome {
    run_seed(s, s.seed)
}

/// Runs with the model's invariants checked after every event.
pub fn run_seed(s: &Scenario, seed: u64) -> RunOutcome {
    sim::run_with(s, seed, RunOptions { check_invariants: true, ..Default::default() }, &mut |_| {})
}

pub fn traffic(out: &RunOutcome) -> &TrafficTotals {
    out.traffic.as_ref().expect("the scenario has load balancers")
}

/// The `ecsim` binary Cargo built for the tests, with no batch system's array index in its
/// environment: inside a Slurm job array (or AWS Batch, or an indexed Kubernetes job) a sweep
/// would otherwise run one shard of itself. Nor CLICOLOR_FORCE: the tests read plain text.
pub fn ecsim() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_ecsim"));
    for v in ["SLURM_ARRAY_TASK_ID", "AWS_BATCH_JOB_ARRAY_INDEX", "JOB_COMPLETION_INDEX", "ECSIM_SHARDS", "CLICOLOR_FORCE"] {
        c.env_remove(v);
    }
    c
}

/// Runs the binary with `args` and returns what it printed and its exit status.
pub fn ecsim_output(args: &[&str]) -> Output {
    ecsim().args(args).output().unwrap()
}

/// What a command printed on standard error.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Where a test looks for errors: a loader's `Diagnostics`, or errors already collected.
pub trait Errors {
    fn error_list(&self) -> Vec<&Diagnostic>;
    /// Every message, one a line, for a failing test to show.
    fn listing(&self) -> String {
        self.error_list().iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n")
    }
}

impl Errors for Diagnostics {
    fn error_list(&self) -> Vec<&Diagnostic> {
        self.errors().collect()
    }
}

impl Errors for [Diagnostic] {
    fn error_list(&self) -> Vec<&Diagnostic> {
        self.iter().collect()
    }
}

impl Errors for Vec<Diagnostic> {
    fn error_list(&self) -> Vec<&Diagnostic> {
        self.iter().collect()
    }
}

/// The one error at `(line, column)` whose message contains `fragment`.
#[track_caller]
pub fn error_at<'d, E: Errors + ?Sized>(errors: &'d E, (line, column): (usize, usize), fragment: &str) -> &'d Diagnostic {
    let found = errors.error_list().into_iter().find(|e| e.line == line && e.column == column && e.message.contains(fragment));
    found.unwrap_or_else(|| panic!("no error at {line}:{column} containing {fragment:?}; errors:\n{}", errors.listing()))
}

/// As `error_at`, and the error must also say what to change (its `help`).
#[track_caller]
pub fn error_with_help_at<'d, E: Errors + ?Sized>(errors: &'d E, at: (usize, usize), fragment: &str) -> &'d Diagnostic {
    let e = error_at(errors, at, fragment);
    assert!(e.help.is_some(), "{e}");
    e
}

/// (time, reason, detail, instance) of every `instance` event.
pub fn instance_events(out: &RunOutcome) -> Vec<(f64, String, String, String)> {
    out.recorder
        .events
        .iter()
        .map(Result::unwrap)
        .zip(out.recorder.event_rows(&out.cluster).map(Result::unwrap))
        .filter(|(e, _)| e.kind == EventKind::Instance)
        .map(|(_, r)| (r.time_s, r.reason, r.detail, r.instance))
        .collect()
}

/// One events.csv row with what the tests need.
#[derive(Debug, Clone, PartialEq)]
pub struct Ev {
    /// Simulated time, µs (exact: times are compared without rounding).
    pub us: u64,
    pub kind: EventKind,
    pub task: Option<u32>,
    /// The service's (or workload's) name; empty for instance and fault events.
    pub source: String,
    pub instance: String,
    pub zone: String,
    pub reason: String,
    pub detail: String,
}

pub fn events(out: &RunOutcome) -> Vec<Ev> {
    let r = &out.recorder;
    r.events
        .iter()
        .map(Result::unwrap)
        .zip(r.event_rows(&out.cluster).map(Result::unwrap))
        .map(|(e, row)| Ev {
            us: e.time.as_micros(),
            kind: e.kind,
            task: e.task,
            source: r.source_name(&e).to_string(),
            instance: row.instance,
            zone: row.zone,
            reason: r.reason(&e).to_string(),
            detail: row.detail,
        })
        .collect()
}

/// Seconds as µs (exact for the millisecond values the tests use).
pub fn us(s: f64) -> u64 {
    (s * 1e6).round() as u64
}

/// TOML pieces that several modules build their inline scenarios from, so that each test
/// states only what it is about.
pub mod toml {
    /// `[scenario]` with a name, a duration (`"10m"`) and a seed.
    pub fn head(name: &str, duration: &str, seed: u64) -> String {
        format!("\n[scenario]\nname = \"{name}\"\nduration = \"{duration}\"\nseed = {seed}\n")
    }

    /// Three zones with one m5.xlarge (4 vCPU, 16 GiB) in each.
    pub const THREE_ZONES_ONE_M5_XLARGE_EACH: &str = r#"
[cluster]
zones = ["us-east-1a", "us-east-1b", "us-east-1c"]

[[cluster.instances]]
type = "m5.xlarge"
count = 3
"#;

    /// One load balancer "web" whose listener forwards everything to target group "web".
    pub const LB_WEB: &str = r#"
[[load_balancers]]
name = "web"

[[load_balancers.listeners]]
port = 80
protocol = "HTTP"
default_action = { forward = "web" }
"#;

    /// `[lifecycle]` with a constant start delay (PENDING → RUNNING).
    pub fn lifecycle(start_delay: &str) -> String {
        format!("\n[lifecycle]\nstart_delay = {{ distribution = \"constant\", value = \"{start_delay}\" }}\n")
    }
}

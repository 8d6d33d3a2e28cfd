//! The fuzz targets: one per parser, each with its seeds and the real entry point it feeds.
//!
//! Every target renders the messages it gets back (`Diagnostics` → text), as the CLI does:
//! locating an error in garbled text is part of what must not panic.

use ecsim::ecs::placement::cql;
use ecsim::ecs::Cluster;
use ecsim::scenario::capacity_json::{self, AsgLoadOptions};
use ecsim::scenario::{autoscaling_json, cloudwatch_json, ecs_json, elbv2_json, Diagnostics};
use ecsim::workload::alb_log::{self, Replay, ReplayOptions};
use ecsim::workload::traffic::RateProfile;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

pub struct Target {
    pub name: &'static str,
    /// Seed files: folders (searched recursively) or files, relative to the repository.
    pub seed_dirs: &'static [&'static str],
    /// File names the seeds end with.
    pub extensions: &'static [&'static str],
    /// Tokens of the format, inserted by the mutator.
    pub tokens: &'static [&'static str],
    /// The entry point: `path` is the seed's own path (relative references resolve from it).
    pub run: fn(&Path, &str),
}

const TOML: &[&str] = &[
    "[",
    "]",
    "[[",
    "]]",
    " = ",
    "\"",
    "'",
    "{",
    "}",
    ",",
    "\n",
    "#",
    ".",
    "\"\"\"",
    "true",
    "false",
    "inf",
    "nan",
    "\"10m\"",
    "\"0s\"",
    "\"-1s\"",
    "\"1h30m\"",
    "1979-05-27T07:32:00Z",
    "[]",
    "{}",
    "\n[[services]]\n",
    "\n[[actions]]\n",
    "\n[sweep]\n",
];
const JSON: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    ":",
    ",",
    "\"",
    "null",
    "true",
    "false",
    "\"\"",
    "{}",
    "[]",
    "\"\\u0000\"",
    "\"\\ud800\"",
    "\\",
    "\"<PORT>\"",
    "{{ x }}",
];
/// Infrastructure code: YAML structure, CloudFormation's short and long forms, HCL.
const STACK: &[&str] = &[
    "\n",
    ": ",
    "- ",
    "  ",
    "!Ref ",
    "!Sub ",
    "!GetAtt ",
    "!If ",
    "!Join ",
    "!Select ",
    "!FindInMap ",
    "!ImportValue ",
    "{\"Ref\": \"X\"}",
    "Fn::If",
    "${",
    "}",
    "[",
    "]",
    "{",
    "\"",
    "'",
    "&a",
    "*a",
    "count = 1000000",
    "for_each = ",
    "var.",
    "module.",
    "=",
    "null",
    "-1",
    "99999999999",
];
const LOG: &[&str] = &[
    " ",
    "\"",
    "-",
    "\\\"",
    "\\x22",
    "http",
    "https",
    "h2",
    "ws",
    "2024-03-10T12:00:04.000000Z",
    "\"GET http://x:80/ HTTP/1.1\"",
    "\n",
    "[::1]",
    ":443",
    "?",
    "#",
];
const CSV: &[&str] = &[",", "\n", "\"", "#", "time,requests_per_second\n", "-", ".", "\u{feff}", "e", " "];
const HISTORY: &[&str] = &[
    "\"MetricDataResults\"",
    "\"Datapoints\"",
    "\"Timestamps\"",
    "\"Values\"",
    "\"NextToken\"",
    "\"Sum\"",
    "\"ExtendedStatistics\"",
    "2026-11-24T10:00:00Z",
    "1e300",
    "-1",
    ",",
    "\n",
    "[]",
    "{}",
];
const CQL: &[&str] = &[
    " and ",
    " or ",
    "not(",
    "(",
    ")",
    " == ",
    " != ",
    " =~ ",
    " in ",
    "[",
    "]",
    ",",
    "'",
    " exists",
    " !exists",
    "attribute:",
    "task:group",
    " >= ",
    " < ",
    "*",
    "&&",
    "||",
    "!",
];

pub fn all() -> Vec<Target> {
    vec![
        Target {
            name: "scenario_toml",
            seed_dirs: &["scenarios", "tests/fixtures", "tests/fuzz_corpus/scenario_toml"],
            extensions: &[".toml"],
            tokens: TOML,
            run: |path, text| {
                if is_sweep(text) {
                    return;
                }
                render(ecsim::scenario::load_str(path, text).map(|s| s.warnings));
            },
        },
        Target {
            name: "sweep_toml",
            seed_dirs: &["scenarios/sweeps", "tests/fuzz_corpus/sweep_toml"],
            extensions: &[".toml"],
            tokens: TOML,
            run: |path, text| {
                render(ecsim::sweep::file::parse_str(path, text).and_then(ecsim::sweep::prepare).map(|p| p.base.warnings));
            },
        },
        Target {
            name: "check_json",
            seed_dirs: &["scenarios/taskdefs", "tests/fixtures", "tests/fuzz_corpus/json"],
            extensions: &[".json", ".yaml", ".yml"],
            tokens: JSON,
            run: |path, text| {
                let _ = ecsim::api::check_text(path, text).to_string();
            },
        },
        Target {
            name: "stack_import",
            seed_dirs: &[
                "scenarios/import",
                "tests/fixtures/import",
                "tests/fixtures/realworld/cloudformation",
                "tests/fixtures/realworld/copilot",
                "tests/fixtures/realworld/compose",
            ],
            extensions: &[".yaml", ".yml", ".json", ".tf", ".tfvars"],
            tokens: STACK,
            run: |path, text| {
                let imported = ecsim::import::import_texts(vec![(path.to_path_buf(), text.to_string())], &Default::default());
                render(imported.and_then(|i| i.load(None)).map(|s| s.warnings));
            },
        },
        Target {
            name: "task_definition_json",
            seed_dirs: &["scenarios/taskdefs", "tests/fixtures/realworld/task-definitions", "tests/fuzz_corpus/json"],
            extensions: &[".json"],
            tokens: JSON,
            run: |path, text| render(ecs_json::load_task_definition(path, text).map(|(_, w)| w)),
        },
        Target {
            name: "service_json",
            seed_dirs: &["tests/fixtures/realworld/services", "tests/fixtures/repro/check_routing", "tests/fuzz_corpus/json"],
            extensions: &[".json"],
            tokens: JSON,
            run: |path, text| {
                render(ecs_json::load_service(path, text).map(|(_, w)| w));
                render(ecs_json::check_services(path, text));
            },
        },
        Target {
            name: "cluster_state_json",
            seed_dirs: &[
                "tests/fixtures/describe-container-instances.json",
                "tests/fixtures/describe-tasks.json",
                "tests/fixtures/repro/check_routing",
            ],
            extensions: &[".json"],
            tokens: JSON,
            run: |path, text| {
                render(ecs_json::load_container_instances(path, text, &mut Cluster::new("fuzz")));
                // Tasks on the fixture's cluster, so instance lookups succeed and counts move.
                let mut cluster = fixture_cluster().clone();
                render(ecs_json::load_tasks(path, text, &mut cluster));
                render(ecs_json::check_tasks(path, text));
            },
        },
        Target {
            name: "elbv2_json",
            seed_dirs: &["tests/fixtures/elbv2"],
            extensions: &[".json"],
            tokens: JSON,
            run: |path, text| {
                let groups = elbv2_json::load_target_groups(path, text);
                let names: Vec<_> = groups.as_ref().map(|(g, _)| g.clone()).unwrap_or_default();
                render(groups.map(|(_, w)| w));
                render(elbv2_json::load_target_group_attributes(path, text).map(|(_, w)| w));
                render(elbv2_json::load_listeners(path, text, &names).map(|(_, w)| w));
                render(elbv2_json::load_rules(path, text, &names).map(|(_, w)| w));
            },
        },
        Target {
            name: "capacity_json",
            seed_dirs: &["tests/fixtures/capacity"],
            extensions: &[".json"],
            tokens: JSON,
            run: |path, text| {
                render(capacity_json::load_capacity_providers(path, text).map(|(_, w)| w));
                render(capacity_json::load_cluster_capacity_providers(path, text, &["cp-web", "FARGATE", "FARGATE_SPOT"]).map(|(_, w)| w));
                render(capacity_json::load_auto_scaling_group(path, text, &AsgLoadOptions::default()).map(|(_, w)| w));
                render(capacity_json::load_run_task(path, text, None).map(|(_, w)| w));
            },
        },
        Target {
            name: "autoscaling_json",
            seed_dirs: &["tests/fixtures/autoscaling"],
            extensions: &[".json"],
            tokens: JSON,
            run: |path, text| {
                render(autoscaling_json::load_scalable_targets(path, text).map(|(_, w)| w));
                render(autoscaling_json::load_scaling_policies(path, text).map(|(_, w)| w));
                render(autoscaling_json::load_scheduled_actions(path, text, 1_700_000_000).map(|(_, w)| w));
            },
        },
        Target {
            name: "cloudwatch_json",
            seed_dirs: &["tests/fixtures/cloudwatch"],
            extensions: &[".json"],
            tokens: JSON,
            run: |path, text| render(cloudwatch_json::load_alarms(path, text).map(|(_, w)| w)),
        },
        Target {
            name: "alb_log",
            seed_dirs: &["tests/fixtures/alb-logs", "tests/fixtures/alb", "tests/fixtures/repro/alb_log_panic"],
            extensions: &[".log"],
            tokens: LOG,
            run: |_, text| {
                let parsed = alb_log::parse_log(text);
                let _ = parsed.summary();
                for speed in [1.0, 1e-300, 1e300] {
                    let options = ReplayOptions { speed, loop_for: Some(ecsim::engine::time::Span::from_secs(3600)) };
                    let _ = Replay::new(&parsed, options);
                }
            },
        },
        Target {
            name: "rate_csv",
            seed_dirs: &["tests/fuzz_corpus/rate_csv"],
            extensions: &[".csv"],
            tokens: CSV,
            run: |_, text| {
                if let Ok(p) = RateProfile::from_csv(text) {
                    let hour = ecsim::engine::time::Span::from_secs(3600);
                    let _ = (p.rate_at(hour), p.expected_count(ecsim::engine::time::Span::from_secs(0), hour), p.peak_per_s());
                }
            },
        },
        Target {
            // CloudWatch history exports (get-metric-data, get-metric-statistics, CSV) read and
            // laid on the run's clock under a few settings.
            name: "cloudwatch_history",
            seed_dirs: &["tests/fixtures/cloudwatch/history"],
            extensions: &[".json", ".csv"],
            tokens: HISTORY,
            run: |_, text| {
                use ecsim::workload::history::{self, Clock, Gaps, Select};
                let hour = ecsim::engine::time::Span::from_secs(3600);
                for select in [Select::default(), Select { id: Some("requests"), statistic: Some("p99"), utilization: false }] {
                    if let Ok(h) = history::read(text, &select) {
                        for clock in [
                            Clock::default(),
                            Clock {
                                period: Some(hour),
                                scale: Some(1e300),
                                shift_us: i64::MIN,
                                gaps: Gaps::Hold,
                                start_us: Some(i64::MAX),
                            },
                            Clock { shift_us: i64::MAX, ..Clock::default() },
                        ] {
                            if let Ok((p, _)) = h.to_profile(&clock, "fuzz") {
                                let _ = (p.rate_at(hour), p.expected_count(ecsim::engine::time::Span::from_secs(0), hour), p.peak_per_s());
                            }
                        }
                    }
                }
            },
        },
        Target {
            name: "cql",
            seed_dirs: &["tests/fuzz_corpus/cql"],
            extensions: &[".cql"],
            tokens: CQL,
            run: |_, text| {
                // Round trip: what parses prints, and what it prints parses again.
                if let Ok(e) = cql::parse(text) {
                    let printed = e.to_string();
                    let _ = e.is_dynamic();
                    assert!(cql::parse(&printed).is_ok(), "{text:?} printed as {printed:?}, which does not parse");
                }
            },
        },
    ]
}

/// Renders every message, as the CLI prints them.
fn render(result: Result<Diagnostics, Diagnostics>) {
    let (Ok(d) | Err(d)) = result;
    let _ = d.to_string();
}

fn is_sweep(text: &str) -> bool {
    toml::from_str::<toml::Table>(text).is_ok_and(|t| t.contains_key("sweep"))
}

fn fixture_cluster() -> &'static Cluster {
    static CLUSTER: OnceLock<Cluster> = OnceLock::new();
    CLUSTER.get_or_init(|| {
        let path = repo().join("tests/fixtures/describe-container-instances.json");
        let text = std::fs::read_to_string(&path).expect("fixture");
        let mut cluster = Cluster::new("fuzz");
        ecs_json::load_container_instances(&path, &text, &mut cluster).expect("the fixture loads");
        cluster
    })
}

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

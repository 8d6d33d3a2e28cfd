//! Traffic from CloudWatch history: `rate = { profile = "cloudwatch", … }` reading the exports
//! of `aws cloudwatch get-metric-data`, `get-metric-statistics` and CSV (`workload::history`),
//! through the scenario loader (messages located in the history file or at the `rate`) and
//! whole runs. Fixtures: `tests/fixtures/cloudwatch/history/` (see its README) and the lesson's
//! week, `scenarios/lessons/alb/last-week/requests.json`.

use crate::common::toml::{head, LB_WEB, THREE_ZONES_ONE_M5_XLARGE_EACH};
use crate::common::{error_at, load, load_err, repo, run, scenario_path, traffic};
use ecsim::engine::Span;
use ecsim::model::TrafficKind;
use ecsim::scenario::{self, Diagnostic, Scenario};
use ecsim::workload::traffic::RateProfile;
use std::collections::BTreeMap;
use std::path::PathBuf;

fn secs(s: u64) -> Span {
    Span::from_secs(s)
}

/// A web service of 6 tasks (4 workers each, 20 ms requests: 1,200 requests/s in all, far above
/// every rate below) behind load balancer "web", and one traffic source with `rate`.
fn scenario_text(duration: &str, rate: &str) -> String {
    let service = r#"
[[task_definitions]]
name = "web"
family = "web"
cpu = 256
memory = 512
dynamic_ports = 1
serving = { concurrency = 4, service_time = { distribution = "exponential", mean = "20ms" }, cpu_per_busy_worker = 64 }

[[target_groups]]
name = "web"
port = 80

[[services]]
name = "web"
task_definition = "web"
desired_count = 6
load_balancers = [{ target_group = "web", container_port = 80 }]
"#;
    format!(
        "{}{THREE_ZONES_ONE_M5_XLARGE_EACH}{service}{LB_WEB}\n[[traffic]]\nname = \"users\"\nrate = {rate}\n",
        head("history", duration, 11)
    )
}

/// The scenario as if it were `tests/traffic_history.toml` (history paths resolve from tests/).
fn load_rate(duration: &str, rate: &str) -> Scenario {
    scenario::load_str(&scenario_path("traffic_history"), &scenario_text(duration, rate)).unwrap_or_else(|d| panic!("{d}"))
}

fn load_rate_err(rate: &str) -> scenario::Diagnostics {
    load_err(&scenario_path("traffic_history"), &scenario_text("10m", rate))
}

fn profile(s: &Scenario) -> &RateProfile {
    match &s.traffic[0].kind {
        TrafficKind::Poisson { profile, .. } => profile,
        other => panic!("not a Poisson source: {other:?}"),
    }
}

fn warnings(s: &Scenario) -> Vec<&Diagnostic> {
    s.warnings.warnings().collect()
}

/// The one warning whose message holds `fragment`, at `(line, column)` of a file named `file`.
#[track_caller]
fn warning_at<'a>(s: &'a Scenario, file: &str, (line, column): (usize, usize), fragment: &str) -> &'a Diagnostic {
    let all = warnings(s);
    let found: Vec<_> = all.iter().filter(|w| w.message.contains(fragment)).collect();
    let listing = all.iter().map(|w| w.to_string()).collect::<Vec<_>>().join("\n");
    assert_eq!(found.len(), 1, "one warning with {fragment:?}:\n{listing}");
    let w = found[0];
    assert!(w.file.ends_with(file) && (w.line, w.column) == (line, column), "{fragment:?} at {file}:{line}:{column}, got {w}");
    w
}

/// The line of `rate = ` in [`scenario_text`]; messages about the rate point after `rate = `.
const RATE_LINE: usize = 42;

const STATS: &str = "fixtures/cloudwatch/history/statistics-3-minutes.json";
const PARTIAL: &str = "fixtures/cloudwatch/history/two-results-partial.json";
const CSV: &str = "fixtures/cloudwatch/history/requests-per-minute.csv";

#[test]
fn three_sums_per_minute_become_10_20_and_5_per_second() {
    // get-metric-statistics, unordered: Sum 1200 at 10:01, 600 at 10:00, 300 at 10:02, one
    // minute each. In time order: 600 / 60 s = 10/s, 1200 / 60 s = 20/s, 300 / 60 s = 5/s,
    // and nothing after 10:03 (t = 180 s).
    let s = load_rate("10m", &format!("{{ profile = \"cloudwatch\", file = \"{STATS}\", period = \"1m\" }}"));
    let p = profile(&s);
    assert_eq!([p.rate_at(secs(0)), p.rate_at(secs(60)), p.rate_at(secs(120)), p.rate_at(secs(180))], [10.0, 20.0, 5.0, 0.0]);
    assert_eq!(p.peak_per_s(), 20.0);
    // Everything stated: no warning.
    assert!(warnings(&s).is_empty(), "{:?}", warnings(&s));
    // Σ = 2,100 requests expected.
    assert!((p.expected_count(Span::ZERO, secs(600)) - 2100.0).abs() < 1e-9);
}

#[test]
fn the_period_left_out_is_taken_from_the_spacing_and_said() {
    let s = load_rate("10m", &format!("{{ profile = \"cloudwatch\", file = \"{STATS}\" }}"));
    // The warning points at the scenario's rate table (line 42 of the generated text, after
    // `rate = `), where `period = "1m"` would state it.
    let w = warning_at(&s, "traffic_history.toml", (RATE_LINE, 8), "period 1m taken from the datapoints' spacing");
    assert_eq!(w.help.as_deref(), Some("say so with period = \"1m\""));
    assert_eq!(profile(&s).rate_at(secs(60)), 20.0);
}

#[test]
fn a_replay_sends_the_sum_of_the_values_times_the_scale() {
    // two-results-partial.json, result "requests": 1200, 2400, 1800 requests in three 1-minute
    // periods, Σ = 5,400; at scale 3, 16,200 requests in the first 3 minutes and none after.
    // The count sent is Poisson(16,200): σ = √16,200 ≈ 127, so within 16,200 ± 4σ = ± 509.
    // The service (1,200/s) easily takes the peak 2400 × 3 / 60 = 120/s, and the 10-minute run
    // ends long after the last request, so every request sent is answered.
    let s =
        load_rate("10m", &format!("{{ profile = \"cloudwatch\", file = \"{PARTIAL}\", id = \"requests\", scale = 3.0, period = \"1m\" }}"));
    let p = profile(&s);
    assert_eq!([p.rate_at(secs(0)), p.rate_at(secs(60)), p.rate_at(secs(120))], [60.0, 120.0, 90.0]);
    assert!((p.expected_count(Span::ZERO, secs(600)) - 16_200.0).abs() < 1e-6);
    let out = run(&s);
    let f = &traffic(&out).figures;
    let sigma = 16_200f64.sqrt();
    assert!((f.sent as f64 - 16_200.0).abs() <= 4.0 * sigma, "sent {}", f.sent);
    assert_eq!(f.in_flight_at_end, 0);
    assert_eq!(f.requests, f.sent);
}

#[test]
fn a_partial_export_is_read_with_warnings_where_aws_says_so() {
    let s = load_rate("10m", &format!("{{ profile = \"cloudwatch\", file = \"{PARTIAL}\", id = \"requests\", period = \"1m\" }}"));
    // "NextToken" is on line 34, column 5 of the fixture; the result's "StatusCode" on line 31.
    warning_at(&s, "two-results-partial.json", (34, 5), "NextToken");
    warning_at(&s, "two-results-partial.json", (31, 13), "StatusCode is PartialData");
    // Selecting the latency result instead: its label says it is no request count.
    let s = load_rate("10m", &format!("{{ profile = \"cloudwatch\", file = \"{PARTIAL}\", id = \"latency\", period = \"1m\" }}"));
    warning_at(&s, "two-results-partial.json", (5, 13), "labelled \"TargetResponseTime\"");
}

#[test]
fn several_results_without_an_id_are_an_error_naming_them() {
    let d = load_rate_err(&format!("{{ profile = \"cloudwatch\", file = \"{PARTIAL}\" }}"));
    let e = error_at(&d, (2, 5), "2 results in MetricDataResults");
    assert!(e.file.ends_with("two-results-partial.json"), "{e}");
    assert!(e.help.as_deref().unwrap().contains("[\"latency\", \"requests\"]"), "{e:?}");
    let d = load_rate_err(&format!("{{ profile = \"cloudwatch\", file = \"{PARTIAL}\", id = \"request\" }}"));
    error_at(&d, (2, 5), "no result has Id \"request\"");
}

#[test]
fn csv_gaps_are_no_requests_and_said() {
    // 600, 900, 1200 at 10:00–10:02, nothing 10:03–10:05, 300 and 600 at 10:06, 10:07.
    let s = load_rate("10m", &format!("{{ profile = \"cloudwatch\", file = \"{CSV}\", period = \"1m\" }}"));
    let p = profile(&s);
    assert_eq!([p.rate_at(secs(0)), p.rate_at(secs(150)), p.rate_at(secs(200)), p.rate_at(secs(360))], [10.0, 20.0, 0.0, 5.0]);
    // The 10:06 row is line 6; the three missing minutes are said there.
    warning_at(&s, "requests-per-minute.csv", (6, 1), "3 periods without a datapoint");
    // gaps = "hold": 10:02's 20/s carries on until 10:06.
    let s = load_rate("10m", &format!("{{ profile = \"cloudwatch\", file = \"{CSV}\", period = \"1m\", gaps = \"hold\" }}"));
    assert_eq!(profile(&s).rate_at(secs(200)), 20.0);
}

#[test]
fn start_and_shift_place_the_history_on_the_run_clock() {
    // start = 10:01 makes 10:01's 900 the first minute (15/s); shift = "-1m" skips one more.
    let rate = |extra: &str| format!("{{ profile = \"cloudwatch\", file = \"{CSV}\", period = \"1m\"{extra} }}");
    let s = load_rate("10m", &rate(", start = \"2026-11-24T10:01:00Z\""));
    assert_eq!(profile(&s).rate_at(secs(0)), 15.0);
    let s = load_rate("10m", &rate(", start = \"2026-11-24T10:01:00Z\", shift = \"-1m\""));
    assert_eq!(profile(&s).rate_at(secs(0)), 20.0);
    // A positive shift: five quiet minutes, then 10:00's 10/s.
    let s = load_rate("10m", &rate(", shift = \"5m\""));
    assert_eq!([profile(&s).rate_at(secs(299)), profile(&s).rate_at(secs(300))], [0.0, 10.0]);
    // With a start, nothing before it is replayed, shift or not: two quiet minutes, then 10:01's
    // 15/s (10:00's minute is not moved into the quiet ones).
    let s = load_rate("10m", &rate(", start = \"2026-11-24T10:01:00Z\", shift = \"2m\""));
    assert_eq!([profile(&s).rate_at(secs(0)), profile(&s).rate_at(secs(119)), profile(&s).rate_at(secs(120))], [0.0, 0.0, 15.0]);
    // A start inside a period replays the rest of that period.
    let s = load_rate("10m", &rate(", start = \"2026-11-24T10:00:30Z\""));
    assert_eq!([profile(&s).rate_at(secs(0)), profile(&s).rate_at(secs(30))], [10.0, 15.0]);
}

#[test]
fn the_lessons_week_replays_sum_times_scale() {
    // The week: 2016 five-minute RequestCount sums. Replayed whole at scale 3, the expected
    // count is 3 × their sum (the profile's integral over each period is value / 300 s × 300 s).
    let text = std::fs::read_to_string(repo("scenarios/lessons/alb/last-week/requests.json")).unwrap();
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    let values = doc["MetricDataResults"][0]["Values"].as_array().unwrap();
    assert_eq!(values.len(), 2016);
    let total: f64 = values.iter().map(|v| v.as_f64().unwrap()).sum();
    let rate = "{ profile = \"cloudwatch\", file = \"../scenarios/lessons/alb/last-week/requests.json\", period = \"5m\", scale = 3.0 }";
    let s = load_rate("10m", rate);
    assert!(warnings(&s).is_empty(), "{:?}", warnings(&s));
    let p = profile(&s);
    let week = secs(7 * 86_400);
    assert!((p.expected_count(Span::ZERO, secs(8 * 86_400)) - 3.0 * total).abs() < 1e-6 * total);
    assert_eq!(p.rate_at(week), 0.0);
}

#[test]
fn the_lesson_loads_without_a_warning() {
    let s = load("scenarios/lessons/alb/replay-last-week.toml");
    assert!(warnings(&s).is_empty(), "{:?}", warnings(&s));
    assert!(profile(&s).to_string().starts_with("recorded (last-week/requests.json, get-metric-data RequestCount)"), "{}", profile(&s));
}

#[test]
fn bad_values_and_keys_are_located() {
    // A negative Sum: at its value in the file (line 11, column 13: the "Sum" key).
    let d = load_rate_err("{ profile = \"cloudwatch\", file = \"fixtures/cloudwatch/history/bad-values.json\", period = \"1m\" }");
    let e = error_at(&d, (11, 13), "-5 is not a count of requests");
    assert!(e.file.ends_with("bad-values.json"));
    // The rate's own keys: at the rate table (line 42, column 8).
    for (rate, fragment) in [
        (format!("{{ profile = \"cloudwatch\", file = \"{STATS}\", scale = -1.0 }}"), "scale -1 must be above 0"),
        (format!("{{ profile = \"cloudwatch\", file = \"{STATS}\", shift = \"-2 hours\" }}"), "shift \"-2 hours\""),
        (format!("{{ profile = \"cloudwatch\", file = \"{STATS}\", start = \"monday\" }}"), "start: \"monday\" is not a timestamp"),
        (format!("{{ profile = \"cloudwatch\", file = \"{STATS}\", period = \"2m\" }}"), "closer than the period 2m"),
        (format!("{{ profile = \"cloudwatch\", file = \"{STATS}\", shift = \"-3m\" }}"), "whole history before the start"),
        ("{ profile = \"cloudwatch\", file = \"fixtures/cloudwatch/history/none.json\" }".to_string(), "cannot read"),
    ] {
        let d = load_rate_err(&rate);
        let e = d.errors().find(|e| e.message.contains(fragment)).unwrap_or_else(|| panic!("{fragment:?} in\n{d}"));
        if fragment == "closer than the period 2m" {
            // Located at the second datapoint's timestamp in the file (10:01 is line 5).
            assert_eq!((e.line, e.column), (5, 13), "{e}");
        } else {
            assert_eq!((e.line, e.column), (RATE_LINE, 8), "{e}");
        }
    }
    // An unknown key is TOML's own error.
    let d = load_rate_err(&format!("{{ profile = \"cloudwatch\", file = \"{STATS}\", multiplier = 3 }}"));
    assert!(d.errors().any(|e| e.message.contains("multiplier")), "{d}");
}

#[test]
fn garbage_and_truncated_exports_get_located_errors_never_a_panic() {
    // Each fixture cut at every 7th byte, and some garbage, given in memory as the history file.
    let dir = repo("tests/fixtures/cloudwatch/history");
    let mut texts: Vec<String> = vec![
        String::new(),
        "\u{feff}".into(),
        "{".into(),
        "[1, 2, 3]".into(),
        "{\"Datapoints\": {}}".into(),
        "{\"MetricDataResults\": [{\"Timestamps\": [\"2026-13-01T00:00:00Z\"], \"Values\": [1]}]}".into(),
        "{\"MetricDataResults\": [{\"Timestamps\": [1e300], \"Values\": [1]}]}".into(),
        "{\"Datapoints\": [{\"Timestamp\": 0, \"Sum\": 1e309}]}".into(),
        "1,2\n1e20,3\n".into(),
        "\0\0\0,\u{1}".into(),
        "timestamp,value\n".into(),
        "{\"MetricDataResults\": [{\"Id\": \"requests\", \"Timestamps\": [], \"Values\": []}]}".into(),
        "{\"Datapoints\": []}".into(),
    ];
    for name in ["statistics-3-minutes.json", "two-results-partial.json", "requests-per-minute.csv"] {
        let full = std::fs::read_to_string(dir.join(name)).unwrap();
        texts.extend((0..full.len()).step_by(7).filter_map(|n| full.get(..n)).map(str::to_string));
    }
    let scenario = scenario_path("traffic_history");
    let history = repo("tests/h.json");
    let text = scenario_text("1m", "{ profile = \"cloudwatch\", file = \"h.json\", period = \"1m\", id = \"requests\" }");
    for t in texts {
        let files: BTreeMap<PathBuf, String> = [(history.clone(), t.clone())].into();
        match scenario::load_with_files(&scenario, &text, &files) {
            Ok(_) => {}
            Err(d) => {
                for e in d.errors() {
                    assert!(e.line > 0, "{t:?}: an error without a place: {e}");
                }
            }
        }
    }
}

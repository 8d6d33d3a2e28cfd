//! Every request is counted once, in every output.
//!
//! A request a traffic source sends ends in exactly one outcome class (target 2xx, target 5xx,
//! refused by a full task queue, ELB 502/503/504, answered by the load balancer itself) or is in
//! flight when the run ends. The identities below must hold exactly, in every scope:
//!
//! * `sent = requests + in_flight_at_end` for the run, each source and each target group, with
//!   `requests` the sum of the classes;
//! * the sources sum to the run, and so do the target groups plus the load balancer's own answers;
//! * alb.csv's rows of a group sum to the group's totals (requests count in the minute they end);
//! * timeseries.csv's zone rows sum to its cluster row every minute (a load-balancer zone without
//!   instances has a row too), and the cluster rows sum to the run;
//! * the request-weighted mean of the per-minute availability is the run's availability.
//!
//! They are checked on every bundled scenario and on generated overloaded ones.

use crate::common::{bundled_scenarios, ecsim, load, load_parts, repo, run};
use ecsim::scenario::Scenario;
use ecsim::sim::alb::metrics::TrafficTotals;
use ecsim::sim::RunOutcome;
use proptest::prelude::*;
use std::path::PathBuf;

/// Asserts every identity of the module documentation on one run.
fn assert_reconciles(name: &str, s: &Scenario, out: &RunOutcome) {
    let Some(t) = out.traffic.as_ref() else { return };
    let f = &t.figures;
    let ctx = |what: &str| format!("{name}: {what}");
    assert_eq!(f.sent, f.requests + f.in_flight_at_end, "{}", ctx("run: sent = requests + in flight"));
    assert_eq!(f.requests, f.tally.ended(), "{}", ctx("run: requests = the sum of the classes"));
    assert_eq!(f.successful, f.tally.target_2xx + f.tally.answered_by_lb, "{}", ctx("run: successful"));
    for src in &t.sources {
        let g = &src.figures;
        assert_eq!(g.sent, g.requests + g.in_flight_at_end, "{}", ctx(&format!("source {}: sent = requests + in flight", src.source)));
        assert_eq!(g.requests, g.tally.ended(), "{}", ctx(&format!("source {}", src.source)));
    }
    let sum = |v: &mut dyn Iterator<Item = u64>| v.sum::<u64>();
    assert_eq!(sum(&mut t.sources.iter().map(|x| x.figures.sent)), f.sent, "{}", ctx("sources sum to the run (sent)"));
    assert_eq!(sum(&mut t.sources.iter().map(|x| x.figures.requests)), f.requests, "{}", ctx("sources sum to the run (requests)"));
    assert_eq!(sum(&mut t.sources.iter().map(|x| x.figures.successful)), f.successful, "{}", ctx("sources sum to the run (successful)"));
    assert_eq!(
        sum(&mut t.sources.iter().map(|x| x.figures.in_flight_at_end)),
        f.in_flight_at_end,
        "{}",
        ctx("sources sum to the run (in flight)")
    );
    for g in &t.target_groups {
        let x = &g.figures;
        assert_eq!(x.sent, x.requests + x.in_flight_at_end, "{}", ctx(&format!("group {}: sent = requests + in flight", g.target_group)));
        assert_eq!((x.tally.answered_by_lb, x.tally.answered_by_lb_5xx), (0, 0), "{}", ctx("a group has no fixed responses"));
    }
    let lb_own = f.tally.answered_by_lb + f.tally.answered_by_lb_5xx;
    assert_eq!(sum(&mut t.target_groups.iter().map(|g| g.figures.requests)) + lb_own, f.requests, "{}", ctx("groups + fixed = run"));
    assert_eq!(sum(&mut t.target_groups.iter().map(|g| g.figures.in_flight_at_end)), f.in_flight_at_end, "{}", ctx("groups in flight"));

    assert_alb_rows(name, t);
    assert_timeseries(name, s, out, t);
}

/// alb.csv: each row's requests are the sum of its classes; a group's rows sum to its totals.
fn assert_alb_rows(name: &str, t: &TrafficTotals) {
    for r in &t.rows {
        let classes = r.target_2xx + r.target_5xx + r.rejected + r.elb_502 + r.elb_503 + r.elb_504;
        assert_eq!(r.requests, classes, "{name}: alb.csv minute {} group {}: requests = the classes", r.minute, r.target_group);
        assert_eq!(r.elb_5xx, r.elb_502 + r.elb_503 + r.elb_504, "{name}: alb.csv elb_5xx");
        assert_eq!(r.successful, r.target_2xx, "{name}: alb.csv successful");
    }
    for g in &t.target_groups {
        let rows: Vec<_> = t.rows.iter().filter(|r| r.target_group == g.target_group).collect();
        let col = |f: fn(&ecsim::sim::alb::metrics::AlbMinuteRow) -> u64| rows.iter().map(|r| f(r)).sum::<u64>();
        let x = &g.figures;
        assert_eq!(col(|r| r.requests), x.requests, "{name}: alb.csv rows of {} sum to its requests", g.target_group);
        assert_eq!(col(|r| r.target_2xx), x.tally.target_2xx, "{name}: {} target_2xx", g.target_group);
        assert_eq!(col(|r| r.target_5xx), x.tally.target_5xx, "{name}: {} target_5xx", g.target_group);
        assert_eq!(col(|r| r.rejected), x.tally.rejected, "{name}: {} rejected", g.target_group);
        assert_eq!(col(|r| r.elb_502), x.tally.elb_502, "{name}: {} elb_502", g.target_group);
        assert_eq!(col(|r| r.elb_503), x.tally.elb_503, "{name}: {} elb_503", g.target_group);
        assert_eq!(col(|r| r.elb_504), x.tally.elb_504, "{name}: {} elb_504", g.target_group);
        assert_eq!(col(|r| r.request_count), g.request_count, "{name}: {} RequestCount", g.target_group);
    }
}

/// timeseries.csv: zone rows sum to the cluster row; cluster rows sum to the run; availability.
fn assert_timeseries(name: &str, s: &Scenario, out: &RunOutcome, t: &TrafficTotals) {
    let minutes = &out.recorder.minutes.to_vec().unwrap();
    let zone_names: Vec<&str> = minutes.iter().filter(|r| r.minute == 0 && r.zone != "cluster").map(|r| r.zone.as_str()).collect();
    for lb in &s.elb.load_balancers {
        for z in &lb.zones {
            assert!(zone_names.contains(&z.as_str()), "{name}: load-balancer zone {z} has no timeseries.csv row");
        }
    }
    let cluster: Vec<_> = minutes.iter().filter(|r| r.zone == "cluster").collect();
    for c in &cluster {
        let zones: Vec<_> = minutes.iter().filter(|r| r.minute == c.minute && r.zone != "cluster").collect();
        let z = |f: fn(&ecsim::sim::recorder::MinuteRow) -> u64| zones.iter().map(|r| f(r)).sum::<u64>();
        assert_eq!(z(|r| r.requests), c.requests, "{name}: minute {}: zone requests sum to the cluster's", c.minute);
        assert_eq!(z(|r| r.requests_sent), c.requests_sent, "{name}: minute {}: zone requests sent", c.minute);
        assert_eq!(z(|r| r.elb_5xx), c.elb_5xx, "{name}: minute {}: zone ELB 5xx", c.minute);
        assert_eq!(z(|r| r.target_5xx), c.target_5xx, "{name}: minute {}: zone target 5xx", c.minute);
        assert_eq!(z(|r| r.rejected), c.rejected, "{name}: minute {}: zone rejected", c.minute);
        // alb.csv's groups plus the load balancer's own answers are the cluster row.
        let groups: u64 = t.rows.iter().filter(|r| r.minute == c.minute).map(|r| r.requests).sum();
        assert!(groups <= c.requests, "{name}: minute {}: alb.csv {groups} > timeseries {}", c.minute, c.requests);
    }
    let f = &t.figures;
    let col = |g: fn(&ecsim::sim::recorder::MinuteRow) -> u64| cluster.iter().map(|r| g(r)).sum::<u64>();
    assert_eq!(col(|r| r.requests), f.requests, "{name}: timeseries cluster requests sum to the run's");
    assert_eq!(col(|r| r.requests_sent), f.sent, "{name}: timeseries cluster requests sent sum to the run's");
    assert_eq!(col(|r| r.elb_5xx), f.elb_5xx, "{name}: timeseries ELB 5xx sum to the run's");
    assert_eq!(col(|r| r.target_5xx), f.tally.target_5xx, "{name}: timeseries target 5xx sum to the run's");
    assert_eq!(col(|r| r.rejected), f.tally.rejected, "{name}: timeseries rejected sum to the run's");
    if f.requests > 0 {
        // Per-minute availability is rounded to 4 decimals of a percent: ±0.00005 % per minute.
        let weighted: f64 =
            cluster.iter().filter_map(|r| r.availability_pct.map(|a| a * r.requests as f64)).sum::<f64>() / f.requests as f64;
        assert!(
            (weighted - 100.0 * f.availability).abs() <= 0.0001,
            "{name}: request-weighted per-minute availability {weighted} vs the run's {}",
            100.0 * f.availability
        );
    }
}

#[test]
fn every_bundled_scenario_reconciles() {
    let mut with_traffic = 0;
    for path in bundled_scenarios() {
        let s = ecsim::api::load(&path).unwrap_or_else(|d| panic!("{}: {d}", path.display()));
        // The benchmark scenarios are long; a few minutes of them show the same identities.
        let mut s = s;
        if path.components().any(|c| c.as_os_str() == "bench") {
            s.duration = s.duration.min(ecsim::engine::Span::from_secs(300));
        }
        // The invariants cost O(instances) per event: on the scale scenarios (50,000 and
        // 500,000 instances, ~40,000 events in 5 minutes) that is hours, so those run without
        // them; the identities below are checked on every scenario all the same.
        let out = if s.cluster.instances.len() > 10_000 { ecsim::sim::run(&s, s.seed) } else { run(&s) };
        if out.traffic.is_some() {
            with_traffic += 1;
        }
        assert_reconciles(&path.display().to_string(), &s, &out);
    }
    assert!(with_traffic >= 10, "only {with_traffic} bundled scenarios have traffic");
}

/// An overloaded service: `tasks` tasks of `concurrency` workers on `cpu` units (the default
/// `cpu_per_busy_worker` of 1024 stretches every request when cpu < 1024 × concurrency), an
/// optional queue bound, a short idle timeout, a rolling update and optionally a zone outage, a
/// fixed-response rule, a second source and a load-balancer zone without instances.
#[allow(clippy::too_many_arguments)]
fn overloaded(
    tasks: u32,
    concurrency: u32,
    cpu: u32,
    queue_limit: Option<u32>,
    per_second: u32,
    idle_timeout_s: u32,
    outage: bool,
    seed: u64,
) -> String {
    let queue = queue_limit.map_or(String::new(), |q| format!(", queue_limit = {q}"));
    let fault = if outage { "[[faults]]\nkind = \"zone_outage\"\nzone = \"us-east-1b\"\nat = [\"70s\"]\nduration = \"60s\"\n" } else { "" };
    format!(
        r#"
[scenario]
name = "overloaded"
duration = "4m30s"
seed = {seed}

[cluster]
zones = ["us-east-1a", "us-east-1b", "us-east-1c"]

# Two instances over three zones: us-east-1c has none, but the load balancer has a node there.
[[cluster.instances]]
type = "m5.2xlarge"
count = 2

[[task_definitions]]
name = "web-v1"
family = "web"
cpu = {cpu}
memory = 512
dynamic_ports = 1
serving = {{ concurrency = {concurrency}{queue} }}

[[task_definitions]]
name = "web-v2"
family = "web"
revision = 2
cpu = {cpu}
memory = 512
dynamic_ports = 1
serving = {{ concurrency = {concurrency}{queue} }}

[[target_groups]]
name = "web"
port = 80
deregistration_delay = "5s"
health_check = {{ interval = "5s", timeout = "2s", healthy_threshold = 2, unhealthy_threshold = 2 }}

[[load_balancers]]
name = "web"
zones = ["us-east-1a", "us-east-1b", "us-east-1c"]
idle_timeout = "{idle_timeout_s}s"

[[load_balancers.listeners]]
port = 80
protocol = "HTTP"
default_action = {{ forward = "web" }}
rules = [{{ priority = 1, path_pattern = ["/health*"], action = {{ fixed_response = 503 }} }}]

[[services]]
name = "web"
task_definition = "web-v1"
desired_count = {tasks}
deployment = {{ minimum_healthy_percent = 50, maximum_percent = 100 }}
load_balancers = [{{ target_group = "web", container_port = 80 }}]

[[traffic]]
name = "users"
rate = {{ profile = "constant", per_second = {per_second} }}

[[traffic]]
name = "probes"
rate = {{ profile = "constant", per_second = 2 }}
path = "/healthz"

[[actions]]
action = "update_service"
at = "2m"
service = "web"
task_definition = "web-v2"

{fault}"#
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn overloaded_runs_reconcile(
        tasks in 1u32..=6,
        concurrency in 1u32..=8,
        cpu in prop::sample::select(vec![256u32, 512, 1024]),
        queue_limit in prop::option::of(1u32..50),
        per_second in 20u32..400,
        idle_timeout_s in 1u32..=20,
        outage in any::<bool>(),
        seed in 0u64..1000,
    ) {
        let text = overloaded(tasks, concurrency, cpu, queue_limit, per_second, idle_timeout_s, outage, seed);
        let s = load_parts("accounting", &[&text]);
        let out = run(&s);
        assert_reconciles("generated", &s, &out);
    }
}

#[test]
fn a_request_nobody_answers_gets_its_504_at_the_idle_timeout() {
    // One task, one worker, 50 ms mean service on a task with 256 CPU units and the default 1024
    // per busy worker: each request takes 4 × its drawn time, so the task serves about 5 requests
    // a second. 100 requests a second arrive: almost every request waits longer than the 10-s
    // idle timeout. Each such request is answered 504 by the load balancer 10 s after it arrived,
    // so at the end only the last ~10 s of requests (≈ 1,000) are still in flight, instead of
    // every request still queued (over 20,000 at 100/s × 4 min).
    let text = overloaded(1, 1, 256, None, 100, 10, false, 7);
    let s = load_parts("accounting", &[&text]);
    let out = run(&s);
    let f = &crate::common::traffic(&out).figures;
    assert!(f.tally.elb_504 > 15_000, "504s: {}", f.tally.elb_504);
    assert!(f.in_flight_at_end < 1_300, "in flight at the end: {} (≈ 100/s × 10 s expected)", f.in_flight_at_end);
    assert_eq!(f.sent, f.requests + f.in_flight_at_end);
}

fn lesson(rel: &str) -> (PathBuf, Scenario) {
    let rel = format!("scenarios/lessons/{rel}");
    (repo(&rel), load(&rel))
}

#[test]
fn the_overload_lesson_warns_with_the_numbers_before_it_runs() {
    // 6 tasks × 4 workers; the default cpu_per_busy_worker 1024 × 4 busy workers = 4096 units
    // on a task of 256: stretch 16, so 50 ms × 16 = 800 ms per request, 4 ÷ 0.8 = 5 requests/s
    // per task, 30/s for 6 — against 200/s offered. 200 ÷ 5 = 40 tasks would keep up.
    let (_, s) = lesson("alb/overload.toml");
    let text: Vec<String> = s.warnings.warnings().map(|w| w.to_string()).collect();
    let load = text.iter().find(|w| w.contains("service web: the load offered")).expect("a load warning");
    assert!(load.contains("peaks at 200.0 requests/s"), "{load}");
    assert!(load.contains("6 task(s) can serve about 30.0/s"), "{load}");
    assert!(load.contains("6 × 4 workers ÷ 800 ms per request"), "{load}");
    assert!(load.contains("× 16.00"), "{load}");
    assert!(load.contains("about 40 tasks"), "{load}");
    assert!(load.contains("overload.toml:55:"), "located at the [[services]] entry: {load}");
    let cpu = text.iter().find(|w| w.contains("task definition web: cpu 256")).expect("a CPU warning");
    assert!(cpu.contains("4 × 1024 = 4096 CPU units"), "{cpu}");
    assert!(cpu.contains("16.00× its service time"), "{cpu}");
    assert!(cpu.contains("at most 64"), "{cpu}");
}

#[test]
fn a_service_that_keeps_up_gets_no_warning() {
    // rolling-sound: 6 tasks × 4 workers at 20 ms with 4 × 256 = 1024 ≤ the task's 1024 units:
    // 1,200 requests/s of capacity for 600 offered.
    let (_, s) = lesson("alb/rolling-sound.toml");
    assert_eq!(s.warnings.warnings().count(), 0, "{}", s.warnings);
}

#[test]
fn the_overload_lesson_adds_up() {
    let (path, s) = lesson("alb/overload.toml");
    let out = run(&s);
    assert_reconciles("overload", &s, &out);
    let f = &crate::common::traffic(&out).figures;
    // The numbers the lesson's header quotes (drawn by the request path's xoshiro256++ streams:
    // 360,845 sent against 200/s × 1,800 s ≈ 360,000 offered, one standard deviation of a
    // Poisson count being √360,000 ≈ 600).
    assert_eq!((f.sent, f.requests, f.in_flight_at_end, f.tally.elb_504), (360_845, 348_996, 11_849, 344_985), "{}", path.display());
    // In flight at the end ≈ the last idle timeout's worth of requests: 200/s × 60 s = 12,000.
    assert!(f.in_flight_at_end.abs_diff(12_000) < 400);
}

/// `ecsim run` on a lesson into a temporary folder: (stdout, stderr).
fn ecsim_run(rel: &str) -> (String, String) {
    let dir = tempfile::tempdir().unwrap();
    let lesson = repo("scenarios/lessons").join(rel);
    let out = ecsim().args(["run", lesson.to_str().unwrap(), "--out", dir.path().join("r").to_str().unwrap()]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn run_prints_the_traffic_the_slo_verdict_and_the_warnings() {
    let (stdout, stderr) = ecsim_run("alb/overload.toml");
    assert!(stderr.contains("the load offered to target group web peaks at 200.0 requests/s"), "{stderr}");
    assert!(
        stdout.contains("traffic: 360845 requests sent, 348996 answered (11849 still in flight at the end), availability 0.6055 %"),
        "{stdout}"
    );
    assert!(stdout.contains("overload: SLO MISSED: availability 0.6055 % against 99.9 % (MISSED;"), "{stdout}");
    // p99 read from the 0.2 %-wide buckets (59,375.6 ms with the former 0.8 %-wide ones).
    assert!(stdout.contains("p99 59342.8 ms against 500 ms (MISSED)"), "{stdout}");
}

#[test]
fn run_prints_the_faults_and_a_table_of_the_variants() {
    let (stdout, _) = ecsim_run("faults/zone-outage-binpack-vs-spread.toml");
    assert!(stdout.contains("faults: 1 occurrence(s)"), "{stdout}");
    assert!(stdout.contains("variants side by side (comparison.csv):"), "{stdout}");
    let header = stdout.lines().skip_while(|l| !l.starts_with("variants side by side")).nth(1).unwrap();
    assert!(header.trim_start().starts_with("variant"), "{header}");
    assert!(stdout.lines().any(|l| l.trim_start().starts_with("availability %")), "{stdout}");
    assert!(stdout.lines().any(|l| l.trim_start().starts_with("SLO")), "{stdout}");
}

/// Two alarms on the load balancer's metrics in one 60-s period: RequestCount > 5,000 and
/// HTTPCode_Target_5XX_Count > 2,000.
const BUSY_AND_REFUSING: &str = r#"
[[alarms]]
name = "busy"
namespace = "AWS/ApplicationELB"
metric = "RequestCount"
dimensions = { TargetGroup = "web", LoadBalancer = "web" }
statistic = "Sum"
period = "60s"
evaluation_periods = 1
threshold = 4000
comparison = "GreaterThanThreshold"

[[alarms]]
name = "refusing"
namespace = "AWS/ApplicationELB"
metric = "HTTPCode_Target_5XX_Count"
dimensions = { TargetGroup = "web", LoadBalancer = "web" }
statistic = "Sum"
period = "60s"
evaluation_periods = 1
threshold = 2000
comparison = "GreaterThanThreshold"
treat_missing_data = "notBreaching"
"#;

#[test]
fn alarms_read_request_count_when_targets_are_chosen_and_target_5xx_with_refusals() {
    // One task, one worker, 50 ms × 4 (cpu 256 for 1024 wanted) = 200 ms a request: 5 a second
    // served, 100 a second offered. The task is a healthy target from 10 s, so the first minute
    // routes about 100/s × 50 s = 5,000 requests (RequestCount counts when the target is chosen;
    // 4,994 with seed 3) while only ~250 end: the rest wait for their 504 at the 60-s idle
    // timeout. The RequestCount alarm (above 4,000: 14 standard deviations of a Poisson count of
    // 5,000 below it, where the former 5,000 was the mean itself and fired or not by the draw)
    // must fire on the first minute's datapoint, not a minute later when the 504s end.
    let s = load_parts("accounting", &[&overloaded(1, 1, 256, None, 100, 60, false, 3), BUSY_AND_REFUSING]);
    let out = run(&s);
    let first_alarm = |out: &RunOutcome, name: &str| out.alarm_rows.iter().find(|r| r.alarm == name && r.to == "ALARM").map(|r| r.time_s);
    // The first datapoint (minute 0) is evaluated at 60 s plus the metric delay.
    let first_evaluation = 60 + s.metric_delay.whole_secs();
    assert_eq!(first_alarm(&out, "busy"), Some(first_evaluation), "RequestCount alarm");
    assert_reconciles("alarms", &s, &out);
    // With a queue of 10 the task refuses ~95 of the 100 a second at once: its own 503s, which
    // CloudWatch counts in HTTPCode_Target_5XX_Count — about 95 × 40 s ≈ 3,800 in the first
    // minute (the task registers at about 20 s; before, the load balancer answers 503 itself).
    let s = load_parts("accounting", &[&overloaded(1, 1, 256, Some(10), 100, 60, false, 3), BUSY_AND_REFUSING]);
    let out = run(&s);
    assert_eq!(first_alarm(&out, "refusing"), Some(first_evaluation), "target 5xx alarm");
    assert!(crate::common::traffic(&out).figures.tally.rejected > 20_000);
    assert_reconciles("alarms, refusals", &s, &out);
}

//! What drives the load balancer: a run is a function of (scenario, seed), and placement does not
//! move the arrivals (common random numbers); access logs replayed (every kept line, time
//! compressed by `speed`, and in a cluster without instances); bad traffic sources as located
//! errors.

use super::{cluster, source};
use crate::common::toml::LB_WEB;
use crate::common::{load_parts, run, scenario_path, traffic};
use ecsim::scenario::{self, Scenario};
use ecsim::sim::alb::metrics::TrafficTotals;
use ecsim::sim::RunOutcome;

// ---------------------------------------------------------------------------------------------
// Determinism and common random numbers
// ---------------------------------------------------------------------------------------------

fn placement_variant(strategy: &str) -> Scenario {
    let service = format!(
        "\n[[services]]\nname = \"app\"\ntask_definition = \"app\"\ndesired_count = 3\nplacement_strategy = {strategy}\n\
         load_balancers = [{{ target_group = \"web\", container_port = 80 }}]\n"
    );
    load_parts(
        "alb_sim",
        &[
            r#"
[scenario]
name = "determinism"
duration = "6m"
seed = 9

[[task_definitions]]
name = "app"
family = "app"
cpu = 1024
memory = 2048
dynamic_ports = 1
serving = { concurrency = 2, service_time = { distribution = "lognormal", mean = "30ms", cv = 1.5 }, cpu_per_busy_worker = 512 }

[[target_groups]]
name = "web"
port = 80
algorithm = "least_outstanding_requests"

[[traffic]]
name = "users"
rate = { profile = "diurnal", mean_per_second = 80, amplitude = 0.5, period = "4m" }

[[traffic]]
name = "bots"
path = "/robots.txt"
rate = { profile = "constant", per_second = 5 }
"#,
            &cluster(),
            LB_WEB,
            &service,
        ],
    )
}

#[test]
fn same_scenario_and_seed_give_the_same_traffic_and_placement_does_not_move_arrivals() {
    // A run is a function of (scenario, seed): two runs give identical TrafficTotals (run totals,
    // per-group totals and every alb.csv row) and identical events.
    let spread = placement_variant(r#"[{ type = "spread", field = "attribute:ecs.availability-zone" }]"#);
    let (a, b) = (run(&spread), run(&spread));
    assert_eq!(traffic(&a), traffic(&b));
    assert_eq!(traffic(&a).rows, traffic(&b).rows);
    assert_eq!(a.recorder.events.to_vec().unwrap(), b.recorder.events.to_vec().unwrap());
    // Each source draws its arrivals from its own stream (`traffic/<name>`), so a different
    // placement strategy — here every task packed on one instance — changes where requests are
    // served but not when they arrive. Arrival times are not in the outputs; what is: the
    // requests per source, and per minute and load-balancer node (nodes take requests in turn,
    // so these counts are a function of the arrival sequence alone) — all equal. The first 1,000
    // arrival times themselves are those of the source's stream (recomputed in
    // `every_request_before_the_first_registration_is_a_503_and_none_after`).
    let packed = placement_variant(r#"[{ type = "binpack", field = "memory" }]"#);
    let c = run(&packed);
    let instances = |o: &RunOutcome| {
        let mut v: Vec<u32> = o.tasks.iter().map(|t| t.instance.0).collect();
        v.sort();
        v.dedup();
        v
    };
    assert_eq!(instances(&a).len(), 3, "spread: one task per instance");
    assert_eq!(instances(&c).len(), 1, "binpack: all on one instance");
    let sent = |t: &TrafficTotals| t.sources.iter().map(|s| (s.source.clone(), s.figures.sent)).collect::<Vec<_>>();
    assert_eq!(sent(traffic(&a)), sent(traffic(&c)));
    let per_minute = |o: &RunOutcome| o.recorder.minutes.iter().map(|m| (m.time_s, m.zone.clone(), m.requests)).collect::<Vec<_>>();
    assert_eq!(per_minute(&a), per_minute(&c));
    assert!(source(&a, "users") > 20_000 && source(&a, "bots") > 1_500);
}

// ---------------------------------------------------------------------------------------------
// Access-log replay
// ---------------------------------------------------------------------------------------------

/// A load balancer whose listener answers everything itself (fixed 200): every replayed request
/// reaches it and is counted, whatever targets exist. One m5.large in the cluster's one zone.
fn replay(log: &str, speed: f64, duration: &str) -> (String, Scenario, RunOutcome) {
    replay_on(log, speed, duration, "[[cluster.instances]]\ntype = \"m5.large\"\ncount = 1\n")
}

fn replay_on(log: &str, speed: f64, duration: &str, instances: &str) -> (String, Scenario, RunOutcome) {
    let text = format!(
        "[scenario]\nname = \"replay\"\nduration = \"{duration}\"\n\n\
         [cluster]\nzones = [\"us-east-1a\"]\n{instances}\n\
         [[load_balancers]]\nname = \"web\"\n[[load_balancers.listeners]]\nport = 80\ndefault_action = {{ fixed_response = 200 }}\n\n\
         [[traffic]]\nname = \"log\"\naccess_log = \"fixtures/alb-logs/{log}\"\nspeed = {speed}\n"
    );
    let s = scenario::load_str(&scenario_path("alb_sim"), &text).unwrap_or_else(|d| panic!("{d}"));
    let out = run(&s);
    (text, s, out)
}

#[test]
fn access_logs_replay_every_kept_line_and_speed_compresses_time() {
    // with-bad-lines.log: 4 requests kept, 4 lines skipped (tests/fixtures/alb-logs/SOURCES.md);
    // the loader warns at the `access_log` value.
    // Created at 12:00:00.25 (×2), 12:00:01.5 and 12:00:02.0 → replayed at 0, 0, 1.25, 1.75 s;
    // at speed 2 at 0, 0, 0.625, 0.875 s. In 1.8 s at speed 1 all 4 arrive; in 0.9 s at speed 1
    // only the first 2, at speed 2 all 4: the same requests in half the time.
    let (text, s, out) = replay("with-bad-lines.log", 1.0, "1.8s");
    // (The other warning says that nothing will be placed: this scenario has no service.)
    let warnings: Vec<_> = s.warnings.warnings().filter(|w| w.message.contains(".log")).collect();
    assert_eq!(warnings.len(), 1, "{}", s.warnings);
    let w = warnings[0];
    assert!(w.message.ends_with("with-bad-lines.log: 4 requests read, 4 lines skipped (line 5: unterminated quote in field 13; line 7: too few fields (13, an access log entry has at least 22); line 8: bad timestamp in field 22 (request_creation_time) \"2024-02-30T12:00:03.400000Z\": 2024-02 has no day 30; and 1 more)"), "{}", w.message);
    assert_eq!((w.line, w.column), position_of(&text, "\"fixtures/alb-logs/"));
    assert_eq!((source(&out, "log"), traffic(&out).figures.requests, traffic(&out).figures.successful), (4, 4, 4));
    assert_eq!(source(&replay("with-bad-lines.log", 1.0, "0.9s").2, "log"), 2);
    assert_eq!(source(&replay("with-bad-lines.log", 2.0, "0.9s").2, "log"), 4);
    // The seven AWS documentation examples parse without a warning; five are created at one
    // instant and two 151 days later: at speed 86,400 they arrive at 0 s and 151 s.
    let (_, s, out) = replay("awsdocs_alb_access_log_examples.log", 86_400.0, "150s");
    assert!(s.warnings.warnings().all(|w| !w.message.contains(".log")), "{}", s.warnings);
    assert_eq!(source(&out, "log"), 5);
    assert_eq!(source(&replay("awsdocs_alb_access_log_examples.log", 86_400.0, "152s").2, "log"), 7);
}

#[test]
fn a_load_balancer_answers_requests_in_a_cluster_without_instances() {
    // The listener answers everything itself (fixed response 200, docs/ecs-model.md#listener-rules step 4), so no target
    // (and no instance) is needed: the 4 requests kept from with-bad-lines.log all reach the
    // load balancer, in us-east-1a (the cluster's zone), and all succeed.
    let (_, _, out) = replay_on("with-bad-lines.log", 1.0, "5s", "");
    assert_eq!((source(&out, "log"), traffic(&out).figures.requests, traffic(&out).figures.successful), (4, 4, 4));
}

// ---------------------------------------------------------------------------------------------
// Bad traffic input: located errors
// ---------------------------------------------------------------------------------------------

/// (line, column) of the first occurrence of `needle` in `text`, 1-based, columns in characters.
fn position_of(text: &str, needle: &str) -> (usize, usize) {
    let at = text.find(needle).unwrap_or_else(|| panic!("{needle:?} not in the scenario"));
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let col = before[before.rfind('\n').map_or(0, |p| p + 1)..].chars().count() + 1;
    (line, col)
}

#[test]
fn bad_traffic_sources_are_errors_at_their_line_and_column() {
    let base = r#"[scenario]
name = "bad"
duration = "1m"

[cluster]
zones = ["us-east-1a"]

[[load_balancers]]
name = "web"

[[load_balancers.listeners]]
port = 80
default_action = { fixed_response = 200 }
"#;
    // (the [[traffic]] table, the text the error must point at, what the message says)
    let cases = [
        (
            "[[traffic]]\nname = \"t\"\nload_balancer = \"nope\"\nrate = { profile = \"constant\", per_second = 1 }\n",
            "\"nope\"",
            "no load balancer named \"nope\"",
        ),
        (
            "[[traffic]]\nname = \"t\"\nlistener = 8080\nrate = { profile = \"constant\", per_second = 1 }\n",
            "8080",
            "load balancer \"web\" has no listener on port 8080",
        ),
        (
            "[[traffic]]\nname = \"t\"\nrate = { profile = \"constant\", per_second = -5 }\n",
            "{ profile",
            "a constant rate must be a finite number of requests per second ≥ 0, got -5",
        ),
        (
            "[[traffic]]\nname = \"t\"\nrate = { profile = \"constant\", per_second = 1 }\naccess_log = \"fixtures/alb-logs/with-bad-lines.log\"\n",
            "\"fixtures/",
            "a traffic source has either a rate or an access_log, not both",
        ),
    ];
    for (table, needle, message) in cases {
        let text = format!("{base}\n{table}");
        let diags = match scenario::load_str(&scenario_path("alb_sim"), &text) {
            Ok(_) => panic!("accepted:\n{table}"),
            Err(d) => d,
        };
        let errors: Vec<_> = diags.errors().collect();
        assert_eq!(errors.len(), 1, "{diags}");
        let e = errors[0];
        assert_eq!(e.message, message, "{diags}");
        assert_eq!((e.line, e.column), position_of(&text, needle), "{message}: {diags}");
        assert!(e.help.is_some(), "{message}: says what to change");
    }
}

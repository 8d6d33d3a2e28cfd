//! Behaviour that changes during a task's life, through the whole simulator: health-check
//! answers by time window and the health check's response time (`behaviour.health`,
//! `behaviour.health_check_response_time`), containers that exit (`behaviour.container_exits`),
//! and the target's `unused` state once its deregistration completes. Each test reads like the
//! AWS documentation it comes from; the expected numbers are derived in its comments.
//!
//! Common timings: start delay 10 s, so a task placed at t = 0 is RUNNING — and, behind a load
//! balancer, its target registered (`initial`) with the first check sent — at R = 10 s.

use crate::common::{events, load, load_err, load_parts, run, scenario_path, traffic, us, Ev};
use ecsim::sim::recorder::EventKind;

/// Two m5.xlarge in one zone; start delay 10 s.
const CLUSTER: &str = r#"
[scenario]
name = "behaviour-over-time"
duration = "4m"
seed = 1

[cluster]
zones = ["us-east-1a"]

[[cluster.instances]]
type = "m5.xlarge"
count = 2

[lifecycle]
start_delay = { distribution = "constant", value = "10s" }
"#;

/// (µs, event, reason, detail) of one service's events of the given kinds.
fn rows(evs: &[Ev], service: &str, kinds: &[EventKind]) -> Vec<(u64, EventKind, String, String)> {
    evs.iter()
        .filter(|e| e.source == service && kinds.contains(&e.kind))
        .map(|e| (e.us, e.kind, e.reason.clone(), e.detail.clone()))
        .collect()
}

/// Target groups "patient" and "strict", both checking every 10 s with a 5 s timeout, healthy
/// threshold 3, unhealthy threshold 2 and a 20 s deregistration delay; one listener sends
/// `/strict/*` to "strict" and the rest to "patient".
const TWO_GROUPS: &str = r#"
[[target_groups]]
name = "patient"
port = 80
deregistration_delay = "20s"
health_check = { interval = "10s", timeout = "5s", healthy_threshold = 3, unhealthy_threshold = 2 }

[[target_groups]]
name = "strict"
port = 80
deregistration_delay = "20s"
health_check = { interval = "10s", timeout = "5s", healthy_threshold = 3, unhealthy_threshold = 2 }

[[load_balancers]]
name = "web"

[[load_balancers.listeners]]
port = 80
default_action = { forward = "patient" }

[[load_balancers.listeners.rules]]
priority = 1
path_pattern = ["/strict/*"]
action = { forward = "strict" }
"#;

const TARGET: &[EventKind] = &[EventKind::TargetHealth];

// ---------------------------------------------------------------------------------------------
// Health-check answers that change over time
// ---------------------------------------------------------------------------------------------

#[test]
fn a_target_that_answers_errors_from_33_to_75_s_after_start_goes_unhealthy_and_recovers() {
    // The application answers the load balancer's checks with a 500 from 33 s to 75 s after its
    // task started (R = 10 s), i.e. for checks sent in [43 s, 85 s). Checks go out at
    // registration (10 s) and every 10 s; an answer takes 10 ms.
    // * 10, 20, 30, 40 s: 200 → healthy at 10.01 s (one passing check, the initial rule).
    // * 50, 60 s: 500 (HTTP codes must match the matcher, 200) → two consecutive failures reach
    //   the unhealthy threshold: unhealthy at 60.01 s (Target.ResponseCodeMismatch). 70, 80 s fail.
    // * 90, 100, 110 s: 200 → three consecutive successes (the healthy threshold): healthy at
    //   110.01 s.
    // "patient" has a 10-minute health check grace period, so ECS ignores the verdict and keeps
    // the task: the target recovers by itself. "strict" has none: ECS replaces the task —
    // with maximumPercent 200 it first starts a replacement (placed at 60.01 s, RUNNING and
    // healthy at 70.01 / 70.02 s), then stops the unhealthy one: its target drains at 70.02 s
    // and, after the 20 s deregistration delay, is `unused` at 90.02 s (Target.NotRegistered).
    let s = load_parts(
        "behaviour_over_time",
        &[
            CLUSTER,
            TWO_GROUPS,
            r#"
[[task_definitions]]
name = "flaky"
family = "flaky"
cpu = 256
memory = 512
dynamic_ports = 1
behaviour = { health = [{ after = "33s", until = "75s", answer = "error" }] }

[[services]]
name = "patient"
task_definition = "flaky"
desired_count = 1
health_check_grace_period = "10m"
load_balancers = [{ target_group = "patient", container_port = 80 }]

[[services]]
name = "strict"
task_definition = "flaky"
desired_count = 1
load_balancers = [{ target_group = "strict", container_port = 80 }]
"#,
        ],
    );
    let evs = events(&run(&s));
    let patient = rows(&evs, "patient", TARGET);
    let states: Vec<(u64, &str)> = patient.iter().map(|r| (r.0, r.2.as_str())).collect();
    assert_eq!(states, [(us(10.0), "initial"), (us(10.01), "healthy"), (us(60.01), "unhealthy"), (us(110.01), "healthy")], "{patient:#?}");
    assert_eq!(patient[2].3, "target unhealthy in (target-group patient) after 2 failed checks (Target.ResponseCodeMismatch)");
    assert_eq!(patient[3].3, "target healthy in (target-group patient) after 3 passed checks");
    assert!(!evs.iter().any(|e| e.source == "patient" && e.kind == EventKind::Stopped), "the grace period keeps the task");

    // The first strict task (t-000001): unhealthy, replaced, drained, unused.
    let first: Vec<(u64, String)> =
        evs.iter().filter(|e| e.task == Some(1) && e.kind == EventKind::TargetHealth).map(|e| (e.us, e.reason.clone())).collect();
    let expect = [(10.0, "initial"), (10.01, "healthy"), (60.01, "unhealthy"), (70.02, "draining"), (90.02, "unused")];
    assert_eq!(first, expect.map(|(t, r)| (us(t), r.to_string())), "{first:#?}");
    let unused = evs.iter().find(|e| e.task == Some(1) && e.reason == "unused").unwrap();
    assert_eq!(unused.detail, "deregistration complete in (target-group strict) (Target.NotRegistered)");
    let stopped = evs.iter().find(|e| e.task == Some(1) && e.kind == EventKind::Stopped).unwrap();
    assert_eq!(stopped.us, us(90.02), "SIGTERM at the end of draining; the application exits at once");
}

#[test]
fn a_check_answered_at_or_after_the_timeout_fails_with_target_timeout() {
    // "The amount of time during which no response from a target means a failed health check"
    // (HealthCheckTimeoutSeconds, 5 s here). The application answers in 4 s
    // (`health_check_response_time = "4s"`), and from 2 min to 3 min of the run (an absolute
    // window) in 6 s:
    // * check sent at 10 s answered at 14 s, inside the timeout → healthy at 14 s.
    // * checks sent at 120 and 130 s get no answer within 5 s → fail at 125 and 135 s →
    //   unhealthy at 135 s (Target.Timeout). 140–170 s time out too.
    // * checks from 180 s (the window is [2 min, 3 min)) answer in 4 s again: 184, 194, 204 s →
    //   healthy at 204 s after 3 passed checks.
    // The grace period keeps the task through it.
    let s = load_parts(
        "behaviour_over_time",
        &[
            CLUSTER,
            TWO_GROUPS,
            r#"
[[task_definitions]]
name = "slow"
family = "slow"
cpu = 256
memory = 512
dynamic_ports = 1
behaviour = { health_check_response_time = "4s", health = [{ from = "2m", to = "3m", response_time = "6s" }] }

[[services]]
name = "patient"
task_definition = "slow"
desired_count = 1
health_check_grace_period = "10m"
load_balancers = [{ target_group = "patient", container_port = 80 }]
"#,
        ],
    );
    let evs = events(&run(&s));
    let th = rows(&evs, "patient", TARGET);
    let states: Vec<(u64, &str)> = th.iter().map(|r| (r.0, r.2.as_str())).collect();
    assert_eq!(states, [(us(10.0), "initial"), (us(14.0), "healthy"), (us(135.0), "unhealthy"), (us(204.0), "healthy")], "{th:#?}");
    assert_eq!(th[2].3, "target unhealthy in (target-group patient) after 2 failed checks (Target.Timeout)");
}

/// A service of one task with the inline container health check {interval 10 s, timeout 5 s,
/// retries 3, startPeriod 0} and no load balancer, under a 10-minute grace period (ECS keeps
/// the task whatever the check says).
fn container_service(name: &str, behaviour: &str) -> String {
    format!(
        r#"
[[task_definitions]]
name = "{name}"
family = "{name}"
cpu = 256
memory = 512
health_check = {{ interval = 10, timeout = 5, retries = 3, start_period = 0 }}
behaviour = {behaviour}

[[services]]
name = "{name}"
task_definition = "{name}"
desired_count = 1
health_check_grace_period = "10m"
"#
    )
}

#[test]
fn a_container_health_check_follows_the_window_and_its_timeout() {
    // Docker's health check (the container definition's healthCheck): "the time period in
    // seconds to wait for a health check to succeed before it is considered a failure" is the
    // timeout (5 s); `retries` (3) consecutive failures make the container UNHEALTHY; the first
    // check runs `interval` (10 s) after the start, each next one 10 s after the previous
    // completed. RUNNING at R = 10 s:
    // * "window": errors from 33 s to 75 s after the start (checks sent in [43 s, 85 s)),
    //   answered at once. Checks at 20, 30, 40 s pass → HEALTHY at 20 s; 50, 60, 70 s fail →
    //   UNHEALTHY at 70 s; 80 s fails; 90 s passes → HEALTHY again at 90 s.
    // * "answers-in-2s": the check sent at 20 s answers at 22 s → HEALTHY at 22 s.
    // * "answers-in-6s": every check times out: sent at 20 s, fails at 25 s; the next at 35 s
    //   fails at 40 s; the next at 50 s fails at 55 s → UNHEALTHY at 55 s.
    let s = load_parts(
        "behaviour_over_time",
        &[
            CLUSTER,
            &container_service("window", r#"{ health = [{ after = "33s", until = "75s", answer = "error", checks = "container" }] }"#),
            &container_service("answers-in-2s", r#"{ health_check_response_time = "2s" }"#),
            &container_service("answers-in-6s", r#"{ health_check_response_time = "6s" }"#),
        ],
    );
    let evs = events(&run(&s));
    let health = |service: &str| -> Vec<(u64, EventKind)> {
        rows(&evs, service, &[EventKind::Healthy, EventKind::Unhealthy]).into_iter().map(|r| (r.0, r.1)).collect()
    };
    use EventKind::{Healthy, Unhealthy};
    assert_eq!(health("window"), [(us(20.0), Healthy), (us(70.0), Unhealthy), (us(90.0), Healthy)]);
    assert_eq!(health("answers-in-2s"), [(us(22.0), Healthy)]);
    assert_eq!(health("answers-in-6s"), [(us(55.0), Unhealthy)]);
    let unhealthy = evs.iter().find(|e| e.source == "window" && e.kind == Unhealthy).unwrap();
    assert_eq!(unhealthy.detail, "container health check failed 3 times");
}

// ---------------------------------------------------------------------------------------------
// Containers that exit
// ---------------------------------------------------------------------------------------------

/// Two revisions of the same task definition file (essential `web`, non-essential `migrate`):
/// in "web" the migration job exits after 20 s; in "crashing" the web container exits after 45 s.
const CONTAINER_EXITS: &str = r#"
[[task_definitions]]
name = "web"
file = "fixtures/taskdefs/web-with-migrate.json"
behaviour = { container_exits = [{ container = "migrate", after = "20s", exit_code = 0 }] }

[[task_definitions]]
name = "crashing"
file = "fixtures/taskdefs/web-with-migrate.json"
behaviour = { container_exits = [{ container = "web", after = "45s", exit_code = 137 }] }

[[services]]
name = "web"
task_definition = "web"
desired_count = 1

[[services]]
name = "crashing"
task_definition = "crashing"
desired_count = 1
"#;

#[test]
fn a_non_essential_container_exits_and_the_task_keeps_running_an_essential_one_stops_it() {
    // The container definition's `essential`: "If the essential parameter of a container is
    // marked as true, and that container fails or stops for any reason, all other containers
    // that are part of the task are stopped. If … false, its failure doesn't affect the rest of
    // the containers in a task." RUNNING at R = 10 s:
    // * "web": `migrate` (essential: false) exits with code 0 at R + 20 = 30 s; the task stays
    //   RUNNING to the end of the run (4 min) and the service never starts another.
    // * "crashing": `web` (essential) exits with code 137 at R + 45 = 55 s → the task stops with
    //   stoppedReason "Essential container in task exited" (stop code EssentialContainerExited):
    //   no load balancer, so no deregistration delay, and the application has already exited,
    //   so it is STOPPED at 55 s; the service starts a replacement, RUNNING at 65 s, whose web
    //   container exits at 110 s, and so on (55, 110, 165, 220 s in a 4-minute run).
    let s = load_parts("behaviour_over_time", &[CLUSTER, CONTAINER_EXITS]);
    let evs = events(&run(&s));
    let web = rows(&evs, "web", &[EventKind::ContainerExited, EventKind::Stopped, EventKind::Placed]);
    assert_eq!(web.len(), 2, "one task placed, one container exit, no stop: {web:#?}");
    assert_eq!(web[1].0, us(30.0));
    assert_eq!(web[1].2, "migrate");
    assert_eq!(web[1].3, "container migrate exited with code 0; it is not essential: the task keeps running");

    let exits = rows(&evs, "crashing", &[EventKind::ContainerExited]);
    assert_eq!(exits.iter().map(|r| r.0).collect::<Vec<_>>(), [55.0, 110.0, 165.0, 220.0].map(us));
    assert_eq!(exits[0].3, "container web exited with code 137; it is essential: the task stops (Essential container in task exited)");
    let stopped = rows(&evs, "crashing", &[EventKind::Stopped]);
    assert_eq!(stopped.iter().map(|r| (r.0, r.2.as_str())).collect::<Vec<_>>()[0], (us(55.0), "EssentialContainerExited"));
    assert_eq!(stopped.len(), 4);
}

// ---------------------------------------------------------------------------------------------
// Located errors
// ---------------------------------------------------------------------------------------------

#[test]
fn unknown_containers_and_malformed_windows_are_located_errors() {
    let parts = [
        CLUSTER,
        r#"
[[task_definitions]]
name = "web"
file = "fixtures/taskdefs/web-with-migrate.json"
behaviour = { container_exits = [{ container = "sidecar", after = "20s" }] }

[[task_definitions]]
name = "flaky"
family = "flaky"
cpu = 256
memory = 512
behaviour = { health = [{ after = "33s", from = "1m", answer = "error" }, { after = "75s", until = "33s", answer = "oops" }] }
"#,
    ];
    let text = load_err(&scenario_path("behaviour_over_time"), &parts.concat()).to_string();
    // Each error points at its entry (or value): line 20 is the `container_exits` line, line 27
    // the `health` line (CLUSTER is lines 1–16).
    for expected in [
        "behaviour_over_time.toml:20:48: error: task definition \"web\" has no container \"sidecar\"",
        "name one of its containers: [\"web\", \"migrate\"]",
        "behaviour_over_time.toml:27:25: error: a health window has both `after` and `from`",
        "behaviour_over_time.toml:27:75: error: the health window ends (33s) before it starts (1m15s)",
        "behaviour_over_time.toml:27:116: error: answer \"oops\" is not known",
    ] {
        assert!(text.contains(expected), "{expected}\n---\n{text}");
    }
}

#[test]
fn flaky_health_check_lesson_recovers_with_a_grace_period_and_is_replaced_without_one() {
    // scenarios/lessons/alb/flaky-health-check.toml: the scenario of the first test with users
    // (5 requests/s to each group from 30 s). Its header derives the numbers: "patient" keeps
    // its task (unhealthy 60.01 s, healthy 110.01 s); "strict" replaces a task a minute, each
    // old target `unused` 20 s after it started draining (90.02, 150.03, 210.04, 270.05 s); no
    // request fails.
    let s = load("scenarios/lessons/alb/flaky-health-check.toml");
    let out = run(&s);
    let evs = events(&out);
    let patient: Vec<(u64, String)> = rows(&evs, "patient", TARGET).into_iter().filter(|r| r.2 != "initial").map(|r| (r.0, r.2)).collect();
    assert_eq!(patient, [(10.01, "healthy"), (60.01, "unhealthy"), (110.01, "healthy")].map(|(t, r)| (us(t), r.to_string())));
    let unused: Vec<u64> = rows(&evs, "strict", TARGET).into_iter().filter(|r| r.2 == "unused").map(|r| r.0).collect();
    assert_eq!(unused, [90.02, 150.03, 210.04, 270.05].map(us));
    let traffic = traffic(&out);
    assert_eq!((traffic.figures.elb_5xx, traffic.figures.tally.target_5xx), (0, 0));
}

#[test]
fn a_target_whose_instance_is_terminated_is_unused_at_once_without_draining() {
    // Two healthy tasks of "patient" (a plain revision), one per instance
    // (spread), RUNNING and registered at R = 10 s, healthy at 10.01 s. At 2 min instance 0 is
    // terminated: its task is STOPPED at once, with no stop sequence, so its target leaves the
    // group at 120 s without `draining`: `unused` (Target.NotRegistered) at 120 s. The other
    // task's target stays healthy; the replacement registers at 130 s.
    let s = load_parts(
        "behaviour_over_time",
        &[
            CLUSTER,
            TWO_GROUPS,
            r#"
[[task_definitions]]
name = "app"
family = "app"
cpu = 256
memory = 512
dynamic_ports = 1

[[services]]
name = "patient"
task_definition = "app"
desired_count = 2
load_balancers = [{ target_group = "patient", container_port = 80 }]

[[actions]]
action = "terminate_instance"
at = "2m"
instance = 0
"#,
        ],
    );
    let evs = events(&run(&s));
    let gone = evs.iter().find(|e| e.kind == EventKind::Stopped && e.source == "patient").expect("a task stopped");
    assert_eq!(gone.us, us(120.0));
    let task = gone.task.unwrap();
    let states: Vec<(u64, String)> =
        evs.iter().filter(|e| e.task == Some(task) && e.kind == EventKind::TargetHealth).map(|e| (e.us, e.reason.clone())).collect();
    assert_eq!(states, [(10.0, "initial"), (10.01, "healthy"), (120.0, "unused")].map(|(t, r)| (us(t), r.to_string())));
    let unused = evs.iter().find(|e| e.task == Some(task) && e.reason == "unused").unwrap();
    assert_eq!(unused.detail, "deregistered from (target-group patient) without draining: the task is gone (Target.NotRegistered)");
    let replacement = evs.iter().filter(|e| e.kind == EventKind::TargetHealth && e.reason == "initial").nth(2).expect("a replacement");
    assert_eq!(replacement.us, us(130.0));
}

//! Targets leaving a target group while requests are in flight: the ALB lessons' rolling updates
//! under load and an unhealthy revision, a task dying with its instance (502s, and the service's
//! replacement), and the deregistration delay letting requests finish or cutting them
//! (docs/ecs-model.md#deregistration-on-stop, docs/ecs-model.md#deregistration-delay).

use super::{cluster, deployment, group, load_lesson, rows, source};
use crate::common::toml::{head, LB_WEB};
use crate::common::{events, load_parts, run, traffic, us, Ev};
use ecsim::sim::alb::metrics::TrafficTotals;
use ecsim::sim::recorder::EventKind;
use ecsim::sim::RunOutcome;

// ---------------------------------------------------------------------------------------------
// The ALB lessons: rolling updates under load, an unhealthy revision
// ---------------------------------------------------------------------------------------------

#[test]
fn rolling_update_lessons_sound_has_no_5xx_unsound_has_503s_and_502s_in_the_update_minute() {
    // rolling-sound.toml (header): min 100 %, max 150 %, deregistration delay 30 s → no request
    // is ever sent to, or cut on, a task that goes away: elb_5xx = target_5xx = 0.
    // rolling-unsound.toml: min 0 %, max 100 %, delay 0 s → at the update (10 min) all six old
    // targets are deregistered at once: their in-flight requests are cut (502, docs/ecs-model.md#deregistration-delay). The old
    // tasks then get SIGTERM and exit in 2 s (STOPPED at 602 s); only then does maximumPercent 100
    // let ECS place the new tasks, RUNNING 20 s later at 622 s. Over [600 s, 622 s) the group
    // has no registered target: 503 (docs/ecs-model.md#target-selection step 3), about 600/s × 22 s = 13,200 (Poisson sd
    // ≈ 115). Every 5xx is in the minute at 600 s.
    // Common random numbers: the arrival stream is drawn from the source's own stream, so both
    // runs see the same arrivals — the same count per source, and the same count per minute and
    // load-balancer node (timeseries.csv `requests`, all outcomes, by the node's zone).
    let sound = run(&load_lesson("rolling-sound"));
    let unsound = run(&load_lesson("rolling-unsound"));
    let (ts, tu) = (traffic(&sound), traffic(&unsound));
    assert_eq!((ts.figures.elb_5xx, ts.figures.tally.target_5xx), (0, 0), "rolling-sound");
    assert!(ts.figures.availability == 1.0);
    let gu = &group(&unsound, "web").figures.tally;
    assert!(gu.elb_503 > 0 && gu.elb_502 > 0, "rolling-unsound: 503 {} and 502 {}", gu.elb_503, gu.elb_502);
    assert_eq!(tu.figures.elb_5xx, gu.elb_503 + gu.elb_502 + gu.elb_504);
    assert_eq!(tu.figures.tally.target_5xx, 0);
    let bad: Vec<u64> = rows(&unsound, "web").iter().filter(|r| r.elb_5xx > 0).map(|r| r.time_s).collect();
    assert_eq!(bad, vec![600], "minutes with ELB 5xx");
    assert!((gu.elb_503 as f64 - 13_200.0).abs() < 4.0 * 13_200f64.sqrt(), "503s: {}", gu.elb_503);
    let evs = events(&unsound);
    let new_running = evs.iter().find(|e| e.kind == EventKind::Running && e.us > us(600.0)).unwrap();
    assert_eq!(new_running.us, us(622.0));
    let sent = |t: &TrafficTotals| t.sources.iter().map(|s| (s.source.clone(), s.figures.sent)).collect::<Vec<_>>();
    assert_eq!(sent(ts), sent(tu), "same arrivals per source");
    let per_minute = |o: &RunOutcome| o.recorder.minutes.iter().map(|m| (m.time_s, m.zone.clone(), m.requests_sent)).collect::<Vec<_>>();
    assert_eq!(per_minute(&sound), per_minute(&unsound), "same arrivals per minute and node");
}

#[test]
fn unhealthy_revision_lesson_fails_the_deployment_and_rolls_back_without_5xx() {
    // unhealthy-revision.toml (header): at 600 s ECS starts 6 web:2 tasks (min 100 %, max 200 %),
    // RUNNING at R = 620 s; their checks at R and R + 10 time out (hang, 5 s) at R + 5 and
    // R + 15 → unhealthy at 635 s (docs/ecs-model.md#alb-health-checks). Grace 0 → ECS stops them and the circuit breaker counts
    // them (stage 2, docs/ecs-model.md#circuit-breaker): threshold max(3, ⌈0.5 × 6⌉) = 3 → ecs-svc/1 FAILED at 635 s, 35 s
    // after the update, and a rollback deployment of web:1 starts. The old targets stay healthy,
    // so no request goes to web:2 (no fail-open) and none fails.
    let out = run(&load_lesson("unhealthy-revision"));
    let t = traffic(&out);
    assert_eq!((t.figures.elb_5xx, t.figures.tally.target_5xx), (0, 0));
    let failed = deployment(&out, "web", 1);
    assert_eq!((failed.outcome.as_str(), failed.task_definition.as_str(), failed.ended_s), ("FAILED", "web:2", Some(635.0)), "{failed:?}");
    let rollback = deployment(&out, "web", 2);
    assert_eq!((rollback.task_definition.as_str(), rollback.started_s), ("web:1", 635.0), "{rollback:?}");
    let evs = events(&out);
    assert!(
        evs.iter()
            .any(|e| e.kind == EventKind::Deployment && e.us == us(635.0) && e.detail.contains("rolling back to deployment ecs-svc/0")),
        "a rollback event"
    );
    let unhealthy: Vec<&Ev> = evs.iter().filter(|e| e.kind == EventKind::TargetHealth && e.reason == "unhealthy").collect();
    assert!(unhealthy.len() >= 3, "{} unhealthy targets", unhealthy.len());
    assert!(unhealthy.iter().all(|e| e.detail.ends_with("after 2 failed checks (Target.Timeout)")), "{unhealthy:?}");
    assert_eq!(unhealthy[0].us, us(635.0));
}

// ---------------------------------------------------------------------------------------------
// A task dies with requests in flight
// ---------------------------------------------------------------------------------------------

#[test]
fn terminating_an_instance_cuts_its_tasks_requests_with_502_and_the_service_replaces_it() {
    // Three tasks, one per instance (the default AZ spread), 8 workers each, 2 s per request
    // (constant); 6 requests/s from 1 min, round robin → each target gets 2/s and, by Little's
    // law, holds 2/s × 2 s = 4 requests on average (ρ = 0.5: hardly ever none). At 5 min instance
    // 0 is terminated: its task is STOPPED at once (docs/ecs-model.md#instance-failure) and the requests it was serving get
    // 502 from the ALB (docs/ecs-model.md#alb-errors: the target reset/closed the connection) — so every 502 is in the
    // minute at 300 s, about 4 of them and at most the 8 workers' (no queue at this load). The
    // target is gone with the task, so nothing is routed to it afterwards (no 503: the two
    // others are healthy). The service places a replacement at once on another instance,
    // RUNNING at 310 s, healthy at 310.01 s: 3 running and healthy tasks at the minute's end.
    let s = load_parts(
        "alb_sim",
        &[
            &head("terminate", "8m", 2),
            &cluster(),
            LB_WEB,
            r#"
[[task_definitions]]
name = "app"
family = "app"
cpu = 1024
memory = 2048
dynamic_ports = 1
serving = { concurrency = 8, service_time = { distribution = "constant", value = "2s" }, cpu_per_busy_worker = 128 }

[[target_groups]]
name = "web"
port = 80

[[services]]
name = "app"
task_definition = "app"
desired_count = 3
load_balancers = [{ target_group = "web", container_port = 80 }]

[[traffic]]
name = "users"
rate = { profile = "steps", steps = [{ at = "0s", per_second = 0 }, { at = "1m", per_second = 6 }] }

[[actions]]
action = "terminate_instance"
at = "5m"
instance = 0
"#,
        ],
    );
    let out = run(&s);
    let evs = events(&out);
    let g = group(&out, "web");
    let minute_502: Vec<(u64, u64)> = rows(&out, "web").iter().filter(|r| r.elb_502 > 0).map(|r| (r.time_s, r.elb_502)).collect();
    assert_eq!(minute_502, vec![(300, g.figures.tally.elb_502)], "502s per minute");
    assert!(g.figures.tally.elb_502 > 0 && g.figures.tally.elb_502 <= 8, "502s: {}", g.figures.tally.elb_502);
    assert_eq!((g.figures.tally.elb_503, g.figures.tally.elb_504, g.figures.tally.target_5xx), (0, 0, 0));
    let stopped: Vec<&Ev> = evs.iter().filter(|e| e.kind == EventKind::Stopped && e.source == "app").collect();
    assert_eq!(stopped.len(), 1);
    assert_eq!((stopped[0].us, stopped[0].reason.as_str()), (us(300.0), "TerminationNotice"));
    let killed = stopped[0].task;
    let placed = evs.iter().find(|e| e.kind == EventKind::Placed && e.us >= us(300.0)).expect("a replacement is placed");
    assert_eq!(placed.us, us(300.0));
    assert_ne!(placed.task, killed);
    let (_, running) = evs.iter().filter(|e| e.kind == EventKind::Running && e.task == placed.task).map(|e| (e.task, e.us)).next().unwrap();
    assert_eq!(running, us(310.0), "placed at 300 s, RUNNING 10 s later");
    let minute = out.recorder.service_minutes.iter().find(|m| m.service == "app" && m.time_s == 300).unwrap();
    assert_eq!((minute.running, minute.healthy), (3, 3));
}

// ---------------------------------------------------------------------------------------------
// Deregistration delay (docs/ecs-model.md#deregistration-on-stop, docs/ecs-model.md#deregistration-delay)
// ---------------------------------------------------------------------------------------------

/// Four tasks (1 worker, 10 s per request), the access log `fixtures/alb/long-requests.log`
/// (one /warmup request at t = 0 that a rule answers itself, then four /work requests at 100 s),
/// and desired 4 → 2 at 105 s; the target group's deregistration delay is `delay`.
fn long_requests(delay: &str) -> RunOutcome {
    let tg = format!("\n[[target_groups]]\nname = \"web\"\nport = 80\nderegistration_delay = \"{delay}\"\n");
    let s = load_parts(
        "alb_sim",
        &[
            &head("deregistration-delay", "4m", 1),
            &cluster(),
            &tg,
            r#"
[[task_definitions]]
name = "slow"
family = "slow"
cpu = 1024
memory = 2048
dynamic_ports = 1
serving = { concurrency = 1, service_time = { distribution = "constant", value = "10s" } }

[[load_balancers]]
name = "web"

[[load_balancers.listeners]]
port = 80
default_action = { forward = "web" }

[[load_balancers.listeners.rules]]
priority = 1
path_pattern = ["/warmup"]
action = { fixed_response = 200 }

[[services]]
name = "slow"
task_definition = "slow"
desired_count = 4
load_balancers = [{ target_group = "web", container_port = 80 }]

[[traffic]]
name = "replay"
access_log = "fixtures/alb/long-requests.log"

[[actions]]
action = "update_service"
at = "105s"
service = "slow"
desired_count = 2
"#,
        ],
    );
    run(&s)
}

#[test]
fn deregistration_delay_lets_in_flight_requests_finish_or_cuts_them() {
    // All four targets are healthy from 10.01 s. At 100 s round robin gives each target one of
    // the four /work requests; they would finish at 110 s. At 105 s two tasks are told to stop:
    // their targets drain (no new requests), and what is still in flight when the delay D runs
    // out is cut with a 502 (docs/ecs-model.md#deregistration-delay). ECS waits the full delay before SIGTERM
    // (docs/ecs-model.md#deregistration-on-stop).
    // * D = 15 s: the requests finish at 110 s < 105 + 15 → no 502, 4 answered; the tasks are
    //   STOPPING at 105 + 15 = 120 s although draining finished at 110 s (docs/ecs-model.md#choice-full-deregistration-delay).
    // * D = 3 s: cut at 108 s < 110 s → 2 × 502, 2 answered.
    // * D = 0: cut at 105 s → 2 × 502.
    // The /warmup request is answered by the listener rule (fixed response 200): 5 requests in all.
    for (delay, cut, stopping_at) in [("15s", 0, 120.0), ("3s", 2, 108.0), ("0s", 2, 105.0)] {
        let out = long_requests(delay);
        let t = traffic(&out);
        let g = group(&out, "web");
        assert_eq!((source(&out, "replay"), t.figures.requests), (5, 5), "D = {delay}");
        assert_eq!((g.request_count, g.figures.tally.elb_502, g.figures.tally.target_2xx), (4, cut, 4 - cut), "D = {delay}");
        let evs = events(&out);
        let stopping: Vec<u64> = evs.iter().filter(|e| e.kind == EventKind::Stopping).map(|e| e.us).collect();
        assert_eq!(stopping, vec![us(stopping_at); 2], "D = {delay}: STOPPING after the full delay");
    }
}

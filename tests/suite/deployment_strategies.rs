//! Blue/green, linear and canary deployments (docs/ecs-model.md#blue-green-deployments): the four
//! lessons of scenarios/lessons/services/ checked against their runs with the numbers derived in
//! each test's comment, and the settings' rules in the scenario TOML and the create-service JSON.

use crate::common::{error_with_help_at, events, load, load_err, load_parts, run, scenario_path};
use ecsim::sim::recorder::{DeploymentRow, EventKind};
use ecsim::sim::RunOutcome;

const BLUE_GREEN: &str = "scenarios/lessons/services/blue-green-test-listener.toml";

fn deployment<'a>(out: &'a RunOutcome, service: &str, id: u32) -> &'a DeploymentRow {
    out.recorder.deployments.iter().find(|d| d.service == service && d.deployment == id).expect("a deployment row")
}

/// (time s, state, detail) of the deployment events of `service`.
fn deployment_events(out: &RunOutcome) -> Vec<(f64, String, String)> {
    events(out).into_iter().filter(|e| e.kind == EventKind::Deployment).map(|e| (e.us as f64 / 1e6, e.reason, e.detail)).collect()
}

/// alb.csv's forward_weight_pct of `group`, per minute.
fn weights(out: &RunOutcome, group: &str) -> Vec<(u64, Option<f64>)> {
    let rows = &out.traffic.as_ref().unwrap().rows;
    rows.iter().filter(|r| r.target_group == group).map(|r| (r.minute, r.forward_weight_pct.flatten())).collect()
}

fn requests_to(out: &RunOutcome, group: &str) -> (u64, u64) {
    let rows = &out.traffic.as_ref().unwrap().rows;
    rows.iter().filter(|r| r.target_group == group).fold((0, 0), |(n, e), r| (n + r.request_count, e + r.target_5xx))
}

/// blue-green-test-listener.toml: UpdateService at 600 s. web:1 is the only service revision
/// ACTIVE, so the deployment starts at PRE_SCALE_UP (RECONCILE_SERVICE only comes with more
/// than one); green's 6 tasks start (20 s) and are healthy at their first check at 620.01 s →
/// POST_SCALE_UP, TEST_TRAFFIC_SHIFT and POST_TEST_TRAFFIC_SHIFT at 620.01; the hook answers
/// IN_PROGRESS at 620.01 and 650.01 (callBackDelay 30 s), SUCCEEDED at 680.01 (60 s after the
/// first); production moves at 680.01, BAKE_TIME 680.01 + 5 min = 980.01 → CLEAN_UP and
/// COMPLETED: 380.01 s, 12 tasks at the peak, every request answered without error. alb.csv
/// (the production rule's weights): web-green 0 % until minute 10, 100 % from minute 11 (the
/// minute 660–720 s ends after the shift at 680 s); before minute 10 no rule forwards to
/// web-green (empty), and at 600 s PRE_SCALE_UP gave it its 0 % share.
///
/// Test traffic: the test listener (port 8080, rule "web/8080/default") moves to green at
/// 620.01 s, production (port 80) only at 680.01. In minute 10 (600–660 s) web-green serves
/// only the testers' requests from 620.01 s: 5/s × 39.99 s ≈ 200 (Poisson, σ ≈ 14: 150–250);
/// without the testers source it serves none before production moves.
#[test]
fn blue_green_runs_its_stages_in_order_with_the_hook_and_the_bake_time() {
    let out = run(&load(BLUE_GREEN));
    let d = deployment(&out, "web", 1);
    assert_eq!((d.outcome.as_str(), d.duration_s, d.peak_tasks), ("COMPLETED", Some(380.01), 12), "{d:?}");
    assert_eq!(d.strategy.as_deref(), Some("BLUE_GREEN"));
    assert_eq!(
        d.stage_times.as_deref(),
        Some(
            "PRE_SCALE_UP@600;SCALE_UP@600;POST_SCALE_UP@620.01;TEST_TRAFFIC_SHIFT@620.01;\
             POST_TEST_TRAFFIC_SHIFT@620.01;PRODUCTION_TRAFFIC_SHIFT@680.01;POST_PRODUCTION_TRAFFIC_SHIFT@680.01;\
             BAKE_TIME@680.01;CLEAN_UP@980.01"
        )
    );
    let hooks: Vec<(f64, String)> = deployment_events(&out).into_iter().filter(|e| e.1.starts_with("HOOK_")).map(|e| (e.0, e.1)).collect();
    assert_eq!(hooks, [(620.01, "HOOK_IN_PROGRESS".into()), (650.01, "HOOK_IN_PROGRESS".into()), (680.01, "HOOK_SUCCEEDED".into())]);
    let green = weights(&out, "web-green");
    assert!(green.iter().filter(|w| w.0 < 10).all(|w| w.1.is_none()), "{green:?}");
    assert_eq!(green[10], (10, Some(0.0)));
    assert!(green.iter().filter(|w| w.0 >= 11).all(|w| w.1 == Some(100.0)), "{green:?}");
    let t = out.traffic.as_ref().unwrap();
    assert_eq!((t.figures.tally.target_5xx, t.figures.elb_5xx), (0, 0));
    // Blue is kept through the bake time: its targets leave web-blue only after 980 s.
    let blue_requests_after_shift: u64 =
        t.rows.iter().filter(|r| r.target_group == "web-blue" && r.minute >= 12).map(|r| r.request_count).sum();
    assert_eq!(blue_requests_after_shift, 0, "production traffic all went to green at 680 s");
    // Test traffic reaches green before production does.
    let test_shift = deployment_events(&out).into_iter().find(|e| e.1 == "TEST_TRAFFIC_100").expect("the test rule moved");
    assert_eq!(test_shift.0, 620.01);
    assert!(test_shift.2.contains("web/8080/default"), "{test_shift:?}");
    let green_in_minute_10 = |out: &RunOutcome| {
        let rows = &out.traffic.as_ref().unwrap().rows;
        rows.iter().filter(|r| r.target_group == "web-green" && r.minute == 10).map(|r| r.request_count).sum::<u64>()
    };
    let tested = green_in_minute_10(&out);
    assert!((150..=250).contains(&tested), "{tested} test requests served by green before production moved");
    let text = std::fs::read_to_string(crate::common::repo(BLUE_GREEN)).unwrap();
    let without_testers = text[..text.find("# A smoke test's requests").unwrap()].to_string() + &text[text.find("[[actions]]").unwrap()..];
    let production_only = run(&load_parts("no-testers", &[&without_testers]));
    assert_eq!(green_in_minute_10(&production_only), 0, "production stays on blue until PRODUCTION_TRAFFIC_SHIFT");
}

/// canary-alarm-rollback.toml: 10 % of 600 requests/s reach web-green from 620.01 s; by the
/// alarm evaluation at 660 s that is 600 × 0.1 × 39.99 s ≈ 2,400 requests (Poisson: ±10 %),
/// 20 % of which fail (≈ 480 > 50) → Green5xx in ALARM at 660 s, during the canary's 5-minute
/// bake: ecs-svc/1 FAILED at 660 s in PRODUCTION_TRAFFIC_SHIFT with 10 % of production on it,
/// traffic back to blue at once, and the rollback to web:1 completes once green is gone. The
/// bad revision saw ≈ 2,400 requests — against ≈ 18,000 (a third to a half of 600/s for a
/// minute) under the rolling update of alarm-5xx-rollback.toml.
#[test]
fn a_canary_alarm_during_its_bake_time_rolls_back_after_few_requests() {
    let out = run(&load("scenarios/lessons/services/canary-alarm-rollback.toml"));
    let d = deployment(&out, "web", 1);
    assert_eq!((d.outcome.as_str(), d.ended_s, d.stage.as_deref()), ("FAILED", Some(660.0), Some("PRODUCTION_TRAFFIC_SHIFT")));
    assert_eq!(d.production_traffic_pct, Some(Some(10.0)));
    let rollback = deployment(&out, "web", 2);
    assert_eq!((rollback.task_definition.as_str(), rollback.outcome.as_str()), ("web:1", "COMPLETED"), "{rollback:?}");
    let (seen, failed) = requests_to(&out, "web-green");
    assert!((2160..=2640).contains(&seen), "{seen} requests reached web:2");
    assert!((seen as f64 * 0.15..=seen as f64 * 0.25).contains(&(failed as f64)), "{failed} of {seen} failed");
    let back = deployment_events(&out).into_iter().find(|e| e.2.contains("back to blue")).expect("traffic moved back");
    assert_eq!(back.0, 660.0);
    assert!(weights(&out, "web-green").iter().filter(|w| w.0 >= 11).all(|w| w.1 == Some(0.0)));
}

/// linear-vs-rolling.toml. LINEAR 25 % every 2 min: green healthy at 620.01, then 25 % at
/// 620.01, 50 % at 740.01, 75 % at 860.01, 100 % at 980.01 (no bake after 100 %), bake 5 min →
/// CLEAN_UP at 1280.01: 680.01 s with 12 tasks. alb.csv, at each minute's end: minutes 10–11
/// 25 %, 12–13 50 %, 14–15 75 %, 16 on 100 %. Rolling 100/150 on the same traffic: 3 new tasks,
/// then 3 more as the old ones drain (30 s deregistration delay): ≈ 100 s, at most 9 tasks.
/// Requests web:2 served through linear-green before 980 s ≈ 600 × 120 × (0.25 + 0.5 + 0.75)
/// = 108,000 (+ the 20 s of 25 % in minute 10 from 620 s... counted from 620: ≈ 108,000).
#[test]
fn linear_moves_traffic_in_steps_and_holds_both_revisions_longer_than_rolling() {
    let out = run(&load("scenarios/lessons/services/linear-vs-rolling.toml"));
    let linear = deployment(&out, "linear", 1);
    assert_eq!((linear.duration_s, linear.peak_tasks, linear.outcome.as_str()), (Some(680.01), 12, "COMPLETED"));
    let rolling = deployment(&out, "rolling", 1);
    assert_eq!((rolling.peak_tasks, rolling.outcome.as_str(), rolling.strategy.as_deref()), (9, "COMPLETED", Some("ROLLING")));
    assert!(rolling.duration_s.unwrap() < 120.0, "{rolling:?}");
    let steps: Vec<Option<f64>> = weights(&out, "linear-green").into_iter().filter(|w| (10..=16).contains(&w.0)).map(|w| w.1).collect();
    assert_eq!(steps, [25.0, 25.0, 50.0, 50.0, 75.0, 75.0, 100.0].map(Some));
    let rows = &out.traffic.as_ref().unwrap().rows;
    let green_before_100: u64 = rows.iter().filter(|r| r.target_group == "linear-green" && r.time_s < 960).map(|r| r.request_count).sum();
    assert!((97_000..=119_000).contains(&green_before_100), "{green_before_100}");
}

/// blue-green-does-not-fit.toml: 2 × m5.xlarge hold 8 tasks of 1 vCPU; blue uses 6, so 2 green
/// tasks are placed at 600 s and 4 wait in PROVISIONING. Managed scaling at 660 s launches a
/// third instance (60 s + 30 s agent → 750 s); the 4 tasks run at 770 s: SCALE_UP ends at
/// 770.01, bake ends 1070.01 → COMPLETED after 470.01 s (90 s more than with room).
#[test]
fn a_blue_green_that_does_not_fit_waits_for_managed_scaling() {
    let out = run(&load("scenarios/lessons/services/blue-green-does-not-fit.toml"));
    let d = deployment(&out, "web", 1);
    assert_eq!((d.outcome.as_str(), d.duration_s, d.peak_tasks), ("COMPLETED", Some(470.01), 12), "{d:?}");
    assert!(d.stage_times.as_deref().unwrap().contains("SCALE_UP@600;POST_SCALE_UP@770.01"), "{d:?}");
    let waiting = events(&out).into_iter().find(|e| e.us == 600_000_000 && e.detail.contains("4 tasks in PROVISIONING"));
    assert!(waiting.is_some(), "4 green tasks wait for capacity");
    let launched = events(&out).into_iter().filter(|e| e.detail.contains("launches a m5.xlarge")).map(|e| e.us / 1_000_000).next();
    assert_eq!(launched, Some(660));
}

/// The lesson with its hook answering FAILED after its minute IN_PROGRESS: at 680.01 the
/// deployment FAILS at POST_TEST_TRAFFIC_SHIFT (production never moved: 0 %), the rollback
/// stops green, and no production request ever reached web-green. Only the testers' did, from
/// the test traffic shift at 620.01 s to the rollback at 680.01 s: 5/s × 60 s = 300 (Poisson,
/// σ ≈ 17: 240–360); without the testers, none.
#[test]
fn a_failed_hook_rolls_back_before_production_traffic_moves() {
    let text = std::fs::read_to_string(crate::common::repo(BLUE_GREEN))
        .unwrap()
        .replace("in_progress_for = \"1m\"", "in_progress_for = \"1m\", answer = \"FAILED\"");
    let out = run(&load_parts("failed-hook", &[&text]));
    let d = deployment(&out, "web", 1);
    assert_eq!((d.outcome.as_str(), d.ended_s, d.stage.as_deref()), ("FAILED", Some(680.01), Some("POST_TEST_TRAFFIC_SHIFT")));
    assert_eq!(d.reason, "lifecycle hook smoke-test failed at POST_TEST_TRAFFIC_SHIFT.");
    assert_eq!(deployment(&out, "web", 2).outcome, "COMPLETED");
    let test_requests = requests_to(&out, "web-green").0;
    assert!((240..=360).contains(&test_requests), "{test_requests}");
    assert!(weights(&out, "web-green").iter().all(|w| w.1.unwrap_or(0.0) == 0.0), "production never moved");
    let cut = |t: &str| t[..t.find("# A smoke test's requests").unwrap()].to_string() + &t[t.find("[[actions]]").unwrap()..];
    let production_only = run(&load_parts("failed-hook-no-testers", &[&cut(&text)]));
    assert_eq!(requests_to(&production_only, "web-green").0, 0);
}

/// A headless service (no load balancer): the stages run, ECS shifts no traffic, and blue's
/// tasks run beside green's until the bake time ends. Without a load balancer or a container
/// health check a task is healthy 40 s after RUNNING: green at 620 + 40 = 660 s, bake 2 min →
/// CLEAN_UP and COMPLETED at 780 s, 12 tasks from 600 s to 780 s.
#[test]
fn a_headless_blue_green_keeps_blue_until_the_bake_time_ends() {
    let text = std::fs::read_to_string(crate::common::repo(BLUE_GREEN))
        .unwrap()
        .replace("bake_time_in_minutes = 5, lifecycle_hooks = [{ hook_target_arn = \"smoke-test\", lifecycle_stages = [\"POST_TEST_TRAFFIC_SHIFT\"], in_progress_for = \"1m\" }]", "bake_time_in_minutes = 2")
        .replace("load_balancers = [{ target_group = \"web-blue\", container_port = 80, alternate_target_group = \"web-green\", production_listener_rule = \"web/80/default\", test_listener_rule = \"web/8080/default\" }]", "");
    let text = text[..text.find("[[traffic]]").unwrap()].to_string() + &text[text.find("[[actions]]").unwrap()..];
    let out = run(&load_parts("headless", &[&text]));
    let d = deployment(&out, "web", 1);
    assert_eq!((d.outcome.as_str(), d.ended_s, d.peak_tasks), ("COMPLETED", Some(780.0), 12), "{d:?}");
    assert!(deployment_events(&out).iter().any(|e| e.2.contains("headless")));
}

/// The settings' rules, located where the value is written.
#[test]
fn strategy_settings_are_checked_with_ecs_rules() {
    let text = std::fs::read_to_string(crate::common::repo(BLUE_GREEN)).unwrap();
    let line = |needle: &str| text.lines().position(|l| l.contains(needle)).unwrap() + 1;
    let path = scenario_path("bad-strategy");
    // BLUE_GREEN without bakeTimeInMinutes.
    let bad = text.replace("bake_time_in_minutes = 5, ", "");
    let e = load_err(&path, &bad);
    error_with_help_at(&e, (line("strategy = \"BLUE_GREEN\""), 27), "bakeTimeInMinutes is required for the BLUE_GREEN deployment strategy");
    // A hook at a stage that takes none, and a step percent out of range.
    let bad = text.replace("[\"POST_TEST_TRAFFIC_SHIFT\"]", "[\"BAKE_TIME\"]");
    assert!(load_err(&path, &bad).to_string().contains("lifecycle stage BAKE_TIME takes no hook"));
    let bad =
        text.replace("strategy = \"BLUE_GREEN\", bake_time_in_minutes = 5,", "strategy = \"LINEAR\", linear = { step_percent = 2.5 },");
    assert!(load_err(&path, &bad).to_string().contains("step_percent 2.5 is not a multiple of 0.1 from 3.0 to 100.0"));
    // canary settings with the LINEAR strategy; no alternate target group.
    let bad =
        text.replace("strategy = \"BLUE_GREEN\", bake_time_in_minutes = 5,", "strategy = \"LINEAR\", canary = { canary_percent = 5.0 },");
    assert!(load_err(&path, &bad).to_string().contains("canaryConfiguration is only valid with strategy CANARY, not LINEAR"));
    let bad = text.replace(", alternate_target_group = \"web-green\"", "");
    assert!(load_err(&path, &bad)
        .to_string()
        .contains("a BLUE_GREEN deployment needs an alternate target group for target group \"web-blue\""));
    // A listener rule the scenario does not define (a typo of the port), located at its value.
    let rule_at = |t: &str| {
        let l = line("test_listener_rule = ");
        (l, t.lines().nth(l - 1).unwrap().find("\"web/8080/default\"").map_or(0, |c| c + 1))
    };
    let at = rule_at(&text);
    let bad = text.replace("test_listener_rule = \"web/8080/default\"", "test_listener_rule = \"web/8081/default\"");
    let e = load_err(&path, &bad);
    let err = error_with_help_at(&e, at, "test_listener_rule \"web/8081/default\" is no listener rule of the scenario");
    assert_eq!(err.help.as_deref(), Some("did you mean \"web/8080/default\"?"));
    // The test listener's rule must forward to the service's target group.
    let bad = text.replacen(
        "port = 8080\nprotocol = \"HTTP\"\ndefault_action = { forward = \"web-blue\" }",
        "port = 8080\nprotocol = \"HTTP\"\ndefault_action = { forward = \"web-green\" }",
        1,
    );
    assert!(load_err(&path, &bad)
        .to_string()
        .contains("test_listener_rule \"web/8080/default\" does not forward to the service's target group \"web-blue\""));
}

/// A create-service JSON with ECS's own fields: LINEAR 20 % every 3 min, bake 15, a hook at two
/// stages, and the load balancer's advancedConfiguration; the same rules as the scenario, each
/// error located at its value (line 3: stepPercent 2.5).
#[test]
fn create_service_json_reads_the_strategy_hooks_and_alternate_target_group() {
    use ecsim::ecs::service::{DeploymentStrategy, LifecycleStage};
    use ecsim::scenario::ecs_json::load_service;
    let json = r#"{"serviceName": "web", "desiredCount": 4,
  "deploymentConfiguration": {"strategy": "LINEAR", "bakeTimeInMinutes": 15,
    "linearConfiguration": {"stepPercent": 20.0, "stepBakeTimeInMinutes": 3},
    "lifecycleHooks": [{"hookTargetArn": "arn:aws:lambda:us-east-1:1:function:check", "roleArn": "arn:aws:iam::1:role/r",
      "lifecycleStages": ["PRE_SCALE_UP", "POST_PRODUCTION_TRAFFIC_SHIFT"]}]},
  "loadBalancers": [{"targetGroupArn": "arn:tg/blue", "containerName": "app", "containerPort": 80,
    "advancedConfiguration": {"alternateTargetGroupArn": "arn:tg/green", "productionListenerRule": "arn:rule/prod",
      "testListenerRule": "arn:rule/test", "roleArn": "arn:aws:iam::1:role/elb"}}]}"#;
    let (s, _) = load_service(std::path::Path::new("web.json"), json).unwrap_or_else(|d| panic!("{d}"));
    let d = &s.deployment;
    assert_eq!(
        (d.strategy, d.bake_time_min, d.linear.step_permille, d.linear.step_bake_time_min),
        (DeploymentStrategy::Linear, 15, 200, 3)
    );
    assert_eq!(d.lifecycle_hooks[0].lifecycle_stages, [LifecycleStage::PreScaleUp, LifecycleStage::PostProductionTrafficShift]);
    let advanced = s.load_balancers[0].advanced.as_ref().unwrap();
    assert_eq!(
        (advanced.alternate_target_group_arn.as_str(), advanced.test_listener_rule.as_deref()),
        ("arn:tg/green", Some("arn:rule/test"))
    );
    let bad = json.replace("\"stepPercent\": 20.0", "\"stepPercent\": 2.5");
    let e = load_service(std::path::Path::new("web.json"), &bad).unwrap_err();
    let err = e.0.iter().find(|d| d.message.contains("stepPercent 2.5 is not a multiple of 0.1 from 3.0 to 100.0")).expect("located error");
    assert_eq!(err.line, 3);
    let bad = json.replace("\"strategy\": \"LINEAR\", ", "\"strategy\": \"BLUE_GREEN\", ");
    assert!(load_service(std::path::Path::new("web.json"), &bad)
        .unwrap_err()
        .to_string()
        .contains("linearConfiguration is only valid with strategy LINEAR, not BLUE_GREEN"));
}

/// The circuit breaker counts green tasks that fail to start: web:2's tasks stop 20 s after
/// launch without reaching RUNNING. desiredCount 6 → threshold max(3, ceil(0.5 × 6)) = 3; the 6
/// green tasks launched at 600 s all fail at 620 s, the 3rd trips it: ecs-svc/1 FAILED at 620 s
/// in SCALE_UP (production never moved), rolled back to web:1 whose 6 tasks never stopped.
#[test]
fn the_circuit_breaker_counts_green_tasks_that_fail_to_start() {
    let text = std::fs::read_to_string(crate::common::repo(BLUE_GREEN)).unwrap();
    let v2 = text.find("name = \"web-v2\"").unwrap();
    let (head, tail) = text.split_at(v2);
    let tail = tail.replacen("behaviour = { exit_after_sigterm = \"2s\" }", "behaviour = { fails_to_start_after = \"20s\" }", 1);
    let text = (head.to_string() + &tail).replace(
        "deployment = { strategy = \"BLUE_GREEN\",",
        "deployment = { circuit_breaker = { enable = true, rollback = false }, strategy = \"BLUE_GREEN\",",
    );
    let out = run(&load_parts("breaker", &[&text]));
    let d = deployment(&out, "web", 1);
    assert_eq!((d.outcome.as_str(), d.ended_s, d.failed_tasks, d.stage.as_deref()), ("FAILED", Some(620.0), 3, Some("SCALE_UP")), "{d:?}");
    assert_eq!(d.reason, "ECS deployment circuit breaker: tasks failed to start.");
    let rollback = deployment(&out, "web", 2);
    assert_eq!(
        (rollback.task_definition.as_str(), rollback.outcome.as_str()),
        ("web:1", "COMPLETED"),
        "a staged deployment always returns to blue"
    );
    assert_eq!(out.traffic.as_ref().unwrap().figures.tally.target_5xx, 0);
    assert_eq!(requests_to(&out, "web-green").0, 0);
}

//! ECS behaviours fixed for issue 12, each run end to end through the binary on the bundled
//! lesson that shows it, with the figures of the lesson's header derived again here from the AWS
//! documentation:
//!
//! * a task that stops offers its room at once to the services waiting for resources, a waiting
//!   DAEMON first ("the daemon task is the first task launched on an instance"), and the service
//!   scheduler "is unable to consistently start tasks successfully" counts placement failures
//!   (scenarios/lessons/services/waiting-for-room.toml);
//! * `forceNewDeployment` with the same task definition replaces every task through the rolling
//!   update, within the `deployment` of the same UpdateService (force-new-deployment.toml);
//! * least outstanding requests breaks ties by registration order with `tie_break = "first"`
//!   (scenarios/lessons/alb/lor-first.toml);
//! * the launch throttle switched off or given its own delays (throttle-what-if.toml);
//! * deployments.csv keeps a rollback's reason, services.csv's last partial minute has its own
//!   `time_s`, events.csv's action rows are text.

use crate::common::{ecsim, repo};
use std::path::{Path, PathBuf};

/// Runs a scenario file through `ecsim run` into a fresh directory.
fn run_file(path: &Path) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let o = ecsim().args(["run", "--quiet", "--out"]).arg(tmp.path()).arg(path).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    tmp
}

fn run_lesson(lesson: &str) -> tempfile::TempDir {
    run_file(&repo(&format!("scenarios/lessons/{lesson}.toml")))
}

/// `ecsim check` on a scenario text: (stderr, success).
fn check_text(text: &str) -> (String, bool) {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("s.toml");
    std::fs::write(&path, text).unwrap();
    let o = ecsim().arg("check").arg(&path).output().unwrap();
    (String::from_utf8_lossy(&o.stderr).into_owned() + &String::from_utf8_lossy(&o.stdout), o.status.success())
}

/// One events.csv row: (time_s, event, task, service, the rest of the line).
fn events(dir: &Path) -> Vec<(f64, String, String, String, String)> {
    let text = std::fs::read_to_string(dir.join("events.csv")).unwrap();
    text.lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.splitn(6, ',').collect();
            (f[0].parse().unwrap(), f[2].to_string(), f[3].to_string(), f[4].to_string(), f[5].to_string())
        })
        .collect()
}

/// Times of `event` rows of `service`.
fn times(evs: &[(f64, String, String, String, String)], event: &str, service: &str) -> Vec<f64> {
    evs.iter().filter(|e| e.1 == event && e.3 == service).map(|e| e.0).collect()
}

/// Times at which `service` wrote a service event containing `text`.
fn message_times(evs: &[(f64, String, String, String, String)], service: &str, text: &str) -> Vec<f64> {
    evs.iter().filter(|e| e.1 == "service" && e.3 == service && e.4.contains(text)).map(|e| e.0).collect()
}

/// Tasks of `event` rows at `t`.
fn tasks_at(evs: &[(f64, String, String, String, String)], event: &str, t: f64) -> Vec<String> {
    evs.iter().filter(|e| e.1 == event && e.0 == t).map(|e| e.2.clone()).collect()
}

/// The rows of a CSV file as fields (no quoted commas in the files read this way).
fn csv(dir: &Path, file: &str) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(dir.join(file)).unwrap();
    text.lines().skip(1).map(|l| l.split(',').map(str::to_string).collect()).collect()
}

const UNABLE: &str = "is unable to consistently start tasks successfully.";

/// waiting-for-room: one m5.large (2,048 CPU units). web (2 × 1,024) fills it at 0 s; the DAEMON
/// agent (256) cannot be placed and waits. At 60 s a StopTask stops web's t-000000 (no load
/// balancer, deregistration delay 0 s, the application exits at once: STOPPED at 60 s).
/// * "When a task stops, services waiting for resources are re-evaluated at once": the agent is
///   placed at 60 s, not at the next 15 s tick (75 s), and before web's own replacement: it is
///   the first task launched on the freed room (docs/ecs-model.md#daemon-services).
/// * web then cannot place its replacement (1,024 − 256 = 768 units free): placement failures at
///   60 s (the StopTask's evaluation, before the room was freed), 60 s (after the agent took it)
///   and 75 s (the tick) → 3 consecutive launch failures → "service web is unable to
///   consistently start tasks successfully." at 75 s, once; the throttle then holds web.
/// * 10m30s: services.csv's last, partial minute starts at 600 s.
#[test]
fn a_stopped_task_s_room_goes_first_to_the_waiting_daemon_and_placement_failures_throttle() {
    let out = run_lesson("services/waiting-for-room");
    let evs = events(out.path());
    assert_eq!(times(&evs, "placed", "agent"), [60.0], "the daemon at the instant of the stop");
    assert_eq!(tasks_at(&evs, "placed", 60.0), ["t-000002"]);
    assert_eq!(times(&evs, "stopped", "web"), [60.0]);
    assert_eq!(times(&evs, "placed", "web"), [0.0, 0.0], "web's replacement never fits");
    assert_eq!(message_times(&evs, "web", UNABLE), [75.0]);
    assert_eq!(message_times(&evs, "agent", "has started 1 tasks"), [60.0]);
    // services.csv: 11 minutes per service, the last from 600 s (not 540 s again).
    let rows = csv(out.path(), "services.csv");
    let web: Vec<(String, String)> = rows.iter().filter(|r| r[2] == "web").map(|r| (r[0].clone(), r[1].clone())).collect();
    assert_eq!(web.len(), 11);
    assert_eq!(web[9], ("9".into(), "540".into()));
    assert_eq!(web[10], ("10".into(), "600".into()));
    // events.csv: the action is text.
    assert!(evs.iter().any(|e| e.0 == 60.0 && e.1 == "action" && e.4.ends_with("StopTask: task 0 (creation order) of service web")));
}

/// force-new-deployment: web desiredCount 4 (2 per instance), deregistration delay 30 s, start
/// 20 s, healthy 40 s after RUNNING. At 300 s UpdateService forceNewDeployment with the same
/// task definition and `deployment = { minimum_healthy_percent = 50, maximum_percent = 100 }`:
/// "the new deployment uses the same task definition; all old tasks are replaced" (UpdateService
/// forceNewDeployment), within minHealthy = ceil(4 × 50 %) = 2 and maxTotal = floor(4 × 100 %) = 4:
/// * 300 s: stop 4 − 2 = 2 old tasks (t-000000, t-000001), start none (4 in flight = max);
/// * 330 s: they are STOPPED (30 s draining) → start 2 (t-000004, t-000005), RUNNING 350 s,
///   healthy 390 s → stop the other 2 old (t-000002, t-000003) → STOPPED 420 s → start 2
///   (t-000006, t-000007), healthy 480 s → ecs-svc/1 COMPLETED at 480 s, 180 s after it started;
///   lowest healthy 2, peak 4 tasks.
#[test]
fn force_new_deployment_replaces_every_task_within_the_updated_percentages() {
    let out = run_lesson("services/force-new-deployment");
    let evs = events(out.path());
    assert_eq!(tasks_at(&evs, "deactivating", 300.0), ["t-000000", "t-000001"]);
    assert_eq!(tasks_at(&evs, "stopped", 330.0), ["t-000000", "t-000001"]);
    assert_eq!(tasks_at(&evs, "placed", 330.0), ["t-000004", "t-000005"]);
    assert_eq!(tasks_at(&evs, "deactivating", 390.0), ["t-000002", "t-000003"]);
    assert_eq!(tasks_at(&evs, "placed", 420.0), ["t-000006", "t-000007"]);
    let d: Vec<Vec<String>> = csv(out.path(), "deployments.csv");
    assert_eq!(d.len(), 2);
    // service, deployment, task_definition, started_s, ended_s, duration_s, outcome, reason,
    // desired, lowest_running, lowest_healthy, peak_tasks, failed_tasks
    assert_eq!(d[1][..7], ["web", "1", "web:1", "300.0", "480.0", "180.0", "COMPLETED"]);
    assert_eq!(d[1][8..12], ["4", "2", "2", "4"]);
    let action: Vec<&String> = evs.iter().filter(|e| e.1 == "action").map(|e| &e.4).collect();
    assert_eq!(action.len(), 1);
    assert!(
        action[0].ends_with("\"UpdateService web: minimumHealthyPercent 50, maximumPercent 100, forceNewDeployment\""),
        "{}",
        action[0]
    );
}

/// An update_service action's `deployment` loads (it used to fail with "invalid type: integer,
/// expected a spanned value"); one out of ECS's range (minimumHealthyPercent 0–100) is an error
/// located at its action. An empty `launch_throttle.delays` is an error at the list.
#[test]
fn an_update_service_deployment_is_validated_at_its_action() {
    let head = "[scenario]\nduration = \"10m\"\n\n[cluster]\nzones = [\"us-east-1a\"]\n\n[[cluster.instances]]\ntype = \"m5.large\"\ncount = 1\n\n\
                [[task_definitions]]\nname = \"t\"\ncpu = 256\nmemory = 512\n\n[[services]]\nname = \"web\"\ntask_definition = \"t\"\ndesired_count = 1\n\n";
    let good = format!("{head}[[actions]]\naction = \"update_service\"\nat = \"60s\"\nservice = \"web\"\ndeployment = {{ minimum_healthy_percent = 0, maximum_percent = 100 }}\n");
    let (text, ok) = check_text(&good);
    assert!(ok, "{text}");
    let bad = format!("{head}[[actions]]\naction = \"update_service\"\nat = \"60s\"\nservice = \"web\"\ndeployment = {{ minimum_healthy_percent = 150 }}\n");
    let (text, ok) = check_text(&bad);
    assert!(!ok);
    // The [[actions]] table starts on line 21.
    assert!(text.contains("s.toml:21:1: error: minimum_healthy_percent 150 is outside 0–100"), "{text}");
    let throttle = head.replace("desired_count = 1\n", "desired_count = 1\nlaunch_throttle = { delays = [] }\n");
    let (text, ok) = check_text(&throttle);
    assert!(!ok);
    assert!(text.contains("s.toml:20:30: error: delays is empty"), "{text}");
}

/// lor-first: one target group, least outstanding requests, 2 requests/s from 2 min, 10 ms
/// constant service time, one worker per task. The canary's task (every answer a 500) registers
/// first, web's two later. A request finds every target idle unless it arrives within 10 ms of
/// the previous one (probability 1 − e^(−2 × 0.01) ≈ 2 %). With `tie_break = "first"` a tie goes
/// to the first registered target — the canary — so ≈ 98 % of requests get a 500; with the
/// random tie break each idle target gets ≈ 1/3 (the same run, the line removed).
#[test]
fn least_outstanding_requests_breaks_ties_by_registration_order_with_tie_break_first() {
    let share_5xx = |dir: &Path| {
        let s: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap();
        let t = &s["traffic"];
        t["target_5xx"].as_f64().unwrap() / t["requests"].as_f64().unwrap()
    };
    let first = share_5xx(run_lesson("alb/lor-first").path());
    assert!(first > 0.95, "{first}");
    let text = std::fs::read_to_string(repo("scenarios/lessons/alb/lor-first.toml")).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let random = tmp.path().join("lor-random.toml");
    std::fs::write(&random, text.replace("tie_break = \"first\"\n", "")).unwrap();
    // ≈ 1,150 requests: binomial sd of a 1/3 share ≈ 0.014; 5 sd = 0.07.
    let random = share_5xx(run_file(&random).path());
    assert!((random - 1.0 / 3.0).abs() < 0.07, "{random}");
}

/// throttle-what-if: both services' tasks go PENDING → STOPPED 20 s after launch.
/// * no-throttle (`launch_throttle = { enabled = false }`): a launch every 20 s, 0 to 600 s
///   (31); the event still comes at the 3rd failure (60 s).
/// * own-schedule (`delays = ["0s", "60s", "120s"]`): launch 0 → fails 20 (f = 1, 0 s) → 20 →
///   fails 40 (f = 2, 60 s) → 100 → fails 120 (f = 3, 120 s; the event) → 240 → 380 → 520 (the
///   last delay repeats; the next, 660 s, is after the end).
#[test]
fn the_launch_throttle_can_be_switched_off_or_given_its_own_delays() {
    let out = run_lesson("services/throttle-what-if");
    let evs = events(out.path());
    let every_20: Vec<f64> = (0..=30).map(|i| i as f64 * 20.0).collect();
    assert_eq!(times(&evs, "placed", "no-throttle"), every_20);
    assert_eq!(message_times(&evs, "no-throttle", UNABLE), [60.0]);
    assert_eq!(times(&evs, "placed", "own-schedule"), [0.0, 20.0, 100.0, 240.0, 380.0, 520.0]);
    assert_eq!(message_times(&evs, "own-schedule", UNABLE), [120.0]);
}

/// circuit-breaker-rollback: the rollback deployment ecs-svc/2 completes at once (the original
/// tasks run its task definition); deployments.csv keeps why it was created.
#[test]
fn deployments_csv_keeps_a_rollback_s_reason() {
    let out = run_lesson("services/circuit-breaker-rollback");
    let text = std::fs::read_to_string(out.path().join("deployments.csv")).unwrap();
    let row = text.lines().find(|l| l.starts_with("web,2,")).expect("ecs-svc/2");
    assert!(
        row.contains(",COMPLETED,rolling back to deployment ecs-svc/0: ECS deployment circuit breaker: tasks failed to start.,"),
        "{row}"
    );
}

/// The new lessons are deterministic: two runs write byte-identical files.
#[test]
fn the_new_lessons_are_byte_identical_across_runs() {
    for lesson in ["services/waiting-for-room", "services/force-new-deployment", "services/throttle-what-if", "alb/lor-first"] {
        let read = |dir: &Path| {
            let mut files: Vec<(PathBuf, Vec<u8>)> = std::fs::read_dir(dir)
                .unwrap()
                .map(|e| e.unwrap().path())
                .filter(|p| p.is_file())
                .map(|p| (p.file_name().unwrap().into(), std::fs::read(&p).unwrap()))
                .collect();
            files.sort();
            files
        };
        let (a, b) = (run_lesson(lesson), run_lesson(lesson));
        assert_eq!(read(a.path()), read(b.path()), "{lesson}");
    }
}

//! Fargate on ARM64 and Auto Scaling groups on launch templates, through the library: the
//! lessons `scenarios/lessons/capacity/fargate-arm64.toml` and `launch-template-rollback.toml`,
//! and the located errors of their input.

use crate::common::{instance_events, repo, run};
use ecsim::ecs::instance_types::Architecture;
use ecsim::scenario::{self, ecs_json, Scenario};
use std::path::{Path, PathBuf};

fn lesson_path(name: &str) -> PathBuf {
    repo(&format!("scenarios/lessons/capacity/{name}.toml"))
}

fn lesson_text(name: &str) -> String {
    std::fs::read_to_string(lesson_path(name)).unwrap()
}

fn load_text(name: &str, text: &str) -> Result<Scenario, String> {
    scenario::load_str(&lesson_path(name), text).map_err(|d| d.to_string())
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

// ---------------------------------------------------------------- Fargate on ARM64

/// The lesson's arithmetic: 2 tasks × 1 vCPU / 2 GB × 1 h each, billed from PENDING (60 s) to the
/// end (3660 s). X86_64: 2 × (0.04048 + 2 × 0.004445) = $0.09874. ARM64: 2 × (0.03238 + 2 ×
/// 0.00356) = $0.07900. The report has one row per architecture.
#[test]
fn fargate_arm64_is_billed_at_linux_arm_prices() {
    let s = load_text("fargate-arm64", &lesson_text("fargate-arm64")).unwrap();
    assert_eq!(s.task_definitions[1].cpu_architecture, Architecture::Arm64);
    let out = run(&s);
    let cost = &out.capacity.cost;
    let row = |arch| cost.fargate.iter().find(|r| r.architecture == arch).unwrap();
    assert!(close(row(Architecture::X86_64).usd, 0.09874), "{cost:?}");
    assert!(close(row(Architecture::Arm64).usd, 0.079), "{cost:?}");
    assert!(close(row(Architecture::Arm64).vcpu_hours, 2.0) && close(row(Architecture::Arm64).gb_hours, 4.0));
    assert!(close(cost.fargate_usd, 0.17774), "{cost:?}");
    let per_service: Vec<f64> = out.capacity.service_cost_usd.iter().map(|c| c.unwrap()).collect();
    assert!(close(per_service[0], 0.09874) && close(per_service[1], 0.079), "{per_service:?}");
}

/// "Linux tasks with the ARM64 architecture don't support the Fargate Spot capacity provider."
#[test]
fn fargate_spot_refuses_arm64_task_definitions() {
    let text = lesson_text("fargate-arm64").replace(
        "task_definition = \"api-arm\"\ndesired_count = 2\nlaunch_type = \"FARGATE\"",
        "task_definition = \"api-arm\"\ndesired_count = 2\ncapacity_provider_strategy = [{ capacity_provider = \"FARGATE_SPOT\", weight = 1 }]",
    );
    let e = load_text("fargate-arm64", &text).unwrap_err();
    assert!(e.contains("service \"api-arm\" uses FARGATE_SPOT: task definition \"api-arm\" is ARM64"), "{e}");
    assert!(e.contains("fargate-arm64.toml:"), "{e}");
    let bad = lesson_text("fargate-arm64").replace("cpu_architecture = \"ARM64\"", "cpu_architecture = \"arm64\"");
    let e = load_text("fargate-arm64", &bad).unwrap_err();
    assert!(e.contains("unknown cpu architecture \"arm64\"") && e.contains("use \"X86_64\" or \"ARM64\""), "{e}");
}

#[test]
fn register_task_definition_json_reads_runtime_platform() {
    let json = r#"{"family": "api", "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"], "cpu": "1024", "memory": "2048",
        "runtimePlatform": {"cpuArchitecture": "ARM64", "operatingSystemFamily": "LINUX"},
        "containerDefinitions": [{"name": "app", "image": "app", "essential": true}]}"#;
    let (td, _) = ecs_json::load_task_definition(Path::new("td.json"), json).unwrap_or_else(|d| panic!("{d}"));
    assert_eq!(td.cpu_architecture, Architecture::Arm64);
    let bad = json.replace("\"ARM64\"", "\"ARM\"");
    let e = ecs_json::load_task_definition(Path::new("td.json"), &bad).unwrap_err().to_string();
    assert!(e.contains("runtimePlatform.cpuArchitecture") || e.contains("td.json:2:"), "{e}");
    assert!(e.contains("unknown cpu architecture \"ARM\""), "{e}");
}

// ---------------------------------------------------------------- launch templates

/// The lesson: A (version 2, m5.xlarge) at t = 0, B (version 1, m5.large, the default again
/// since 10 min) at 15 min; at 30 min OldestLaunchTemplate terminates B, the older version,
/// though A is the older instance. With OldestInstance, A goes. Cost with OldestLaunchTemplate:
/// A 1860 s × $0.192/h = $0.0992, B 900 s × $0.096/h = $0.0240.
#[test]
fn oldest_launch_template_terminates_the_oldest_version_not_the_oldest_instance() {
    let out = run(&load_text("launch-template-rollback", &lesson_text("launch-template-rollback")).unwrap());
    let ev = instance_events(&out);
    let launch = ev.iter().find(|e| e.1 == "LAUNCHING").unwrap();
    assert_eq!(launch.0, 900.0);
    assert!(launch.2.contains("launches a m5.large in us-east-1a from launch template ecs-node version 1 ($Default)"), "{launch:?}");
    let types: Vec<&str> = out.cluster.instances.iter().map(|i| i.instance_type.as_str()).collect();
    assert_eq!(types, ["m5.xlarge", "m5.large"]);
    let terminated: Vec<(f64, &str)> = ev.iter().filter(|e| e.1 == "TERMINATED").map(|e| (e.0, e.3.as_str())).collect();
    assert_eq!(terminated, [(1800.0, "i-00ec5100000000001")]);
    let cost = &out.capacity.cost;
    assert!(close(cost.ec2_usd, 0.0992 + 0.024), "{cost:?}");

    let text = lesson_text("launch-template-rollback").replace("[\"OldestLaunchTemplate\"]", "[\"OldestInstance\"]");
    let out = run(&load_text("launch-template-rollback", &text).unwrap());
    let terminated: Vec<String> = instance_events(&out).into_iter().filter(|e| e.1 == "TERMINATED").map(|e| e.3).collect();
    assert_eq!(terminated, ["i-00ec5100000000000"]);
}

/// "$Latest" follows a version created during the run: version 2 (m5.xlarge) appears at 10 min,
/// so the launch at 15 min is an m5.xlarge from version 2.
#[test]
fn latest_follows_a_version_created_during_the_run() {
    let text = lesson_text("launch-template-rollback")
        .replace("{ instance_type = \"m5.large\", default_at = \"10m\" }", "{ instance_type = \"m5.large\" }")
        .replace("{ instance_type = \"m5.xlarge\", default_at = \"0s\" }", "{ instance_type = \"m5.xlarge\", at = \"10m\" }")
        .replace("version = \"$Default\"", "version = \"$Latest\"");
    let out = run(&load_text("launch-template-rollback", &text).unwrap());
    let types: Vec<&str> = out.cluster.instances.iter().map(|i| i.instance_type.as_str()).collect();
    assert_eq!(types, ["m5.large", "m5.xlarge"]);
    let launch = instance_events(&out).into_iter().find(|e| e.1 == "LAUNCHING").unwrap();
    assert!(launch.2.contains("from launch template ecs-node version 2 ($Latest)"), "{launch:?}");
}

#[test]
fn bad_launch_template_references_are_located_errors() {
    let base = lesson_text("launch-template-rollback");
    let e =
        load_text("launch-template-rollback", &base.replace("name = \"ecs-node\", version", "name = \"ecs-nodes\", version")).unwrap_err();
    assert!(e.contains("no launch template is named \"ecs-nodes\"") && e.contains("defined: [\"ecs-node\"]"), "{e}");
    let e = load_text("launch-template-rollback", &base.replace("version = \"$Default\"", "version = 3")).unwrap_err();
    assert!(e.contains("launch template \"ecs-node\" has no version 3 (it has 2)"), "{e}");
    let e = load_text("launch-template-rollback", &base.replace("version = \"$Default\"", "version = \"latest\"")).unwrap_err();
    assert!(e.contains("\"latest\" is not a launch template version"), "{e}");
    let e = load_text("launch-template-rollback", &base.replace("lt-0123456789abcdef0", "lt-xyz")).unwrap_err();
    assert!(e.contains("\"lt-xyz\" is not a launch template id"), "{e}");
    assert!(e.contains("launch-template-rollback.toml:"), "{e}");
}

//! The worked examples of docs/ecs-model.md#placement-examples, reproduced with `ecsim place` on the files an ECS user
//! has (scenarios/lessons/placement/*): the commands of that folder's README, checked.

use crate::common::{ecsim, repo};
use serde_json::Value;

fn place(args: &[&str]) -> Value {
    let dir = repo("scenarios/lessons/placement");
    let out = ecsim().current_dir(&dir).arg("place").args(args).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// EC2 instance ids of the placed tasks, in placement order.
fn placed(v: &Value) -> Vec<String> {
    v["tasks"].as_array().unwrap().iter().map(|t| t["ec2InstanceId"].as_str().unwrap().to_string()).collect()
}

#[test]
fn binpack_memory_example_binpack_memory_places_on_i_2() {
    // i-4 has 768 MiB < 1024: filtered. Remaining memory 4096, 1024, 2048 → least is i-2.
    let v = place(&[
        "--instances",
        "binpack-memory/instances.json",
        "--task-definition",
        "binpack-memory/taskdef.json",
        "--strategy",
        r#"[{"type":"binpack","field":"memory"}]"#,
    ]);
    assert_eq!(placed(&v), ["i-2"]);
    assert_eq!(v["explanation"][0]["rejected"][0]["instance"], "i-4");
    assert_eq!(v["explanation"][0]["rejected"][0]["reason"], "RESOURCE:MEMORY");
}

#[test]
fn spread_then_binpack_example_spread_az_then_binpack_memory_places_on_i_5() {
    // Service tasks a 2, b 1, c 1 → keep b and c: {i-3 2048, i-4 1500, i-5 1200} → i-5.
    let v = place(&[
        "--instances",
        "spread-zone-then-binpack/instances.json",
        "--tasks",
        "spread-zone-then-binpack/tasks.json",
        "--task-definition",
        "spread-zone-then-binpack/taskdef.json",
        "--group",
        "service:web",
        "--strategy",
        r#"[{"type":"spread","field":"attribute:ecs.availability-zone"},{"type":"binpack","field":"memory"}]"#,
    ]);
    assert_eq!(placed(&v), ["i-5"]);
    let az = &v["explanation"][0]["steps"][0]["ranking"];
    let counts: Vec<(String, u64)> =
        az.as_array().unwrap().iter().map(|r| (r["value"].as_str().unwrap().to_string(), r["score"].as_u64().unwrap())).collect();
    assert_eq!(counts, [("us-east-1b".to_string(), 1), ("us-east-1c".to_string(), 1), ("us-east-1a".to_string(), 2)]);
}

#[test]
fn empty_zone_example_default_service_strategy_never_uses_the_empty_zone() {
    // t1 → i-1; t2 → i-3 (b has 0); t3 → i-2 (a1 b1, i-2 empty); t4 → i-3; t5 → i-1.
    let v = place(&[
        "--instances",
        "default-spread-empty-zone/instances.json",
        "--task-definition",
        "default-spread-empty-zone/taskdef.json",
        "--service",
        "default-spread-empty-zone/service.json",
        "--count",
        "5",
        "--tie-break",
        "first",
    ]);
    assert_eq!(placed(&v), ["i-1", "i-3", "i-2", "i-3", "i-1"]);
    let zones: Vec<&str> = v["tasks"].as_array().unwrap().iter().map(|t| t["availabilityZone"].as_str().unwrap()).collect();
    assert_eq!(zones.iter().filter(|z| **z == "us-east-1a").count(), 3);
    assert_eq!(zones.iter().filter(|z| **z == "us-east-1b").count(), 2);
    assert_eq!(v["tasks"][0]["group"], "service:web");
}

#[test]
fn member_of_regex_example_member_of_keeps_i_1_and_i_4() {
    // `t3.*` is a regex: t3a.medium matches; i-2 is in us-east-1c; i-3 is m5.large.
    let v = place(&[
        "--instances",
        "member-of-regex/instances.json",
        "--task-definition",
        "member-of-regex/taskdef.json",
        "--constraints",
        "member-of-regex/constraints.json",
        "--count",
        "2",
        "--strategy",
        r#"[{"type":"spread","field":"instanceId"}]"#,
        "--tie-break",
        "first",
    ]);
    assert_eq!(v["explanation"][0]["passed_filters"], serde_json::json!(["i-1", "i-4"]));
    assert_eq!(placed(&v), ["i-1", "i-4"]);
}

#[test]
fn static_port_example_static_port_goes_to_i_2_then_fails_with_resource_ports() {
    let v = place(&[
        "--instances",
        "static-host-port/instances.json",
        "--tasks",
        "static-host-port/tasks.json",
        "--task-definition",
        "static-host-port/taskdef.json",
        "--service",
        "static-host-port/service.json",
        "--count",
        "2",
    ]);
    assert_eq!(placed(&v), ["i-2"]);
    let reasons: Vec<&str> = v["failures"].as_array().unwrap().iter().map(|f| f["reason"].as_str().unwrap()).collect();
    assert_eq!(reasons, ["RESOURCE:PORTS", "RESOURCE:PORTS"]);
    let closest = v["explanation"][1]["outcome"]["closest_match"].as_str().unwrap();
    assert_eq!(closest, "The closest matching container-instance i-1 is already using a port required by your task.");
}

#[test]
fn explain_prints_the_reasoning_for_a_person() {
    let dir = repo("scenarios/lessons/placement");
    let out = ecsim()
        .current_dir(&dir)
        .args(["place", "--instances", "binpack-memory/instances.json", "--task-definition", "binpack-memory/taskdef.json", "--explain"])
        .args(["--strategy", r#"[{"type":"binpack","field":"memory"}]"#])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("filter: i-4 (us-east-1b) removed: memory: 768 MiB free, task needs 1024"), "{text}");
    assert!(text.contains("binpack(memory): 1024 MiB free [i-2 (us-east-1a)]"), "{text}");
    assert!(text.contains("placed on i-2 (us-east-1a)"), "{text}");
}

#[test]
fn bad_strategy_json_is_located() {
    let dir = repo("scenarios/lessons/placement");
    let out = ecsim()
        .current_dir(&dir)
        .args(["place", "--instances", "binpack-memory/instances.json", "--task-definition", "binpack-memory/taskdef.json"])
        .args(["--strategy", r#"[{"type":"binpak","field":"memory"}]"#])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(err.contains("--strategy:1:"), "{err}");
    assert!(err.contains("unknown placement strategy type \"binpak\""), "{err}");
}

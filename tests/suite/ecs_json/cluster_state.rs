//! The cluster as it is now: describe-container-instances loaded into a cluster, describe-tasks
//! counting groups without subtracting resources twice, a task on an unknown instance, and
//! inconsistent or unknown instance states.

use super::{error_positions, errors};
use crate::common::fixture;
use ecsim::ecs::instance::InstanceStatus;
use ecsim::ecs::Cluster;
use ecsim::scenario::ecs_json::{load_container_instances, load_tasks};
use ecsim::scenario::Diagnostics;
use std::path::Path;

// ---------------------------------------------------------------- the cluster as it is now

fn demo_cluster() -> (Cluster, Diagnostics, Diagnostics) {
    let mut cluster = Cluster::new("demo");
    let (path, text) = fixture("describe-container-instances.json");
    let w1 = load_container_instances(&path, &text, &mut cluster).expect("instances load");
    let (path, text) = fixture("describe-tasks.json");
    let w2 = load_tasks(&path, &text, &mut cluster).expect("tasks load");
    (cluster, w1, w2)
}

#[test]
fn describe_container_instances_round_trips_into_a_cluster() {
    let (cluster, warnings, _) = demo_cluster();
    assert_eq!(cluster.instances.len(), 4);
    assert_eq!(cluster.zones(), vec!["us-east-1a", "us-east-1b"]);
    let i = &cluster.instances;
    // remainingResources already subtract the running tasks.
    assert_eq!((i[0].registered_cpu_units, i[0].remaining_cpu_units), (2048, 1280));
    assert_eq!((i[0].registered_memory_mib, i[0].remaining_memory_mib), (7680, 6144));
    assert_eq!((i[1].remaining_cpu_units, i[1].remaining_memory_mib), (1024, 5632));
    assert_eq!((i[2].remaining_cpu_units, i[2].remaining_memory_mib), (1792, 3252));
    // Port 80 is the only port held by a task: remaining PORTS minus registered PORTS.
    assert_eq!(i[0].bound_tcp_ports.iter().copied().collect::<Vec<_>>(), vec![80]);
    assert_eq!(i[0].reserved_tcp_ports, vec![22, 2375, 2376, 51678, 51679]);
    assert!(!i[0].port_free(80, ecsim::ecs::task_def::Protocol::Tcp));
    assert!(i[1].bound_tcp_ports.is_empty());
    assert_eq!(i[2].status, InstanceStatus::Draining);
    assert!(!i[2].is_placeable());
    assert_eq!((i[1].running_tasks_count, i[1].pending_tasks_count), (1, 1));
    assert_eq!(i[0].registered_at_unix_s, 1_714_641_247);
    assert_eq!(i[0].agent_version, "1.82.3");
    // ENI limits from the instance-type table: m5.large without trunking 3 − 1, m6g.large
    // with a trunk ENI 10.
    assert_eq!((i[0].eni_task_limit, i[3].eni_task_limit), (2, 10));
    // Capability flags without a value are kept with an empty value.
    assert_eq!(i[0].attributes.get("com.amazonaws.ecs.capability.task-iam-role").map(String::as_str), Some(""));
    assert_eq!(i[3].attributes.get("ecs.cpu-architecture").map(String::as_str), Some("arm64"));
    // Unmodelled output is grouped across the four instances.
    let w = warnings.warnings().find(|w| w.message.contains("containerInstances[*].capacityProviderName")).expect("warned");
    assert!(w.message.ends_with("(in 4 entries)"), "{w}");
    assert_eq!(warnings.0.len(), 1, "{warnings}");
}

#[test]
fn describe_tasks_counts_groups_without_subtracting_resources_again() {
    let (cluster, _, warnings) = demo_cluster();
    let web = cluster.find_group("service:web").expect("interned");
    let batch = cluster.find_group("family:batch").expect("interned");
    let i = &cluster.instances;
    assert_eq!((i[0].active_count(web), i[0].spread_count(web)), (1, 1));
    assert_eq!((i[0].active_count(batch), i[1].active_count(batch), i[3].active_count(batch)), (1, 2, 1));
    // The PENDING batch task on the second instance counts (it holds resources and spreads).
    assert_eq!(i[1].spread_count(batch), 2);
    // The web task on the DRAINING instance is being stopped: present, but no longer spread.
    assert_eq!((i[2].active_count(web), i[2].spread_count(web)), (1, 0));
    // The STOPPED task is ignored; resources are exactly what remainingResources said.
    assert_eq!((i[0].remaining_cpu_units, i[2].remaining_memory_mib), (1280, 3252));
    // awsvpc tasks hold an ENI each (not part of remainingResources).
    assert_eq!((i[0].enis_in_use, i[1].enis_in_use, i[2].enis_in_use, i[3].enis_in_use), (1, 2, 0, 1));
    for field in ["containers", "overrides", "healthStatus"] {
        assert!(warnings.warnings().any(|w| w.message.contains(&format!("tasks[*].{field}"))), "{field}: {warnings}");
    }
}

#[test]
fn a_task_on_an_unknown_instance_is_a_located_error_and_changes_nothing() {
    let mut cluster = Cluster::new("demo");
    let (path, text) = fixture("describe-container-instances.json");
    load_container_instances(&path, &text, &mut cluster).expect("instances load");
    let text = r#"{"tasks": [
  {"taskArn": "arn:aws:ecs:us-east-1:123456789012:task/demo/aaa", "group": "service:web",
   "lastStatus": "RUNNING", "desiredStatus": "RUNNING", "launchType": "EC2",
   "containerInstanceArn": "arn:aws:ecs:us-east-1:123456789012:container-instance/demo/5f0f9e1c2b3a4d5e6f708192a3b4c5d6"},
  {"taskArn": "arn:aws:ecs:us-east-1:123456789012:task/demo/bbb", "group": "service:web",
   "lastStatus": "RUNNING", "desiredStatus": "RUNNING", "launchType": "EC2",
   "containerInstanceArn": "arn:aws:ecs:us-east-1:123456789012:container-instance/demo/ffff"}], "failures": []}"#;
    let err = load_tasks(Path::new("tasks.json"), text, &mut cluster).expect_err("unknown instance");
    assert_eq!(error_positions(&err), vec![(7, 28)], "{err}");
    assert!(errors(&err)[0].message.contains("which is not in the cluster"));
    assert!(cluster.find_group("service:web").is_none(), "nothing applied");
}

#[test]
fn inconsistent_or_unknown_instance_state_is_rejected() {
    let text = r#"{"containerInstances": [{
  "containerInstanceArn": "arn:aws:ecs:us-east-1:123456789012:container-instance/demo/1",
  "ec2InstanceId": "i-1", "status": "ACTIV", "agentConnected": true, "registeredAt": 1714641247.482,
  "registeredResources": [{"name": "CPU", "type": "INTEGER", "integerValue": 2048},
                          {"name": "MEMORY", "type": "INTEGER", "integerValue": 3764}],
  "remainingResources": [{"name": "CPU", "type": "INTEGER", "integerValue": 4096},
                         {"name": "MEMORY", "type": "INTEGER", "integerValue": 3764}],
  "attributes": [{"name": "ecs.availability-zone", "value": "us-east-1a"},
                 {"name": "ecs.instance-type", "value": "x9.huge"}]}], "failures": []}"#;
    let mut cluster = Cluster::new("demo");
    let err = load_container_instances(Path::new("ci.json"), text, &mut cluster).expect_err("rejected");
    let messages: Vec<&str> = err.errors().map(|e| e.message.as_str()).collect();
    assert_eq!(messages.len(), 2, "{err}");
    assert!(messages[0].contains("`containerInstances[0].status` is \"ACTIV\""));
    assert_eq!(errors(&err)[0].help.as_deref(), Some("did you mean \"ACTIVE\"?"));
    assert_eq!(messages[1], "remaining CPU 4096 is more than registered CPU 2048");
    assert!(cluster.instances.is_empty());
    // Fixed, it loads: epoch-seconds registeredAt, and an unknown type gets 3 ENIs, with a warning.
    let fixed = text.replace("ACTIV\"", "ACTIVE\"").replace("4096", "2048");
    let warnings = load_container_instances(Path::new("ci.json"), &fixed, &mut cluster).expect("loads");
    assert_eq!(cluster.instances[0].registered_at_unix_s, 1_714_641_247);
    assert_eq!(cluster.instances[0].eni_task_limit, 2);
    assert!(warnings.warnings().any(|w| w.message.contains("instance type \"x9.huge\" is not in ecsim's table")));
}

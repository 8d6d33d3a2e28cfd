//! The ECS JSON importers on real files (tests/fixtures/realworld, see SOURCES.md there) and on
//! small hand-written ones: what loads, what ECS would reject, and where the messages point.

use crate::common::{fixture, repo};
use ecsim::ecs::instance::InstanceStatus;
use ecsim::ecs::placement::{Constraint, SpreadField, Strategy};
use ecsim::ecs::service::{LaunchType, SchedulingStrategy};
use ecsim::ecs::task_def::{Compatibility, NetworkMode};
use ecsim::ecs::Cluster;
use ecsim::scenario::ecs_json::{load_container_instances, load_service, load_task_definition, load_tasks};
use ecsim::scenario::{Diagnostic, Diagnostics};
use std::path::Path;

fn task_def(rel: &str) -> Result<(ecsim::ecs::TaskDefinition, Diagnostics), Diagnostics> {
    let (path, text) = fixture(rel);
    load_task_definition(&path, &text)
}

fn errors(d: &Diagnostics) -> Vec<&Diagnostic> {
    d.errors().collect()
}

/// (line, column) of every error, in file order.
fn error_positions(d: &Diagnostics) -> Vec<(usize, usize)> {
    d.errors().map(|e| (e.line, e.column)).collect()
}

/// The warning about an unmodelled field, by its path.
fn unmodelled<'a>(d: &'a Diagnostics, field: &str) -> Option<&'a Diagnostic> {
    let needle = format!("field `{field}` is not modelled");
    d.warnings().find(|w| w.message.contains(&needle))
}

fn td_inline(text: &str) -> Result<(ecsim::ecs::TaskDefinition, Diagnostics), Diagnostics> {
    load_task_definition(Path::new("inline.json"), text)
}

fn service_inline(text: &str) -> Result<(ecsim::ecs::service::ServiceDefinition, Diagnostics), Diagnostics> {
    load_service(Path::new("web.json"), text)
}

// ---------------------------------------------------------------- real task definitions

#[test]
fn nginx_ec2_reserves_its_container_sizes_and_one_dynamic_port() {
    let (td, warnings) = task_def("realworld/task-definitions/nginx_ec2.json").expect("loads");
    assert_eq!((td.family.as_str(), td.network_mode), ("nginx", NetworkMode::Bridge));
    let r = td.reservation();
    assert_eq!((r.cpu_units, r.memory_mib), (256, 256));
    assert_eq!((r.static_tcp_ports.len(), r.dynamic_tcp_ports), (0, 1));
    // The ignored logConfiguration is reported where it is, not dropped silently; the empty
    // "volumes": [] loses nothing and gives no warning.
    let w = unmodelled(&warnings, "containerDefinitions[0].logConfiguration").expect("warned");
    assert_eq!((w.line, w.column), (18, 7));
    assert_eq!(warnings.0.len(), 1, "{warnings}");
}

#[test]
fn tomcat_awsvpc_with_host_port_80_for_container_port_8080_is_rejected_at_host_port() {
    let err = task_def("realworld/task-definitions/tomcat_ec2.json").expect_err("ECS rejects it");
    let e = errors(&err);
    assert_eq!(e.len(), 1, "{err}");
    assert_eq!((e[0].line, e[0].column), (12, 21));
    assert_eq!(e[0].message, "When networkMode=awsvpc, the host ports and container ports in port mappings must match.");
    assert!(e[0].help.as_deref().is_some_and(|h| h.contains("remove \"hostPort\" or set it to 8080")));
    assert_eq!(e[0].source_line.as_deref(), Some("                    \"hostPort\": 80,"));
    assert!(err.to_string().starts_with(&format!("{}:12:21: error: When networkMode=awsvpc", e[0].file.display())));
}

#[test]
fn an_unrendered_template_is_a_syntax_error_at_the_placeholder_with_advice() {
    let err = task_def("realworld/task-definitions/fullstack_taskdef_template_INVALID_JSON.json").expect_err("not JSON");
    let e = errors(&err);
    assert_eq!(e.len(), 1);
    // serde_json stops at the `<` of `"hostPort": <SERVICE_PORT>`.
    assert_eq!((e[0].line, e[0].column), (19, 23));
    assert_eq!(e[0].message, "invalid JSON: expected value");
    let help = e[0].help.as_deref().unwrap_or_default();
    assert!(help.contains("`<SERVICE_PORT>`"), "{help}");
    assert!(help.contains("substitute the template placeholders (e.g. <SERVICE_PORT>, {{ ... }}) before loading"));
}

#[test]
fn gunicorn_fargate_sizes_are_task_level_strings() {
    let (td, _) = task_def("realworld/task-definitions/gunicorn_fargate.json").expect("loads");
    assert_eq!((td.cpu_units, td.memory_mib), (Some(512), Some(1024)));
    assert_eq!(td.requires_compatibilities, vec![Compatibility::Fargate]);
    assert_eq!(td.containers[0].memory_reservation_mib, Some(1024));
    let r = td.reservation();
    assert_eq!((r.cpu_units, r.memory_mib, r.enis), (512, 1024, 1));
}

#[test]
fn consul_in_host_mode_reserves_its_soft_limit() {
    let (td, warnings) = task_def("realworld/task-definitions/consul_server_hostmode.json").expect("loads");
    assert_eq!(td.network_mode, NetworkMode::Host);
    let r = td.reservation();
    // cpu 128; memoryReservation 64 (soft) is reserved, not memory 256 (hard). The file has
    // no portMappings, so no host port is reserved even in host mode.
    assert_eq!((r.cpu_units, r.memory_mib), (128, 64));
    assert!(r.static_tcp_ports.is_empty());
    for field in ["command", "dockerLabels", "entryPoint", "environment", "logConfiguration"] {
        assert!(unmodelled(&warnings, &format!("containerDefinitions[0].{field}")).is_some(), "{field}: {warnings}");
    }
}

#[test]
fn describe_task_definition_output_is_unwrapped() {
    let (td, warnings) = task_def("realworld/task-definitions/ecspresso_describe_output_fargate.json").expect("loads");
    assert_eq!(td.family, "katsubushi");
    assert_eq!((td.cpu_units, td.memory_mib), (Some(1024), Some(2048)));
    assert_eq!(td.network_mode, NetworkMode::Awsvpc);
    // The Go-template placeholder is in the image, a value the simulation ignores.
    assert!(td.containers[0].image.contains("{{ env `TAG` `latest` }}"));
    let r = td.reservation();
    assert_eq!((r.cpu_units, r.memory_mib), (1024, 2048));
    let w = unmodelled(&warnings, "taskDefinition.proxyConfiguration").expect("warned");
    assert_eq!((w.line, w.column), (59, 5));
    for field in ["taskDefinition.ephemeralStorage", "taskDefinition.containerDefinitions[0].ulimits"] {
        assert!(unmodelled(&warnings, field).is_some(), "{field}");
    }
    // Empty arrays ("volumes": [], "tags": [], "mountPoints": []) hold nothing to ignore.
    assert!(unmodelled(&warnings, "taskDefinition.volumes").is_none());
    assert!(warnings.errors().next().is_none());
}

#[test]
fn templated_register_input_loads_when_placeholders_are_in_ignored_values() {
    let (td, warnings) = task_def("realworld/task-definitions/ecspresso_ec2_templated.json").expect("loads");
    assert_eq!(td.network_mode, NetworkMode::Bridge);
    let r = td.reservation();
    assert_eq!((r.cpu_units, r.memory_mib, r.static_tcp_ports.clone()), (1024, 1024, vec![80]));
    assert!(unmodelled(&warnings, "containerDefinitions[0].environment").is_some());
}

#[test]
fn containers_without_any_memory_are_each_rejected_when_the_task_has_none() {
    // The AWS docs example omits memory everywhere; RegisterTaskDefinition (EC2, the default
    // compatibility) rejects it, once per container.
    let err = task_def("realworld/task-definitions/awsdocs_container_dependency_awsvpc.json").expect_err("ECS rejects it");
    assert_eq!(error_positions(&err), vec![(34, 7), (52, 7)], "{err}");
    assert!(errors(&err)[0].message.contains("Invalid setting for container 'app'. At least one of 'memory' or 'memoryReservation'"));
    assert!(errors(&err)[1].message.contains("container 'envoy'"));
    // The warnings are still there for whoever fixes the file.
    assert!(unmodelled(&err, "containerDefinitions[0].dependsOn").is_some());
}

#[test]
fn every_realworld_task_definition_and_service_loads_or_is_rejected_as_ecs_would() {
    let rejected = ["awsdocs_container_dependency_awsvpc.json", "fullstack_taskdef_template_INVALID_JSON.json", "tomcat_ec2.json"];
    for dir in ["task-definitions", "services"] {
        let root = repo("tests/fixtures/realworld").join(dir);
        let mut seen = 0;
        for entry in std::fs::read_dir(&root).expect("fixture dir") {
            let path = entry.expect("entry").path();
            let text = std::fs::read_to_string(&path).expect("readable");
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
            let ok = if dir == "services" { load_service(&path, &text).is_ok() } else { load_task_definition(&path, &text).is_ok() };
            assert_eq!(ok, !rejected.contains(&name.as_str()), "{name}");
            seen += 1;
        }
        assert_eq!(seen, if dir == "services" { 3 } else { 8 });
    }
}

// ---------------------------------------------------------------- hand-written task definitions

#[test]
fn a_typo_is_an_error_at_the_key_with_a_suggestion() {
    let text = r#"{
  "family": "web",
  "containerDefinitions": [
    {"name": "web", "image": "nginx", "memroy": 512, "essential": true}
  ]
}"#;
    let err = td_inline(text).expect_err("unknown field");
    let typo = err.errors().find(|e| e.message.contains("unknown field `memroy` in a container definition")).expect("reported");
    assert_eq!((typo.line, typo.column), (4, 39));
    assert_eq!(typo.help.as_deref(), Some("did you mean `memory`?"));
    // ...and because memory is then missing, ECS's own rule fires too: both are reported,
    // in file order.
    assert_eq!(error_positions(&err), vec![(4, 6), (4, 39)], "{err}");
}

#[test]
fn all_errors_in_a_file_are_reported_together() {
    let text = r#"{
  "family": "shop",
  "networkMode": "bridge",
  "placementConstraints": [{"type": "distinctInstance"}],
  "containerDefinitions": [
    {"name": "api", "image": "api", "memory": 128, "memoryReservation": 256, "essential": false},
    {"name": "api", "image": "api", "memory": 4, "essential": false,
     "portMappings": [{"containerPort": 80, "hostPort": 70000}]}
  ]
}"#;
    let err = td_inline(text).expect_err("several errors");
    let messages: Vec<&str> = err.errors().map(|e| e.message.as_str()).collect();
    let expect = [
        "distinctInstance is not allowed in a task definition",
        "no container is essential",
        "memoryReservation 256 MiB is above its hard limit memory 128 MiB",
        "duplicate container name \"api\" (first used on line 6)",
        "has memory 4 MiB; the minimum is 6 MiB",
        "`containerDefinitions[1].portMappings[0].hostPort` is 70000; it must be between 0 and 65535",
    ];
    for m in expect {
        assert!(messages.iter().any(|x| x.contains(m)), "missing {m:?} in\n{err}");
    }
    assert_eq!(messages.len(), expect.len(), "{err}");
    assert_eq!(error_positions(&err), vec![(4, 37), (5, 3), (6, 73), (7, 14), (7, 47), (8, 57)]);
}

#[test]
fn a_placeholder_where_ecsim_needs_the_value_is_named() {
    let text = r#"{"family": "app", "cpu": "{{ must_env `CPU` }}", "memory": "1 GB",
 "containerDefinitions": [{"name": "app", "image": "{{ must_env `IMAGE` }}"}]}"#;
    let err = td_inline(text).expect_err("cpu is needed");
    let e = errors(&err);
    assert_eq!(e.len(), 1, "{err}");
    assert_eq!(e[0].message, "`cpu` is the template placeholder `{{ must_env `CPU` }}`, but ecsim needs its value");
    assert_eq!((e[0].line, e[0].column), (1, 26));
}

#[test]
fn type_errors_give_the_json_path_and_point_at_the_value() {
    let text = r#"{"family": "app",
 "containerDefinitions": [{"name": "app", "image": "i", "memory": 64,
   "portMappings": [{"containerPort": 80, "protocol": 6}]}]}"#;
    let err = td_inline(text).expect_err("protocol must be a string");
    let e = errors(&err);
    assert_eq!(e.len(), 1, "{err}");
    assert!(
        e[0].message.starts_with("`containerDefinitions[0].portMappings[0].protocol`: invalid type: integer `6`, expected a string"),
        "{}",
        e[0]
    );
    assert_eq!((e[0].line, e[0].column), (3, 55));
}

#[test]
fn task_sizes_accept_the_string_forms_ecs_converts() {
    let text = r#"{"family": "t", "cpu": "1 vCPU", "memory": "2 GB", "containerDefinitions": [
        {"name": "a", "image": "i", "cpu": 256, "memoryReservation": 512},
        {"name": "b", "image": "i", "cpu": 256, "memoryReservation": 512}]}"#;
    let (td, _) = td_inline(text).expect("loads");
    assert_eq!((td.cpu_units, td.memory_mib), (Some(1024), Some(2048)));
    let r = td.reservation();
    assert_eq!((r.cpu_units, r.memory_mib), (1024, 2048));
    let (td, _) = td_inline(&text.replace("1 vCPU", "0.5 vCPU").replace("2 GB", "2GB")).expect("loads");
    assert_eq!((td.cpu_units, td.memory_mib), (Some(512), Some(2048)));
}

#[test]
fn fargate_sizes_must_be_a_listed_combination() {
    let text = r#"{"family": "f", "requiresCompatibilities": ["FARGATE"], "networkMode": "awsvpc",
 "cpu": "256", "memory": "4096", "containerDefinitions": [{"name": "a", "image": "i"}]}"#;
    let err = td_inline(text).expect_err("256 CPU allows at most 2 GB");
    let e = errors(&err);
    assert_eq!(e.len(), 1, "{err}");
    assert_eq!(
        e[0].message,
        "4096 MiB is not a valid Fargate memory size for 256 CPU units (0.25 vCPU); memory must be one of 512, 1024, 2048 MiB (512 MiB, 1 GB or 2 GB)"
    );
    assert_eq!(e[0].help.as_deref(), Some("Fargate runs only the cpu and memory pairs of its size table"));
    // Fargate also needs awsvpc and task-level sizes.
    let err =
        td_inline(r#"{"family": "f", "requiresCompatibilities": ["FARGATE"], "containerDefinitions": [{"name": "a", "image": "i"}]}"#)
            .expect_err("incomplete");
    let messages: Vec<&str> = err.errors().map(|e| e.message.as_str()).collect();
    assert_eq!(messages.len(), 3, "{err}");
    assert!(messages.iter().any(|m| m.contains("networkMode \"awsvpc\"")));
}

#[test]
fn ec2_task_cpu_is_limited_to_the_configured_range() {
    let text = r#"{"family": "big", "cpu": "16 vCPU", "memory": "4096", "containerDefinitions": [{"name": "a", "image": "i"}]}"#;
    let err = td_inline(text).expect_err("over 10240");
    assert!(errors(&err)[0].message.contains("task-level cpu 16384 is outside the EC2 range 128–10240 units"), "{err}");
    let limits = ecsim::scenario::ecs_json::TaskDefinitionLimits { max_ec2_task_cpu_units: 16384 };
    assert!(ecsim::scenario::ecs_json::load_task_definition_with(Path::new("big.json"), text, &limits).is_ok());
}

#[test]
fn host_mode_port_mismatch_uses_the_host_message() {
    let text = r#"{"family": "h", "networkMode": "host", "containerDefinitions": [
  {"name": "a", "image": "i", "memory": 64, "portMappings": [{"containerPort": 8300, "hostPort": 8301}]}]}"#;
    let err = td_inline(text).expect_err("host ports must match");
    assert_eq!(errors(&err)[0].message, "When networkMode=host, the host ports and container ports in port mappings must match.");
}

#[test]
fn cql_errors_point_inside_the_expression() {
    let expression = "attribute:ecs.instance-type =~ t3.* and and";
    let text = format!(
        r#"{{"family": "c", "placementConstraints": [{{"type": "memberOf", "expression": "{expression}"}}],
 "containerDefinitions": [{{"name": "a", "image": "i", "memory": 64}}]}}"#
    );
    let e = Constraint::parse("memberOf", Some(expression)).expect_err("a dangling `and` is a syntax error");
    let column = e.column.expect("CQL errors carry a column");
    let err = td_inline(&text).expect_err("bad expression");
    let d = errors(&err)[0];
    // Column 1 of the expression is the character after the opening quote.
    let quote = text.find(&format!("\"{expression}\"")).expect("present");
    assert_eq!((d.line, d.column), (1, quote + 1 + column), "{err}");
}

#[test]
fn the_describe_form_reads_revision_and_required_attributes() {
    let text = r#"{"taskDefinition": {
  "taskDefinitionArn": "arn:aws:ecs:us-east-1:123456789012:task-definition/web:7",
  "family": "web", "revision": 7, "status": "ACTIVE",
  "containerDefinitions": [{"name": "web", "image": "nginx", "memory": 128}],
  "requiresAttributes": [{"name": "com.amazonaws.ecs.capability.docker-remote-api.1.18"},
                         {"name": "ecs.capability.task-eni", "targetType": "container-instance"}],
  "compatibilities": ["EC2"], "registeredAt": "2024-05-01T10:00:00.000000+00:00",
  "registeredBy": "arn:aws:iam::123456789012:role/deployer"}, "tags": []}"#;
    let (td, warnings) = td_inline(text).expect("loads");
    assert_eq!((td.family_revision(), td.requires_attributes.len()), ("web:7".to_string(), 2));
    assert_eq!(td.requires_attributes[0].value, None);
    // ARNs and timestamps ECS computed are not settings: no warning.
    assert!(warnings.is_empty(), "{warnings}");
}

// ---------------------------------------------------------------- services

#[test]
fn realworld_services_load_with_their_deployment_settings() {
    let (path, text) = fixture("realworld/services/ecspresso_service_circuit_breaker_alarms.json");
    let (s, warnings) = load_service(&path, &text).expect("loads");
    // ecspresso files have no serviceName: the file stem stands in.
    assert_eq!(s.service_name, "ecspresso_service_circuit_breaker_alarms");
    assert_eq!((s.desired_count, s.launch_type, s.scheduling_strategy), (2, LaunchType::Ec2, SchedulingStrategy::Replica));
    assert_eq!((s.deployment.minimum_healthy_percent, s.deployment.maximum_percent), (50, 200));
    assert!(s.deployment.circuit_breaker.as_ref().is_some_and(|c| c.enable && c.rollback));
    assert_eq!(s.deployment.alarms.as_ref().map(|a| a.alarm_names.clone()), Some(vec!["HighResponseLatencyAlarm".to_string()]));
    assert_eq!(s.load_balancers[0].container_port, Some(9999));
    assert_eq!(s.subnets, vec!["subnet-abcdef00", "subnet-abcdef01"]);
    let w = unmodelled(&warnings, "networkConfiguration.awsvpcConfiguration.securityGroups").expect("warned");
    assert_eq!((w.line, w.column), (33, 7));

    let (path, text) = fixture("realworld/services/ecspresso_service_daemon.json");
    let (s, warnings) = load_service(&path, &text).expect("loads");
    assert_eq!(s.scheduling_strategy, SchedulingStrategy::Daemon);
    assert_eq!((s.deployment.minimum_healthy_percent, s.deployment.maximum_percent), (0, 100));
    assert!(warnings.is_empty());

    let (path, text) = fixture("realworld/services/ecspresso_service_templated.json");
    let (s, warnings) = load_service(&path, &text).expect("loads");
    assert_eq!((s.desired_count, s.deployment.minimum_healthy_percent), (1, 100));
    assert!(warnings.warnings().any(|w| w.message.contains("is a template placeholder; ecsim keeps it")));
}

#[test]
fn daemon_services_refuse_placement_strategies_as_ecs_does() {
    let text = r#"{"schedulingStrategy": "DAEMON",
 "placementStrategy": [{"type": "spread", "field": "attribute:ecs.availability-zone"}]}"#;
    let err = service_inline(text).expect_err("rejected");
    let e = errors(&err);
    assert_eq!(e.len(), 1, "{err}");
    assert!(e[0].message.starts_with("The daemon scheduling strategy does not support placement strategies."));
    assert_eq!((e[0].line, e[0].column), (2, 2));
}

#[test]
fn deployment_percentages_are_checked_against_ecs_limits() {
    let text = r#"{"desiredCount": 4, "deploymentConfiguration": {"minimumHealthyPercent": 150, "maximumPercent": 50}}"#;
    let err = service_inline(text).expect_err("out of range");
    let messages: Vec<&str> = err.errors().map(|e| e.message.as_str()).collect();
    assert_eq!(messages, vec!["minimumHealthyPercent 150 is outside 0–100", "maximumPercent 50 is outside 100–2147483647",]);
    let err =
        service_inline(r#"{"schedulingStrategy": "DAEMON", "deploymentConfiguration": {"maximumPercent": 200}}"#).expect_err("DAEMON");
    assert_eq!(errors(&err)[0].message, "a DAEMON service's maximumPercent must be 100, not 200");
}

#[test]
fn placement_rules_are_validated_one_element_at_a_time() {
    let text = r#"{"serviceName": "web", "desiredCount": 3,
 "placementStrategy": [
   {"type": "spread", "field": "attribute:ecs.availability-zone"},
   {"type": "binpack", "field": "disk"},
   {"type": "random"}
 ],
 "placementConstraints": [{"type": "distinctInstance"}, {"type": "memberof", "expression": "x"}]}"#;
    let err = service_inline(text).expect_err("two bad elements");
    assert_eq!(error_positions(&err), vec![(4, 33), (7, 66)], "{err}");
    let e = errors(&err);
    assert!(e[0].message.contains("binpack field \"disk\" is not valid"));
    assert!(e[1].message.contains("unknown placement constraint type \"memberof\""));
    // A valid service keeps the rules in order.
    // (and a real CQL expression: "x" alone names no subject)
    let ok = text.replace("\"disk\"", "\"memory\"").replace("memberof", "memberOf").replace("\"x\"", "\"attribute:stack == prod\"");
    let (s, _) = service_inline(&ok).expect("loads");
    assert_eq!(s.placement_strategy.len(), 3);
    assert_eq!(s.placement_strategy[0], Strategy::Spread(SpreadField::Attribute("ecs.availability-zone".into())));
    assert!(matches!(s.placement_constraints[0], Constraint::DistinctInstance));
}

#[test]
fn too_many_placement_strategies_and_conflicting_launch_settings_are_errors() {
    let six = [r#"{"type": "random"}"#; 6].join(", ");
    let text = format!(
        r#"{{"desiredCount": 1, "launchType": "EC2", "capacityProviderStrategy": [{{"capacityProvider": "cp", "weight": 1}}],
 "placementStrategy": [{six}]}}"#
    );
    let err = service_inline(&text).expect_err("rejected");
    let messages: Vec<&str> = err.errors().map(|e| e.message.as_str()).collect();
    assert_eq!(messages.len(), 2, "{err}");
    assert!(messages[0].starts_with("Specifying both a launch type and capacity provider strategy is not supported."));
    assert_eq!(messages[1], "6 placement strategies; ECS allows at most 5");
    // capacityProviderStrategy alone is modelled (docs/ecs-model.md#capacity-providers): read, and checked by its rules.
    let (s, warnings) =
        service_inline(r#"{"desiredCount": 1, "capacityProviderStrategy": [{"capacityProvider": "cp", "weight": 1}]}"#).expect("loads");
    assert!(unmodelled(&warnings, "capacityProviderStrategy").is_none());
    assert_eq!(s.capacity_provider_strategy.len(), 1);
    assert_eq!((s.capacity_provider_strategy[0].capacity_provider.as_str(), s.capacity_provider_strategy[0].weight), ("cp", 1));
    assert!(!s.launch_type_given);
    // Omitted weights are 0 (the API default): a strategy of weight 0 only is refused.
    let err = service_inline(r#"{"desiredCount": 1, "capacityProviderStrategy": [{"capacityProvider": "cp"}]}"#).expect_err("rejected");
    assert!(err.errors().any(|e| e.message.contains("every weight is 0")), "{err}");
}

#[test]
fn a_replica_service_needs_a_desired_count() {
    let err = service_inline(r#"{"serviceName": "web"}"#).expect_err("CreateService requires it");
    assert_eq!(errors(&err)[0].message, "a REPLICA service needs a `desiredCount`");
}

#[test]
fn describe_services_output_is_unwrapped() {
    let text = r#"{"services": [{"serviceArn": "arn:aws:ecs:us-east-1:123456789012:service/demo/web",
  "serviceName": "web", "clusterArn": "arn:aws:ecs:us-east-1:123456789012:cluster/demo",
  "status": "ACTIVE", "desiredCount": 3, "runningCount": 3, "pendingCount": 0, "launchType": "EC2",
  "taskDefinition": "arn:aws:ecs:us-east-1:123456789012:task-definition/web:7",
  "deploymentConfiguration": {"maximumPercent": 200, "minimumHealthyPercent": 100},
  "placementStrategy": [{"type": "spread", "field": "instanceId"}],
  "schedulingStrategy": "REPLICA", "createdAt": "2024-05-01T10:00:00+00:00"}], "failures": []}"#;
    let (s, warnings) = service_inline(text).expect("loads");
    assert_eq!((s.service_name.as_str(), s.desired_count), ("web", 3));
    assert_eq!(s.task_definition.as_deref(), Some("arn:aws:ecs:us-east-1:123456789012:task-definition/web:7"));
    assert!(unmodelled(&warnings, "services[0].runningCount").is_some(), "{warnings}");
}

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

// ---------------------------------------------------------------- robustness

/// Every loader on `text`, which may be anything: it must return, not panic.
fn load_everything(text: &str) {
    let p = Path::new("fuzz.json");
    let _ = load_task_definition(p, text);
    let _ = load_service(p, text);
    let mut cluster = Cluster::new("fuzz");
    let _ = load_container_instances(p, text, &mut cluster);
    let _ = load_tasks(p, text, &mut cluster);
}

fn all_fixture_texts() -> Vec<String> {
    let root = repo("tests/fixtures");
    let mut texts = Vec::new();
    for dir in [root.clone(), root.join("realworld/task-definitions"), root.join("realworld/services")] {
        for entry in std::fs::read_dir(dir).expect("dir").flatten() {
            if entry.path().extension().is_some_and(|e| e == "json") {
                texts.push(std::fs::read_to_string(entry.path()).expect("readable"));
            }
        }
    }
    texts
}

#[test]
fn truncated_fixtures_never_panic() {
    for text in all_fixture_texts() {
        let step = (text.len() / 400).max(1);
        for cut in (0..text.len()).step_by(step).filter(|&c| text.is_char_boundary(c)) {
            load_everything(&text[..cut]);
        }
    }
}

mod garbled {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]
        /// Random bytes replaced by JSON-significant characters, in every fixture.
        #[test]
        fn garbled_fixtures_never_panic(edits in proptest::collection::vec((any::<prop::sample::Index>(), 0usize..12), 1..8)) {
            const NOISE: [&str; 12] = ["{", "}", "[", "]", "\"", ",", ":", "\\", "0", "-1e999", "null", "é"];
            for text in all_fixture_texts() {
                let mut t = text.clone();
                for (at, noise) in &edits {
                    let mut i = at.index(t.len().max(1));
                    while !t.is_char_boundary(i) { i -= 1; }
                    t.insert_str(i, NOISE[*noise]);
                }
                load_everything(&t);
            }
        }
    }
}

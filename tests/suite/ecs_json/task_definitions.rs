//! Task definitions: real ones (nginx, tomcat, gunicorn, consul, describe-task-definition output,
//! templates, every file of tests/fixtures/realworld/task-definitions loading or rejected as ECS
//! would) and hand-written ones (a typo with a suggestion, every error of a file at once,
//! placeholders, type errors, the task sizes ECS accepts, the EC2 CPU range, host-mode ports,
//! errors inside a cluster query language expression, the describe form).

use super::{error_positions, errors, task_def, td_inline, unmodelled};
use crate::common::repo;
use ecsim::ecs::placement::Constraint;
use ecsim::ecs::task_def::{Compatibility, NetworkMode};
use ecsim::scenario::ecs_json::{load_service, load_task_definition};
use std::path::Path;

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

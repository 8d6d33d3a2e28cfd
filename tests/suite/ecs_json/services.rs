//! Services: real create-service files with their deployment settings, and the checks ECS makes
//! (DAEMON without placement strategies, deployment percentages, placement rules one element at a
//! time, too many strategies, conflicting launch settings, a replica without a desired count), and
//! describe-services output.

use super::{error_positions, errors, service_inline, unmodelled};
use crate::common::fixture;
use ecsim::ecs::placement::{Constraint, SpreadField, Strategy};
use ecsim::ecs::service::{LaunchType, SchedulingStrategy};
use ecsim::scenario::ecs_json::load_service;

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

//! The Application Auto Scaling JSON files (tests/fixtures/autoscaling): register/describe
//! scalable targets, put/describe scaling policies, scheduled actions, and the located messages
//! bad ones get.

use super::step_scaling::step_scaling_example_policy;
use super::{t, target};
use crate::common::{error_with_help_at, fixture};
use ecsim::autoscaling::{AdjustmentType, PolicyConfig, Statistic, TrackedMetric, DEFAULT_START_UNIX_S};
use ecsim::scenario::autoscaling_json::{load_scalable_targets, load_scaling_policies, load_scheduled_actions};
use std::path::Path;

#[test]
fn register_scalable_target_input_loads() {
    let (path, text) = fixture("autoscaling/register-scalable-target.json");
    let (targets, warnings) = load_scalable_targets(&path, &text).expect("loads");
    assert_eq!(targets, vec![target(2, 20)]);
    // RoleARN grants nothing ecsim checks: silent. Tags are reported, not dropped silently.
    assert_eq!(warnings.0.len(), 1, "{warnings}");
    assert!(warnings.0[0].message.contains("`Tags` is not modelled"), "{warnings}");
    assert_eq!((warnings.0[0].line, warnings.0[0].column), (13, 5));
}

#[test]
fn describe_scalable_targets_output_loads() {
    let (path, text) = fixture("autoscaling/describe-scalable-targets.json");
    let (targets, warnings) = load_scalable_targets(&path, &text).expect("loads");
    assert!(warnings.is_empty(), "{warnings}");
    assert_eq!(targets.len(), 2);
    assert_eq!((targets[1].resource_id.as_str(), targets[1].min_capacity, targets[1].max_capacity), ("service/prod/worker", 0, 8));
    assert!(targets[1].suspended.dynamic_in && !targets[1].suspended.dynamic_out);
}

#[test]
fn put_scaling_policy_inputs_load() {
    let (path, text) = fixture("autoscaling/put-scaling-policy-cpu.json");
    let (policies, warnings) = load_scaling_policies(&path, &text).expect("loads");
    assert!(warnings.is_empty(), "{warnings}");
    let PolicyConfig::TargetTracking(cpu) = &policies[0].config else { panic!("target tracking") };
    assert_eq!((cpu.target_value, cpu.scale_out_cooldown_s, cpu.scale_in_cooldown_s, cpu.disable_scale_in), (50.0, 60, 300, false));
    assert_eq!(policies[0].name, "web-cpu50");

    let (path, text) = fixture("autoscaling/put-scaling-policy-alb.json");
    let (policies, _) = load_scaling_policies(&path, &text).expect("loads");
    let PolicyConfig::TargetTracking(alb) = &policies[0].config else { panic!("target tracking") };
    assert_eq!(
        (alb.scale_out_cooldown_s, alb.scale_in_cooldown_s, alb.disable_scale_in),
        (60, 300, true),
        "ScaleInCooldown defaults to 300"
    );
    assert_eq!(alb.alarms(&target(2, 20), &policies[0].name).len(), 1);

    let (path, text) = fixture("autoscaling/put-scaling-policy-step.json");
    let (policies, _) = load_scaling_policies(&path, &text).expect("loads");
    let PolicyConfig::Step(step) = &policies[0].config else { panic!("step") };
    assert_eq!(step.steps, step_scaling_example_policy().steps);
    assert_eq!(
        (step.adjustment_type, step.min_adjustment_magnitude, step.cooldown_s),
        (AdjustmentType::PercentChangeInCapacity, Some(1), 300)
    );
}

#[test]
fn describe_scaling_policies_output_keeps_arns_and_alarms_for_wiring() {
    let (path, text) = fixture("autoscaling/describe-scaling-policies.json");
    let (policies, warnings) = load_scaling_policies(&path, &text).expect("loads");
    assert!(warnings.is_empty(), "{warnings}");
    let names: Vec<&str> = policies.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["web-cpu50", "web-memory70", "worker-backlog-out"]);
    assert_eq!(policies[0].alarm_names.len(), 2);
    let PolicyConfig::TargetTracking(memory) = &policies[1].config else { panic!() };
    let TrackedMetric::Customized(m) = &memory.metric else { panic!() };
    assert_eq!((m.metric_name.as_str(), m.statistic, m.dimensions.len()), ("MemoryUtilization", Statistic::Maximum, 2));
    let worker = &policies[2];
    assert_eq!(worker.alarm_names, ["worker-backlog-high"]);
    assert!(worker.is_named_by(worker.arn.as_deref().unwrap()));
    let PolicyConfig::Step(step) = &worker.config else { panic!() };
    assert_eq!((step.cooldown_s, step.aggregation), (120, ecsim::autoscaling::MetricAggregation::Maximum));
}

#[test]
fn scheduled_action_files_load() {
    let (path, text) = fixture("autoscaling/put-scheduled-action.json");
    let (actions, warnings) = load_scheduled_actions(&path, &text, DEFAULT_START_UNIX_S).expect("loads");
    assert!(warnings.is_empty(), "{warnings}");
    assert_eq!(actions[0].next_fire(t("2026-01-02T08:00:00Z")), Some(t("2026-01-05T08:00:00Z")));
    assert_eq!((actions[0].min_capacity, actions[0].max_capacity), (Some(6), Some(30)));

    let (path, text) = fixture("autoscaling/describe-scheduled-actions.json");
    let (actions, warnings) = load_scheduled_actions(&path, &text, DEFAULT_START_UNIX_S).expect("loads");
    assert!(warnings.is_empty(), "{warnings}");
    let first: Vec<String> = actions.iter().map(|a| ecsim::autoscaling::calendar::format_utc(a.first_fire().unwrap())).collect();
    assert_eq!(first, ["2026-01-01T08:00:00Z", "2026-01-01T19:00:00Z", "2026-01-07T06:30:00Z", "2026-01-01T03:00:00Z"]);
    assert_eq!(actions[3].end_unix_s, Some(t("2026-01-31T00:00:00Z")));
    assert_eq!(actions[2].max_capacity, None);
}

#[test]
fn min_capacity_above_max_is_located_and_says_what_to_change() {
    let text = r#"{
    "ServiceNamespace": "ecs",
    "ResourceId": "service/prod/web",
    "ScalableDimension": "ecs:service:DesiredCount",
    "MinCapacity": 12,
    "MaxCapacity": 4
}"#;
    let d = load_scalable_targets(Path::new("target.json"), text).unwrap_err();
    let e = error_with_help_at(&d, (5, 20), "MinCapacity (12) is above MaxCapacity (4)");
    assert_eq!(e.help.as_deref(), Some("lower MinCapacity to at most 4 or raise MaxCapacity to at least 12"));
    assert!(e.to_string().starts_with("target.json:5:20: error:"), "{e}");
}

#[test]
fn other_namespaces_and_dimensions_are_not_modelled() {
    let text = r#"{
    "ServiceNamespace": "dynamodb",
    "ResourceId": "table/orders",
    "ScalableDimension": "dynamodb:table:ReadCapacityUnits",
    "MinCapacity": 5,
    "MaxCapacity": 50
}"#;
    let d = load_scalable_targets(Path::new("target.json"), text).unwrap_err();
    let e = error_with_help_at(&d, (2, 25), "ServiceNamespace \"dynamodb\" is not modelled");
    assert_eq!(e.help.as_deref(), Some("use \"ServiceNamespace\": \"ecs\""));
    error_with_help_at(&d, (4, 26), "ScalableDimension \"dynamodb:table:ReadCapacityUnits\" is not modelled");
    error_with_help_at(&d, (3, 19), "is not of the form service/<cluster>/<service>");
}

#[test]
fn an_unknown_predefined_metric_type_is_located() {
    let text = r#"{
    "PolicyName": "web-cpu",
    "ServiceNamespace": "ecs",
    "ResourceId": "service/prod/web",
    "ScalableDimension": "ecs:service:DesiredCount",
    "PolicyType": "TargetTrackingScaling",
    "TargetTrackingScalingPolicyConfiguration": {
        "TargetValue": 50.0,
        "PredefinedMetricSpecification": {"PredefinedMetricType": "ECSServiceAverageCpuUtilisation"}
    }
}"#;
    let d = load_scaling_policies(Path::new("policy.json"), text).unwrap_err();
    let e = error_with_help_at(&d, (9, 67), "unknown PredefinedMetricType \"ECSServiceAverageCpuUtilisation\"");
    assert_eq!(e.help.as_deref(), Some("did you mean \"ECSServiceAverageCPUUtilization\"?"));

    let other = text.replace("ECSServiceAverageCpuUtilisation", "DynamoDBReadCapacityUtilization");
    let d = load_scaling_policies(Path::new("policy.json"), &other).unwrap_err();
    let e = error_with_help_at(&d, (9, 67), "unknown PredefinedMetricType");
    assert!(e.help.as_deref().unwrap().starts_with("that metric type is for DynamoDB tables"), "{e}");
}

fn step_policy_text(steps: &str) -> String {
    format!(
        r#"{{
    "PolicyName": "web-steps",
    "ServiceNamespace": "ecs",
    "ResourceId": "service/prod/web",
    "ScalableDimension": "ecs:service:DesiredCount",
    "PolicyType": "StepScaling",
    "StepScalingPolicyConfiguration": {{
        "AdjustmentType": "ChangeInCapacity",
        "StepAdjustments": [
{steps}
        ]
    }}
}}"#
    )
}

#[test]
fn step_adjustment_gaps_and_overlaps_are_located() {
    let gap = step_policy_text(
        r#"            {"MetricIntervalLowerBound": 0, "MetricIntervalUpperBound": 10, "ScalingAdjustment": 1},
            {"MetricIntervalLowerBound": 20, "ScalingAdjustment": 3}"#,
    );
    let d = load_scaling_policies(Path::new("steps.json"), &gap).unwrap_err();
    let e = error_with_help_at(&d, (11, 42), "gap between step 0 (up to 10) and step 1 (from 20)");
    assert_eq!(e.help.as_deref(), Some("set step 1's MetricIntervalLowerBound to 10 (or step 0's MetricIntervalUpperBound to 20)"));

    let overlap = step_policy_text(
        r#"            {"MetricIntervalLowerBound": 0, "MetricIntervalUpperBound": 20, "ScalingAdjustment": 1},
            {"MetricIntervalLowerBound": 10, "ScalingAdjustment": 3}"#,
    );
    let d = load_scaling_policies(Path::new("steps.json"), &overlap).unwrap_err();
    let e = error_with_help_at(&d, (11, 42), "step 0 [0, 20) overlaps step 1 [10, +infinity)");
    assert_eq!(e.help.as_deref(), Some("set step 1's MetricIntervalLowerBound to 20 (where step 0 ends)"));

    let both_open = step_policy_text(r#"            {"ScalingAdjustment": 1}"#);
    let d = load_scaling_policies(Path::new("steps.json"), &both_open).unwrap_err();
    error_with_help_at(&d, (10, 13), "step 0 has neither MetricIntervalLowerBound nor MetricIntervalUpperBound");

    let magnitude = step_policy_text(r#"            {"MetricIntervalLowerBound": 0, "ScalingAdjustment": 1}"#)
        .replace("\"ChangeInCapacity\",", "\"ChangeInCapacity\", \"MinAdjustmentMagnitude\": 2,");
    let d = load_scaling_policies(Path::new("steps.json"), &magnitude).unwrap_err();
    error_with_help_at(&d, (8, 73), "MinAdjustmentMagnitude only applies to PercentChangeInCapacity");
}

#[test]
fn schedule_and_time_zone_errors_point_inside_the_value() {
    let text = r#"{
    "ServiceNamespace": "ecs",
    "ScheduledActionName": "last-friday",
    "ResourceId": "service/prod/web",
    "ScalableDimension": "ecs:service:DesiredCount",
    "Schedule": "cron(0 8 ? * 6L *)",
    "Timezone": "Europe/Paname",
    "ScalableTargetAction": {"MinCapacity": 6, "MaxCapacity": 3}
}"#;
    let d = load_scheduled_actions(Path::new("action.json"), text, DEFAULT_START_UNIX_S).unwrap_err();
    // `6L` is character 13 (from 0) of the expression, which starts in column 18.
    let e = error_with_help_at(&d, (6, 31), "L (last), W (nearest weekday) and # (nth weekday) are not modelled");
    assert!(e.help.as_deref().unwrap().contains("list the days explicitly"), "{e}");
    let e = error_with_help_at(&d, (7, 17), "time zone \"Europe/Paname\" is not in the IANA time-zone database");
    assert!(e.help.as_deref().unwrap().contains("Etc/GMT"), "{e}");
    error_with_help_at(&d, (8, 45), "MinCapacity (6) is above MaxCapacity (3)");
}

#[test]
fn typos_in_field_names_are_errors_in_input_and_warnings_in_output() {
    let text = r#"{
    "ServiceNamespace": "ecs",
    "ResourceId": "service/prod/web",
    "ScalableDimension": "ecs:service:DesiredCount",
    "MinCapacity": 1,
    "MaxCapasity": 4
}"#;
    let d = load_scalable_targets(Path::new("target.json"), text).unwrap_err();
    let e = error_with_help_at(&d, (6, 5), "unknown field `MaxCapasity` in a scalable target");
    assert_eq!(e.help.as_deref(), Some("did you mean `MaxCapacity`?"));
    assert!(d.errors().any(|e| e.message.contains("missing \"MaxCapacity\"")), "{d}");

    let output = r#"{"ScalableTargets": [{"ServiceNamespace": "ecs", "ResourceId": "service/prod/web",
        "ScalableDimension": "ecs:service:DesiredCount", "MinCapacity": 1, "MaxCapacity": 4, "Color": "blue"}]}"#;
    let (targets, warnings) = load_scalable_targets(Path::new("out.json"), output).expect("loads");
    assert_eq!(targets.len(), 1);
    assert!(warnings.0[0].message.contains("ScalableTargets[0].Color"), "{warnings}");
}

#[test]
fn an_entry_listed_twice_is_an_error_at_the_second() {
    let (path, text) = fixture("autoscaling/describe-scalable-targets.json");
    let doubled = text.replace("service/prod/worker", "service/prod/web");
    let d = load_scalable_targets(&path, &doubled).unwrap_err();
    let e = error_with_help_at(&d, (18, 9), "scalable target \"service/prod/web\" is listed twice (first on line 3)");
    assert_eq!(e.help.as_deref(), Some("keep one of them"));
}

#[test]
fn truncated_and_garbled_files_give_messages_not_panics() {
    for name in [
        "register-scalable-target.json",
        "describe-scaling-policies.json",
        "put-scaling-policy-step.json",
        "describe-scheduled-actions.json",
    ] {
        let (path, text) = fixture(&format!("autoscaling/{name}"));
        let mut cuts: Vec<usize> = (0..text.len()).step_by(13).collect();
        cuts.push(text.len());
        for cut in cuts {
            let mut t = text[..cut].to_string();
            // Balance what was cut off, so that most prefixes parse and reach the checks.
            t.push_str(&"]}".repeat(4));
            for garbled in [text[..cut].to_string(), t.replace("\"ecs\"", "7"), t] {
                let _ = load_scalable_targets(&path, &garbled);
                let _ = load_scaling_policies(&path, &garbled);
                let _ = load_scheduled_actions(&path, &garbled, DEFAULT_START_UNIX_S);
            }
        }
    }
}

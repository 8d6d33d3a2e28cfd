//! Service Auto Scaling and alarms: `AWS::ApplicationAutoScaling::ScalableTarget` (an ECS
//! service's desired count) with its `ScalingPolicy`s (target tracking, step) and scheduled
//! actions → `[[scaling]]`; `AWS::CloudWatch::Alarm` on a metric ecsim publishes → `[[alarms]]`.
//! Alarms on other metrics, and scalable targets of anything but an ECS service, are
//! warnings. See
//! [AWS::ApplicationAutoScaling::ScalingPolicy](https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-applicationautoscaling-scalingpolicy.html).

use super::{lang, Cx};
use crate::import::draft::{Draft, Table};
use crate::import::yaml::Node;

/// The metrics a run publishes, by namespace (docs/scenarios.md, "[[alarms]]").
const PUBLISHED: &[(&str, &[&str])] = &[
    ("AWS/ECS", &["CPUReservation", "MemoryReservation", "CPUUtilization", "MemoryUtilization"]),
    (
        "AWS/ApplicationELB",
        &[
            "RequestCount",
            "RequestCountPerTarget",
            "TargetResponseTime",
            "HTTPCode_ELB_5XX_Count",
            "HTTPCode_Target_5XX_Count",
            "HealthyHostCount",
            "UnHealthyHostCount",
        ],
    ),
];

pub fn alarms(cx: &mut Cx, draft: &mut Draft) {
    for (s, id, res) in cx.each("AWS::CloudWatch::Alarm") {
        let mark = cx.assumed.len();
        let namespace = cx.prop_text(s, &res, "Namespace").unwrap_or_default();
        let metric = cx.prop_text(s, &res, "MetricName").unwrap_or_default();
        if !PUBLISHED.iter().any(|(ns, metrics)| *ns == namespace && metrics.contains(&metric.as_str())) {
            let what = if metric.is_empty() { "a metric math expression".to_string() } else { format!("{namespace} {metric}") };
            cx.warn(s, &res, format!("not modelled: alarm {id} watches {what}, which ecsim does not publish; the alarm is left out"));
            cx.take_assumed(mark);
            continue;
        }
        let name = cx.ref_value(s, &id);
        let mut t = Table::new();
        t.comment(cx.origin(s, &id, &res));
        t.set("name", name).set("namespace", namespace).set("metric", metric.as_str());
        let mut dims = toml::Table::new();
        for d in cx.prop(s, &res, "Dimensions").and_then(|d| d.as_seq().map(<[Node]>::to_vec)).unwrap_or_default() {
            let key = d.get("Name").and_then(Node::scalar_text).unwrap_or_default();
            let value = d.get("Value").and_then(Node::scalar_text).unwrap_or_default();
            dims.insert(key, short_name(&value).into());
        }
        match dimensions_published(draft, &metric, &mut dims) {
            Err(why) => {
                cx.warn(s, &res, format!("not modelled: alarm {id}: {why}; the alarm is left out"));
                cx.take_assumed(mark);
                continue;
            }
            Ok(Some(other)) => {
                let at = cx.at_prop(&res, "Dimensions");
                cx.warn(
                    s,
                    &at,
                    format!("not modelled: alarm {id} watches cluster {other}; ecsim simulates one cluster and the alarm watches it"),
                );
            }
            Ok(None) => {}
        }
        t.set("dimensions", toml::Value::Table(dims));
        if let Some(stat) = cx.prop_text(s, &res, "Statistic").or_else(|| cx.prop_text(s, &res, "ExtendedStatistic")) {
            t.set("statistic", stat);
        }
        if let Some(p) = cx.prop_int(s, &res, "Period") {
            t.set("period", format!("{p}s"));
        }
        for (from, to) in [("EvaluationPeriods", "evaluation_periods"), ("DatapointsToAlarm", "datapoints_to_alarm")] {
            if let Some(n) = cx.prop_int(s, &res, from) {
                t.set(to, n);
            }
        }
        if let Some(x) = cx.prop(s, &res, "Threshold").and_then(|v| v.as_f64()) {
            t.set("threshold", x);
        }
        if let Some(c) = cx.prop_text(s, &res, "ComparisonOperator") {
            t.set("comparison", c);
        }
        if let Some(m) = cx.prop_text(s, &res, "TreatMissingData") {
            t.set("treat_missing_data", m);
        }
        if let Some(e) = cx.prop(s, &res, "ActionsEnabled").and_then(|v| v.as_bool()) {
            t.set("actions_enabled", e);
        }
        for (from, to) in
            [("AlarmActions", "alarm_actions"), ("OKActions", "ok_actions"), ("InsufficientDataActions", "insufficient_data_actions")]
        {
            let Some(list) = cx.prop(s, &res, from) else { continue };
            let mut out = Vec::new();
            for a in list.as_seq().unwrap_or_default() {
                let text = a.scalar_text().unwrap_or_default();
                if text.starts_with("policy:") && !step_policy_maps(cx, draft, &text) {
                    cx.warn(s, a, format!("not modelled: alarm action {text}: the policy is not a step scaling policy of an ECS service of the import; it is left out"));
                } else if text.starts_with("arn:") || text.starts_with("policy:") {
                    out.push(text);
                } else if cx.find("AWS::SNS::Topic", &text).is_some() {
                    out.push(format!("arn:aws:sns:{}:{}:{text}", lang::REGION, lang::ACCOUNT));
                } else {
                    cx.warn(s, a, format!("not modelled: alarm action {text}; it is left out"));
                }
            }
            t.set(to, out);
        }
        if let Some(c) = cx.take_assumed(mark) {
            t.comment(c);
        }
        cx.unread(
            s,
            &res,
            "AWS::CloudWatch::Alarm",
            &[
                "AlarmName",
                "Namespace",
                "MetricName",
                "Dimensions",
                "Statistic",
                "ExtendedStatistic",
                "Period",
                "EvaluationPeriods",
                "DatapointsToAlarm",
                "Threshold",
                "ComparisonOperator",
                "TreatMissingData",
                "ActionsEnabled",
                "AlarmActions",
                "OKActions",
                "InsufficientDataActions",
            ],
            &["AlarmDescription", "Unit"],
        );
        draft.push("alarms", t);
    }
}

/// Whether `policy:<name>` (a scaling policy's `Ref`) is a step policy of a scalable target
/// that maps: an ECS service of the import.
fn step_policy_maps(cx: &mut Cx, draft: &Draft, action: &str) -> bool {
    let Some((ps, _, policy)) = cx.find("AWS::ApplicationAutoScaling::ScalingPolicy", action) else { return false };
    if cx.prop_text(ps, &policy, "PolicyType").as_deref() != Some("StepScaling") {
        return false;
    }
    let resource = match cx.prop_text(ps, &policy, "ScalingTargetId") {
        Some(target) => match cx.find("AWS::ApplicationAutoScaling::ScalableTarget", &target) {
            Some((ts, _, t)) => cx.prop_text(ts, &t, "ResourceId"),
            None => None,
        },
        None => cx.prop_text(ps, &policy, "ResourceId"),
    };
    resource.is_some_and(|r| r.starts_with("service/") && draft.has("services", r.rsplit('/').next().unwrap_or_default()))
}

/// Whether ecsim publishes the metric with these dimensions, for the services, target groups
/// and load balancers of the import (CloudWatch takes an alarm on any dimensions; ecsim's
/// scenario refuses one it has no data for). `ClusterName` becomes the simulated cluster's:
/// `Ok(Some(name))` when it named another.
fn dimensions_published(draft: &Draft, metric: &str, dims: &mut toml::Table) -> Result<Option<String>, String> {
    let mut keys: Vec<&str> = dims.keys().map(String::as_str).collect();
    keys.sort_unstable();
    let value = |dims: &toml::Table, k: &str| dims.get(k).and_then(|v| v.as_str()).unwrap_or_default().to_string();
    let ecs = ["CPUReservation", "MemoryReservation", "CPUUtilization", "MemoryUtilization"].contains(&metric);
    if ecs {
        let per_service = metric.ends_with("Utilization");
        match keys.as_slice() {
            ["ClusterName"] => {}
            ["ClusterName", "ServiceName"] if per_service => {
                let service = value(dims, "ServiceName");
                if !draft.has("services", &service) {
                    return Err(format!("service {service} is not in the import"));
                }
            }
            _ => {
                return Err(format!(
                    "ecsim publishes {metric} by ClusterName{}, not by {}",
                    if per_service { " (and ServiceName)" } else { "" },
                    keys.join(", ")
                ))
            }
        }
        let cluster = draft.cluster.get("name").and_then(|v| v.as_str()).unwrap_or("default");
        let named = value(dims, "ClusterName");
        dims.insert("ClusterName".into(), cluster.into());
        return Ok((named != cluster).then_some(named));
    }
    if keys.is_empty() || keys.iter().any(|k| *k != "TargetGroup" && *k != "LoadBalancer") {
        return Err(format!("ecsim publishes {metric} by TargetGroup and/or LoadBalancer, not by {}", keys.join(", ")));
    }
    for (key, section) in [("TargetGroup", "target_groups"), ("LoadBalancer", "load_balancers")] {
        let name = value(dims, key);
        if keys.contains(&key) && !draft.has(section, &name) {
            return Err(format!("{key} {name} is not in the import"));
        }
    }
    Ok(None)
}

/// A target group's or load balancer's name from the forms alarms and metrics use
/// (`targetgroup/web/0123…`, `app/web/0123…`).
fn short_name(value: &str) -> String {
    match value.split('/').collect::<Vec<_>>().as_slice() {
        ["targetgroup" | "app", name, _] => (*name).to_string(),
        _ => value.to_string(),
    }
}

pub fn scaling(cx: &mut Cx, draft: &mut Draft) {
    let policies = cx.each("AWS::ApplicationAutoScaling::ScalingPolicy");
    for (s, id, res) in cx.each("AWS::ApplicationAutoScaling::ScalableTarget") {
        let mark = cx.assumed.len();
        let namespace = cx.prop_text(s, &res, "ServiceNamespace").unwrap_or_default();
        let resource = cx.prop_text(s, &res, "ResourceId").unwrap_or_default();
        let service = resource.rsplit('/').next().unwrap_or_default().to_string();
        if namespace != "ecs" || !draft.has("services", &service) {
            cx.warn(s, &res, format!("not modelled: scalable target {id} ({namespace} {resource}) is not an ECS service of the import"));
            continue;
        }
        let target_ref = cx.ref_value(s, &id);
        let mut t = Table::new();
        t.comment(cx.origin(s, &id, &res));
        t.set("service", service.as_str());
        for (from, to) in [("MinCapacity", "min"), ("MaxCapacity", "max")] {
            if let Some(n) = cx.prop_int(s, &res, from) {
                t.set(to, n.max(0));
            }
        }
        for a in cx.prop(s, &res, "ScheduledActions").and_then(|a| a.as_seq().map(<[Node]>::to_vec)).unwrap_or_default() {
            let mut e = Table::new();
            e.set("name", a.get("ScheduledActionName").and_then(Node::scalar_text).unwrap_or_default());
            e.set("schedule", a.get("Schedule").and_then(Node::scalar_text).unwrap_or_default());
            for (from, to) in [("MinCapacity", "min"), ("MaxCapacity", "max")] {
                if let Some(n) = a.get("ScalableTargetAction").and_then(|x| x.get(from)).and_then(Node::as_i64) {
                    e.set(to, n.max(0));
                }
            }
            t.push_child("scheduled", e);
        }
        for (ps, pid, pres) in &policies {
            let by_id = cx.prop_text(*ps, pres, "ScalingTargetId");
            let by_resource = cx.prop_text(*ps, pres, "ResourceId");
            if by_id.as_deref() != Some(target_ref.as_str()) && by_resource.as_deref() != Some(resource.as_str()) {
                continue;
            }
            if let Some((kind, policy)) = policy(cx, draft, *ps, pid, pres) {
                t.push_child(kind, policy);
            }
        }
        if let Some(c) = cx.take_assumed(mark) {
            t.comment(c);
        }
        cx.unread(
            s,
            &res,
            "AWS::ApplicationAutoScaling::ScalableTarget",
            &["ServiceNamespace", "ResourceId", "MinCapacity", "MaxCapacity", "ScheduledActions"],
            &["RoleARN", "ScalableDimension", "SuspendedState"],
        );
        draft.push("scaling", t);
    }
}

/// A scaling policy as `("target_tracking" | "step", table)`.
fn policy(cx: &mut Cx, draft: &Draft, s: usize, id: &str, res: &Node) -> Option<(&'static str, Table)> {
    let name = cx.ref_value(s, id);
    let name = name.strip_prefix("policy:").unwrap_or(&name).to_string();
    let kind = cx.prop_text(s, res, "PolicyType").unwrap_or_default();
    let mut t = Table::new();
    t.comment(cx.origin(s, id, res));
    t.set("name", name);
    match kind.as_str() {
        "TargetTrackingScaling" => {
            let c = cx.prop(s, res, "TargetTrackingScalingPolicyConfiguration")?;
            t.set("target", c.get("TargetValue").and_then(Node::as_f64).unwrap_or(50.0));
            let Some(spec) = c.get("PredefinedMetricSpecification") else {
                cx.warn(s, &c, format!("not modelled: policy {id} tracks a customized metric; the policy is left out"));
                return None;
            };
            let metric = spec.get("PredefinedMetricType").and_then(Node::scalar_text).unwrap_or_default();
            t.set("metric", metric.as_str());
            if metric == "ALBRequestCountPerTarget" {
                let label = spec.get("ResourceLabel").and_then(Node::scalar_text).unwrap_or_default();
                let parts: Vec<&str> = label.split('/').collect();
                let tg = parts.iter().position(|p| *p == "targetgroup").and_then(|i| parts.get(i + 1)).map(|p| p.to_string());
                match tg.filter(|tg| draft.has("target_groups", tg)) {
                    Some(tg) => {
                        t.set("target_group", tg);
                    }
                    None => {
                        cx.warn(
                            s,
                            spec,
                            format!("not modelled: policy {id}: its target group ({label}) is not in the import; the policy is left out"),
                        );
                        return None;
                    }
                }
            }
            for (from, to) in [("ScaleOutCooldown", "scale_out_cooldown"), ("ScaleInCooldown", "scale_in_cooldown")] {
                if let Some(n) = c.get(from).and_then(Node::as_i64) {
                    t.set(to, format!("{n}s"));
                }
            }
            if let Some(d) = c.get("DisableScaleIn").and_then(Node::as_bool) {
                t.set("disable_scale_in", d);
            }
            Some(("target_tracking", t))
        }
        "StepScaling" => {
            let action = toml::Value::from(format!("policy:{}", t.get("name").and_then(|v| v.as_str()).unwrap_or_default()));
            let invoked =
                draft.section("alarms").any(|a| a.get("alarm_actions").and_then(|v| v.as_array()).is_some_and(|l| l.contains(&action)));
            if !invoked {
                cx.warn(s, res, format!("not modelled: step policy {id}: no alarm of the import invokes it; the policy is left out"));
                return None;
            }
            let c = cx.prop(s, res, "StepScalingPolicyConfiguration")?;
            t.set("adjustment_type", c.get("AdjustmentType").and_then(Node::scalar_text).unwrap_or_else(|| "ChangeInCapacity".into()));
            let steps: Vec<toml::Value> = c
                .get("StepAdjustments")
                .and_then(Node::as_seq)
                .unwrap_or_default()
                .iter()
                .map(|a| {
                    let mut e = toml::Table::new();
                    if let Some(x) = a.get("MetricIntervalLowerBound").and_then(Node::as_f64) {
                        e.insert("lower".into(), x.into());
                    }
                    if let Some(x) = a.get("MetricIntervalUpperBound").and_then(Node::as_f64) {
                        e.insert("upper".into(), x.into());
                    }
                    e.insert("adjustment".into(), a.get("ScalingAdjustment").and_then(Node::as_i64).unwrap_or(0).into());
                    toml::Value::Table(e)
                })
                .collect();
            t.set("steps", steps);
            if let Some(n) = c.get("MinAdjustmentMagnitude").and_then(Node::as_i64) {
                t.set("min_adjustment_magnitude", n);
            }
            if let Some(n) = c.get("Cooldown").and_then(Node::as_i64) {
                t.set("cooldown", format!("{n}s"));
            }
            if let Some(a) = c.get("MetricAggregationType").and_then(Node::scalar_text) {
                t.set("aggregation", a);
            }
            Some(("step", t))
        }
        other => {
            cx.warn(s, res, format!("not modelled: scaling policy type {other}"));
            None
        }
    }
}

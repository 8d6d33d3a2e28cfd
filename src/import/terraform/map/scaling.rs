//! Service Auto Scaling and alarms: `aws_appautoscaling_target` (a service's min and max),
//! `aws_appautoscaling_policy` (target tracking and step scaling),
//! `aws_appautoscaling_scheduled_action`, and `aws_cloudwatch_metric_alarm` on the metrics a run
//! publishes (an alarm on another metric is not modelled).

use super::elb::TG_TYPES;
use super::{seconds, Mapper};
use crate::import::draft::Table;
use crate::import::terraform::instances::ResInst;
use crate::import::terraform::value::Value;

const POLICY: &[&str] = &["aws_appautoscaling_policy"];

impl Mapper<'_> {
    /// The mapped service a `resource_id` (`service/<cluster>/<service>`) names.
    fn service_of(&self, v: &Value) -> Option<String> {
        let name = self.target(v, &["aws_ecs_service"]).or_else(|| v.as_str()?.rsplit('/').next().map(str::to_string))?;
        self.draft.has("services", &name).then_some(name)
    }

    fn is_ecs(&self, r: &ResInst) -> bool {
        r.body.get("service_namespace").and_then(|a| a.value.as_str()).is_none_or(|s| s == "ecs")
    }

    /// The `min_capacity` of the scalable target of service `name`, if one says it.
    pub(super) fn scaling_min(&self, name: &str) -> Option<i64> {
        self.of(&["aws_appautoscaling_target"]).into_iter().find_map(|r| {
            let svc = r.body.get("resource_id").and_then(|a| {
                self.target(&a.value, &["aws_ecs_service"]).or_else(|| a.value.as_str()?.rsplit('/').next().map(str::to_string))
            })?;
            (svc == name).then(|| r.body.get("min_capacity")?.value.as_i64())?
        })
    }

    pub(super) fn scaling(&mut self) {
        for r in self.of(&["aws_appautoscaling_target"]) {
            if !self.is_ecs(r) {
                let at = r.body.at;
                self.warn(at, format!("not modelled: {}: a scalable target of another service than ECS", r.addr));
                continue;
            }
            let Some(service) = r.body.get("resource_id").and_then(|a| self.service_of(&a.value)) else {
                let at = r.body.get("resource_id").map_or(r.body.at, |a| a.at);
                self.warn(at, format!("{}: the service it scales is not one of the configuration's: left out", r.addr));
                continue;
            };
            if self.draft.section("scaling").any(|t| t.get("service").and_then(|v| v.as_str()) == Some(service.as_str())) {
                let at = r.body.at;
                self.warn(at, format!("{}: a second scalable target for service {service}: left out", r.addr));
                continue;
            }
            let mut t = Table::new();
            t.comment(format!("From {}.", r.addr));
            t.set("service", service.as_str());
            if let Some(n) = self.int(r, &r.body, "min_capacity") {
                t.set("min", n);
            }
            if let Some(n) = self.int(r, &r.body, "max_capacity") {
                t.set("max", n);
            }
            for p in self.of(POLICY) {
                if p.body.get("resource_id").and_then(|a| self.service_of(&a.value)).as_deref() == Some(service.as_str()) {
                    self.policy(p, &mut t);
                }
            }
            for s in self.of(&["aws_appautoscaling_scheduled_action"]) {
                if s.body.get("resource_id").and_then(|a| self.service_of(&a.value)).as_deref() == Some(service.as_str()) {
                    self.scheduled(s, &mut t);
                }
            }
            self.draft.push("scaling", t);
            self.unread(r, &["min_capacity", "max_capacity"]);
        }
    }

    fn policy(&mut self, p: &ResInst, t: &mut Table) {
        let (name, _) = self.name(p);
        let b = &p.body;
        let kind = self.text(p, b, "policy_type").unwrap_or_else(|| "StepScaling".into());
        let mut pt = Table::new();
        pt.comment(format!("From {}.", p.addr));
        pt.set("name", name.as_str());
        match kind.as_str() {
            "TargetTrackingScaling" => {
                let Some(c) = b.block("target_tracking_scaling_policy_configuration") else { return };
                let Some(m) = c.block("predefined_metric_specification") else {
                    let at = c.at;
                    self.warn(at, format!("not modelled: {}: target tracking on a customized metric: left out", p.addr));
                    return;
                };
                let Some(metric) = self.text(p, m, "predefined_metric_type") else { return };
                if !matches!(
                    metric.as_str(),
                    "ECSServiceAverageCPUUtilization" | "ECSServiceAverageMemoryUtilization" | "ALBRequestCountPerTarget"
                ) {
                    let at = m.at;
                    self.warn(at, format!("not modelled: {}: target tracking on {metric}: left out", p.addr));
                    return;
                }
                let Some(target) = self.float(p, c, "target_value") else {
                    let at = c.at;
                    self.warn(at, format!("{}: the target value is not known: left out", p.addr));
                    return;
                };
                pt.set("target", target).set("metric", metric.as_str());
                if metric == "ALBRequestCountPerTarget" {
                    let label = m.get("resource_label").map(|a| a.value.clone()).unwrap_or(Value::Null);
                    let tg = self.target(&label, TG_TYPES).or_else(|| {
                        let s = label.as_str()?;
                        let n = s.split("targetgroup/").nth(1)?.split('/').next()?.to_string();
                        self.draft.has("target_groups", &n).then_some(n)
                    });
                    match tg {
                        Some(n) => {
                            pt.set("target_group", n);
                        }
                        None => {
                            let at = m.at;
                            self.warn(
                                at,
                                format!(
                                    "{}: the target group of ALBRequestCountPerTarget is not one of the configuration's: left out",
                                    p.addr
                                ),
                            );
                            return;
                        }
                    }
                }
                for k in ["scale_out_cooldown", "scale_in_cooldown"] {
                    if let Some(n) = self.int(p, c, k) {
                        pt.set(k, seconds(n));
                    }
                }
                if let Some(d) = self.boolean(p, c, "disable_scale_in") {
                    pt.set("disable_scale_in", d);
                }
                t.push_child("target_tracking", pt);
            }
            "StepScaling" => {
                let Some(c) = b.block("step_scaling_policy_configuration") else { return };
                pt.set("adjustment_type", self.text(p, c, "adjustment_type").unwrap_or_else(|| "ChangeInCapacity".into()));
                let mut steps = Vec::new();
                for s in c.blocks("step_adjustment") {
                    let mut st = toml::Table::new();
                    if let Some(x) = self.float(p, s, "metric_interval_lower_bound") {
                        st.insert("lower".into(), x.into());
                    }
                    if let Some(x) = self.float(p, s, "metric_interval_upper_bound") {
                        st.insert("upper".into(), x.into());
                    }
                    st.insert("adjustment".into(), self.int(p, s, "scaling_adjustment").unwrap_or(0).into());
                    steps.push(toml::Value::Table(st));
                }
                pt.set("steps", steps);
                if let Some(n) = self.int(p, c, "min_adjustment_magnitude") {
                    pt.set("min_adjustment_magnitude", n);
                }
                if let Some(n) = self.int(p, c, "cooldown") {
                    pt.set("cooldown", seconds(n));
                }
                if let Some(a) = self.text(p, c, "metric_aggregation_type") {
                    pt.set("aggregation", a);
                }
                t.push_child("step", pt);
            }
            other => {
                let at = b.at;
                self.warn(at, format!("not modelled: {}: a {other} policy", p.addr));
            }
        }
    }

    fn scheduled(&mut self, s: &ResInst, t: &mut Table) {
        let b = &s.body;
        let mut st = Table::new();
        st.comment(format!("From {}.", s.addr));
        st.set("name", self.text(s, b, "name").unwrap_or_else(|| s.name.clone()));
        let Some(schedule) = self.text(s, b, "schedule") else { return };
        st.set("schedule", schedule);
        if let Some(tz) = self.text(s, b, "timezone").filter(|z| z != "UTC" && z != "Etc/UTC") {
            let at = b.get("timezone").map_or(b.at, |a| a.at);
            self.warn(at, format!("not modelled: {}: the time zone {tz} (the schedule is read in UTC)", s.addr));
        }
        if let Some(a) = b.block("scalable_target_action") {
            if let Some(n) = self.int(s, a, "min_capacity") {
                st.set("min", n);
            }
            if let Some(n) = self.int(s, a, "max_capacity") {
                st.set("max", n);
            }
        }
        t.push_child("scheduled", st);
    }

    pub(super) fn alarms(&mut self) {
        use crate::scenario::cloudwatch_json::known_metrics;
        for r in self.of(&["aws_cloudwatch_metric_alarm"]) {
            let b = &r.body;
            if b.block("metric_query").is_some() {
                let at = b.at;
                self.warn(at, format!("not modelled: {}: an alarm on metric math: left out", r.addr));
                continue;
            }
            let namespace = self.text(r, b, "namespace").unwrap_or_default();
            let metric = self.text(r, b, "metric_name").unwrap_or_default();
            let mut dims = toml::Table::new();
            let mut unresolved = None;
            if let Some(Value::Map(m)) = b.get("dimensions").map(|a| &a.value) {
                for (k, v) in m {
                    let resolved = match k.as_str() {
                        "ClusterName" => self
                            .draft
                            .cluster
                            .get("name")
                            .and_then(|n| n.as_str())
                            .map(str::to_string)
                            .or_else(|| v.as_str().map(str::to_string)),
                        "ServiceName" => self
                            .target(v, &["aws_ecs_service"])
                            .or_else(|| v.as_str().map(str::to_string))
                            .filter(|s| self.draft.has("services", s)),
                        "TargetGroup" => self
                            .target(v, TG_TYPES)
                            .or_else(|| Some(v.as_str()?.split("targetgroup/").nth(1)?.split('/').next()?.to_string()))
                            .filter(|n| self.draft.has("target_groups", n)),
                        "LoadBalancer" => self
                            .target(v, &["aws_lb", "aws_alb"])
                            .or_else(|| Some(v.as_str()?.split("app/").nth(1)?.split('/').next()?.to_string()))
                            .filter(|n| self.draft.has("load_balancers", n)),
                        _ => v.as_str().map(str::to_string),
                    };
                    match resolved {
                        Some(s) => {
                            dims.insert(k.clone(), s.into());
                        }
                        None => unresolved = Some(format!("{k} ({})", crate::import::terraform::eval::describe(v))),
                    }
                }
            }
            let mut names: Vec<&str> = dims.keys().map(String::as_str).collect();
            names.sort();
            let known = known_metrics()
                .iter()
                .any(|k| k.namespace == namespace && k.name == metric && k.dimension_sets.contains(&names.as_slice()));
            if !known {
                let at = b.at;
                self.warn(
                    at,
                    format!("not modelled: {}: an alarm on {namespace} {metric} {names:?}, which a run does not publish: left out", r.addr),
                );
                continue;
            }
            if let Some(u) = unresolved {
                let at = b.get("dimensions").map_or(b.at, |a| a.at);
                self.warn(at, format!("{}: the dimension {u} is not a resource of the configuration: the alarm is left out", r.addr));
                continue;
            }
            let (_, mut t) = self.named_table(r);
            t.set("namespace", namespace).set("metric", metric).set("dimensions", toml::Value::Table(dims));
            match (self.text(r, b, "statistic"), self.text(r, b, "extended_statistic")) {
                (Some(s), _) | (None, Some(s)) => t.set("statistic", s),
                (None, None) => t.set("statistic", "Average"),
            };
            if let Some(n) = self.int(r, b, "period") {
                t.set("period", seconds(n));
            }
            for k in ["evaluation_periods", "datapoints_to_alarm"] {
                if let Some(n) = self.int(r, b, k) {
                    t.set(k, n);
                }
            }
            if let Some(x) = self.float(r, b, "threshold") {
                t.set("threshold", x);
            }
            if let Some(c) = self.text(r, b, "comparison_operator") {
                t.set("comparison", c);
            }
            if let Some(c) = self.text(r, b, "treat_missing_data") {
                t.set("treat_missing_data", c);
            }
            if let Some(e) = self.boolean(r, b, "actions_enabled") {
                t.set("actions_enabled", e);
            }
            for (tf, key) in [
                ("alarm_actions", "alarm_actions"),
                ("ok_actions", "ok_actions"),
                ("insufficient_data_actions", "insufficient_data_actions"),
            ] {
                let Some(a) = b.get(tf) else { continue };
                let (items, at) = (a.value.as_list().map(<[Value]>::to_vec).unwrap_or_else(|| vec![a.value.clone()]), a.at);
                let mut actions = Vec::new();
                for v in items {
                    if let Some(p) = self.target(&v, POLICY) {
                        actions.push(format!("policy:{p}"));
                    } else if let Some(s) = v.as_str().filter(|s| s.starts_with("arn:")) {
                        actions.push(s.to_string());
                    } else {
                        let what = crate::import::terraform::eval::describe(&v);
                        self.warn(at, format!("not modelled: {}: the action {what} (not known before apply): left out", r.addr));
                    }
                }
                if !actions.is_empty() {
                    t.set(key, actions);
                }
            }
            self.draft.push("alarms", t);
            self.unread(
                r,
                &[
                    "alarm_name",
                    "namespace",
                    "metric_name",
                    "dimensions",
                    "statistic",
                    "extended_statistic",
                    "period",
                    "evaluation_periods",
                    "datapoints_to_alarm",
                    "threshold",
                    "comparison_operator",
                    "treat_missing_data",
                    "actions_enabled",
                    "alarm_actions",
                    "ok_actions",
                    "insufficient_data_actions",
                    "unit",
                ],
            );
        }
    }
}

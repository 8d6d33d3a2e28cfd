//! The `[[alarms]]` part of a scenario: CloudWatch metric alarms (docs/ecs-model.md#alarms), written inline or
//! read from PutMetricAlarm / describe-alarms JSON (`cloudwatch_json`), and checked against the
//! metrics this scenario publishes: an alarm on a service, target group or cluster the scenario
//! does not have is an error at its line and column.

use super::cloudwatch_json::{action_list_problems, keyword, load_alarms, metric_problem, ActionProblem};
use super::load::Cx;
use crate::cloudwatch::actions::MAX_ACTIONS_PER_STATE;
use crate::cloudwatch::{
    AlarmConfig, ComparisonOperator, ConfigError, LowSampleCountPercentile, MetricId, Period, Statistic, TreatMissingData,
    COMPARISON_OPERATORS, LOW_SAMPLE_SETTINGS, STATISTICS, TREATMENTS,
};
use crate::elb::config::ElbConfig;
use crate::engine::Span;
use crate::model::diagnostic::Diagnostic;
use crate::model::{lb_dimension, tg_dimension};
use serde::Deserialize;
use std::collections::BTreeMap;
use toml::Spanned;

/// One `[[alarms]]` table: a PutMetricAlarm request.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAlarm {
    /// `AlarmName` (required unless `file` gives it).
    pub name: Option<Spanned<String>>,
    /// put-metric-alarm input or describe-alarms output JSON (every alarm in it is added).
    pub file: Option<Spanned<String>>,
    pub namespace: Option<String>,
    pub metric: Option<Spanned<String>>,
    #[serde(default)]
    pub dimensions: BTreeMap<String, String>,
    /// "Average", "Sum", "Minimum", "Maximum", "SampleCount" or a percentile "p99".
    pub statistic: Option<Spanned<String>>,
    pub period: Option<Spanned<Span>>,
    pub evaluation_periods: Option<u32>,
    pub datapoints_to_alarm: Option<u32>,
    pub threshold: Option<f64>,
    pub comparison: Option<Spanned<String>>,
    pub treat_missing_data: Option<Spanned<String>>,
    pub evaluate_low_sample_count_percentile: Option<Spanned<String>>,
    /// `AlarmActions`: run on entering ALARM — SNS topics, Lambda functions, EC2 actions, and
    /// scaling policies (`"policy:<name>"` or a policy ARN), which run every minute in ALARM.
    #[serde(default)]
    pub alarm_actions: Vec<Spanned<String>>,
    /// `OKActions`: run on entering OK.
    #[serde(default)]
    pub ok_actions: Vec<Spanned<String>>,
    /// `InsufficientDataActions`: run on entering INSUFFICIENT_DATA.
    #[serde(default)]
    pub insufficient_data_actions: Vec<Spanned<String>>,
    /// `ActionsEnabled` (default true): false keeps the state changes but runs no action.
    pub actions_enabled: Option<bool>,
}

/// Where an alarm read from JSON names its metric: the file, its text, line and column.
type JsonPlace = (std::path::PathBuf, String, usize, usize);

/// What the scenario publishes, to check alarm dimensions against.
pub struct Published<'a> {
    pub cluster: &'a str,
    pub services: Vec<&'a str>,
    pub elb: &'a ElbConfig,
}

impl Published<'_> {
    /// Rewrites short dimension values to the ones ecsim publishes (`TargetGroup = "web"` →
    /// `targetgroup/web/…`, `LoadBalancer = "web"` → `app/web/…`) and says what is unknown.
    fn resolve(&self, metric: &MetricId) -> Result<MetricId, (String, String)> {
        if metric.namespace() == "AWS/ECS"
            && matches!(metric.name(), "CPUUtilization" | "MemoryUtilization")
            && metric.dimension("ServiceName").is_none()
        {
            return Err((
                format!("the cluster-level {} is not published by ecsim yet (only the service-level one)", metric.name()),
                "add ServiceName to the dimensions, or watch CPUReservation / MemoryReservation".into(),
            ));
        }
        let mut dims: Vec<(String, String)> = Vec::new();
        for (k, v) in metric.dimensions() {
            let v = match k.as_str() {
                "ClusterName" if v != self.cluster => {
                    return Err((format!("ClusterName {v:?} is not this scenario's cluster"), format!("the cluster is {:?}", self.cluster)))
                }
                "ServiceName" if !self.services.contains(&v.as_str()) => {
                    return Err((format!("ServiceName {v:?} is not a service of the scenario"), format!("services: {:?}", self.services)))
                }
                "TargetGroup" => match self.elb.target_groups.iter().find(|t| t.name == *v || tg_dimension(&t.arn) == *v) {
                    Some(t) => tg_dimension(&t.arn),
                    None => {
                        let names: Vec<&str> = self.elb.target_groups.iter().map(|t| t.name.as_str()).collect();
                        return Err((
                            format!("TargetGroup {v:?} is not a target group of the scenario"),
                            format!("target groups: {names:?}"),
                        ));
                    }
                },
                "LoadBalancer" => match self.elb.load_balancers.iter().find(|l| l.name == *v || lb_dimension(&l.name) == *v) {
                    Some(l) => lb_dimension(&l.name),
                    None => {
                        let names: Vec<&str> = self.elb.load_balancers.iter().map(|l| l.name.as_str()).collect();
                        return Err((
                            format!("LoadBalancer {v:?} is not a load balancer of the scenario"),
                            format!("load balancers: {names:?}"),
                        ));
                    }
                },
                _ => v.clone(),
            };
            dims.push((k.clone(), v));
        }
        Ok(MetricId::new(metric.namespace(), metric.name(), dims))
    }
}

impl Cx<'_> {
    pub(super) fn build_alarms(&mut self, raw: &[RawAlarm], published: &Published) -> Vec<AlarmConfig> {
        let mut out: Vec<AlarmConfig> = Vec::new();
        for (i, a) in raw.iter().enumerate() {
            let span = a.name.as_ref().map(Spanned::span).or(a.file.as_ref().map(Spanned::span)).unwrap_or(self.entry_span("alarms", i));
            let mut configs: Vec<(AlarmConfig, Option<JsonPlace>)> = Vec::new();
            if let Some(file) = &a.file {
                let Some((path, text)) = self.read_file(file) else { continue };
                match load_alarms(&path, &text) {
                    Ok((loaded, warnings)) => {
                        self.diags.extend(warnings);
                        for l in loaded {
                            configs.push((l.config, Some((path.clone(), text.clone(), l.metric_line, l.metric_column))));
                        }
                    }
                    Err(e) => {
                        self.diags.extend(e);
                        continue;
                    }
                }
            } else if let Some(c) = self.inline_alarm(a, i) {
                configs.push((c, None));
            } else {
                continue;
            }
            for (mut config, at) in configs {
                let error = |cx: &mut Self, message: String, help: String| match &at {
                    Some((path, text, line, col)) => {
                        cx.diags.push(Diagnostic::error(path, *line, *col, message).with_source(text).with_help(help))
                    }
                    None => cx.error_at(a.metric.as_ref().map_or(span.clone(), Spanned::span), message, help),
                };
                if let Some(p) = metric_problem(&config.metric) {
                    error(self, p.message, p.help);
                    continue;
                }
                match published.resolve(&config.metric) {
                    Ok(m) => config.metric = m,
                    Err((message, help)) => {
                        error(self, format!("alarm {:?}: {message}", config.name), help);
                        continue;
                    }
                }
                if out.iter().any(|o| o.name == config.name) {
                    self.error_at(span.clone(), format!("alarm {:?} is defined twice", config.name), "give each alarm a distinct name");
                    continue;
                }
                out.push(config);
            }
        }
        out
    }

    fn inline_alarm(&mut self, a: &RawAlarm, index: usize) -> Option<AlarmConfig> {
        let Some(name) = &a.name else {
            self.error_at(self.entry_span("alarms", index), "an [[alarms]] entry needs a name (or a file)", "add name = \"HighCPU\"");
            return None;
        };
        let Some(metric) = &a.metric else {
            self.error_at(
                name.span(),
                format!("alarm {:?} names no metric", name.get_ref()),
                "add metric = \"CPUUtilization\" (and namespace, dimensions)",
            );
            return None;
        };
        let namespace = a.namespace.clone().unwrap_or_else(|| "AWS/ECS".into());
        let id = MetricId::new(namespace, metric.get_ref().clone(), a.dimensions.iter().map(|(k, v)| (k.clone(), v.clone())));
        let help = "use Average, Sum, Minimum, Maximum, SampleCount or a percentile such as p99";
        let statistic = self.alarm_keyword(&a.statistic, Statistic::Average, &STATISTICS, help, str::parse)?;
        let period = match &a.period {
            None => Period::from_seconds(60).ok()?,
            Some(p) => match Period::from_seconds(p.get_ref().whole_secs() as i64) {
                Ok(p) => p,
                Err(e) => {
                    self.error_at(p.span(), e.to_string(), e.help());
                    return None;
                }
            },
        };
        let help = "use GreaterThanThreshold, GreaterThanOrEqualToThreshold, LessThanThreshold or LessThanOrEqualToThreshold";
        let comparison =
            self.alarm_keyword(&a.comparison, ComparisonOperator::GreaterThanThreshold, &COMPARISON_OPERATORS, help, str::parse)?;
        let Some(threshold) = a.threshold else {
            self.error_at(name.span(), format!("alarm {:?} has no threshold", name.get_ref()), "add threshold = 50");
            return None;
        };
        let n = a.evaluation_periods.unwrap_or(1);
        let help = "use missing, ignore, breaching or notBreaching";
        let treatment = self.alarm_keyword(&a.treat_missing_data, TreatMissingData::default(), &TREATMENTS, help, str::parse)?;
        let low_sample = &a.evaluate_low_sample_count_percentile;
        let low_sample = self.alarm_keyword(
            low_sample,
            LowSampleCountPercentile::default(),
            &LOW_SAMPLE_SETTINGS,
            "use evaluate or ignore",
            str::parse,
        )?;
        let mut config = AlarmConfig::new(name.get_ref().clone(), id, statistic, period, n, comparison, threshold)
            .with_datapoints_to_alarm(a.datapoints_to_alarm.unwrap_or(n))
            .with_treat_missing_data(treatment)
            .with_low_sample_count_percentile(low_sample);
        config.alarm_actions = self.action_list(name.get_ref(), "alarm_actions", &a.alarm_actions)?;
        config.ok_actions = self.action_list(name.get_ref(), "ok_actions", &a.ok_actions)?;
        config.insufficient_data_actions = self.action_list(name.get_ref(), "insufficient_data_actions", &a.insufficient_data_actions)?;
        config.actions_enabled = a.actions_enabled.unwrap_or(true);
        if let Err(e) = config.validate() {
            self.error_at(name.span(), format!("alarm {:?}: {e}", name.get_ref()), e.help());
            return None;
        }
        Some(config)
    }

    /// A PutMetricAlarm keyword (`default` when not given), or an error at it: "did you mean"
    /// when it is near one of `names`, otherwise `help`.
    fn alarm_keyword<T>(
        &mut self,
        v: &Option<Spanned<String>>,
        default: T,
        names: &[&str],
        help: &str,
        parse: impl Fn(&str) -> Result<T, ConfigError>,
    ) -> Option<T> {
        let Some(v) = v else { return Some(default) };
        let report = |(e, near): (ConfigError, Option<String>)| self.error_at(v.span(), e.to_string(), near.unwrap_or_else(|| help.into()));
        keyword(v.get_ref(), names, parse).map_err(report).ok()
    }

    /// One of an alarm's action lists, each ARN checked as PutMetricAlarm does (its service, at
    /// most five); an error is located at the offending string.
    fn action_list(&mut self, alarm: &str, key: &str, list: &[Spanned<String>]) -> Option<Vec<String>> {
        let arns: Vec<String> = list.iter().map(|a| a.get_ref().clone()).collect();
        let problems = action_list_problems(&arns);
        for p in &problems {
            let (at, message) = match p {
                ActionProblem::Unknown(i, _) => (*i, format!("alarm {alarm:?}, {}", p.message(key))),
                ActionProblem::TooMany(_) => (MAX_ACTIONS_PER_STATE, format!("alarm {alarm:?}: {}", p.message(key))),
            };
            self.error_at(list[at].span(), message, p.help());
        }
        problems.is_empty().then_some(arns)
    }
}

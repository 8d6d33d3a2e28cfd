//! Importer for CloudWatch metric alarms as users already have them:
//! * `aws cloudwatch put-metric-alarm --cli-input-json` input (one object with `AlarmName`);
//! * `aws cloudwatch describe-alarms` output (`{"MetricAlarms": [...], "CompositeAlarms": [...]}`).
//!
//! The machinery is `ecs_json`'s: syntax and type errors located by `serde_path_to_error` and
//! `json_doc`, the same field policy (unknown names are errors in input files and warnings in
//! describe output; settings ecsim does not simulate give one warning each), every problem
//! collected. The checks are PutMetricAlarm's own (docs/ecs-model.md#alarms): M ≤ N, N × Period ≤ one day,
//! periods of whole minutes, the four static operators and treatments. Metric math (`Metrics`)
//! and anomaly-detection thresholds are refused as not modelled.
//!
//! Whether the simulation publishes an alarm's metric is for the caller to check, once it knows
//! the scenario's clusters, services and target groups: [`metric_problem`] tells whether ecsim
//! publishes such a metric at all (namespace, name, dimension names) with a "did you mean", and
//! each [`LoadedAlarm`] says where its metric is written.

use super::ecs_json::schema::Field::{Derived, Modelled, Unmodelled};
use super::ecs_json::schema::Shape::{ArrayOf, Leaf};
use super::ecs_json::schema::{Field, Schema};
use super::ecs_json::{did_you_mean, At, Ctx, JPath, Scalar};
use super::elbv2_json::Shapes;
use crate::cloudwatch::actions::{classify, ACTION_HELP, MAX_ACTIONS_PER_STATE};
use crate::cloudwatch::{
    AlarmConfig, ConfigError, LowSampleCountPercentile, MetricId, Period, Statistic, TreatMissingData, ANOMALY_OPERATORS,
    COMPARISON_OPERATORS, LOW_SAMPLE_SETTINGS, STATISTICS, TREATMENTS,
};
use crate::model::diagnostic::{Diagnostics, Severity};
use serde::Deserialize;
use serde_json::Value;
use std::path::Path;

mod metrics;
pub use metrics::{closest_known_metric, known_metrics, metric_problem, KnownMetric, MetricProblem, KNOWN_METRICS};

const API: &str = "CloudWatch";

/// Dimensions one metric may have (CloudWatch quota).
pub const MAX_DIMENSIONS: usize = 30;
/// Longest alarm name.
pub const MAX_ALARM_NAME_CHARS: usize = 255;

// ------------------------------------------------------------------ field tables

const M: Field = Modelled(Leaf);

static DESCRIBE_ALARMS: Schema = Schema {
    what: "describe-alarms output",
    fields: &[("MetricAlarms", Modelled(ArrayOf(&METRIC_ALARM))), ("CompositeAlarms", Unmodelled), ("NextToken", Derived)],
};

/// One metric alarm: put-metric-alarm input and describe-alarms output share it. The state
/// fields of the output are derived: a simulated alarm starts in INSUFFICIENT_DATA.
static METRIC_ALARM: Schema = Schema {
    what: "a metric alarm",
    fields: &[
        ("AlarmName", M),
        ("ActionsEnabled", M),
        ("OKActions", M),
        ("AlarmActions", M),
        ("InsufficientDataActions", M),
        ("MetricName", M),
        ("Namespace", M),
        ("Statistic", M),
        ("ExtendedStatistic", M),
        ("Dimensions", Modelled(ArrayOf(&DIMENSION))),
        ("Period", M),
        ("EvaluationPeriods", M),
        ("DatapointsToAlarm", M),
        ("Threshold", M),
        ("ComparisonOperator", M),
        ("TreatMissingData", M),
        ("EvaluateLowSampleCountPercentile", M),
        // Read only to be refused with a message of their own.
        ("Metrics", M),
        ("ThresholdMetricId", M),
        ("Unit", Unmodelled),
        ("Tags", Unmodelled),
        ("AlarmDescription", Derived),
        ("AlarmArn", Derived),
        ("AlarmConfigurationUpdatedTimestamp", Derived),
        ("StateValue", Derived),
        ("StateReason", Derived),
        ("StateReasonData", Derived),
        ("StateUpdatedTimestamp", Derived),
        ("StateTransitionedTimestamp", Derived),
        ("EvaluationState", Derived),
    ],
};

static DIMENSION: Schema = Schema { what: "a dimension", fields: &[("Name", M), ("Value", M)] };

// ------------------------------------------------------------------ loading

/// An alarm read from a file, with where its metric is named (for the caller's "this scenario
/// does not publish that metric").
#[derive(Debug, Clone, PartialEq)]
pub struct LoadedAlarm {
    pub config: AlarmConfig,
    /// Line and column (1-based) of the `MetricName` value.
    pub metric_line: usize,
    pub metric_column: usize,
}

/// Loads put-metric-alarm input (one alarm) or describe-alarms output (every metric alarm, in
/// file order). `Ok` carries the warnings; `Err` every message.
pub fn load_alarms(path: &Path, text: &str) -> Result<(Vec<LoadedAlarm>, Diagnostics), Diagnostics> {
    let mut ctx = Ctx::for_api(path, text, API);
    let Ok(root) = ctx.parse() else {
        return ctx.finish(None);
    };
    let shapes = Shapes { list: ("MetricAlarms", &DESCRIBE_ALARMS), one: &METRIC_ALARM, names: ("describe-alarms", "put-metric-alarm") };
    let mut out: Vec<LoadedAlarm> = Vec::new();
    for (v, here) in shapes.items(&mut ctx, &root) {
        let Some(a) = alarm(&mut ctx, v, &here) else { continue };
        if out.iter().any(|o| o.config.name == a.config.name) {
            ctx.error_help(
                &here.key("AlarmName"),
                At::Value,
                format!("alarm {:?} is listed twice", a.config.name),
                "alarm names are unique in an account and region: keep one",
            );
            continue;
        }
        out.push(a);
    }
    ctx.finish(Some(out))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawAlarm {
    alarm_name: Option<String>,
    actions_enabled: Option<bool>,
    #[serde(rename = "OKActions")]
    ok_actions: Option<Vec<String>>,
    alarm_actions: Option<Vec<String>>,
    insufficient_data_actions: Option<Vec<String>>,
    metric_name: Option<String>,
    namespace: Option<String>,
    statistic: Option<String>,
    extended_statistic: Option<String>,
    dimensions: Option<Vec<RawDimension>>,
    period: Option<Scalar>,
    evaluation_periods: Option<Scalar>,
    datapoints_to_alarm: Option<Scalar>,
    threshold: Option<Scalar>,
    comparison_operator: Option<String>,
    treat_missing_data: Option<String>,
    evaluate_low_sample_count_percentile: Option<String>,
    metrics: Option<Value>,
    threshold_metric_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawDimension {
    name: Option<String>,
    value: Option<String>,
}

/// A required field's value; when it is absent, an error at the alarm's object.
fn required<'r, T>(ctx: &mut Ctx, value: &'r Option<T>, path: &JPath, field: &str, help: &str) -> Option<&'r T> {
    if value.is_none() {
        ctx.error_help(path, At::Value, format!("the alarm has no {field}"), help);
    }
    value.as_ref()
}

fn alarm(ctx: &mut Ctx, v: &Value, path: &JPath) -> Option<LoadedAlarm> {
    let raw: RawAlarm = ctx.de(v, path)?;
    // Metric math and anomaly detection change what the alarm is; the rest would only add noise.
    // Output of an ordinary alarm may carry an empty `Metrics`: only a query list is math.
    if raw.metrics.as_ref().is_some_and(|m| !m.is_null() && m.as_array().is_none_or(|a| !a.is_empty())) {
        ctx.error_help(
            &path.key("Metrics"),
            At::Key,
            "metric math alarms (`Metrics`) are not modelled",
            "alarm on one metric: give Namespace, MetricName, Dimensions, Statistic (or ExtendedStatistic) and Period instead of Metrics",
        );
        return None;
    }
    if raw.threshold_metric_id.is_some() {
        ctx.error_help(
            &path.key("ThresholdMetricId"),
            At::Key,
            "anomaly-detection alarms (`ThresholdMetricId`) are not modelled",
            format!("use a static Threshold with one of {}", COMPARISON_OPERATORS.join(", ")),
        );
        return None;
    }
    // Each check reports its own errors and gives `None`; the alarm is built only when all
    // of them give a value.
    let name = required(ctx, &raw.alarm_name, path, "AlarmName", "add \"AlarmName\": a name of 1–255 ASCII characters")
        .and_then(|n| alarm_name(ctx, n, &path.key("AlarmName")));
    let namespace = required(ctx, &raw.namespace, path, "Namespace", "add \"Namespace\", e.g. \"AWS/ECS\" or \"AWS/ApplicationELB\"")
        .and_then(|ns| non_empty(ctx, ns, &path.key("Namespace"), "Namespace"));
    let help = "add \"MetricName\", e.g. \"CPUUtilization\" (or alarm on metric math, which ecsim does not model)";
    let metric_name =
        required(ctx, &raw.metric_name, path, "MetricName", help).and_then(|m| non_empty(ctx, m, &path.key("MetricName"), "MetricName"));
    let dimensions = dimensions(ctx, raw.dimensions.as_deref().unwrap_or_default(), &path.key("Dimensions"));
    let statistic = statistic(ctx, &raw, path);
    let period = required(ctx, &raw.period, path, "Period", "add \"Period\" in seconds: 60 or a multiple of 60").and_then(|p| {
        let here = path.key("Period");
        let s = ctx.int(p, &here, i64::MIN, i64::MAX)?;
        Period::from_seconds(s).map_err(|e| ctx.error_help(&here, At::Value, e.to_string(), e.help())).ok()
    });
    let help = "add \"EvaluationPeriods\": the N of \"M out of N\", at least 1";
    let evaluation_periods = required(ctx, &raw.evaluation_periods, path, "EvaluationPeriods", help)
        .and_then(|n| count(ctx, n, &path.key("EvaluationPeriods"), ConfigError::ZeroEvaluationPeriods));
    let datapoints =
        raw.datapoints_to_alarm.as_ref().map(|m| count(ctx, m, &path.key("DatapointsToAlarm"), ConfigError::ZeroDatapointsToAlarm));
    let threshold = required(ctx, &raw.threshold, path, "Threshold", "add \"Threshold\": the number the statistic is compared with")
        .and_then(|t| number(ctx, t, &path.key("Threshold")));
    let help = format!("add \"ComparisonOperator\": one of {}", COMPARISON_OPERATORS.join(", "));
    let comparison = required(ctx, &raw.comparison_operator, path, "ComparisonOperator", &help)
        .and_then(|op| parsed(ctx, op, &path.key("ComparisonOperator"), &COMPARISON_OPERATORS, str::parse));
    let treatment = match &raw.treat_missing_data {
        Some(t) => parsed(ctx, t, &path.key("TreatMissingData"), &TREATMENTS, str::parse),
        None => Some(TreatMissingData::default()),
    };
    let low_sample = match &raw.evaluate_low_sample_count_percentile {
        Some(l) => {
            let here = path.key("EvaluateLowSampleCountPercentile");
            let parsed = parsed(ctx, l, &here, &LOW_SAMPLE_SETTINGS, str::parse);
            if parsed.is_some() && statistic.is_some_and(|s| s.percentile().is_none()) {
                ctx.warn(&here, At::Key, "EvaluateLowSampleCountPercentile only applies to percentile statistics and is ignored here");
            }
            parsed
        }
        None => Some(LowSampleCountPercentile::default()),
    };

    let (Some(name), Some(namespace), Some(metric_name), Some(dimensions), Some(statistic), Some(period)) =
        (name, namespace, metric_name, dimensions, statistic, period)
    else {
        return None;
    };
    let (Some(n), Some(threshold), Some(comparison), Some(treatment), Some(low_sample)) =
        (evaluation_periods, threshold, comparison, treatment, low_sample)
    else {
        return None;
    };
    let m = match datapoints {
        Some(Some(m)) => m,
        Some(None) => return None,
        None => n,
    };
    let metric = MetricId::new(namespace, metric_name, dimensions);
    let config = AlarmConfig {
        name: name.to_string(),
        metric,
        statistic,
        period,
        evaluation_periods: n,
        datapoints_to_alarm: m,
        threshold,
        comparison,
        treat_missing_data: treatment,
        evaluate_low_sample_count_percentile: low_sample,
        actions_enabled: raw.actions_enabled.unwrap_or(true),
        alarm_actions: raw.alarm_actions.unwrap_or_default(),
        ok_actions: raw.ok_actions.unwrap_or_default(),
        insufficient_data_actions: raw.insufficient_data_actions.unwrap_or_default(),
    };
    let mut bad_action = false;
    for (field, list) in [
        ("AlarmActions", &config.alarm_actions),
        ("OKActions", &config.ok_actions),
        ("InsufficientDataActions", &config.insufficient_data_actions),
    ] {
        for p in action_list_problems(list) {
            let (at, message) = match &p {
                ActionProblem::Unknown(i, e) => (*i, e.clone()),
                ActionProblem::TooMany(_) => (MAX_ACTIONS_PER_STATE, p.message(field)),
            };
            ctx.error_help(&path.key(field).idx(at), At::Value, message, p.help());
            bad_action = true;
        }
    }
    let problems = config.problems();
    for e in &problems {
        let field = match e {
            ConfigError::DatapointsAboveEvaluationPeriods { .. } | ConfigError::ZeroDatapointsToAlarm => "DatapointsToAlarm",
            ConfigError::ThresholdNotFinite => "Threshold",
            _ => "EvaluationPeriods",
        };
        ctx.error_help(&path.key(field), At::Value, e.to_string(), e.help());
    }
    if !problems.is_empty() || bad_action {
        return None;
    }
    let at = ctx.diag(Severity::Warning, &path.key("MetricName"), At::Value, "");
    Some(LoadedAlarm { config, metric_line: at.line, metric_column: at.column })
}

/// A problem with one of an alarm's action lists.
pub(super) enum ActionProblem {
    /// The action at this index is not one CloudWatch can run; why.
    Unknown(usize, String),
    /// The list has this many actions, more than [`MAX_ACTIONS_PER_STATE`].
    TooMany(usize),
}

impl ActionProblem {
    /// The message about the list `field`, as the front end names it.
    pub(super) fn message(&self, field: &str) -> String {
        match self {
            ActionProblem::Unknown(_, e) => format!("{field}: {e}"),
            ActionProblem::TooMany(n) => format!("{field} has {n} actions; CloudWatch allows at most {MAX_ACTIONS_PER_STATE} per state"),
        }
    }

    pub(super) fn help(&self) -> &'static str {
        match self {
            ActionProblem::Unknown(..) => ACTION_HELP,
            ActionProblem::TooMany(_) => "send to one SNS topic and fan out from there",
        }
    }
}

/// PutMetricAlarm's rules for one action list, for both front ends: each ARN names an action
/// CloudWatch can run, and a state has at most [`MAX_ACTIONS_PER_STATE`] actions.
pub(super) fn action_list_problems<S: AsRef<str>>(list: &[S]) -> Vec<ActionProblem> {
    let mut out: Vec<ActionProblem> =
        list.iter().enumerate().filter_map(|(i, arn)| classify(arn.as_ref()).err().map(|e| ActionProblem::Unknown(i, e))).collect();
    if list.len() > MAX_ACTIONS_PER_STATE {
        out.push(ActionProblem::TooMany(list.len()));
    }
    out
}

fn alarm_name<'s>(ctx: &mut Ctx, name: &'s str, path: &JPath) -> Option<&'s str> {
    let name = ctx.needed_str(name, path)?;
    let chars = name.chars().count();
    if chars == 0 || chars > MAX_ALARM_NAME_CHARS {
        ctx.error_help(path, At::Value, format!("the alarm name has {chars} characters"), "alarm names have 1–255 characters");
        return None;
    }
    if !name.is_ascii() {
        ctx.error_help(path, At::Value, format!("alarm name {name:?} is not ASCII"), "alarm names may contain only ASCII characters");
        return None;
    }
    Some(name)
}

fn non_empty<'s>(ctx: &mut Ctx, s: &'s str, path: &JPath, field: &str) -> Option<&'s str> {
    let s = ctx.needed_str(s, path)?;
    if s.is_empty() {
        ctx.error_help(path, At::Value, format!("{field} is empty"), format!("give the metric's {field}"));
        return None;
    }
    Some(s)
}

fn dimensions<'r>(ctx: &mut Ctx, raw: &'r [RawDimension], path: &JPath) -> Option<Vec<(&'r str, &'r str)>> {
    let mut out: Vec<(&str, &str)> = Vec::new();
    let mut ok = true;
    if raw.len() > MAX_DIMENSIONS {
        ctx.error_help(path, At::Value, format!("{} dimensions", raw.len()), format!("a metric has at most {MAX_DIMENSIONS} dimensions"));
        ok = false;
    }
    for (i, d) in raw.iter().enumerate() {
        let here = path.idx(i);
        let (Some(name), Some(value)) = (&d.name, &d.value) else {
            ctx.error_help(
                &here,
                At::Value,
                "a dimension needs a Name and a Value",
                "write {\"Name\": \"ClusterName\", \"Value\": \"prod\"}",
            );
            ok = false;
            continue;
        };
        let (Some(name), Some(value)) =
            (non_empty(ctx, name, &here.key("Name"), "dimension Name"), non_empty(ctx, value, &here.key("Value"), "dimension Value"))
        else {
            ok = false;
            continue;
        };
        if out.iter().any(|(n, _)| *n == name) {
            ctx.error_help(&here.key("Name"), At::Value, format!("dimension {name:?} is given twice"), "a metric has each dimension once");
            ok = false;
            continue;
        }
        out.push((name, value));
    }
    ok.then_some(out)
}

/// `Statistic` or `ExtendedStatistic`: exactly one of them.
fn statistic(ctx: &mut Ctx, raw: &RawAlarm, path: &JPath) -> Option<Statistic> {
    match (&raw.statistic, &raw.extended_statistic) {
        (Some(_), Some(_)) => {
            ctx.error_help(
                &path.key("ExtendedStatistic"),
                At::Key,
                "the alarm has both Statistic and ExtendedStatistic",
                "keep one: Statistic for Average/Sum/Minimum/Maximum/SampleCount, ExtendedStatistic for a percentile",
            );
            None
        }
        (Some(s), None) => parsed(ctx, s, &path.key("Statistic"), &STATISTICS, Statistic::parse_standard),
        (None, Some(s)) => parsed(ctx, s, &path.key("ExtendedStatistic"), &[], Statistic::parse_extended),
        (None, None) => {
            let help = "add \"Statistic\" (e.g. \"Average\") or \"ExtendedStatistic\" (e.g. \"p99\")";
            ctx.error_help(path, At::Value, "the alarm has no Statistic", help);
            None
        }
    }
}

/// A PutMetricAlarm keyword parsed by `parse`, for both front ends; when it is not one, the error
/// and the nearest of `names` ("did you mean"), if one is near (never for an anomaly-detection
/// operator: that one is refused, not misspelt).
pub(super) fn keyword<T>(
    text: &str,
    names: &[&str],
    parse: impl Fn(&str) -> Result<T, ConfigError>,
) -> Result<T, (ConfigError, Option<String>)> {
    parse(text).map_err(|e| {
        let near = did_you_mean(text, names.iter().copied()).filter(|_| !ANOMALY_OPERATORS.contains(&text));
        (e, near.map(|m| format!("did you mean \"{m}\"?")))
    })
}

/// A keyword of the file parsed by `parse`; an unknown one is reported with "did you mean"
/// among `names`, or the error's own help.
fn parsed<T>(ctx: &mut Ctx, text: &str, path: &JPath, names: &[&str], parse: impl Fn(&str) -> Result<T, ConfigError>) -> Option<T> {
    let text = ctx.needed_str(text, path)?;
    let report = |(e, near): (ConfigError, Option<String>)| {
        ctx.error_help(path, At::Value, format!("`{path}`: {e}"), near.unwrap_or_else(|| e.help()))
    };
    keyword(text, names, parse).map_err(report).ok()
}

/// A positive count (EvaluationPeriods, DatapointsToAlarm).
fn count(ctx: &mut Ctx, s: &Scalar, path: &JPath, zero: ConfigError) -> Option<u32> {
    let n = ctx.int(s, path, i64::MIN, i64::MAX)?;
    if n < 1 {
        ctx.error_help(path, At::Value, format!("`{path}` is {n}"), zero.help());
        return None;
    }
    match u32::try_from(n) {
        Ok(n) => Some(n),
        Err(_) => {
            ctx.error_help(path, At::Value, format!("`{path}` is {n}"), "N × Period must stay within one day");
            None
        }
    }
}

/// A finite number.
fn number(ctx: &mut Ctx, s: &Scalar, path: &JPath) -> Option<f64> {
    let v = match s {
        Scalar::Num(n) => n.as_f64(),
        Scalar::Str(t) => ctx.needed_str(t, path)?.trim().parse::<f64>().ok(),
    };
    match v {
        Some(v) if v.is_finite() => Some(v),
        _ => {
            ctx.error_help(
                path,
                At::Value,
                format!("`{path}` must be a number, not {s}"),
                "write the threshold as a JSON number, e.g. 75.0",
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_known_dimension_set_is_sorted_like_metric_ids() {
        for k in KNOWN_METRICS {
            for set in k.dimension_sets {
                assert!(set.windows(2).all(|w| w[0] < w[1]), "{} {set:?}", k.name);
            }
        }
    }

    #[test]
    fn metric_problems_suggest_the_nearest_known_metric() {
        let ok = MetricId::new("AWS/ECS", "CPUUtilization", [("ServiceName", "web"), ("ClusterName", "prod")]);
        assert_eq!(metric_problem(&ok), None);
        let typo = MetricId::new("AWS/ECS", "CPUUtilisation", [("ClusterName", "prod")]);
        assert_eq!(metric_problem(&typo).unwrap().help, "did you mean \"CPUUtilization\"?");
        let ec2 = MetricId::new("AWS/EC2", "CPUUtilization", [("InstanceId", "i-1")]);
        assert_eq!(metric_problem(&ec2).unwrap().help, "ecsim publishes CPUUtilization in \"AWS/ECS\"");
        let dims = MetricId::new("AWS/ECS", "CPUUtilization", [("ClusterName", "prod"), ("Service", "web")]);
        let p = metric_problem(&dims).unwrap();
        assert_eq!(p.message, "ecsim publishes no AWS/ECS CPUUtilization with dimensions [ClusterName, Service]");
        assert!(p.help.starts_with("did you mean dimension \"ServiceName\" rather than \"Service\"?"), "{}", p.help);
        assert_eq!(closest_known_metric("AWS/ApplicationELB", "RequestCountPerTarget").unwrap().dimension_sets.len(), 3);
        assert_eq!(did_you_mean("Avrage", STATISTICS.iter().copied()), Some("Average"));
    }
}

//! PutMetricAlarm input and describe-alarms output (tests/fixtures/cloudwatch) read field by
//! field, and every bad alarm reported where it is written.

use super::web_cpu;
use crate::common::{error_with_help_at, fixture};
use ecsim::cloudwatch::{
    Alarm, AlarmState, ComparisonOperator, LowSampleCountPercentile, MetricStore, Statistic, StoreOptions, TreatMissingData,
};
use ecsim::scenario::cloudwatch_json::{load_alarms, metric_problem, LoadedAlarm};
use ecsim::scenario::{Diagnostic, Diagnostics};
use std::path::Path;
use AlarmState::Alarm as ALARM;
use TreatMissingData::{Missing, NotBreaching};

fn load_fixture(name: &str) -> (Vec<LoadedAlarm>, Diagnostics) {
    let (path, text) = fixture(&format!("cloudwatch/{name}"));
    load_alarms(&path, &text).unwrap_or_else(|d| panic!("{d}"))
}

fn errors_of(name: &str, text: &str) -> Vec<Diagnostic> {
    match load_alarms(Path::new(name), text) {
        Ok((a, _)) => panic!("expected errors, loaded {} alarms", a.len()),
        Err(d) => d.errors().cloned().collect(),
    }
}

/// (line, column), 1-based, of byte `offset` of `text` (ASCII fixtures: bytes are characters).
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset];
    (before.matches('\n').count() + 1, offset - before.rfind('\n').map_or(0, |p| p + 1) + 1)
}

/// Where the first `needle` of `text` starts.
fn at(text: &str, needle: &str) -> (usize, usize) {
    line_col(text, text.find(needle).unwrap_or_else(|| panic!("{needle:?} not in the text")))
}

/// Where the text right after the first `needle` starts (the value after `"Key": `).
fn after(text: &str, needle: &str) -> (usize, usize) {
    line_col(text, text.find(needle).unwrap_or_else(|| panic!("{needle:?} not in the text")) + needle.len())
}

#[test]
fn put_metric_alarm_input_is_read_field_by_field() {
    let (alarms, warnings) = load_fixture("put-metric-alarm-cpu.json");
    assert!(warnings.is_empty(), "{warnings}");
    let [a] = &alarms[..] else { panic!("one alarm") };
    let c = &a.config;
    assert_eq!(c.name, "web-cpu-high");
    assert_eq!(c.metric, web_cpu(), "dimensions sorted whatever their order in the file");
    assert_eq!((c.statistic, c.period.seconds(), c.evaluation_periods, c.datapoints_to_alarm), (Statistic::Average, 60, 5, 3));
    assert_eq!((c.threshold, c.comparison, c.treat_missing_data), (75.0, ComparisonOperator::GreaterThanThreshold, NotBreaching));
    assert!(c.actions_enabled);
    assert_eq!(c.alarm_actions, ["arn:aws:sns:us-east-1:111122223333:web-oncall"]);
    assert_eq!((a.metric_line, a.metric_column), (10, 19));
    assert_eq!(metric_problem(&c.metric), None);
}

#[test]
fn a_percentile_alarm_reads_extended_statistic_and_reports_what_is_not_modelled() {
    let (alarms, warnings) = load_fixture("put-metric-alarm-latency.json");
    let c = &alarms[0].config;
    assert_eq!(c.statistic.to_string(), "p99");
    assert_eq!(c.evaluate_low_sample_count_percentile, LowSampleCountPercentile::Ignore);
    assert_eq!((c.evaluation_periods, c.datapoints_to_alarm), (1, 1), "M defaults to N");
    assert!(!c.actions_enabled);
    let alarm = Alarm::new(c.clone(), &mut MetricStore::new(StoreOptions::default())).unwrap();
    assert_eq!(alarm.actions(ALARM), &[] as &[String], "actions disabled");
    let w: Vec<String> = warnings.warnings().map(|d| d.message.clone()).collect();
    assert_eq!(w, ["field `Unit` is not modelled by ecsim and is ignored", "field `Tags` is not modelled by ecsim and is ignored"]);
}

#[test]
fn describe_alarms_output_gives_every_metric_alarm() {
    let (alarms, warnings) = load_fixture("describe-alarms.json");
    assert!(warnings.is_empty(), "{warnings}");
    let shapes: Vec<(u32, u32, f64, ComparisonOperator, TreatMissingData)> = alarms
        .iter()
        .map(|a| {
            let c = &a.config;
            (c.evaluation_periods, c.datapoints_to_alarm, c.threshold, c.comparison, c.treat_missing_data)
        })
        .collect();
    use ComparisonOperator::*;
    assert_eq!(
        shapes,
        [
            (3, 3, 50.0, GreaterThanThreshold, Missing),
            (15, 15, 45.0, LessThanThreshold, Missing),
            (1, 1, 10.0, GreaterThanOrEqualToThreshold, NotBreaching),
        ]
    );
    assert!(alarms[0].config.name.ends_with("-AlarmHigh-5b1d2a3c-8e4f-4a6b-9c7d-0e1f2a3b4c5d"));
    assert_eq!(alarms[2].config.metric.dimension("TargetGroup"), Some("targetgroup/tg-web/73e2d6bc24d8a067"));
    for a in &alarms {
        assert_eq!(metric_problem(&a.config.metric), None, "{}", a.config.metric);
    }
}

#[test]
fn every_bad_alarm_is_reported_where_it_is_written() {
    let (_, text) = fixture("cloudwatch/bad-alarms.json");
    let errors = errors_of("bad-alarms.json", &text);
    assert_eq!(errors.len(), 6, "{}", Diagnostics(errors.clone()));
    let e =
        error_with_help_at(&errors, after(&text, "\"DatapointsToAlarm\": "), "DatapointsToAlarm (4) is more than EvaluationPeriods (3)");
    assert_eq!(e.help.as_deref(), Some("lower DatapointsToAlarm to at most 3, or raise EvaluationPeriods"));
    // A missing field is reported at the alarm's object.
    let no_name = text.find("\"AlarmName\": \"no-metric-name\"").unwrap();
    let object = text[..no_name].rfind('{').unwrap();
    let e = error_with_help_at(&errors, line_col(&text, object), "the alarm has no MetricName");
    assert!(e.help.as_deref().unwrap().starts_with("add \"MetricName\""));
    let e = error_with_help_at(&errors, at(&text, "\"GreaterThanTreshold\""), "unknown comparison operator \"GreaterThanTreshold\"");
    assert_eq!(e.help.as_deref(), Some("did you mean \"GreaterThanThreshold\"?"));
    let e = error_with_help_at(&errors, at(&text, "\"Avrage\""), "unknown statistic \"Avrage\"");
    assert_eq!(e.help.as_deref(), Some("did you mean \"Average\"?"));
    let e = error_with_help_at(&errors, at(&text, "\"breeching\""), "unknown TreatMissingData \"breeching\"");
    assert_eq!(e.help.as_deref(), Some("did you mean \"breaching\"?"));
    let e = error_with_help_at(&errors, at(&text, "\"Metrics\""), "metric math alarms (`Metrics`) are not modelled");
    assert!(e.help.as_deref().unwrap().starts_with("alarm on one metric"));
    // Rendered like every other located message.
    assert!(errors[0].to_string().starts_with("bad-alarms.json:"), "{}", errors[0]);
}

/// put-metric-alarm input with `extra` members added after the (valid) required ones.
fn input_with(extra: &str) -> String {
    format!(
        "{{\n  \"AlarmName\": \"a\",\n  \"Namespace\": \"AWS/ECS\",\n  \"MetricName\": \"CPUUtilization\",\n  \
         \"Dimensions\": [{{\"Name\": \"ClusterName\", \"Value\": \"prod\"}}],\n  \"Threshold\": 80,\n  \
         \"ComparisonOperator\": \"GreaterThanThreshold\"{extra}\n}}"
    )
}

#[test]
fn periods_statistics_and_spans_cloudwatch_refuses_are_located() {
    // (members added, where the error points: after this text, message, help)
    let cases: [(&str, &str, &str, &str); 6] = [
        (
            ",\n  \"Statistic\": \"Average\",\n  \"Period\": 10,\n  \"EvaluationPeriods\": 3",
            "\"Period\": ",
            "a Period of 10 s is a high-resolution alarm, which ecsim does not model",
            "ecsim models standard-resolution (60 s) metrics only: use a Period of 60 or a multiple of 60",
        ),
        (
            ",\n  \"Statistic\": \"Average\",\n  \"Period\": 90,\n  \"EvaluationPeriods\": 3",
            "\"Period\": ",
            "a Period of 90 s is not a multiple of 60 s",
            "use 60 or a multiple of 60, at most 86400 (one day)",
        ),
        (
            ",\n  \"Statistic\": \"Average\",\n  \"Period\": 3600,\n  \"EvaluationPeriods\": 25",
            "\"EvaluationPeriods\": ",
            "EvaluationPeriods × Period is 25 × 3600 s = 90000 s, more than one day (86400 s)",
            "with a Period of 3600 s, EvaluationPeriods can be at most 24",
        ),
        (
            ",\n  \"Statistic\": \"p99\",\n  \"Period\": 60,\n  \"EvaluationPeriods\": 1",
            "\"Statistic\": ",
            "\"p99\" is a percentile, which PutMetricAlarm takes in ExtendedStatistic, not Statistic",
            "write \"ExtendedStatistic\": \"p99\" instead of Statistic",
        ),
        (
            ",\n  \"ExtendedStatistic\": \"tm90\",\n  \"Period\": 60,\n  \"EvaluationPeriods\": 1",
            "\"ExtendedStatistic\": ",
            "extended statistic \"tm90\" is not modelled (only percentiles pNN are)",
            "ecsim computes percentiles (\"p90\", \"p99\", \"p99.9\"); use one of those or a standard Statistic",
        ),
        (
            ",\n  \"Statistic\": \"Average\",\n  \"Period\": 60,\n  \"EvaluationPeriods\": 1,\n  \"Treshold\": 5",
            "1,\n  ",
            "Treshold",
            "did you mean `Threshold`?",
        ),
    ];
    for (extra, needle, message, help) in cases {
        let text = input_with(extra);
        let errors = errors_of("alarm.json", &text);
        let e = error_with_help_at(&errors, after(&text, needle), message);
        assert_eq!(e.help.as_deref(), Some(help), "{e}");
    }
}

#[test]
fn anomaly_bands_and_missing_statistics_are_refused_with_a_way_out() {
    let text = input_with(",\n  \"Period\": 60,\n  \"EvaluationPeriods\": 1").replace("GreaterThanThreshold", "GreaterThanUpperThreshold");
    let errors = errors_of("alarm.json", &text);
    let e = error_with_help_at(&errors, at(&text, "\"GreaterThanUpperThreshold\""), "compares with an anomaly-detection band");
    assert!(e.help.as_deref().unwrap().starts_with("anomaly-detection bands are not modelled"));
    let e = errors.iter().find(|e| e.message == "the alarm has no Statistic").unwrap();
    assert_eq!((e.line, e.column), (1, 1));
}

#[test]
fn describe_output_tolerates_new_fields_and_empty_metric_lists() {
    let text = r#"{"MetricAlarms": [{
        "AlarmName": "cluster-cpu", "Namespace": "AWS/ECS", "MetricName": "CPUReservation",
        "Dimensions": [{"Name": "ClusterName", "Value": "prod"}], "Statistic": "Maximum", "Period": 60,
        "EvaluationPeriods": 1, "Threshold": 90, "ComparisonOperator": "GreaterThanThreshold",
        "Metrics": [], "SomethingNew": true}]}"#;
    let (alarms, warnings) = load_alarms(Path::new("d.json"), text).unwrap_or_else(|d| panic!("{d}"));
    assert_eq!(alarms.len(), 1);
    let w: Vec<&str> = warnings.warnings().map(|d| d.message.as_str()).collect();
    assert_eq!(w, ["field `MetricAlarms[0].SomethingNew` is not part of the CloudWatch API as ecsim knows it; ignored"]);
}

#[test]
fn dimensions_and_statistics_are_given_once() {
    let text =
        input_with(",\n  \"Statistic\": \"Average\",\n  \"ExtendedStatistic\": \"p99\",\n  \"Period\": 60,\n  \"EvaluationPeriods\": 1")
            .replace(
                r#"[{"Name": "ClusterName", "Value": "prod"}]"#,
                r#"[{"Name": "ClusterName", "Value": "a"}, {"Name": "ClusterName", "Value": "b"}]"#,
            );
    let errors = errors_of("alarm.json", &text);
    assert_eq!(errors.len(), 2, "{}", Diagnostics(errors.clone()));
    error_with_help_at(&errors, at(&text, "\"ExtendedStatistic\""), "the alarm has both Statistic and ExtendedStatistic");
    let second = text.rfind("\"ClusterName\"").unwrap();
    error_with_help_at(&errors, line_col(&text, second), "dimension \"ClusterName\" is given twice");
}

//! Alarm actions other than scaling through the whole simulator: the lesson
//! `scenarios/lessons/alarms/notify-on-every-transition.toml`, ActionsEnabled, SetAlarmState,
//! step scaling with actions disabled, and bad action ARNs (TOML and PutMetricAlarm JSON).
//!
//! CloudWatch (PutMetricAlarm, "Using Amazon CloudWatch alarms"): AlarmActions, OKActions and
//! InsufficientDataActions are invoked when the alarm transitions into ALARM, OK and
//! INSUFFICIENT_DATA; with ActionsEnabled = false the state still changes and nothing is invoked.

use crate::common::{load, load_err, load_parts, repo, run, scenario_path};
use ecsim::sim::monitor::AlarmActionRow;
use std::path::Path;

fn lesson_text() -> String {
    std::fs::read_to_string(repo("scenarios/lessons/alarms/notify-on-every-transition.toml")).unwrap()
}

/// The messages of `text` as if it were the file tests/inline.toml.
fn error_of(text: &str) -> String {
    load_err(&scenario_path("inline"), text).to_string()
}

fn summary(rows: &[AlarmActionRow]) -> Vec<(u64, &str, &str, &str)> {
    rows.iter().map(|r| (r.time_s, r.to.as_str(), r.kind.as_str(), r.action.as_str())).collect()
}

const PAGER: &str = "arn:aws:sns:us-east-1:123456789012:ops-pager";
const LAMBDA: &str = "arn:aws:lambda:us-east-1:123456789012:function:open-incident";

/// The lesson's arithmetic (in its header): traffic 380/s from 2 min (mean latency about
/// 80–110 ms, above 50 ms), 40/s from 15 min (about 20 ms), none from 30 min. The evaluation at
/// 3:00 reads minute 2 and goes to ALARM; at 16:00 minute 15, OK. Minute 30 is not empty: one
/// request sent just before 30:00 is answered just after, in 156.8 ms (a request that straddles
/// the end of the traffic is a long one: length-biased; with seed 7 this happens, with about one
/// seed in five it does), so the evaluation at 31:00 reads a one-request average above 50 ms and
/// goes back to ALARM; at 34:00 minutes 31–33 are empty, INSUFFICIENT_DATA. ALARM invokes the
/// topic and the Lambda function, OK and INSUFFICIENT_DATA the topic: 2 + 1 + 2 + 1 = 6 rows.
/// The quiet twin has the same four transitions and no action rows.
#[test]
fn every_transition_invokes_the_actions_of_the_state_entered() {
    let out = run(&load("scenarios/lessons/alarms/notify-on-every-transition.toml"));
    assert_eq!(
        summary(&out.alarm_action_rows),
        vec![
            (180, "ALARM", "sns", PAGER),
            (180, "ALARM", "lambda", LAMBDA),
            (960, "OK", "sns", PAGER),
            (1860, "ALARM", "sns", PAGER),
            (1860, "ALARM", "lambda", LAMBDA),
            (2040, "INSUFFICIENT_DATA", "sns", PAGER),
        ]
    );
    assert!(out.alarm_action_rows.iter().all(|r| r.alarm == "SlowResponses"));
    let quiet: Vec<(u64, &str)> =
        out.alarm_rows.iter().filter(|r| r.alarm == "SlowResponsesQuiet").map(|r| (r.time_s, r.to.as_str())).collect();
    assert_eq!(quiet, vec![(180, "ALARM"), (960, "OK"), (1860, "ALARM"), (2040, "INSUFFICIENT_DATA")]);
}

/// SetAlarmState invokes the new state's actions too ("the action configured for the
/// appropriate state is invoked"): forcing ALARM at 20 min (the alarm is OK then, at 40/s)
/// pages once; the evaluation at 21:00 puts it back to OK and pages again: the lesson's 6 rows
/// + 2 at 20:00 (topic, Lambda) + 1 at 21:00 = 9.
#[test]
fn set_alarm_state_invokes_the_actions() {
    let text = format!(
        "{}\n[[actions]]\nat = \"20m\"\naction = \"set_alarm_state\"\nalarm = \"SlowResponses\"\nstate = \"ALARM\"\n",
        lesson_text()
    );
    let s = load_parts("inline", &[&text]);
    let out = run(&s);
    let rows = summary(&out.alarm_action_rows);
    assert!(rows.contains(&(1200, "ALARM", "sns", PAGER)) && rows.contains(&(1200, "ALARM", "lambda", LAMBDA)), "{rows:?}");
    assert!(rows.contains(&(1260, "OK", "sns", PAGER)), "{rows:?}");
    assert_eq!(rows.len(), 9, "{rows:?}");
}

#[test]
fn bad_action_arns_are_located_errors() {
    let text = lesson_text().replace(
        "ok_actions = [\"arn:aws:sns:us-east-1:123456789012:ops-pager\"]\ninsufficient",
        "ok_actions = [\"ops-pager\"]\ninsufficient",
    );
    let e = error_of(&text);
    assert!(e.contains("alarm \"SlowResponses\", ok_actions: \"ops-pager\" is not an action ARN"), "{e}");
    assert!(e.contains("inline.toml:"), "{e}");
    let six = (0..6).map(|i| format!("\"arn:aws:sns:us-east-1:123456789012:t{i}\"")).collect::<Vec<_>>().join(", ");
    let text = lesson_text().replace(
        "insufficient_data_actions = [\"arn:aws:sns:us-east-1:123456789012:ops-pager\"]",
        &format!("insufficient_data_actions = [{six}]"),
    );
    let e = error_of(&text);
    assert!(e.contains("insufficient_data_actions has 6 actions; CloudWatch allows at most 5"), "{e}");
}

/// put-metric-alarm input: the three lists and ActionsEnabled are read; an ARN CloudWatch would
/// refuse is an error at its element.
#[test]
fn put_metric_alarm_json_reads_every_action_list() {
    use ecsim::scenario::cloudwatch_json::load_alarms;
    let json = r#"{
  "AlarmName": "SlowResponses",
  "ActionsEnabled": false,
  "AlarmActions": ["arn:aws:sns:us-east-1:123456789012:ops-pager"],
  "OKActions": ["arn:aws:automate:us-east-1:ec2:reboot"],
  "InsufficientDataActions": ["arn:aws:lambda:us-east-1:123456789012:function:open-incident"],
  "MetricName": "CPUReservation", "Namespace": "AWS/ECS", "Dimensions": [{"Name": "ClusterName", "Value": "default"}],
  "Statistic": "Average", "Period": 60, "EvaluationPeriods": 1, "Threshold": 80, "ComparisonOperator": "GreaterThanThreshold"
}"#;
    let (alarms, _) = load_alarms(Path::new("alarm.json"), json).unwrap_or_else(|d| panic!("{d}"));
    let c = &alarms[0].config;
    assert!(!c.actions_enabled);
    assert_eq!(c.ok_actions, ["arn:aws:automate:us-east-1:ec2:reboot"]);
    assert_eq!(c.insufficient_data_actions, ["arn:aws:lambda:us-east-1:123456789012:function:open-incident"]);
    let bad = json.replace("arn:aws:automate:us-east-1:ec2:reboot", "arn:aws:automate:us-east-1:ec2:hibernate");
    let e = match load_alarms(Path::new("alarm.json"), &bad) {
        Ok(_) => panic!("expected an error"),
        Err(d) => d.to_string(),
    };
    assert!(e.contains("alarm.json:5:") && e.contains("is not a valid ec2 action ARN"), "{e}");
}

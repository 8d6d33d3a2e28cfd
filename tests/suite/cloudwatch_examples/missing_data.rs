//! The documented missing-data tables (docs/ecs-model.md#example-missing-data) row by row for all
//! four treatments and every starting state, "M out of N", a 5-minute period evaluated every
//! minute over a sliding window, and the reasons an alarm gives.

use super::{cpu_alarm, minutes, O, THRESHOLD, X};
use ecsim::cloudwatch::alarm::timestamp;
use ecsim::cloudwatch::{decide, Alarm, AlarmState, MetricStore, Period, StoreOptions, TreatMissingData};
use AlarmState::{Alarm as ALARM, InsufficientData as INSUFFICIENT_DATA, Ok as OK};
use TreatMissingData::{Breaching, Ignore, Missing, NotBreaching};

/// A table row, oldest → newest: `X` breaching, `0` not, `-` missing.
fn row(text: &str) -> Vec<Option<f64>> {
    text.split_whitespace()
        .map(|c| match c {
            "X" => Some(X),
            "0" => Some(O),
            "-" => None,
            other => panic!("bad cell {other:?}"),
        })
        .collect()
}

/// What the table's "Retain current state" means: the state before the evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    Is(AlarmState),
    Retain,
}
use Expect::{Is, Retain};

/// Evaluates an alarm once over `data` (one datapoint per 5-minute period, as in the
/// documentation's tables: "the Period is again set to 5 minutes"), starting from `before`.
fn state_after(data: &[Option<f64>], n: u32, m: u32, treatment: TreatMissingData, before: AlarmState) -> AlarmState {
    assert_eq!(data.len() as u32, n + 2, "the evaluation range is N + 2 periods");
    let mut store = MetricStore::new(StoreOptions::default());
    let config = cpu_alarm(minutes(5), n).with_datapoints_to_alarm(m).with_treat_missing_data(treatment);
    let mut alarm = Alarm::new(config, &mut store).unwrap();
    let s = alarm.series();
    for (i, d) in data.iter().enumerate() {
        if let Some(v) = d {
            for minute in 5 * i as u64..5 * (i as u64 + 1) {
                store.publish(s, minute, *v);
            }
        }
    }
    alarm.set_state(before, "SetAlarmState: the state the table starts from", 0);
    // The range ends with the last complete minute: 25 is the instant after minutes 0..24.
    alarm.evaluate(&store, 5 * data.len() as u64);
    alarm.state()
}

/// Checks one table row for the four treatments (MISSING, IGNORE, BREACHING, NOT BREACHING),
/// from every starting state, and the pure decision on the same row.
#[track_caller]
fn check_row(n: u32, m: u32, data: &str, expected: [Expect; 4]) {
    let d = row(data);
    for (treatment, want) in [Missing, Ignore, Breaching, NotBreaching].into_iter().zip(expected) {
        for before in [OK, ALARM, INSUFFICIENT_DATA] {
            let got = state_after(&d, n, m, treatment, before);
            let want_state = match want {
                Is(s) => s,
                Retain => before,
            };
            assert_eq!(got, want_state, "{m} of {n}, `{data}`, {treatment}, starting {before}");
        }
        let flags: Vec<Option<bool>> = d.iter().map(|v| v.map(|v| v > THRESHOLD)).collect();
        let verdict = decide(&flags, n, m, treatment);
        assert_eq!(verdict.state().map_or(Retain, Is), want, "decide: {m} of {n}, `{data}`, {treatment}");
    }
}

/// AWS, "Configuring how CloudWatch alarms treat missing data", first table: Datapoints to Alarm
/// and Evaluation Periods both 3, five datapoints retrieved.
#[test]
fn missing_data_example_three_of_three_every_documented_row() {
    //             data            MISSING                    IGNORE  BREACHING  NOT BREACHING
    check_row(3, 3, "0 - X - X", [Is(OK), Is(OK), Is(OK), Is(OK)]);
    check_row(3, 3, "- - - - 0", [Is(OK), Is(OK), Is(OK), Is(OK)]);
    check_row(3, 3, "- - - - -", [Is(INSUFFICIENT_DATA), Retain, Is(ALARM), Is(OK)]);
    check_row(3, 3, "0 X X - X", [Is(ALARM), Is(ALARM), Is(ALARM), Is(ALARM)]);
    // The premature-ALARM rule: the one breaching datapoint is 3 periods old, nothing newer.
    check_row(3, 3, "- - X - -", [Is(ALARM), Retain, Is(ALARM), Is(OK)]);
    // The model's second docs/ecs-model.md#example-missing-data row (an earlier revision of the same table): with breaching,
    // 0 plus two filled breaches is 2 < 3.
    check_row(3, 3, "0 - - - -", [Is(OK), Is(OK), Is(OK), Is(OK)]);
}

/// The second table: Datapoints to Alarm 2, Evaluation Periods 3.
#[test]
fn missing_data_example_two_of_three_every_documented_row() {
    check_row(3, 2, "0 - X - X", [Is(ALARM), Is(ALARM), Is(ALARM), Is(ALARM)]);
    check_row(3, 2, "0 0 X 0 X", [Is(ALARM), Is(ALARM), Is(ALARM), Is(ALARM)]);
    // Not premature: a real datapoint in the range does not breach (docs/ecs-model.md#choice-missing-data).
    check_row(3, 2, "0 - X - -", [Is(OK), Is(OK), Is(ALARM), Is(OK)]);
    check_row(3, 2, "- - - - 0", [Is(OK), Is(OK), Is(ALARM), Is(OK)]);
    check_row(3, 2, "- - X - -", [Is(ALARM), Retain, Is(ALARM), Is(OK)]);
}

/// Rows of the 2019–2020 revisions of the page that the current tables dropped, on which the
/// reconstructed algorithm of docs/ecs-model.md#alarms disagrees with them in the MISSING and IGNORE columns
/// (docs/decisions.md, "CloudWatch"). ecsim follows docs/ecs-model.md; the old answers are in comments.
#[test]
fn rows_of_older_revisions_follow_the_spec_where_they_differ() {
    // Old table: INSUFFICIENT_DATA | retain | ALARM | OK. The breaching datapoint is too recent
    // for a premature ALARM, and the model's algorithm then says OK for both.
    check_row(3, 3, "- - - - X", [Is(OK), Is(OK), Is(ALARM), Is(OK)]);
    check_row(3, 2, "- - - - X", [Is(OK), Is(OK), Is(ALARM), Is(OK)]);
    // Old table: ALARM | retain | ALARM | OK. The breaching datapoint is outside the last N
    // periods, where docs/ecs-model.md looks for the premature rule's oldest breach.
    check_row(3, 3, "X - - - -", [Is(OK), Is(OK), Is(ALARM), Is(OK)]);
}

#[test]
fn m_of_n_counts_breaches_that_are_not_consecutive() {
    // 2 of 3, one-minute periods: X 0 X goes to ALARM once the third datapoint is in, and stays
    // while two of the last three breach; after two non-breaching minutes only one is left.
    let mut store = MetricStore::new(StoreOptions::default());
    let mut alarm = Alarm::new(cpu_alarm(Period::MINUTE, 3).with_datapoints_to_alarm(2), &mut store).unwrap();
    let s = alarm.series();
    let mut states = Vec::new();
    for (minute, v) in [O, O, X, O, X, X, O, O].into_iter().enumerate() {
        store.publish(s, minute as u64, v);
        alarm.evaluate(&store, minute as u64 + 1);
        states.push(alarm.state());
    }
    assert_eq!(states, [OK, OK, OK, OK, ALARM, ALARM, ALARM, OK]);
    let t = &alarm.history()[1];
    assert_eq!((t.at_minute, t.from, t.to), (5, OK, ALARM));
    assert_eq!(t.datapoints, [Some(O), Some(O), Some(X), Some(O), Some(X)]);
}

#[test]
fn a_five_minute_period_is_evaluated_every_minute_over_a_sliding_window() {
    // Spec docs/ecs-model.md#alarms: Period 300, N 1 — "at the end of minute 5 over minutes 1–5, at the end of
    // minute 6 over 2–6", i.e. here minutes 0–4 at instant 300 s and 1–5 at 360 s.
    let mut store = MetricStore::new(StoreOptions::default());
    let config = cpu_alarm(minutes(5), 1).with_treat_missing_data(NotBreaching);
    let mut alarm = Alarm::new(config, &mut store).unwrap();
    let s = alarm.series();
    // 40 % for five minutes, then 100 %: the first window holding a 100 averages
    // (4·40 + 100) / 5 = 52 > 50.
    let cpu = [40.0, 40.0, 40.0, 40.0, 40.0, 100.0, 100.0];
    let mut averages = Vec::new();
    for (minute, v) in cpu.into_iter().enumerate() {
        store.publish(s, minute as u64, v);
        alarm.evaluate(&store, minute as u64 + 1);
        averages.push(alarm.newest_datapoint().unwrap());
    }
    // The first windows reach back before minute 0, where there is no data.
    assert_eq!(averages, [40.0, 40.0, 40.0, 40.0, 40.0, 52.0, 64.0]);
    let t = &alarm.history()[1];
    assert_eq!((t.at_minute, t.to), (6, ALARM), "{:?}", alarm.history());
    // The range is N + 2 = 3 periods, each 5 minutes: minutes −9..−5, −4..0, 1..5 at instant 6.
    assert_eq!(t.datapoints, [None, Some(40.0), Some(52.0)]);
}

#[test]
fn the_reason_reads_like_cloudwatch() {
    // 3 of 3 on one-minute periods, minute 0 at 12/03/24 10:00:00 UTC.
    let epoch = 1_710_237_600;
    assert_eq!(timestamp(epoch), "12/03/24 10:00:00");
    let mut store = MetricStore::new(StoreOptions { epoch_unix_s: epoch, ..StoreOptions::default() });
    let mut alarm = Alarm::new(cpu_alarm(Period::MINUTE, 3), &mut store).unwrap();
    assert_eq!((alarm.state(), alarm.state_reason()), (INSUFFICIENT_DATA, "Unchecked: Initial alarm creation"));
    let s = alarm.series();
    for (minute, v) in [10.0, 10.0, 10.0, 70.0, 75.0, 80.0, 20.0].into_iter().enumerate() {
        store.publish(s, minute as u64, v);
        alarm.evaluate(&store, minute as u64 + 1);
    }
    let reasons: Vec<(u64, &str)> = alarm.history().iter().map(|t| (t.at_minute, t.reason.as_str())).collect();
    assert_eq!(
        reasons,
        [
            (
                1,
                "Threshold Crossed: 1 out of the last 3 datapoints [10.0 (12/03/24 10:00:00)] was not greater than the threshold \
                 (50.0) (minimum 1 datapoint for INSUFFICIENT_DATA -> OK transition)."
            ),
            (
                6,
                "Threshold Crossed: 3 out of the last 3 datapoints [80.0 (12/03/24 10:05:00), 75.0 (12/03/24 10:04:00), 70.0 \
                 (12/03/24 10:03:00)] were greater than the threshold (50.0) (minimum 3 datapoints for OK -> ALARM transition)."
            ),
            (
                7,
                "Threshold Crossed: 1 out of the last 3 datapoints [20.0 (12/03/24 10:06:00)] was not greater than the threshold \
                 (50.0) (minimum 1 datapoint for ALARM -> OK transition)."
            ),
        ]
    );
}

#[test]
fn missing_data_reasons_name_the_treatment() {
    let reason_of = |treatment, data: &str| {
        let mut store = MetricStore::new(StoreOptions::default());
        let mut alarm = Alarm::new(cpu_alarm(Period::MINUTE, 3).with_treat_missing_data(treatment), &mut store).unwrap();
        for (minute, v) in row(data).into_iter().enumerate() {
            if let Some(v) = v {
                store.publish(alarm.series(), minute as u64, v);
            }
        }
        alarm.set_state(OK, "start", 0);
        alarm.evaluate(&store, 5).map(|t| t.reason)
    };
    assert_eq!(
        reason_of(Breaching, "- - - - -").as_deref(),
        Some("Threshold Crossed: no datapoints were received for 3 periods and 3 missing datapoints were treated as [Breaching].")
    );
    assert_eq!(reason_of(Missing, "- - - - -").as_deref(), Some("Insufficient Data: 3 datapoints were unknown."));
    assert_eq!(
        reason_of(Breaching, "- - - - X").as_deref(),
        Some(
            "Threshold Crossed: 3 out of the last 3 datapoints [80.0 (01/01/70 00:04:00)] were greater than the threshold (50.0) \
             and 2 missing datapoints were treated as [Breaching] (minimum 3 datapoints for OK -> ALARM transition)."
        )
    );
    let premature = reason_of(Missing, "- - X - -").unwrap();
    assert!(premature.contains("premature ALARM"), "{premature}");
}

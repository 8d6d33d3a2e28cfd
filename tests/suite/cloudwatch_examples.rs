//! CloudWatch metrics and alarms (docs/ecs-model.md#cloudwatch) as worked examples: the documented missing-data
//! tables row by row for all four treatments (docs/ecs-model.md#example-missing-data), "M out of N", a 5-minute period slid one
//! minute at a time, statistics over a period (docs/ecs-model.md#example-service-cpu), percentiles from histograms, the
//! low-sample rule, the alarm shapes of target tracking (docs/ecs-model.md#target-tracking), bounded memory, and the
//! PutMetricAlarm / describe-alarms JSON in tests/fixtures/cloudwatch with located errors.
//!
//! Minutes are 0-based indices: minute k is [60k, 60(k+1)) s, and the evaluation "at minute k"
//! runs at the instant 60k s, after minute k − 1 was published.

use crate::common::{error_with_help_at, fixture};
use ecsim::cloudwatch::alarm::timestamp;
use ecsim::cloudwatch::{
    decide, Alarm, AlarmConfig, AlarmState, ComparisonOperator, LowSampleCountPercentile, MetricId, MetricStore, Period, StatSet,
    Statistic, StoreOptions, TreatMissingData,
};
use ecsim::elb::histogram::Histogram;
use ecsim::engine::Span;
use ecsim::scenario::cloudwatch_json::{load_alarms, metric_problem, LoadedAlarm};
use ecsim::scenario::{Diagnostic, Diagnostics};
use std::path::Path;

use AlarmState::{Alarm as ALARM, InsufficientData as INSUFFICIENT_DATA, Ok as OK};
use TreatMissingData::{Breaching, Ignore, Missing, NotBreaching};

const THRESHOLD: f64 = 50.0;
/// A breaching datapoint ("X" in the tables) and a non-breaching one ("0").
const X: f64 = 80.0;
const O: f64 = 10.0;

fn web_cpu() -> MetricId {
    MetricId::new("AWS/ECS", "CPUUtilization", [("ClusterName", "prod"), ("ServiceName", "web")])
}

fn minutes(m: u32) -> Period {
    Period::from_minutes(m)
}

/// "CPU > 50" over `period`, N of N, missing data treated as `missing`.
fn cpu_alarm(period: Period, n: u32) -> AlarmConfig {
    AlarmConfig::new("web-cpu", web_cpu(), Statistic::Average, period, n, ComparisonOperator::GreaterThanThreshold, THRESHOLD)
}

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

// ------------------------------------------------------------------ docs/ecs-model.md#example-missing-data: the documented tables

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

// ------------------------------------------------------------------ docs/ecs-model.md#example-service-cpu: statistics

#[test]
fn service_cpu_example_service_cpu_statistics_of_one_datapoint() {
    // Two RUNNING tasks of a service whose task definition sets cpu 512 on the container only:
    // 1024 and 256 units used → samples 200 % and 50 %.
    let mut store = MetricStore::new(StoreOptions::default());
    let s = store.series(&web_cpu());
    store.publish_set(s, 0, StatSet { sample_count: 2.0, sum: 250.0, min: 50.0, max: 200.0 });
    let stat = |st: Statistic| store.datapoint(s, Period::MINUTE, 0, 0, st);
    assert_eq!(stat(Statistic::SampleCount), Some(2.0));
    assert_eq!(stat(Statistic::Sum), Some(250.0));
    assert_eq!(stat(Statistic::Average), Some(125.0));
    assert_eq!(stat(Statistic::Maximum), Some(200.0));
    assert_eq!(stat(Statistic::Minimum), Some(50.0));
}

#[test]
fn the_average_of_a_period_is_its_sum_over_its_sample_count() {
    // Minute 0: two tasks at 200 % and 50 % (mean 125); minute 1: one task at 50 %.
    // The two-minute Average is 300 / 3 = 100, not the mean of the minute means (87.5).
    let mut store = MetricStore::new(StoreOptions::default());
    let s = store.series(&web_cpu());
    store.publish(s, 0, 200.0);
    store.publish(s, 0, 50.0);
    store.publish(s, 1, 50.0);
    assert_eq!(store.datapoint(s, minutes(2), 1, 1, Statistic::Average), Some(100.0));
    assert_eq!(store.datapoint(s, minutes(2), 1, 1, Statistic::SampleCount), Some(3.0));
    // A period with no samples is missing, never 0 — even for Sum and SampleCount.
    assert_eq!(store.datapoint(s, minutes(2), 5, 5, Statistic::SampleCount), None);
}

/// `n` deterministic latencies spread over 1 ms .. 10 s (a multiplicative congruential walk).
fn latencies_ms(n: usize) -> Vec<u64> {
    let mut x: u64 = 12_345;
    (0..n)
        .map(|_| {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            1 + (x >> 33) % 10_000
        })
        .collect()
}

#[test]
fn percentiles_of_a_period_come_from_merged_histograms_within_half_a_percent() {
    let mut store = MetricStore::new(StoreOptions::default());
    let s =
        store.series(&MetricId::new("AWS/ApplicationELB", "TargetResponseTime", [("LoadBalancer", "app/web/1"), ("TargetGroup", "tg")]));
    let all = latencies_ms(10_000);
    // Five minutes of 2000 requests each, one histogram per minute.
    for (minute, chunk) in all.chunks(2_000).enumerate() {
        let mut h = Histogram::new();
        for &ms in chunk {
            h.record(Span::from_millis(ms));
        }
        store.publish_histogram(s, minute as u64, &h);
    }
    let mut sorted = all.clone();
    sorted.sort_unstable();
    for p in ["p50", "p90", "p99", "p99.9"] {
        let stat: Statistic = p.parse().unwrap();
        let pct = stat.percentile().unwrap().percent();
        let rank = ((pct / 100.0 * sorted.len() as f64).ceil() as usize).max(1);
        let exact_s = sorted[rank - 1] as f64 / 1000.0;
        let got_s = store.datapoint(s, minutes(5), 4, 4, stat).unwrap();
        assert!((got_s - exact_s).abs() <= 0.005 * exact_s, "{p}: {got_s} s, exactly {exact_s} s");
    }
    // The statistic set comes with the histograms, in seconds.
    let mean_s = all.iter().sum::<u64>() as f64 / all.len() as f64 / 1000.0;
    let avg = store.datapoint(s, minutes(5), 4, 4, Statistic::Average).unwrap();
    assert!((avg - mean_s).abs() < 1e-9, "{avg} vs {mean_s}");
    assert_eq!(store.datapoint(s, minutes(5), 4, 4, Statistic::SampleCount), Some(10_000.0));
}

/// A p99 latency alarm (≥ 0.5 s, one 60-s period) fed `requests` requests of 1 s in minute 0.
fn p99_alarm_after(requests: u32, low_sample: LowSampleCountPercentile, before: AlarmState) -> AlarmState {
    let mut store = MetricStore::new(StoreOptions::default());
    let metric = MetricId::new("AWS/ApplicationELB", "TargetResponseTime", [("LoadBalancer", "app/web/1"), ("TargetGroup", "tg")]);
    let p99 = Statistic::parse_extended("p99").unwrap();
    let config = AlarmConfig::new("p99", metric, p99, Period::MINUTE, 1, ComparisonOperator::GreaterThanOrEqualToThreshold, 0.5)
        .with_low_sample_count_percentile(low_sample);
    let mut alarm = Alarm::new(config, &mut store).unwrap();
    let mut h = Histogram::new();
    for _ in 0..requests {
        h.record(Span::from_secs(1));
    }
    store.publish_histogram(alarm.series(), 0, &h);
    alarm.set_state(before, "start", 0);
    alarm.evaluate(&store, 1);
    alarm.state()
}

#[test]
fn a_percentile_on_too_few_samples_is_ignored_or_evaluated_as_configured() {
    use LowSampleCountPercentile::{Evaluate, Ignore as IgnoreLow};
    // p99 needs 10 / (1 − 0.99) = 1000 samples a period.
    for before in [OK, INSUFFICIENT_DATA] {
        assert_eq!(p99_alarm_after(999, IgnoreLow, before), before, "ignore keeps the state below 1000 samples");
        assert_eq!(p99_alarm_after(999, Evaluate, before), ALARM, "evaluate alarms on 999 slow requests");
        assert_eq!(p99_alarm_after(1000, IgnoreLow, before), ALARM, "1000 samples are enough");
    }
}

// ------------------------------------------------------------------ shapes used by autoscaling

#[test]
fn target_tracking_alarm_high_and_low_are_plain_alarms() {
    // Spec docs/ecs-model.md#target-tracking with docs/ecs-model.md#example-target-tracking's numbers: target 50 % CPU; AlarmHigh "> 50",
    // 3 of 3; AlarmLow
    // "< 45" (0.9 × target), 15 of 15; both 60 s, missing data `missing`. CPU is 40 % for half
    // an hour, then 80 %.
    let mut store = MetricStore::new(StoreOptions::default());
    let high = cpu_alarm(Period::MINUTE, 3);
    let low = AlarmConfig::new("web-low", web_cpu(), Statistic::Average, Period::MINUTE, 15, ComparisonOperator::LessThanThreshold, 45.0);
    let (mut high, mut low) = (Alarm::new(high, &mut store).unwrap(), Alarm::new(low, &mut store).unwrap());
    assert_eq!(high.series(), low.series(), "one series, two alarms");
    let s = high.series();
    let mut high_alarm_at = Vec::new();
    let mut low_alarm_at = Vec::new();
    for minute in 0..40u64 {
        store.publish(s, minute, if minute < 30 { 40.0 } else { 80.0 });
        high.evaluate(&store, minute + 1);
        low.evaluate(&store, minute + 1);
        // Auto Scaling acts again every minute the alarm stays in ALARM.
        if high.in_alarm() {
            high_alarm_at.push(minute + 1);
        }
        if low.in_alarm() {
            low_alarm_at.push(minute + 1);
        }
    }
    // AlarmLow: 15 low datapoints by instant 15 min; back to OK with the first 80 %.
    assert_eq!(low_alarm_at, (15..=30).collect::<Vec<u64>>());
    // AlarmHigh: the 80 % minutes are 30, 31, 32 → ALARM at the evaluation of 33 (docs/ecs-model.md#example-target-tracking's
    // t = 180 s after the jump), and every minute after.
    assert_eq!(high_alarm_at, (33..=40).collect::<Vec<u64>>());
    assert_eq!(high.newest_datapoint(), Some(80.0));
}

#[test]
fn a_publication_delay_shifts_the_range_without_making_data_insufficient() {
    // Same AlarmHigh, datapoints visible 2 minutes late: the range of N + 2 periods still holds
    // three real datapoints, so the alarm stays OK, and goes to ALARM two minutes later.
    let mut store = MetricStore::new(StoreOptions { delay_minutes: 2, ..StoreOptions::default() });
    let mut high = Alarm::new(cpu_alarm(Period::MINUTE, 3), &mut store).unwrap();
    let s = high.series();
    let mut transitions = Vec::new();
    for minute in 0..40u64 {
        store.publish(s, minute, if minute < 30 { 40.0 } else { 80.0 });
        if let Some(t) = high.evaluate(&store, minute + 1) {
            transitions.push((t.at_minute, t.to));
        }
    }
    assert_eq!(transitions, [(3, OK), (35, ALARM)]);
}

#[test]
fn capacity_provider_alarms_are_one_of_one_and_fifteen_of_fifteen() {
    // Spec docs/ecs-model.md#managed-scaling: CapacityProviderReservation > 100 for 1 of 1 minute; < 100 for 15 of 15.
    let cpr =
        MetricId::new("AWS/ECS/ManagedScaling", "CapacityProviderReservation", [("CapacityProviderName", "cp"), ("ClusterName", "prod")]);
    assert_eq!(metric_problem(&cpr), None);
    let mut store = MetricStore::new(StoreOptions::default());
    let high =
        AlarmConfig::new("cpr-high", cpr.clone(), Statistic::Average, Period::MINUTE, 1, ComparisonOperator::GreaterThanThreshold, 100.0);
    let low = AlarmConfig::new("cpr-low", cpr, Statistic::Average, Period::MINUTE, 15, ComparisonOperator::LessThanThreshold, 100.0);
    let (mut high, mut low) = (Alarm::new(high, &mut store).unwrap(), Alarm::new(low, &mut store).unwrap());
    // docs/ecs-model.md#example-cpr-scale-out: CPR 150 → AlarmHigh fires at the next minute.
    store.publish(high.series(), 0, 150.0);
    assert_eq!(high.evaluate(&store, 1).map(|t| t.to), Some(ALARM));
    // docs/ecs-model.md#example-cpr-scale-in: CPR 80 for 15 minutes → AlarmLow.
    for minute in 1..=15 {
        store.publish(low.series(), minute, 80.0);
        low.evaluate(&store, minute + 1);
    }
    assert_eq!(low.state(), ALARM);
    assert_eq!(low.history().last().unwrap().at_minute, 16);
}

// ------------------------------------------------------------------ memory

#[test]
fn thirty_days_of_minutes_keep_memory_flat() {
    let mut store = MetricStore::new(StoreOptions::default());
    let s = store.series(&web_cpu());
    let latency = store.series(&MetricId::new("AWS/ApplicationELB", "TargetResponseTime", [("LoadBalancer", "app/web/1")]));
    let mut h = Histogram::new();
    h.record(Span::from_millis(20));
    let day = 24 * 60;
    let mut after_two_days = 0;
    for minute in 0..30 * day {
        store.publish(s, minute, (minute % 100) as f64);
        // Histograms every minute for three days, then every tenth minute (the test's time).
        if minute < 3 * day || minute % 10 == 0 {
            store.publish_histogram(latency, minute, &h);
        }
        if minute == 2 * day {
            after_two_days = store.heap_bytes();
        }
    }
    assert_eq!(store.heap_bytes(), after_two_days, "memory does not grow with the run");
    assert!(store.heap_bytes() < 4 << 20, "{} bytes", store.heap_bytes());
    assert_eq!(store.registry().len(), 2);
    // The last day is there; the first days are gone.
    let last = 30 * day - 1;
    assert_eq!(store.datapoint(s, Period::MINUTE, last, last, Statistic::Average), Some((last % 100) as f64));
    assert_eq!(store.datapoint(s, Period::from_minutes(1440), last, last, Statistic::SampleCount), Some(1440.0));
    assert_eq!(store.datapoint(s, Period::MINUTE, day, day, Statistic::Average), None);
}

// ------------------------------------------------------------------ JSON

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

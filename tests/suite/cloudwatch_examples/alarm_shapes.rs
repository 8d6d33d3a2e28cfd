//! The alarm shapes other parts use: target tracking's AlarmHigh and AlarmLow
//! (docs/ecs-model.md#target-tracking), a publication delay, and the capacity provider alarms
//! (docs/ecs-model.md#managed-scaling).

use super::{cpu_alarm, web_cpu};
use ecsim::cloudwatch::{Alarm, AlarmConfig, AlarmState, ComparisonOperator, MetricId, MetricStore, Period, Statistic, StoreOptions};
use ecsim::scenario::cloudwatch_json::metric_problem;
use AlarmState::{Alarm as ALARM, Ok as OK};

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

//! Statistics over a period (docs/ecs-model.md#example-service-cpu), percentiles from merged
//! histograms, the low-sample rule for percentiles, and a metric store whose memory stays flat
//! over thirty days of minutes.

use super::{minutes, web_cpu};
use ecsim::cloudwatch::{
    Alarm, AlarmConfig, AlarmState, ComparisonOperator, LowSampleCountPercentile, MetricId, MetricStore, Period, StatSet, Statistic,
    StoreOptions,
};
use ecsim::elb::histogram::Histogram;
use ecsim::engine::Span;
use AlarmState::{Alarm as ALARM, InsufficientData as INSUFFICIENT_DATA, Ok as OK};

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

//! The readers and the profile, on small exports written like the AWS CLI's output.

use super::*;

fn secs(s: u64) -> Span {
    Span::from_secs(s)
}

/// get-metric-statistics, unordered as AWS returns it: Sum 600, 1200, 300 over 60 s periods.
const STATS: &str = r#"{
    "Label": "RequestCount",
    "Datapoints": [
        { "Timestamp": "2026-01-05T08:01:00+00:00", "Sum": 1200.0, "Unit": "Count" },
        { "Timestamp": "2026-01-05T08:00:00+00:00", "Sum": 600.0, "Unit": "Count" },
        { "Timestamp": "2026-01-05T08:02:00+00:00", "Sum": 300.0, "Unit": "Count" }
    ]
}"#;

#[test]
fn statistics_sums_per_minute_become_rates() {
    let h = read(STATS, &Select::default()).unwrap();
    assert_eq!(h.shape, Shape::GetMetricStatistics);
    assert_eq!(h.statistic.as_deref(), Some("Sum"));
    assert!(h.notes.is_empty(), "{:?}", h.notes);
    let (p, notes) = h.to_profile(&Clock::default(), "test").unwrap();
    // The period comes from the spacing, and says so.
    assert_eq!(notes.len(), 1);
    assert!(notes[0].message.contains("period 1m"), "{}", notes[0].message);
    // 600 / 60 s = 10/s, 1200 / 60 = 20/s, 300 / 60 = 5/s, then nothing.
    assert_eq!(p.rate_at(secs(0)), 10.0);
    assert_eq!(p.rate_at(secs(59)), 10.0);
    assert_eq!(p.rate_at(secs(60)), 20.0);
    assert_eq!(p.rate_at(secs(150)), 5.0);
    assert_eq!(p.rate_at(secs(180)), 0.0);
    assert_eq!(p.rate_at(secs(10_000)), 0.0);
    // Σ values = 2100 requests expected over the whole replay.
    assert!((p.expected_count(Span::ZERO, secs(100_000)) - 2100.0).abs() < 1e-9);
}

#[test]
fn scale_shift_and_period() {
    let h = read(STATS, &Select::default()).unwrap();
    let replay = Clock { period: Some(secs(60)), scale: Some(3.0), shift_us: -60_000_000, ..Default::default() };
    let (p, notes) = h.to_profile(&replay, "test").unwrap();
    assert!(notes.is_empty(), "{notes:?}");
    // The first minute is shifted before the start: 1200 × 3 / 60 = 60/s, then 300 × 3 / 60 = 15/s.
    assert_eq!(p.rate_at(secs(0)), 60.0);
    assert_eq!(p.rate_at(secs(60)), 15.0);
    assert_eq!(p.rate_at(secs(120)), 0.0);
    // A positive shift: two quiet minutes first.
    let later = Clock { shift_us: 120_000_000, period: Some(secs(60)), ..Default::default() };
    let (p, _) = h.to_profile(&later, "test").unwrap();
    assert_eq!(p.rate_at(secs(119)), 0.0);
    assert_eq!(p.rate_at(secs(120)), 10.0);
    // Shifted out entirely: an error.
    let gone = Clock { shift_us: -180_000_000, ..Default::default() };
    assert!(h.to_profile(&gone, "test").unwrap_err().message.contains("whole history"));
}

#[test]
fn metric_data_newest_first_with_next_token() {
    let text = r#"{
        "MetricDataResults": [{
            "Id": "requests", "Label": "RequestCount",
            "Timestamps": ["2026-01-05T08:10:00Z", "2026-01-05T08:05:00Z", "2026-01-05T08:00:00Z"],
            "Values": [3000.0, 600.0, 300.0],
            "StatusCode": "PartialData"
        }],
        "NextToken": "abc",
        "Messages": []
    }"#;
    let h = read(text, &Select::default()).unwrap();
    assert_eq!(h.shape, Shape::GetMetricData);
    let values: Vec<f64> = h.points.iter().map(|p| p.value).collect();
    assert_eq!(values, [300.0, 600.0, 3000.0]);
    assert_eq!(h.notes.len(), 2, "{:?}", h.notes);
    assert_eq!(h.notes[0].at, Where::Json(vec![Step::Key("NextToken")]));
    let (p, _) = h.to_profile(&Clock::default(), "t").unwrap();
    // 5-minute periods: 300 / 300 s = 1/s, 2/s, 10/s.
    assert_eq!(p.rate_at(secs(0)), 1.0);
    assert_eq!(p.rate_at(secs(300)), 2.0);
    assert_eq!(p.rate_at(secs(600)), 10.0);
}

#[test]
fn several_results_need_an_id() {
    let text = r#"{"MetricDataResults": [
        {"Id": "a", "Timestamps": ["2026-01-05T08:00:00Z"], "Values": [60]},
        {"Id": "b", "Timestamps": ["2026-01-05T08:00:00Z"], "Values": [120]}
    ]}"#;
    let e = read(text, &Select::default()).unwrap_err();
    assert!(e.message.contains("2 results"), "{}", e.message);
    assert!(e.help.contains("\"a\", \"b\""), "{}", e.help);
    let h = read(text, &Select { id: Some("b"), ..Default::default() }).unwrap();
    assert_eq!(h.points[0].value, 120.0);
    assert!(read(text, &Select { id: Some("c"), ..Default::default() }).unwrap_err().message.contains("no result has Id \"c\""));
    // One datapoint: the period must be given.
    let e = h.to_profile(&Clock::default(), "t").unwrap_err();
    assert!(e.message.contains("one datapoint"), "{}", e.message);
    let (p, _) = h.to_profile(&Clock { period: Some(secs(60)), ..Default::default() }, "t").unwrap();
    assert_eq!(p.rate_at(secs(30)), 2.0);
}

#[test]
fn csv_with_gaps_zero_or_hold() {
    let text =
        "timestamp,value\n2026-01-05T08:00:00Z,600\n2026-01-05T08:01:00Z,1200\n# an hour without requests\n2026-01-05T08:04:00Z,300\n";
    let h = read(text, &Select::default()).unwrap();
    assert_eq!(h.shape, Shape::Csv);
    let (p, notes) = h.to_profile(&Clock::default(), "t").unwrap();
    let gap = notes.iter().find(|n| n.message.contains("without a datapoint")).unwrap();
    assert!(gap.message.starts_with("2 periods"), "{}", gap.message);
    assert_eq!(gap.at, Where::Text { line: 5, column: 1 });
    assert_eq!(p.rate_at(secs(150)), 0.0);
    assert_eq!(p.rate_at(secs(240)), 5.0);
    let (p, _) = h.to_profile(&Clock { gaps: Gaps::Hold, ..Default::default() }, "t").unwrap();
    assert_eq!(p.rate_at(secs(150)), 20.0);
    // Seconds instead of timestamps, no header.
    let h = read("0,60\n60,120\n", &Select::default()).unwrap();
    assert_eq!(h.points[1].at_us, 60_000_000);
}

#[test]
fn statistic_choice() {
    let text = r#"{"Label": "RequestCount", "Datapoints": [
        {"Timestamp": "2026-01-05T08:00:00Z", "SampleCount": 60, "Average": 2.0},
        {"Timestamp": "2026-01-05T08:01:00Z", "SampleCount": 30, "Average": 2.0}
    ]}"#;
    let e = read(text, &Select::default()).unwrap_err();
    assert!(e.message.contains("no Sum"), "{}", e.message);
    let h = read(text, &Select { statistic: Some("SampleCount"), ..Default::default() }).unwrap();
    assert_eq!(h.points[1].value, 30.0);
    assert!(h.notes.iter().any(|n| n.at == Where::Rate && n.message.contains("SampleCount")));
    let e = read(text, &Select { statistic: Some("Sum"), ..Default::default() }).unwrap_err();
    assert_eq!(e.at, Where::Json(vec![Step::Key("Datapoints"), Step::Index(0)]));
    let p99 = r#"{"Datapoints": [{"Timestamp": "2026-01-05T08:00:00Z", "ExtendedStatistics": {"p99": 42}}]}"#;
    assert_eq!(read(p99, &Select { statistic: Some("p99"), ..Default::default() }).unwrap().points[0].value, 42.0);
}

#[test]
fn bad_input_is_located_never_a_panic() {
    let cases: &[(&str, Where)] = &[
        ("{\"Datapoints\": [", Where::Text { line: 1, column: 16 }),
        (
            "{\"Datapoints\": [{\"Timestamp\": \"yesterday\", \"Sum\": 1}]}",
            Where::Json(vec![Step::Key("Datapoints"), Step::Index(0), Step::Key("Timestamp")]),
        ),
        (
            "{\"MetricDataResults\": [{\"Timestamps\": [1, 2], \"Values\": [1]}]}",
            Where::Json(vec![Step::Key("MetricDataResults"), Step::Index(0), Step::Key("Values")]),
        ),
        (
            "{\"MetricDataResults\": [{\"Timestamps\": [1], \"Values\": [-1]}]}",
            Where::Json(vec![Step::Key("MetricDataResults"), Step::Index(0), Step::Key("Values"), Step::Index(0)]),
        ),
        ("timestamp,value\n2026-01-05T08:00:00Z,many\n", Where::Text { line: 2, column: 2 }),
        ("0,1\n0,2\n", Where::Text { line: 2, column: 1 }),
        ("0,1,2\n", Where::Text { line: 1, column: 3 }),
        ("{\"Alarms\": []}", Where::Json(vec![])),
        ("{\"Datapoints\": []}", Where::Json(vec![Step::Key("Datapoints")])),
        (
            "{\"MetricDataResults\": [{\"Timestamps\": [], \"Values\": []}]}",
            Where::Json(vec![Step::Key("MetricDataResults"), Step::Index(0), Step::Key("Timestamps")]),
        ),
        ("", Where::Text { line: 1, column: 1 }),
    ];
    for (text, at) in cases {
        let e = read(text, &Select::default()).unwrap_err();
        assert_eq!(&e.at, at, "{text:?}: {}", e.message);
    }
    // Truncations of a good file: an error or a history, never a panic.
    for n in 0..STATS.len() {
        if let Some(t) = STATS.get(..n) {
            if let Ok(h) = read(t, &Select::default()) {
                let _ = h.to_profile(&Clock::default(), "t");
            }
        }
    }
}

#[test]
fn a_utilization_history_reads_the_average_without_warnings() {
    // CPUUtilization as get-metric-statistics prints it (Unit Percent, Sum and Average): for a
    // utilization the Average is read by default, and neither the label nor the unit is a warning.
    let text = r#"{"Label": "CPUUtilization", "Datapoints": [
        {"Timestamp": "2026-01-05T08:00:00Z", "Sum": 240.0, "Average": 80.0, "Unit": "Percent"},
        {"Timestamp": "2026-01-05T08:01:00Z", "Sum": 120.0, "Average": 40.0, "Unit": "Percent"}
    ]}"#;
    let h = read(text, &Select { utilization: true, ..Default::default() }).unwrap();
    assert_eq!(h.statistic.as_deref(), Some("Average"));
    assert_eq!([h.points[0].value, h.points[1].value], [80.0, 40.0]);
    assert!(h.notes.is_empty(), "{:?}", h.notes);
    // Read as requests, the same file warns about its label and unit and takes the Sum.
    let r = read(text, &Select::default()).unwrap();
    assert_eq!(r.statistic.as_deref(), Some("Sum"));
    assert_eq!(r.notes.len(), 2, "{:?}", r.notes);
}

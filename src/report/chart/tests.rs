use super::*;
use crate::faults::FaultRow;
use std::fs;

const ZONES: [&str; 3] = ["us-east-1a", "us-east-1b", "us-east-1c"];

fn row(minute: u64, zone: &str, cpu: f64, mem: f64) -> MinuteRow {
    MinuteRow {
        minute,
        time_s: minute * 60,
        zone: zone.to_string(),
        cpu_reservation_pct: cpu,
        memory_reservation_pct: mem,
        running_tasks: 0,
        pending_tasks: 0,
        tasks_placed: 0,
        tasks_failed: 0,
        stranded_cpu_units: 0,
        stranded_memory_mib: 0,
        instances: 2,
        registered_cpu_units: 4096,
        registered_memory_mib: 16056,
        // The load balancer's columns play no part in reservation charts.
        ..MinuteRow::default()
    }
}

/// Three equal zones filling up at different rates; the cluster is their mean.
fn synthetic(minutes: u64) -> Vec<MinuteRow> {
    let mut rows = Vec::new();
    for m in 0..minutes {
        let mut cpu_sum = 0.0;
        let mut mem_sum = 0.0;
        for (i, z) in ZONES.iter().enumerate() {
            let cpu = ((m as f64) * (1.0 + i as f64)).min(100.0);
            let mem = (cpu * 0.6 + 5.0).min(100.0);
            cpu_sum += cpu;
            mem_sum += mem;
            rows.push(row(m, z, cpu, mem));
        }
        rows.push(row(m, CLUSTER, cpu_sum / 3.0, mem_sum / 3.0));
    }
    rows
}

pub(in crate::report) fn is_png(bytes: &[u8]) -> (u32, u32) {
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "no PNG signature");
    let decoder = png::Decoder::new(bytes);
    let mut reader = decoder.read_info().expect("PNG header decodes");
    let mut pixels = vec![0u8; reader.output_buffer_size()];
    let info = reader.next_frame(&mut pixels).expect("PNG data decodes");
    // Not a blank canvas: something other than white was drawn.
    assert!(pixels[..info.buffer_size()].iter().any(|&b| b < 0x80));
    (info.width, info.height)
}

#[test]
fn reservation_chart_writes_a_decodable_png_and_an_svg_naming_every_zone() {
    let dir = tempfile::tempdir().unwrap();
    let (png, svg) = (dir.path().join("reservation.png"), dir.path().join("reservation.svg"));
    reservation_chart(&synthetic(40), &[], "quickstart: reservation", &png, &svg).unwrap();

    assert_eq!(is_png(&fs::read(&png).unwrap()), RESERVATION_SIZE);
    let text = fs::read_to_string(&svg).unwrap();
    assert!(text.starts_with("<svg"), "{}", &text[..40]);
    for name in ZONES.iter().chain([&CLUSTER]) {
        assert!(text.contains(name), "SVG lacks {name}");
    }
    for label in ["quickstart: reservation", "Simulated time (min)", "CPU reserved / registered (%)", "Memory reserved / registered (%)"] {
        assert!(text.contains(label), "SVG lacks {label:?}");
    }
}

#[test]
fn the_same_rows_give_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let rows = synthetic(30);
    let paths = |n: &str| (dir.path().join(format!("{n}.png")), dir.path().join(format!("{n}.svg")));
    let (png1, svg1) = paths("one");
    let (png2, svg2) = paths("two");
    reservation_chart(&rows, &[], "t", &png1, &svg1).unwrap();
    reservation_chart(&rows, &[], "t", &png2, &svg2).unwrap();
    assert_eq!(fs::read(&png1).unwrap(), fs::read(&png2).unwrap());
    assert_eq!(fs::read(&svg1).unwrap(), fs::read(&svg2).unwrap());

    let variants = vec![("BinPack".to_string(), rows.clone()), ("AZ Balanced Spread".to_string(), synthetic(20))];
    comparison_chart(&variants, &png1, &svg1).unwrap();
    comparison_chart(&variants, &png2, &svg2).unwrap();
    assert_eq!(fs::read(&png1).unwrap(), fs::read(&png2).unwrap());
    assert_eq!(fs::read(&svg1).unwrap(), fs::read(&svg2).unwrap());
}

#[test]
fn long_runs_are_drawn_in_hours() {
    let dir = tempfile::tempdir().unwrap();
    let (png, svg) = (dir.path().join("a.png"), dir.path().join("a.svg"));
    reservation_chart(&synthetic(6 * 60), &[], "six hours", &png, &svg).unwrap();
    let text = fs::read_to_string(&svg).unwrap();
    assert!(text.contains("Simulated time (h)"));
    assert!(!text.contains("Simulated time (min)"));
    // 360 minutes: one point per minute.
    assert!(!text.contains("mean of"));
    reservation_chart(&synthetic(24 * 60), &[], "a day", &png, &svg).unwrap();
    assert!(fs::read_to_string(&svg).unwrap().contains("Simulated time (h); each point the mean of 4 minutes"));
}

#[test]
fn comparison_chart_names_every_variant() {
    let dir = tempfile::tempdir().unwrap();
    let (png, svg) = (dir.path().join("cmp.png"), dir.path().join("cmp.svg"));
    let variants = vec![
        ("AZ Balanced Spread".to_string(), synthetic(30)),
        ("AZ Balanced BinPack".to_string(), synthetic(30)),
        ("BinPack".to_string(), synthetic(25)),
    ];
    comparison_chart(&variants, &png, &svg).unwrap();
    assert_eq!(is_png(&fs::read(&png).unwrap()), COMPARISON_SIZE);
    let text = fs::read_to_string(&svg).unwrap();
    for (name, _) in &variants {
        assert!(text.contains(name.as_str()), "SVG lacks {name}");
    }
}

#[test]
fn degenerate_inputs_still_draw_axes() {
    let dir = tempfile::tempdir().unwrap();
    let (png, svg) = (dir.path().join("e.png"), dir.path().join("e.svg"));
    reservation_chart(&[], &[], "empty", &png, &svg).unwrap();
    assert_eq!(is_png(&fs::read(&png).unwrap()), RESERVATION_SIZE);
    // One minute, values out of range and not a number: clamped or skipped, no panic.
    let rows = vec![row(0, "a", 140.0, f64::NAN), row(0, CLUSTER, -3.0, 50.0)];
    reservation_chart(&rows, &[], "one minute", &png, &svg).unwrap();
    comparison_chart(&[], &png, &svg).unwrap();
}

#[test]
fn a_missing_directory_is_reported_with_its_path() {
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("missing/r.png");
    let err = reservation_chart(&synthetic(3), &[], "t", &png, &dir.path().join("r.svg")).unwrap_err();
    assert!(matches!(err, ChartError::Io { ref path, .. } if *path == png), "{err}");
}

#[test]
fn long_runs_are_averaged_over_aligned_buckets() {
    let rows: Vec<MinuteRow> = (0..1000).map(|m| row(m, "a", (m % 3) as f64, 0.0)).collect();
    let axis = TimeAxis::for_rows(rows.iter());
    assert_eq!(axis.minutes_per_point, 3);
    let points = axis.points(rows.iter(), |r| r.cpu_reservation_pct);
    // 334 buckets, each a step of two points (its start and its end).
    assert_eq!(points.len(), 2 * 334);
    // Minutes 0, 1, 2 average to 1, held from minute 0 to minute 3.
    assert_eq!(&points[..3], &[(0.0, 1.0), (3.0 * 60.0 / 3600.0, 1.0), (3.0 * 60.0 / 3600.0, 1.0)]);
    // The last bucket holds minute 999 alone and ends with the axis, at the end of minute 999.
    assert_eq!(&points[666..], &[(999.0 * 60.0 / 3600.0, 0.0), (1000.0 * 60.0 / 3600.0, 0.0)]);
    // Short runs keep every minute.
    let short = TimeAxis::for_rows(rows[..450].iter());
    assert_eq!(short.minutes_per_point, 1);
}

#[test]
fn fault_bands_are_one_per_occurrence_and_drawn_with_their_names() {
    let row = |occurrence, service: &str, recovered_s: Option<f64>| FaultRow {
        occurrence,
        fault: if occurrence == 0 { "az-b".into() } else { "crash".into() },
        kind: "zone_outage",
        target: String::new(),
        start_s: 600.0 * (occurrence + 1) as f64,
        end_s: 900.0 * (occurrence + 1) as f64,
        service: service.into(),
        desired: 6,
        tasks_lost: 1,
        lowest_healthy: 5,
        recovered_s,
        time_to_recover_s: None,
        requests_failed: 0,
        detail: String::new(),
    };
    // Two services hit by occurrence 0 (the later recovery counts), one not recovered by
    // occurrence 1, and an occurrence that hit no service.
    let rows = [row(0, "web", Some(700.0)), row(0, "api", Some(1000.0)), row(1, "web", None), row(2, "", None)];
    let bands = FaultBand::from_rows(&rows);
    assert_eq!(bands.len(), 3);
    assert_eq!((bands[0].label.as_str(), bands[0].start_s, bands[0].end_s, bands[0].recovered_s), ("az-b", 600.0, 900.0, Some(1000.0)));
    assert_eq!(bands[1].recovered_s, Some(f64::INFINITY));
    assert_eq!(bands[2].recovered_s, None);

    let dir = tempfile::tempdir().unwrap();
    let (png, svg) = (dir.path().join("r.png"), dir.path().join("r.svg"));
    reservation_chart(&synthetic(40), &bands, "t", &png, &svg).unwrap();
    let text = fs::read_to_string(&svg).unwrap();
    for label in ["az-b", "crash", "Faults", "until recovered"] {
        assert!(text.contains(label), "SVG lacks {label:?}");
    }
}

#[test]
fn axis_numbers_are_short() {
    assert_eq!(trim_number(30.0), "30");
    assert_eq!(trim_number(1.5), "1.5");
    assert_eq!(trim_number(0.25), "0.25");
    assert_eq!(trim_number(-0.0001), "0");
    assert_eq!(shorten("a".repeat(30).as_str()).chars().count(), LEGEND_LABEL_CHARS);
}

#[test]
fn the_value_of_minute_10_is_a_step_from_600_to_660_s() {
    // A burst in minute 10 only: one minute wide, not a triangle from minute 9 to 11.
    let rows: Vec<MinuteRow> = (0..20).map(|m| row(m, CLUSTER, if m == 10 { 80.0 } else { 20.0 }, 0.0)).collect();
    let axis = TimeAxis::for_rows(rows.iter());
    assert_eq!(axis.unit_s, 60.0);
    let points = axis.points(rows.iter(), |r| r.cpu_reservation_pct);
    // Minute 10 is points 20 and 21: from 10 min (600 s) to 11 min (660 s), both at 80.
    assert_eq!(&points[18..24], &[(9.0, 20.0), (10.0, 20.0), (10.0, 80.0), (11.0, 80.0), (11.0, 20.0), (12.0, 20.0)]);
}

#[test]
fn each_variant_shows_its_zone_balance_and_the_tasks_it_refused() {
    // Zone c runs 14 points hotter than a and b; the cluster refused 3 + 2 tasks.
    let mut rows = Vec::new();
    for m in 0..4 {
        for (zone, cpu, tasks) in [("a", 60.0, 4), ("b", 62.0, 4), ("c", 76.0, 4)] {
            rows.push(MinuteRow { running_tasks: tasks, ..row(m, zone, cpu, 0.0) });
        }
        rows.push(MinuteRow { tasks_failed: [3, 0, 2, 0][m as usize], ..row(m, CLUSTER, 66.0, 0.0) });
    }
    let facts = VariantFacts::of("AZ Balanced Spread", &rows);
    assert_eq!(facts.zones, vec![("a".into(), 60.0, 4.0), ("b".into(), 62.0, 4.0), ("c".into(), 76.0, 4.0)]);
    assert_eq!(facts.spread_pct(), 16.0);
    assert_eq!(facts.refused, 5);
    assert_eq!(VariantFacts::of("empty", &[]).spread_pct(), 0.0);
}

//! The load balancer's chart from alb.csv's rows: four panels stacked on one time axis.
//!
//! 1. TargetResponseTime p50 (thin), p90 (dashed) and p99 (thick) per target group, one colour
//!    per group. Minutes without a latency (no target answered) are gaps, not zeros. The axis
//!    is linear from 0 unless the values span more than `LOG_SCALE_RATIO` (a timeout next to
//!    a 20 ms baseline): then it is logarithmic, so nothing is clipped and the baseline stays
//!    readable.
//! 2. Requests per minute per target group.
//! 3. ELB 5xx (red) and target 5xx (orange) per minute, summed over the target groups.
//! 4. Healthy targets per target group: the time-weighted mean over each minute (wide, pale) and
//!    the minute's minimum (dashed, on top), so that a minute with no healthy target for 20 s shows it.
//! 5. Availability per minute (%), 100 × (requests − 5xx) ÷ requests of the requests that ended
//!    in the minute: timeseries.csv's `availability_pct` of the cluster row.
//!
//! Every per-minute value is drawn as a step across its minute (`TimeAxis::steps`). The axis runs from a round number below the
//!    lowest minute to 100, so that a dip to 99.5 % shows; minutes without requests are gaps.
//!
//! Behind every panel, the run's faults (`chart::FaultBand`), named at the top of the first.
//!
//! Long runs are averaged over buckets of minutes as in `chart` (`TimeAxis`): each point is
//! the mean per minute of its bucket, which the axis descriptions say. Same conventions as
//! `chart`: the embedded DejaVu Sans, output bytes a pure function of the rows, both files
//! written atomically.

use super::chart::{fault_legend, pale, render, shorten, ChartError, FaultBand, Stroke, TimeAxis, PALETTE};
use super::panels::{values, LegendBlock, Panel, PanelFigure, Scale, Series};
use super::source::Rows;
use crate::sim::alb::metrics::AlbMinuteRow;
use crate::sim::recorder::MinuteRow;
use plotters::prelude::*;
use std::collections::BTreeMap;
use std::path::Path;

/// Pixel size of the PNG (the SVG has the same view box).
pub const TRAFFIC_SIZE: (u32, u32) = (1200, 1800);
/// Share of the plot column's height of each panel, top to bottom: the latency panel holds
/// three lines per group; the bottom one also holds the x axis description.
const PANEL_SHARES: [f64; 5] = [0.26, 0.18, 0.18, 0.18, 0.20];
const GREY: RGBColor = RGBColor(0x55, 0x55, 0x55);
const ELB_5XX: RGBColor = PALETTE[3];
const TARGET_5XX: RGBColor = PALETTE[1];
const AVAILABILITY: RGBColor = PALETTE[2];
/// The zone name the recorder gives the cluster-wide rows of timeseries.csv.
const CLUSTER: &str = "cluster";

/// The latency percentiles: name, field, stroke width, dashed. Drawn in this order, the thick
/// p99 first so that the thinner lines stay visible on top of it.
type Percentile = (&'static str, fn(&AlbMinuteRow) -> Option<f64>, u32, bool);
const PERCENTILES: [Percentile; 3] =
    [("p99", |r| r.latency_ms_p99, 3, false), ("p90", |r| r.latency_ms_p90, 2, true), ("p50", |r| r.latency_ms_p50, 1, false)];

/// Draws `traffic.png` and `traffic.svg` from alb.csv's rows, the availability of
/// timeseries.csv's cluster rows (`minutes`), and the run's `faults`.
pub fn traffic_chart(
    rows: &[AlbMinuteRow],
    minutes: &(impl Rows<MinuteRow> + ?Sized),
    faults: &[FaultBand],
    title: &str,
    png: &Path,
    svg: &Path,
) -> Result<(), ChartError> {
    render(&PanelFigure::traffic(rows, minutes, faults, title), png, svg)
}

impl PanelFigure {
    fn traffic(rows: &[AlbMinuteRow], minutes: &(impl Rows<MinuteRow> + ?Sized), faults: &[FaultBand], title: &str) -> PanelFigure {
        let cluster = || minutes.each().filter(|r| r.zone == CLUSTER);
        let axis = TimeAxis::spanning(
            rows.iter().map(|r| r.time_s).chain(cluster().map(|r| r.time_s)).max().unwrap_or(0),
            rows.iter().map(|r| r.minute + 1).chain(cluster().map(|r| r.minute + 1)).max().unwrap_or(1),
        );
        let line = |stroke: Stroke, samples: Vec<(u64, u64, f64)>| Series {
            stroke,
            segments: axis.steps(&axis.bucket_means(samples.into_iter())),
        };
        let mean_of = axis.mean_suffix();

        // Target groups in the recorder's order; a group's colour is its index.
        let mut groups: Vec<&str> = Vec::new();
        for r in rows {
            if !groups.contains(&r.target_group.as_str()) {
                groups.push(&r.target_group);
            }
        }
        let color = |g: usize| PALETTE[g % PALETTE.len()];
        let groups = &groups;
        let of_group = move |g: usize| rows.iter().filter(move |r| r.target_group == groups[g]);
        let group_legend = |width: u32| LegendBlock {
            heading: "Target group",
            entries: groups.iter().enumerate().map(|(g, name)| (shorten(name), Stroke::solid(color(g), width))).collect(),
        };
        let per_group = |width: u32, value: fn(&AlbMinuteRow) -> f64| -> Vec<Series> {
            (0..groups.len())
                .map(|g| line(Stroke::solid(color(g), width), of_group(g).map(|r| (r.minute, r.time_s, value(r))).collect()))
                .collect()
        };

        let mut latency: Vec<Series> = Vec::new();
        for &(_, field, width, dashed) in &PERCENTILES {
            for g in 0..groups.len() {
                let samples = of_group(g).filter_map(|r| field(r).map(|v| (r.minute, r.time_s, v))).collect();
                latency.push(line(Stroke { color: color(g), width, dashed }, samples));
            }
        }
        let latency_scale = Scale::latency(values(&latency));
        let log = if matches!(latency_scale, Scale::Log { .. }) { " (log scale)" } else { "" };
        let percentile_key = LegendBlock {
            heading: "Percentile",
            entries: PERCENTILES
                .iter()
                .rev()
                .map(|&(name, _, width, dashed)| (name.to_string(), Stroke { color: GREY, width, dashed }))
                .collect(),
        };

        let requests = per_group(2, |r| r.requests as f64);

        // Errors summed over the groups minute by minute, then averaged like any count.
        let mut errors: BTreeMap<u64, (u64, u64, u64)> = BTreeMap::new();
        for r in rows {
            let e = errors.entry(r.minute).or_insert((r.time_s, 0, 0));
            e.1 += r.elb_5xx;
            e.2 += r.target_5xx + r.rejected;
        }
        let errors = vec![
            line(Stroke::solid(ELB_5XX, 2), errors.iter().map(|(&m, e)| (m, e.0, e.1 as f64)).collect()),
            line(Stroke::solid(TARGET_5XX, 2), errors.iter().map(|(&m, e)| (m, e.0, e.2 as f64)).collect()),
        ];

        // The mean wide and pale, the minimum dashed on top: where they agree both show.
        let mut healthy = per_group(2, |r| r.healthy_hosts_avg);
        for s in &mut healthy {
            s.stroke = Stroke::solid(pale(s.stroke.color), 7);
        }
        healthy.extend((0..groups.len()).map(|g| {
            line(
                Stroke { color: color(g), width: 2, dashed: true },
                of_group(g).map(|r| (r.minute, r.time_s, r.healthy_hosts_min as f64)).collect(),
            )
        }));
        let healthy_key = LegendBlock {
            heading: "In each minute",
            entries: vec![
                ("mean (wide, pale)".to_string(), Stroke::solid(pale(GREY), 7)),
                ("minimum (dashed, on top)".to_string(), Stroke { color: GREY, width: 2, dashed: true }),
            ],
        };

        let availability_stroke = Stroke::solid(AVAILABILITY, 2);
        let availability =
            vec![line(availability_stroke, cluster().filter_map(|r| r.availability_pct.map(|a| (r.minute, r.time_s, a))).collect())];
        let mut first_legend = vec![group_legend(2), percentile_key];
        if !faults.is_empty() {
            first_legend
                .push(LegendBlock { heading: "Faults", entries: fault_legend().iter().map(|(l, s)| (l.to_string(), *s)).collect() });
        }

        let panels = vec![
            Panel {
                caption: "TargetResponseTime (ms)",
                y_desc: format!("ms{mean_of}{log}"),
                scale: latency_scale,
                series: latency,
                legend: first_legend,
            },
            Panel {
                caption: "Requests per minute",
                y_desc: format!("per minute{mean_of}"),
                scale: Scale::linear(values(&requests)),
                series: requests,
                legend: vec![group_legend(2)],
            },
            Panel {
                caption: "5xx per minute",
                y_desc: format!("per minute{mean_of}"),
                scale: Scale::linear(values(&errors)),
                series: errors,
                legend: vec![LegendBlock {
                    heading: "All target groups",
                    entries: vec![
                        ("ELB 5xx (502, 503, 504)".to_string(), Stroke::solid(ELB_5XX, 2)),
                        ("target 5xx (incl. full queues)".to_string(), Stroke::solid(TARGET_5XX, 2)),
                    ],
                }],
            },
            Panel {
                caption: "Healthy targets",
                y_desc: format!("targets{mean_of}"),
                scale: Scale::linear(values(&healthy)),
                series: healthy,
                legend: vec![group_legend(2), healthy_key],
            },
            Panel {
                caption: "Availability per minute (%)",
                y_desc: format!("% successful{mean_of}"),
                scale: Scale::percent(values(&availability)),
                series: availability,
                legend: vec![LegendBlock { heading: "All requests", entries: vec![("non-5xx ÷ all".to_string(), availability_stroke)] }],
            },
        ];
        PanelFigure {
            title: title.to_string(),
            size: TRAFFIC_SIZE,
            shares: PANEL_SHARES.to_vec(),
            x_desc: axis.desc(),
            x_max: axis.max,
            unit_s: axis.unit_s,
            faults: faults.to_vec(),
            panels,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::chart::tests::is_png;
    use crate::report::panels::nice_ceil;
    use std::fs;

    const GROUPS: [&str; 2] = ["web-tg", "api-tg"];

    fn row(minute: u64, group: &str) -> AlbMinuteRow {
        AlbMinuteRow {
            minute,
            time_s: minute * 60,
            target_group: group.to_string(),
            requests: 0,
            successful: 0,
            availability_pct: None,
            target_2xx: 0,
            rejected: 0,
            request_count: 0,
            requests_per_target: 0.0,
            latency_ms_avg: None,
            latency_ms_p50: None,
            latency_ms_p90: None,
            latency_ms_p99: None,
            elb_5xx: 0,
            elb_502: 0,
            elb_503: 0,
            elb_504: 0,
            target_5xx: 0,
            healthy_hosts_avg: 0.0,
            healthy_hosts_min: 0,
            healthy_hosts_max: 0,
            unhealthy_hosts_avg: 0.0,
            unhealthy_hosts_min: 0,
            unhealthy_hosts_max: 0,
            unhealthy_routing: 0,
            forward_weight_pct: None,
        }
    }

    /// Two groups; at minute 10 the web group loses a target and answers with 5xx; latency
    /// rises from minute 15; the api group has no answered request in minutes 20 to 22.
    fn synthetic(minutes: u64) -> Vec<AlbMinuteRow> {
        let mut rows = Vec::new();
        for m in 0..minutes {
            for (g, name) in GROUPS.iter().enumerate() {
                let mut r = row(m, name);
                let rise = if m >= 15 { 1.0 + (m - 15).min(10) as f64 * 0.2 } else { 1.0 };
                let base = 20.0 + 10.0 * g as f64;
                r.requests = 600 + 100 * g as u64 + m % 7;
                let answered = !(g == 1 && (20..23).contains(&m));
                r.latency_ms_p50 = answered.then_some(base * rise);
                r.latency_ms_p90 = answered.then_some(2.0 * base * rise);
                r.latency_ms_p99 = answered.then_some(4.0 * base * rise);
                r.healthy_hosts_avg = 3.0 - g as f64;
                if g == 0 && m == 10 {
                    (r.elb_502, r.target_5xx, r.healthy_hosts_avg) = (40, 25, 2.5);
                    r.elb_5xx = r.elb_502;
                }
                rows.push(r);
            }
        }
        rows
    }

    fn paths(dir: &tempfile::TempDir, name: &str) -> (std::path::PathBuf, std::path::PathBuf) {
        (dir.path().join(format!("{name}.png")), dir.path().join(format!("{name}.svg")))
    }

    #[test]
    fn draws_a_decodable_png_and_an_svg_with_every_panel_and_group() {
        let dir = tempfile::tempdir().unwrap();
        let (png, svg) = paths(&dir, "traffic");
        traffic_chart(&synthetic(30), &[], &[], "quickstart: load balancer", &png, &svg).unwrap();

        assert_eq!(is_png(&fs::read(&png).unwrap()), TRAFFIC_SIZE);
        let text = fs::read_to_string(&svg).unwrap();
        assert!(text.starts_with("<svg"), "{}", &text[..40]);
        for label in [
            "quickstart: load balancer",
            "TargetResponseTime (ms)",
            "Requests per minute",
            "5xx per minute",
            "Healthy targets",
            "Simulated time (min)",
            "ELB 5xx (502, 503, 504)",
            "target 5xx",
            "p50",
            "p90",
            "p99",
        ] {
            assert!(text.contains(label), "SVG lacks {label:?}");
        }
        for name in GROUPS {
            assert!(text.contains(name), "SVG lacks {name}");
        }
    }

    #[test]
    fn the_same_rows_give_the_same_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let rows = synthetic(30);
        let (png1, svg1) = paths(&dir, "one");
        let (png2, svg2) = paths(&dir, "two");
        traffic_chart(&rows, &[], &[], "t", &png1, &svg1).unwrap();
        traffic_chart(&rows, &[], &[], "t", &png2, &svg2).unwrap();
        assert!(!fs::read(&png1).unwrap().is_empty());
        assert_eq!(fs::read(&png1).unwrap(), fs::read(&png2).unwrap());
        assert_eq!(fs::read(&svg1).unwrap(), fs::read(&svg2).unwrap());
    }

    #[test]
    fn no_rows_draw_empty_panels() {
        let dir = tempfile::tempdir().unwrap();
        let (png, svg) = paths(&dir, "empty");
        traffic_chart(&[], &[], &[], "empty", &png, &svg).unwrap();
        assert_eq!(is_png(&fs::read(&png).unwrap()), TRAFFIC_SIZE);
        assert!(fs::read_to_string(&svg).unwrap().contains("5xx per minute"));
        // One minute, latency 0 and a lone group: no panic either.
        let mut r = row(0, "only");
        r.latency_ms_p50 = Some(0.0);
        traffic_chart(&[r], &[], &[], "one minute", &png, &svg).unwrap();
    }

    #[test]
    fn a_day_is_drawn_in_hours_from_buckets_of_minutes() {
        let dir = tempfile::tempdir().unwrap();
        let (png, svg) = paths(&dir, "day");
        let rows = synthetic(24 * 60);
        traffic_chart(&rows, &[], &[], "a day", &png, &svg).unwrap();
        assert_eq!(is_png(&fs::read(&png).unwrap()), TRAFFIC_SIZE);
        let text = fs::read_to_string(&svg).unwrap();
        assert!(text.contains("Simulated time (h); each point the mean of 4 minutes"));
        assert!(text.contains("per minute, mean of 4 minutes"));
        // 1440 minutes in buckets of 4: 360 steps per line, two points each.
        let figure = PanelFigure::traffic(&rows, &[], &[], "a day");
        let requests = &figure.panels[1].series[0];
        assert_eq!(requests.segments.iter().map(Vec::len).sum::<usize>(), 720);
    }

    #[test]
    fn a_minute_without_latency_is_a_gap() {
        let figure = PanelFigure::traffic(&synthetic(30), &[], &[], "t");
        let latency = &figure.panels[0];
        // p99, p90, p50 per group in that order: the api group's lines break at minutes 20-22.
        // Each minute is a step: two points.
        assert_eq!(latency.series.len(), 3 * GROUPS.len());
        for (i, series) in latency.series.iter().enumerate() {
            let lengths: Vec<usize> = series.segments.iter().map(Vec::len).collect();
            assert_eq!(lengths, if i % 2 == 1 { vec![40, 14] } else { vec![60] }, "series {i}");
        }
        assert_eq!(&latency.series[1].segments[1][..2], &[(23.0, 4.0 * 30.0 * 2.6), (24.0, 4.0 * 30.0 * 2.6)]);
        assert_eq!(latency.scale, Scale::Linear { top: 400.0 });
    }

    #[test]
    fn errors_are_summed_over_groups_and_hosts_kept_per_group() {
        let mut rows = synthetic(30);
        rows[2 * 10 + 1].elb_5xx = 5;
        let figure = PanelFigure::traffic(&rows, &[], &[], "t");
        let errors = &figure.panels[2].series;
        // Minute 10 is the step from 10.0 to 11.0 (points 20 and 21 of the line).
        assert_eq!(&errors[0].segments[0][20..22], &[(10.0, 45.0), (11.0, 45.0)]);
        assert_eq!(&errors[1].segments[0][20..22], &[(10.0, 25.0), (11.0, 25.0)]);
        assert_eq!(&errors[0].segments[0][18..20], &[(9.0, 0.0), (10.0, 0.0)]);
        assert_eq!(figure.panels[2].scale, Scale::Linear { top: 50.0 });
        // Per group: the minute's mean (solid), then its minimum (dashed).
        let healthy = &figure.panels[3].series;
        assert_eq!(healthy.len(), 2 * GROUPS.len());
        assert_eq!(healthy[0].segments[0][20], (10.0, 2.5));
        assert_eq!(healthy[1].segments[0][20], (10.0, 2.0));
        assert!(healthy[2].stroke.dashed && healthy[3].stroke.dashed);
    }

    #[test]
    fn a_latency_spanning_decades_gets_a_log_axis() {
        let mut rows = synthetic(30);
        // A timeout-length p99 in one minute, 20 ms elsewhere.
        rows[2 * 12].latency_ms_p99 = Some(60_000.0);
        let figure = PanelFigure::traffic(&rows, &[], &[], "t");
        let scale = figure.panels[0].scale;
        assert_eq!(scale, Scale::Log { lo: 1, hi: 5 });
        assert!(figure.panels[0].y_desc.ends_with("(log scale)"));
        assert_eq!(scale.y(60_000.0), 60_000f64.log10());
        // Zero is drawn at the bottom, not at minus infinity.
        assert_eq!(scale.y(0.0), 1.0);
        assert_eq!((scale.label(2.0), scale.label(2.5)), ("100".to_string(), String::new()));

        let dir = tempfile::tempdir().unwrap();
        let (png, svg) = paths(&dir, "log");
        traffic_chart(&rows, &[], &[], "t", &png, &svg).unwrap();
        let labels = texts(&fs::read_to_string(&svg).unwrap());
        for decade in ["10", "100", "1000", "10000", "100000"] {
            assert!(labels.iter().any(|l| l == decade), "no label {decade} in {labels:?}");
        }
        assert!(labels.iter().any(|l| l == "ms (log scale)"));
    }

    /// The contents of the SVG's text elements, trimmed.
    fn texts(svg: &str) -> Vec<String> {
        svg.split("<text").skip(1).filter_map(|t| Some(t.split_once('>')?.1.split_once("</text>")?.0.trim().to_string())).collect()
    }

    #[test]
    fn axis_tops_are_round() {
        assert_eq!(nice_ceil(0.0), 1.0);
        assert_eq!(nice_ceil(f64::NAN), 1.0);
        assert_eq!(nice_ceil(3.15), 4.0);
        assert_eq!(nice_ceil(100.0), 100.0);
        assert_eq!(nice_ceil(105.0), 120.0);
        assert_eq!(nice_ceil(0.07), 0.08);
        assert_eq!(nice_ceil(850.0), 1000.0);
    }

    #[test]
    fn too_many_groups_shorten_the_legend() {
        let rows: Vec<AlbMinuteRow> = (0..40).map(|g| row(0, &format!("group-{g:02}"))).collect();
        let dir = tempfile::tempdir().unwrap();
        let (png, svg) = paths(&dir, "many");
        traffic_chart(&rows, &[], &[], "t", &png, &svg).unwrap();
        let text = fs::read_to_string(&svg).unwrap();
        assert!(text.contains("group-00"));
        assert!(text.contains("more"));
    }
}

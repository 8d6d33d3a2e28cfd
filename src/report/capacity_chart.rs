//! The capacity chart (`capacity.png` / `capacity.svg`), three panels on one time axis, drawn
//! with the traffic chart's stacked-panel figure:
//!
//! 1. Container instances per zone (timeseries.csv `instances`: ACTIVE and DRAINING, Fargate
//!    capacity aside) and the cluster's total (wide, pale grey, under the zones: with one zone
//!    the two agree and both must show).
//! 2. Tasks per service: desired (a wide, pale step of the service's colour) and running (a
//!    thin step on top), one colour per service (services.csv).
//! 3. What the run has cost so far (USD, the cluster row's `cost_usd_cumulative`), a line
//!    through each minute's end (a running total; the other panels are steps).
//!
//! Behind every panel, the run's faults (`chart::FaultBand`), named at the top of the first.

use super::chart::Stroke;
use super::chart::{fault_legend, pale, render, shorten, ChartError, FaultBand, TimeAxis, PALETTE};
use super::panels::{values, LegendBlock, Panel, PanelFigure, Scale, Series};
use super::source::Rows;
use crate::sim::recorder::{MinuteRow, ServiceMinuteRow};
use plotters::style::{RGBColor, BLACK};
use std::path::Path;

/// Pixel size of the PNG (the SVG has the same view box).
pub const CAPACITY_SIZE: (u32, u32) = (1200, 1200);
const PANEL_SHARES: [f64; 3] = [0.34, 0.34, 0.32];
const CLUSTER: &str = "cluster";
const GREY: RGBColor = RGBColor(0x55, 0x55, 0x55);
const CLUSTER_GREY: RGBColor = RGBColor(0xbb, 0xbb, 0xbb);

/// Draws `capacity.png` and `capacity.svg` from timeseries.csv's and services.csv's rows.
/// `faults` are shaded behind the lines.
pub fn capacity_chart(
    minutes: &(impl Rows<MinuteRow> + ?Sized),
    services: &(impl Rows<ServiceMinuteRow> + ?Sized),
    faults: &[FaultBand],
    title: &str,
    png: &Path,
    svg: &Path,
) -> Result<(), ChartError> {
    render(&figure(minutes, services, faults, title), png, svg)
}

fn figure(
    minutes: &(impl Rows<MinuteRow> + ?Sized),
    services: &(impl Rows<ServiceMinuteRow> + ?Sized),
    faults: &[FaultBand],
    title: &str,
) -> PanelFigure {
    let spans = minutes.each().map(|r| (r.time_s, r.minute + 1)).chain(services.each().map(|r| (r.time_s, r.minute + 1)));
    let (last_s, count) = spans.fold((0, 1), |(s, m), (t, n)| (t.max(s), n.max(m)));
    let axis = TimeAxis::spanning(last_s, count);
    let line =
        |stroke: Stroke, samples: Vec<(u64, u64, f64)>| Series { stroke, segments: axis.steps(&axis.bucket_means(samples.into_iter())) };
    let mean_of = axis.mean_suffix();

    // Zones in the recorder's order, the cluster last (drawn on top).
    let mut zones: Vec<String> = Vec::new();
    for r in minutes.each().filter(|r| r.zone != CLUSTER) {
        if !zones.contains(&r.zone) {
            zones.push(r.zone.clone());
        }
    }
    let zone_stroke = |i: usize| Stroke::solid(PALETTE[i % PALETTE.len()], 2);
    let cluster_stroke = Stroke::solid(CLUSTER_GREY, 8);
    // The cluster first, wide and pale: the zones drawn over it stay visible where they agree.
    let mut instances: Vec<Series> = vec![line(
        cluster_stroke,
        minutes.each().filter(|r| r.zone == CLUSTER).map(|r| (r.minute, r.time_s, r.instances as f64)).collect(),
    )];
    instances.extend(zones.iter().enumerate().map(|(i, z)| {
        line(zone_stroke(i), minutes.each().filter(|r| r.zone == *z).map(|r| (r.minute, r.time_s, r.instances as f64)).collect())
    }));
    let mut zone_entries: Vec<(String, Stroke)> = vec![("cluster (wide, pale)".to_string(), cluster_stroke)];
    zone_entries.extend(zones.iter().enumerate().map(|(i, z)| (shorten(z), zone_stroke(i))));

    let mut names: Vec<String> = Vec::new();
    for r in services.each() {
        if !names.contains(&r.service) {
            names.push(r.service.clone());
        }
    }
    let color = |i: usize| PALETTE[i % PALETTE.len()];
    let mut tasks: Vec<Series> = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let rows = || services.each().filter(move |r| r.service == *name);
        tasks.push(line(Stroke::solid(pale(color(i)), 8), rows().map(|r| (r.minute, r.time_s, f64::from(r.desired))).collect()));
        tasks.push(line(Stroke::solid(color(i), 2), rows().map(|r| (r.minute, r.time_s, f64::from(r.running))).collect()));
    }
    let service_entries = names.iter().enumerate().map(|(i, n)| (shorten(n), Stroke::solid(color(i), 2))).collect();
    let key = LegendBlock {
        heading: "Line",
        entries: vec![
            ("desired (wide, pale)".to_string(), Stroke::solid(pale(GREY), 8)),
            ("running (thin, on top)".to_string(), Stroke::solid(GREY, 2)),
        ],
    };

    // The cost so far is a running total read at each minute's end: a line through those
    // instants, from 0 at the start, not a step.
    let cost_at_ends: Vec<(u64, u64, f64)> = std::iter::once((0, 0, 0.0))
        .chain(minutes.each().filter(|r| r.zone == CLUSTER).filter_map(|r| r.cost_usd_cumulative.map(|c| (r.minute + 1, r.time_s + 60, c))))
        .collect();
    let cost = vec![Series { stroke: Stroke::solid(BLACK, 2), segments: axis.polyline(&axis.bucket_means(cost_at_ends.into_iter())) }];

    let mut instances_legend = vec![LegendBlock { heading: "Zone", entries: zone_entries }];
    if !faults.is_empty() {
        instances_legend
            .push(LegendBlock { heading: "Faults", entries: fault_legend().iter().map(|(l, s)| (l.to_string(), *s)).collect() });
    }
    let panels = vec![
        Panel {
            caption: "Container instances",
            y_desc: format!("instances{mean_of}"),
            scale: Scale::linear(values(&instances)),
            series: instances,
            legend: instances_legend,
        },
        Panel {
            caption: "Tasks per service",
            y_desc: format!("tasks{mean_of}"),
            scale: Scale::linear(values(&tasks)),
            series: tasks,
            legend: vec![LegendBlock { heading: "Service", entries: service_entries }, key],
        },
        Panel {
            caption: "Cost so far (USD)",
            y_desc: "USD".to_string(),
            scale: Scale::linear(values(&cost)),
            series: cost,
            legend: vec![LegendBlock { heading: "Cost", entries: vec![("EC2 + Fargate".to_string(), Stroke::solid(BLACK, 2))] }],
        },
    ];
    PanelFigure {
        title: title.to_string(),
        size: CAPACITY_SIZE,
        shares: PANEL_SHARES.to_vec(),
        x_desc: axis.desc(),
        x_max: axis.max,
        unit_s: axis.unit_s,
        faults: faults.to_vec(),
        panels,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::chart::tests::is_png;
    use std::fs;

    fn minute(m: u64, zone: &str, instances: u64, cost: Option<f64>) -> MinuteRow {
        MinuteRow { minute: m, time_s: m * 60, zone: zone.to_string(), instances, cost_usd_cumulative: cost, ..MinuteRow::default() }
    }

    fn service(m: u64, desired: u32, running: u32) -> ServiceMinuteRow {
        ServiceMinuteRow {
            minute: m,
            time_s: m * 60,
            service: "web".into(),
            desired,
            running,
            pending: 0,
            provisioning: desired.saturating_sub(running),
            healthy: running,
            in_flight: running,
            primary_tasks: running,
            old_tasks: 0,
            deployments: 1,
            cpu_utilization_pct: None,
            memory_utilization_pct: None,
        }
    }

    #[test]
    fn capacity_chart_names_zones_services_and_cost() {
        let dir = tempfile::tempdir().unwrap();
        let (png, svg) = (dir.path().join("capacity.png"), dir.path().join("capacity.svg"));
        let mut minutes = Vec::new();
        let mut services = Vec::new();
        for m in 0..30 {
            let n = if m < 12 { 4 } else { 6 };
            minutes.push(minute(m, "us-east-1a", n, None));
            minutes.push(minute(m, CLUSTER, n, Some(0.0016 * (m + 1) as f64 * n as f64)));
            services.push(service(m, if m < 10 { 4 } else { 6 }, n as u32));
        }
        capacity_chart(&minutes, &services, &[], "outgrows-cluster: capacity", &png, &svg).unwrap();
        assert_eq!(is_png(&fs::read(&png).unwrap()), CAPACITY_SIZE);
        let text = fs::read_to_string(&svg).unwrap();
        for label in ["us-east-1a", "cluster", "web", "desired", "running", "Cost so far (USD)", "Container instances"] {
            assert!(text.contains(label), "SVG lacks {label:?}");
        }
        // Same rows, same bytes.
        let (png2, svg2) = (dir.path().join("b.png"), dir.path().join("b.svg"));
        capacity_chart(&minutes, &services, &[], "outgrows-cluster: capacity", &png2, &svg2).unwrap();
        assert_eq!(fs::read(&png).unwrap(), fs::read(&png2).unwrap());
        // Nothing at all still draws axes.
        capacity_chart(&[], &[], &[], "empty", &png, &svg).unwrap();
    }

    #[test]
    fn the_wide_pale_lines_are_drawn_first_so_equal_counts_both_show() {
        // One zone: the cluster's instances equal the zone's; desired equals running.
        let minutes = vec![minute(0, "us-east-1a", 4, None), minute(0, CLUSTER, 4, None)];
        let fig = figure(&minutes, &[service(0, 4, 4)], &[], "t");
        let widths = |panel: usize| fig.panels[panel].series.iter().map(|s| s.stroke.width).collect::<Vec<u32>>();
        assert_eq!(widths(0), vec![8, 2], "the cluster under the zone");
        assert_eq!(widths(1), vec![8, 2], "desired under running");
        // Each minute is a step across it.
        assert_eq!(fig.panels[1].series[1].segments, vec![vec![(0.0, 4.0), (1.0, 4.0)]]);
    }
}

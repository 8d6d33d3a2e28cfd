//! What a run leaves behind for people: the summary statistics (`summary`), result files
//! written atomically (`atomic`, `output`) and charts of reservation over simulated time
//! (`chart`), and what `ecsim run` prints (`terminal`). Reads the recorder's rows; never the
//! simulation's state.

pub mod atomic;
pub mod capacity_chart;
pub mod chart;
pub mod html;
pub mod output;
pub(crate) mod panels;
pub mod scaling_chart;
pub mod service_charts;
pub mod summary;
pub mod terminal;
pub mod traffic_chart;

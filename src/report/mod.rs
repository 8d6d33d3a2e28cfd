//! What a run leaves behind for people: result files written atomically (`atomic`) and charts
//! of reservation over simulated time (`chart`). Reads the recorder's rows; never the
//! simulation's state.

pub mod atomic;
pub mod chart;

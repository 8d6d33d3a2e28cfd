//! The animated cluster's section of a run's page (zones, instances, tasks over time). A
//! placeholder until the cluster view lands: it contributes no section.

use super::Section;
use anyhow::Result;
use std::path::Path;

/// The cluster section for the run in `dir`, or `None` when there is nothing to show.
pub fn section(_dir: &Path) -> Result<Option<Section>> {
    Ok(None)
}

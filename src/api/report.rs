//! report.html: the page built from a results directory's files alone, for a run, a sweep or a
//! scenario's variants (`ecsim report DIR`; `ecsim run` and `ecsim sweep` write it themselves).

use anyhow::Result;
use std::path::{Path, PathBuf};

/// Builds report.html from the files of the results directory `dir` (a run's, a sweep's or a
/// scenario's variants') and writes it there; answers its path. The same directory gives the
/// same bytes. An error names the file that is missing.
///
/// ```
/// let scenario = ecsim::api::load(std::path::Path::new("scenarios/quickstart.toml")).unwrap();
/// let run = ecsim::api::run(&scenario, 1);
/// let dir = tempfile::tempdir().unwrap();
/// ecsim::api::write_results(dir.path(), &run).unwrap();
/// let before = std::fs::read(dir.path().join("report.html")).unwrap();
/// let page = ecsim::api::write_report(dir.path()).unwrap();
/// assert_eq!(std::fs::read(page).unwrap(), before);
/// assert!(ecsim::api::write_report(std::path::Path::new("no/such/dir")).is_err());
/// ```
pub fn write_report(dir: &Path) -> Result<PathBuf> {
    crate::report::html::write_report(dir)
}

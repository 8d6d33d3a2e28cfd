//! report.html: one self-contained page per results directory (scripts, styles and data
//! inline; no network access), rebuilt from the directory's files alone. This minimal page
//! carries the animated cluster (`cluster`); the report's other sections are added around it.

pub mod cluster;

use crate::report::atomic::write_atomic;
use anyhow::{Context, Result};
use std::path::Path;

/// One section of the page: its markup (styles inline), its script (run once the page is
/// loaded) and its data (JSON, already safe inside a `<script>` element).
pub struct Section {
    pub html: String,
    pub script: String,
    pub data_json: String,
}

/// Writes `dir/report.html` from the files in `dir`.
pub fn write_report(dir: &Path) -> Result<()> {
    let mut page = String::from(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>ecsim run report</title>\n</head>\n<body>\n",
    );
    if let Some(s) = cluster::section(dir)? {
        page.push_str(&s.html);
        page.push_str("\n<script type=\"application/json\" id=\"cluster-data\">");
        page.push_str(&s.data_json);
        page.push_str("</script>\n<script>\n");
        page.push_str(&s.script);
        page.push_str("\n</script>\n");
    }
    page.push_str("</body>\n</html>\n");
    write_atomic(&dir.join("report.html"), page.as_bytes()).context("report.html")
}

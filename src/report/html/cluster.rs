//! The cluster, animated, in report.html: zones as columns, container instances as boxes
//! filled by the CPU and memory their tasks reserve, tasks as cells coloured by owner and
//! revision and outlined by state, a timeline with the run's events to scrub and play, and a
//! task's history and placement explanation on a click. The data comes from the results
//! directory (`data`); the drawing is assets/report/cluster.js and cluster.css.

mod data;
mod marks;
mod tasks_read;
#[cfg(test)]
mod tests;

pub use data::ClusterData;
pub use marks::EventMarks;
pub use tasks_read::TasksFeed;

use super::Section;
use anyhow::Result;

const SCRIPT: &str = include_str!("../../../assets/report/cluster.js");
const STYLE: &str = include_str!("../../../assets/report/cluster.css");

/// The cluster section of a run (`ClusterData::read_tasks`, then the marks, then `finish`).
pub fn section_of(data: &ClusterData) -> Result<Section> {
    Ok(Section { html: markup(data), script: SCRIPT.to_string(), data_json: script_safe_json(data)? })
}

/// The cluster section of the run in `dir` read on its own, or None for a run without tasks or
/// instances (tests; the page shares its pass over events.csv with the events table).
#[cfg(test)]
pub fn section(dir: &std::path::Path) -> Result<Option<Section>> {
    ClusterData::read(dir)?.as_ref().map(section_of).transpose()
}

/// JSON that cannot end or comment out the `<script>` element that holds it: every `<` (only
/// ever inside a string) is written `\u003c`.
pub fn script_safe_json<T: serde::Serialize>(value: &T) -> Result<String> {
    Ok(serde_json::to_string(value)?.replace('<', "\\u003c"))
}

/// The section's markup; the script fills the zones, the marks and the legend.
fn markup(data: &ClusterData) -> String {
    let note =
        data.sample_note.as_deref().map_or(String::new(), |n| format!("<p class=\"ecl-note\">{}</p>\n", super::page::escape_html(n)));
    format!(
        r#"<section id="cluster" class="ecl">
<style>
{STYLE}</style>
<h2>The cluster, animated</h2>
<p class="ecl-intro">Each column is an Availability Zone, each box a container instance ({instances} in all) filled by the CPU and memory its tasks reserve; each cell is a task ({tasks} in all), coloured by service and revision and outlined by its state. Press play or drag the timeline; click a task for its history and why it was placed there.</p>
{note}<div class="ecl-controls">
<button type="button" id="ecl-play" aria-label="play">▶ Play</button>
<label>speed <select id="ecl-speed"></select></label>
<span id="ecl-time" class="ecl-time">0:00:00</span>
</div>
<div class="ecl-timeline">
<div id="ecl-marks" class="ecl-marks"></div>
<input type="range" id="ecl-scrub" min="0" max="{end}" step="any" value="0" aria-label="time in the run">
</div>
<div id="ecl-legend" class="ecl-legend"></div>
<div id="ecl-provisioning" class="ecl-provisioning" hidden></div>
<div class="ecl-body">
<div id="ecl-zones" class="ecl-zones"></div>
<aside id="ecl-detail" class="ecl-detail"><p>Click a task to see its history and its placement.</p></aside>
</div>
</section>
"#,
        instances = data.instances.len(),
        tasks = data.tasks.len(),
        end = data.end_s,
    )
}

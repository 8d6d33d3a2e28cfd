//! The page around the sections: the template (`assets/report/page.html`) filled in one pass,
//! the embedded assets (the vendored uPlot, the style sheet, the scripts), HTML and inline-JSON
//! escaping, and the small pieces every kind of page shares (header, notes, times).

use super::Section;
use std::io::{self, Write};

const TEMPLATE: &str = include_str!("../../../assets/report/page.html");
const CSS: &str = include_str!("../../../assets/report/report.css");
const COMMON_JS: &str = include_str!("../../../assets/report/common.js");
/// The run page's script: deployment timelines, panels, events table.
pub const RUN_SCRIPT: &str = include_str!("../../../assets/report/run.js");
/// The sweep page's script: the figures against their axes.
pub const SWEEP_SCRIPT: &str = include_str!("../../../assets/report/sweep.js");
const UPLOT_JS: &str = include_str!("../../../assets/report/vendor/uplot/uPlot.iife.min.js");
const UPLOT_CSS: &str = include_str!("../../../assets/report/vendor/uplot/uPlot.min.css");

/// Where the run page's script draws: the deployment timelines, the panels, the events table.
pub const RUN_PLACEHOLDERS: &str = r#"
<section id="deployments" class="hidden"><h2>Deployments</h2><div class="explain">Tasks of each service stacked by state and revision, with the desired count, the healthy count and the bounds of the rollout: at least minimum healthy percent of desired healthy, at most maximum percent of desired in flight (a rolling update: the Amazon ECS Developer Guide, &ldquo;Deploy Amazon ECS services by replacing tasks&rdquo;).</div><div class="charts"></div></section>
<section id="panels"><h2>Over time</h2><div class="explain">One time axis for every panel: move over one to see the same instant in all. Per-minute values are drawn as steps across their minute. Click to move the time cursor.</div><div class="charts"></div></section>
<section id="events"><h2>Events</h2><div class="explain">Every row of events.csv. Click a row to move the time cursor to it.</div><div class="filters"><input type="search" id="event-text" placeholder="filter by text (task, instance, detail…)"><select id="event-kind"><option value="">every kind</option></select><span id="event-count"></span></div><div class="kinds"></div><div class="table-wrap"><table><thead><tr><th>time</th><th>event</th><th>task</th><th>group</th><th>instance</th><th>zone</th><th>reason</th><th>detail</th></tr></thead><tbody></tbody></table></div></section>
"#;

/// What fills the template.
pub struct Page<'a> {
    pub title: &'a str,
    /// The sections, already HTML.
    pub body: &'a str,
    /// The page's data as JSON text, in pieces written one after another (a run's events
    /// table is megabytes: it is written where it lies, not copied into one string first),
    /// read by its script from `#report-data`.
    pub data: &'a [&'a str],
    pub script: &'a str,
    pub cluster: Option<&'a Section>,
}

/// The whole page. Placeholders `{{NAME}}` are replaced in one pass over the template, so text
/// inserted (a scenario named "{{DATA}}") is never read as a placeholder.
pub fn render(p: &Page) -> String {
    let mut out = Vec::with_capacity(TEMPLATE.len() + UPLOT_JS.len() + p.body.len() + 4096);
    // Writing into a `Vec` cannot fail.
    let _ = render_to(p, &mut out);
    // Every piece is a `str` and the escaping writes ASCII.
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// [`render`] straight into `out` (the page's file): no copy of the page, of its data or of
/// the cluster's data is made first. For a run of 10,000 tasks those copies and the fresh
/// memory they took were most of the time spent on the page.
pub fn render_to(p: &Page, out: &mut dyn Write) -> io::Result<()> {
    let mut rest = TEMPLATE;
    while let Some(start) = rest.find("{{") {
        let Some(len) = rest[start..].find("}}") else { break };
        out.write_all(&rest.as_bytes()[..start])?;
        let name = &rest[start + 2..start + len];
        match name {
            "TITLE" => out.write_all(escape_html(p.title).as_bytes())?,
            "UPLOT_CSS" => out.write_all(UPLOT_CSS.as_bytes())?,
            "CSS" => out.write_all(CSS.as_bytes())?,
            "BODY" => out.write_all(p.body.as_bytes())?,
            "DATA" => {
                for piece in p.data {
                    write_inline_json(out, piece)?;
                }
            }
            "CLUSTER_DATA" => {
                if let Some(c) = p.cluster {
                    out.write_all(b"<script type=\"application/json\" id=\"cluster-data\">")?;
                    write_inline_json(out, &c.data_json)?;
                    out.write_all(b"</script>")?;
                }
            }
            "UPLOT_JS" => out.write_all(uplot_js().as_bytes())?,
            "COMMON_JS" => out.write_all(COMMON_JS.as_bytes())?,
            "SCRIPT" => out.write_all(p.script.as_bytes())?,
            "CLUSTER_SCRIPT" => {
                if let Some(c) = p.cluster {
                    write!(out, "<script>\n{}\n</script>", c.script)?;
                }
            }
            _ => out.write_all(&rest.as_bytes()[start..start + len + 2])?,
        }
        rest = &rest[start + len + 2..];
    }
    out.write_all(rest.as_bytes())
}

/// uPlot without its banner comment, which holds the project's web address: the page holds no
/// address a browser could load (assets/report/vendor/uplot/SOURCES.md).
fn uplot_js() -> &'static str {
    match UPLOT_JS.strip_prefix("/*!") {
        Some(rest) => rest.find("*/").map_or(UPLOT_JS, |end| rest[end + 2..].trim_start()),
        None => UPLOT_JS,
    }
}

/// JSON text safe inside `<script>`: no `<` at all (so no `</script>` and no `<!--`), written as
/// `\u003c`, which JSON reads back as `<`; `<` appears only inside JSON strings.
#[cfg(test)]
pub fn inline_json(json: &str) -> String {
    let mut out = Vec::with_capacity(json.len());
    // Writing into a `Vec` cannot fail, and the text stays UTF-8 (only ASCII `<` is replaced).
    let _ = write_inline_json(&mut out, json);
    String::from_utf8(out).unwrap_or_default()
}

/// JSON text written to `out` safe inside `<script>`, as it goes (see `inline_json`).
fn write_inline_json(out: &mut dyn Write, json: &str) -> io::Result<()> {
    let mut parts = json.split('<');
    if let Some(first) = parts.next() {
        out.write_all(first.as_bytes())?;
    }
    for part in parts {
        out.write_all(b"\\u003c")?;
        out.write_all(part.as_bytes())?;
    }
    Ok(())
}

/// Text as HTML: `&`, `<`, `>`, `"` and `'` escaped.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The page's title and the line under it.
pub fn header(title: &str, subtitle: &str) -> String {
    format!("<header><h1>{}</h1><div class=\"sub\">{}</div></header>\n", escape_html(title), escape_html(subtitle))
}

/// What the page left out or aggregated, said at the top.
pub fn notes(notes: &[String]) -> String {
    if notes.is_empty() {
        return String::new();
    }
    let items: String = notes.iter().map(|n| format!("<li>{}</li>", escape_html(n))).collect();
    format!("<aside class=\"notes\"><ul>{items}</ul></aside>\n")
}

/// Seconds of simulated time as a clock: "0:10:30" (hours:minutes:seconds), "1:02:03.5".
pub fn clock(seconds: f64) -> String {
    let s = seconds.max(0.0);
    let whole = s.floor() as u64;
    let frac = s - whole as f64;
    let base = format!("{}:{:02}:{:02}", whole / 3600, whole / 60 % 60, whole % 60);
    if frac >= 0.05 {
        format!("{base}.{}", ((frac * 10.0).round() as u64).min(9))
    } else {
        base
    }
}

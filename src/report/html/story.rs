//! A lesson's story on its run's page (lesson.json: `title`, `shows`, `steps` with `at_s` and
//! `text`): numbered steps, each with its time; clicking one moves the page's time cursor there
//! (the script dispatches `ecsim:time`).

use super::page::{clock, escape_html};
use serde_json::Value;

/// The story section, or nothing when lesson.json has neither a title nor steps.
pub fn section(lesson: &Value) -> String {
    let text = |k: &str| lesson.get(k).and_then(Value::as_str).unwrap_or("");
    let steps: Vec<(f64, &str)> = lesson
        .get("steps")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|s| (s.get("at_s").and_then(Value::as_f64).unwrap_or(0.0), s.get("text").and_then(Value::as_str).unwrap_or("")))
                .collect()
        })
        .unwrap_or_default();
    if text("title").is_empty() && steps.is_empty() {
        return String::new();
    }
    let items: String = steps
        .iter()
        .map(|(t, s)| {
            format!(
                "<li data-t=\"{t}\" tabindex=\"0\" title=\"show the cluster at {}\"><span class=\"when\">{}</span> {}</li>\n",
                clock(*t),
                clock(*t),
                escape_html(s)
            )
        })
        .collect();
    let shows = if text("shows").is_empty() { String::new() } else { format!("<p class=\"shows\">{}</p>", escape_html(text("shows"))) };
    format!("<section id=\"story\"><h2>The story: {}</h2>{shows}<ol class=\"steps\">\n{items}</ol></section>\n", escape_html(text("title")))
}

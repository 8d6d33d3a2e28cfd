//! `[lesson]`: a lesson's title, what it shows, and the steps of its story, each at a moment of
//! the run. The table changes nothing in the run; it is validated like every other table (unknown
//! keys, empty texts and steps outside the run are located errors) so a typo in a lesson is found
//! by `ecsim check`, not by a reader of its report.

use super::load::Cx;
use crate::engine::Span;
use crate::model::{Lesson, LessonStep};
use serde::Deserialize;
use toml::Spanned;

/// `[lesson]` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLesson {
    pub title: Spanned<String>,
    /// One or two sentences: what the lesson shows.
    pub shows: Spanned<String>,
    /// `[{ at = "10m", text = "…" }, …]`.
    #[serde(default)]
    pub steps: Vec<RawLessonStep>,
}

/// One step of the story: `{ at = "10m", text = "…" }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLessonStep {
    pub at: Spanned<Span>,
    pub text: Spanned<String>,
}

impl Cx<'_> {
    /// The lesson, or `None` when the scenario has none or it has errors (reported).
    pub(super) fn build_lesson(&mut self, raw: Option<&RawLesson>, duration: Span) -> Option<Lesson> {
        let raw = raw?;
        let mut ok = true;
        for (text, key, example) in [
            (&raw.title, "title", "title = \"A rolling update at 50/200\""),
            (&raw.shows, "shows", "shows = \"What the lesson shows, in one or two sentences.\""),
        ] {
            if text.get_ref().trim().is_empty() {
                self.error_at(text.span(), format!("the lesson's {key} is empty"), format!("write it, e.g. {example}"));
                ok = false;
            }
        }
        let mut steps = Vec::with_capacity(raw.steps.len());
        for step in &raw.steps {
            let at = *step.at.get_ref();
            if at > duration {
                self.error_at(
                    step.at.span(),
                    format!("this step is at {at}, after the end of the run ({duration})"),
                    "give a time within the scenario's duration",
                );
                ok = false;
            } else if at.as_micros() % 1_000_000 != 0 {
                self.error_at(step.at.span(), format!("this step is at {at}, not a whole second"), "give whole seconds, e.g. \"10m30s\"");
                ok = false;
            }
            if step.text.get_ref().trim().is_empty() {
                self.error_at(step.text.span(), "this step's text is empty", "say what happens at this moment of the run");
                ok = false;
            }
            steps.push(LessonStep { at, text: step.text.get_ref().trim().to_string() });
        }
        // Stable: steps at the same moment keep the order they are written in.
        steps.sort_by_key(|s| s.at);
        ok.then(|| Lesson { title: raw.title.get_ref().trim().to_string(), shows: raw.shows.get_ref().trim().to_string(), steps })
    }
}

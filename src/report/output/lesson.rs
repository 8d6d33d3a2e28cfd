//! lesson.json: the scenario's `[lesson]` for the run's report — its title, what it shows and the
//! steps of its story, each at whole seconds from the start of the run, in time order:
//! `{"title": "…", "shows": "…", "steps": [{"at_s": 600, "text": "…"}]}`.

use crate::model::Lesson;
use crate::report::atomic::write_atomic;
use crate::report::summary::Summary;
use anyhow::{Context, Result};
use serde::Serialize;
use std::path::Path;

#[derive(Serialize)]
struct LessonJson<'a> {
    title: &'a str,
    shows: &'a str,
    steps: Vec<StepJson<'a>>,
}

#[derive(Serialize)]
struct StepJson<'a> {
    at_s: u64,
    text: &'a str,
}

/// The text of lesson.json for `lesson`, pretty-printed, with a final newline.
pub fn lesson_json(lesson: &Lesson) -> Result<Vec<u8>> {
    let json = LessonJson {
        title: &lesson.title,
        shows: &lesson.shows,
        steps: lesson.steps.iter().map(|s| StepJson { at_s: s.at.whole_secs(), text: &s.text }).collect(),
    };
    let mut bytes = serde_json::to_vec_pretty(&json)?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// lesson.json, for a run whose scenario has a `[lesson]`.
pub fn write_lesson_json(dir: &Path, summary: &Summary) -> Result<()> {
    if let Some(lesson) = &summary.lesson {
        write_atomic(&dir.join("lesson.json"), &lesson_json(lesson)?).context("lesson.json")?;
    }
    Ok(())
}

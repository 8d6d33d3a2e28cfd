//! A scenario's `[lesson]`: what a bundled lesson is called, what it shows, and the steps of its
//! story at the moments of the run they describe. It changes nothing in the run; the run writes
//! it out as `lesson.json` for the report, and `ecsim lessons` lists the bundled ones.

use crate::engine::Span;

/// The `[lesson]` table, validated: a title, what the lesson shows, and its story.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lesson {
    pub title: String,
    /// One or two sentences: what the lesson shows.
    pub shows: String,
    /// The story, in time order (steps at the same time keep the order they are written in).
    pub steps: Vec<LessonStep>,
}

/// One step of a lesson's story: what to look at, at a moment of the run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LessonStep {
    /// Simulated time from the start of the run, within its duration.
    pub at: Span,
    pub text: String,
}

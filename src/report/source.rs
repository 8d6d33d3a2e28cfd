//! Where a chart reads its per-minute rows from: rows in memory (a slice: tests, and runs short
//! enough to hold), or the run's row log (`sim::recorder::RowLog`, mostly on disk), read again
//! for each line drawn, so that a chart of a long run never holds its every minute. Either way
//! the chart sees the same rows in the same order, so it draws the same picture.

use crate::sim::recorder::{NamedRow, RowLog};
use std::borrow::Cow;

/// Per-minute rows a chart can read as many times as it draws lines.
pub trait Rows<T: Clone> {
    /// The rows in order (borrowed from memory, or read back from the log's file).
    fn each(&self) -> Box<dyn Iterator<Item = Cow<'_, T>> + '_>;
}

impl<T: Clone> Rows<T> for [T] {
    fn each(&self) -> Box<dyn Iterator<Item = Cow<'_, T>> + '_> {
        Box::new(self.iter().map(Cow::Borrowed))
    }
}

impl<T: Clone> Rows<T> for Vec<T> {
    fn each(&self) -> Box<dyn Iterator<Item = Cow<'_, T>> + '_> {
        Box::new(self.iter().map(Cow::Borrowed))
    }
}

impl<T: NamedRow> Rows<T> for RowLog<T> {
    fn each(&self) -> Box<dyn Iterator<Item = Cow<'_, T>> + '_> {
        Box::new(self.iter().map(Cow::Owned))
    }
}

impl<T: Clone, const N: usize> Rows<T> for [T; N] {
    fn each(&self) -> Box<dyn Iterator<Item = Cow<'_, T>> + '_> {
        Box::new(self.iter().map(Cow::Borrowed))
    }
}

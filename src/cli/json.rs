//! The pieces of the JSON documents `--json` prints: a diagnostic as an object, and a set of
//! diagnostics as its errors and its warnings. Each command builds its document in its own
//! module; this one keeps their shared parts alike.

use crate::api::{Diagnostic, Diagnostics};
use serde_json::{json, Value};
use std::path::Path;

/// `{"file", "line", "column", "message", "help"}`: line and column are 1-based, 0 when the
/// message is about the whole file; `help` is null when there is nothing to suggest.
pub fn diagnostic(d: &Diagnostic) -> Value {
    json!({ "file": path(&d.file), "line": d.line, "column": d.column, "message": d.message, "help": d.help })
}

/// The errors of `diags`, as objects.
pub fn errors(diags: &Diagnostics) -> Vec<Value> {
    diags.errors().map(diagnostic).collect()
}

/// The warnings of `diags`, as objects.
pub fn warnings(diags: &Diagnostics) -> Vec<Value> {
    diags.warnings().map(diagnostic).collect()
}

/// What a command prints with `--json` when its input does not load:
/// `{"ok": false, "errors": [...], "warnings": [...]}`.
pub fn failed(diags: &Diagnostics) -> Value {
    json!({ "ok": false, "errors": errors(diags), "warnings": warnings(diags) })
}

/// A path as JSON text, as the user gave it (not made absolute).
pub fn path(p: &Path) -> String {
    p.display().to_string()
}

//! Importers for the real ECS JSON users already have: task definitions
//! (RegisterTaskDefinition input or DescribeTaskDefinition output), services (CreateService
//! input or DescribeServices output), and the cluster's current state from
//! `aws ecs describe-container-instances` and `aws ecs describe-tasks`.
//!
//! Every message is located at `file:line:column`:
//! * syntax errors where `serde_json` stops, with a hint when the text is an unrendered
//!   template (`<SERVICE_PORT>`, `{{ ... }}`);
//! * type errors at the offending value, with its JSON path (`serde_path_to_error`);
//! * semantic errors — ECS's own validation rules (docs/ecs-model.md#task-reservation, docs/ecs-model.md#placement-inputs,
//!   docs/ecs-model.md#service-fields, docs/ecs-model.md#deployment-settings, docs/ecs-model.md#limits-and-defaults) — at the
//!   key or value they are about, found again in the text by `json_doc`.
//!
//! Validation collects everything it finds rather than stopping at the first problem.
//!
//! Field policy, applied by a walk over the document against the tables in `schema`:
//! * fields ecsim reads are validated and used;
//! * fields of the AWS API that ecsim does not simulate (`logConfiguration`, `environment`,
//!   `volumes`, ...) give one warning per field path, pointing at the key, so nothing is
//!   dropped silently. Empty values (`[]`, `{}`, `null`, `""`, `false`) give none: nothing
//!   is lost.
//!   In describe-* output, which has many entries of the same shape, paths are grouped
//!   across entries (`containerInstances[*].attachments`);
//! * output-only fields that ECS computes (ARNs, timestamps, `compatibilities`, ...) are
//!   accepted without a word: they carry no setting;
//! * names that are not in the AWS API at all (a typo such as `memroy`) are errors in files
//!   people write, with a "did you mean" suggestion, and warnings in describe-* output (AWS
//!   adds output fields over time, and that text was not written by hand).
//!
//! Nothing here panics on any input; `tests/suite/ecs_json/robustness.rs` feeds it truncated and garbled files.

mod cluster_state;
mod placement;
// `pub(super)` with `Ctx` below: `elbv2_json` reads the ELBv2 JSON with the same machinery.
pub(super) mod schema;
mod service;
mod task_def;
#[cfg(test)]
mod tests;

pub use cluster_state::{check_tasks, load_container_instances, load_tasks};
pub use service::{check_services, load_service};
pub use task_def::{
    load_task_definition, load_task_definition_with, parse_task_cpu, parse_task_memory, TaskDefinitionLimits, MAX_EC2_TASK_CPU_UNITS,
    MIN_EC2_TASK_CPU_UNITS,
};

use super::json_doc::{string_char_offset, PathSeg, PositionIndex};
use crate::model::diagnostic::{Diagnostic, Diagnostics, Severity, Source};
use schema::{Field, Schema, Shape};
use serde::de::{self, Deserialize, DeserializeOwned, Deserializer};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

/// The help given when text looks like an unrendered template.
const TEMPLATE_HELP: &str = "substitute the template placeholders (e.g. <SERVICE_PORT>, {{ ... }}) before loading";

/// One owned step of a JSON path.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Seg {
    Key(String),
    Index(usize),
}

/// A path into the document, printed as messages show it:
/// `containerDefinitions[0].portMappings[1].hostPort`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct JPath(Vec<Seg>);

impl JPath {
    pub(super) fn root() -> Self {
        JPath(Vec::new())
    }
    pub(super) fn key(&self, k: &str) -> Self {
        let mut p = self.clone();
        p.0.push(Seg::Key(k.to_string()));
        p
    }
    pub(super) fn idx(&self, i: usize) -> Self {
        let mut p = self.clone();
        p.0.push(Seg::Index(i));
        p
    }
    fn segs(&self) -> Vec<PathSeg<'_>> {
        self.0
            .iter()
            .map(|s| match s {
                Seg::Key(k) => PathSeg::Key(k),
                Seg::Index(i) => PathSeg::Index(*i),
            })
            .collect()
    }
    /// The path with every index written `[*]`, for grouping repeated entries.
    fn grouped(&self) -> String {
        self.render(true)
    }
    fn render(&self, grouped: bool) -> String {
        let mut s = String::new();
        for seg in &self.0 {
            match seg {
                Seg::Key(k) if s.is_empty() => s.push_str(k),
                Seg::Key(k) => {
                    s.push('.');
                    s.push_str(k);
                }
                Seg::Index(_) if grouped => s.push_str("[*]"),
                Seg::Index(i) => s.push_str(&format!("[{i}]")),
            }
        }
        s
    }
}

impl fmt::Display for JPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.is_empty() {
            true => f.write_str("(top level)"),
            false => f.write_str(&self.render(false)),
        }
    }
}

/// Which part of a located member a message points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum At {
    /// The member name (falls back to the value for array elements).
    Key,
    /// The value.
    Value,
    /// The character with this 0-based index inside a string value (a CQL column).
    InString(usize),
}

/// Unmodelled fields seen so far: grouping key → (first path, occurrences).
type Unmodelled = BTreeMap<String, (JPath, usize)>;

/// State of one load: the file, its text and the messages so far.
pub(super) struct Ctx<'a> {
    src: Source<'a>,
    diags: Diagnostics,
    unmodelled: Unmodelled,
    /// Which AWS API the file belongs to, for messages about names it does not have.
    api: &'static str,
    /// Built at the first message, once per file: locating N messages is linear, not N scans.
    positions: std::cell::OnceCell<PositionIndex>,
}

impl<'a> Ctx<'a> {
    pub(super) fn new(file: &'a Path, text: &'a str) -> Self {
        Ctx::for_api(file, text, "ECS")
    }

    /// A load of a file of another AWS API (`"ELBv2"`).
    pub(super) fn for_api(file: &'a Path, text: &'a str, api: &'static str) -> Self {
        Ctx { src: Source::new(file, text), diags: Diagnostics::default(), unmodelled: BTreeMap::new(), api, positions: Default::default() }
    }

    /// A message located at `path` (or at the nearest enclosing value that exists).
    pub(super) fn diag(&self, severity: Severity, path: &JPath, at: At, message: impl Into<String>) -> Diagnostic {
        let segs = path.segs();
        let text = self.src.text;
        let (loc, found) = self.positions.get_or_init(|| PositionIndex::new(text)).locate_nearest(&segs);
        let exact = found == segs.len();
        let offset = match at {
            At::Key if exact => loc.key.unwrap_or(loc.value),
            At::InString(i) if exact => string_char_offset(text, loc.value, i).unwrap_or(loc.value),
            _ => loc.value,
        };
        self.src.diagnostic(severity, offset, message)
    }

    pub(super) fn error(&mut self, path: &JPath, at: At, message: impl Into<String>) {
        let d = self.diag(Severity::Error, path, at, message);
        self.diags.push(d);
    }

    pub(super) fn error_help(&mut self, path: &JPath, at: At, message: impl Into<String>, help: impl Into<String>) {
        let d = self.diag(Severity::Error, path, at, message).with_help(help);
        self.diags.push(d);
    }

    pub(super) fn warn(&mut self, path: &JPath, at: At, message: impl Into<String>) {
        let d = self.diag(Severity::Warning, path, at, message);
        self.diags.push(d);
    }

    pub(super) fn warn_help(&mut self, path: &JPath, at: At, message: impl Into<String>, help: impl Into<String>) {
        let d = self.diag(Severity::Warning, path, at, message).with_help(help);
        self.diags.push(d);
    }

    pub(super) fn has_errors(&self) -> bool {
        self.diags.has_errors()
    }

    /// The line of the value at `path` (for "first used on line N").
    pub(super) fn line_of(&self, path: &JPath) -> usize {
        self.diag(Severity::Warning, path, At::Value, "").line
    }

    /// One warning per entry of a describe-* output's `failures`: "`command` reported a failure
    /// for <arn>: <reason>" and `tail`.
    pub(super) fn report_failures(&mut self, root: &Value, command: &str, tail: &str) {
        let Some(Value::Array(failures)) = root.get("failures") else { return };
        for (i, f) in failures.iter().enumerate() {
            let arn = f.get("arn").and_then(Value::as_str).unwrap_or("?");
            let reason = f.get("reason").and_then(Value::as_str).unwrap_or("?");
            self.warn(&JPath::root().key("failures").idx(i), At::Value, format!("{command} reported a failure for {arn}: {reason}{tail}"));
        }
    }

    /// Parses the text; a syntax error ends the load.
    pub(super) fn parse(&mut self) -> Result<Value, ()> {
        match serde_json::from_str::<Value>(self.src.text) {
            Ok(v) => Ok(v),
            Err(e) => {
                let d = self.syntax_error(&e);
                self.diags.push(d);
                Err(())
            }
        }
    }

    fn syntax_error(&self, e: &serde_json::Error) -> Diagnostic {
        // serde_json counts columns in bytes; diagnostics count characters.
        let line = e.line().max(1);
        let text = self.src.text;
        let line_start: usize = text.split_inclusive('\n').take(line - 1).map(str::len).sum();
        let offset = line_start + e.column().saturating_sub(1);
        let (line, column) = self.src.line_col(offset);
        let full = e.to_string();
        let what = full.rsplit_once(" at line ").map_or(full.as_str(), |(m, _)| m);
        let mut d =
            Diagnostic::error(self.src.path, line, column, format!("invalid JSON: {what}")).with_source_from(self.src.lines(), text);
        // Placeholders near the error (its line or the ones around it) mean a template.
        let near: Vec<&str> = text.lines().skip(line.saturating_sub(2)).take(3).collect();
        if let Some(p) = near.iter().find_map(|l| find_placeholder(l)) {
            d = d.with_help(format!("`{p}` looks like a template placeholder, which is not JSON: {TEMPLATE_HELP}"));
        }
        d
    }

    /// Deserializes `v` (found at `path`) as `T`; a type error is reported at the offending
    /// value with its full path and `None` is returned.
    pub(super) fn de<T: DeserializeOwned>(&mut self, v: &Value, path: &JPath) -> Option<T> {
        match serde_path_to_error::deserialize::<_, T>(v) {
            Ok(t) => Some(t),
            Err(e) => {
                let mut full = path.clone();
                for seg in e.path().iter() {
                    match seg {
                        serde_path_to_error::Segment::Seq { index } => full = full.idx(*index),
                        serde_path_to_error::Segment::Map { key } => full = full.key(key),
                        _ => {}
                    }
                }
                let inner = e.into_inner().to_string();
                let help = value_at(v, &full, path)
                    .and_then(Value::as_str)
                    .and_then(find_placeholder)
                    .map(|p| format!("`{p}` is a template placeholder; {TEMPLATE_HELP}"));
                let mut d = self.diag(Severity::Error, &full, At::Value, format!("`{full}`: {inner}"));
                if let Some(h) = help {
                    d = d.with_help(h);
                }
                self.diags.push(d);
                None
            }
        }
    }

    /// Checks every member name of `v` against `schema`, recursively: unknown names are
    /// reported (with `unknown` severity), unmodelled ones recorded for `flush_unmodelled`.
    pub(super) fn check_fields(&mut self, v: &Value, schema: &Schema, path: &JPath, unknown: Severity) {
        let Value::Object(map) = v else { return };
        for (name, child) in map {
            let here = path.key(name);
            match schema.field(name) {
                Some(Field::Modelled(Shape::Leaf)) | Some(Field::Derived) => {}
                Some(Field::Modelled(Shape::Object(s))) => self.check_fields(child, s, &here, unknown),
                Some(Field::Modelled(Shape::ArrayOf(s))) => {
                    if let Value::Array(items) = child {
                        for (i, item) in items.iter().enumerate() {
                            self.check_fields(item, s, &here.idx(i), unknown);
                        }
                    }
                }
                Some(Field::Unmodelled) => {
                    if !is_empty(child) {
                        self.unmodelled.entry(here.grouped()).or_insert_with(|| (here.clone(), 0)).1 += 1;
                    }
                }
                None => self.unknown_field(name, schema, &here, unknown),
            }
        }
    }

    fn unknown_field(&mut self, name: &str, schema: &Schema, here: &JPath, severity: Severity) {
        let message = match severity {
            Severity::Error => format!("unknown field `{name}` in {}: it is not part of the {} API", schema.what, self.api),
            Severity::Warning => {
                format!("field `{here}` is not part of the {} API as ecsim knows it; ignored", self.api)
            }
        };
        let help = match did_you_mean(name, schema.names()) {
            Some(s) if s.eq_ignore_ascii_case(name) => {
                format!("did you mean `{s}`? Field names are case-sensitive")
            }
            Some(s) => format!("did you mean `{s}`?"),
            None => format!("the fields of {} are: {}", schema.what, schema.names().collect::<Vec<_>>().join(", ")),
        };
        let d = self.diag(severity, here, At::Key, message).with_help(help);
        self.diags.push(d);
    }

    /// Emits the unmodelled-field warnings, one per path (or per grouped path).
    pub(super) fn flush_unmodelled(&mut self, grouped: bool) {
        let entries = std::mem::take(&mut self.unmodelled);
        for (key, (first, count)) in entries {
            let (shown, suffix) = if grouped { (key, format!(" (in {count} entries)")) } else { (first.to_string(), String::new()) };
            self.warn(&first, At::Key, format!("field `{shown}` is not modelled by ecsim and is ignored{suffix}"));
        }
    }

    /// Sorts the messages by position and splits the outcome: `Ok` with the warnings when there
    /// is a value and no error, otherwise `Err` with every message.
    pub(super) fn finish<T>(mut self, value: Option<T>) -> Result<(T, Diagnostics), Diagnostics> {
        self.diags.0.sort_by_key(|d| (d.line, d.column));
        match value {
            Some(v) if !self.diags.has_errors() => Ok((v, self.diags)),
            _ => Err(self.diags),
        }
    }

    // ---- scalar conversions, each reporting a located error and returning None ----

    /// An integer in `min..=max` from a number or a string of digits. Placeholders and other
    /// strings are errors that name them.
    pub(super) fn int(&mut self, s: &Scalar, path: &JPath, min: i64, max: i64) -> Option<i64> {
        let n = match s {
            Scalar::Num(n) => n.as_i64().or_else(|| n.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15).map(|f| f as i64)),
            Scalar::Str(t) => {
                if let Some(p) = find_placeholder(t) {
                    self.placeholder_error(path, p);
                    return None;
                }
                t.trim().parse::<i64>().ok()
            }
        };
        match n {
            Some(n) if (min..=max).contains(&n) => Some(n),
            Some(n) => {
                self.error(path, At::Value, format!("`{path}` is {n}; it must be between {min} and {max}"));
                None
            }
            None => {
                self.error(path, At::Value, format!("`{path}` must be a whole number, not {s}"));
                None
            }
        }
    }

    /// A string value ecsim needs (an enum, a name): placeholders are errors.
    pub(super) fn needed_str<'s>(&mut self, s: &'s str, path: &JPath) -> Option<&'s str> {
        if let Some(p) = find_placeholder(s) {
            self.placeholder_error(path, p);
            return None;
        }
        Some(s)
    }

    fn placeholder_error(&mut self, path: &JPath, placeholder: &str) {
        self.error_help(
            path,
            At::Value,
            format!("`{path}` is the template placeholder `{placeholder}`, but ecsim needs its value"),
            TEMPLATE_HELP,
        );
    }

    /// One of `allowed`, exactly as ECS spells it.
    pub(super) fn one_of<'s>(&mut self, s: &str, path: &JPath, allowed: &[&'s str]) -> Option<&'s str> {
        let s = self.needed_str(s, path)?;
        if let Some(a) = allowed.iter().find(|a| **a == s) {
            return Some(a);
        }
        let list = allowed.iter().map(|a| format!("\"{a}\"")).collect::<Vec<_>>().join(", ");
        let message = format!("`{path}` is \"{s}\"; expected one of {list}");
        match did_you_mean(s, allowed.iter().copied()) {
            Some(m) => self.error_help(path, At::Value, message, format!("did you mean \"{m}\"?")),
            None => self.error(path, At::Value, message),
        }
        None
    }

    /// [`Ctx::one_of`] the names of `choices`, as the value paired with the name.
    pub(super) fn pick<T: Clone>(&mut self, s: &str, path: &JPath, choices: &[(&str, T)]) -> Option<T> {
        let names: Vec<&str> = choices.iter().map(|(n, _)| *n).collect();
        let name = self.one_of(s, path, &names)?;
        choices.iter().find(|(n, _)| *n == name).map(|(_, v)| v.clone())
    }

    /// A name of 1–255 letters, digits, hyphens and underscores (families, containers,
    /// services).
    fn check_name(&mut self, s: &str, path: &JPath, what: &str) -> bool {
        let Some(s) = self.needed_str(s, path) else {
            return false;
        };
        let ok = !s.is_empty() && s.len() <= 255 && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !ok {
            self.error(path, At::Value, format!("{what} \"{s}\" is not valid: use 1–255 letters, numbers, hyphens and underscores"));
        }
        ok
    }
}

/// A number or a string as written in the file; converted where it is used, so that a
/// placeholder or a unit can be named in the message.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Scalar {
    Num(serde_json::Number),
    Str(String),
}

impl fmt::Display for Scalar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scalar::Num(n) => write!(f, "{n}"),
            Scalar::Str(s) => write!(f, "\"{s}\""),
        }
    }
}

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl de::Visitor<'_> for V {
            type Value = Scalar;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number or a string")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Scalar, E> {
                Ok(Scalar::Num(v.into()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Scalar, E> {
                Ok(Scalar::Num(v.into()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Scalar, E> {
                serde_json::Number::from_f64(v).map(Scalar::Num).ok_or_else(|| E::custom("not a finite number"))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Scalar, E> {
                Ok(Scalar::Str(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

/// The value at `full`, given the value `v` found at `base` (a prefix of `full`).
fn value_at<'v>(v: &'v Value, full: &JPath, base: &JPath) -> Option<&'v Value> {
    let mut cur = v;
    for seg in full.0.get(base.0.len()..)? {
        cur = match seg {
            Seg::Key(k) => cur.get(k.as_str())?,
            Seg::Index(i) => cur.get(*i)?,
        };
    }
    Some(cur)
}

/// Values that hold nothing (or a switched-off flag): an unmodelled field set to one of these
/// loses nothing.
fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null | Value::Bool(false) => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

/// The first template placeholder in `s`: `{{ ... }}`, `${...}` or `<NAME>` (letters, digits
/// and underscores, as the AWS samples write them).
pub(super) fn find_placeholder(s: &str) -> Option<&str> {
    if let Some(i) = s.find("{{") {
        let end = s[i..].find("}}").map_or(s.len(), |j| i + j + 2);
        return Some(&s[i..end]);
    }
    if let Some(i) = s.find("${") {
        let end = s[i..].find('}').map_or(s.len(), |j| i + j + 1);
        return Some(&s[i..end]);
    }
    let mut rest = s;
    let mut base = 0;
    while let Some(i) = rest.find('<') {
        let after = &rest[i + 1..];
        let len = after.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(after.len());
        if len > 0 && after[len..].starts_with('>') && after[..len].chars().any(|c| c.is_ascii_uppercase()) {
            let start = base + i;
            return Some(&s[start..start + len + 2]);
        }
        base += i + 1;
        rest = after;
    }
    None
}

/// The closest candidate to `name` by optimal-string-alignment distance (`strsim`: adjacent
/// transpositions count one, case ignored), if it is close enough to be a plausible typo.
pub(super) fn did_you_mean<'c>(name: &str, candidates: impl Iterator<Item = &'c str>) -> Option<&'c str> {
    // Field names are short; a long string is no typo of one (and would cost time).
    if name.len() > 64 {
        return None;
    }
    let lower = name.to_ascii_lowercase();
    let limit = (name.chars().count() / 3).max(1);
    candidates
        .map(|c| (strsim::osa_distance(&lower, &c.to_ascii_lowercase()), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

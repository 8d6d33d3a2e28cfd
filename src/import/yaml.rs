//! A YAML (or JSON) document as a tree of located values, for the importers of
//! infrastructure code: CloudFormation (YAML with its short-form tags `!Ref`, `!Sub`, … or
//! JSON), Copilot manifests and docker-compose files.
//!
//! `saphyr` parses (YAML 1.2, of which JSON is a subset) and keeps each node's line and
//! column; this module turns its nodes into [`Node`]s that own their data, keep the tag
//! (`!Ref`) and their line and column, and never borrow from the text, so an importer can
//! build, rewrite and resolve them (CloudFormation's intrinsic functions) and still say where
//! a value came from.

use crate::model::diagnostic::Diagnostic;
use saphyr::{LoadableYamlNode, MarkedYaml, Scalar, YamlData};
use std::path::Path;

/// Where a node starts: 1-based line and column.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct At {
    pub line: usize,
    pub column: usize,
}

/// One value of the document.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub at: At,
    /// A local tag without its `!` (`Ref`, `GetAtt`, `Sub`), as CloudFormation's short forms.
    pub tag: Option<String>,
    pub value: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    /// Members in document order; a repeated key keeps both (the importer decides).
    Map(Vec<(String, Node)>),
}

impl Node {
    pub fn new(at: At, value: Value) -> Node {
        Node { at, tag: None, value }
    }

    /// The member `key` of a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(m) => m.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&[(String, Node)]> {
        match &self.value {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// A scalar as text, the way CloudFormation reads numbers and booleans written as strings
    /// (`"2"`, `2`, `true`): `None` for sequences, mappings and null.
    pub fn scalar_text(&self) -> Option<String> {
        match &self.value {
            Value::Str(s) => Some(s.clone()),
            Value::Int(i) => Some(i.to_string()),
            Value::Float(f) => Some(f.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    /// A whole number, written as a number or as a string (`"2"`), as CloudFormation accepts.
    pub fn as_i64(&self) -> Option<i64> {
        match &self.value {
            Value::Int(i) => Some(*i),
            Value::Float(f) if f.fract() == 0.0 && f.abs() < 9e15 => Some(*f as i64),
            Value::Str(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    /// A number, written as a number or as a string.
    pub fn as_f64(&self) -> Option<f64> {
        match &self.value {
            Value::Int(i) => Some(*i as f64),
            Value::Float(f) => Some(*f),
            Value::Str(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    /// A boolean, written as `true` or as `"true"` (any case).
    pub fn as_bool(&self) -> Option<bool> {
        match &self.value {
            Value::Bool(b) => Some(*b),
            Value::Str(s) if s.eq_ignore_ascii_case("true") => Some(true),
            Value::Str(s) if s.eq_ignore_ascii_case("false") => Some(false),
            _ => None,
        }
    }

    /// The node as JSON (tags dropped), e.g. to hand a resolved task definition to the ECS
    /// JSON importer.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.value {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Int(i) => J::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
            Value::Str(s) => J::String(s.clone()),
            Value::Seq(s) => J::Array(s.iter().map(Node::to_json).collect()),
            Value::Map(m) => J::Object(m.iter().map(|(k, v)| (k.clone(), v.to_json())).collect()),
        }
    }

    /// A warning or an error about this node.
    pub fn diagnostic(&self, file: &Path, error: bool, message: impl Into<String>) -> Diagnostic {
        let (line, column) = (self.at.line.max(1), self.at.column.max(1));
        match error {
            true => Diagnostic::error(file, line, column, message),
            false => Diagnostic::warning(file, line, column, message),
        }
    }
}

/// The most nested levels a document may have: deeper text is refused rather than walked, so a
/// hostile file cannot exhaust the stack.
pub const MAX_DEPTH: usize = 128;

/// Parses the first document of `text`. A syntax error is located where the parser stopped.
pub fn parse(file: &Path, text: &str) -> Result<Node, Diagnostic> {
    if nesting(text) > MAX_DEPTH {
        return Err(Diagnostic::error(file, 1, 1, format!("the document nests deeper than {MAX_DEPTH} levels"))
            .with_help("this is not a template ecsim can read"));
    }
    let docs = MarkedYaml::load_from_str(text).map_err(|e| {
        let m = e.marker();
        Diagnostic::error(file, m.line().max(1), m.col() + 1, format!("not valid YAML or JSON: {}", e.info())).with_source(text)
    })?;
    let Some(doc) = docs.first() else {
        return Err(Diagnostic::error(file, 1, 1, "the file is empty"));
    };
    Ok(convert(doc, At { line: 1, column: 1 }))
}

/// An upper bound of the nesting of flow and block collections, counted from brackets and
/// indentation without parsing.
fn nesting(text: &str) -> usize {
    let (mut depth, mut most) = (0usize, 0usize);
    for c in text.chars() {
        match c {
            '[' | '{' => {
                depth += 1;
                most = most.max(depth);
            }
            ']' | '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    let indent = text.lines().map(|l| l.len() - l.trim_start().len()).max().unwrap_or(0);
    most.max(indent / 2)
}

fn convert(y: &MarkedYaml, parent: At) -> Node {
    // saphyr leaves the inner node of a tagged scalar unlocated (line 0): it sits where its tag
    // does.
    let start = y.span.start;
    let at = match start.line() {
        0 => parent,
        line => At { line, column: start.col() + 1 },
    };
    let value = match &y.data {
        YamlData::Value(s) => scalar(s),
        YamlData::Representation(text, _, _) => Value::Str(text.to_string()),
        YamlData::Sequence(items) => Value::Seq(items.iter().map(|i| convert(i, at)).collect()),
        YamlData::Mapping(members) => Value::Map(
            members
                .iter()
                .map(|(k, v)| {
                    let key = match &k.data {
                        YamlData::Value(s) => scalar_key(s),
                        YamlData::Representation(text, _, _) => text.to_string(),
                        _ => String::new(),
                    };
                    (key, convert(v, at))
                })
                .collect(),
        ),
        YamlData::Tagged(tag, inner) => {
            let mut node = convert(inner, at);
            if tag.handle == "!" {
                node.tag = Some(tag.suffix.clone());
            }
            node.at = at;
            return node;
        }
        YamlData::Alias(_) | YamlData::BadValue => Value::Null,
    };
    Node { at, tag: None, value }
}

fn scalar(s: &Scalar) -> Value {
    match s {
        Scalar::Null => Value::Null,
        Scalar::Boolean(b) => Value::Bool(*b),
        Scalar::Integer(i) => Value::Int(*i),
        Scalar::FloatingPoint(f) => Value::Float(f.into_inner()),
        Scalar::String(s) => Value::Str(s.to_string()),
    }
}

fn scalar_key(s: &Scalar) -> String {
    match scalar(s) {
        Value::Str(s) => s,
        Value::Int(i) => i.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Float(f) => f.to_string(),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_form_tags_are_kept_with_their_position() {
        let text = "Resources:\n  Svc:\n    Cluster: !Ref Cluster\n    Name: !Join ['-', [a, !Ref B]]\n";
        let doc = parse(Path::new("t.yaml"), text).unwrap();
        let svc = doc.get("Resources").and_then(|r| r.get("Svc")).unwrap();
        let cluster = svc.get("Cluster").unwrap();
        assert_eq!(cluster.tag.as_deref(), Some("Ref"));
        assert_eq!(cluster.as_str(), Some("Cluster"));
        assert_eq!(cluster.at.line, 3);
        let join = svc.get("Name").unwrap();
        assert_eq!(join.tag.as_deref(), Some("Join"));
        assert_eq!(join.as_seq().unwrap()[1].as_seq().unwrap()[1].tag.as_deref(), Some("Ref"));
    }

    #[test]
    fn json_is_read_too_and_syntax_errors_are_located() {
        let doc = parse(Path::new("t.json"), "{\"a\": [1, \"2\"]}").unwrap();
        assert_eq!(doc.get("a").unwrap().as_seq().unwrap()[1].as_i64(), Some(2));
        let e = parse(Path::new("t.yaml"), "a: [1, 2\nb: 3\n").unwrap_err();
        assert!(e.is_error());
        assert!(e.line >= 1);
    }

    #[test]
    fn deep_nesting_is_refused_not_walked() {
        let text = "[".repeat(10_000);
        assert!(parse(Path::new("t.json"), &text).is_err());
    }
}

//! The values a Terraform expression evaluates to, and where they came from.
//!
//! Terraform knows some values only after `apply` (an ARN, an ID, a data source's answer);
//! ecsim cannot. Such a value is [`Value::Unknown`]: it carries what it stands for
//! (`aws_iam_role.task.arn`) and the resource instances it refers to, so that the mapping onto
//! the scenario can still follow a reference (`aws_lb_target_group.web.arn` is the target group
//! the scenario names `web`), and say what it had to assume where it could not.

use std::collections::BTreeMap;
use std::rc::Rc;

/// A byte position in one of the files read (an index into the import's file list).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Loc {
    pub file: usize,
    pub offset: usize,
}

/// A value only known after apply.
#[derive(Debug, Clone, PartialEq)]
pub struct Unknown {
    /// What it stands for, as written (`aws_lb.main.arn`, `data.aws_ami.ecs.id`).
    pub what: String,
    /// The resource instances it refers to, by address (`module.alb.aws_lb.main[0]`).
    pub refs: Vec<String>,
    /// Text with the unknown parts written as placeholders, for a template or `jsonencode`
    /// whose result is text ecsim can still read (container definitions whose image or log
    /// group is known only after apply).
    pub partial: Option<String>,
}

impl Unknown {
    /// What stands in for an unknown part of a text.
    pub fn placeholder(&self) -> String {
        match &self.partial {
            Some(p) => p.clone(),
            None => format!("(known after apply: {})", self.what),
        }
    }
}

/// A resource instance referred to by an expression: the attributes its block sets, and its
/// address, so that an attribute it does not set (`arn`, `id`) is an [`Unknown`] naming it.
#[derive(Debug, Clone, PartialEq)]
pub struct Resource {
    pub addr: String,
    pub attrs: BTreeMap<String, Value>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Number(f64),
    String(String),
    List(Vec<Value>),
    Map(BTreeMap<String, Value>),
    Resource(Rc<Resource>),
    Unknown(Unknown),
}

impl Value {
    pub fn unknown(what: impl Into<String>) -> Value {
        Value::Unknown(Unknown { what: what.into(), refs: Vec::new(), partial: None })
    }

    /// The first unknown part of the value (itself, or a member), if any.
    pub fn first_unknown(&self) -> Option<&Unknown> {
        match self {
            Value::Unknown(u) => Some(u),
            Value::List(l) => l.iter().find_map(Value::first_unknown),
            Value::Map(m) => m.values().find_map(Value::first_unknown),
            _ => None,
        }
    }

    /// Every resource address the value refers to, members included.
    pub fn refs(&self, out: &mut Vec<String>) {
        match self {
            Value::Unknown(u) => out.extend(u.refs.iter().cloned()),
            Value::Resource(r) => out.push(r.addr.clone()),
            Value::List(l) => l.iter().for_each(|v| v.refs(out)),
            Value::Map(m) => m.values().for_each(|v| v.refs(out)),
            _ => {}
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// A number, written as a number or as a string (Terraform converts `"2"` to 2).
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Number(n) => Some(*n),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    /// A whole number (a number or a string holding one).
    pub fn as_i64(&self) -> Option<i64> {
        self.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < 9e15).map(|f| f as i64)
    }

    /// A boolean, written as `true` or `"true"` (Terraform converts the strings).
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            Value::String(s) if s == "true" => Some(true),
            Value::String(s) if s == "false" => Some(false),
            _ => None,
        }
    }

    pub fn as_list(&self) -> Option<&[Value]> {
        match self {
            Value::List(l) => Some(l),
            _ => None,
        }
    }

    /// The value as text, the way a template interpolates it: `None` for collections, null and
    /// unknown values.
    pub fn to_text(&self) -> Option<String> {
        match self {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(number_text(*n)),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    /// The type's name, for messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::List(_) => "list",
            Value::Map(_) | Value::Resource(_) => "object",
            Value::Unknown(_) => "unknown",
        }
    }

    /// The value as JSON (`jsonencode`); `None` when a part is unknown.
    pub fn to_json(&self) -> Option<serde_json::Value> {
        use serde_json::Value as J;
        Some(match self {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Number(n) if n.fract() == 0.0 && n.abs() < 9e15 => J::from(*n as i64),
            Value::Number(n) => serde_json::Number::from_f64(*n).map_or(J::Null, J::Number),
            Value::String(s) => J::String(s.clone()),
            Value::List(l) => J::Array(l.iter().map(Value::to_json).collect::<Option<_>>()?),
            Value::Map(m) => J::Object(m.iter().map(|(k, v)| Some((k.clone(), v.to_json()?))).collect::<Option<_>>()?),
            Value::Resource(r) => J::Object(r.attrs.iter().map(|(k, v)| Some((k.clone(), v.to_json()?))).collect::<Option<_>>()?),
            Value::Unknown(_) => return None,
        })
    }

    /// The value as JSON with each unknown part a placeholder string.
    pub fn to_json_partial(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match self {
            Value::List(l) => J::Array(l.iter().map(Value::to_json_partial).collect()),
            Value::Map(m) => J::Object(m.iter().map(|(k, v)| (k.clone(), v.to_json_partial())).collect()),
            Value::Resource(r) => J::Object(r.attrs.iter().map(|(k, v)| (k.clone(), v.to_json_partial())).collect()),
            Value::Unknown(u) => J::String(u.placeholder()),
            other => other.to_json().unwrap_or(J::Null),
        }
    }

    /// A JSON value (`jsondecode`, `terraform show -json`).
    pub fn from_json(j: &serde_json::Value) -> Value {
        use serde_json::Value as J;
        match j {
            J::Null => Value::Null,
            J::Bool(b) => Value::Bool(*b),
            J::Number(n) => Value::Number(n.as_f64().unwrap_or(0.0)),
            J::String(s) => Value::String(s.clone()),
            J::Array(a) => Value::List(a.iter().map(Value::from_json).collect()),
            J::Object(o) => Value::Map(o.iter().map(|(k, v)| (k.clone(), Value::from_json(v))).collect()),
        }
    }
}

/// A number as Terraform prints it: whole numbers without a fraction.
pub fn number_text(n: f64) -> String {
    match n.fract() == 0.0 && n.abs() < 9e15 {
        true => format!("{}", n as i64),
        false => format!("{n}"),
    }
}

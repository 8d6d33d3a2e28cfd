//! Placement strategies, constraints and the tie-break mode, with the validation ECS applies
//! when they are given to CreateService / RunTask (docs/ecs-model.md#placement-inputs, docs/ecs-model.md#limits-and-defaults).

use super::cql;
use serde::{Deserialize, Serialize};
use std::fmt;

/// At most this many strategies per service or task (docs/ecs-model.md#placement-inputs, docs/ecs-model.md#choice-five-strategies).
pub const MAX_STRATEGIES: usize = 5;
/// At most this many constraints per task, task-definition ones included (docs/ecs-model.md#placement-inputs).
pub const MAX_CONSTRAINTS: usize = 10;
/// Longest `memberOf` expression (docs/ecs-model.md#placement-inputs).
pub const MAX_EXPRESSION_CHARS: usize = 2000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BinpackField {
    Cpu,
    Memory,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum SpreadField {
    /// `instanceId` (or its alias `host`): each instance is its own bucket.
    InstanceId,
    /// `attribute:<name>`, e.g. `attribute:ecs.availability-zone`.
    Attribute(String),
}

/// One placement strategy, in the AWS JSON shape `{"type": "...", "field": "..."}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawStrategy", into = "RawStrategy")]
pub enum Strategy {
    Binpack(BinpackField),
    Spread(SpreadField),
    Random,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStrategy {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl TryFrom<RawStrategy> for Strategy {
    type Error = String;
    fn try_from(raw: RawStrategy) -> Result<Self, String> {
        Strategy::parse(&raw.kind, raw.field.as_deref())
    }
}

impl From<Strategy> for RawStrategy {
    fn from(s: Strategy) -> Self {
        let (kind, field) = match s {
            Strategy::Binpack(BinpackField::Cpu) => ("binpack", Some("cpu".to_string())),
            Strategy::Binpack(BinpackField::Memory) => ("binpack", Some("memory".to_string())),
            Strategy::Spread(SpreadField::InstanceId) => ("spread", Some("instanceId".to_string())),
            Strategy::Spread(SpreadField::Attribute(a)) => ("spread", Some(format!("attribute:{a}"))),
            Strategy::Random => ("random", None),
        };
        RawStrategy { kind: kind.to_string(), field }
    }
}

impl Strategy {
    /// Validates a strategy as CreateService does. Field names are case-insensitive for
    /// binpack (`CPU`, `MEMORY` appear in real files); `host` is an alias of `instanceId`.
    pub fn parse(kind: &str, field: Option<&str>) -> Result<Strategy, String> {
        match kind {
            "binpack" => match field.map(str::to_ascii_lowercase).as_deref() {
                Some("cpu") => Ok(Strategy::Binpack(BinpackField::Cpu)),
                Some("memory") => Ok(Strategy::Binpack(BinpackField::Memory)),
                Some(other) => Err(format!("binpack field {other:?} is not valid; use \"cpu\" or \"memory\"")),
                None => Err("binpack needs a field; use \"cpu\" or \"memory\"".into()),
            },
            "spread" => match field {
                Some("instanceId") | Some("host") => Ok(Strategy::Spread(SpreadField::InstanceId)),
                Some(f) => match f.strip_prefix("attribute:") {
                    Some(name) if !name.is_empty() && name.len() <= 128 => Ok(Strategy::Spread(SpreadField::Attribute(name.to_string()))),
                    _ => Err(format!(
                        "spread field {f:?} is not valid; use \"instanceId\", \"host\" or \"attribute:<name>\" (e.g. \"attribute:ecs.availability-zone\")"
                    )),
                },
                None => Err("spread needs a field, e.g. \"attribute:ecs.availability-zone\" or \"instanceId\"".into()),
            },
            "random" => Ok(Strategy::Random),
            other => Err(format!("unknown placement strategy type {other:?}; expected \"binpack\", \"spread\" or \"random\"")),
        }
    }

    /// The default of a REPLICA service on EC2: AZ spread, then instance spread (docs/ecs-model.md#placement-defaults).
    pub fn service_default() -> Vec<Strategy> {
        vec![Strategy::Spread(SpreadField::Attribute("ecs.availability-zone".into())), Strategy::Spread(SpreadField::InstanceId)]
    }
}

impl fmt::Display for Strategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Strategy::Binpack(BinpackField::Cpu) => f.write_str("binpack(cpu)"),
            Strategy::Binpack(BinpackField::Memory) => f.write_str("binpack(memory)"),
            Strategy::Spread(SpreadField::InstanceId) => f.write_str("spread(instanceId)"),
            Strategy::Spread(SpreadField::Attribute(a)) => write!(f, "spread(attribute:{a})"),
            Strategy::Random => f.write_str("random"),
        }
    }
}

/// A placement constraint, in the AWS JSON shape `{"type": "...", "expression": "..."}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(try_from = "RawConstraint", into = "RawConstraint")]
pub enum Constraint {
    /// Each task of the group on a different instance.
    DistinctInstance,
    /// The instance must satisfy a cluster-query-language expression.
    MemberOf { expression: String, parsed: cql::Expr },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConstraint {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expression: Option<String>,
}

/// A constraint that could not be accepted; `column` is set for CQL errors (1-based, inside
/// the expression).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConstraintError {
    pub message: String,
    pub column: Option<usize>,
}

impl fmt::Display for ConstraintError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.column {
            Some(c) => write!(f, "{} (at column {c} of the expression)", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl TryFrom<RawConstraint> for Constraint {
    type Error = ConstraintError;
    fn try_from(raw: RawConstraint) -> Result<Self, ConstraintError> {
        Constraint::parse(&raw.kind, raw.expression.as_deref())
    }
}

impl From<Constraint> for RawConstraint {
    fn from(c: Constraint) -> Self {
        match c {
            Constraint::DistinctInstance => RawConstraint { kind: "distinctInstance".into(), expression: None },
            Constraint::MemberOf { expression, .. } => RawConstraint { kind: "memberOf".into(), expression: Some(expression) },
        }
    }
}

impl Constraint {
    pub fn parse(kind: &str, expression: Option<&str>) -> Result<Constraint, ConstraintError> {
        let plain = |m: String| ConstraintError { message: m, column: None };
        match kind {
            "distinctInstance" => match expression {
                Some(e) if !e.trim().is_empty() => Err(plain("distinctInstance takes no expression; remove \"expression\"".into())),
                _ => Ok(Constraint::DistinctInstance),
            },
            "memberOf" => {
                let expression =
                    expression.ok_or_else(|| plain("memberOf needs an \"expression\" in the cluster query language".into()))?;
                if expression.chars().count() > MAX_EXPRESSION_CHARS {
                    return Err(plain(format!("expression is longer than {MAX_EXPRESSION_CHARS} characters")));
                }
                let parsed = cql::parse(expression).map_err(|e| ConstraintError { message: e.message.clone(), column: Some(e.column) })?;
                Ok(Constraint::MemberOf { expression: expression.to_string(), parsed })
            }
            other => Err(plain(format!("unknown placement constraint type {other:?}; expected \"distinctInstance\" or \"memberOf\""))),
        }
    }

    /// The constraints that console templates produce (docs/ecs-model.md#console-templates): "One Task Per Host".
    pub fn one_task_per_host() -> Vec<Constraint> {
        vec![Constraint::DistinctInstance]
    }
}

impl fmt::Display for Constraint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Constraint::DistinctInstance => f.write_str("distinctInstance"),
            Constraint::MemberOf { expression, .. } => write!(f, "memberOf({expression})"),
        }
    }
}

/// How remaining ties are broken (docs/ecs-model.md#simulated-time): uniformly at random from the `placement` stream, or
/// the lowest ordinal (registration order), for teaching and golden tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TieBreak {
    #[default]
    Random,
    First,
}

/// The console's placement templates (docs/ecs-model.md#console-templates), by their console names.
pub fn console_template(name: &str) -> Option<(Vec<Strategy>, Vec<Constraint>)> {
    let az = || Strategy::Spread(SpreadField::Attribute("ecs.availability-zone".into()));
    Some(match name {
        "AZ Balanced Spread" => (vec![az(), Strategy::Spread(SpreadField::InstanceId)], vec![]),
        "AZ Balanced BinPack" => (vec![az(), Strategy::Binpack(BinpackField::Memory)], vec![]),
        "BinPack" => (vec![Strategy::Binpack(BinpackField::Memory)], vec![]),
        "One Task Per Host" => (vec![], Constraint::one_task_per_host()),
        _ => return None,
    })
}

/// The names `console_template` knows.
pub const CONSOLE_TEMPLATES: [&str; 4] = ["AZ Balanced Spread", "AZ Balanced BinPack", "BinPack", "One Task Per Host"];

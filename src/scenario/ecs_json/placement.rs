//! Placement strategies and constraints as ECS JSON writes them (`placementStrategy`,
//! `placementConstraints` of a service or a task definition), validated element by element by
//! `Strategy::parse` and `Constraint::parse`, the parsers the scenario's keys use too.

use super::{At, Ctx, JPath};
use crate::ecs::placement::{Constraint, Strategy};
use serde_json::Value;

impl Ctx<'_> {
    /// One placement constraint (docs/ecs-model.md#placement-inputs), with CQL errors located at their column inside
    /// the expression string. `in_task_definition` rejects `distinctInstance`, which
    /// RegisterTaskDefinition does not accept.
    pub(super) fn constraint_at(&mut self, v: &Value, path: &JPath, in_task_definition: bool) -> Option<Constraint> {
        let raw: RawConstraint = self.de(v, path)?;
        let Some(kind) = raw.kind else {
            self.error(path, At::Value, "a placement constraint needs a `type` (\"distinctInstance\" or \"memberOf\")");
            return None;
        };
        let kind = self.needed_str(&kind, &path.key("type"))?;
        if in_task_definition && kind == "distinctInstance" {
            self.error_help(
                &path.key("type"),
                At::Value,
                "distinctInstance is not allowed in a task definition's placementConstraints (only memberOf is)",
                "put distinctInstance on the service (CreateService placementConstraints) or on RunTask",
            );
            return None;
        }
        if let Some(e) = &raw.expression {
            self.needed_str(e, &path.key("expression"))?;
        }
        match Constraint::parse(kind, raw.expression.as_deref()) {
            Ok(c) => Some(c),
            Err(e) => {
                let known = matches!(kind, "distinctInstance" | "memberOf");
                match e.column {
                    Some(col) => self.error_help(
                        &path.key("expression"),
                        At::InString(col.saturating_sub(1)),
                        format!("invalid memberOf expression: {}", e.message),
                        "see the cluster query language (docs/ecs-model.md#cluster-query-language), e.g. \"attribute:ecs.instance-type =~ t3.*\"",
                    ),
                    None if known && raw.expression.is_some() => self.error(&path.key("expression"), At::Value, e.message),
                    None if known => self.error(path, At::Value, e.message),
                    None => self.error(&path.key("type"), At::Value, e.message),
                }
                None
            }
        }
    }

    /// One placement strategy (docs/ecs-model.md#placement-inputs), validated by `Strategy::parse`.
    pub(super) fn strategy_at(&mut self, v: &Value, path: &JPath) -> Option<Strategy> {
        let raw: RawStrategy = self.de(v, path)?;
        let Some(kind) = raw.kind else {
            self.error(path, At::Value, "a placement strategy needs a `type` (\"binpack\", \"spread\" or \"random\")");
            return None;
        };
        let kind = self.needed_str(&kind, &path.key("type"))?;
        if let Some(f) = &raw.field {
            self.needed_str(f, &path.key("field"))?;
        }
        match Strategy::parse(kind, raw.field.as_deref()) {
            Ok(s) => Some(s),
            Err(m) => {
                let at = match (matches!(kind, "binpack" | "spread" | "random"), raw.field.is_some()) {
                    (true, true) => path.key("field"),
                    (true, false) => path.clone(),
                    (false, _) => path.key("type"),
                };
                self.error(&at, At::Value, m);
                None
            }
        }
    }
}

/// A placement constraint as written; `Constraint::parse` validates it. (The schema walk, not
/// `deny_unknown_fields`, reports stray members, so that each is reported once.)
#[derive(serde::Deserialize)]
struct RawConstraint {
    #[serde(rename = "type")]
    kind: Option<String>,
    expression: Option<String>,
}

/// A placement strategy as written; `Strategy::parse` validates it.
#[derive(serde::Deserialize)]
struct RawStrategy {
    #[serde(rename = "type")]
    kind: Option<String>,
    field: Option<String>,
}

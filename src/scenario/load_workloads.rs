//! Standalone workloads (`[[workload]]`) and the placement strategies and constraints they, and
//! services, name: a console template or AWS-style arrays, validated with ECS's limits.

use super::load::{Cx, Placement};
use super::toml_model::*;
use crate::ecs::placement::rules::{console_template, CONSOLE_TEMPLATES, MAX_CONSTRAINTS};
use crate::ecs::placement::{Constraint, Strategy};
use crate::ecs::task_def::TaskDefinition;
use crate::model::{Unplaceable, Workload};
use crate::workload::Arrivals;
use toml::Spanned;

impl Cx<'_> {
    pub(super) fn build_constraints(&mut self, raws: &[RawConstraint]) -> Option<Vec<Constraint>> {
        let mut out = Vec::new();
        let mut ok = true;
        for raw in raws {
            match Constraint::parse(raw.kind.get_ref(), raw.expression.as_ref().map(|e| e.get_ref().as_str())) {
                Ok(c) => out.push(c),
                Err(e) => {
                    // A CQL error points inside the expression string: its opening quote + column.
                    let span = match (e.column, &raw.expression) {
                        (Some(col), Some(expr)) => {
                            let start =
                                expr.span().start + 1 + expr.get_ref().char_indices().nth(col - 1).map_or(expr.get_ref().len(), |(b, _)| b);
                            start..start + 1
                        }
                        _ => raw.kind.span(),
                    };
                    self.error_at(span, e.message.clone(), "see the cluster query language in docs/scenarios.md");
                    ok = false;
                }
            }
        }
        ok.then_some(out)
    }

    pub(super) fn build_placement(
        &mut self,
        template: Option<&Spanned<String>>,
        strategy: Option<&Spanned<Vec<Strategy>>>,
        constraints: Option<&Vec<RawConstraint>>,
    ) -> Option<Placement> {
        let mut strategies = strategy.map(|s| s.get_ref().clone());
        let mut cons = match constraints {
            Some(c) => Some(self.build_constraints(c)?),
            None => None,
        };
        if let Some(t) = template {
            if strategies.is_some() || cons.is_some() {
                self.error_at(t.span(), "template and placement_strategy/placement_constraints are both given", "use one or the other");
                return None;
            }
            match console_template(t.get_ref()) {
                Some((s, c)) => {
                    strategies = Some(s);
                    cons = Some(c);
                }
                None => {
                    self.error_at(
                        t.span(),
                        format!("unknown console template {:?}", t.get_ref()),
                        format!("use one of {CONSOLE_TEMPLATES:?}"),
                    );
                    return None;
                }
            }
        }
        if let (Some(s), Some(span)) = (&strategies, strategy.map(Spanned::span)) {
            if let Err(p) = super::service_rules::placement_strategy_count(s.len()) {
                self.error_at(span, p.message, p.help);
                return None;
            }
        }
        Some((strategies, cons))
    }

    pub(super) fn build_workload(&mut self, raw: &RawWorkload, tds: &[(String, TaskDefinition)]) -> Option<Workload> {
        let td_index = self.resolve_task_definition(&raw.task_definition, tds);
        let count = *raw.count.get_ref();
        if !(1..=10).contains(&count) {
            self.error_at(raw.count.span(), format!("count {count} is outside RunTask's 1–10"), "use a count from 1 to 10 per arrival");
        }
        if let Err(m) = raw.run_time.get_ref().validate() {
            self.error_at(raw.run_time.span(), m, "fix the run_time distribution");
        }
        let arrivals = match raw.arrivals.get_ref() {
            RawArrivals::Poisson { rate_per_minute } => {
                if !(rate_per_minute.is_finite() && *rate_per_minute > 0.0) {
                    self.error_at(
                        raw.arrivals.span(),
                        format!("rate_per_minute {rate_per_minute} must be a positive number"),
                        "e.g. rate_per_minute = 30",
                    );
                }
                Arrivals::Poisson { rate_per_minute: *rate_per_minute }
            }
            RawArrivals::Times { bulk: Some(_), .. } => {
                self.error_at(
                    raw.arrivals.span(),
                    "`at` holds a string ecsim keeps for its own use",
                    "write the arrival times as durations, e.g. at = [\"1m\", \"2m\"]",
                );
                Arrivals::Times { at: Vec::new() }
            }
            RawArrivals::Times { at, .. } => {
                if at.windows(2).any(|w| w[0] > w[1]) {
                    self.error_at(raw.arrivals.span(), "arrival times are not in increasing order", "sort the `at` list");
                }
                Arrivals::Times { at: at.clone() }
            }
        };
        let (strategies, constraints) =
            self.build_placement(raw.template.as_ref(), raw.placement_strategy.as_ref(), raw.placement_constraints.as_ref())?;
        let (_, td) = &tds[td_index?];
        let constraints = constraints.unwrap_or_default();
        // Task-definition memberOf constraints count toward the limit of 10 (docs/ecs-model.md#placement-inputs).
        if constraints.len() + td.member_of.len() > MAX_CONSTRAINTS {
            self.error_at(
                raw.task_definition.span(),
                format!(
                    "{} placement constraints (task definition included); ECS allows {MAX_CONSTRAINTS}",
                    constraints.len() + td.member_of.len()
                ),
                "remove some constraints",
            );
        }
        let mut all_constraints = constraints;
        for expr in &td.member_of {
            if let Ok(c) = Constraint::parse("memberOf", Some(expr)) {
                all_constraints.push(c);
            }
        }
        Some(Workload {
            name: raw.name.clone(),
            task_definition: td_index?,
            group: raw.group.clone().unwrap_or_else(|| td.default_group()),
            arrivals,
            count,
            run_time: raw.run_time.get_ref().clone(),
            // RunTask's default is random (docs/ecs-model.md#placement-defaults).
            strategies: strategies.unwrap_or_else(|| vec![Strategy::Random]),
            constraints: all_constraints,
            on_unplaceable: match raw.on_unplaceable {
                RawUnplaceable::Fail => Unplaceable::Fail,
                RawUnplaceable::Wait => Unplaceable::Wait { max_wait: raw.max_wait },
            },
        })
    }

    /// The index of the `[[task_definitions]]` entry called `name`, or a located error.
    pub(super) fn resolve_task_definition(&mut self, name: &Spanned<String>, tds: &[(String, TaskDefinition)]) -> Option<usize> {
        let index = tds.iter().position(|(n, _)| n == name.get_ref());
        if index.is_none() {
            let names: Vec<&str> = tds.iter().map(|(n, _)| n.as_str()).collect();
            self.error_at(
                name.span(),
                format!("no task definition named {:?}", name.get_ref()),
                format!("define it under [[task_definitions]]; defined: {names:?}"),
            );
        }
        index
    }
}

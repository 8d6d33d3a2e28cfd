//! The reasoning behind one placement decision: what each filter and constraint removed and
//! why, how each strategy ranked the rest, and how the last tie was broken. Serialized as the
//! `explanation` member of `ecsim place`, and rendered for people by `render`.

use super::filter::Rejection;
use super::rules::{Strategy, TieBreak};
use super::strategy::RankEntry;
use super::{Outcome, PlacementRequest};
use crate::ecs::cluster::Cluster;
use crate::ecs::instance::InstanceId;
use serde::Serialize;
use std::fmt::Write;

#[derive(Debug, Clone, Serialize)]
pub struct StrategyStep {
    pub strategy: String,
    /// Candidates before the step.
    pub considered: Vec<InstanceId>,
    /// Buckets, best first.
    pub ranking: Vec<RankEntry>,
    /// Candidates the step kept.
    pub kept: Vec<InstanceId>,
    /// True when a single candidate was left and the step had nothing to do.
    pub skipped: bool,
}

impl StrategyStep {
    pub fn new(s: &Strategy, considered: Vec<InstanceId>, ranking: Vec<RankEntry>, kept: Vec<InstanceId>) -> Self {
        StrategyStep { strategy: s.to_string(), considered, ranking, kept, skipped: false }
    }
    pub fn skipped(s: &Strategy) -> Self {
        StrategyStep { strategy: s.to_string(), considered: vec![], ranking: vec![], kept: vec![], skipped: true }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Explanation {
    pub group: String,
    pub needs: String,
    pub strategies: Vec<String>,
    pub constraints: Vec<String>,
    pub tie_break: TieBreak,
    /// Instances removed by a filter or constraint, with the first check each failed.
    pub rejected: Vec<(InstanceId, Rejection)>,
    pub passed_filters: Vec<InstanceId>,
    pub steps: Vec<StrategyStep>,
    /// Candidates left after the last strategy.
    pub final_ties: Vec<InstanceId>,
    pub outcome: Option<Outcome>,
}

impl Explanation {
    pub fn new(cluster: &Cluster, req: &PlacementRequest) -> Self {
        let r = req.reservation;
        let mut needs = format!("{} CPU units, {} MiB", r.cpu_units, r.memory_mib);
        if !r.static_tcp_ports.is_empty() {
            let _ = write!(needs, ", host ports {:?}", r.static_tcp_ports);
        }
        if r.dynamic_tcp_ports > 0 {
            let _ = write!(needs, ", {} dynamic port(s)", r.dynamic_tcp_ports);
        }
        if r.enis > 0 {
            needs.push_str(", 1 ENI (awsvpc)");
        }
        if r.gpus > 0 {
            let _ = write!(needs, ", {} GPU(s)", r.gpus);
        }
        Explanation {
            group: cluster.group_name(req.group).to_string(),
            needs,
            strategies: req.strategies.iter().map(ToString::to_string).collect(),
            constraints: req.constraints.iter().map(ToString::to_string).collect(),
            tie_break: req.tie_break,
            rejected: vec![],
            passed_filters: vec![],
            steps: vec![],
            final_ties: vec![],
            outcome: None,
        }
    }

    /// The explanation as JSON with instances named by `name(id)` (for `ecsim place`).
    pub fn to_json(&self, name: &dyn Fn(InstanceId) -> String) -> serde_json::Value {
        use serde_json::json;
        let names = |ids: &[InstanceId]| ids.iter().map(|&i| name(i)).collect::<Vec<_>>();
        let rejected: Vec<_> = self
            .rejected
            .iter()
            .map(|(id, r)| json!({"instance": name(*id), "reason": r.reason().code(), "check": r, "text": r.to_string()}))
            .collect();
        let steps: Vec<_> = self
            .steps
            .iter()
            .map(|s| {
                let ranking: Vec<_> = s
                    .ranking
                    .iter()
                    .map(|r| json!({"value": r.value, "score": r.score, "unit": r.unit, "instances": names(&r.instances)}))
                    .collect();
                json!({"strategy": s.strategy, "skipped": s.skipped, "ranking": ranking, "kept": names(&s.kept)})
            })
            .collect();
        let outcome = match &self.outcome {
            Some(Outcome::Placed { instance }) => json!({"placed_on": name(*instance)}),
            Some(Outcome::Failed { reason, closest }) => json!({
                "failed": reason.code(),
                "closest_match": closest.as_ref().map(|(id, r)| format!("The closest matching container-instance {} {}", name(*id), r.closest_match_text())),
            }),
            None => serde_json::Value::Null,
        };
        json!({
            "group": self.group,
            "needs": self.needs,
            "strategies": self.strategies,
            "constraints": self.constraints,
            "tie_break": self.tie_break,
            "rejected": rejected,
            "passed_filters": names(&self.passed_filters),
            "steps": steps,
            "final_ties": names(&self.final_ties),
            "outcome": outcome,
        })
    }

    /// A few lines a person can follow, naming instances by `name(id)`.
    pub fn render(&self, name: &dyn Fn(InstanceId) -> String) -> String {
        let mut out = String::new();
        let list = |ids: &[InstanceId]| ids.iter().map(|&i| name(i)).collect::<Vec<_>>().join(", ");
        let _ = writeln!(out, "task group {} needs {}", self.group, self.needs);
        if !self.constraints.is_empty() {
            let _ = writeln!(out, "constraints: {}", self.constraints.join(", "));
        }
        for (id, why) in &self.rejected {
            let _ = writeln!(out, "  filter: {} removed: {}", name(*id), why);
        }
        let _ = writeln!(
            out,
            "  candidates after filters and constraints: {}",
            if self.passed_filters.is_empty() { "none".into() } else { list(&self.passed_filters) }
        );
        for step in &self.steps {
            if step.skipped {
                let _ = writeln!(out, "  {}: one candidate left, nothing to do", step.strategy);
                continue;
            }
            let ranks: Vec<String> = step.ranking.iter().map(|r| format!("{} [{}]", r.label(), list(&r.instances))).collect();
            let _ = writeln!(out, "  {}: {} -> keeps {}", step.strategy, ranks.join("; "), list(&step.kept));
        }
        match &self.outcome {
            Some(Outcome::Placed { instance }) => {
                if self.final_ties.len() > 1 {
                    let how = match self.tie_break {
                        TieBreak::First => "lowest ordinal (tie-break first)",
                        TieBreak::Random => "uniformly at random (stream \"placement\")",
                    };
                    let _ = writeln!(out, "  tie between {}: picked {how}", list(&self.final_ties));
                }
                let _ = writeln!(out, "  placed on {}", name(*instance));
            }
            Some(Outcome::Failed { reason, closest }) => {
                let _ = write!(out, "  no container instance met all of the task's requirements ({reason})");
                if let Some((id, why)) = closest {
                    let _ = write!(out, ". The closest matching container-instance {} {}", name(*id), why.closest_match_text());
                }
                out.push('\n');
            }
            None => {}
        }
        out
    }
}

//! ECS task placement (docs/ecs-model.md#placement): the resource/port/ENI/GPU/attribute filter, the constraints
//! (`distinctInstance`, `memberOf` with the cluster query language) and the strategy chain
//! (binpack, spread, random), with the explanation a person needs to see *why*.
//!
//! `place` is the reference implementation: a pure function of a read-only `Cluster` that
//! follows the documented algorithm step by step. `index::PlacementIndex` gives the same
//! answers in O(log n) for long runs; a property test keeps the two in agreement.

pub mod cql;
pub mod explain;
pub mod facts;
pub mod filter;
pub mod index;
pub mod rules;
pub mod strategy;

pub use explain::{Explanation, StrategyStep};
pub use filter::{FailureReason, Rejection};
pub use rules::{BinpackField, Constraint, SpreadField, Strategy, TieBreak};

use super::cluster::Cluster;
use super::instance::{GroupId, InstanceId};
use super::task_def::{RequiredAttribute, Reservation};
use crate::engine::StreamRng;
use rand::Rng;
use serde::Serialize;

/// Everything placement needs to know about the task being placed.
#[derive(Debug, Clone, Copy)]
pub struct PlacementRequest<'a> {
    pub reservation: &'a Reservation,
    pub group: GroupId,
    pub strategies: &'a [Strategy],
    pub constraints: &'a [Constraint],
    pub requires_attributes: &'a [RequiredAttribute],
    pub tie_break: TieBreak,
}

/// The outcome of placing one task.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    Placed {
        instance: InstanceId,
    },
    /// No instance passed the filters and constraints. `closest` is the instance that passed
    /// the most checks (ties: lowest ordinal) with the first check it failed (docs/ecs-model.md#placement-failures).
    Failed {
        reason: FailureReason,
        closest: Option<(InstanceId, Rejection)>,
    },
}

/// The outcome and, when asked for, the reasoning.
#[derive(Debug, Clone, Serialize)]
pub struct Decision {
    pub outcome: Outcome,
    pub explanation: Option<Explanation>,
}

impl Decision {
    pub fn instance(&self) -> Option<InstanceId> {
        match self.outcome {
            Outcome::Placed { instance } => Some(instance),
            Outcome::Failed { .. } => None,
        }
    }
}

/// Places one task, following docs/ecs-model.md#placement-algorithm step by step.
///
/// Draws from `rng` only for the `random` strategy and for random tie-breaks, so a run's other
/// random streams never shift with the placement strategy.
pub fn place(cluster: &Cluster, req: &PlacementRequest, rng: &mut StreamRng, explain: bool) -> Decision {
    let mut expl = explain.then(|| Explanation::new(cluster, req));

    // Steps 1–3: candidates, filters, constraints.
    let mut candidates: Vec<InstanceId> = Vec::with_capacity(cluster.instances.len());
    // A Fargate task's capacity is no candidate and no part of the explanation.
    for inst in cluster.instances.iter().filter(|i| !i.fargate) {
        match filter::check(cluster, inst, req) {
            Ok(()) => candidates.push(inst.id),
            Err(rejection) => {
                if let Some(e) = expl.as_mut() {
                    e.rejected.push((inst.id, rejection));
                }
            }
        }
    }
    if let Some(e) = expl.as_mut() {
        e.passed_filters = candidates.clone();
    }

    // Step 4: nothing fits.
    if candidates.is_empty() {
        let outcome = failed(filter::closest_match(cluster, req));
        if let Some(e) = expl.as_mut() {
            e.outcome = Some(outcome.clone());
        }
        return Decision { outcome, explanation: expl };
    }

    // Step 5: each strategy keeps its best candidates; `random` keeps one.
    for s in req.strategies {
        if candidates.len() == 1 {
            if let Some(e) = expl.as_mut() {
                e.steps.push(StrategyStep::skipped(s));
            }
            continue;
        }
        let before = expl.as_ref().map(|_| candidates.clone());
        let ranking = strategy::narrow(cluster, req.group, s, &mut candidates, rng);
        if let (Some(e), Some(before)) = (expl.as_mut(), before) {
            e.steps.push(StrategyStep::new(s, before, ranking, candidates.clone()));
        }
    }

    // Step 6: remaining ties.
    let chosen = if candidates.len() == 1 {
        candidates[0]
    } else {
        match req.tie_break {
            TieBreak::First => candidates[0],
            TieBreak::Random => candidates[rng.gen_range(0..candidates.len())],
        }
    };
    if let Some(e) = expl.as_mut() {
        e.final_ties = candidates;
        e.outcome = Some(Outcome::Placed { instance: chosen });
    }
    Decision { outcome: Outcome::Placed { instance: chosen }, explanation: expl }
}

/// The failed outcome naming `closest` (docs/ecs-model.md#placement-failures): its first failing
/// check gives the reason; no ranked instance at all is `MISSING`.
pub fn failed(closest: Option<(InstanceId, Rejection)>) -> Outcome {
    let reason = closest.as_ref().map_or(FailureReason::NoInstances, |(_, r)| r.reason());
    Outcome::Failed { reason, closest }
}

#[cfg(test)]
mod tests;

//! `PlacementIndex`: the decisions of the reference [`place`](super::place) (docs/ecs-model.md#placement-algorithm) in
//! O(classes + log n) per task instead of O(n), for long runs over thousands of instances.
//!
//! # Why an index can be exact
//!
//! Every filter and constraint reads only the instance itself: resources, ports, ENIs, GPUs,
//! attributes; `distinctInstance` = tasks of the group on it; `memberOf` = its attributes, task
//! groups and counters. Each strategy keeps the candidates with the least value of a key, so the
//! chain keeps the candidates whose key tuple (k1..kn) is lexicographically least:
//! * `binpack(cpu|memory)`: remaining units or MiB of the instance — a *local* key;
//! * `spread(instanceId)`: tasks of the group on the instance — a *local* key;
//! * `spread(attribute:X)`: tasks of the group on every instance that has this instance's value
//!   of X — shared by all instances with that value — a *class* key;
//! * `random` at position j keeps one of the ties of the keys before it and leaves the later
//!   strategies a single candidate, so the chain is cut there and that tie is drawn at random.
//!
//! A key repeated later in the chain never separates anything and is dropped.
//!
//! Instances are partitioned into *classes* by their values of the chain's spread attributes
//! (an absent attribute is a value of its own, like `strategy::ABSENT` in the reference). Inside
//! a class every class key is the same, so a class's best instances are those with the least
//! local key tuple: a segment tree per class keeps, in each node, that least tuple among the
//! feasible instances below it and how many reach it. The chain's winners are the best
//! instances of the classes whose full tuple — class keys from per-(attribute, value) task
//! counters, local keys from the class root, in chain order — is least. This holds for any
//! order of local and class keys in the chain. No candidate list is ever built.
//!
//! # Same tie, same draw
//!
//! The reference keeps candidates in ordinal order and, when more than one is left, draws
//! `gen_range(0..ties)` once (for `random` in the chain or for the final tie-break) and takes
//! that position. Each class tree keeps its instances in ordinal order, so the k-th tie of one
//! class is a descent; across tied classes it is the least ordinal with more than k ties at or
//! below it (the first tie of each class when k = 0, the usual `tieBreak = first`). The index
//! makes the same draw, so it returns the very instance the reference returns and leaves `rng`
//! in the same state, in both tie-break modes: a run does not change when the index is used.
//!
//! # Keeping it current
//!
//! An index serves one (reservation, group, strategies, constraints, requiresAttributes): one
//! service or one task family. It reads nothing from the cluster when placing. Whoever changes
//! an instance must call [`PlacementIndex::instance_changed`]: binding or releasing a task of
//! *any* group (resources, ports and `task:group` change), a task starting
//! (`runningTasksCount`), draining, reconnecting, attribute updates; and
//! [`PlacementIndex::instance_added`] for instances registered after `new`. A change to an
//! instance the index has seen is noted, not read: the index re-reads the noted instances,
//! each once, when it is next asked (`place`, `failure`, `failure_counts`). Every index hears
//! every bind and release, but is asked only for its own tasks; in between, tasks bin-packed
//! onto the same few instances change each of them many times (W2's five workloads: several
//! binds per instance between two questions to one index). Each read is O(spread attributes +
//! log n) and re-runs the filter on that one instance. What the index answers depends only on
//! what it read last about every instance, never on the order it read them in, so reading
//! late changes no decision.
//!
//! Cost of `place`: O(classes × keys) to find the least tuple plus O(tied classes × log n) to
//! find the tie, without allocation. With the usual zone spread that is 3 classes; a spread over
//! an attribute with a value per instance makes the class scan O(n) — still exact.
//! Chains with more distinct keys than ECS accepts strategies (5, so only chains built in code)
//! are not indexed: `place` then calls the reference (`is_exact_fast_path` is false).

use super::filter;
use super::rules::{Constraint, Strategy, TieBreak, MAX_STRATEGIES};
use super::{Outcome, PlacementRequest};
use crate::ecs::cluster::Cluster;
use crate::ecs::instance::{GroupId, InstanceId};
use crate::ecs::task_def::{RequiredAttribute, Reservation};
use crate::engine::StreamRng;
pub use failures::FailureCounts;
use failures::Failures;
use fast::Fast;
#[cfg(test)]
use fast::SHARED_LAYOUT_CLASSES;

mod failures;
mod fast;
mod tree;

/// Distinct local keys there can be: binpack(cpu), binpack(memory), spread(instanceId).
const LOCAL_KEYS: usize = 3;
/// Distinct keys the fast path handles: as many as ECS accepts strategies.
const MAX_KEYS: usize = MAX_STRATEGIES;
/// No node, no class.
const NIL: u32 = u32::MAX;

/// A fast placement index for one kind of task; see the module documentation.
#[derive(Debug, Clone)]
pub struct PlacementIndex {
    req: OwnedRequest,
    /// `None`: the chain is not indexed and `place` calls the reference.
    fast: Option<Fast>,
    /// Kept for every chain: failures never depend on the strategies.
    failures: Failures,
    /// Seen instances changed since the index last read them, in the order they first
    /// changed; read at the next question (see "Keeping it current").
    noted: Vec<u32>,
    /// By ordinal, for the instances seen: in `noted`.
    is_noted: Vec<bool>,
}

impl PlacementIndex {
    /// Builds the index over every instance of `cluster`, in O(n log n).
    pub fn new(cluster: &Cluster, req: &PlacementRequest) -> PlacementIndex {
        let req = OwnedRequest::from(req);
        let fast = Fast::for_chain(&req.strategies, req.tie_break, cluster.instances.len());
        let mut index = PlacementIndex { req, fast, failures: Failures::default(), noted: Vec::new(), is_noted: Vec::new() };
        // Every instance read once, the trees' inner nodes computed after the last leaf: O(n)
        // for the trees (a walk to the root per instance was most of building W2's indexes).
        let n = cluster.instances.len();
        index.failures.defer_updates(n);
        if let Some(fast) = index.fast.as_mut() {
            fast.defer_updates();
        }
        for ordinal in 0..n {
            index.read(cluster, InstanceId(ordinal as u32));
        }
        index.is_noted = vec![false; n];
        index.failures.finish_deferred();
        if let Some(fast) = index.fast.as_mut() {
            fast.finish_deferred();
        }
        index
    }

    /// The request this index answers (e.g. to ask the reference `place` to explain a failure).
    pub fn request(&self) -> PlacementRequest<'_> {
        self.req.borrow()
    }

    /// How many instances the index has read (ids are dense: `0..instances_seen()`); fewer than
    /// the cluster has when instances were registered since and not yet `instance_added`.
    pub fn instances_seen(&self) -> usize {
        self.failures.len()
    }

    /// False when the chain is not indexed and `place` runs the reference.
    pub fn is_exact_fast_path(&self) -> bool {
        self.fast.is_some()
    }

    /// Places one task: the instance the reference `place` would choose, with the same draws
    /// from `rng`. `None` when no instance passes the filters and constraints ([`failure`](Self::failure)
    /// says why). The caller binds the task and then calls `instance_changed`.
    pub fn place(&mut self, cluster: &Cluster, rng: &mut StreamRng) -> Option<InstanceId> {
        self.read_noted(cluster);
        let req = self.req.borrow();
        let Some(fast) = self.fast.as_mut() else {
            return super::place(cluster, &req, rng, false).instance();
        };
        debug_assert_eq!(fast.len(), cluster.instances.len(), "an instance was registered without instance_added");
        let chosen = fast.place(rng)?;
        debug_assert!(
            filter::passes(cluster, cluster.instance(chosen), &req),
            "placement index is stale: {chosen:?} cannot take the task (instance_changed missed?)"
        );
        Some(chosen)
    }

    /// Why no instance can take the task: exactly the reference's
    /// `place(cluster, &request, rng, false).outcome` when nothing fits — the reason and the
    /// closest match (the ACTIVE non-Fargate instance that passed the most checks, lowest
    /// ordinal on ties, with its first failing check) — in O(checks of one instance), without a
    /// scan and drawing nothing. (When something fits it still names the closest instance
    /// among those that do not.) The full explanation stays the reference's, with `explain`.
    pub fn failure(&mut self, cluster: &Cluster) -> Outcome {
        self.read_noted(cluster);
        let req = self.req.borrow();
        debug_assert_eq!(self.failures.len(), cluster.instances.len(), "an instance was registered without instance_added");
        let closest = self.failures.closest().and_then(|ordinal| {
            let id = InstanceId(ordinal);
            let rejection = filter::first_failure(cluster, cluster.instance(id), &req);
            debug_assert!(rejection.is_some(), "placement index is stale: {id:?} fails no check (instance_changed missed?)");
            rejection.map(|r| (id, r))
        });
        super::failed(closest)
    }

    /// RunTask's failure counts: the instances that cannot take the task by the reason of their
    /// first failing check (ACTIVE non-Fargate instances only, as ranked for the closest match).
    pub fn failure_counts(&mut self, cluster: &Cluster) -> FailureCounts {
        self.read_noted(cluster);
        self.failures.counts()
    }

    /// Instance `id` changed (a task bound, released or started, status, agent, attributes):
    /// it is read again at the next question. An id the index has not seen yet is added now,
    /// as by `instance_added`, with every unseen id below it (ids are dense, in registration
    /// order), after the noted ones are read.
    pub fn instance_changed(&mut self, cluster: &Cluster, id: InstanceId) {
        let i = id.index();
        if i < self.is_noted.len() {
            if !self.is_noted[i] {
                self.is_noted[i] = true;
                self.noted.push(id.0);
            }
            return;
        }
        self.read_noted(cluster);
        for ordinal in self.failures.len()..=i {
            self.read(cluster, InstanceId(ordinal as u32));
            self.is_noted.push(false);
        }
    }

    /// Reads the instances noted since the last question, each once.
    fn read_noted(&mut self, cluster: &Cluster) {
        if self.noted.is_empty() {
            return;
        }
        // Taken out and put back: its room is reused, nothing is allocated per question.
        let mut noted = std::mem::take(&mut self.noted);
        for &ordinal in &noted {
            self.is_noted[ordinal as usize] = false;
            self.read(cluster, InstanceId(ordinal));
        }
        noted.clear();
        self.noted = noted;
    }

    /// Reads instance `id` now: its failure tally, and its leaf (added when it is the next
    /// unseen ordinal).
    fn read(&mut self, cluster: &Cluster, id: InstanceId) {
        let req = self.req.borrow();
        let tally = filter::tally(cluster, cluster.instance(id), &req);
        self.failures.set(id.0, tally);
        if let Some(fast) = self.fast.as_mut() {
            if id.index() < fast.len() {
                fast.refresh(cluster, req.group, id, tally.passes());
            } else {
                fast.add(cluster, req.group, id, tally.passes());
            }
        }
    }

    /// A task on instance `id` started (`runningTasksCount` and the pending count moved,
    /// nothing else): re-read only when a `memberOf` constraint may read the count, or when
    /// the index has not seen the instance yet. Filters, failure checks and keys read neither.
    pub fn task_started(&mut self, cluster: &Cluster, id: InstanceId) {
        let reads_running_count = self.req.constraints.iter().any(|c| matches!(c, Constraint::MemberOf { .. }));
        if reads_running_count || id.index() >= self.instances_seen() {
            self.instance_changed(cluster, id);
        }
    }

    /// A task of `group` on instance `id` began stopping (its group's spread count there moved,
    /// nothing else): re-read only when this index serves `group` (its spread keys read that
    /// count) or has constraints (`distinctInstance` and `memberOf` read task groups), or has
    /// not seen the instance yet. Filters, failure checks and other groups' keys read neither.
    pub fn task_stopping(&mut self, cluster: &Cluster, id: InstanceId, group: GroupId) {
        if group == self.req.group || !self.req.constraints.is_empty() || id.index() >= self.instances_seen() {
            self.instance_changed(cluster, id);
        }
    }

    /// Instance `id` was registered after the index was built. Instances registered before it
    /// and not yet added are added too (ids are dense, in registration order).
    pub fn instance_added(&mut self, cluster: &Cluster, id: InstanceId) {
        self.instance_changed(cluster, id);
    }
}

/// Owned copy of a `PlacementRequest`, so that the index outlives the caller's borrows.
#[derive(Debug, Clone)]
struct OwnedRequest {
    reservation: Reservation,
    group: GroupId,
    strategies: Vec<Strategy>,
    constraints: Vec<Constraint>,
    requires_attributes: Vec<RequiredAttribute>,
    tie_break: TieBreak,
}

impl OwnedRequest {
    fn from(req: &PlacementRequest) -> Self {
        OwnedRequest {
            reservation: req.reservation.clone(),
            group: req.group,
            strategies: req.strategies.to_vec(),
            constraints: req.constraints.to_vec(),
            requires_attributes: req.requires_attributes.to_vec(),
            tie_break: req.tie_break,
        }
    }

    fn borrow(&self) -> PlacementRequest<'_> {
        PlacementRequest {
            reservation: &self.reservation,
            group: self.group,
            strategies: &self.strategies,
            constraints: &self.constraints,
            requires_attributes: &self.requires_attributes,
            tie_break: self.tie_break,
        }
    }
}

#[cfg(test)]
mod tests;

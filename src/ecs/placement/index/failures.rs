//! The failure side of [`PlacementIndex`](super::PlacementIndex): for every instance, how many
//! checks it fails and the reason of the first, re-read at each `instance_changed` with the
//! allocation-free [`filter::tally`](super::filter::tally). From it, "nothing fits" is answered
//! as the reference answers it (`filter::closest_match`: the ACTIVE non-Fargate instance that
//! passed the most checks, lowest ordinal on ties) in O(1), updated in O(log n), and the
//! RunTask failure counts per reason are kept without a scan.
//!
//! Every check reads only the instance (its resources, ports, attributes and the task counts of
//! any group on it), so the tally of an instance changes only when the instance does, and
//! whoever changes an instance already tells the index: the answer is exact, never stale.

use super::filter::{FailureReason, Tally};

/// Leaf of an instance that `closest_match` does not rank (not ACTIVE, Fargate, or it fits).
const UNRANKED: u64 = u64::MAX;

/// Instances that cannot take the task, per first failing reason — what RunTask's `failures`
/// lists, one entry per container instance (docs/ecs-model.md#placement-failures).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FailureCounts {
    by_reason: [u32; FailureReason::ALL.len()],
}

impl FailureCounts {
    /// Instances whose first failing check has this reason.
    pub fn get(&self, reason: FailureReason) -> u32 {
        self.by_reason[reason.index()]
    }

    /// The reasons with at least one instance, in `FailureReason::ALL` order.
    pub fn iter(&self) -> impl Iterator<Item = (FailureReason, u32)> + '_ {
        FailureReason::ALL.iter().map(|&r| (r, self.get(r))).filter(|&(_, n)| n > 0)
    }

    pub(super) fn add(&mut self, reason: FailureReason, sign: i32) {
        let n = &mut self.by_reason[reason.index()];
        *n = n.wrapping_add_signed(sign);
    }
}

/// A min segment tree over ordinals of `(checks failed << 40) | (ordinal << 8) | reason`, so
/// its root is the reference's closest match (fewest checks failed, then lowest ordinal: the
/// reason in the low byte never decides, ordinals being distinct); and the per-reason counts.
/// The leaf holds the reason counted for the instance too, so an update that changes nothing
/// (most of them) reads one word.
#[derive(Debug, Clone, Default)]
pub(super) struct Failures {
    /// Leaves at `size + ordinal`; inner node `i` holds the min of `2i` and `2i + 1`.
    tree: Vec<u64>,
    /// Leaves in the tree: a power of two (0 before the first instance).
    size: usize,
    /// Instances seen (ordinals 0 .. seen).
    seen: usize,
    counts: FailureCounts,
    /// Leaves are set without their inner nodes until `finish_deferred`.
    deferred: bool,
}

/// The leaf of a ranked instance that fails `failed` checks, the first for `reason`.
fn ranked_leaf(failed: u32, ordinal: u32, reason: FailureReason) -> u64 {
    (u64::from(failed.min(0xff_ffff)) << 40) | (u64::from(ordinal) << 8) | reason.index() as u64
}

/// The reason a leaf counts (`None` for an unranked leaf).
fn reason_of(leaf: u64) -> Option<FailureReason> {
    (leaf != UNRANKED).then(|| FailureReason::ALL[(leaf & 0xff) as usize])
}

impl Failures {
    /// Records the tally of `ordinal` (the next unseen ordinal adds an instance).
    pub(super) fn set(&mut self, ordinal: u32, tally: Tally) {
        let i = ordinal as usize;
        if i >= self.seen {
            debug_assert_eq!(i, self.seen, "instances are added in ordinal order");
            self.seen += 1;
            if i >= self.size {
                self.grow();
            }
        }
        let leaf = match (tally.passes(), tally.first) {
            (false, Some(reason)) => ranked_leaf(tally.failed, ordinal, reason),
            _ => UNRANKED,
        };
        let mut node = self.size + i;
        let old = self.tree[node];
        if old == leaf {
            return; // most changes (a task starting, a task on an instance that still fits) change nothing here
        }
        if let Some(old) = reason_of(old) {
            self.counts.add(old, -1);
        }
        if let Some(new) = reason_of(leaf) {
            self.counts.add(new, 1);
        }
        self.tree[node] = leaf;
        if self.deferred {
            return;
        }
        while node > 1 {
            node /= 2;
            let min = self.tree[2 * node].min(self.tree[2 * node + 1]);
            if self.tree[node] == min {
                break; // nothing above changes
            }
            self.tree[node] = min;
        }
    }

    /// Instances seen so far (ordinals 0 .. len).
    pub(super) fn len(&self) -> usize {
        self.seen
    }

    /// The ordinal of the closest match: fewest checks failed, lowest ordinal on ties.
    pub(super) fn closest(&self) -> Option<u32> {
        match self.tree.get(1) {
            Some(&root) if root != UNRANKED => Some((root >> 8) as u32),
            _ => None,
        }
    }

    pub(super) fn counts(&self) -> FailureCounts {
        self.counts
    }

    /// Until `finish_deferred`, `set` writes leaves and counts only, with room for `instances`
    /// made at once: for reading every instance when the index is built, O(n) in all.
    pub(super) fn defer_updates(&mut self, instances: usize) {
        self.deferred = true;
        if instances > self.size {
            self.resize(instances.next_power_of_two());
        }
    }

    /// Computes the inner nodes from the leaves and ends `defer_updates`.
    pub(super) fn finish_deferred(&mut self) {
        if std::mem::take(&mut self.deferred) {
            self.rebuild();
        }
    }

    /// Doubles the leaves (at least one) and rebuilds the inner nodes: O(n), amortised O(1).
    fn grow(&mut self) {
        self.resize((self.size * 2).max(1));
    }

    /// `size` leaves (a power of two, at least the current), the current ones kept.
    fn resize(&mut self, size: usize) {
        let mut tree = vec![UNRANKED; 2 * size];
        tree[size..size + self.size].copy_from_slice(&self.tree[self.size.min(self.tree.len())..]);
        self.tree = tree;
        self.size = size;
        self.rebuild();
    }

    fn rebuild(&mut self) {
        for node in (1..self.size).rev() {
            self.tree[node] = self.tree[2 * node].min(self.tree[2 * node + 1]);
        }
    }
}

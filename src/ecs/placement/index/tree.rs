//! The class trees of [`Fast`](super::fast): a B-ary segment tree over slots, stored level by
//! level, each node holding the least local key tuple among the feasible leaves below it and
//! how many leaves reach it.
//!
//! Why B-ary (B = 8) and not binary: an update walks from a leaf towards the root, and at
//! 500,000 instances a binary tree is 19 levels of nodes scattered over 16 MB, each a cache
//! miss. Eight children are 128 bytes, two cache lines read in one sweep, and the tree is
//! 7 levels deep: the walk touches a third of the lines and the descents that find the k-th
//! tie make a third of the steps. The levels are packed (each padded to a multiple of B), so
//! the tree holds about 1.14 nodes per slot instead of up to 4 for a binary tree over a power
//! of two.

use super::LOCAL_KEYS;
use std::cmp::Ordering;

/// Children per node.
pub(super) const B: usize = 8;

/// A node of a class tree. A leaf is one instance; `ties` is 1 if it can take the task, else
/// 0. An inner node holds the least `key` among the feasible leaves below it and how many
/// leaves reach it. A node with `ties` = 0 has a zero `key`, so that an unchanged node
/// compares equal and an update can stop there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Node {
    pub(super) key: [u32; LOCAL_KEYS],
    pub(super) ties: u32,
}

impl Node {
    pub(super) const EMPTY: Node = Node { key: [0; LOCAL_KEYS], ties: 0 };

    pub(super) fn leaf(key: Option<[u32; LOCAL_KEYS]>) -> Node {
        match key {
            Some(key) => Node { key, ties: 1 },
            None => Node::EMPTY,
        }
    }

    /// Leaves below this node with key `target`, given that `target` is the least key of the
    /// whole tree (so a node's least key is `target` or it has none at `target`).
    pub(super) fn ties_at(&self, target: &[u32; LOCAL_KEYS]) -> u64 {
        if self.ties > 0 && self.key == *target {
            u64::from(self.ties)
        } else {
            0
        }
    }

    /// Least key of two subtrees and how many feasible leaves reach it.
    fn summary(a: Node, b: Node) -> Node {
        match (a.ties, b.ties) {
            (0, _) => b,
            (_, 0) => a,
            _ => match a.key.cmp(&b.key) {
                Ordering::Less => a,
                Ordering::Greater => b,
                Ordering::Equal => Node { key: a.key, ties: a.ties + b.ties },
            },
        }
    }

    /// The parent after one child went from `old` to `new`, without reading the others, when
    /// that can be told: `None` when the child was all of the parent's least key and rose or
    /// left (the least may rise: the caller reads the children again).
    fn patch(parent: Node, old: Node, new: Node) -> Option<Node> {
        let mut p = parent;
        if old.ties > 0 && p.ties > 0 && old.key == p.key {
            if p.ties == old.ties {
                // Every other child is above `old.key` or has no feasible leaf, so a child that
                // stays at or goes below it is the parent's least alone. The usual case under
                // binpack: a task placed on the fullest instance leaves it fuller still.
                return (new.ties > 0 && new.key <= old.key).then_some(new);
            }
            p.ties -= old.ties;
        }
        if new.ties == 0 {
            return Some(p);
        }
        if p.ties == 0 {
            return Some(new); // no other child has a feasible leaf
        }
        Some(match new.key.cmp(&p.key) {
            Ordering::Less => new,
            Ordering::Equal => Node { key: p.key, ties: p.ties + new.ties },
            Ordering::Greater => p,
        })
    }

    fn summary_of(children: &[Node]) -> Node {
        children.iter().fold(Node::EMPTY, |acc, &n| Node::summary(acc, n))
    }
}

/// A B-ary segment tree over `slots` leaves. `nodes` holds the levels one after another,
/// leaves first; `levels[l]` is where level `l` starts, and its last entry is the root's end.
#[derive(Debug, Clone, Default)]
pub(super) struct Tree {
    nodes: Vec<Node>,
    /// Start of each level in `nodes`, leaves (level 0) first, then one past the root.
    levels: Vec<usize>,
    slots: usize,
}

impl Tree {
    /// A tree of `slots` empty leaves.
    pub(super) fn new(slots: usize) -> Tree {
        Tree::from_leaves(slots, std::iter::empty())
    }

    /// A tree of `slots` leaves, the first ones given (the rest empty), inner nodes computed:
    /// O(slots).
    pub(super) fn from_leaves(slots: usize, leaves: impl Iterator<Item = Node>) -> Tree {
        let mut levels = vec![0];
        let mut len = slots;
        let mut total = 0;
        loop {
            let padded = len.div_ceil(B) * B;
            total += padded.max(1);
            levels.push(total);
            if len <= 1 {
                break;
            }
            len = len.div_ceil(B);
        }
        let mut tree = Tree { nodes: vec![Node::EMPTY; total], levels, slots };
        for (slot, leaf) in leaves.take(slots).enumerate() {
            tree.nodes[slot] = leaf;
        }
        tree.rebuild();
        tree
    }

    /// Sets the leaf of `slot` and nothing above it: for a build that sets every leaf and then
    /// calls [`Tree::rebuild`] once, O(slots) in all instead of a walk up per leaf.
    pub(super) fn set_leaf_only(&mut self, slot: usize, leaf: Node) {
        self.nodes[slot] = leaf;
    }

    /// Computes every inner node from the leaves, level by level: O(slots).
    pub(super) fn rebuild(&mut self) {
        for l in 1..self.levels.len() - 1 {
            let (below, above) = self.nodes.split_at_mut(self.levels[l]);
            let below = &below[self.levels[l - 1]..];
            for (parent, children) in above.iter_mut().zip(below.chunks(B)) {
                *parent = Node::summary_of(children);
            }
        }
    }

    /// Leaves in the tree.
    pub(super) fn slots(&self) -> usize {
        self.slots
    }

    pub(super) fn leaf(&self, slot: usize) -> Node {
        self.nodes[slot]
    }

    /// The leaves, in slot order.
    pub(super) fn leaves(&self) -> &[Node] {
        &self.nodes[..self.slots]
    }

    pub(super) fn root(&self) -> Node {
        match self.slots {
            0 => Node::EMPTY,
            _ => self.nodes[self.levels[self.levels.len() - 2]],
        }
    }

    /// Sets the leaf of `slot` and recomputes the nodes above it, stopping at the first that
    /// does not change (a task starting, or another workload's task on a full instance, stops
    /// at the leaf).
    ///
    /// Each parent is patched from its changed child alone when it can be (`Node::patch`: the
    /// usual case, one more or one fewer tie at the least key, or a new least key), and its
    /// children read again only when the changed child was all of its least key.
    pub(super) fn set(&mut self, slot: usize, leaf: Node) {
        let mut old = self.nodes[slot];
        if old == leaf {
            return;
        }
        self.nodes[slot] = leaf;
        let mut new = leaf;
        let mut i = slot;
        for l in 1..self.levels.len() - 1 {
            let block = self.levels[l - 1] + i / B * B;
            i /= B;
            let at = self.levels[l] + i;
            let parent = self.nodes[at];
            let node = Node::patch(parent, old, new).unwrap_or_else(|| Node::summary_of(&self.nodes[block..block + B]));
            if parent == node {
                return;
            }
            self.nodes[at] = node;
            (old, new) = (parent, node);
        }
    }

    /// The children of node `i` of level `l` (l ≥ 1).
    fn children(&self, l: usize, i: usize) -> &[Node] {
        let start = self.levels[l - 1] + i * B;
        &self.nodes[start..start + B]
    }

    /// Feasible slots below `end` whose key is `target` (the tree's least key): the partial
    /// block of each level, bottom up.
    pub(super) fn ties_below(&self, end: usize, target: &[u32; LOCAL_KEYS]) -> u64 {
        let mut sum = 0;
        let mut end = end;
        for l in 0..self.levels.len() - 1 {
            if end == 0 {
                break;
            }
            let start = self.levels[l];
            let whole = end / B * B;
            sum += self.nodes[start + whole..start + end].iter().map(|n| n.ties_at(target)).sum::<u64>();
            end /= B;
        }
        sum
    }

    /// The slot of the `k`-th (0-based) feasible leaf with key `target`.
    pub(super) fn kth(&self, k: u64, target: &[u32; LOCAL_KEYS]) -> usize {
        Tree::kth_across(std::iter::once(self), k, target)
    }

    /// The slot of the `k`-th (0-based, in slot order) feasible leaf with key `target` across
    /// `trees` of one shape (equal `slots`): one descent through all of them at once, counting
    /// their ties child by child.
    pub(super) fn kth_across<'a>(trees: impl Iterator<Item = &'a Tree> + Clone, mut k: u64, target: &[u32; LOCAL_KEYS]) -> usize {
        let Some(first) = trees.clone().next() else { return 0 };
        let mut i = 0;
        for l in (1..first.levels.len() - 1).rev() {
            let mut child = 0;
            loop {
                let here: u64 = trees.clone().map(|t| t.children(l, i)[child].ties_at(target)).sum();
                if k < here || child == B - 1 {
                    break;
                }
                k -= here;
                child += 1;
            }
            i = i * B + child;
        }
        debug_assert!(k == 0 && trees.clone().any(|t| t.nodes[i].ties_at(target) > 0), "tie not found");
        i
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaf(key: u32) -> Node {
        Node { key: [key, 0, 0], ties: 1 }
    }

    /// A binary-free reference: the least key and its ties by a scan.
    fn scan(leaves: &[Node]) -> Node {
        leaves.iter().fold(Node::EMPTY, |acc, &n| Node::summary(acc, n))
    }

    #[test]
    fn root_kth_and_prefix_counts_match_a_scan_at_every_size() {
        // Sizes around the block and level boundaries: 1, 7, 8, 9, 63, 64, 65, 513.
        for slots in [1usize, 2, 7, 8, 9, 63, 64, 65, 100, 513] {
            // Keys 3, 1, 4, 1, 5, 9, 2, 6, ... mod 4 with every fifth leaf infeasible.
            let leaves: Vec<Node> = (0..slots).map(|s| if s % 5 == 4 { Node::EMPTY } else { leaf(((s * 7 + 3) % 4) as u32 + 1) }).collect();
            let mut tree = Tree::new(slots);
            for (s, &n) in leaves.iter().enumerate() {
                tree.set(s, n);
            }
            let built = Tree::from_leaves(slots, leaves.iter().copied());
            assert_eq!(tree.root(), scan(&leaves), "{slots} slots");
            assert_eq!(built.root(), tree.root());
            let target = tree.root().key;
            let ties: Vec<usize> = (0..slots).filter(|&s| leaves[s].ties_at(&target) > 0).collect();
            for (k, &slot) in ties.iter().enumerate() {
                assert_eq!(tree.kth(k as u64, &target), slot, "{slots} slots, k = {k}");
            }
            for end in 0..=slots {
                let expected = ties.iter().filter(|&&s| s < end).count() as u64;
                assert_eq!(tree.ties_below(end, &target), expected, "{slots} slots, end = {end}");
            }
        }
    }

    #[test]
    fn an_update_that_changes_nothing_above_stops_and_the_root_follows_changes() {
        // 100 leaves at key 5; one drops to key 2 (the root follows), then back.
        let mut tree = Tree::from_leaves(100, (0..100).map(|_| leaf(5)));
        assert_eq!(tree.root(), Node { key: [5, 0, 0], ties: 100 });
        tree.set(42, leaf(2));
        assert_eq!(tree.root(), Node { key: [2, 0, 0], ties: 1 });
        assert_eq!(tree.kth(0, &[2, 0, 0]), 42);
        tree.set(42, Node::EMPTY);
        assert_eq!(tree.root(), Node { key: [5, 0, 0], ties: 99 });
        assert_eq!(tree.kth(42, &[5, 0, 0]), 43, "slot 42 is no longer a tie");
    }

    #[test]
    fn patched_updates_leave_the_tree_a_fresh_build_would_have() {
        // 20,000 random updates (a fixed LCG) over 300 slots of keys 0..4 or infeasible: after
        // each, every inner node equals the one a build from the same leaves computes.
        let mut tree = Tree::new(300);
        let mut leaves = vec![Node::EMPTY; 300];
        let mut x: u64 = 12345;
        for step in 0..20_000 {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let slot = (x >> 33) as usize % 300;
            let v = (x >> 20) as u32 % 5;
            leaves[slot] = if v == 4 { Node::EMPTY } else { leaf(v) };
            tree.set(slot, leaves[slot]);
            if step % 97 == 0 || step > 19_900 {
                let fresh = Tree::from_leaves(300, leaves.iter().copied());
                assert_eq!(tree.nodes, fresh.nodes, "step {step}");
            }
        }
    }

    #[test]
    fn kth_across_trees_of_one_shape_counts_both() {
        // Tree a has ties at even slots, tree b at slots ≡ 1 (mod 3): merged order 0,1,2,4,6,...
        let a = Tree::from_leaves(20, (0..20).map(|s| if s % 2 == 0 { leaf(1) } else { Node::EMPTY }));
        let b = Tree::from_leaves(20, (0..20).map(|s| if s % 3 == 1 { leaf(1) } else { Node::EMPTY }));
        let merged: Vec<usize> = (0..20).filter(|s| s % 2 == 0 || s % 3 == 1).collect();
        for (k, &slot) in merged.iter().enumerate() {
            // A slot in both (4, 10, 16) counts twice: its second count is the same slot.
            let ties_before: u64 = (0..slot).map(|s| u64::from(s % 2 == 0) + u64::from(s % 3 == 1)).sum();
            assert_eq!(Tree::kth_across([&a, &b].into_iter(), ties_before, &[1, 0, 0]), slot, "k = {k}");
        }
    }
}

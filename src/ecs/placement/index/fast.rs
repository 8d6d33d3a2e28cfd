//! The success side of [`PlacementIndex`](super::PlacementIndex): the chain reduced to keys, the
//! instances partitioned into classes by their spread attributes' values, one dense segment
//! tree per class ([`Tree`]: 8 children a node, over the class's own instances in ordinal
//! order) holding the least local key tuple among its feasible instances, and the search that
//! finds the reference's k-th tie across the tied classes (the module documentation of `index`
//! explains why this is exact).
//!
//! Dense per-class trees instead of sparse trees over the whole ordinal range: an instance's
//! leaf is one array index away (no pointer walk down), an update that changes nothing (a task
//! starting, another workload's task on a full instance) stops at the leaf, and the nodes of
//! one class sit together in memory.

use super::tree::{Node, Tree};
use super::{LOCAL_KEYS, MAX_KEYS, NIL};

/// Classes the shared layout (slot = ordinal) allows: each class tree then has a leaf per
/// instance of the cluster, so 8 classes of 500,000 instances hold 128 MB.
pub(super) const SHARED_LAYOUT_CLASSES: usize = 8;
use crate::ecs::cluster::Cluster;
use crate::ecs::instance::{ContainerInstance, GroupId, InstanceId};
use crate::ecs::placement::rules::{BinpackField, SpreadField, Strategy, TieBreak};
use crate::engine::StreamRng;
use rand::Rng;
use std::cmp::Ordering;
use std::collections::BTreeMap;

/// A key that reads only the instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Local {
    /// binpack(cpu): remaining CPU units.
    Cpu,
    /// binpack(memory): remaining MiB.
    Memory,
    /// spread(instanceId): tasks of the group on the instance.
    Spread,
}

/// One key of the chain, in chain order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Key {
    /// Slot in `Node::key` (slots follow the chain order of the local keys).
    Local(usize),
    /// Index in `Fast::attrs`.
    Class(usize),
}

/// The task counters of one `spread(attribute:X)`.
#[derive(Debug, Clone)]
struct SpreadAttr {
    name: String,
    /// Value → id; id 0 is "absent".
    ids: BTreeMap<String, u32>,
    /// Tasks of the group (spread count) on all instances with the value, by value id.
    tasks: Vec<u64>,
}

impl SpreadAttr {
    const ABSENT: u32 = 0;

    fn new(name: &str) -> Self {
        SpreadAttr { name: name.to_string(), ids: BTreeMap::new(), tasks: vec![0] }
    }

    fn value_id(&mut self, inst: &ContainerInstance) -> u32 {
        let Some(value) = inst.attributes.get(self.name.as_str()) else {
            return Self::ABSENT;
        };
        if let Some(&id) = self.ids.get(value.as_str()) {
            return id;
        }
        let id = self.tasks.len() as u32;
        self.ids.insert(value.clone(), id);
        self.tasks.push(0);
        id
    }
}

/// Instances with the same values of every spread attribute, and their tree: a dense segment
/// tree over *slots* in ordinal order. While the index has at most `SHARED_LAYOUT_CLASSES`
/// classes, a slot is the ordinal itself: every class tree has the same layout, so one descent
/// through all tied classes finds the k-th tie. Beyond that (a spread over an attribute with
/// many values), each class has a slot per instance that was ever in it (one that leaves keeps
/// its slot, empty, for when it comes back), so memory stays O(n) whatever the classes.
#[derive(Debug, Clone)]
struct Class {
    /// Value id per `Fast::attrs` entry.
    values: Vec<u32>,
    /// The ordinal of each slot, ascending (empty in the shared layout: slot = ordinal).
    ordinals: Vec<u32>,
    /// The least local key tuple over the class's feasible slots (slots beyond those in use
    /// are empty leaves: the shared layout's other classes' ordinals, or room to grow).
    tree: Tree,
}

impl Class {
    /// A class with no instance yet, over `slots` slots (0 in the own-slots layout).
    fn new(values: Vec<u32>, slots: usize) -> Self {
        Class { values, ordinals: Vec::new(), tree: Tree::new(slots) }
    }

    fn root(&self) -> Node {
        self.tree.root()
    }

    /// Sets the leaf of `slot`; `deferred`: the nodes above it are left for `Tree::rebuild`.
    fn set_leaf(&mut self, slot: u32, leaf: Node, deferred: bool) {
        if deferred {
            self.tree.set_leaf_only(slot as usize, leaf);
        } else {
            self.tree.set(slot as usize, leaf);
        }
    }

    /// Makes room for `ordinal` in ordinal order and returns its slot, with the slots that moved
    /// up by one (an instance entering a class it was never in, below one that was: only after
    /// an attribute change, so O(class) is fine).
    fn insert(&mut self, ordinal: u32) -> (u32, std::ops::Range<usize>) {
        let at = self.ordinals.partition_point(|&o| o < ordinal);
        debug_assert!(self.ordinals.get(at) != Some(&ordinal), "{ordinal} already has a slot");
        self.ordinals.insert(at, ordinal);
        let len = self.ordinals.len();
        let grown = len > self.tree.slots();
        if at + 1 == len && !grown {
            // Appended (the usual case: instances are read in ordinal order): its leaf is
            // already empty, and an empty leaf changes nothing above it.
            return (at as u32, len..len);
        }
        // Leaves at and above `at` move up one; the new leaf starts empty. Room doubles, so
        // appends stay amortised O(1).
        let slots = if grown { len.next_power_of_two() } else { self.tree.slots() };
        let old = std::mem::take(&mut self.tree);
        let leaves = old.leaves();
        let moved = leaves[..at].iter().chain(std::iter::once(&Node::EMPTY)).chain(&leaves[at..len - 1]);
        self.tree = Tree::from_leaves(slots, moved.copied());
        (at as u32, at + 1..len)
    }

    /// The ordinal of the `k`-th (0-based) feasible slot with key `target` (own-slots layout).
    fn kth(&self, k: u64, target: &[u32; LOCAL_KEYS]) -> u32 {
        self.ordinals[self.tree.kth(k, target)]
    }
}

/// What the index last read about an instance.
#[derive(Debug, Clone, Copy)]
struct Member {
    class: u32,
    /// Its slot in `class`.
    slot: u32,
    /// Its spread count, included in the counters of its class's values.
    spread: u32,
    /// The stamp of the attributes its class was read from (`Attributes::stamp`).
    stamp: u64,
}

#[derive(Debug, Clone)]
pub(super) struct Fast {
    /// The chain reduced to distinct keys, cut at the first `random`.
    keys: Vec<Key>,
    /// Kind of each local slot.
    locals: Vec<Local>,
    /// The reference draws `gen_range(0..ties)` when more than one candidate remains: for
    /// `random` in the chain or for `TieBreak::Random`.
    draws: bool,
    attrs: Vec<SpreadAttr>,
    classes: Vec<Class>,
    class_ids: BTreeMap<Vec<u32>, u32>,
    /// `Some(leaves)`: the shared layout (slot = ordinal, every class tree over this many
    /// leaves); `None`: each class over its own slots (see `Class`).
    shared: Option<usize>,
    /// By ordinal.
    members: Vec<Member>,
    // Scratch buffers, reused so that `place` and updates do not allocate.
    values: Vec<u32>,
    tied: Vec<u32>,
    /// Leaves are set without their inner nodes until `finish_deferred` (the first read of
    /// every instance, when the index is built).
    deferred: bool,
}

impl Fast {
    /// `None` when the chain has more distinct keys than the fast path handles.
    pub(super) fn for_chain(strategies: &[Strategy], tie_break: TieBreak, instances: usize) -> Option<Fast> {
        let mut keys = Vec::new();
        let mut locals = Vec::new();
        let mut attrs: Vec<SpreadAttr> = Vec::new();
        let mut draws = tie_break == TieBreak::Random;
        fn local(kind: Local, locals: &mut Vec<Local>) -> Key {
            Key::Local(locals.iter().position(|&l| l == kind).unwrap_or_else(|| {
                locals.push(kind);
                locals.len() - 1
            }))
        }
        for s in strategies {
            let key = match s {
                Strategy::Random => {
                    draws = true;
                    break;
                }
                Strategy::Binpack(BinpackField::Cpu) => local(Local::Cpu, &mut locals),
                Strategy::Binpack(BinpackField::Memory) => local(Local::Memory, &mut locals),
                Strategy::Spread(SpreadField::InstanceId) => local(Local::Spread, &mut locals),
                Strategy::Spread(SpreadField::Attribute(name)) => {
                    Key::Class(attrs.iter().position(|a| a.name == *name).unwrap_or_else(|| {
                        attrs.push(SpreadAttr::new(name));
                        attrs.len() - 1
                    }))
                }
            };
            if !keys.contains(&key) {
                keys.push(key);
            }
        }
        if keys.len() > MAX_KEYS {
            return None;
        }
        Some(Fast {
            keys,
            locals,
            draws,
            attrs,
            classes: Vec::new(),
            class_ids: BTreeMap::new(),
            shared: Some(instances.next_power_of_two().max(1)),
            members: Vec::with_capacity(instances),
            values: Vec::new(),
            tied: Vec::new(),
            deferred: false,
        })
    }

    /// Until `finish_deferred`, updates set leaves only: for reading every instance once when
    /// the index is built, O(n) for the trees instead of a walk to the root per instance.
    pub(super) fn defer_updates(&mut self) {
        self.deferred = true;
    }

    /// Computes the inner nodes of every class tree from its leaves and ends `defer_updates`.
    pub(super) fn finish_deferred(&mut self) {
        if std::mem::take(&mut self.deferred) {
            for class in &mut self.classes {
                class.tree.rebuild();
            }
        }
    }

    /// Instances seen so far (ordinals 0 .. len).
    pub(super) fn len(&self) -> usize {
        self.members.len()
    }

    /// Reads instance `id`, the next unseen ordinal; `passes`: it can take the task.
    pub(super) fn add(&mut self, cluster: &Cluster, group: GroupId, id: InstanceId, passes: bool) {
        debug_assert_eq!(id.index(), self.members.len(), "instances are added in ordinal order");
        self.members.push(Member { class: NIL, slot: NIL, spread: 0, stamp: 0 });
        self.refresh(cluster, group, id, passes);
    }

    /// Re-reads instance `id`: its class, its spread count in the counters, its leaf
    /// (`passes`: it can take the task, as `filter::passes` says).
    pub(super) fn refresh(&mut self, cluster: &Cluster, group: GroupId, id: InstanceId, passes: bool) {
        let inst = cluster.instance(id);
        let old = self.members[id.index()];
        let stamp = inst.attributes.stamp();
        // The class follows from the attributes alone: unchanged stamp, unchanged class.
        let class = if old.class != NIL && old.stamp == stamp {
            old.class
        } else {
            self.values.clear();
            for attr in &mut self.attrs {
                self.values.push(attr.value_id(inst));
            }
            if old.class != NIL && self.classes[old.class as usize].values == self.values {
                old.class
            } else {
                self.class_of_values()
            }
        };
        // Read again: a new class may have changed the layout, and with it the slots.
        let old = self.members[id.index()];
        let spread = if self.attrs.is_empty() { 0 } else { inst.spread_count(group) };
        if old.class != class || old.spread != spread {
            if old.class != NIL {
                for (attr, &v) in self.attrs.iter_mut().zip(&self.classes[old.class as usize].values) {
                    attr.tasks[v as usize] -= old.spread as u64;
                }
            }
            for (attr, &v) in self.attrs.iter_mut().zip(&self.classes[class as usize].values) {
                attr.tasks[v as usize] += spread as u64;
            }
        }
        let slot = if old.class == class {
            old.slot
        } else {
            if old.class != NIL {
                self.classes[old.class as usize].set_leaf(old.slot, Node::EMPTY, self.deferred);
            }
            self.slot_in(class, id.0)
        };
        let leaf = Node::leaf(passes.then(|| self.local_key(inst, group)));
        self.classes[class as usize].set_leaf(slot, leaf, self.deferred);
        self.members[id.index()] = Member { class, slot, spread, stamp };
    }

    /// The slot of `ordinal` in `class`, made on its first time there.
    fn slot_in(&mut self, class: u32, ordinal: u32) -> u32 {
        if let Some(leaves) = self.shared {
            if ordinal as usize >= leaves {
                // More instances than leaves: every class tree doubles (amortised O(1)).
                let cap = (ordinal as usize + 1).next_power_of_two();
                for c in &mut self.classes {
                    c.tree = Tree::from_leaves(cap, c.tree.leaves().iter().copied());
                }
                self.shared = Some(cap);
            }
            return ordinal;
        }
        let c = &mut self.classes[class as usize];
        if let Ok(slot) = c.ordinals.binary_search(&ordinal) {
            return slot as u32;
        }
        let (slot, moved) = c.insert(ordinal);
        // Members of the class above the new slot moved up one.
        for s in moved {
            let m = &mut self.members[c.ordinals[s] as usize];
            if m.class == class {
                m.slot = s as u32;
            }
        }
        slot
    }

    /// The class of the values in `self.values`, created on first use.
    fn class_of_values(&mut self) -> u32 {
        if let Some(&class) = self.class_ids.get(self.values.as_slice()) {
            return class;
        }
        if self.shared.is_some() && self.classes.len() == SHARED_LAYOUT_CLASSES {
            self.own_slots();
        }
        let class = self.classes.len() as u32;
        self.classes.push(Class::new(self.values.clone(), self.shared.unwrap_or(0)));
        self.class_ids.insert(self.values.clone(), class);
        class
    }

    /// Leaves the shared layout: each class keeps a slot per instance now in it, in ordinal
    /// order, with the leaf it had. Once, O(n).
    fn own_slots(&mut self) {
        if self.shared.take().is_none() {
            return;
        }
        let mut members_of: Vec<Vec<u32>> = vec![Vec::new(); self.classes.len()];
        for (ordinal, m) in self.members.iter_mut().enumerate() {
            if m.class != NIL {
                let list = &mut members_of[m.class as usize];
                m.slot = list.len() as u32;
                list.push(ordinal as u32);
            }
        }
        for (class, ordinals) in self.classes.iter_mut().zip(members_of) {
            let cap = ordinals.len().next_power_of_two().max(1);
            class.tree = Tree::from_leaves(cap, ordinals.iter().map(|&o| class.tree.leaf(o as usize)));
            class.ordinals = ordinals;
        }
    }

    fn local_key(&self, inst: &ContainerInstance, group: GroupId) -> [u32; LOCAL_KEYS] {
        let mut key = [0; LOCAL_KEYS];
        for (slot, kind) in self.locals.iter().enumerate() {
            key[slot] = match kind {
                Local::Cpu => inst.remaining_cpu_units,
                Local::Memory => inst.remaining_memory_mib,
                Local::Spread => inst.spread_count(group),
            };
        }
        key
    }

    pub(super) fn place(&mut self, rng: &mut StreamRng) -> Option<InstanceId> {
        debug_assert!(!self.deferred, "placing with deferred updates");
        // The least full tuple over the classes, and the classes that reach it.
        self.tied.clear();
        let mut best = [0u64; MAX_KEYS];
        let mut ties: u64 = 0;
        for (c, class) in self.classes.iter().enumerate() {
            let root = class.root();
            if root.ties == 0 {
                continue;
            }
            let mut full = [0u64; MAX_KEYS];
            for (slot, key) in full.iter_mut().zip(&self.keys) {
                *slot = match *key {
                    Key::Local(l) => root.key[l] as u64,
                    Key::Class(a) => self.attrs[a].tasks[class.values[a] as usize],
                };
            }
            let order = if self.tied.is_empty() { Ordering::Less } else { full.cmp(&best) };
            match order {
                Ordering::Less => {
                    best = full;
                    self.tied.clear();
                    self.tied.push(c as u32);
                    ties = root.ties as u64;
                }
                Ordering::Equal => {
                    self.tied.push(c as u32);
                    ties += root.ties as u64;
                }
                Ordering::Greater => {}
            }
        }
        if ties == 0 {
            return None;
        }
        // The reference's draw: position among the ties in ordinal order.
        let k = if self.draws && ties > 1 { rng.gen_range(0..ties as usize) as u64 } else { 0 };
        Some(InstanceId(self.select(k)))
    }

    /// The ordinal of the `k`-th (0-based, in ordinal order) tie across the tied classes.
    /// Tied classes have equal full tuples, hence equal local keys at their roots: the ties
    /// are the leaves at that key.
    fn select(&self, k: u64) -> u32 {
        let target = self.classes[self.tied[0] as usize].root().key;
        let tied = || self.tied.iter().map(|&c| &self.classes[c as usize]);
        if let Some(leaves) = self.shared {
            // One layout: descend all tied trees together, counting their ties on the left.
            debug_assert!(tied().all(|c| c.tree.slots() == leaves), "one shape");
            return Tree::kth_across(tied().map(|c| &c.tree), k, &target) as u32;
        }
        if self.tied.len() == 1 {
            return self.classes[self.tied[0] as usize].kth(k, &target);
        }
        if k == 0 {
            // The first tie of each class; the lowest ordinal of those.
            return tied().map(|c| c.kth(0, &target)).min().unwrap_or(0);
        }
        // The least ordinal `x` with more than `k` ties at or below it, by bisection over the
        // ordinals: O(log n × tied classes × log n), only for draws across many classes.
        let (mut lo, mut hi) = (0u32, self.members.len() as u32 - 1);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let at_or_below: u64 = tied().map(|c| c.tree.ties_below(c.ordinals.partition_point(|&o| o <= mid), &target)).sum();
            if at_or_below > k {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        lo
    }
}

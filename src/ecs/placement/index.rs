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
//! that position. The class trees are sparse trees over the whole ordinal range, so descending
//! the trees of all tied classes side by side finds the k-th tie in ordinal order. The index
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
//! [`PlacementIndex::instance_added`] for instances registered after `new`. Each call is
//! O(spread attributes + log n) and re-runs the filter on that one instance.
//!
//! Cost of `place`: O(classes × keys) to find the least tuple plus O(tied classes × log n) to
//! find the tie, without allocation. With the usual zone spread that is 3 classes; a spread over
//! an attribute with a value per instance makes the class scan O(n) — still exact.
//! Chains with more distinct keys than ECS accepts strategies (5, so only chains built in code)
//! are not indexed: `place` then calls the reference (`is_exact_fast_path` is false).

use super::filter;
use super::rules::{BinpackField, Constraint, SpreadField, Strategy, TieBreak, MAX_STRATEGIES};
use super::PlacementRequest;
use crate::ecs::cluster::Cluster;
use crate::ecs::instance::{ContainerInstance, GroupId, InstanceId};
use crate::ecs::task_def::{RequiredAttribute, Reservation};
use crate::engine::StreamRng;
use rand::Rng;
use std::cmp::Ordering;
use std::collections::BTreeMap;

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
}

impl PlacementIndex {
    /// Builds the index over every instance of `cluster`, in O(n log n).
    pub fn new(cluster: &Cluster, req: &PlacementRequest) -> PlacementIndex {
        let req = OwnedRequest::from(req);
        let fast = Fast::for_chain(&req.strategies, req.tie_break, cluster.instances.len()).map(|mut fast| {
            let borrowed = req.borrow();
            for inst in &cluster.instances {
                fast.add(cluster, &borrowed, inst.id);
            }
            fast
        });
        PlacementIndex { req, fast }
    }

    /// The request this index answers (e.g. to ask the reference `place` to explain a failure).
    pub fn request(&self) -> PlacementRequest<'_> {
        self.req.borrow()
    }

    /// False when the chain is not indexed and `place` runs the reference.
    pub fn is_exact_fast_path(&self) -> bool {
        self.fast.is_some()
    }

    /// Places one task: the instance the reference `place` would choose, with the same draws
    /// from `rng`. `None` when no instance passes the filters and constraints (call the
    /// reference with `explain` for the reason). The caller binds the task and then calls
    /// `instance_changed`.
    pub fn place(&mut self, cluster: &Cluster, rng: &mut StreamRng) -> Option<InstanceId> {
        let req = self.req.borrow();
        let Some(fast) = self.fast.as_mut() else {
            return super::place(cluster, &req, rng, false).instance();
        };
        debug_assert_eq!(fast.members.len(), cluster.instances.len(), "an instance was registered without instance_added");
        let chosen = fast.place(rng)?;
        debug_assert!(
            filter::passes(cluster, cluster.instance(chosen), &req),
            "placement index is stale: {chosen:?} cannot take the task (instance_changed missed?)"
        );
        Some(chosen)
    }

    /// Instance `id` changed (a task bound, released or started, status, agent, attributes):
    /// re-read it. An id the index has not seen yet is added, as by `instance_added`.
    pub fn instance_changed(&mut self, cluster: &Cluster, id: InstanceId) {
        let req = self.req.borrow();
        if let Some(fast) = self.fast.as_mut() {
            if id.index() < fast.members.len() {
                fast.refresh(cluster, &req, id);
            } else {
                fast.add_up_to(cluster, &req, id);
            }
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

/// A node of a class tree. A leaf is one instance; `ties` is 1 if it can take the task, else
/// 0. An inner node holds the least `key` among the feasible leaves below it and how many
/// leaves reach it (`ties` = 0: none feasible, `key` meaningless).
#[derive(Debug, Clone, Copy)]
struct Node {
    key: [u32; LOCAL_KEYS],
    ties: u32,
    child: [u32; 2],
}

impl Node {
    const EMPTY: Node = Node { key: [0; LOCAL_KEYS], ties: 0, child: [NIL, NIL] };

    fn leaf(key: Option<[u32; LOCAL_KEYS]>) -> Node {
        match key {
            Some(key) => Node { key, ties: 1, ..Node::EMPTY },
            None => Node::EMPTY,
        }
    }

    fn has_ties_at(&self, key: &[u32; LOCAL_KEYS]) -> bool {
        self.ties > 0 && self.key == *key
    }
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

/// Instances with the same values of every spread attribute.
#[derive(Debug, Clone)]
struct Class {
    /// Value id per `Fast::attrs` entry.
    values: Vec<u32>,
    /// Root of the class tree (depth `Fast::depth`, leaf = ordinal), `NIL` when never used.
    root: u32,
}

/// What the index last read about an instance.
#[derive(Debug, Clone, Copy)]
struct Member {
    class: u32,
    /// Its spread count, included in the counters of its class's values.
    spread: u32,
}

#[derive(Debug, Clone)]
struct Fast {
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
    /// Arena of all class trees.
    nodes: Vec<Node>,
    /// Trees cover ordinals 0 .. 2^depth.
    depth: u32,
    /// By ordinal.
    members: Vec<Member>,
    // Scratch buffers, reused so that `place` and updates do not allocate.
    values: Vec<u32>,
    tied: Vec<u32>,
    cursor: Vec<u32>,
}

impl Fast {
    /// `None` when the chain has more distinct keys than the fast path handles.
    fn for_chain(strategies: &[Strategy], tie_break: TieBreak, instances: usize) -> Option<Fast> {
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
            nodes: Vec::new(),
            depth: instances.next_power_of_two().trailing_zeros(),
            members: Vec::with_capacity(instances),
            values: Vec::new(),
            tied: Vec::new(),
            cursor: Vec::new(),
        })
    }

    /// Adds the instances from the next unseen ordinal up to `id`.
    fn add_up_to(&mut self, cluster: &Cluster, req: &PlacementRequest, id: InstanceId) {
        for ordinal in self.members.len()..=id.index() {
            self.add(cluster, req, InstanceId(ordinal as u32));
        }
    }

    fn add(&mut self, cluster: &Cluster, req: &PlacementRequest, id: InstanceId) {
        debug_assert_eq!(id.index(), self.members.len(), "instances are added in ordinal order");
        while (1u64 << self.depth) <= id.0 as u64 {
            self.grow();
        }
        self.members.push(Member { class: NIL, spread: 0 });
        self.refresh(cluster, req, id);
    }

    /// Doubles the ordinal range: every root becomes the left child of a new root.
    fn grow(&mut self) {
        self.depth += 1;
        for class in &mut self.classes {
            if class.root != NIL {
                let old = self.nodes[class.root as usize];
                self.nodes.push(Node { child: [class.root, NIL], ..old });
                class.root = (self.nodes.len() - 1) as u32;
            }
        }
    }

    /// Re-reads instance `id`: its class, its spread count in the counters, its leaf.
    fn refresh(&mut self, cluster: &Cluster, req: &PlacementRequest, id: InstanceId) {
        let inst = cluster.instance(id);
        self.values.clear();
        for attr in &mut self.attrs {
            self.values.push(attr.value_id(inst));
        }
        let old = self.members[id.index()];
        let class =
            if old.class != NIL && self.classes[old.class as usize].values == self.values { old.class } else { self.class_of_values() };
        let spread = inst.spread_count(req.group);
        if old.class != NIL {
            for (attr, &v) in self.attrs.iter_mut().zip(&self.classes[old.class as usize].values) {
                attr.tasks[v as usize] -= old.spread as u64;
            }
        }
        for (attr, &v) in self.attrs.iter_mut().zip(&self.classes[class as usize].values) {
            attr.tasks[v as usize] += spread as u64;
        }
        if old.class != NIL && old.class != class {
            self.set_leaf(old.class, id.0, None);
        }
        let key = filter::passes(cluster, inst, req).then(|| self.local_key(inst, req.group));
        self.set_leaf(class, id.0, key);
        self.members[id.index()] = Member { class, spread };
    }

    /// The class of the values in `self.values`, created on first use.
    fn class_of_values(&mut self) -> u32 {
        if let Some(&class) = self.class_ids.get(self.values.as_slice()) {
            return class;
        }
        let class = self.classes.len() as u32;
        self.classes.push(Class { values: self.values.clone(), root: NIL });
        self.class_ids.insert(self.values.clone(), class);
        class
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

    /// Sets the leaf of `ordinal` in the tree of `class` (`None`: cannot take the task) and
    /// recomputes the nodes above it.
    fn set_leaf(&mut self, class: u32, ordinal: u32, key: Option<[u32; LOCAL_KEYS]>) {
        let depth = self.depth as usize;
        let mut path = [NIL; 64];
        let mut node = self.classes[class as usize].root;
        if node == NIL {
            if key.is_none() {
                return; // an absent leaf is already empty
            }
            node = self.new_node();
            self.classes[class as usize].root = node;
        }
        for (level, step) in path.iter_mut().enumerate().take(depth) {
            *step = node;
            let bit = ((ordinal >> (depth - 1 - level)) & 1) as usize;
            let mut next = self.nodes[node as usize].child[bit];
            if next == NIL {
                if key.is_none() {
                    return;
                }
                next = self.new_node();
                self.nodes[node as usize].child[bit] = next;
            }
            node = next;
        }
        self.nodes[node as usize] = Node::leaf(key);
        for &inner in path[..depth].iter().rev() {
            let [l, r] = self.nodes[inner as usize].child;
            let (key, ties) = self.summary(l, r);
            let n = &mut self.nodes[inner as usize];
            n.key = key;
            n.ties = ties;
        }
    }

    fn new_node(&mut self) -> u32 {
        self.nodes.push(Node::EMPTY);
        (self.nodes.len() - 1) as u32
    }

    /// Least key of two subtrees and how many feasible leaves reach it.
    fn summary(&self, a: u32, b: u32) -> ([u32; LOCAL_KEYS], u32) {
        let get = |n: u32| {
            if n == NIL {
                Node::EMPTY
            } else {
                self.nodes[n as usize]
            }
        };
        let (a, b) = (get(a), get(b));
        match (a.ties, b.ties) {
            (0, _) => (b.key, b.ties),
            (_, 0) => (a.key, a.ties),
            _ => match a.key.cmp(&b.key) {
                Ordering::Less => (a.key, a.ties),
                Ordering::Greater => (b.key, b.ties),
                Ordering::Equal => (a.key, a.ties + b.ties),
            },
        }
    }

    fn place(&mut self, rng: &mut StreamRng) -> Option<InstanceId> {
        // The least full tuple over the classes, and the classes that reach it.
        self.tied.clear();
        let mut best = [0u64; MAX_KEYS];
        let mut ties: u64 = 0;
        for (c, class) in self.classes.iter().enumerate() {
            if class.root == NIL || self.nodes[class.root as usize].ties == 0 {
                continue;
            }
            let root = &self.nodes[class.root as usize];
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

    /// The ordinal of the `k`-th (0-based, in ordinal order) tie across the tied classes: their
    /// trees share the ordinal layout, so one descent counts every class's ties in the left
    /// half and goes left or right for all of them.
    fn select(&mut self, mut k: u64) -> u32 {
        let Fast { classes, nodes, tied, cursor, depth, .. } = self;
        cursor.clear();
        cursor.extend(tied.iter().map(|&c| classes[c as usize].root));
        // Tied classes have equal full tuples, hence equal local keys at their roots.
        let target = nodes[cursor[0] as usize].key;
        let mut ordinal = 0u32;
        for _ in 0..*depth {
            let mut left = 0u64;
            for &n in cursor.iter().filter(|&&n| n != NIL) {
                let l = nodes[n as usize].child[0];
                if l != NIL && nodes[l as usize].has_ties_at(&target) {
                    left += nodes[l as usize].ties as u64;
                }
            }
            let bit = if k < left {
                0
            } else {
                k -= left;
                1
            };
            for n in cursor.iter_mut().filter(|n| **n != NIL) {
                let c = nodes[*n as usize].child[bit];
                *n = if c != NIL && nodes[c as usize].has_ties_at(&target) { c } else { NIL };
            }
            ordinal = (ordinal << 1) | bit as u32;
        }
        debug_assert!(k == 0 && cursor.iter().any(|&n| n != NIL), "tie {k} not found");
        ordinal
    }
}

#[cfg(test)]
mod tests;

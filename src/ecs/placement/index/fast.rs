//! The success side of [`PlacementIndex`](super::PlacementIndex): the chain reduced to keys, the
//! instances partitioned into classes by their spread attributes' values, one sparse segment
//! tree per class holding the least local key tuple among its feasible instances, and the
//! descent that finds the reference's k-th tie (the module documentation of `index` explains
//! why this is exact).

use super::{LOCAL_KEYS, MAX_KEYS, NIL};
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
            nodes: Vec::new(),
            depth: instances.next_power_of_two().trailing_zeros(),
            members: Vec::with_capacity(instances),
            values: Vec::new(),
            tied: Vec::new(),
            cursor: Vec::new(),
        })
    }

    /// Instances seen so far (ordinals 0 .. len).
    pub(super) fn len(&self) -> usize {
        self.members.len()
    }

    /// Reads instance `id`, the next unseen ordinal; `passes`: it can take the task.
    pub(super) fn add(&mut self, cluster: &Cluster, group: GroupId, id: InstanceId, passes: bool) {
        debug_assert_eq!(id.index(), self.members.len(), "instances are added in ordinal order");
        while (1u64 << self.depth) <= id.0 as u64 {
            self.grow();
        }
        self.members.push(Member { class: NIL, spread: 0 });
        self.refresh(cluster, group, id, passes);
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

    /// Re-reads instance `id`: its class, its spread count in the counters, its leaf
    /// (`passes`: it can take the task, as `filter::passes` says).
    pub(super) fn refresh(&mut self, cluster: &Cluster, group: GroupId, id: InstanceId, passes: bool) {
        let inst = cluster.instance(id);
        self.values.clear();
        for attr in &mut self.attrs {
            self.values.push(attr.value_id(inst));
        }
        let old = self.members[id.index()];
        let class =
            if old.class != NIL && self.classes[old.class as usize].values == self.values { old.class } else { self.class_of_values() };
        let spread = inst.spread_count(group);
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
        let key = passes.then(|| self.local_key(inst, group));
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
            if n.key == key && n.ties == ties {
                // Unchanged here, so unchanged above: most updates (a task starting, another
                // workload's task on a full instance) stop at the first level.
                break;
            }
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

    pub(super) fn place(&mut self, rng: &mut StreamRng) -> Option<InstanceId> {
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

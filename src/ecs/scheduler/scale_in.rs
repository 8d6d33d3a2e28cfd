//! Which tasks a scale-in stops (docs/ecs-model.md#scale-in).
//!
//! Tasks are chosen one at a time, recounting after each choice (a chosen task no longer counts,
//! as it is about to stop). Protected tasks are never chosen. Among the rest, tasks that give
//! least are preferred: not yet RUNNING, then RUNNING but unhealthy, then RUNNING and not yet
//! healthy, then healthy. Inside that class the service's placement strategies are applied
//! *inverted*, so that the tasks left behind keep the best spread or packing; remaining ties are
//! broken at random (stream `scalein`) or by lowest task id (`TieBreak::First`).
//!
//! # In O((tasks + k) log tasks)
//!
//! Applying the inverted strategies one after the other keeps the tasks whose score tuple is
//! lexicographically greatest, as placement's chain keeps the least (see
//! `ecs::placement::index`). A score reads either the task's instance alone — tasks of the
//! service on it (`spread(instanceId)`), what it would have free (`binpack`): a *local* key — or
//! the tasks of the service on every instance sharing its value of an attribute
//! (`spread(attribute:X)`): a *class* key. `random` ends the chain (it leaves one task). So the
//! candidates are grouped by (preference class, values of the chain's spread attributes); each
//! group keeps its tasks in task-id order in a segment tree holding, per node, the greatest
//! local key tuple below it and how many tasks reach it. A pick compares the groups' best full
//! tuples (class keys from per-value counters), counts the ties, makes the one draw the
//! step-by-step algorithm makes (`gen_range(0..ties)`, when there is more than one tie and a
//! `random` strategy or random tie-break), and finds that tie in task-id order by a binary
//! search over the tied groups' trees. Choosing a task changes the local keys of its instance's
//! tasks only (O(tasks on it × log)), and one counter per spread attribute. The step-by-step
//! algorithm is kept as the test oracle (`tests.rs`); a property test checks that both choose
//! the same tasks with the same draws.

use super::TaskView;
use crate::ecs::cluster::Cluster;
use crate::ecs::placement::strategy::binpack_key;
use crate::ecs::placement::{BinpackField, SpreadField, Strategy, TieBreak};
use crate::ecs::task::LastStatus;
use crate::engine::StreamRng;
use rand::Rng;
use std::collections::BTreeMap;

/// The service settings a scale-in needs.
#[derive(Debug, Clone, Copy)]
pub struct ScaleInRequest<'a> {
    /// The service's `placementStrategy`; empty means the REPLICA default (AZ, then instance).
    pub strategies: &'a [Strategy],
    pub tie_break: TieBreak,
    /// What one task reserves, for inverted binpack: an instance will have its remaining amount
    /// plus this much once the task is gone.
    pub task_cpu_units: u32,
    pub task_memory_mib: u32,
}

/// Chooses up to `k` tasks to stop among `candidates` (task ids), in the order chosen.
///
/// `tasks` is every task of the service (all deployments); the spread counts come from it — the
/// service's tasks with `desiredStatus = RUNNING` that are not STOPPED — rather than from the
/// cluster's group counts, so that tasks already chosen by this call stop counting. Candidates
/// that are unknown, protected, already being stopped or STOPPED are skipped. When that leaves
/// fewer than `k`, fewer are returned: the caller emits the docs/ecs-model.md#scale-in "protected tasks" event.
pub fn select(cluster: &Cluster, tasks: &[TaskView], candidates: &[u32], k: u32, req: &ScaleInRequest, rng: &mut StreamRng) -> Vec<u32> {
    let pool = pool(tasks, candidates);
    if pool.is_empty() || k == 0 {
        return Vec::new();
    }
    let default_strategies;
    let strategies = if req.strategies.is_empty() {
        // docs/ecs-model.md#scale-in: "prefer instances in the AZ with the most service tasks, then instances with the
        // most service tasks" — the inverse of the REPLICA placement default.
        default_strategies = Strategy::service_default();
        &default_strategies[..]
    } else {
        req.strategies
    };
    let chain = Chain::of(strategies, req);
    let mut selection = Selection::new(cluster, tasks, &pool, &chain);
    let mut chosen = Vec::with_capacity((k as usize).min(pool.len()));
    while chosen.len() < k as usize {
        let Some(pick) = selection.pick(rng) else { break };
        selection.remove(pick);
        chosen.push(pool[pick].id);
    }
    chosen
}

/// The candidates that may be chosen, in task-id order (random draws index into this order and
/// `First` takes its head, so the answer does not depend on the order the caller listed them
/// in). A task id listed twice in `tasks` is its last entry, as a map built from the list.
fn pool<'t>(tasks: &'t [TaskView], candidates: &[u32]) -> Vec<&'t TaskView> {
    let mut by_id: Vec<&TaskView> = tasks.iter().collect();
    by_id.sort_by_key(|t| t.id); // stable: of equal ids, the last listed is last
    let mut unique: Vec<&TaskView> = Vec::with_capacity(by_id.len());
    for t in by_id {
        match unique.last_mut() {
            Some(last) if last.id == t.id => *last = t,
            _ => unique.push(t),
        }
    }
    let mut ids = candidates.to_vec();
    ids.sort_unstable();
    ids.dedup();
    ids.iter()
        .filter_map(|id| unique.binary_search_by_key(id, |t| t.id).ok().map(|i| unique[i]))
        .filter(|t| counts_for_spread(t) && !t.protected)
        .collect()
}

/// A task spread counts and a scale-in may choose: meant to run and not STOPPED (docs/ecs-model.md#placement-algorithm).
fn counts_for_spread(t: &TaskView) -> bool {
    t.desired_running && t.last_status != LastStatus::Stopped
}

/// Lower is stopped first (docs/ecs-model.md#scale-in step 2, ecsim's choice). docs/ecs-model.md names three classes; RUNNING tasks
/// that are neither healthy nor unhealthy yet (warming up, target still `initial`) sit between
/// the unhealthy and the healthy ones, since they serve nothing yet but may soon.
fn preference(t: &TaskView) -> u8 {
    match t.last_status {
        LastStatus::Running if t.unhealthy => 1,
        LastStatus::Running if t.healthy => 3,
        LastStatus::Running => 2,
        // PROVISIONING, PENDING, ACTIVATING — and, defensively, a task past RUNNING that is
        // still meant to run (it serves nothing either).
        _ => 0,
    }
}

/// Preference classes (`preference`'s values).
const CLASSES: usize = 4;
/// Distinct local keys: spread(instanceId), binpack(cpu), binpack(memory).
const LOCAL_KEYS: usize = 3;

/// A key that reads only the task's instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Local {
    /// Service tasks on the instance, minus those chosen.
    Spread,
    /// What the instance would have free once this task and those chosen on it are gone.
    Binpack(BinpackField),
}

/// One key of the chain, in chain order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Key {
    /// Slot in `Node::key`.
    Local(usize),
    /// Index in `Chain::attributes`.
    Class(usize),
}

/// The inverted strategies as keys: those before the first `random`, each once.
struct Chain<'s> {
    keys: Vec<Key>,
    locals: Vec<Local>,
    attributes: Vec<&'s str>,
    /// More than one tie costs a draw: a `random` strategy, or a random tie-break.
    draws: bool,
    task_cpu_units: u64,
    task_memory_mib: u64,
}

impl<'s> Chain<'s> {
    fn of(strategies: &'s [Strategy], req: &ScaleInRequest) -> Self {
        let mut chain = Chain {
            keys: Vec::new(),
            locals: Vec::new(),
            attributes: Vec::new(),
            draws: req.tie_break == TieBreak::Random,
            task_cpu_units: req.task_cpu_units as u64,
            task_memory_mib: req.task_memory_mib as u64,
        };
        for s in strategies {
            // A key already in the chain keeps every tie: it separates nothing.
            let key = match s {
                Strategy::Random => {
                    chain.draws = true;
                    break;
                }
                Strategy::Spread(SpreadField::Attribute(name)) => match chain.attributes.iter().position(|a| a == name) {
                    Some(_) => continue,
                    None => {
                        chain.attributes.push(name);
                        Key::Class(chain.attributes.len() - 1)
                    }
                },
                Strategy::Spread(SpreadField::InstanceId) => chain.local(Local::Spread),
                Strategy::Binpack(field) => chain.local(Local::Binpack(*field)),
            };
            if !chain.keys.contains(&key) {
                chain.keys.push(key);
            }
        }
        chain
    }

    fn local(&mut self, local: Local) -> Key {
        let slot = self.locals.iter().position(|l| *l == local).unwrap_or_else(|| {
            self.locals.push(local);
            self.locals.len() - 1
        });
        Key::Local(slot)
    }
}

/// A node of a group's tree: the greatest local key tuple among the tasks below it still in
/// the pool, and how many reach it (`count` = 0: none left, `key` meaningless).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Node {
    key: [u64; LOCAL_KEYS],
    count: u32,
}

impl Node {
    const EMPTY: Node = Node { key: [0; LOCAL_KEYS], count: 0 };

    fn join(a: Node, b: Node) -> Node {
        if a.count == 0 {
            return b;
        }
        if b.count == 0 {
            return a;
        }
        match a.key.cmp(&b.key) {
            std::cmp::Ordering::Greater => a,
            std::cmp::Ordering::Less => b,
            std::cmp::Ordering::Equal => Node { key: a.key, count: a.count + b.count },
        }
    }
}

/// Candidates of one preference class sharing their values of the chain's spread attributes.
struct Group {
    /// Index into `Selection::classes`: the attribute value ids.
    class: usize,
    /// Pool indices, ascending (so in task-id order).
    members: Vec<usize>,
    /// Segment tree over `members`: leaves at `leaves + position`.
    tree: Vec<Node>,
    leaves: usize,
}

impl Group {
    fn set(&mut self, position: usize, node: Node) {
        let mut at = self.leaves + position;
        self.tree[at] = node;
        while at > 1 {
            at /= 2;
            self.tree[at] = Node::join(self.tree[2 * at], self.tree[2 * at + 1]);
        }
    }

    fn best(&self) -> Node {
        self.tree[1]
    }

    /// Tasks with local key `best` (the group's best) among its first `end` members.
    fn ties_before(&self, end: usize, best: &[u64; LOCAL_KEYS]) -> usize {
        let reaches = |n: &Node| if n.count > 0 && n.key == *best { n.count as usize } else { 0 };
        let (mut lo, mut hi, mut ties) = (self.leaves, self.leaves + end, 0);
        while lo < hi {
            if lo & 1 == 1 {
                ties += reaches(&self.tree[lo]);
                lo += 1;
            }
            if hi & 1 == 1 {
                hi -= 1;
                ties += reaches(&self.tree[hi]);
            }
            lo /= 2;
            hi /= 2;
        }
        ties
    }
}

/// The state of one `select` call.
struct Selection<'a> {
    cluster: &'a Cluster,
    chain: &'a Chain<'a>,
    pool: &'a [&'a TaskView],
    /// Service tasks (counted as by spread) per instance index, minus those chosen.
    service_tasks: Vec<u64>,
    /// Tasks chosen so far per instance index: their reservations come back too.
    chosen_on: Vec<u64>,
    /// Per spread attribute: each instance's value id, and service tasks per value id.
    value_of: Vec<Vec<u32>>,
    per_value: Vec<Vec<u64>>,
    /// Attribute value ids of each class.
    classes: Vec<Vec<u32>>,
    groups: Vec<Group>,
    /// Groups of each preference class, and how many of its candidates are left.
    by_preference: [Vec<usize>; CLASSES],
    left: [usize; CLASSES],
    /// Each pool index's (group, position).
    slot: Vec<(usize, usize)>,
    /// Pool indices by instance (sorted by instance, then pool index); `gone` once chosen.
    on_instance: Vec<usize>,
    gone: Vec<bool>,
    /// Scratch: the tied groups of a pick, a full key tuple and the best one.
    tied: Vec<usize>,
    full: Vec<u64>,
    best: Vec<u64>,
}

impl<'a> Selection<'a> {
    fn new(cluster: &'a Cluster, tasks: &[TaskView], pool: &'a [&'a TaskView], chain: &'a Chain<'a>) -> Self {
        let instances = tasks.iter().chain(pool.iter().copied()).map(|t| t.instance.index() + 1).max().unwrap_or(0);
        let mut service_tasks = vec![0u64; instances];
        for t in tasks.iter().filter(|t| counts_for_spread(t)) {
            service_tasks[t.instance.index()] += 1;
        }
        // Value ids per attribute, over the instances holding service tasks (pool tasks are
        // among them); an instance without the attribute is the value `None`, one bucket.
        let mut value_of = vec![vec![0u32; instances]; chain.attributes.len()];
        let mut per_value = vec![Vec::new(); chain.attributes.len()];
        for (a, name) in chain.attributes.iter().enumerate() {
            let mut ids: BTreeMap<Option<&str>, u32> = BTreeMap::new();
            for (i, &n) in service_tasks.iter().enumerate().filter(|(_, n)| **n > 0) {
                let value = cluster.instances[i].attributes.get(name).map(String::as_str);
                let next = ids.len() as u32;
                let id = *ids.entry(value).or_insert(next);
                if id as usize == per_value[a].len() {
                    per_value[a].push(0);
                }
                per_value[a][id as usize] += n;
                value_of[a][i] = id;
            }
        }
        let mut selection = Selection {
            cluster,
            chain,
            pool,
            service_tasks,
            chosen_on: vec![0; instances],
            value_of,
            per_value,
            classes: Vec::new(),
            groups: Vec::new(),
            by_preference: Default::default(),
            left: [0; CLASSES],
            slot: vec![(0, 0); pool.len()],
            on_instance: (0..pool.len()).collect(),
            gone: vec![false; pool.len()],
            tied: Vec::new(),
            full: Vec::with_capacity(chain.keys.len()),
            best: Vec::with_capacity(chain.keys.len()),
        };
        selection.group(pool);
        selection.on_instance.sort_by_key(|&p| (pool[p].instance, p));
        selection
    }

    /// Puts each candidate in its group and builds the groups' trees.
    fn group(&mut self, pool: &[&TaskView]) {
        let mut class_ids: BTreeMap<Vec<u32>, usize> = BTreeMap::new();
        let mut group_ids: BTreeMap<(u8, usize), usize> = BTreeMap::new();
        for (p, t) in pool.iter().enumerate() {
            let values: Vec<u32> = self.value_of.iter().map(|v| v[t.instance.index()]).collect();
            let next = class_ids.len();
            let class = *class_ids.entry(values.clone()).or_insert(next);
            if class == self.classes.len() {
                self.classes.push(values);
            }
            let preference = preference(t);
            let next = self.groups.len();
            let g = *group_ids.entry((preference, class)).or_insert(next);
            if g == self.groups.len() {
                self.groups.push(Group { class, members: Vec::new(), tree: Vec::new(), leaves: 0 });
                self.by_preference[preference as usize].push(g);
            }
            self.slot[p] = (g, self.groups[g].members.len());
            self.groups[g].members.push(p);
            self.left[preference as usize] += 1;
        }
        for g in 0..self.groups.len() {
            let leaves = self.groups[g].members.len().next_power_of_two();
            let mut tree = vec![Node::EMPTY; 2 * leaves];
            for (position, &p) in self.groups[g].members.iter().enumerate() {
                tree[leaves + position] = Node { key: self.local_key(p), count: 1 };
            }
            for at in (1..leaves).rev() {
                tree[at] = Node::join(tree[2 * at], tree[2 * at + 1]);
            }
            self.groups[g].tree = tree;
            self.groups[g].leaves = leaves;
        }
    }

    /// The local keys of pool task `p`, from its instance as of now.
    fn local_key(&self, p: usize) -> [u64; LOCAL_KEYS] {
        let i = self.pool[p].instance.index();
        let mut key = [0; LOCAL_KEYS];
        for (slot, local) in self.chain.locals.iter().enumerate() {
            key[slot] = match local {
                Local::Spread => self.service_tasks[i],
                Local::Binpack(field) => {
                    let per_task = match field {
                        BinpackField::Cpu => self.chain.task_cpu_units,
                        BinpackField::Memory => self.chain.task_memory_mib,
                    };
                    binpack_key(&self.cluster.instances[i], *field) + per_task * (self.chosen_on[i] + 1)
                }
            };
        }
        key
    }

    /// The pool index of the next task to stop, with the draws of the step-by-step algorithm.
    fn pick(&mut self, rng: &mut StreamRng) -> Option<usize> {
        let preference = (0..CLASSES).find(|&c| self.left[c] > 0)?;
        self.tied.clear();
        self.best.clear();
        for &g in &self.by_preference[preference] {
            let root = self.groups[g].best();
            if root.count == 0 {
                continue;
            }
            self.full.clear();
            for key in &self.chain.keys {
                self.full.push(match *key {
                    Key::Local(slot) => root.key[slot],
                    Key::Class(a) => self.per_value[a][self.classes[self.groups[g].class][a] as usize],
                });
            }
            if self.tied.is_empty() || self.full > self.best {
                std::mem::swap(&mut self.full, &mut self.best);
                self.tied.clear();
                self.tied.push(g);
            } else if self.full == self.best {
                self.tied.push(g);
            }
        }
        let ties: usize = self.tied.iter().map(|&g| self.groups[g].best().count as usize).sum();
        let nth = if ties > 1 && self.chain.draws { rng.gen_range(0..ties) } else { 0 };
        // The nth tie in task-id order: the least pool index p with more than nth ties in 0..=p.
        let ties_through = |p: usize| -> usize {
            self.tied
                .iter()
                .map(|&g| {
                    let group = &self.groups[g];
                    let end = group.members.partition_point(|&m| m <= p);
                    group.ties_before(end, &group.best().key)
                })
                .sum()
        };
        let (mut lo, mut hi) = (0, self.pool.len() - 1);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if ties_through(mid) > nth {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        Some(lo)
    }

    /// Pool task `p` is chosen: it leaves the pool and stops counting; its instance's other
    /// candidates see their local keys move.
    fn remove(&mut self, p: usize) {
        let t = self.pool[p];
        let (g, position) = self.slot[p];
        self.groups[g].set(position, Node::EMPTY);
        self.gone[p] = true;
        self.left[preference(t) as usize] -= 1;
        let i = t.instance.index();
        self.service_tasks[i] = self.service_tasks[i].saturating_sub(1);
        self.chosen_on[i] += 1;
        for a in 0..self.chain.attributes.len() {
            let value = self.value_of[a][i] as usize;
            self.per_value[a][value] = self.per_value[a][value].saturating_sub(1);
        }
        if self.chain.locals.is_empty() {
            return;
        }
        let pool = self.pool;
        let from = self.on_instance.partition_point(|&q| pool[q].instance < t.instance);
        for k in from..self.on_instance.len() {
            let q = self.on_instance[k];
            if pool[q].instance != t.instance {
                break;
            }
            if !self.gone[q] {
                let (g, position) = self.slot[q];
                let node = Node { key: self.local_key(q), count: 1 };
                self.groups[g].set(position, node);
            }
        }
    }
}

#[cfg(test)]
mod tests;

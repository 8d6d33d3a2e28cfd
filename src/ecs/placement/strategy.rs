//! Step 5 of placement (docs/ecs-model.md#placement-algorithm): each strategy keeps its best candidates.
//!
//! * `binpack(r)`: the candidates with the least remaining `r` (before placing the task);
//! * `spread(f)`: the candidates whose value of `f` has the fewest tasks of the group, counted
//!   over the whole cluster, but comparing only values present among the candidates;
//! * `random`: one candidate, uniformly.

use super::rules::{BinpackField, SpreadField, Strategy};
use crate::ecs::cluster::Cluster;
use crate::ecs::instance::{ContainerInstance, GroupId, InstanceId};
use crate::engine::StreamRng;
use rand::Rng;
use serde::Serialize;
use std::collections::BTreeMap;

/// One bucket of a strategy's ranking: a value (an AZ, an instance, an amount) and its score.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RankEntry {
    /// The bucket: an attribute value, an EC2 instance id, "(absent)", or for binpack the
    /// remaining amount itself.
    pub value: String,
    /// Tasks of the group (spread) or remaining units/MiB (binpack); lower is better.
    pub score: u64,
    pub instances: Vec<InstanceId>,
    /// What `score` counts: "task(s)", "CPU units free" or "MiB free".
    pub unit: &'static str,
}

impl RankEntry {
    /// "us-east-1a: 2 task(s)" for spread, "1024 MiB free" for binpack.
    pub fn label(&self) -> String {
        if self.unit == TASKS {
            format!("{}: {} {}", self.value, self.score, self.unit)
        } else {
            format!("{} {}", self.score, self.unit)
        }
    }
}

const TASKS: &str = "task(s)";

/// Label under which instances lacking a spread attribute are grouped (docs/ecs-model.md#placement-algorithm, ecsim's choice).
pub const ABSENT: &str = "(absent)";

/// The binpack key of an instance: remaining CPU units or MiB.
pub fn binpack_key(inst: &ContainerInstance, field: BinpackField) -> u64 {
    match field {
        BinpackField::Cpu => inst.remaining_cpu_units as u64,
        BinpackField::Memory => inst.remaining_memory_mib as u64,
    }
}

/// Tasks of `group` per value of attribute `name`, over every instance of the cluster.
pub fn attribute_counts<'a>(cluster: &'a Cluster, name: &str, group: GroupId) -> BTreeMap<Option<&'a str>, u64> {
    let mut counts = BTreeMap::new();
    for inst in &cluster.instances {
        *counts.entry(inst.attributes.get(name).map(String::as_str)).or_insert(0) += inst.spread_count(group) as u64;
    }
    counts
}

/// Narrows `candidates` (kept in ordinal order) to the strategy's best and returns the
/// ranking it used, best first.
pub fn narrow(
    cluster: &Cluster,
    group: GroupId,
    strategy: &Strategy,
    candidates: &mut Vec<InstanceId>,
    rng: &mut StreamRng,
) -> Vec<RankEntry> {
    let mut buckets: BTreeMap<(u64, String), Vec<InstanceId>> = BTreeMap::new();
    match strategy {
        Strategy::Random => {
            let pick = candidates[rng.gen_range(0..candidates.len())];
            let ranking = vec![RankEntry { value: "random pick".into(), score: 0, instances: vec![pick], unit: TASKS }];
            candidates.clear();
            candidates.push(pick);
            return ranking;
        }
        Strategy::Binpack(field) => {
            for &id in candidates.iter() {
                let key = binpack_key(cluster.instance(id), *field);
                buckets.entry((key, key.to_string())).or_default().push(id);
            }
        }
        Strategy::Spread(SpreadField::InstanceId) => {
            for &id in candidates.iter() {
                let inst = cluster.instance(id);
                buckets.entry((inst.spread_count(group) as u64, inst.ec2_instance_id.clone())).or_default().push(id);
            }
        }
        Strategy::Spread(SpreadField::Attribute(name)) => {
            let counts = attribute_counts(cluster, name, group);
            for &id in candidates.iter() {
                let value = cluster.instance(id).attributes.get(name).map(String::as_str);
                let count = counts.get(&value).copied().unwrap_or(0);
                buckets.entry((count, value.unwrap_or(ABSENT).to_string())).or_default().push(id);
            }
        }
    }
    let unit = match strategy {
        Strategy::Binpack(BinpackField::Cpu) => "CPU units free",
        Strategy::Binpack(BinpackField::Memory) => "MiB free",
        _ => TASKS,
    };
    let best = buckets.keys().next().map(|k| k.0).unwrap_or(0);
    candidates.clear();
    let mut ranking = Vec::with_capacity(buckets.len());
    for ((score, value), mut ids) in buckets {
        if score == best {
            candidates.extend_from_slice(&ids);
        }
        ids.sort_unstable();
        ranking.push(RankEntry { value, score, instances: ids, unit });
    }
    candidates.sort_unstable();
    ranking
}

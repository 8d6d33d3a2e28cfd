//! Container instances: registered and remaining resources, ports, ENI slots, attributes and
//! the task groups they host (docs/ecs-model.md#container-instances, docs/ecs-model.md#registered-resources, docs/ecs-model.md#attributes).

use super::placement::facts::InstanceFacts;
pub use super::ports::PortSet;
use super::task_def::{Protocol, Reservation};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering as AtomicOrdering};
use std::sync::Arc;

/// Index of an instance in `Cluster::instances`, in registration order (the "ordinal" that
/// `tieBreak = first` prefers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct InstanceId(pub u32);

impl InstanceId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// Interned task group (`service:web`, `family:nginx`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct GroupId(pub u32);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum InstanceStatus {
    Registering,
    RegistrationFailed,
    Active,
    Draining,
    Deregistering,
    Inactive,
}

impl InstanceStatus {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "REGISTERING" => Self::Registering,
            "REGISTRATION_FAILED" => Self::RegistrationFailed,
            "ACTIVE" => Self::Active,
            "DRAINING" => Self::Draining,
            "DEREGISTERING" => Self::Deregistering,
            "INACTIVE" => Self::Inactive,
            _ => return None,
        })
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Registering => "REGISTERING",
            Self::RegistrationFailed => "REGISTRATION_FAILED",
            Self::Active => "ACTIVE",
            Self::Draining => "DRAINING",
            Self::Deregistering => "DEREGISTERING",
            Self::Inactive => "INACTIVE",
        }
    }
}

/// Default reserved TCP ports of the Linux agent (docs/ecs-model.md#registered-resources, docs/ecs-model.md#choice-reserved-ports).
pub const DEFAULT_RESERVED_TCP_PORTS: [u16; 5] = [22, 2375, 2376, 51678, 51679];
/// Amazon Linux ephemeral range, used by the agent for dynamic host ports.
pub const DEFAULT_DYNAMIC_PORT_RANGE: (u16, u16) = (32768, 60999);
/// At most this many reserved host ports per instance, defaults included (docs/ecs-model.md#task-reservation).
pub const MAX_RESERVED_PORTS: usize = 100;

/// Tasks of one group on one instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct GroupCount {
    pub group: GroupId,
    /// Non-STOPPED tasks (what `distinctInstance` and `task:group` see).
    pub active: u32,
    /// Non-STOPPED tasks whose desiredStatus is RUNNING (what `spread` counts, docs/ecs-model.md#placement-algorithm).
    pub spreading: u32,
}

/// Ports and ENIs one placed task holds, returned by `ContainerInstance::bind` so that
/// `release` gives back exactly what was taken.
/// Inline storage for a task's host ports: a task holds a few, and binding one must not
/// allocate (it happens for every placed task).
pub type Ports = smallvec::SmallVec<[u16; 4]>;

/// The task groups on one instance, sorted by group id, the first two held inline.
pub type GroupCounts = smallvec::SmallVec<[GroupCount; 2]>;

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Binding {
    pub tcp_ports: Ports,
    pub udp_ports: Ports,
    /// Of `tcp_ports`/`udp_ports`, how many are static (count toward the 100-port limit).
    pub static_ports: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContainerInstance {
    pub id: InstanceId,
    pub arn: String,
    pub ec2_instance_id: String,
    pub status: InstanceStatus,
    pub agent_connected: bool,
    pub agent_version: String,
    pub registered_at_unix_s: i64,
    pub instance_type: String,
    pub availability_zone: String,
    pub registered_cpu_units: u32,
    pub registered_memory_mib: u32,
    pub registered_gpus: u32,
    pub remaining_cpu_units: u32,
    pub remaining_memory_mib: u32,
    pub remaining_gpus: u32,
    /// The agent's reserved ports (never given to tasks).
    pub reserved_tcp_ports: PortSet,
    pub reserved_udp_ports: PortSet,
    /// Host ports bound by tasks (static and dynamic).
    pub bound_tcp_ports: PortSet,
    pub bound_udp_ports: PortSet,
    /// Static ports bound by tasks (with the reserved list, limited to 100).
    pub task_static_ports: u32,
    pub dynamic_port_range: (u16, u16),
    /// awsvpc tasks the instance can host, and how many it hosts.
    pub eni_task_limit: u32,
    pub enis_in_use: u32,
    /// Every attribute, built-in ones included, by name (shared between instances of one
    /// group and zone until one of them changes).
    pub attributes: Attributes,
    pub running_tasks_count: u32,
    pub pending_tasks_count: u32,
    /// Task groups on the instance, sorted by group id (usually one or two: held in the
    /// instance, no pointer to follow when a bind or a spread key counts them).
    pub groups: GroupCounts,
    pub price_usd_per_hour: f64,
    /// A Fargate task's own capacity (`Cluster::register_fargate`): sized exactly to its one
    /// task, never a placement candidate, outside the cluster's instance counts and reservation.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub fargate: bool,
}

impl ContainerInstance {
    /// Tasks of `group` counted by `spread` on this instance.
    pub fn spread_count(&self, group: GroupId) -> u32 {
        self.group(group).map_or(0, |g| g.spreading)
    }
    /// Non-STOPPED tasks of `group` on this instance.
    pub fn active_count(&self, group: GroupId) -> u32 {
        self.group(group).map_or(0, |g| g.active)
    }
    fn group(&self, group: GroupId) -> Option<&GroupCount> {
        self.groups.iter().find(|g| g.group == group)
    }

    pub fn is_placeable(&self) -> bool {
        self.status == InstanceStatus::Active && self.agent_connected && !self.fargate
    }

    /// Free dynamic ports of one protocol: the range minus ports bound by tasks or reserved
    /// by the agent (51678/51679 lie inside the default range).
    pub fn free_dynamic_ports(&self, protocol: Protocol) -> u32 {
        let (lo, hi) = self.dynamic_port_range;
        let (bound, reserved) = match protocol {
            Protocol::Tcp => (&self.bound_tcp_ports, &self.reserved_tcp_ports),
            Protocol::Udp => (&self.bound_udp_ports, &self.reserved_udp_ports),
        };
        let taken = bound.count_in(lo..=hi) + reserved.iter().filter(|p| (lo..=hi).contains(*p) && !bound.contains(p)).count();
        (hi as u32 - lo as u32 + 1).saturating_sub(taken as u32)
    }

    /// True if `port` is neither reserved by the agent nor bound by a task.
    pub fn port_free(&self, port: u16, protocol: Protocol) -> bool {
        match protocol {
            Protocol::Tcp => !self.reserved_tcp_ports.contains(&port) && !self.bound_tcp_ports.contains(&port),
            Protocol::Udp => !self.reserved_udp_ports.contains(&port) && !self.bound_udp_ports.contains(&port),
        }
    }

    /// Reserved-port count (agent list + static task ports), limited to 100.
    pub fn reserved_port_count(&self) -> usize {
        self.reserved_tcp_ports.len() + self.reserved_udp_ports.len() + self.task_static_ports as usize
    }

    /// Takes what `r` reserves. The caller has checked that it fits (placement filter);
    /// dynamic ports are the lowest free ones of the range (docs/ecs-model.md#task-reservation, ecsim's choice).
    pub fn bind(&mut self, r: &Reservation) -> Binding {
        debug_assert!(self.remaining_cpu_units >= r.cpu_units, "CPU over-commit on {}", self.arn);
        debug_assert!(self.remaining_memory_mib >= r.memory_mib, "memory over-commit on {}", self.arn);
        self.remaining_cpu_units = self.remaining_cpu_units.saturating_sub(r.cpu_units);
        self.remaining_memory_mib = self.remaining_memory_mib.saturating_sub(r.memory_mib);
        self.remaining_gpus = self.remaining_gpus.saturating_sub(r.gpus);
        self.enis_in_use += r.enis;
        let mut b = Binding { static_ports: (r.static_tcp_ports.len() + r.static_udp_ports.len()) as u32, ..Binding::default() };
        for &p in &r.static_tcp_ports {
            self.bound_tcp_ports.insert(p);
            b.tcp_ports.push(p);
        }
        for &p in &r.static_udp_ports {
            self.bound_udp_ports.insert(p);
            b.udp_ports.push(p);
        }
        self.task_static_ports += b.static_ports;
        let (lo, hi) = self.dynamic_port_range;
        for (count, protocol) in [(r.dynamic_tcp_ports, Protocol::Tcp), (r.dynamic_udp_ports, Protocol::Udp)] {
            let mut next = lo;
            for _ in 0..count {
                // The filter checked that enough ports are free, so this stays inside the range.
                while next < hi && !self.port_free(next, protocol) {
                    next += 1;
                }
                debug_assert!(self.port_free(next, protocol), "no free dynamic port on {}", self.arn);
                match protocol {
                    Protocol::Tcp => {
                        self.bound_tcp_ports.insert(next);
                        b.tcp_ports.push(next);
                    }
                    Protocol::Udp => {
                        self.bound_udp_ports.insert(next);
                        b.udp_ports.push(next);
                    }
                }
            }
        }
        b
    }

    /// Gives back what `bind` took (the task reached STOPPED).
    pub fn release(&mut self, r: &Reservation, b: &Binding) {
        self.remaining_cpu_units = (self.remaining_cpu_units + r.cpu_units).min(self.registered_cpu_units);
        self.remaining_memory_mib = (self.remaining_memory_mib + r.memory_mib).min(self.registered_memory_mib);
        self.remaining_gpus = (self.remaining_gpus + r.gpus).min(self.registered_gpus);
        self.enis_in_use = self.enis_in_use.saturating_sub(r.enis);
        for p in &b.tcp_ports {
            self.bound_tcp_ports.remove(p);
        }
        for p in &b.udp_ports {
            self.bound_udp_ports.remove(p);
        }
        self.task_static_ports = self.task_static_ports.saturating_sub(b.static_ports);
    }

    /// Adds (`delta` = +1) or removes (−1) one task of `group`.
    pub fn count_group(&mut self, group: GroupId, active_delta: i32, spreading_delta: i32) {
        let pos = match self.groups.binary_search_by_key(&group, |g| g.group) {
            Ok(p) => p,
            Err(p) => {
                self.groups.insert(p, GroupCount { group, active: 0, spreading: 0 });
                p
            }
        };
        let g = &mut self.groups[pos];
        g.active = g.active.saturating_add_signed(active_delta);
        g.spreading = g.spreading.saturating_add_signed(spreading_delta);
        if g.active == 0 && g.spreading == 0 {
            self.groups.remove(pos);
        }
    }
}

/// An instance's attributes by name. Instances registered from one group in one zone have the
/// same attributes, so they share one map (copy on write): a 500,000-instance cluster holds a
/// few dozen maps instead of 500,000 (each 8 built-in attributes, 17 allocations, ~1 KB).
///
/// Each map carries a *stamp*: a number drawn from a process-wide counter when the map is
/// made and again at every change, so two `Attributes` with the same stamp have the same
/// contents. The placement index reads an instance's spread-attribute values again only when
/// its stamp moved (a task bound or started changes no attribute), instead of looking the
/// names up by string after every change. Stamps decide nothing: equality compares contents.
#[derive(Clone, Default)]
pub struct Attributes {
    map: Arc<BTreeMap<String, String>>,
    /// 0 for the empty default map; see the type's documentation.
    stamp: u64,
}

/// The next stamp (0 is the empty default map's).
fn next_stamp() -> u64 {
    static STAMPS: AtomicU64 = AtomicU64::new(1);
    STAMPS.fetch_add(1, AtomicOrdering::Relaxed)
}

impl PartialEq for Attributes {
    fn eq(&self, other: &Self) -> bool {
        self.map == other.map
    }
}

impl fmt::Debug for Attributes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Attributes").field(&self.map).finish()
    }
}

impl Attributes {
    pub fn get(&self, name: &str) -> Option<&String> {
        self.map.get(name)
    }
    pub fn contains_key(&self, name: &str) -> bool {
        self.map.contains_key(name)
    }
    pub fn iter(&self) -> std::collections::btree_map::Iter<'_, String, String> {
        self.map.iter()
    }
    pub fn len(&self) -> usize {
        self.map.len()
    }
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
    /// Sets one attribute on this instance alone (the shared map is copied first).
    pub fn insert(&mut self, name: String, value: String) -> Option<String> {
        self.stamp = next_stamp();
        Arc::make_mut(&mut self.map).insert(name, value)
    }
    /// Removes one attribute from this instance alone.
    pub fn remove(&mut self, name: &str) -> Option<String> {
        if !self.map.contains_key(name) {
            return None;
        }
        self.stamp = next_stamp();
        Arc::make_mut(&mut self.map).remove(name)
    }
    /// True when both are the same shared map (what registering a group's instances relies on).
    pub fn shares_with(&self, other: &Attributes) -> bool {
        Arc::ptr_eq(&self.map, &other.map)
    }
    /// Equal stamps mean equal contents (the converse need not hold): what a reader that keeps
    /// something derived from the attributes compares to know it is still current.
    pub fn stamp(&self) -> u64 {
        self.stamp
    }
}

impl From<BTreeMap<String, String>> for Attributes {
    fn from(map: BTreeMap<String, String>) -> Self {
        Attributes { map: Arc::new(map), stamp: next_stamp() }
    }
}

impl<'a> IntoIterator for &'a Attributes {
    type Item = (&'a String, &'a String);
    type IntoIter = std::collections::btree_map::Iter<'a, String, String>;
    fn into_iter(self) -> Self::IntoIter {
        self.map.iter()
    }
}

/// Serialized as the plain map it is (same JSON as before sharing).
impl Serialize for Attributes {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.map.as_ref().serialize(serializer)
    }
}

/// `InstanceFacts` needs the group names, which live in the cluster: this pairs the two.
pub struct FactsView<'a> {
    pub instance: &'a ContainerInstance,
    pub group_names: &'a [String],
}

impl InstanceFacts for FactsView<'_> {
    fn attribute(&self, name: &str) -> Option<&str> {
        self.instance.attributes.get(name).map(String::as_str)
    }
    fn ec2_instance_id(&self) -> &str {
        &self.instance.ec2_instance_id
    }
    fn agent_connected(&self) -> bool {
        self.instance.agent_connected
    }
    fn agent_version(&self) -> &str {
        &self.instance.agent_version
    }
    fn registered_at_unix_s(&self) -> i64 {
        self.instance.registered_at_unix_s
    }
    fn running_tasks_count(&self) -> u32 {
        self.instance.running_tasks_count
    }
    fn any_task_group(&self, pred: &mut dyn FnMut(&str) -> bool) -> bool {
        self.instance.groups.iter().filter(|g| g.active > 0).any(|g| self.group_names.get(g.group.0 as usize).is_some_and(|n| pred(n)))
    }
}

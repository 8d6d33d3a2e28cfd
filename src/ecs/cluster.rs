//! The cluster: its container instances (indexed by `InstanceId`) and the interned task
//! groups. Placement reads it; the simulation mutates it only through `bind_task` and
//! `release_task`, which keep resources and group counts consistent.

use super::instance::{
    Attributes, Binding, ContainerInstance, GroupCounts, GroupId, InstanceId, InstanceStatus, PortSet, DEFAULT_DYNAMIC_PORT_RANGE,
    DEFAULT_RESERVED_TCP_PORTS,
};
use super::instance_types::InstanceType;
use super::task_def::Reservation;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, Default)]
pub struct Cluster {
    pub name: String,
    pub instances: Vec<ContainerInstance>,
    group_names: Vec<String>,
    group_ids: BTreeMap<String, GroupId>,
    /// The attribute maps `register` made, by what they were made from, so that the instances
    /// of one group in one zone share one map (`Attributes`). Bounded by `SHARED_ATTRIBUTE_SETS`.
    shared_attributes: Vec<(AttributeKey, Attributes)>,
}

/// What the built-in and custom attributes of a registered instance depend on (the trunk ENI id
/// aside: an instance with one gets a map of its own).
#[derive(Debug, Clone, PartialEq)]
struct AttributeKey {
    availability_zone: String,
    instance_type: &'static str,
    custom: BTreeMap<String, String>,
}

/// At most this many shared attribute maps are remembered (groups × zones is usually a few
/// dozen); beyond it the oldest is forgotten, which costs memory, never correctness.
const SHARED_ATTRIBUTE_SETS: usize = 256;

/// How to register a new instance of a known type.
#[derive(Debug, Clone)]
pub struct InstanceSpec<'a> {
    pub instance_type: &'a InstanceType,
    pub availability_zone: String,
    /// Memory the OS reports (MemTotal, MiB); ECS registers it minus `reserved_memory_mib`
    /// (docs/ecs-model.md#registered-resources). `None` uses the type's default, floor(0.98 × nominal).
    pub os_memory_mib: Option<u32>,
    /// `ECS_RESERVED_MEMORY`.
    pub reserved_memory_mib: u32,
    pub awsvpc_trunking: bool,
    pub custom_attributes: BTreeMap<String, String>,
    pub registered_at_unix_s: i64,
    pub agent_version: String,
    pub price_usd_per_hour: Option<f64>,
}

impl Cluster {
    pub fn new(name: &str) -> Self {
        Cluster { name: name.to_string(), ..Cluster::default() }
    }

    /// The id for a group name, interning it on first use.
    pub fn group_id(&mut self, name: &str) -> GroupId {
        if let Some(&id) = self.group_ids.get(name) {
            return id;
        }
        let id = GroupId(self.group_names.len() as u32);
        self.group_names.push(name.to_string());
        self.group_ids.insert(name.to_string(), id);
        id
    }
    pub fn find_group(&self, name: &str) -> Option<GroupId> {
        self.group_ids.get(name).copied()
    }
    pub fn group_name(&self, id: GroupId) -> &str {
        &self.group_names[id.0 as usize]
    }
    pub fn group_names(&self) -> &[String] {
        &self.group_names
    }

    pub fn instance(&self, id: InstanceId) -> &ContainerInstance {
        &self.instances[id.index()]
    }
    pub fn instance_mut(&mut self, id: InstanceId) -> &mut ContainerInstance {
        &mut self.instances[id.index()]
    }

    /// Registers an instance built by the caller (e.g. from describe-container-instances),
    /// assigning its id.
    pub fn push_instance(&mut self, mut instance: ContainerInstance) -> InstanceId {
        let id = InstanceId(self.instances.len() as u32);
        instance.id = id;
        self.instances.push(instance);
        id
    }

    /// Registers a new ACTIVE instance of a known type with ECS's registered resources and
    /// built-in attributes (docs/ecs-model.md#registered-resources, docs/ecs-model.md#attributes).
    pub fn register(&mut self, spec: &InstanceSpec) -> InstanceId {
        let ordinal = self.instances.len() as u32;
        let t = spec.instance_type;
        let memory = match spec.os_memory_mib {
            Some(m) => m.saturating_sub(spec.reserved_memory_mib),
            None => t.default_registered_memory_mib(spec.reserved_memory_mib),
        };
        // Formatted by hand: `format!` with padded hex was a third of registering an instance
        // (500,000 of them in the scale scenario).
        let mut ec2_instance_id = String::with_capacity(19);
        ec2_instance_id.push_str("i-");
        push_hex(&mut ec2_instance_id, 0x0ec5_1000_0000_0000u64 + ordinal as u64, 17);
        let mut arn = String::with_capacity(CONTAINER_INSTANCE_ARN.len() + self.name.len() + 33);
        arn.push_str(CONTAINER_INSTANCE_ARN);
        arn.push_str(&self.name);
        arn.push('/');
        push_hex(&mut arn, u64::from(ordinal) + 1, 32);
        let attributes = if spec.awsvpc_trunking && t.trunk_eni_tasks.is_some() {
            let mut map = built_in_attributes(spec);
            map.insert("ecs.awsvpc-trunk-id".into(), format!("eni-trunk{ordinal:08x}"));
            map.extend(spec.custom_attributes.iter().map(|(k, v)| (k.clone(), v.clone())));
            Attributes::from(map)
        } else {
            self.shared_attributes_for(spec)
        };
        self.push_instance(ContainerInstance {
            id: InstanceId(ordinal),
            arn,
            ec2_instance_id,
            status: InstanceStatus::Active,
            agent_connected: true,
            agent_version: spec.agent_version.clone(),
            registered_at_unix_s: spec.registered_at_unix_s,
            instance_type: t.name.to_string(),
            availability_zone: spec.availability_zone.clone(),
            registered_cpu_units: t.cpu_units(),
            registered_memory_mib: memory,
            registered_gpus: t.gpus,
            remaining_cpu_units: t.cpu_units(),
            remaining_memory_mib: memory,
            remaining_gpus: t.gpus,
            reserved_tcp_ports: DEFAULT_RESERVED_TCP_PORTS.into_iter().collect(),
            reserved_udp_ports: PortSet::new(),
            bound_tcp_ports: PortSet::new(),
            bound_udp_ports: PortSet::new(),
            task_static_ports: 0,
            dynamic_port_range: DEFAULT_DYNAMIC_PORT_RANGE,
            eni_task_limit: t.awsvpc_task_limit(spec.awsvpc_trunking),
            enis_in_use: 0,
            attributes,
            running_tasks_count: 0,
            pending_tasks_count: 0,
            groups: GroupCounts::new(),
            price_usd_per_hour: spec.price_usd_per_hour.unwrap_or(t.price_usd_per_hour),
            fargate: false,
        })
    }

    /// The shared attribute map of an instance registered from `spec` without a trunk ENI:
    /// the one made for an earlier instance of the same zone, type and custom attributes, or a
    /// new one (docs/ecs-model.md#attributes).
    fn shared_attributes_for(&mut self, spec: &InstanceSpec) -> Attributes {
        let t = spec.instance_type;
        let found = self.shared_attributes.iter().find(|(k, _)| {
            k.instance_type == t.name && k.availability_zone == spec.availability_zone && k.custom == spec.custom_attributes
        });
        if let Some((_, attributes)) = found {
            return attributes.clone();
        }
        let mut map = built_in_attributes(spec);
        map.extend(spec.custom_attributes.iter().map(|(k, v)| (k.clone(), v.clone())));
        let attributes = Attributes::from(map);
        if self.shared_attributes.len() == SHARED_ATTRIBUTE_SETS {
            self.shared_attributes.remove(0);
        }
        let key = AttributeKey {
            availability_zone: spec.availability_zone.clone(),
            instance_type: t.name,
            custom: spec.custom_attributes.clone(),
        };
        self.shared_attributes.push((key, attributes.clone()));
        attributes
    }

    /// Registers the capacity of one Fargate task in `zone`: an ACTIVE instance sized exactly to
    /// `r` (so the task fills it), flagged `fargate` so that no other task is ever placed on it
    /// and the cluster's instance counts and reservation leave it out. Its id is
    /// `fargate-<ordinal>`; the caller binds the task at once and retires the instance when the
    /// task is STOPPED.
    pub fn register_fargate(&mut self, zone: &str, r: &Reservation, spot: bool) -> InstanceId {
        let ordinal = self.instances.len() as u32;
        let mut attributes = BTreeMap::new();
        for (k, v) in [
            ("ecs.availability-zone", zone.to_string()),
            ("ecs.cpu-architecture", "x86_64".to_string()),
            ("ecs.os-type", "linux".to_string()),
            ("ecs.capacity-provider", if spot { "FARGATE_SPOT" } else { "FARGATE" }.to_string()),
        ] {
            attributes.insert(k.to_string(), v);
        }
        let attributes = Attributes::from(attributes);
        self.push_instance(ContainerInstance {
            id: InstanceId(ordinal),
            arn: format!("arn:aws:ecs:us-east-1:123456789012:fargate/{}/{:032x}", self.name, ordinal as u128 + 1),
            ec2_instance_id: format!("{}-{ordinal:06}", if spot { "fargate-spot" } else { "fargate" }),
            status: InstanceStatus::Active,
            agent_connected: true,
            agent_version: String::new(),
            registered_at_unix_s: 0,
            instance_type: "fargate".to_string(),
            availability_zone: zone.to_string(),
            registered_cpu_units: r.cpu_units,
            registered_memory_mib: r.memory_mib,
            registered_gpus: r.gpus,
            remaining_cpu_units: r.cpu_units,
            remaining_memory_mib: r.memory_mib,
            remaining_gpus: r.gpus,
            reserved_tcp_ports: PortSet::new(),
            reserved_udp_ports: PortSet::new(),
            bound_tcp_ports: PortSet::new(),
            bound_udp_ports: PortSet::new(),
            task_static_ports: 0,
            dynamic_port_range: DEFAULT_DYNAMIC_PORT_RANGE,
            eni_task_limit: r.enis.max(1),
            enis_in_use: 0,
            attributes,
            running_tasks_count: 0,
            pending_tasks_count: 0,
            groups: GroupCounts::new(),
            price_usd_per_hour: 0.0,
            fargate: true,
        })
    }

    /// Binds a task of `group` to `instance`: resources, ports, ENI and group counts. The task
    /// starts PENDING (counted in `pendingTasksCount`).
    pub fn bind_task(&mut self, instance: InstanceId, group: GroupId, r: &Reservation) -> Binding {
        let inst = &mut self.instances[instance.index()];
        let b = inst.bind(r);
        inst.count_group(group, 1, 1);
        inst.pending_tasks_count += 1;
        b
    }

    /// The task went from PENDING to RUNNING.
    pub fn task_started(&mut self, instance: InstanceId) {
        let inst = &mut self.instances[instance.index()];
        inst.pending_tasks_count = inst.pending_tasks_count.saturating_sub(1);
        inst.running_tasks_count += 1;
    }

    /// The task reached STOPPED: everything it held is returned.
    pub fn release_task(&mut self, instance: InstanceId, group: GroupId, r: &Reservation, b: &Binding, was_running: bool) {
        let inst = &mut self.instances[instance.index()];
        inst.release(r, b);
        inst.count_group(group, -1, -1);
        if was_running {
            inst.running_tasks_count = inst.running_tasks_count.saturating_sub(1);
        } else {
            inst.pending_tasks_count = inst.pending_tasks_count.saturating_sub(1);
        }
    }

    /// The task was told to stop (desiredStatus STOPPED): `spread` stops counting it at once
    /// (docs/ecs-model.md#placement-algorithm), while `distinctInstance` and `task:group` see it until it is STOPPED.
    pub fn task_stopping(&mut self, instance: InstanceId, group: GroupId) {
        self.instances[instance.index()].count_group(group, 0, -1);
    }

    /// Like `release_task`, for a task that went through `task_stopping` first.
    pub fn release_stopping_task(&mut self, instance: InstanceId, group: GroupId, r: &Reservation, b: &Binding, was_running: bool) {
        let inst = &mut self.instances[instance.index()];
        inst.release(r, b);
        inst.count_group(group, -1, 0);
        if was_running {
            inst.running_tasks_count = inst.running_tasks_count.saturating_sub(1);
        } else {
            inst.pending_tasks_count = inst.pending_tasks_count.saturating_sub(1);
        }
    }

    /// The distinct availability zones of the instances (Fargate capacity aside), sorted.
    pub fn zones(&self) -> Vec<String> {
        let set: BTreeSet<&str> = self.instances.iter().filter(|i| !i.fargate).map(|i| i.availability_zone.as_str()).collect();
        set.into_iter().map(str::to_string).collect()
    }
}

/// The built-in attributes ECS gives a registered EC2 instance (docs/ecs-model.md#attributes).
fn built_in_attributes(spec: &InstanceSpec) -> BTreeMap<String, String> {
    let t = spec.instance_type;
    let subnet_suffix: String = spec.availability_zone.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    [
        ("ecs.ami-id", "ami-0ecs1m0000000000".to_string()),
        ("ecs.availability-zone", spec.availability_zone.clone()),
        ("ecs.instance-type", t.name.to_string()),
        ("ecs.os-type", "linux".to_string()),
        ("ecs.os-family", "LINUX".to_string()),
        ("ecs.cpu-architecture", t.architecture.attribute_value().to_string()),
        ("ecs.vpc-id", "vpc-0ec5100000000000".to_string()),
        ("ecs.subnet-id", format!("subnet-{subnet_suffix}")),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

/// A container instance's ARN up to the cluster's name.
const CONTAINER_INSTANCE_ARN: &str = "arn:aws:ecs:us-east-1:123456789012:container-instance/";

/// `v` in lowercase hex padded with zeros to `width` digits (at most 32), as `{:0width$x}`.
fn push_hex(out: &mut String, v: u64, width: usize) {
    let mut digits = [b'0'; 32];
    let (mut at, mut v) = (digits.len(), v);
    loop {
        at -= 1;
        digits[at] = b"0123456789abcdef"[(v & 15) as usize];
        v >>= 4;
        if v == 0 {
            break;
        }
    }
    let from = at.min(digits.len() - width.min(digits.len()));
    // Only ASCII digits were written.
    out.extend(digits[from..].iter().map(|&d| char::from(d)));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ecs::instance_types;

    fn spec(zone: &str, trunking: bool) -> InstanceSpec<'static> {
        InstanceSpec {
            instance_type: instance_types::lookup("m5.xlarge").expect("a known type"),
            availability_zone: zone.to_string(),
            os_memory_mib: None,
            reserved_memory_mib: 0,
            awsvpc_trunking: trunking,
            custom_attributes: [("team".to_string(), "web".to_string())].into_iter().collect(),
            registered_at_unix_s: 0,
            agent_version: "1.70.0".into(),
            price_usd_per_hour: None,
        }
    }

    #[test]
    fn instances_of_one_group_and_zone_share_one_attribute_map_until_one_changes() {
        // Six instances round-robin over two zones: 0, 2, 4 in 1a share a map, 1, 3, 5 in 1b
        // another; 8 built-in attributes + 1 custom each.
        let mut c = Cluster::new("c");
        for i in 0..6 {
            c.register(&spec(if i % 2 == 0 { "us-east-1a" } else { "us-east-1b" }, false));
        }
        let a = |i: usize| &c.instances[i].attributes;
        assert!(a(0).shares_with(a(2)) && a(2).shares_with(a(4)));
        assert!(a(1).shares_with(a(5)));
        assert!(!a(0).shares_with(a(1)));
        assert_eq!(a(0).len(), 9);
        assert_eq!(a(1).get("ecs.availability-zone").map(String::as_str), Some("us-east-1b"));
        assert_eq!(a(1).get("ecs.subnet-id").map(String::as_str), Some("subnet-useast1b"));
        assert_eq!(a(0).get("team").map(String::as_str), Some("web"));
        // PutAttributes on instance 2 changes instance 2 alone.
        c.instance_mut(InstanceId(2)).attributes.insert("stack".into(), "prod".into());
        assert_eq!(c.instances[2].attributes.get("stack").map(String::as_str), Some("prod"));
        assert_eq!(c.instances[0].attributes.get("stack"), None);
        assert_eq!(c.instances[4].attributes.get("stack"), None);
        assert!(c.instances[0].attributes.shares_with(&c.instances[4].attributes));
        // Removing an attribute an instance does not have copies nothing.
        c.instance_mut(InstanceId(4)).attributes.remove("stack");
        assert!(c.instances[0].attributes.shares_with(&c.instances[4].attributes));
    }

    #[test]
    fn a_trunk_eni_makes_the_map_the_instances_own() {
        // m5.xlarge supports trunking: each instance gets its own trunk ENI id, so its own map.
        let mut c = Cluster::new("c");
        c.register(&spec("us-east-1a", true));
        c.register(&spec("us-east-1a", true));
        let (a, b) = (&c.instances[0].attributes, &c.instances[1].attributes);
        assert!(!a.shares_with(b));
        assert_eq!(a.get("ecs.awsvpc-trunk-id").map(String::as_str), Some("eni-trunk00000000"));
        assert_eq!(b.get("ecs.awsvpc-trunk-id").map(String::as_str), Some("eni-trunk00000001"));
        assert_eq!(a.len(), 10);
    }

    #[test]
    fn the_arn_carries_the_ordinal_plus_one_in_32_hex_digits() {
        let mut c = Cluster::new("prod");
        c.register(&spec("us-east-1a", false));
        assert_eq!(c.instances[0].arn, "arn:aws:ecs:us-east-1:123456789012:container-instance/prod/00000000000000000000000000000001");
        assert_eq!(c.instances[0].ec2_instance_id, "i-00ec5100000000000");
    }

    #[test]
    fn hex_by_hand_is_what_format_writes() {
        for v in [0u64, 1, 15, 16, 0xabc, 0x0ec5_1000_0000_0000, 0x0ec5_1000_0007_a11f, u64::from(u32::MAX) + 1, u64::MAX] {
            for width in [1, 17, 32] {
                let mut s = String::new();
                push_hex(&mut s, v, width);
                assert_eq!(s, format!("{v:0width$x}"), "{v:#x} in {width}");
            }
        }
    }
}

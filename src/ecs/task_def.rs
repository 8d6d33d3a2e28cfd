//! Task definitions as ECS registers them, and what a task reserves on an instance (docs/ecs-model.md#task-reservation).
//!
//! These are the validated domain types; `scenario::ecs_json` turns the real
//! RegisterTaskDefinition / DescribeTaskDefinition JSON into them.

use super::instance_types::Architecture;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum NetworkMode {
    /// Linux EC2 default.
    #[default]
    Bridge,
    Host,
    Awsvpc,
    None,
}

impl NetworkMode {
    pub fn as_str(self) -> &'static str {
        match self {
            NetworkMode::Bridge => "bridge",
            NetworkMode::Host => "host",
            NetworkMode::Awsvpc => "awsvpc",
            NetworkMode::None => "none",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    #[default]
    Tcp,
    Udp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PortMapping {
    pub container_port: u16,
    /// `None` or `Some(0)` in bridge mode is a dynamic mapping (docs/ecs-model.md#task-reservation rule 4).
    pub host_port: Option<u16>,
    pub protocol: Protocol,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HealthCheck {
    pub interval_s: u32,
    pub timeout_s: u32,
    pub retries: u32,
    pub start_period_s: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContainerDefinition {
    pub name: String,
    pub image: String,
    pub cpu_units: Option<u32>,
    /// Hard limit (`memory`).
    pub memory_mib: Option<u32>,
    /// Soft limit (`memoryReservation`).
    pub memory_reservation_mib: Option<u32>,
    pub essential: bool,
    pub port_mappings: Vec<PortMapping>,
    pub health_check: Option<HealthCheck>,
    pub stop_timeout_s: Option<u32>,
    pub start_timeout_s: Option<u32>,
    pub gpus: u32,
}

/// A `requiresAttributes` entry: the instance must carry the attribute (with this value when
/// one is given).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RequiredAttribute {
    pub name: String,
    pub value: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Compatibility {
    Ec2,
    Fargate,
    External,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TaskDefinition {
    pub family: String,
    pub revision: u32,
    pub network_mode: NetworkMode,
    pub requires_compatibilities: Vec<Compatibility>,
    /// Task-level `cpu`, converted to units ("1 vCPU" → 1024).
    pub cpu_units: Option<u32>,
    /// Task-level `memory`, converted to MiB ("2 GB" → 2048).
    pub memory_mib: Option<u32>,
    pub containers: Vec<ContainerDefinition>,
    /// `memberOf` expressions from the task definition's `placementConstraints`.
    pub member_of: Vec<String>,
    pub requires_attributes: Vec<RequiredAttribute>,
    /// `runtimePlatform.cpuArchitecture` (X86_64 when omitted): what a Fargate task is billed
    /// as. On EC2 it does not filter placement (use an `ecs.cpu-architecture` constraint).
    pub cpu_architecture: Architecture,
}

/// Everything one task holds on its instance while it is not STOPPED.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Reservation {
    pub cpu_units: u32,
    pub memory_mib: u32,
    pub gpus: u32,
    /// Static host ports, sorted, per protocol.
    pub static_tcp_ports: Vec<u16>,
    pub static_udp_ports: Vec<u16>,
    /// Dynamic (ephemeral-range) host ports to allocate.
    pub dynamic_tcp_ports: u16,
    pub dynamic_udp_ports: u16,
    /// ENIs (awsvpc on EC2: one per task).
    pub enis: u32,
}

impl TaskDefinition {
    /// `family:revision`.
    pub fn family_revision(&self) -> String {
        format!("{}:{}", self.family, self.revision)
    }

    /// The default group of a standalone task: `family:<family>` (docs/ecs-model.md#task-groups).
    pub fn default_group(&self) -> String {
        format!("family:{}", self.family)
    }

    /// What one task of this definition reserves (docs/ecs-model.md#task-reservation).
    ///
    /// Memory: task-level `memory` if set, else Σ (memoryReservation or memory). CPU: task-level
    /// `cpu` if set, else Σ container cpu (absent counts 0). Ports: non-zero `hostPort`s are
    /// static; bridge mappings without one are dynamic; awsvpc ports live on the task's own ENI
    /// and reserve nothing on the host.
    pub fn reservation(&self) -> Reservation {
        let memory_mib =
            self.memory_mib.unwrap_or_else(|| self.containers.iter().map(|c| c.memory_reservation_mib.or(c.memory_mib).unwrap_or(0)).sum());
        let cpu_units = self.cpu_units.unwrap_or_else(|| self.containers.iter().map(|c| c.cpu_units.unwrap_or(0)).sum());
        let mut r = Reservation {
            cpu_units,
            memory_mib,
            gpus: self.containers.iter().map(|c| c.gpus).sum(),
            enis: u32::from(self.network_mode == NetworkMode::Awsvpc),
            ..Reservation::default()
        };
        if matches!(self.network_mode, NetworkMode::Awsvpc | NetworkMode::None) {
            return r;
        }
        for m in self.containers.iter().flat_map(|c| &c.port_mappings) {
            let host_port = match self.network_mode {
                NetworkMode::Host => Some(m.host_port.filter(|&p| p != 0).unwrap_or(m.container_port)),
                _ => m.host_port.filter(|&p| p != 0),
            };
            match (host_port, m.protocol) {
                (Some(p), Protocol::Tcp) => r.static_tcp_ports.push(p),
                (Some(p), Protocol::Udp) => r.static_udp_ports.push(p),
                (None, Protocol::Tcp) => r.dynamic_tcp_ports += 1,
                (None, Protocol::Udp) => r.dynamic_udp_ports += 1,
            }
        }
        r.static_tcp_ports.sort_unstable();
        r.static_tcp_ports.dedup();
        r.static_udp_ports.sort_unstable();
        r.static_udp_ports.dedup();
        r
    }

    /// The longest `stopTimeout` of the containers, or the agent default of 30 s.
    pub fn stop_timeout_s(&self) -> u32 {
        self.containers.iter().filter_map(|c| c.stop_timeout_s).max().unwrap_or(30)
    }
}

#[cfg(test)]
pub(crate) fn container(name: &str) -> ContainerDefinition {
    ContainerDefinition {
        name: name.into(),
        image: "img".into(),
        cpu_units: None,
        memory_mib: None,
        memory_reservation_mib: None,
        essential: true,
        port_mappings: vec![],
        health_check: None,
        stop_timeout_s: None,
        start_timeout_s: None,
        gpus: 0,
    }
}

#[cfg(test)]
pub(crate) fn task_def(family: &str, network_mode: NetworkMode, containers: Vec<ContainerDefinition>) -> TaskDefinition {
    TaskDefinition {
        family: family.into(),
        revision: 1,
        network_mode,
        requires_compatibilities: vec![Compatibility::Ec2],
        cpu_units: None,
        memory_mib: None,
        containers,
        member_of: vec![],
        requires_attributes: vec![],
        cpu_architecture: Architecture::X86_64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn soft_limit_example_soft_limit_is_reserved_and_dynamic_port_is_not() {
        // One container cpu 256, memory 1024, memoryReservation 512, containerPort 8080 with
        // hostPort 0 in bridge mode → reserves CPU 256, memory 512 (the soft limit), no static
        // port, one dynamic port.
        let mut c = container("web");
        c.cpu_units = Some(256);
        c.memory_mib = Some(1024);
        c.memory_reservation_mib = Some(512);
        c.port_mappings = vec![PortMapping { container_port: 8080, host_port: Some(0), protocol: Protocol::Tcp }];
        let r = task_def("web", NetworkMode::Bridge, vec![c]).reservation();
        assert_eq!((r.cpu_units, r.memory_mib), (256, 512));
        assert!(r.static_tcp_ports.is_empty());
        assert_eq!(r.dynamic_tcp_ports, 1);
    }

    #[test]
    fn task_level_size_example_task_level_size_wins() {
        // Task cpu "1 vCPU" (1024), memory "2 GB" (2048); two containers each cpu 256,
        // memoryReservation 512 → the task reserves 1024 CPU and 2048 MiB.
        let mut c = container("a");
        c.cpu_units = Some(256);
        c.memory_reservation_mib = Some(512);
        let mut td = task_def("t", NetworkMode::Bridge, vec![c.clone(), ContainerDefinition { name: "b".into(), ..c }]);
        td.cpu_units = Some(1024);
        td.memory_mib = Some(2048);
        let r = td.reservation();
        assert_eq!((r.cpu_units, r.memory_mib), (1024, 2048));
    }

    #[test]
    fn container_without_cpu_reserves_none_and_host_mode_ports_are_static() {
        let mut c = container("consul");
        c.memory_mib = Some(256);
        c.memory_reservation_mib = Some(64);
        c.port_mappings = vec![PortMapping { container_port: 8500, host_port: None, protocol: Protocol::Tcp }];
        let r = task_def("consul", NetworkMode::Host, vec![c]).reservation();
        assert_eq!((r.cpu_units, r.memory_mib), (0, 64));
        assert_eq!(r.static_tcp_ports, vec![8500]);
        assert_eq!(r.dynamic_tcp_ports, 0);
    }

    #[test]
    fn awsvpc_task_takes_an_eni_and_no_host_ports() {
        let mut c = container("app");
        c.memory_mib = Some(512);
        c.port_mappings = vec![PortMapping { container_port: 80, host_port: Some(80), protocol: Protocol::Tcp }];
        let r = task_def("app", NetworkMode::Awsvpc, vec![c]).reservation();
        assert_eq!(r.enis, 1);
        assert!(r.static_tcp_ports.is_empty());
    }
}

//! The worked examples of docs/ecs-model.md#resources-examples and
//! docs/ecs-model.md#placement-examples, and the other placement rules of
//! docs/ecs-model.md#instance-resources and docs/ecs-model.md#placement (failure reasons, the closest matching instance, the
//! port limits, `distinctInstance`, the console templates (docs/ecs-model.md#console-templates), spread details and the
//! explanation), each written as a test that reads like the example.
//!
//! Naming: instances are called as in the examples, `i-1` being the first one registered
//! (`InstanceId(0)`). Every test uses `TieBreak::First` ("lowest ordinal in registration
//! order", docs/ecs-model.md#simulated-time) so that the expected instance is derivable by hand.
//!
//! Tests that need the cluster query language (and so fail while `placement::cql` is a stub
//! that accepts everything): `member_of_regex_example_member_of_t3_regex_outside_us_east_1c`,
//! `member_of_that_no_instance_satisfies_fails_with_member_of_reason`,
//! `member_of_not_equals_excludes_instances_lacking_the_attribute`.

use ecsim::ecs::cluster::{Cluster, InstanceSpec};
use ecsim::ecs::instance::{Binding, GroupId, InstanceId, InstanceStatus, DEFAULT_RESERVED_TCP_PORTS};
use ecsim::ecs::instance_types::{self, Architecture, InstanceType};
use ecsim::ecs::placement::rules::{console_template, CONSOLE_TEMPLATES};
use ecsim::ecs::placement::{
    self, BinpackField, Constraint, Decision, FailureReason, Outcome, PlacementRequest, Rejection, SpreadField, Strategy, TieBreak,
};
use ecsim::ecs::task_def::{
    Compatibility, ContainerDefinition, NetworkMode, PortMapping, Protocol, RequiredAttribute, Reservation, TaskDefinition,
};
use ecsim::engine::Streams;
use std::collections::BTreeMap;

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// `i-n` of docs/ecs-model.md.
fn i(n: u32) -> InstanceId {
    InstanceId(n - 1)
}

fn name(id: InstanceId) -> String {
    format!("i-{}", id.0 + 1)
}

fn names(ids: &[InstanceId]) -> Vec<String> {
    ids.iter().map(|&id| name(id)).collect()
}

fn ty(type_name: &str) -> &'static InstanceType {
    instance_types::lookup(type_name).unwrap_or_else(|| panic!("{type_name} is not in INSTANCE_TYPES"))
}

/// m4.large (not in the docs/ecs-model.md#instance-types table; docs/ecs-model.md#example-soft-limit-reservation uses it): 2 vCPU, 8 GiB,
/// 2 ENIs.
const M4_LARGE: InstanceType = InstanceType {
    name: "m4.large",
    architecture: Architecture::X86_64,
    vcpus: 2,
    memory_mib_nominal: 8192,
    max_enis: 2,
    trunk_eni_tasks: None,
    gpus: 0,
    price_usd_per_hour: 0.10,
    ipv4_per_eni: 10,
    price_known: true,
};

/// t3a.medium (not in the docs/ecs-model.md#instance-types table; docs/ecs-model.md#example-memberof-regex uses it): 2 vCPU, 4 GiB.
const T3A_MEDIUM: InstanceType = InstanceType {
    name: "t3a.medium",
    architecture: Architecture::X86_64,
    vcpus: 2,
    memory_mib_nominal: 4096,
    max_enis: 3,
    trunk_eni_tasks: None,
    gpus: 0,
    price_usd_per_hour: 0.0376,
    ipv4_per_eni: 10,
    price_known: true,
};

/// A GPU type (one GPU) for the RESOURCE:GPU examples.
const G4DN_XLARGE: InstanceType = InstanceType {
    name: "g4dn.xlarge",
    architecture: Architecture::X86_64,
    vcpus: 4,
    memory_mib_nominal: 16384,
    max_enis: 3,
    trunk_eni_tasks: None,
    gpus: 1,
    price_usd_per_hour: 0.526,
    ipv4_per_eni: 10,
    price_known: true,
};

fn spec<'a>(t: &'a InstanceType, az: &str) -> InstanceSpec<'a> {
    InstanceSpec {
        instance_type: t,
        availability_zone: az.to_string(),
        os_memory_mib: None,
        reserved_memory_mib: 0,
        awsvpc_trunking: false,
        custom_attributes: BTreeMap::new(),
        registered_at_unix_s: 1_700_000_000,
        agent_version: "1.80.0".to_string(),
        price_usd_per_hour: None,
    }
}

/// A cluster of `(instance type, AZ)` in registration order: i-1, i-2, ...
fn cluster_of(instances: &[(&InstanceType, &str)]) -> Cluster {
    let mut c = Cluster::new("test");
    for (t, az) in instances {
        c.register(&spec(t, az));
    }
    c
}

/// Overwrites an instance's remaining CPU and memory, as an example's table gives them.
fn set_remaining(c: &mut Cluster, id: InstanceId, cpu_units: u32, memory_mib: u32) {
    let inst = c.instance_mut(id);
    inst.remaining_cpu_units = cpu_units;
    inst.remaining_memory_mib = memory_mib;
}

fn container(name: &str, cpu: Option<u32>, memory: Option<u32>, memory_reservation: Option<u32>) -> ContainerDefinition {
    ContainerDefinition {
        name: name.to_string(),
        image: "public.ecr.aws/nginx/nginx:latest".to_string(),
        cpu_units: cpu,
        memory_mib: memory,
        memory_reservation_mib: memory_reservation,
        essential: true,
        port_mappings: vec![],
        health_check: None,
        stop_timeout_s: None,
        start_timeout_s: None,
        gpus: 0,
    }
}

fn task_def(family: &str, network_mode: NetworkMode, containers: Vec<ContainerDefinition>) -> TaskDefinition {
    TaskDefinition {
        family: family.to_string(),
        revision: 1,
        network_mode,
        requires_compatibilities: vec![Compatibility::Ec2],
        cpu_units: None,
        memory_mib: None,
        containers,
        member_of: vec![],
        requires_attributes: vec![],
        cpu_architecture: ecsim::ecs::instance_types::Architecture::X86_64,
    }
}

fn tcp(container_port: u16, host_port: Option<u16>) -> PortMapping {
    PortMapping { container_port, host_port, protocol: Protocol::Tcp }
}

/// A task that reserves only CPU and memory.
fn sized(cpu_units: u32, memory_mib: u32) -> Reservation {
    Reservation { cpu_units, memory_mib, ..Reservation::default() }
}

fn az_spread() -> Strategy {
    Strategy::Spread(SpreadField::Attribute("ecs.availability-zone".to_string()))
}

fn request<'a>(r: &'a Reservation, group: GroupId, strategies: &'a [Strategy], constraints: &'a [Constraint]) -> PlacementRequest<'a> {
    PlacementRequest { reservation: r, group, strategies, constraints, requires_attributes: &[], tie_break: TieBreak::First }
}

/// One placement decision with the explanation.
fn decide(c: &Cluster, req: &PlacementRequest) -> Decision {
    let mut rng = Streams::new(1).get("placement");
    placement::place(c, req, &mut rng, true)
}

/// Places one task and, when it is placed, binds it (sequential placement, docs/ecs-model.md#placement-algorithm).
fn place_and_bind(c: &mut Cluster, req: &PlacementRequest) -> Result<(InstanceId, Binding), Box<Decision>> {
    let d = decide(c, req);
    match d.instance() {
        Some(id) => Ok((id, c.bind_task(id, req.group, req.reservation))),
        None => Err(Box::new(d)),
    }
}

/// Places `n` tasks one after the other, binding each; panics on a failure.
fn place_n(c: &mut Cluster, req: &PlacementRequest, n: usize) -> Vec<InstanceId> {
    (0..n)
        .map(|k| match place_and_bind(c, req) {
            Ok((id, _)) => id,
            Err(d) => panic!("task {} of {n} was not placed: {:?}", k + 1, d.outcome),
        })
        .collect()
}

/// Non-STOPPED tasks of `group` per instance, as `("i-n", count)`, instances without any left
/// out.
fn layout(c: &Cluster, group: GroupId) -> Vec<(String, u32)> {
    c.instances.iter().filter(|inst| inst.active_count(group) > 0).map(|inst| (name(inst.id), inst.active_count(group))).collect()
}

/// Tasks of `group` per AZ.
fn per_az(c: &Cluster, group: GroupId) -> BTreeMap<String, u32> {
    let mut m = BTreeMap::new();
    for inst in &c.instances {
        *m.entry(inst.availability_zone.clone()).or_insert(0) += inst.active_count(group);
    }
    m
}

fn failure(d: &Decision) -> (FailureReason, Option<(InstanceId, Rejection)>) {
    match &d.outcome {
        Outcome::Failed { reason, closest } => (*reason, closest.clone()),
        Outcome::Placed { instance } => panic!("expected a placement failure, got a placement on {}", name(*instance)),
    }
}

/// The ranking of strategy step `step` of the explanation: `(bucket, score, instances)`.
fn ranking(d: &Decision, step: usize) -> Vec<(String, u64, Vec<String>)> {
    let e = d.explanation.as_ref().expect("explanation requested");
    e.steps[step].ranking.iter().map(|r| (r.value.clone(), r.score, names(&r.instances))).collect()
}

fn kept(d: &Decision, step: usize) -> Vec<String> {
    names(&d.explanation.as_ref().expect("explanation requested").steps[step].kept)
}

fn rejected(d: &Decision) -> Vec<(String, Rejection)> {
    d.explanation.as_ref().expect("explanation requested").rejected.iter().map(|(id, r)| (name(*id), r.clone())).collect()
}

fn passed(d: &Decision) -> Vec<String> {
    names(&d.explanation.as_ref().expect("explanation requested").passed_filters)
}

fn render(d: &Decision) -> String {
    d.explanation.as_ref().expect("explanation requested").render(&name)
}

fn s(x: &str) -> String {
    x.to_string()
}

// ---------------------------------------------------------------------------------------------
// docs/ecs-model.md#resources-examples Worked examples: the resource model
// ---------------------------------------------------------------------------------------------

/// docs/ecs-model.md#example-soft-limit-reservation, first sentence: "registered memory 7985 MiB, agent ECS_RESERVED_MEMORY=256 →
/// registered memory 7729 MiB" (docs/ecs-model.md#registered-resources: MEMORY = MemTotal − ECS_RESERVED_MEMORY).
#[test]
fn soft_limit_example_registered_memory_is_measured_memory_minus_ecs_reserved_memory() {
    let mut c = Cluster::new("soft-limit-example");
    let id = c.register(&InstanceSpec { os_memory_mib: Some(7985), reserved_memory_mib: 256, ..spec(&M4_LARGE, "us-east-1a") });
    let inst = c.instance(id);
    // m4.large: 2 vCPU × 1024 = 2048 CPU units; memory 7985 − 256 = 7729 MiB.
    assert_eq!(inst.registered_cpu_units, 2048);
    assert_eq!(inst.registered_memory_mib, 7729, "7985 MiB measured − 256 MiB ECS_RESERVED_MEMORY");
    assert_eq!(inst.remaining_memory_mib, 7729);
}

/// docs/ecs-model.md#example-soft-limit-reservation: three copies of a soft-limit task with a dynamic port on the m4.large of 7729 MiB.
#[test]
fn soft_limit_example_three_soft_limit_copies_leave_1280_cpu_6193_mib_and_take_ports_32768_to_32770() {
    // The instance as docs/ecs-model.md#example-soft-limit-reservation describes it: registered CPU 2048, registered memory 7985 MiB
    // minus ECS_RESERVED_MEMORY=256 = 7729 MiB (set by hand so that this test does not depend
    // on how `register` combines the two figures; see the test above).
    let mut c = Cluster::new("soft-limit-example");
    let id = c.register(&InstanceSpec { os_memory_mib: Some(7985), ..spec(&M4_LARGE, "us-east-1a") });
    c.instance_mut(id).registered_memory_mib = 7985 - 256;
    c.instance_mut(id).remaining_memory_mib = 7985 - 256;

    // Bridge mode, one container cpu 256, memory 1024, memoryReservation 512, port 8080 with
    // hostPort 0. Reservation = CPU 256, memory 512 (the soft limit), no static port, one
    // dynamic port.
    let mut web = container("web", Some(256), Some(1024), Some(512));
    web.port_mappings = vec![tcp(8080, Some(0))];
    let r = task_def("web", NetworkMode::Bridge, vec![web]).reservation();
    assert_eq!((r.cpu_units, r.memory_mib), (256, 512));
    assert!(r.static_tcp_ports.is_empty() && r.static_udp_ports.is_empty());
    assert_eq!(r.dynamic_tcp_ports, 1);

    let g = c.group_id("service:web");
    let strategies = Strategy::service_default();
    let req = request(&r, g, &strategies, &[]);
    let bindings: Vec<Binding> = (0..3).map(|_| place_and_bind(&mut c, &req).expect("fits").1).collect();

    let inst = c.instance(id);
    // Remaining CPU 2048 − 3 × 256 = 1280; remaining memory 7729 − 3 × 512 = 6193 MiB.
    assert_eq!(inst.remaining_cpu_units, 1280);
    assert_eq!(inst.remaining_memory_mib, 6193);
    // Dynamic ports: the lowest free ones of 32768–60999, in placement order.
    let ports: Vec<Vec<u16>> = bindings.iter().map(|b| b.tcp_ports.to_vec()).collect();
    assert_eq!(ports, vec![vec![32768], vec![32769], vec![32770]]);
    assert!(bindings.iter().all(|b| b.static_ports == 0 && b.udp_ports.is_empty()));
    // Reserved ports are still the 5 agent defaults: dynamic ports do not count.
    assert_eq!(inst.reserved_tcp_ports, DEFAULT_RESERVED_TCP_PORTS.to_vec());
    assert_eq!(inst.reserved_port_count(), 5);
    assert_eq!(inst.bound_tcp_ports.iter().copied().collect::<Vec<_>>(), vec![32768, 32769, 32770]);
}

/// docs/ecs-model.md#example-task-level-size: task-level cpu "1 vCPU" / memory "2 GB" wins over the containers' values.
#[test]
fn task_level_size_example_task_level_size_wins_over_container_values() {
    // Two containers each cpu 256, memoryReservation 512 (Σ = 512 CPU, 1024 MiB), but the task
    // says cpu 1024, memory 2048 → the task reserves 1024 CPU and 2048 MiB.
    let mut td =
        task_def("api", NetworkMode::Bridge, vec![container("a", Some(256), None, Some(512)), container("b", Some(256), None, Some(512))]);
    td.cpu_units = Some(1024);
    td.memory_mib = Some(2048);
    let r = td.reservation();
    assert_eq!((r.cpu_units, r.memory_mib), (1024, 2048));

    // On an m5.large (2048 CPU, 8028 MiB) that is exactly 2048 / 1024 = 2 copies by CPU.
    let mut c = cluster_of(&[(ty("m5.large"), "us-east-1a")]);
    let g = c.group_id("family:api");
    let req = request(&r, g, &[], &[]);
    place_n(&mut c, &req, 2);
    // Remaining: CPU 2048 − 2 × 1024 = 0, memory 8028 − 2 × 2048 = 3932.
    assert_eq!((c.instance(i(1)).remaining_cpu_units, c.instance(i(1)).remaining_memory_mib), (0, 3932));
    let (reason, closest) = failure(&decide(&c, &req));
    assert_eq!(reason, FailureReason::Cpu);
    assert_eq!(closest, Some((i(1), Rejection::Cpu { remaining_units: 0, needed_units: 1024 })));
}

fn eni_limit_example_task() -> Reservation {
    // awsvpc task of 256 CPU / 512 MiB: one ENI, no host ports.
    let mut app = container("app", Some(256), Some(512), None);
    app.port_mappings = vec![tcp(80, Some(80))];
    let mut td = task_def("app", NetworkMode::Awsvpc, vec![app]);
    td.cpu_units = Some(256);
    td.memory_mib = Some(512);
    td.reservation()
}

/// docs/ecs-model.md#example-eni-limit: c5.large without trunking hosts 3 − 1 = 2 awsvpc tasks; the third fails on ENI.
#[test]
fn eni_limit_example_third_awsvpc_task_on_c5_large_fails_with_resource_eni() {
    let r = eni_limit_example_task();
    assert_eq!(r.enis, 1);
    assert!(r.static_tcp_ports.is_empty(), "awsvpc ports live on the task's ENI");
    let mut c = cluster_of(&[(ty("c5.large"), "us-east-1a")]);
    // Capacity by CPU 2048 / 256 = 8, by memory floor(4014 / 512) = 7, by ENI 3 − 1 = 2.
    assert_eq!(c.instance(i(1)).eni_task_limit, 2);
    let g = c.group_id("service:app");
    let req = request(&r, g, &[], &[]);
    assert_eq!(place_n(&mut c, &req, 2), vec![i(1), i(1)]);
    assert_eq!(c.instance(i(1)).enis_in_use, 2);
    // Both tasks map container port 80, but awsvpc ports live on each task's ENI: no host port
    // is bound on the instance.
    assert!(c.instance(i(1)).bound_tcp_ports.is_empty());

    let d = decide(&c, &req);
    let (reason, closest) = failure(&d);
    assert_eq!(reason, FailureReason::Eni);
    assert_eq!(reason.code(), "RESOURCE:ENI");
    assert_eq!(closest, Some((i(1), Rejection::Eni { in_use: 2, limit: 2 })));
}

/// docs/ecs-model.md#example-eni-limit with trunking: the ENI limit of a c5.large becomes 10, so memory binds first.
#[test]
fn eni_limit_example_with_trunking_the_eni_limit_is_10() {
    let r = eni_limit_example_task();
    let mut c = Cluster::new("eni-limit-example");
    c.register(&InstanceSpec { awsvpc_trunking: true, ..spec(ty("c5.large"), "us-east-1a") });
    assert_eq!(c.instance(i(1)).eni_task_limit, 10);
    assert!(c.instance(i(1)).attributes.contains_key("ecs.awsvpc-trunk-id"));
    let g = c.group_id("service:app");
    let req = request(&r, g, &[], &[]);
    // The third task now fits; the limits are CPU 8, memory floor(4014 / 512) = 7, ENI 10, so
    // the 8th task fails on memory (4014 − 7 × 512 = 430 MiB left < 512).
    assert_eq!(place_n(&mut c, &req, 7).len(), 7);
    let (reason, closest) = failure(&decide(&c, &req));
    assert_eq!(reason, FailureReason::Memory);
    assert_eq!(closest, Some((i(1), Rejection::Memory { remaining_mib: 430, needed_mib: 512 })));

    // A smaller awsvpc task (128 CPU / 256 MiB) shows the ENI limit itself: 10 fit (CPU 1280,
    // memory 2560 of 4014), the 11th fails on ENI.
    let mut c = Cluster::new("eni-limit-example-small");
    c.register(&InstanceSpec { awsvpc_trunking: true, ..spec(ty("c5.large"), "us-east-1a") });
    let small = Reservation { cpu_units: 128, memory_mib: 256, enis: 1, ..Reservation::default() };
    let g = c.group_id("service:small");
    let req = request(&small, g, &[], &[]);
    place_n(&mut c, &req, 10);
    let (reason, closest) = failure(&decide(&c, &req));
    assert_eq!(reason, FailureReason::Eni);
    assert_eq!(closest, Some((i(1), Rejection::Eni { in_use: 10, limit: 10 })));
}

// ---------------------------------------------------------------------------------------------
// docs/ecs-model.md#placement-examples Worked examples: placement
// ---------------------------------------------------------------------------------------------

/// The docs/ecs-model.md#example-binpack-memory table: i-1 (a) 2048/4096, i-2 (a) 1024/1024, i-3 (b) 1536/2048, i-4 (b) 2048/768.
fn binpack_memory_example_cluster() -> Cluster {
    let m5 = ty("m5.large");
    let mut c = cluster_of(&[(m5, "us-east-1a"), (m5, "us-east-1a"), (m5, "us-east-1b"), (m5, "us-east-1b")]);
    set_remaining(&mut c, i(1), 2048, 4096);
    set_remaining(&mut c, i(2), 1024, 1024);
    set_remaining(&mut c, i(3), 1536, 2048);
    set_remaining(&mut c, i(4), 2048, 768);
    c
}

/// docs/ecs-model.md#example-binpack-memory: binpack(memory) picks the fullest instance that still fits.
#[test]
fn binpack_memory_example_binpack_memory_picks_i_2() {
    let mut c = binpack_memory_example_cluster();
    let r = sized(512, 1024);
    let g = c.group_id("service:web");
    let strategies = [Strategy::Binpack(BinpackField::Memory)];
    let req = request(&r, g, &strategies, &[]);
    let d = decide(&c, &req);
    // Filter: i-4 has 768 MiB < 1024 → candidates {i-1, i-2, i-3}.
    assert_eq!(rejected(&d), vec![(s("i-4"), Rejection::Memory { remaining_mib: 768, needed_mib: 1024 })]);
    assert_eq!(passed(&d), vec!["i-1", "i-2", "i-3"]);
    // binpack(memory): remaining 4096, 1024, 2048 → minimum 1024 → i-2.
    assert_eq!(ranking(&d, 0)[0], (s("1024"), 1024, vec![s("i-2")]));
    assert_eq!(d.instance(), Some(i(2)));
    // Binding it leaves i-2 with 1024 − 1024 = 0 MiB and 1024 − 512 = 512 CPU units.
    c.bind_task(i(2), g, &r);
    assert_eq!((c.instance(i(2)).remaining_cpu_units, c.instance(i(2)).remaining_memory_mib), (512, 0));
}

/// The docs/ecs-model.md#example-spread-then-binpack cluster: service tasks a 2 (i-1, i-2), b 1 (i-3), c 1 (i-5); remaining memory
/// i-1 3000, i-2 500 (too little: not feasible, but its task still counts for AZ a),
/// i-3 2048, i-4 1500, i-5 1200.
fn spread_then_binpack_example_cluster() -> (Cluster, GroupId) {
    let m5 = ty("m5.large");
    let mut c = cluster_of(&[(m5, "us-east-1a"), (m5, "us-east-1a"), (m5, "us-east-1b"), (m5, "us-east-1b"), (m5, "us-east-1c")]);
    let g = c.group_id("service:web");
    let existing = sized(256, 1024);
    for n in [1, 2, 3, 5] {
        c.bind_task(i(n), g, &existing);
    }
    for (n, memory) in [(1, 3000), (2, 500), (3, 2048), (4, 1500), (5, 1200)] {
        set_remaining(&mut c, i(n), 1024, memory);
    }
    (c, g)
}

/// docs/ecs-model.md#example-spread-then-binpack: spread(AZ) then binpack(memory) → i-5.
#[test]
fn spread_then_binpack_example_spread_az_then_binpack_memory_picks_i_5() {
    let (c, g) = spread_then_binpack_example_cluster();
    let r = sized(256, 1024);
    let strategies = [az_spread(), Strategy::Binpack(BinpackField::Memory)];
    let d = decide(&c, &request(&r, g, &strategies, &[]));
    // spread(AZ): counts a=2, b=1, c=1 → keep {i-3, i-4, i-5}.
    assert_eq!(kept(&d, 0), vec!["i-3", "i-4", "i-5"]);
    // binpack(memory): 2048, 1500, 1200 → minimum 1200 → i-5 (AZ c).
    assert_eq!(kept(&d, 1), vec!["i-5"]);
    assert_eq!(d.instance(), Some(i(5)));
}

/// The explanation of docs/ecs-model.md#example-spread-then-binpack names the rejected instance and shows both rankings.
#[test]
fn explanation_of_spread_then_binpack_example_names_rejections_and_shows_az_counts_a2_b1_c1() {
    let (c, g) = spread_then_binpack_example_cluster();
    let r = sized(256, 1024);
    let strategies = [az_spread(), Strategy::Binpack(BinpackField::Memory)];
    let d = decide(&c, &request(&r, g, &strategies, &[]));
    // i-2 has 500 MiB < 1024: removed by the memory filter, the only rejection.
    assert_eq!(rejected(&d), vec![(s("i-2"), Rejection::Memory { remaining_mib: 500, needed_mib: 1024 })]);
    assert_eq!(passed(&d), vec!["i-1", "i-3", "i-4", "i-5"]);
    // AZ buckets best first: b=1 [i-3, i-4], c=1 [i-5], a=2 [i-1] (a counts i-2's task too,
    // although i-2 is not a candidate: counts are over the whole cluster).
    assert_eq!(
        ranking(&d, 0),
        vec![(s("us-east-1b"), 1, vec![s("i-3"), s("i-4")]), (s("us-east-1c"), 1, vec![s("i-5")]), (s("us-east-1a"), 2, vec![s("i-1")]),]
    );
    // binpack(memory) over {i-3, i-4, i-5}: 1200 [i-5], 1500 [i-4], 2048 [i-3].
    assert_eq!(
        ranking(&d, 1),
        vec![(s("1200"), 1200, vec![s("i-5")]), (s("1500"), 1500, vec![s("i-4")]), (s("2048"), 2048, vec![s("i-3")])]
    );
    let e = d.explanation.as_ref().unwrap();
    assert_eq!(e.group, "service:web");
    assert_eq!(e.strategies, vec!["spread(attribute:ecs.availability-zone)", "binpack(memory)"]);
    assert_eq!(e.final_ties, vec![i(5)]);
    assert_eq!(e.outcome, Some(Outcome::Placed { instance: i(5) }));
    let text = render(&d);
    assert!(text.contains("i-2 removed: memory: 500 MiB free, task needs 1024"), "{text}");
    assert!(text.contains("us-east-1b: 1 task(s) [i-3, i-4]; us-east-1c: 1 task(s) [i-5]; us-east-1a: 2 task(s) [i-1]"), "{text}");
    assert!(text.contains("placed on i-5"), "{text}");
}

/// docs/ecs-model.md#example-default-spread-with-an-empty-zone: the default service strategy with an AZ (c) that has no instance.
#[test]
fn empty_zone_example_default_service_spread_gives_i1_2_i2_1_i3_2_and_az_a3_b2() {
    let m5 = ty("m5.large");
    let mut c = cluster_of(&[(m5, "us-east-1a"), (m5, "us-east-1a"), (m5, "us-east-1b")]);
    let g = c.group_id("service:web");
    let r = sized(256, 512);
    let strategies = Strategy::service_default();
    let req = request(&r, g, &strategies, &[]);
    let mut chosen = vec![];
    for _ in 0..5 {
        let d = decide(&c, &req);
        // c is never a bucket: only AZs of feasible instances are compared.
        assert!(d.explanation.as_ref().unwrap().steps[0].ranking.iter().all(|b| b.value != "us-east-1c"));
        let id = d.instance().expect("roomy instances");
        c.bind_task(id, g, &r);
        chosen.push(id);
    }
    // t1 a0 b0 → instance counts all 0 → i-1; t2 a1 b0 → i-3; t3 a1 b1 → i-1 1, i-2 0, i-3 1
    // → i-2; t4 a2 b1 → i-3; t5 a2 b2 → i-1 1, i-2 1, i-3 2 → i-1 (lowest ordinal).
    assert_eq!(names(&chosen), vec!["i-1", "i-3", "i-2", "i-3", "i-1"]);
    // Result: i-1 2, i-2 1, i-3 2; AZ a 3, b 2, c 0.
    assert_eq!(layout(&c, g), vec![(s("i-1"), 2), (s("i-2"), 1), (s("i-3"), 2)]);
    assert_eq!(per_az(&c, g), BTreeMap::from([(s("us-east-1a"), 3), (s("us-east-1b"), 2)]));
}

/// docs/ecs-model.md#example-memberof-regex (needs the CQL parser): `t3.*` is a regex, so t3a.medium matches.
#[test]
fn member_of_regex_example_member_of_t3_regex_outside_us_east_1c() {
    let mut c = cluster_of(&[
        (ty("t3.medium"), "us-east-1a"),
        (ty("t3.large"), "us-east-1c"),
        (ty("m5.large"), "us-east-1a"),
        (&T3A_MEDIUM, "us-east-1b"),
    ]);
    let g = c.group_id("service:web");
    let constraint =
        Constraint::parse("memberOf", Some("attribute:ecs.instance-type =~ t3.* and attribute:ecs.availability-zone != us-east-1c"))
            .expect("valid CQL");
    let constraints = [constraint];
    let r = sized(256, 512);
    let d = decide(&c, &request(&r, g, &[], &constraints));
    // i-1 member; i-2 not (AZ us-east-1c); i-3 not (m5.large); i-4 member (t3a.medium matches
    // the regex t3.*). Members: {i-1, i-4}.
    assert_eq!(passed(&d), vec!["i-1", "i-4"]);
    let not_members = rejected(&d);
    assert_eq!(not_members.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(), vec!["i-2", "i-3"]);
    for (_, why) in &not_members {
        assert!(matches!(why, Rejection::Constraint { index: 0, .. }), "{why:?}");
        assert_eq!(why.reason(), FailureReason::MemberOf);
    }
    // No strategy, tieBreak first → i-1; with i-1 full the next task goes to i-4.
    assert_eq!(d.instance(), Some(i(1)));
    set_remaining(&mut c, i(1), 0, 0);
    assert_eq!(decide(&c, &request(&r, g, &[], &constraints)).instance(), Some(i(4)));
}

/// Spec docs/ecs-model.md#placement-failures (needs the CQL parser): a memberOf constraint no instance satisfies is a
/// placement failure.
#[test]
fn member_of_that_no_instance_satisfies_fails_with_member_of_reason() {
    let m5 = ty("m5.large");
    let mut c = cluster_of(&[(m5, "us-east-1a"), (m5, "us-east-1b")]);
    let g = c.group_id("service:web");
    let constraints = [Constraint::parse("memberOf", Some("attribute:ecs.instance-type == c5.large")).expect("valid CQL")];
    let r = sized(256, 512);
    let (reason, closest) = failure(&decide(&c, &request(&r, g, &[], &constraints)));
    // Both pass every resource check and fail only the constraint → closest i-1.
    assert_eq!(reason, FailureReason::MemberOf);
    assert!(matches!(closest, Some((id, Rejection::Constraint { index: 0, .. })) if id == i(1)), "{closest:?}");
}

/// Spec docs/ecs-model.md#cluster-query-language (needs the CQL parser): "`attribute:stack != prod` lists the instances with the
/// attribute stack unless its value is prod" — an instance without the attribute is excluded.
#[test]
fn member_of_not_equals_excludes_instances_lacking_the_attribute() {
    let m5 = ty("m5.large");
    let mut c = Cluster::new("stack");
    for stack in [Some("prod"), None, Some("dev")] {
        let mut sp = spec(m5, "us-east-1a");
        if let Some(v) = stack {
            sp.custom_attributes.insert(s("stack"), s(v));
        }
        c.register(&sp);
    }
    let g = c.group_id("service:web");
    let constraints = [Constraint::parse("memberOf", Some("attribute:stack != prod")).expect("valid CQL")];
    let r = sized(256, 512);
    let d = decide(&c, &request(&r, g, &[], &constraints));
    // i-1 stack=prod: no; i-2 no stack attribute: comparison false; i-3 stack=dev: member.
    assert_eq!(passed(&d), vec!["i-3"]);
    assert_eq!(d.instance(), Some(i(3)));
}

/// docs/ecs-model.md#example-static-host-port: a static host port 80 allows one task per instance.
#[test]
fn static_port_example_static_port_80_second_task_on_i_2_third_fails_with_resource_ports() {
    let m5 = ty("m5.large");
    let mut c = cluster_of(&[(m5, "us-east-1a"), (m5, "us-east-1b")]);
    let mut web = container("web", Some(256), Some(512), None);
    web.port_mappings = vec![tcp(80, Some(80))];
    let r = task_def("web", NetworkMode::Bridge, vec![web]).reservation();
    assert_eq!(r.static_tcp_ports, vec![80]);
    let g = c.group_id("service:web");
    // i-1 already runs one such task (desired count 1).
    let first = c.bind_task(i(1), g, &r);
    assert_eq!(first.tcp_ports.to_vec(), vec![80]);

    let strategies = Strategy::service_default();
    let req = request(&r, g, &strategies, &[]);
    // Desired 1 → 2: i-1 is filtered out (port 80 bound) → i-2.
    let d = decide(&c, &req);
    assert_eq!(rejected(&d), vec![(s("i-1"), Rejection::PortInUse { port: 80, protocol: Protocol::Tcp })]);
    assert_eq!(d.instance(), Some(i(2)));
    c.bind_task(i(2), g, &r);

    // Desired 2 → 3: both instances have port 80 bound → failure RESOURCE:PORTS; both fail
    // only the port check, so the closest match is the lowest ordinal, i-1.
    let d = decide(&c, &req);
    let (reason, closest) = failure(&d);
    assert_eq!(reason, FailureReason::Ports);
    assert_eq!(reason.code(), "RESOURCE:PORTS");
    let (closest_id, why) = closest.expect("a closest match");
    assert_eq!((closest_id, &why), (i(1), &Rejection::PortInUse { port: 80, protocol: Protocol::Tcp }));
    assert_eq!(why.closest_match_text(), "is already using a port required by your task.");
    let text = render(&d);
    assert!(text.contains("The closest matching container-instance i-1 is already using a port required by your task."), "{text}");
}

// ---------------------------------------------------------------------------------------------
// docs/ecs-model.md#placement-failures Failure reasons
// ---------------------------------------------------------------------------------------------

#[test]
fn not_enough_cpu_anywhere_fails_with_resource_cpu() {
    let m5 = ty("m5.large");
    let mut c = cluster_of(&[(m5, "us-east-1a"), (m5, "us-east-1b")]);
    set_remaining(&mut c, i(1), 256, 8028);
    set_remaining(&mut c, i(2), 512, 8028);
    let g = c.group_id("service:web");
    let r = sized(1024, 128);
    let (reason, closest) = failure(&decide(&c, &request(&r, g, &[], &[])));
    // Both fail CPU only (256 and 512 < 1024): closest is the lowest ordinal, i-1.
    assert_eq!(reason, FailureReason::Cpu);
    let (id, why) = closest.unwrap();
    assert_eq!((id, &why), (i(1), &Rejection::Cpu { remaining_units: 256, needed_units: 1024 }));
    assert_eq!(why.closest_match_text(), "has insufficient CPU units available.");
}

#[test]
fn not_enough_memory_anywhere_fails_with_resource_memory() {
    let m5 = ty("m5.large");
    let mut c = cluster_of(&[(m5, "us-east-1a"), (m5, "us-east-1b")]);
    set_remaining(&mut c, i(1), 2048, 1000);
    set_remaining(&mut c, i(2), 2048, 2000);
    let g = c.group_id("service:web");
    let r = sized(256, 4096);
    let (reason, closest) = failure(&decide(&c, &request(&r, g, &[], &[])));
    assert_eq!(reason, FailureReason::Memory);
    let (id, why) = closest.unwrap();
    assert_eq!((id, &why), (i(1), &Rejection::Memory { remaining_mib: 1000, needed_mib: 4096 }));
    assert_eq!(why.closest_match_text(), "has insufficient memory available.");
}

#[test]
fn gpu_task_goes_to_the_gpu_instance_and_the_next_fails_with_resource_gpu() {
    let mut c = cluster_of(&[(ty("m5.large"), "us-east-1a"), (&G4DN_XLARGE, "us-east-1b")]);
    assert_eq!((c.instance(i(2)).registered_gpus, c.instance(i(2)).remaining_gpus), (1, 1));
    let mut trainer = container("trainer", Some(1024), Some(4096), None);
    trainer.gpus = 1; // resourceRequirements [{type: GPU, value: "1"}]
    let r = task_def("trainer", NetworkMode::Bridge, vec![trainer]).reservation();
    assert_eq!(r.gpus, 1);
    let g = c.group_id("family:trainer");
    let req = request(&r, g, &[], &[]);
    let d = decide(&c, &req);
    // i-1 (m5.large) has no GPU → only i-2.
    assert_eq!(rejected(&d), vec![(s("i-1"), Rejection::Gpu { remaining: 0, needed: 1 })]);
    assert_eq!(d.instance(), Some(i(2)));
    c.bind_task(i(2), g, &r);
    assert_eq!(c.instance(i(2)).remaining_gpus, 0);
    // Second task: neither has a free GPU; both fail only the GPU check → i-1.
    let (reason, closest) = failure(&decide(&c, &req));
    assert_eq!(reason, FailureReason::Gpu);
    assert_eq!(reason.code(), "RESOURCE:GPU");
    assert_eq!(closest, Some((i(1), Rejection::Gpu { remaining: 0, needed: 1 })));
}

#[test]
fn missing_required_attribute_fails_with_attribute_reason() {
    let m5 = ty("m5.large");
    let mut c = cluster_of(&[(m5, "us-east-1a"), (m5, "us-east-1b")]);
    let g = c.group_id("family:app");
    let r = sized(256, 512);
    let capability = "com.amazonaws.ecs.capability.docker-remote-api.1.44";
    let attrs = [RequiredAttribute { name: s(capability), value: None }];
    let req = PlacementRequest { requires_attributes: &attrs, ..request(&r, g, &[], &[]) };
    let (reason, closest) = failure(&decide(&c, &req));
    assert_eq!(reason, FailureReason::Attribute);
    assert_eq!(reason.code(), "ATTRIBUTE");
    let (id, why) = closest.unwrap();
    assert_eq!((id, &why), (i(1), &Rejection::MissingAttribute { name: s(capability), value: None }));
    assert_eq!(why.closest_match_text(), format!("is missing required attribute {capability}."));
    // Once i-2 carries the capability, the task goes there.
    c.instance_mut(i(2)).attributes.insert(s(capability), s(""));
    assert_eq!(decide(&c, &req).instance(), Some(i(2)));
    // A required value must match: stack=prod is not satisfied by stack=dev.
    c.instance_mut(i(1)).attributes.insert(s(capability), s(""));
    c.instance_mut(i(1)).attributes.insert(s("stack"), s("dev"));
    c.instance_mut(i(2)).attributes.insert(s("stack"), s("prod"));
    let attrs = [RequiredAttribute { name: s("stack"), value: Some(s("prod")) }];
    let req = PlacementRequest { requires_attributes: &attrs, ..request(&r, g, &[], &[]) };
    let d = decide(&c, &req);
    assert_eq!(rejected(&d), vec![(s("i-1"), Rejection::MissingAttribute { name: s("stack"), value: Some(s("prod")) })]);
    assert_eq!(d.instance(), Some(i(2)));
}

#[test]
fn agent_disconnected_instances_are_skipped_and_alone_fail_with_agent() {
    let m5 = ty("m5.large");
    let mut c = cluster_of(&[(m5, "us-east-1a"), (m5, "us-east-1b")]);
    let g = c.group_id("service:web");
    let r = sized(256, 512);
    let req = request(&r, g, &[], &[]);
    // i-1 disconnected: the task goes to i-2 although i-1 is first.
    c.instance_mut(i(1)).agent_connected = false;
    let d = decide(&c, &req);
    assert_eq!(rejected(&d), vec![(s("i-1"), Rejection::AgentDisconnected)]);
    assert_eq!(d.instance(), Some(i(2)));
    // Both disconnected: failure AGENT, "encountered error "AGENT"".
    c.instance_mut(i(2)).agent_connected = false;
    let (reason, closest) = failure(&decide(&c, &req));
    assert_eq!(reason, FailureReason::Agent);
    assert_eq!(reason.code(), "AGENT");
    let (id, why) = closest.unwrap();
    assert_eq!((id, &why), (i(1), &Rejection::AgentDisconnected));
    assert_eq!(why.closest_match_text(), "encountered error \"AGENT\".");
}

#[test]
fn draining_instances_never_receive_tasks_and_a_draining_only_cluster_has_no_instances() {
    let m5 = ty("m5.large");
    let mut c = cluster_of(&[(m5, "us-east-1a"), (m5, "us-east-1b")]);
    let g = c.group_id("service:web");
    let r = sized(256, 512);
    let req = request(&r, g, &[], &[]);
    c.instance_mut(i(1)).status = InstanceStatus::Draining;
    let d = decide(&c, &req);
    assert_eq!(rejected(&d), vec![(s("i-1"), Rejection::NotActive { status: InstanceStatus::Draining })]);
    assert_eq!(d.instance(), Some(i(2)));
    // Only DRAINING instances: no candidate at all and no closest match.
    c.instance_mut(i(2)).status = InstanceStatus::Draining;
    let d = decide(&c, &req);
    assert_eq!(failure(&d), (FailureReason::NoInstances, None));
    assert_eq!(rejected(&d).len(), 2);
    // An empty cluster fails the same way.
    let mut empty = Cluster::new("empty");
    let g = empty.group_id("service:web");
    assert_eq!(failure(&decide(&empty, &request(&r, g, &[], &[]))), (FailureReason::NoInstances, None));
}

// ---------------------------------------------------------------------------------------------
// docs/ecs-model.md#placement-failures The closest matching container instance: most checks passed, ties lowest ordinal,
// first failing check in the order CPU, memory, ports, ENI, GPU, attribute.
// ---------------------------------------------------------------------------------------------

#[test]
fn closest_match_is_the_instance_that_passed_the_most_checks() {
    let m5 = ty("m5.large");
    let mut c = cluster_of(&[(m5, "us-east-1a"), (m5, "us-east-1a"), (m5, "us-east-1b"), (m5, "us-east-1b")]);
    let other = c.group_id("service:other");
    let g = c.group_id("service:web");
    let port80 = Reservation { static_tcp_ports: vec![80], ..sized(0, 0) };
    // Task: 1024 CPU, 2048 MiB, host port 80.
    let r = Reservation { static_tcp_ports: vec![80], ..sized(1024, 2048) };
    // i-1 fails CPU and memory (2 failures); i-2 fails memory and port (2);
    // i-3 fails the port only (1); i-4 fails CPU only (1).
    set_remaining(&mut c, i(1), 512, 1024);
    c.bind_task(i(2), other, &port80);
    set_remaining(&mut c, i(2), 2048, 1024);
    c.bind_task(i(3), other, &port80);
    set_remaining(&mut c, i(4), 512, 8028);
    let (reason, closest) = failure(&decide(&c, &request(&r, g, &[], &[])));
    // Fewest failures: i-3 and i-4 (one each) → lowest ordinal i-3, whose failing check is the
    // port → RESOURCE:PORTS.
    assert_eq!(closest, Some((i(3), Rejection::PortInUse { port: 80, protocol: Protocol::Tcp })));
    assert_eq!(reason, FailureReason::Ports);
}

#[test]
fn closest_match_reports_its_first_failing_check_in_the_order_cpu_memory_ports() {
    let mut c = cluster_of(&[(ty("m5.large"), "us-east-1a")]);
    let other = c.group_id("service:other");
    let g = c.group_id("service:web");
    c.bind_task(i(1), other, &Reservation { static_tcp_ports: vec![80], ..sized(0, 0) });
    set_remaining(&mut c, i(1), 512, 1024);
    // Fails CPU, memory and port 80 → CPU is reported.
    let r = Reservation { static_tcp_ports: vec![80], ..sized(1024, 2048) };
    assert_eq!(failure(&decide(&c, &request(&r, g, &[], &[]))).0, FailureReason::Cpu);
    // Fails memory and port → memory.
    let r = Reservation { static_tcp_ports: vec![80], ..sized(256, 2048) };
    assert_eq!(failure(&decide(&c, &request(&r, g, &[], &[]))).0, FailureReason::Memory);
    // Fails only the port → ports.
    let r = Reservation { static_tcp_ports: vec![80], ..sized(256, 512) };
    assert_eq!(failure(&decide(&c, &request(&r, g, &[], &[]))).0, FailureReason::Ports);
}

#[test]
fn closest_match_ties_go_to_the_lowest_ordinal_and_skip_draining_instances() {
    let m5 = ty("m5.large");
    let mut c = cluster_of(&[(m5, "us-east-1a"), (m5, "us-east-1b"), (m5, "us-east-1c")]);
    let g = c.group_id("service:web");
    // i-1 DRAINING (would fit), i-2 and i-3 both short of memory by the same check.
    c.instance_mut(i(1)).status = InstanceStatus::Draining;
    set_remaining(&mut c, i(2), 2048, 100);
    set_remaining(&mut c, i(3), 2048, 200);
    let r = sized(256, 512);
    let (reason, closest) = failure(&decide(&c, &request(&r, g, &[], &[])));
    assert_eq!(reason, FailureReason::Memory);
    assert_eq!(closest, Some((i(2), Rejection::Memory { remaining_mib: 100, needed_mib: 512 })));
}

// ---------------------------------------------------------------------------------------------
// docs/ecs-model.md#task-reservation Ports: the 100-reserved-ports limit, dynamic ports, the dynamic range
// ---------------------------------------------------------------------------------------------

#[test]
fn at_most_100_reserved_ports_per_instance_including_the_5_agent_defaults() {
    let mut c = cluster_of(&[(ty("m5.xlarge"), "us-east-1a")]);
    let g = c.group_id("family:many-ports");
    // 5 agent defaults + 95 static task ports = 100: allowed (the count may reach 100).
    let many = Reservation { static_tcp_ports: (10000..10095).collect(), ..sized(128, 128) };
    assert_eq!(many.static_tcp_ports.len(), 95);
    let (id, b) = place_and_bind(&mut c, &request(&many, g, &[], &[])).expect("exactly 100 is allowed");
    assert_eq!((id, b.static_ports), (i(1), 95));
    assert_eq!(c.instance(i(1)).reserved_port_count(), 100);
    // One more static port would make 101 > 100: "Too many ports registered", RESOURCE:PORTS.
    let one = Reservation { static_tcp_ports: vec![20000], ..sized(128, 128) };
    let (reason, closest) = failure(&decide(&c, &request(&one, g, &[], &[])));
    assert_eq!(reason, FailureReason::Ports);
    let (_, why) = closest.unwrap();
    assert_eq!(why, Rejection::TooManyPorts { reserved: 100, adding: 1 });
    assert_eq!(why.closest_match_text(), "has too many ports registered.");
    // Dynamic ports do not count toward the limit: a task with 5 dynamic ports still fits.
    let dynamic = Reservation { dynamic_tcp_ports: 5, ..sized(128, 128) };
    let (_, b) = place_and_bind(&mut c, &request(&dynamic, g, &[], &[])).expect("dynamic ports are not limited");
    assert_eq!(b.tcp_ports.to_vec(), vec![32768, 32769, 32770, 32771, 32772]);
    assert_eq!(b.static_ports, 0);
    assert_eq!(c.instance(i(1)).reserved_port_count(), 100);
}

#[test]
fn agent_reserved_ports_are_never_given_to_a_task() {
    let mut c = cluster_of(&[(ty("m5.large"), "us-east-1a")]);
    let g = c.group_id("family:ssh");
    // hostPort 22 is in ECS_RESERVED_PORTS → port check fails, RESOURCE:PORTS.
    let r = Reservation { static_tcp_ports: vec![22], ..sized(128, 128) };
    let (reason, closest) = failure(&decide(&c, &request(&r, g, &[], &[])));
    assert_eq!(reason, FailureReason::Ports);
    assert_eq!(closest, Some((i(1), Rejection::PortInUse { port: 22, protocol: Protocol::Tcp })));
}

#[test]
fn exhausting_the_dynamic_port_range_fails_with_resource_ports() {
    let mut c = cluster_of(&[(ty("m5.large"), "us-east-1a")]);
    // A three-port dynamic range (ECS_DYNAMIC_HOST_PORT_RANGE=40000-40002).
    c.instance_mut(i(1)).dynamic_port_range = (40000, 40002);
    let g = c.group_id("service:web");
    let r = Reservation { dynamic_tcp_ports: 1, ..sized(128, 128) };
    let req = request(&r, g, &[], &[]);
    let ports: Vec<u16> = (0..3).map(|_| place_and_bind(&mut c, &req).expect("a free port").1.tcp_ports[0]).collect();
    assert_eq!(ports, vec![40000, 40001, 40002]);
    let (reason, closest) = failure(&decide(&c, &req));
    assert_eq!(reason, FailureReason::Ports);
    assert!(matches!(closest, Some((_, Rejection::DynamicPorts { free: 0, needed: 1, .. }))), "{closest:?}");
}

/// The default dynamic range 32768–60999 contains the agent's reserved ports 51678 and 51679;
/// the agent never hands them out, so they are not free dynamic ports either. With a range of
/// 51677–51680 only 51677 and 51680 are usable: the third task must fail (docs/ecs-model.md#task-reservation:
/// "exhausting it makes placement fail with RESOURCE:PORTS"; docs/ecs-model.md#placement-algorithm step 2: a port in the
/// reserved list is never free).
#[test]
fn reserved_ports_inside_the_dynamic_range_are_not_free_dynamic_ports() {
    let mut c = cluster_of(&[(ty("m5.large"), "us-east-1a")]);
    c.instance_mut(i(1)).dynamic_port_range = (51677, 51680);
    let g = c.group_id("service:web");
    let r = Reservation { dynamic_tcp_ports: 1, ..sized(128, 128) };
    let req = request(&r, g, &[], &[]);
    let first = place_and_bind(&mut c, &req).expect("51677 is free").1;
    let second = place_and_bind(&mut c, &req).expect("51680 is free").1;
    assert_eq!((first.tcp_ports.to_vec(), second.tcp_ports.to_vec()), (vec![51677], vec![51680]));
    let d = decide(&c, &req);
    assert!(
        matches!(d.outcome, Outcome::Failed { reason: FailureReason::Ports, .. }),
        "the range has no free port left, but placement said {:?}{}",
        d.outcome,
        match d.instance() {
            Some(id) => format!(
                " and binding it takes port(s) {:?} while {:?} are already bound",
                c.clone().bind_task(id, g, &r).tcp_ports,
                c.instance(id).bound_tcp_ports
            ),
            None => String::new(),
        }
    );
}

#[test]
fn a_static_port_bound_by_a_stopped_task_is_free_again() {
    let m5 = ty("m5.large");
    let mut c = cluster_of(&[(m5, "us-east-1a"), (m5, "us-east-1b")]);
    let g = c.group_id("service:web");
    let r = Reservation { static_tcp_ports: vec![80], ..sized(256, 512) };
    let req = request(&r, g, &[], &[]);
    let (a, ba) = place_and_bind(&mut c, &req).unwrap();
    let (b, _) = place_and_bind(&mut c, &req).unwrap();
    assert_eq!((a, b), (i(1), i(2)));
    assert!(decide(&c, &req).instance().is_none());
    // The task on i-1 reaches STOPPED: port 80 on i-1 is free again.
    c.release_task(a, g, &r, &ba, false);
    assert_eq!(decide(&c, &req).instance(), Some(i(1)));
}

#[test]
fn a_udp_host_port_in_use_fails_with_resource_ports_udp() {
    let mut c = cluster_of(&[(ty("m5.large"), "us-east-1a")]);
    let g = c.group_id("service:dns");
    let mut dns = container("dns", Some(128), Some(128), None);
    dns.port_mappings = vec![PortMapping { container_port: 53, host_port: Some(53), protocol: Protocol::Udp }];
    let r = task_def("dns", NetworkMode::Bridge, vec![dns]).reservation();
    assert_eq!((r.static_udp_ports.clone(), r.static_tcp_ports.len()), (vec![53], 0));
    let req = request(&r, g, &[], &[]);
    let (_, b) = place_and_bind(&mut c, &req).expect("53/udp is free");
    assert_eq!((b.udp_ports.to_vec(), b.static_ports), (vec![53], 1));
    // 53/udp is now bound: the second task fails with RESOURCE:PORTS_UDP.
    let (reason, closest) = failure(&decide(&c, &req));
    assert_eq!(reason, FailureReason::PortsUdp);
    assert_eq!(reason.code(), "RESOURCE:PORTS_UDP");
    assert_eq!(closest, Some((i(1), Rejection::PortInUse { port: 53, protocol: Protocol::Udp })));
}

#[test]
fn host_mode_ports_are_static_and_conflict_like_bridge_host_ports() {
    let m5 = ty("m5.large");
    let mut c = cluster_of(&[(m5, "us-east-1a"), (m5, "us-east-1b")]);
    let g = c.group_id("service:consul");
    // host mode, containerPort 8500 without hostPort: hostPort = containerPort = 8500 (static).
    let mut consul = container("consul", None, Some(256), Some(64));
    consul.port_mappings = vec![tcp(8500, None)];
    let r = task_def("consul", NetworkMode::Host, vec![consul]).reservation();
    assert_eq!((r.static_tcp_ports.clone(), r.dynamic_tcp_ports), (vec![8500], 0));
    let req = request(&r, g, &[], &[]);
    // One per instance: i-1, i-2, then RESOURCE:PORTS.
    assert_eq!(place_n(&mut c, &req, 2), vec![i(1), i(2)]);
    assert_eq!(failure(&decide(&c, &req)).0, FailureReason::Ports);
}

/// Spec docs/ecs-model.md#task-reservation rule 2: "A task with no CPU anywhere reserves 0 CPU units and never fails
/// placement on CPU."
#[test]
fn a_task_without_cpu_never_fails_on_cpu() {
    let mut c = cluster_of(&[(ty("m5.large"), "us-east-1a")]);
    set_remaining(&mut c, i(1), 0, 1024);
    let g = c.group_id("family:sidecar");
    let r = task_def("sidecar", NetworkMode::Bridge, vec![container("sidecar", None, Some(256), None)]).reservation();
    assert_eq!((r.cpu_units, r.memory_mib), (0, 256));
    // 0 CPU units left, 1024 MiB: 1024 / 256 = 4 tasks fit; the 5th fails on memory, not CPU.
    assert_eq!(place_n(&mut c, &request(&r, g, &[], &[]), 4).len(), 4);
    assert_eq!(failure(&decide(&c, &request(&r, g, &[], &[]))).0, FailureReason::Memory);
}

// ---------------------------------------------------------------------------------------------
// docs/ecs-model.md#placement-algorithm step 3: distinctInstance
// ---------------------------------------------------------------------------------------------

#[test]
fn distinct_instance_places_n_tasks_on_n_hosts_and_fails_the_next() {
    let m5 = ty("m5.large");
    let mut c = cluster_of(&[(m5, "us-east-1a"), (m5, "us-east-1b"), (m5, "us-east-1c")]);
    let g = c.group_id("service:web");
    let other = c.group_id("service:other");
    // Another group's task does not count.
    c.bind_task(i(1), other, &sized(256, 512));
    let r = sized(256, 512);
    let constraints = [Constraint::DistinctInstance];
    let req = request(&r, g, &[], &constraints);
    assert_eq!(place_n(&mut c, &req, 3), vec![i(1), i(2), i(3)]);
    // The 4th task: every instance hosts one task of the group.
    let d = decide(&c, &req);
    let (reason, closest) = failure(&d);
    assert_eq!(reason, FailureReason::DistinctInstance);
    assert_eq!(reason.code(), "DistinctInstance placement constraint unsatisfied");
    assert_eq!(closest, Some((i(1), Rejection::Constraint { index: 0, constraint: s("distinctInstance") })));
    assert_eq!(rejected(&d).len(), 3);
}

#[test]
fn distinct_instance_counts_a_task_that_is_being_stopped() {
    let m5 = ty("m5.large");
    let mut c = cluster_of(&[(m5, "us-east-1a"), (m5, "us-east-1b")]);
    let g = c.group_id("service:web");
    let r = sized(256, 512);
    // i-1 hosts a task whose desiredStatus is STOPPED but that has not reached STOPPED yet: it
    // is non-STOPPED, so distinctInstance still sees it (docs/ecs-model.md#placement-algorithm step 3).
    c.instance_mut(i(1)).bind(&r);
    c.instance_mut(i(1)).count_group(g, 1, 0);
    let constraints = [Constraint::DistinctInstance];
    let d = decide(&c, &request(&r, g, &[], &constraints));
    assert_eq!(rejected(&d), vec![(s("i-1"), Rejection::Constraint { index: 0, constraint: s("distinctInstance") })]);
    assert_eq!(d.instance(), Some(i(2)));
}

// ---------------------------------------------------------------------------------------------
// docs/ecs-model.md#placement-algorithm step 5: spread details
// ---------------------------------------------------------------------------------------------

/// Instances without the spread attribute form one "(absent)" bucket.
#[test]
fn spread_over_an_attribute_some_instances_lack_groups_them_as_absent() {
    let m5 = ty("m5.large");
    let mut c = Cluster::new("racks");
    for rack in [Some("r1"), Some("r2"), None, None] {
        let mut sp = spec(m5, "us-east-1a");
        if let Some(v) = rack {
            sp.custom_attributes.insert(s("rack"), s(v));
        }
        c.register(&sp);
    }
    let g = c.group_id("service:web");
    let r = sized(256, 512);
    // Tasks: i-1 (r1) 2, i-2 (r2) 1, i-3 (no rack) 1, i-4 (no rack) 0.
    for n in [1, 1, 2, 3] {
        c.bind_task(i(n), g, &r);
    }
    let strategies = [Strategy::Spread(SpreadField::Attribute(s("rack")))];
    let d = decide(&c, &request(&r, g, &strategies, &[]));
    // Buckets: r1 = 2, r2 = 1, (absent) = 1 + 0 = 1 → keep {i-2, i-3, i-4}; first → i-2.
    // (Were each rack-less instance its own bucket, i-4 with 0 would win alone.)
    assert_eq!(
        ranking(&d, 0),
        vec![(s("(absent)"), 1, vec![s("i-3"), s("i-4")]), (s("r2"), 1, vec![s("i-2")]), (s("r1"), 2, vec![s("i-1")])]
    );
    assert_eq!(kept(&d, 0), vec!["i-2", "i-3", "i-4"]);
    assert_eq!(d.instance(), Some(i(2)));
}

/// Spread counts only tasks whose desiredStatus is RUNNING (docs/ecs-model.md#placement-algorithm step 5).
#[test]
fn spread_ignores_tasks_being_stopped() {
    let m5 = ty("m5.large");
    let mut c = cluster_of(&[(m5, "us-east-1a"), (m5, "us-east-1b")]);
    let g = c.group_id("service:web");
    let r = sized(256, 512);
    // i-1: one running task and one being stopped (desiredStatus STOPPED); i-2: one running.
    c.bind_task(i(1), g, &r);
    c.instance_mut(i(1)).bind(&r);
    c.instance_mut(i(1)).count_group(g, 1, 0);
    c.bind_task(i(2), g, &r);
    assert_eq!((c.instance(i(1)).active_count(g), c.instance(i(1)).spread_count(g)), (2, 1));
    // spread(instanceId): i-1 1, i-2 1 (not 2 and 1) → tie → i-1.
    let by_instance = [Strategy::Spread(SpreadField::InstanceId)];
    let d = decide(&c, &request(&r, g, &by_instance, &[]));
    assert_eq!(ranking(&d, 0).iter().map(|(_, score, _)| *score).collect::<Vec<_>>(), vec![1, 1]);
    assert_eq!(d.instance(), Some(i(1)));
    // spread(AZ): a 1, b 1 → tie → i-1.
    let by_az = [az_spread()];
    let d = decide(&c, &request(&r, g, &by_az, &[]));
    assert_eq!(ranking(&d, 0).iter().map(|(_, score, _)| *score).collect::<Vec<_>>(), vec![1, 1]);
    assert_eq!(d.instance(), Some(i(1)));
}

/// Spread counts tasks on every instance of the cluster, DRAINING ones included, but compares
/// only the values present among the candidates (docs/ecs-model.md#placement-algorithm step 5).
#[test]
fn spread_counts_tasks_on_draining_instances_of_the_zone() {
    let m5 = ty("m5.large");
    let mut c = cluster_of(&[(m5, "us-east-1a"), (m5, "us-east-1a"), (m5, "us-east-1b")]);
    let g = c.group_id("service:web");
    let r = sized(256, 512);
    // a: i-1 (DRAINING) has 2 tasks, i-2 none; b: i-3 has 1.
    c.bind_task(i(1), g, &r);
    c.bind_task(i(1), g, &r);
    c.bind_task(i(3), g, &r);
    c.instance_mut(i(1)).status = InstanceStatus::Draining;
    let strategies = [az_spread()];
    let d = decide(&c, &request(&r, g, &strategies, &[]));
    // Candidates i-2 (a) and i-3 (b); counts a = 2, b = 1 → i-3.
    assert_eq!(ranking(&d, 0), vec![(s("us-east-1b"), 1, vec![s("i-3")]), (s("us-east-1a"), 2, vec![s("i-2")])]);
    assert_eq!(d.instance(), Some(i(3)));
}

/// binpack compares the remaining amount *before* placing, ties go to the next strategy.
#[test]
fn binpack_ties_pass_to_the_next_strategy() {
    let m5 = ty("m5.large");
    let mut c = cluster_of(&[(m5, "us-east-1a"), (m5, "us-east-1a"), (m5, "us-east-1b")]);
    let g = c.group_id("service:web");
    let r = sized(256, 512);
    // Remaining CPU 1024, 1024, 2048; i-1 already has one task of the group.
    set_remaining(&mut c, i(1), 1024, 4096);
    set_remaining(&mut c, i(2), 1024, 4096);
    set_remaining(&mut c, i(3), 2048, 4096);
    c.instance_mut(i(1)).count_group(g, 1, 1);
    let strategies = [Strategy::Binpack(BinpackField::Cpu), Strategy::Spread(SpreadField::InstanceId)];
    let d = decide(&c, &request(&r, g, &strategies, &[]));
    // binpack(cpu): 1024 [i-1, i-2] → spread(instanceId): i-1 1, i-2 0 → i-2.
    assert_eq!(kept(&d, 0), vec!["i-1", "i-2"]);
    assert_eq!(d.instance(), Some(i(2)));
}

/// A strategy never causes a failure, and a single candidate skips the remaining strategies.
#[test]
fn a_single_candidate_is_chosen_whatever_the_strategies_prefer() {
    let m5 = ty("m5.large");
    let mut c = cluster_of(&[(m5, "us-east-1a"), (m5, "us-east-1b")]);
    let g = c.group_id("service:web");
    set_remaining(&mut c, i(1), 2048, 300);
    let r = sized(256, 512);
    let strategies = [Strategy::Binpack(BinpackField::Memory), az_spread()];
    let d = decide(&c, &request(&r, g, &strategies, &[]));
    assert_eq!(d.instance(), Some(i(2)));
    let steps = &d.explanation.as_ref().unwrap().steps;
    assert!(steps.iter().all(|st| st.skipped), "{steps:?}");
}

// ---------------------------------------------------------------------------------------------
// docs/ecs-model.md#console-templates Console placement templates
// ---------------------------------------------------------------------------------------------

#[test]
fn console_templates_map_to_the_documented_api_values() {
    let az = az_spread();
    let expected: [(&str, Vec<Strategy>, Vec<&str>); 4] = [
        ("AZ Balanced Spread", vec![az.clone(), Strategy::Spread(SpreadField::InstanceId)], vec![]),
        ("AZ Balanced BinPack", vec![az.clone(), Strategy::Binpack(BinpackField::Memory)], vec![]),
        ("BinPack", vec![Strategy::Binpack(BinpackField::Memory)], vec![]),
        ("One Task Per Host", vec![], vec!["distinctInstance"]),
    ];
    assert_eq!(CONSOLE_TEMPLATES.to_vec(), expected.iter().map(|e| e.0).collect::<Vec<_>>());
    for (template, strategies, constraints) in expected {
        let (got_s, got_c) = console_template(template).unwrap_or_else(|| panic!("{template} is a console template"));
        assert_eq!(got_s, strategies, "{template}");
        assert_eq!(got_c.iter().map(ToString::to_string).collect::<Vec<_>>(), constraints, "{template}");
    }
    // The console default is AZ Balanced Spread, which is also the service default (docs/ecs-model.md#placement-defaults).
    assert_eq!(console_template("AZ Balanced Spread").unwrap().0, Strategy::service_default());
}

#[test]
fn console_az_balanced_spread_on_one_instance_in_a_and_two_in_b() {
    let m5 = ty("m5.large");
    let mut c = cluster_of(&[(m5, "us-east-1a"), (m5, "us-east-1b"), (m5, "us-east-1b")]);
    let g = c.group_id("service:web");
    let (strategies, constraints) = console_template("AZ Balanced Spread").unwrap();
    let r = sized(256, 512);
    let chosen = place_n(&mut c, &request(&r, g, &strategies, &constraints), 4);
    // t1 a0 b0 → all tie, instance counts 0 → i-1; t2 a1 b0 → b: i-2 0, i-3 0 → i-2;
    // t3 a1 b1 → all: i-1 1, i-2 1, i-3 0 → i-3; t4 a1 b2 → a → i-1.
    assert_eq!(names(&chosen), vec!["i-1", "i-2", "i-3", "i-1"]);
    assert_eq!(layout(&c, g), vec![(s("i-1"), 2), (s("i-2"), 1), (s("i-3"), 1)]);
    assert_eq!(per_az(&c, g), BTreeMap::from([(s("us-east-1a"), 2), (s("us-east-1b"), 2)]));
}

#[test]
fn console_az_balanced_binpack_fills_the_fullest_instance_of_the_emptiest_zone() {
    let m5 = ty("m5.large");
    let mut c = cluster_of(&[(m5, "us-east-1a"), (m5, "us-east-1a"), (m5, "us-east-1b"), (m5, "us-east-1b")]);
    // Remaining memory: a: i-1 4000, i-2 2000; b: i-3 3000, i-4 1500.
    for (n, memory) in [(1, 4000), (2, 2000), (3, 3000), (4, 1500)] {
        set_remaining(&mut c, i(n), 2048, memory);
    }
    let g = c.group_id("service:web");
    let (strategies, constraints) = console_template("AZ Balanced BinPack").unwrap();
    let r = sized(128, 1000);
    let chosen = place_n(&mut c, &request(&r, g, &strategies, &constraints), 6);
    // t1 a0 b0 → all; least memory i-4 1500 → i-4 (500 left).
    // t2 a0 b1 → a: i-1 4000, i-2 2000 → i-2 (1000 left).
    // t3 a1 b1 → feasible i-1 4000, i-2 1000, i-3 3000 (i-4 500 < 1000) → i-2 (0 left).
    // t4 a2 b1 → b: i-3 only → i-3 (2000 left).
    // t5 a2 b2 → feasible i-1 4000, i-3 2000 → i-3 (1000 left).
    // t6 a2 b3 → a: i-1 → i-1 (3000 left).
    assert_eq!(names(&chosen), vec!["i-4", "i-2", "i-2", "i-3", "i-3", "i-1"]);
    assert_eq!(layout(&c, g), vec![(s("i-1"), 1), (s("i-2"), 2), (s("i-3"), 2), (s("i-4"), 1)]);
    let memory: Vec<u32> = c.instances.iter().map(|x| x.remaining_memory_mib).collect();
    assert_eq!(memory, vec![3000, 0, 1000, 500]);
}

#[test]
fn console_binpack_fills_one_instance_before_the_next() {
    let m5 = ty("m5.large");
    let mut c = cluster_of(&[(m5, "us-east-1a"), (m5, "us-east-1b"), (m5, "us-east-1c")]);
    // Remaining memory i-1 4000, i-2 2500, i-3 3000.
    for (n, memory) in [(1, 4000), (2, 2500), (3, 3000)] {
        set_remaining(&mut c, i(n), 2048, memory);
    }
    let g = c.group_id("service:web");
    let (strategies, constraints) = console_template("BinPack").unwrap();
    let r = sized(128, 1000);
    let chosen = place_n(&mut c, &request(&r, g, &strategies, &constraints), 6);
    // i-2 2500 → 1500 → 500 (full for 1000); then i-3 3000 → 2000 → 1000 → 0; then i-1.
    assert_eq!(names(&chosen), vec!["i-2", "i-2", "i-3", "i-3", "i-3", "i-1"]);
    assert_eq!(layout(&c, g), vec![(s("i-1"), 1), (s("i-2"), 2), (s("i-3"), 3)]);
}

#[test]
fn console_one_task_per_host_places_one_per_instance_then_fails() {
    let m5 = ty("m5.large");
    let mut c = cluster_of(&[(m5, "us-east-1a"), (m5, "us-east-1b"), (m5, "us-east-1c")]);
    let g = c.group_id("service:web");
    let (strategies, constraints) = console_template("One Task Per Host").unwrap();
    assert!(strategies.is_empty());
    let r = sized(256, 512);
    let req = request(&r, g, &strategies, &constraints);
    // No strategy, tieBreak first: i-1, i-2, i-3; the 4th has no host left.
    assert_eq!(place_n(&mut c, &req, 3), vec![i(1), i(2), i(3)]);
    assert_eq!(failure(&decide(&c, &req)).0, FailureReason::DistinctInstance);
}

#[test]
fn console_custom_chain_spread_instance_type_then_binpack_cpu() {
    let (m5, c5) = (ty("m5.large"), ty("c5.large"));
    let mut c = cluster_of(&[(m5, "us-east-1a"), (m5, "us-east-1b"), (c5, "us-east-1a"), (c5, "us-east-1b")]);
    // Remaining CPU: i-1 2048, i-2 1024, i-3 1536, i-4 2048.
    for (n, cpu) in [(1, 2048), (2, 1024), (3, 1536), (4, 2048)] {
        let memory = c.instance(i(n)).remaining_memory_mib;
        set_remaining(&mut c, i(n), cpu, memory);
    }
    let g = c.group_id("service:web");
    let strategies = [Strategy::Spread(SpreadField::Attribute(s("ecs.instance-type"))), Strategy::Binpack(BinpackField::Cpu)];
    let r = sized(512, 512);
    let chosen = place_n(&mut c, &request(&r, g, &strategies, &[]), 5);
    // t1 m5 0 c5 0 → all; least CPU i-2 1024 → i-2 (512 left).
    // t2 m5 1 c5 0 → c5: i-3 1536, i-4 2048 → i-3 (1024 left).
    // t3 m5 1 c5 1 → all: 2048, 512, 1024, 2048 → i-2 (0 left).
    // t4 m5 2 c5 1 → c5: i-3 1024 → i-3 (512 left).
    // t5 m5 2 c5 2 → feasible i-1 2048, i-3 512, i-4 2048 (i-2 0 < 512) → i-3 (0 left).
    assert_eq!(names(&chosen), vec!["i-2", "i-3", "i-2", "i-3", "i-3"]);
    assert_eq!(layout(&c, g), vec![(s("i-2"), 2), (s("i-3"), 3)]);
}

//! The worked examples of the resource model (docs/ecs-model.md#resources-examples): registered
//! memory with ECS_RESERVED_MEMORY, three soft-limit copies (what they leave and the dynamic ports
//! they take), a task-level size winning over the container values, and the ENI limit of awsvpc
//! tasks, without and with trunking.

use super::{cluster_of, container, decide, failure, i, place_and_bind, place_n, request, spec, task_def, tcp, ty, M4_LARGE};
use ecsim::ecs::cluster::{Cluster, InstanceSpec};
use ecsim::ecs::instance::{Binding, DEFAULT_RESERVED_TCP_PORTS};
use ecsim::ecs::placement::{FailureReason, Rejection, Strategy};
use ecsim::ecs::task_def::{NetworkMode, Reservation};

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

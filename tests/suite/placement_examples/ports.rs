//! Ports (docs/ecs-model.md#task-reservation): the 100-reserved-ports limit with the agent's five
//! defaults, agent-reserved ports never given to a task, the dynamic range running out and the
//! reserved ports inside it, a static port freed by a stopped task, UDP host ports, host mode,
//! and a task without CPU.

use super::{cluster_of, container, decide, failure, i, place_and_bind, place_n, request, set_remaining, sized, task_def, tcp, ty};
use ecsim::ecs::placement::{FailureReason, Outcome, Rejection};
use ecsim::ecs::task_def::{NetworkMode, PortMapping, Protocol, Reservation};

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

//! Why a placement fails (docs/ecs-model.md#placement-failures): the failure reason for CPU,
//! memory, GPUs, a missing attribute, disconnected agents and draining instances; and the closest
//! matching container instance (most checks passed, ties to the lowest ordinal, the first
//! failing check in the order CPU, memory, ports, ENI, GPU, attribute).

use super::{cluster_of, container, decide, failure, i, rejected, request, s, set_remaining, sized, task_def, ty, G4DN_XLARGE};
use ecsim::ecs::cluster::Cluster;
use ecsim::ecs::instance::InstanceStatus;
use ecsim::ecs::placement::{FailureReason, PlacementRequest, Rejection};
use ecsim::ecs::task_def::{NetworkMode, Protocol, RequiredAttribute, Reservation};

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

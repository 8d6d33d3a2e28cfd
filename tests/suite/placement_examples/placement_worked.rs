//! The worked placement examples (docs/ecs-model.md#placement-examples): binpack on memory,
//! spread over zones then binpack and the explanation of that choice, the service default over an
//! empty zone, `memberOf` (a regex, an expression no instance satisfies, `!=` on a missing
//! attribute) and a static host port.

use super::{
    az_spread, cluster_of, container, decide, failure, i, kept, layout, names, passed, per_az, ranking, rejected, render, request, s,
    set_remaining, sized, spec, task_def, tcp, ty, T3A_MEDIUM,
};
use ecsim::ecs::cluster::Cluster;
use ecsim::ecs::instance::GroupId;
use ecsim::ecs::placement::{BinpackField, Constraint, FailureReason, Outcome, Rejection, Strategy};
use ecsim::ecs::task_def::{NetworkMode, Protocol};
use std::collections::BTreeMap;

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

//! The console's placement templates (docs/ecs-model.md#console-templates): their API values, and
//! each template placing tasks as the console describes (AZ balanced spread, AZ balanced
//! binpack, binpack, one task per host, a custom chain).

use super::{az_spread, cluster_of, decide, failure, i, layout, names, per_az, place_n, request, s, set_remaining, sized, ty};
use ecsim::ecs::placement::rules::{console_template, CONSOLE_TEMPLATES};
use ecsim::ecs::placement::{BinpackField, FailureReason, SpreadField, Strategy};
use std::collections::BTreeMap;

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

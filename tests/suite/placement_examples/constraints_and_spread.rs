//! The constraint and the strategies in detail (docs/ecs-model.md#placement-algorithm steps 3 and
//! 5): `distinctInstance` (n tasks on n hosts, counting a task being stopped), spread over an
//! attribute some instances lack, spread ignoring tasks being stopped and counting tasks on
//! draining instances, binpack ties passing to the next strategy, and a single candidate.

use super::{az_spread, cluster_of, decide, failure, i, kept, place_n, ranking, rejected, request, s, set_remaining, sized, spec, ty};
use ecsim::ecs::cluster::Cluster;
use ecsim::ecs::instance::InstanceStatus;
use ecsim::ecs::placement::{BinpackField, Constraint, FailureReason, Rejection, SpreadField, Strategy};

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

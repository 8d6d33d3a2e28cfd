//! Worked examples of the run's concerns, each on a world built from a small scenario (two
//! m5.large instances, a standalone workload and a service): a task's timers, notices handed
//! to their listeners, alarm state, the recorder's sources, fault steps.

use super::*;
use crate::ecs::instance::InstanceId;
use lifecycle::NewTask;
use notice::Notice;
use recorder::{EventKind, EventSource};

const SCENARIO: &str = r#"
[scenario]
name = "unit"
duration = "1h"
seed = 1
explain_placements = false

[cluster]
zones = ["us-east-1a", "us-east-1b"]

[[cluster.instances]]
name = "general"
type = "m5.large"
count = 2

[[task_definitions]]
name = "batch"
family = "batch"
cpu = 512
memory = 1024

[[workload]]
name = "jobs"
task_definition = "batch"
arrivals = { process = "times", at = ["1m"] }
run_time = { distribution = "constant", value = "10m" }
template = "AZ Balanced Spread"
on_unplaceable = "wait"

[[services]]
name = "web"
task_definition = "batch"
desired_count = 1
"#;

fn scenario() -> Scenario {
    crate::scenario::load_str(std::path::Path::new("unit.toml"), SCENARIO).unwrap_or_else(|d| panic!("{d}"))
}

fn world(scenario: &Scenario) -> World<'_> {
    World::new(scenario, &Streams::new(1), RunOptions { check_invariants: true, ..Default::default() })
}

fn new_task(w: &World, owner: Owner, start_delay_s: u64) -> NewTask {
    let group = match owner {
        Owner::Service(s) => w.services[s.index()].group,
        _ => w.workloads[0].group,
    };
    NewTask {
        owner,
        task_definition: 0,
        group,
        deployment: 0,
        submitted_at: SimTime::ZERO,
        run_time: Some(Span::from_secs(600)),
        start_delay: Span::from_secs(start_delay_s),
    }
}

/// Pops the next event; panics when the queue is empty.
fn pop(w: &mut World) -> (SimTime, Event) {
    w.queue.pop().expect("an event is scheduled")
}

/// A standalone task placed at 10 s with a 5 s start delay: PENDING, then its `Started` timer
/// at 15 s makes it RUNNING and schedules its exit at 15 s + its 600 s run time. A timer of an
/// older generation (the task changed state since) is dropped.
#[test]
fn a_task_runs_on_its_timers_and_stale_timers_are_dropped() {
    let s = scenario();
    let mut w = world(&s);
    let now = SimTime::from_secs(10);
    let task = w.start_task(now, InstanceId(0), new_task(&w, Owner::Workload(0), 5));
    assert_eq!(w.tasks[task.index()].last_status, LastStatus::Pending);
    let (at, event) = pop(&mut w);
    assert_eq!((at, event), (SimTime::from_secs(15), Event::TaskTimer { task, generation: 0, timer: TaskTimer::Started }));
    w.on_task_timer(at, task, 0, TaskTimer::Started);
    assert_eq!(w.tasks[task.index()].last_status, LastStatus::Running);
    assert_eq!(w.tasks[task.index()].running_at.get(), Some(SimTime::from_secs(15)));
    let (at, event) = pop(&mut w);
    assert_eq!((at, event), (SimTime::from_secs(615), Event::TaskTimer { task, generation: 1, timer: TaskTimer::Exited }));
    // The Started timer again, with the generation of PENDING: stale, nothing happens.
    w.on_task_timer(at, task, 0, TaskTimer::Started);
    assert_eq!(w.tasks[task.index()].generation, 1);
    assert!(w.queue.is_empty());
    // Exited: a standalone task's stop sequence is instantaneous; its resources come back.
    w.on_task_timer(at, task, 1, TaskTimer::Exited);
    assert_eq!(w.tasks[task.index()].last_status, LastStatus::Stopped);
    assert_eq!(w.cluster.instance(InstanceId(0)).remaining_cpu_units, s.cluster.instance(InstanceId(0)).remaining_cpu_units);
    w.check_invariants();
}

/// `TaskChanged` for a service task reaches its service: one evaluation is requested at once,
/// and a second notice at the same instant is coalesced into it. A standalone task has no
/// service: nothing is scheduled.
#[test]
fn a_task_changed_notice_requests_one_evaluation_of_its_service() {
    let s = scenario();
    let mut w = world(&s);
    let now = SimTime::from_secs(30);
    w.services[0].created = true;
    let standalone = w.start_task(now, InstanceId(0), new_task(&w, Owner::Workload(0), 5));
    let service = w.start_task(now, InstanceId(1), new_task(&w, Owner::Service(ServiceId(0)), 5));
    while w.queue.pop().is_some() {}
    // After their timers (the queue's clock is at the last one popped).
    let now = SimTime::from_secs(40);
    w.notify(now, Notice::TaskChanged { task: standalone });
    assert!(w.queue.is_empty());
    w.notify(now, Notice::TaskChanged { task: service });
    w.notify(now, Notice::TaskChanged { task: service });
    assert_eq!(w.queue.len(), 1);
    assert_eq!(pop(&mut w), (now, Event::ServiceEvaluation { service: ServiceId(0) }));
}

/// `TaskStopped` reaches the waiting standalone tasks: a task of a workload that waits for
/// capacity is placed as soon as a stopped task returns what it held.
#[test]
fn a_task_stopped_notice_lets_a_waiting_task_in() {
    let s = scenario();
    let mut w = world(&s);
    let now = SimTime::from_secs(60);
    // Fill both instances (m5.large: 2048 CPU units; 4 tasks of 512 each).
    let mut tasks = Vec::new();
    for i in 0..8 {
        tasks.push(w.start_task(now, InstanceId(i % 2), new_task(&w, Owner::Action, 1)));
    }
    assert!(w.cluster.instances.iter().all(|i| i.remaining_cpu_units < 512));
    // The workload's RunTask call: nothing fits, the task waits.
    let placed_before = w.recorder.placed;
    w.on_arrival(now, ids::WorkloadId(0), false);
    assert_eq!(w.workloads[0].waiting.len(), 1);
    w.kill_task(now, tasks[0]);
    assert!(w.workloads[0].waiting.is_empty(), "the waiting task was placed");
    assert_eq!(w.recorder.placed, placed_before + 1);
    w.check_invariants();
}

/// `InstanceChanged` brings the placement index up to date: after the cluster changes under
/// it and the notice, the index places where the reference placement does.
#[test]
fn an_instance_changed_notice_keeps_the_placement_index_with_the_cluster() {
    let s = scenario();
    let mut w = world(&s);
    let now = SimTime::from_secs(5);
    // Instance 0 set DRAINING by hand, then the notice: the index must not place there.
    w.cluster.instance_mut(InstanceId(0)).status = crate::ecs::InstanceStatus::Draining;
    w.notify(now, Notice::InstanceChanged(InstanceId(0)));
    let index = w.indexes[0].as_mut().expect("an index for the workload");
    assert_eq!(index.place(&w.cluster, &mut w.placement_rng), Some(InstanceId(1)));
}

/// Alarm state is kept once: a simulated alarm's own state, or, for a name no alarm of the
/// run has, what `set_alarm_state` said last.
#[test]
fn an_alarm_not_simulated_is_in_alarm_as_an_action_set_it() {
    let s = scenario();
    let mut m = monitor::Monitor::new(&s);
    assert!(!m.in_alarm("external"));
    m.set_alarm_state(SimTime::from_secs(60), "external", true);
    assert!(m.in_alarm("external"));
    assert!(!m.in_alarm("other"));
    m.set_alarm_state(SimTime::from_secs(120), "external", false);
    assert!(!m.in_alarm("external"));
    assert!(m.rows.is_empty(), "no alarm of the run changed state");
}

/// The recorder names an event's source from its `EventSource`: a workload's name and group,
/// a service's name and `service:` group, nothing for an action.
#[test]
fn the_recorder_names_each_source() {
    let s = scenario();
    let mut w = world(&s);
    let now = SimTime::from_secs(1);
    w.recorder.event(now, EventKind::Waiting, None, EventSource::Workload(0), None, "", "");
    w.recorder.event(now, EventKind::Service, None, EventSource::Service(ServiceId(0)), None, "", "steady");
    w.recorder.event(now, EventKind::Instance, None, EventSource::Action, Some(InstanceId(1)), "DRAINING", "");
    let rows: Vec<_> = w.recorder.event_rows(&w.cluster).map(Result::unwrap).collect();
    let names: Vec<(&str, &str)> = rows.iter().map(|r| (r.workload.as_str(), r.group.as_str())).collect();
    assert_eq!(names, vec![("jobs", "family:batch"), ("web", "service:web"), ("", "")]);
    assert_eq!((rows[1].detail.as_str(), rows[2].reason.as_str()), ("steady", "DRAINING"));
    assert_eq!(rows[2].instance, w.cluster.instance(InstanceId(1)).ec2_instance_id);
    assert!(rows[0].task.is_empty() && rows[0].instance.is_empty());
}

/// events.csv is written from borrowed rows (`for_each_event_row`); they serialize to the very
/// bytes of the owned `event_rows`, header included, for every kind of source.
#[test]
fn borrowed_event_rows_write_the_same_csv_as_owned_ones() {
    let s = scenario();
    let mut w = world(&s);
    let now = SimTime(61_250_000);
    w.recorder.event(now, EventKind::Placed, Some(7), EventSource::Workload(0), Some(InstanceId(0)), "", "");
    w.recorder.event(now, EventKind::Service, None, EventSource::Service(ServiceId(0)), None, "", "steady, \"quoted\"");
    w.recorder.event(now, EventKind::Instance, None, EventSource::Action, Some(InstanceId(1)), "DRAINING", "");
    w.recorder.event(now, EventKind::Failed, None, EventSource::Workload(0), None, "RESOURCE:MEMORY", "RunTask");
    let mut owned = csv::Writer::from_writer(Vec::new());
    for row in w.recorder.event_rows(&w.cluster) {
        owned.serialize(row.unwrap()).unwrap();
    }
    let mut borrowed = csv::Writer::from_writer(Vec::new());
    w.recorder.for_each_event_row(&w.cluster, |row| borrowed.serialize(row).map_err(std::io::Error::other)).unwrap();
    let (owned, borrowed) = (owned.into_inner().unwrap(), borrowed.into_inner().unwrap());
    assert_eq!(String::from_utf8(borrowed).unwrap(), String::from_utf8(owned).unwrap());
}

/// The events the run schedules stay small: the queue moves them by value.
#[test]
fn events_are_small_and_fault_steps_are_typed() {
    assert!(std::mem::size_of::<Event>() <= 16);
    let e = Event::Fault { fault: ids::FaultId(0), step: faults::FaultStep::Detect, target: Some(3) };
    assert_ne!(e, Event::Fault { fault: ids::FaultId(0), step: faults::FaultStep::End, target: Some(3) });
    let check = Event::TargetCheck {
        group: ids::TargetGroupId(0),
        verdict: alb::health::CheckStep::TimedOut,
        server: ids::ServerId(0),
        generation: 0,
    };
    assert_ne!(
        check,
        Event::TargetCheck {
            group: ids::TargetGroupId(0),
            verdict: alb::health::CheckStep::Failed,
            server: ids::ServerId(0),
            generation: 0
        }
    );
}

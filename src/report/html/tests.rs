//! Unit tests of the report's pieces, on small hand-made tables; the pages of whole runs and
//! sweeps are tested through the binary in tests/suite/report_html.rs.

use super::deploy::timelines;
use super::page::{clock, escape_html, inline_json};
use super::read::Table;
use super::sweep::{clip, possible_range};
use super::verdicts::{count, decimals, reason_words};
use serde_json::json;

fn table(text: &str) -> Table {
    let mut lines = text.lines().map(|l| l.trim()).filter(|l| !l.is_empty());
    let header = lines.next().unwrap().split(',').map(str::to_string).collect();
    let rows = lines.map(|l| l.split(',').map(str::to_string).collect()).collect();
    Table { header, rows }
}

#[test]
fn inline_json_cannot_close_its_script() {
    let text = json!({"detail": "</script><script>alert(1)</script><!--"}).to_string();
    let safe = inline_json(&text);
    assert!(!safe.contains('<'));
    // JSON reads it back as it was.
    assert_eq!(serde_json::from_str::<serde_json::Value>(&safe).unwrap()["detail"], "</script><script>alert(1)</script><!--");
    assert_eq!(escape_html("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
}

#[test]
fn figures_read_as_people_write_them() {
    assert_eq!(clock(630.0), "0:10:30");
    assert_eq!(clock(3723.5), "1:02:03.5");
    assert_eq!(count(&json!(827125)), "827,125");
    assert_eq!(count(&json!(12)), "12");
    assert_eq!(decimals(99.818165, 3), "99.818");
    assert_eq!(decimals(200.0, 1), "200");
    assert_eq!(reason_words("RESOURCE:MEMORY"), "no instance had enough free memory");
    assert!(reason_words("distinctInstance").contains("distinctInstance"));
}

#[test]
fn intervals_are_clipped_to_what_is_possible() {
    // A Student-t interval of availabilities near 100 % runs past it; a count's below zero.
    assert_eq!(clip("traffic.availability_pct", 99.22, 100.28), (99.22, 100.0));
    assert_eq!(clip("traffic.elb_5xx", -5.37, 14.7), (0.0, 14.7));
    assert_eq!(clip("slo.met", -0.2, 1.2), (0.0, 1.0));
    assert_eq!(clip("traffic.availability", 0.99, 1.003), (0.99, 1.0));
    // The error budget spent passes 100 when blown: not clipped there.
    assert_eq!(possible_range("slo.error_budget_spent_pct"), (0.0, None));
    assert_eq!(possible_range("reservation_cluster.cpu_pct.max"), (0.0, Some(100.0)));
}

#[test]
fn a_rolling_update_stacks_tasks_by_state_and_revision() {
    // Two tasks of deployment 0 replaced by two of deployment 1 (desired 2, 50 % / 200 %).
    let tasks = table(
        "task,owner,task_definition,deployment,instance,placed_s,running_s,stopping_s,stopped_s,stop_code,capacity_provider
         t-0,web,0,0,0,0.0,10.0,100.0,130.0,ServiceSchedulerInitiated,
         t-1,web,0,0,1,0.0,10.0,100.0,130.0,ServiceSchedulerInitiated,
         t-2,web,1,1,0,90.0,95.0,,,,
         t-3,web,1,1,1,90.0,95.0,,,,",
    );
    let services = table(
        "minute,time_s,service,desired,running,pending,provisioning,healthy,in_flight,primary_tasks,old_tasks,deployments
         0,0,web,2,2,0,0,2,2,2,0,1
         1,60,web,2,4,0,0,4,4,2,2,2
         2,120,web,2,2,0,0,2,2,2,0,1",
    );
    let deployments = table(
        "service,deployment,task_definition,started_s,ended_s,duration_s,outcome,reason,desired,lowest_running,lowest_healthy,peak_tasks,failed_tasks,minimum_healthy_percent,maximum_percent
         web,0,web:1,0.0,10.0,10.0,COMPLETED,done,2,0,0,2,0,100,200
         web,1,web:2,90.0,130.0,40.0,COMPLETED,done,2,2,2,4,0,50,200",
    );
    let t = timelines(Some((&tasks, tasks.rows.len())), Some(&services), Some(&deployments), 180.0, 1).unwrap();
    assert!(!t.sampled);
    let web = &t.json[0];
    let x: Vec<f64> = web["x"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
    // Every change and every minute's start, up to the end.
    assert_eq!(x, [0.0, 10.0, 60.0, 90.0, 95.0, 100.0, 120.0, 130.0, 180.0]);
    let series = |dep: u64, state: &str| -> Vec<i64> {
        let s = web["series"].as_array().unwrap().iter().find(|s| s["deployment"] == dep && s["state"] == state).unwrap();
        s["values"].as_array().unwrap().iter().map(|v| v.as_i64().unwrap()).collect()
    };
    assert_eq!(series(0, "PENDING"), [2, 0, 0, 0, 0, 0, 0, 0, 0]);
    assert_eq!(series(0, "RUNNING"), [0, 2, 2, 2, 2, 0, 0, 0, 0]);
    assert_eq!(series(0, "STOPPING"), [0, 0, 0, 0, 0, 2, 2, 0, 0]);
    assert_eq!(series(1, "PENDING"), [0, 0, 0, 2, 0, 0, 0, 0, 0]);
    assert_eq!(series(1, "RUNNING"), [0, 0, 0, 0, 2, 2, 2, 2, 2]);
    assert_eq!(web["series"][0]["revision"], "web:1");
    // Bounds from deployment 1's percentages once it started: ceil(2 × 50 %) = 1, floor(2 × 200 %) = 4.
    assert_eq!(web["min_healthy"][3], 1.0);
    assert_eq!(web["max_in_flight"][3], 4.0);
    assert_eq!(web["min_healthy"][2], 2.0);
    // Desired and healthy from services.csv at each minute's end (none before the first).
    assert_eq!(web["desired"][0], serde_json::Value::Null);
    assert_eq!(web["healthy"][3], 2.0);
    assert_eq!(web["healthy"][6], 4.0);
}

#[test]
fn mark_rows_keep_the_wanted_rows_in_order_up_to_their_limit() {
    use super::MarkRows;
    use crate::sim::recorder::{EventKind, EventRowRef};
    let row = |event: EventKind, task: &'static str, detail: &'static str| EventRowRef {
        time_s: 1.0,
        time: "00:00:01.000",
        event,
        task,
        workload: "web",
        group: "web",
        instance: "i-0a",
        zone: "us-east-1a",
        reason: "RESOURCE:MEMORY",
        detail,
    };
    // A failure is a mark; a placement without its explanation is not (nothing to keep).
    let mut marks = MarkRows::new();
    marks.offer(&row(EventKind::Failed, "", "closest matching container-instance i-0a"));
    marks.offer(&row(EventKind::Placed, "t-000001", ""));
    marks.offer(&row(EventKind::Placed, "t-000002", "1 of 2 instances passed filters"));
    let kept: Vec<(EventKind, String)> = marks.rows.as_ref().unwrap().iter().map(|k| (k.event, k.task.clone())).collect();
    assert_eq!(kept, [(EventKind::Failed, String::new()), (EventKind::Placed, "t-000002".to_string())]);
    // One more than the limit: the copy is dropped, and the caller reads the events again.
    let mut many = MarkRows::new();
    for _ in 0..=MarkRows::MAX_KEPT {
        many.offer(&row(EventKind::Failed, "", "x"));
    }
    assert!(many.rows.is_none());
}

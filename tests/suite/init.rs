//! `ecsim init`: each of the four scenarios it writes (EC2 or Fargate, with or without a load
//! balancer) is checked without a warning and runs, the same twice, through the library; the
//! command writes the file, refuses to overwrite it without --force, and rejects both launch
//! flags at once.

use crate::common::{ecsim, stderr};
use ecsim::api::{self, InitOptions, Launch};
use std::path::Path;

fn scenario(launch: Launch, alb: bool) -> (String, api::Scenario) {
    let text = api::init_scenario(InitOptions { launch, alb });
    let path = Path::new("scenario.toml");
    let checked = api::check_text(path, &text);
    assert_eq!(checked.errors().count() + checked.warnings().count(), 0, "{checked}");
    let s = api::load_str(path, &text).unwrap_or_else(|d| panic!("{d}"));
    (text, s)
}

/// Runs twice with the scenario's seed and requires the same summary, byte for byte.
fn run_twice(s: &api::Scenario) -> api::Run {
    let a = api::run(s, s.seed);
    let b = api::run(s, s.seed);
    assert_eq!(serde_json::to_string(&a.summary).unwrap(), serde_json::to_string(&b.summary).unwrap());
    a
}

#[test]
fn ec2_without_a_load_balancer_runs_two_tasks_on_two_group_instances() {
    let (text, s) = scenario(Launch::Ec2, false);
    assert!(text.contains("[[capacity_providers]]") && !text.contains("[[load_balancers]]"));
    let run = run_twice(&s);
    // desired 2 tasks of 1024 CPU units; the group starts with desired = 2 m5.large (2048 each),
    // enough for both: managed scaling has nothing to add.
    let web = &run.summary.services[0];
    assert_eq!((web.desired, web.running, web.healthy), (2, 2, 2));
    let group = &run.summary.auto_scaling_groups[0];
    assert_eq!((group.name.as_str(), group.desired_at_end, group.launched), ("asg-web", 2, 0));
    // 2 m5.large × 2 h × $0.096 = $0.384.
    assert!((run.summary.cost.ec2_usd - 0.384).abs() < 1e-9, "{}", run.summary.cost.ec2_usd);
    assert!(run.summary.traffic.is_none());
}

#[test]
fn fargate_without_a_load_balancer_bills_its_two_tasks() {
    let (text, s) = scenario(Launch::Fargate, false);
    assert!(text.contains("launch_type = \"FARGATE\"") && text.contains("network_mode = \"awsvpc\""));
    let run = run_twice(&s);
    let web = &run.summary.services[0];
    assert_eq!((web.desired, web.running, web.healthy), (2, 2, 2));
    assert_eq!(run.summary.instances, 0);
    // 2 tasks × 1 vCPU for a little under 2 h (billed from PENDING, after provisioning).
    assert!(run.summary.cost.fargate_vcpu_hours > 3.9 && run.summary.cost.fargate_vcpu_hours < 4.0);
    assert_eq!(run.summary.cost.ec2_usd, 0.0);
}

/// With --alb: no request fails, and target tracking scales out for the 200 requests/s of the
/// middle of the run (40 requests/s per task at 50 % CPU → about 5 tasks) and back in to 2.
fn scales_with_the_traffic(run: &api::Run) {
    let traffic = run.summary.traffic.as_ref().expect("traffic");
    assert_eq!(traffic.figures.elb_5xx, 0);
    assert!(traffic.figures.availability > 0.9999, "{}", traffic.figures.availability);
    let rows = &run.outcome.scaling_rows;
    let peak = rows.iter().filter(|r| r.service == "web").map(|r| r.to_desired).max().unwrap_or(0);
    assert!((5..=7).contains(&peak), "peak desired {peak}");
    assert_eq!(run.summary.services[0].desired, 2, "back to the minimum after the peak");
}

#[test]
fn ec2_with_a_load_balancer_scales_tasks_and_instances() {
    let (text, s) = scenario(Launch::Ec2, true);
    assert!(text.contains("target_type = \"instance\"") && text.contains("dynamic_ports = 1"));
    let run = run_twice(&s);
    scales_with_the_traffic(&run);
    // Two tasks of 1024 units fit an m5.large: more than 4 tasks need a third instance, which
    // managed scaling launches.
    let group = &run.summary.auto_scaling_groups[0];
    assert!(group.peak_in_service >= 3 && group.launched >= 1, "{group:?}");
}

#[test]
fn fargate_with_a_load_balancer_scales_tasks() {
    let (text, s) = scenario(Launch::Fargate, true);
    assert!(text.contains("target_type = \"ip\""));
    let run = run_twice(&s);
    scales_with_the_traffic(&run);
    assert_eq!(run.summary.instances, 0);
}

#[test]
fn every_key_of_every_shape_is_commented_or_in_a_commented_block() {
    for (launch, alb) in [(Launch::Ec2, false), (Launch::Ec2, true), (Launch::Fargate, false), (Launch::Fargate, true)] {
        let text = api::init_scenario(InitOptions { launch, alb });
        // Each table header follows a comment naming where it is documented, or is a
        // continuation of the table just documented.
        let lines: Vec<&str> = text.lines().collect();
        for (i, l) in lines.iter().enumerate() {
            if l.starts_with('[') && !["[[load_balancers.listeners]]", "[[scaling.target_tracking]]"].contains(l) {
                assert!(i > 0 && lines[i - 1].starts_with('#'), "{l} has no comment above it ({launch:?}, alb {alb})");
            }
        }
        assert!(text.contains("docs/scenarios.md"));
    }
}

#[test]
fn the_command_writes_refuses_to_overwrite_and_overwrites_with_force() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("new/scenario.toml");
    let o = ecsim().args(["init", "--fargate", "--alb", "--out"]).arg(&out).output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let written = std::fs::read_to_string(&out).unwrap();
    assert_eq!(written, api::init_scenario(InitOptions { launch: Launch::Fargate, alb: true }));
    assert!(String::from_utf8_lossy(&o.stdout).contains("next: ecsim check"));

    std::fs::write(&out, "mine").unwrap();
    let o = ecsim().args(["init", "--out"]).arg(&out).output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("exists; nothing was written (--force overwrites it)"), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "mine");

    let o = ecsim().args(["init", "--force", "--out"]).arg(&out).output().unwrap();
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(std::fs::read_to_string(&out).unwrap(), api::init_scenario(InitOptions::default()));
    // What it wrote passes `ecsim check`.
    let o = ecsim().arg("check").arg(&out).output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn the_command_defaults_to_scenario_toml_and_rejects_both_launches() {
    let dir = tempfile::tempdir().unwrap();
    let o = ecsim().current_dir(dir.path()).arg("init").output().unwrap();
    assert_eq!(o.status.code(), Some(0));
    assert!(dir.path().join("scenario.toml").exists());
    let o = ecsim().current_dir(dir.path()).args(["init", "--ec2", "--fargate", "--force"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2), "clap rejects the pair");
    assert!(stderr(&o).contains("cannot be used with"), "{}", stderr(&o));
}

//! `terraform show -json` output: a plan maps like its configuration, a state with its ARNs, and
//! JSON that is neither is a located error.

use super::{load_and_run, named, scenario, warnings, FIXTURES};
use ecsim::api::{self, ImportOptions};
use std::path::PathBuf;

#[test]
fn a_plan_maps_like_its_configuration_and_runs() {
    // show-json/plan.json: a Fargate service of 3 tasks behind module.alb's target group
    // this["web"], whose ARN the plan does not know: the configuration's references say which
    let imported = api::import(&[PathBuf::from(FIXTURES).join("show-json/plan.json")], &ImportOptions::default()).unwrap();
    assert_eq!(warnings(&imported), Vec::<String>::new());
    let t = scenario(&imported);
    let web = named(&t, "services", "web");
    assert_eq!(web["desired_count"].as_integer(), Some(3));
    assert_eq!(web["launch_type"].as_str(), Some("FARGATE"));
    assert_eq!(web["load_balancers"][0]["target_group"].as_str(), Some("shop-web"));
    assert_eq!(web["deployment"]["circuit_breaker"]["rollback"].as_bool(), Some(true));
    assert_eq!(named(&t, "load_balancers", "shop")["listeners"][0]["default_action"]["forward"].as_str(), Some("shop-web"));
    let td: serde_json::Value = serde_json::from_str(&imported.draft.files["taskdefs/shop-web.json"]).unwrap();
    assert_eq!(td["runtimePlatform"]["cpuArchitecture"], "ARM64");
    let (_, run) = load_and_run(&imported, 5);
    assert_eq!(run.summary.services[0].running, 3);
}

#[test]
fn a_state_maps_with_its_arns_and_runs() {
    // show-json/state.json: every value known; references are the ARNs themselves
    let imported = api::import(&[PathBuf::from(FIXTURES).join("show-json/state.json")], &ImportOptions::default()).unwrap();
    assert_eq!(warnings(&imported), Vec::<String>::new());
    let t = scenario(&imported);
    // the group's launch template lt-0abc… has instance_type c5.xlarge; min 2, max 6, desired 3
    let asg = named(&t, "auto_scaling_groups", "orders-ecs");
    assert_eq!(asg["instance_type"].as_str(), Some("c5.xlarge"));
    assert_eq!((asg["min"].as_integer(), asg["max"].as_integer(), asg["desired"].as_integer()), (Some(2), Some(6), Some(3)));
    let api_service = named(&t, "services", "api");
    assert_eq!(api_service["task_definition"].as_str(), Some("orders-api"));
    assert_eq!(api_service["load_balancers"][0]["target_group"].as_str(), Some("orders-api"));
    assert_eq!(api_service["placement_strategy"].as_array().map(Vec::len), Some(2));
    assert_eq!(named(&t, "target_groups", "orders-api")["algorithm"].as_str(), Some("least_outstanding_requests"));
    let (_, run) = load_and_run(&imported, 5);
    assert_eq!(run.summary.services[0].running, 4);
    assert_eq!(run.summary.instances, 3);
}

#[test]
fn json_that_is_not_a_plan_or_a_state_is_a_located_error() {
    let dir = tempfile::tempdir().unwrap().keep();
    let path = dir.join("show.json");
    std::fs::write(&path, "{\n  \"format_version\": \"1.0\",\n  \"values\": {\"outputs\": {}}\n}\n").unwrap();
    let d = api::import(&[path], &ImportOptions::default()).unwrap_err();
    let e = d.errors().next().unwrap();
    assert!(e.message.contains("values.root_module"), "{}", e.message);
    assert_eq!(e.line, 1);
}

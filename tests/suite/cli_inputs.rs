//! Inputs that used to be refused or crash the binary (issue 12): `check` tells a JSON file's
//! kind from its shape, says what an unknown file looks like, an ALB log with a non-ASCII
//! timestamp is a located message, and a closed standard output never panics a command.

use crate::common::{ecsim, repo, stderr};
use std::process::{Command, Output, Stdio};

fn check(files: &[&str]) -> Output {
    ecsim().arg("check").args(files.iter().map(|f| repo(f))).output().unwrap()
}

#[test]
fn create_service_input_naming_its_task_definition_and_describe_tasks_output_pass_check() {
    // repro/check_routing: the first named `"taskDefinition"` and went to the task definition
    // reader ("no `family`"); the second was refused for instances not in a cluster that a
    // file checked on its own cannot have.
    let files = [
        "tests/fixtures/repro/check_routing/create-service.json",
        "tests/fixtures/repro/check_routing/create-service-no-td.json",
        "tests/fixtures/repro/check_routing/describe-tasks.json",
        // Output shapes: UpdateService's {"service": {...}} and a describe-services list of two.
        "tests/fixtures/shapes/update-service-output.json",
        "tests/fixtures/shapes/describe-services-two.json",
    ];
    let out = check(&files);
    assert!(out.status.success(), "{}", stderr(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.starts_with("checked 5 file(s): 0 error(s) in 0 file(s)"), "{stdout}");
}

#[test]
fn every_valid_real_world_json_file_passes_check_and_the_invalid_ones_do_not() {
    // tests/fixtures/realworld/SOURCES.md: three files are invalid on purpose (ECS itself
    // refuses them); every other one is a valid ECS file and must pass.
    let invalid = ["awsdocs_container_dependency_awsvpc.json", "fullstack_taskdef_template_INVALID_JSON.json", "tomcat_ec2.json"];
    let mut passed = 0;
    for dir in ["tests/fixtures/realworld/task-definitions", "tests/fixtures/realworld/services", "scenarios/taskdefs"] {
        for entry in std::fs::read_dir(repo(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "json") {
                continue;
            }
            let out = ecsim().arg("check").arg(&path).output().unwrap();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if invalid.contains(&name.as_str()) {
                assert_eq!(out.status.code(), Some(1), "{name} must be refused");
            } else {
                assert!(out.status.success(), "{name}: {}", stderr(&out));
                passed += 1;
            }
        }
    }
    assert_eq!(passed, 5 + 3 + 2, "task definitions, services, bundled task definitions");
}

#[test]
fn unknown_shapes_say_what_they_look_like_and_what_check_reads() {
    let cases = [
        (
            "tests/fixtures/shapes/random-object.json",
            "error: this file looks like a JSON object with the top-level keys \"age\", \"languages\", \"name\", which is none of the shapes `check` reads",
        ),
    ];
    for (file, message) in cases {
        let out = check(&[file]);
        let text = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{file}");
        assert!(text.contains(&format!("{}:1:1: {message}", repo(file).display())), "{file}:\n{text}");
        assert!(text.contains("`ecsim check` reads scenario and sweep TOML; ECS JSON: task definitions"), "{text}");
        assert!(!text.contains("desiredCount"), "{text}");
    }
}

#[test]
fn a_cloudformation_template_given_to_check_is_imported_and_checked() {
    // Once "this file looks like a CloudFormation template, which `check` does not read yet":
    // now the template is imported (docs/import.md) and the scenario checked, every assumed
    // value a located warning.
    let cases = [
        (
            "tests/fixtures/shapes/cloudformation-template.json",
            ":5:16: warning: assumed: the services run on EC2 and the import has no instances",
        ),
        (
            "tests/fixtures/realworld/cloudformation/refarch_website_service.yaml",
            ":11:5: warning: assumed: parameter Cluster (String) has no value",
        ),
    ];
    for (file, message) in cases {
        let out = check(&[file]);
        let text = stderr(&out);
        assert!(out.status.success(), "{file}:\n{text}");
        assert!(text.contains(&format!("{}{message}", repo(file).display())), "{file}:\n{text}");
    }
}

#[test]
fn a_non_ascii_alb_log_timestamp_is_a_located_message_not_a_panic() {
    // repro/alb_log_panic: "12:00:0é" in field 22 panicked (exit 101) slicing inside "é".
    let out = check(&["tests/fixtures/repro/alb_log_panic/scenario.toml"]);
    let text = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(!text.contains("panicked"), "{text}");
    let scenario = repo("tests/fixtures/repro/alb_log_panic/scenario.toml");
    // The scenario's access_log value is at line 20, column 14.
    assert!(text.contains(&format!("{}:20:14: error:", scenario.display())), "{text}");
    assert!(text.contains("access.log:1: bad timestamp in field 22"), "{text}");
    assert!(text.contains("'é' is not part of a timestamp"), "{text}");
}

/// Runs the binary with its standard output closed before it writes anything (as `| head -0`
/// would), and returns its exit code and standard error.
fn with_stdout_closed(cmd: &mut Command) -> (Option<i32>, String) {
    let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    (out.status.code(), stderr(&out))
}

#[test]
fn a_closed_stdout_never_panics_a_command() {
    let tmp = tempfile::tempdir().unwrap();
    let run_out = tmp.path().join("run");
    let sweep_out = tmp.path().join("sweep");
    let quickstart = repo("scenarios/quickstart.toml");
    let placement = repo("scenarios/lessons/placement");
    let (mut run, mut check, mut place, mut sweep) = (ecsim(), ecsim(), ecsim(), ecsim());
    run.arg("run").arg("--out").arg(&run_out).arg(&quickstart);
    check.arg("check").arg(&quickstart);
    place.current_dir(&placement).args([
        "place",
        "--instances",
        "binpack-memory/instances.json",
        "--task-definition",
        "binpack-memory/taskdef.json",
        "--explain",
    ]);
    sweep.args(["sweep", "--threads", "1", "--out"]).arg(&sweep_out).arg(repo("scenarios/sweeps/smoke.toml"));
    for (name, cmd) in [("run", &mut run), ("check", &mut check), ("place", &mut place), ("sweep", &mut sweep)] {
        let (code, text) = with_stdout_closed(cmd);
        assert!(!text.contains("panicked"), "{name}: {text}");
        assert_eq!(code, Some(0), "{name} exits as it would with stdout open: {text}");
    }
    // The work was done all the same: every result file is there.
    for f in ["summary.json", "timeseries.csv", "events.csv"] {
        assert!(run_out.join(f).is_file(), "run: {f}");
    }
    for f in ["runs.csv", "cells.csv", "cells.json", "sweep.json"] {
        assert!(sweep_out.join(f).is_file(), "sweep: {f}");
    }
}

#[test]
fn a_scenario_file_of_another_kind_is_named_not_checked_field_by_field() {
    // A scenario's task definition key pointing at a create-service input: one message saying
    // what the file is, instead of "no `family`" and a list of unknown fields.
    let path = repo("tests/fixtures/repro/check_routing/create-service.json");
    let text = std::fs::read_to_string(&path).unwrap();
    let err = ecsim::scenario::ecs_json::load_task_definition(&path, &text).expect_err("not a task definition");
    let rendered = err.to_string();
    assert_eq!(err.errors().count(), 1, "{rendered}");
    assert!(
        rendered.contains(":1:1: error: expected a task definition, but this file looks like a service (create-service input"),
        "{rendered}"
    );
    // And the other way round: a task definition given as a service.
    let path = repo("scenarios/taskdefs/nginx_ec2.json");
    let text = std::fs::read_to_string(&path).unwrap();
    let err = ecsim::scenario::ecs_json::load_service(&path, &text).expect_err("not a service");
    assert!(err.to_string().contains("expected a service, but this file looks like a task definition"), "{err}");
}

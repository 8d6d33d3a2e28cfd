//! The command line as scripts and shells use it, through the binary: `--json` prints one
//! document and nothing else on standard output, each exit code means one thing, completions
//! and manual pages name every command, colour only where it is asked for, and a note when a
//! run replaces earlier results.

use crate::capacity_search::QUEUE;
use crate::common::{ecsim, ecsim_output, repo, stderr};
use serde_json::Value;
use std::path::Path;
use std::process::Output;

/// Every command of `ecsim`, as `ecsim --help` lists them.
const COMMANDS: [&str; 11] = ["run", "place", "check", "import", "sweep", "merge", "capacity", "init", "types", "completions", "man"];

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn code(out: &Output) -> i32 {
    out.status.code().expect("an exit code, not a signal")
}

/// Standard output as the one JSON document it must be.
#[track_caller]
fn document(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}):\n{}", String::from_utf8_lossy(&out.stdout)))
}

fn has_escapes(bytes: &[u8]) -> bool {
    bytes.contains(&0x1b)
}

fn placement_lesson(args: &[&str]) -> Output {
    let dir = repo("scenarios/lessons/placement/spread-zone-then-binpack");
    let (instances, tasks, taskdef) = (dir.join("instances.json"), dir.join("tasks.json"), dir.join("taskdef.json"));
    let strategy = r#"[{"type":"spread","field":"attribute:ecs.availability-zone"},{"type":"binpack","field":"memory"}]"#;
    let mut all = vec!["place", "--instances", s(&instances), "--tasks", s(&tasks), "--task-definition", s(&taskdef)];
    all.extend(["--group", "service:web", "--strategy", strategy]);
    all.extend_from_slice(args);
    ecsim_output(&all)
}

#[test]
fn run_json_is_the_summary_and_the_results_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let out_dir = tmp.path().join("qs");
    let out = ecsim_output(&["run", s(&repo("scenarios/quickstart.toml")), "--seed", "3", "--out", s(&out_dir), "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let doc = document(&out);
    assert_eq!(doc["ok"], true);
    assert_eq!(doc["results_dir"], s(&out_dir));
    // The summary is summary.json's content, value for value.
    let written: Value = serde_json::from_slice(&std::fs::read(out_dir.join("summary.json")).unwrap()).unwrap();
    assert_eq!(doc["summary"], written);
    assert_eq!(doc["summary"]["seed"], 3);
    assert!(!stderr(&out).contains("results written to"), "the report is not printed with --json");
}

#[test]
fn a_run_that_replaces_results_says_whose_they_were() {
    let tmp = tempfile::tempdir().unwrap();
    let out_dir = tmp.path().join("qs");
    let run = |seed: &str| ecsim_output(&["run", s(&repo("scenarios/quickstart.toml")), "--seed", seed, "--out", s(&out_dir)]);
    let first = run("3");
    assert!(!stderr(&first).contains("replaced"), "nothing to replace the first time: {}", stderr(&first));
    let second = run("4");
    assert_eq!(code(&second), 0);
    let note = format!("note: replaced the results in {}/ (previous run of quickstart, seed 3)", s(&out_dir));
    assert!(stderr(&second).contains(&note), "{}", stderr(&second));
    assert!(!String::from_utf8_lossy(&second.stdout).contains("replaced"), "notes go to standard error");
}

#[test]
fn check_json_gives_each_file_its_errors_with_their_place() {
    let good = repo("scenarios/quickstart.toml");
    let bad = repo("tests/fixtures/realworld/task-definitions/tomcat_ec2.json");
    let out = ecsim_output(&["check", s(&good), s(&bad), "--json"]);
    assert_eq!(code(&out), 1, "an error is bad input");
    let doc = document(&out);
    assert_eq!(doc["ok"], false);
    let files = doc["files"].as_array().unwrap();
    assert_eq!(files.len(), 2);
    assert_eq!((files[0]["file"].as_str(), &files[0]["ok"]), (Some(s(&good)), &Value::Bool(true)));
    assert_eq!(files[1]["ok"], false);
    let error = &files[1]["errors"][0];
    assert_eq!((error["line"].as_u64(), error["column"].as_u64()), (Some(12), Some(21)));
    assert!(error["message"].as_str().unwrap().contains("host ports and container ports in port mappings must match"), "{error}");
    assert!(error["help"].as_str().unwrap().contains("hostPort is 80 but containerPort is 8080"), "{error}");
    // The messages for a person are on standard error, as without --json.
    assert!(stderr(&out).contains("tomcat_ec2.json:12:21: error:"), "{}", stderr(&out));
}

#[test]
fn check_exit_codes_valid_errors_and_denied_warnings() {
    let warns = repo("tests/fixtures/shapes/cloudformation-template.json");
    let bad = repo("tests/fixtures/realworld/task-definitions/tomcat_ec2.json");
    assert_eq!(code(&ecsim_output(&["check", s(&warns)])), 0, "warnings alone pass");
    let denied = ecsim_output(&["check", s(&warns), "--deny-warnings", "--json"]);
    assert_eq!(code(&denied), 4, "{}", stderr(&denied));
    let doc = document(&denied);
    assert_eq!((doc["ok"].as_bool(), doc["errors"].as_u64(), doc["warnings"].as_u64()), (Some(false), Some(0), Some(1)));
    assert_eq!(code(&ecsim_output(&["check", s(&warns), s(&bad), "--deny-warnings"])), 1, "errors win over warnings");
}

#[test]
fn place_json_names_the_chosen_instance_and_why() {
    let out = placement_lesson(&["--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let doc = document(&out);
    assert_eq!(doc["ok"], true);
    assert_eq!(doc["placed_on"], serde_json::json!(["i-5"]));
    assert_eq!(doc["failures"], serde_json::json!([]));
    assert_eq!(doc["explanation"][0]["outcome"]["placed_on"], "i-5");
    assert!(doc["explanation_text"].as_str().unwrap().contains("placed on i-5 (us-east-1c)"));
    // --explain is for a person, --json for a program: not both.
    assert_eq!(code(&placement_lesson(&["--json", "--explain"])), 2);
}

#[test]
fn a_file_that_does_not_load_is_a_json_failure_with_code_1() {
    let missing = repo("scenarios/no-such-scenario.toml");
    let out = ecsim_output(&["run", s(&missing), "--json"]);
    assert_eq!(code(&out), 1);
    let doc = document(&out);
    assert_eq!(doc["ok"], false);
    assert!(doc["errors"][0]["file"].as_str().unwrap().ends_with("no-such-scenario.toml"), "{doc}");
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(code(&ecsim_output(&["run"])), 2, "a missing argument");
    assert_eq!(code(&ecsim_output(&["run", "x.toml", "--no-such-option"])), 2, "an unknown option");
    assert_eq!(code(&ecsim_output(&["frobnicate"])), 2, "an unknown command");
    assert_eq!(code(&ecsim_output(&["completions", "tcsh"])), 2, "a shell clap_complete does not know");
}

#[test]
fn capacity_without_an_answer_exits_3_and_says_so_in_json() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = tmp.path().join("queue.toml");
    std::fs::write(&scenario, QUEUE).unwrap();
    let out_dir = tmp.path().join("out");
    // Three tasks serve at most 300 of the 350 requests/s: --to 3 cannot meet the SLO.
    let args = ["capacity", s(&scenario), "--vary", "services.web.desired_count", "--to", "3", "-r", "1", "--threads", "1"];
    let out = ecsim().args(args).args(["--out", s(&out_dir), "--json"]).output().unwrap();
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    let doc = document(&out);
    assert_eq!((doc["ok"].as_bool(), &doc["answer"]), (Some(false), &Value::Null));
    assert_eq!(doc["capacity"]["knob"], "services.web.desired_count");
    // Again into the same folder: the note names the search it replaces.
    let again = ecsim().args(args).args(["--out", s(&out_dir)]).output().unwrap();
    assert_eq!(code(&again), 3);
    assert!(stderr(&again).contains("(previous search of services.web.desired_count in queue, seed 3)"), "{}", stderr(&again));
}

#[test]
fn help_lists_the_exit_codes() {
    let out = ecsim_output(&["--help"]);
    assert_eq!(code(&out), 0);
    let help = String::from_utf8(out.stdout).unwrap();
    for line in
        ["Exit codes:", "  0  done", "  1  bad input", "  2  usage error", "  3  `capacity` found no value", "  4  `check --deny-warnings`"]
    {
        assert!(help.contains(line), "{line:?} missing from:\n{help}");
    }
    for command in COMMANDS {
        assert!(help.contains(&format!("\n  {command} ")), "{command} missing from the help:\n{help}");
    }
}

#[test]
fn bash_completion_offers_every_command() {
    let out = ecsim_output(&["completions", "bash"]);
    assert_eq!(code(&out), 0);
    let script = String::from_utf8(out.stdout).unwrap();
    assert!(script.contains("complete -F _ecsim"), "a bash completion script");
    for command in COMMANDS {
        // The script's dispatch: `ecsim,run)` completes the options of `ecsim run`.
        assert!(script.contains(&format!("ecsim,{command})")), "{command} missing from the bash completion");
    }
    for shell in ["zsh", "fish", "elvish", "powershell"] {
        let out = ecsim_output(&["completions", shell]);
        assert!(out.status.success() && String::from_utf8_lossy(&out.stdout).contains("capacity"), "{shell}");
    }
}

#[test]
fn the_man_page_describes_every_command_and_one_page_each_is_written() {
    let out = ecsim_output(&["man"]);
    assert_eq!(code(&out), 0);
    let page = String::from_utf8(out.stdout).unwrap();
    assert!(page.starts_with(".ie \\n(.g .ds Aq"), "a roff page: {}", &page[..80.min(page.len())]);
    assert!(page.contains(".TH ecsim 1"));
    for command in COMMANDS {
        assert!(page.contains(&format!("ecsim\\-{command}(1)")), "{command} missing from ecsim.1");
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("man1");
    assert_eq!(code(&ecsim_output(&["man", "--out", s(&dir)])), 0);
    for command in COMMANDS {
        let page = std::fs::read_to_string(dir.join(format!("ecsim-{command}.1"))).unwrap();
        assert!(page.contains(&format!(".TH ecsim-{command} 1")), "ecsim-{command}.1");
    }
    assert!(dir.join("ecsim.1").is_file());
}

#[test]
fn colour_only_where_asked_for() {
    let bad = repo("tests/fixtures/realworld/task-definitions/tomcat_ec2.json");
    let check = |env: &[(&str, &str)], args: &[&str]| {
        let mut c = ecsim();
        c.env_remove("NO_COLOR").env_remove("CLICOLOR_FORCE").env_remove("CLICOLOR");
        for (k, v) in env {
            c.env(k, v);
        }
        c.arg("check").arg(&bad).args(args).output().unwrap()
    };
    // Captured output is a pipe: plain text.
    let piped = check(&[], &[]);
    assert!(!has_escapes(&piped.stderr) && !has_escapes(&piped.stdout));
    // Forced: the error word is red and bold.
    let forced = check(&[("CLICOLOR_FORCE", "1")], &[]);
    assert!(stderr(&forced).contains("\x1b[1m\x1b[31merror:"), "{:?}", stderr(&forced));
    // NO_COLOR, whatever its value, wins over CLICOLOR_FORCE.
    let no_color = check(&[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "0")], &[]);
    assert!(!has_escapes(&no_color.stderr) && !has_escapes(&no_color.stdout));
    // The flag wins over both.
    assert!(has_escapes(&check(&[("NO_COLOR", "1")], &["--color", "always"]).stderr));
    assert!(!has_escapes(&check(&[("CLICOLOR_FORCE", "1")], &["--color", "never"]).stderr));
    // JSON is never coloured.
    let json = check(&[("CLICOLOR_FORCE", "1")], &["--json"]);
    assert!(!has_escapes(&json.stdout));
    document(&json);
}

#[test]
fn sweep_json_is_the_cells_and_a_second_sweep_says_it_replaced_the_tables() {
    let tmp = tempfile::tempdir().unwrap();
    let out_dir = tmp.path().join("smoke");
    let sweep = repo("scenarios/sweeps/smoke.toml");
    let out = ecsim_output(&["sweep", s(&sweep), "--threads", "1", "--out", s(&out_dir), "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let doc = document(&out);
    assert_eq!((doc["ok"].as_bool(), doc["sweep"].as_str()), (Some(true), Some("smoke")));
    assert_eq!((doc["runs"].as_u64(), doc["skipped"].as_u64(), &doc["shard"]), (Some(6), Some(0), &Value::Null));
    // The cells are cells.json's content.
    let written: Value = serde_json::from_slice(&std::fs::read(out_dir.join("cells.json")).unwrap()).unwrap();
    assert_eq!(doc["cells"], written);
    assert_eq!(doc["cells"][0]["cell"], "c0_template=AZ-Balanced-Spread");
    // Again: every run is found done, and the tables are written anew.
    let again = ecsim_output(&["sweep", s(&sweep), "--threads", "1", "--out", s(&out_dir)]);
    assert_eq!(code(&again), 0);
    let note =
        format!("note: replaced the tables in {}/ (previous sweep smoke, seed 7; the 6 run(s) already in runs/ were kept)", s(&out_dir));
    assert!(stderr(&again).contains(&note), "{}", stderr(&again));
}

//! The instance-type table against the AWS documentation (a sample of rows, each with its
//! source), `ecsim types` through the binary, scenarios on types the first table lacked, and the
//! "unknown instance type" message now that there are over a thousand names.

use crate::common::{ecsim, ecsim_output, stderr};
use ecsim::api::{self, Architecture};
use ecsim::ecs::instance_types::{self, lookup, InstanceType};
use std::path::Path;

fn ty(name: &str) -> &'static InstanceType {
    lookup(name).unwrap_or_else(|| panic!("{name} is not in the table"))
}

/// (vCPUs, memory MiB, architecture, NVIDIA GPUs).
fn shape(t: &InstanceType) -> (u32, u32, Architecture, u32) {
    (t.vcpus, t.memory_mib_nominal, t.architecture, t.gpus)
}

/// (awsvpc tasks without trunking, with trunking).
fn tasks(t: &InstanceType) -> (u32, Option<u32>) {
    (t.awsvpc_task_limit(false), t.trunk_eni_tasks)
}

use Architecture::{Arm64, X86_64};

#[test]
fn sizes_match_the_ec2_hardware_specifications() {
    // Amazon EC2 User Guide, "General purpose instances", Hardware specifications
    // (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/general-purpose-instances.html):
    // "a1.medium 1 2", "t2.nano 1 0.5", "t2.micro 1 1", "t2.medium 2 4", "m4.large 2 8",
    // "m5.24xlarge 96 384" (vCPUs, memory GiB). A1 is Graviton (Arm).
    assert_eq!(shape(ty("a1.medium")), (1, 2 * 1024, Arm64, 0));
    assert_eq!(shape(ty("t2.nano")), (1, 512, X86_64, 0));
    assert_eq!(shape(ty("t2.micro")), (1, 1024, X86_64, 0));
    assert_eq!(shape(ty("t2.medium")), (2, 4 * 1024, X86_64, 0));
    assert_eq!(shape(ty("m4.large")), (2, 8 * 1024, X86_64, 0));
    assert_eq!(shape(ty("m5.24xlarge")), (96, 384 * 1024, X86_64, 0));
}

#[test]
fn gpus_match_the_aws_batch_gpu_table_and_the_p3_launch() {
    // AWS Batch User Guide, "Run GPU jobs", supported GPU instance types
    // (https://docs.aws.amazon.com/batch/latest/userguide/gpu-jobs.html): GPUs, vCPUs, memory:
    // g4dn.xlarge 1, 4, 16 GiB; g4dn.12xlarge 4, 48, 192 GiB; g5.48xlarge 8, 192, 768 GiB;
    // g5g.16xlarge (Graviton) 2, 64, 128 GB.
    assert_eq!(shape(ty("g4dn.xlarge")), (4, 16 * 1024, X86_64, 1));
    assert_eq!(shape(ty("g4dn.12xlarge")), (48, 192 * 1024, X86_64, 4));
    assert_eq!(shape(ty("g5.48xlarge")), (192, 768 * 1024, X86_64, 8));
    assert_eq!(shape(ty("g5g.16xlarge")), (64, 128 * 1024, Arm64, 2));
    // AWS News Blog, "New – Amazon EC2 Instances with Up to 8 NVIDIA Tesla V100 GPUs (P3)":
    // p3.2xlarge has 1 GPU, 8 vCPUs, 61 GiB.
    assert_eq!(shape(ty("p3.2xlarge")), (8, 61 * 1024, X86_64, 1));
}

#[test]
fn awsvpc_task_limits_match_the_ecs_trunking_table() {
    // Amazon ECS Developer Guide, "Increasing Amazon ECS Linux container instance network
    // interfaces" (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/container-instance-eni.html):
    // "by default a c5.large instance may have up to three ENIs ... you can typically only run two
    // such tasks"; "a c5.large instance with awsvpcTrunking ... launch ten tasks".
    assert_eq!(ty("c5.large").max_enis, 3);
    assert_eq!(tasks(ty("c5.large")), (2, Some(10)));
    // Its table "Task limit without ENI trunking | Task limit with ENI trunking":
    // a1.medium 1 | 10; m6g.medium 1 | 4; r5.large 2 | 10; m5.24xlarge 14 | 120;
    // c6gn.16xlarge 14 | 120; p3.2xlarge 3 | 40; p4d.24xlarge 59 | 120 (4 network cards of 15).
    assert_eq!(tasks(ty("a1.medium")), (1, Some(10)));
    assert_eq!(tasks(ty("m6g.medium")), (1, Some(4)));
    assert_eq!(tasks(ty("r5.large")), (2, Some(10)));
    assert_eq!(tasks(ty("m5.24xlarge")), (14, Some(120)));
    assert_eq!(tasks(ty("c6gn.16xlarge")), (14, Some(120)));
    assert_eq!(tasks(ty("p3.2xlarge")), (3, Some(40)));
    assert_eq!(tasks(ty("p4d.24xlarge")), (59, Some(120)));
    // The same page: "The c5n, d3, ..., g4dn, i3, ... and z1d instance families are not
    // supported", and "the a1.metal, c5.metal, ... m5.metal ... instance types are not supported".
    for name in ["c5n.large", "g4dn.xlarge", "i3.large", "z1d.large", "a1.metal", "m5.metal"] {
        assert_eq!(ty(name).trunk_eni_tasks, None, "{name}");
    }
}

#[test]
fn every_type_is_consistent() {
    let all = instance_types::all();
    assert!(instance_types::table_problems().is_empty(), "{:?}", instance_types::table_problems());
    assert!(all.len() >= 1300, "{}", all.len());
    for t in all {
        assert!(t.vcpus >= 1 && t.memory_mib_nominal >= 512 && t.max_enis >= 1, "{t:?}");
        // With trunking ECS gives more tasks than without (the trunk ENI is the point), except
        // where the ECS guide's table says otherwise: u-6tb1.56xlarge, 14 without and 12 with.
        if let Some(n) = t.trunk_eni_tasks {
            assert!(n > t.awsvpc_task_limit(false) || t.name == "u-6tb1.56xlarge", "{t:?}");
        }
        assert!(t.price_usd_per_hour >= 0.0 && (t.price_known || t.price_usd_per_hour == 0.0));
        assert!(!t.name.starts_with("mac"), "ECS does not run macOS instances: {}", t.name);
    }
    // The names real templates use (issue 14): c4.xlarge, t2.micro, t3.small, c3.large, Graviton and GPU types.
    for name in ["c4.xlarge", "t2.micro", "t3.small", "c3.large", "m7g.xlarge", "c7g.2xlarge", "g5.xlarge", "p3.2xlarge"] {
        assert!(lookup(name).is_some(), "{name}");
    }
}

#[test]
fn a_scenario_on_newly_known_types_runs_with_gpus() {
    // One t2.micro and one g4dn.xlarge (1 GPU): a task wanting a GPU can only go to the latter.
    let text = r#"
[scenario]
duration = "10m"

[cluster]
zones = ["us-east-1a"]

[[cluster.instances]]
type = "t2.micro"
count = 1

[[cluster.instances]]
type = "g4dn.xlarge"
count = 1

[[task_definitions]]
name = "train"
family = "train"
memory = 512
gpus = 1

[[workload]]
name = "train"
task_definition = "train"
arrivals = { process = "times", at = ["1m", "2m"] }
run_time = { distribution = "constant", value = "30m" }
"#;
    let s = api::load_str(Path::new("gpu.toml"), text).unwrap_or_else(|d| panic!("{d}"));
    let run = api::run(&s, 1);
    // The first takes the only GPU; the second finds none (RESOURCE:GPU).
    assert_eq!((run.summary.tasks.placed, run.summary.tasks.failed), (1, 1));
    assert_eq!(run.summary.tasks.failures_by_reason.keys().collect::<Vec<_>>(), ["RESOURCE:GPU"]);
    // t2.micro $0.0116/h + g4dn.xlarge $0.526/h, for 10 minutes.
    let expected = (0.0116 + 0.526) / 6.0;
    assert!((run.summary.cost.ec2_usd - expected).abs() < 1e-6, "{}", run.summary.cost.ec2_usd);
}

#[test]
fn an_unknown_type_names_the_closest_and_the_command_not_the_list() {
    let text = "[scenario]\nduration = \"1h\"\n\n[[cluster.instances]]\ntype = \"m5.lage\"\ncount = 1\n";
    let d = api::load_str(Path::new("bad.toml"), text).unwrap_err();
    let e = d.errors().next().unwrap();
    assert_eq!((e.message.as_str(), e.line, e.column), ("unknown instance type \"m5.lage\"", 5, 8));
    let help = e.help.as_deref().unwrap_or("");
    assert!(help.starts_with("did you mean \"m5.large\"? `ecsim types` lists the"), "{help}");
    assert!(help.len() < 120, "the help lists no names: {help}");
    // Nothing close: only the command.
    let d = api::load_str(Path::new("bad.toml"), &text.replace("m5.lage", "quantum.huge")).unwrap_err();
    let help = d.errors().next().unwrap().help.clone().unwrap_or_default();
    assert!(help.starts_with("`ecsim types` lists the"), "{help}");
}

fn stdout_of(args: &[&str]) -> String {
    let o = ecsim_output(args);
    assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
    String::from_utf8(o.stdout).unwrap()
}

#[test]
fn ecsim_types_lists_a_family_as_a_table() {
    let out = stdout_of(&["types", "--family", "m5"]);
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[0].starts_with("type ") && lines[0].contains("vCPU") && lines[0].contains("USD/h"), "{}", lines[0]);
    // m5: large, xlarge, 2xlarge, 4xlarge, 8xlarge, 12xlarge, 16xlarge, 24xlarge, metal.
    let rows: Vec<&str> = lines.iter().skip(1).take_while(|l| l.starts_with("m5.")).copied().collect();
    assert_eq!(rows.len(), 9, "{out}");
    let large: Vec<&str> = rows[0].split_whitespace().collect();
    // type, arch, vCPU, GiB, ENIs, awsvpc tasks, trunking, GPUs, USD/h.
    assert_eq!(large, ["m5.large", "x86_64", "2", "8", "3", "2", "10", "0", "0.0960"]);
    assert!(out.contains("9 of ") && out.contains("Sources:"), "{out}");
}

#[test]
fn ecsim_types_filters_by_architecture_gpu_and_size() {
    let csv = stdout_of(&["types", "--arch", "arm64", "--gpu", "--format", "csv"]);
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("name,architecture,vcpus,memory_mib,max_enis,ipv4_per_eni,awsvpc_tasks,awsvpc_tasks_trunking,gpus,usd_per_hour")
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert!(!rows.is_empty());
    for r in &rows {
        assert_eq!(r[1], "arm64", "{r:?}");
        assert!(r[8].parse::<u32>().unwrap() > 0, "{r:?}");
    }
    assert!(rows.iter().any(|r| r[0] == "g5g.xlarge"));

    let json = stdout_of(&["types", "--min-vcpu", "96", "--min-memory-gib", "768", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let list = v.as_array().unwrap();
    assert!(!list.is_empty());
    for t in list {
        assert!(t["vcpus"].as_u64().unwrap() >= 96 && t["memory_mib"].as_u64().unwrap() >= 768 * 1024, "{t}");
    }
    // A type with no trunking or no price has null there, not 0.
    let c5n = stdout_of(&["types", "--family", "c5n", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&c5n).unwrap();
    assert!(v[0]["awsvpc_tasks_trunking"].is_null());
}

#[test]
fn ecsim_types_says_what_is_wrong() {
    let o = ecsim().args(["types", "--family", "m55"]).output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("no instance family \"m55\"; did you mean \"m5\"?"), "{}", stderr(&o));
    let o = ecsim().args(["types", "--arch", "sparc"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2), "clap names the possible values");
    assert!(stderr(&o).contains("arm64"), "{}", stderr(&o));
    let o = ecsim().args(["types", "--min-vcpu", "100000"]).output().unwrap();
    assert_eq!(o.status.code(), Some(0));
    assert!(stderr(&o).contains("no instance type matches"), "{}", stderr(&o));
    // Garbage: located errors, no panic, no hang.
    let long = "x".repeat(10_000);
    for args in [vec!["types", "--family", long.as_str()], vec!["types", "--family", "💥"], vec!["types", "--min-memory-gib", "NaN"]] {
        let o = ecsim().args(&args).output().unwrap();
        assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
        assert!(stderr(&o).starts_with("error: "), "{}", stderr(&o));
    }
    let o = ecsim().args(["types", "--min-vcpu", "-3"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
}

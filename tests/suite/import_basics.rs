//! What every importer shares (`src/import/`): a bare container_definitions array as the
//! smallest stack, the written scenario and its files, loading a stack without writing it, the
//! overlay, and that what `ecsim import` writes runs exactly as the stack run directly.

use crate::common::{ecsim_output, repo, stderr};
use ecsim::api::{self, ImportOptions};
use std::path::PathBuf;

fn containers() -> PathBuf {
    repo("scenarios/import/containers.json")
}

#[test]
fn a_container_definitions_array_becomes_a_task_definition_and_a_service_of_one_task() {
    let imported = api::import(&[containers()], &ImportOptions::default()).unwrap();
    // The family is the file's name; the containers are the array, handed to the task definition
    // importer as RegisterTaskDefinition input.
    let td: serde_json::Value = serde_json::from_str(&imported.draft.files["taskdefs/containers.json"]).unwrap();
    assert_eq!(td["family"], "containers");
    assert_eq!(td["containerDefinitions"][0]["image"], "nginx:1.27");
    let toml = imported.scenario_toml();
    assert!(toml.contains("# assumed: a container_definitions array does not say how many tasks run\ndesired_count = 1"), "{toml}");
    // Each assumption is also a warning at the file.
    let warnings: Vec<String> = imported.warnings.warnings().map(|w| w.to_string()).collect();
    assert!(warnings.iter().any(|w| w.contains("containers.json:1:1: warning: assumed: one service of 1 task")), "{warnings:?}");

    let scenario = imported.load(None).unwrap();
    assert_eq!(scenario.services.len(), 1);
    assert_eq!(scenario.services[0].definition.desired_count, 1);
    let out = api::run(&scenario, scenario.seed);
    // One task of 256 CPU units / 512 MiB on one of the two m5.large instances, RUNNING after
    // the default 10 s start delay and steady for the hour.
    assert_eq!((out.summary.services[0].running, out.summary.services[0].healthy), (1, 1));
}

#[test]
fn the_written_scenario_runs_exactly_as_the_stack_run_directly() {
    let imported = api::import(&[containers()], &ImportOptions::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let written = dir.path().join("scenario.toml");
    imported.write(&written).unwrap();
    assert!(dir.path().join("taskdefs/containers.json").exists());
    let from_file = api::load(&written).unwrap();
    let direct = imported.load(None).unwrap();
    // Same text, same files: the same inputs hash, and byte-identical results.
    assert_eq!(from_file.sha256, direct.sha256);
    let (a, b) = (api::run(&from_file, 7), api::run(&direct, 7));
    assert_eq!(serde_json::to_string(&a.summary).unwrap(), serde_json::to_string(&b.summary).unwrap());
    // Importing the written scenario's own task definition again gives the same file.
    let again = api::import(&[containers()], &ImportOptions::default()).unwrap();
    assert_eq!(again.scenario_toml(), imported.scenario_toml());
}

#[test]
fn an_overlay_sets_the_duration_and_adds_tables() {
    let dir = tempfile::tempdir().unwrap();
    let overlay = dir.path().join("overlay.toml");
    std::fs::write(&overlay, "[scenario]\nduration = \"2h\"\nseed = 9\n\n[[actions]]\naction = \"update_service\"\nat = \"30m\"\nservice = \"containers\"\ndesired_count = 3\n").unwrap();
    let s = api::load_with(&containers(), Some(&overlay), &ImportOptions::default()).unwrap();
    assert_eq!(s.duration.whole_secs(), 7200);
    assert_eq!(s.seed, 9);
    assert_eq!(s.actions.len(), 1);
    let out = api::run(&s, s.seed);
    assert_eq!(out.summary.services[0].running, 3);
}

#[test]
fn an_overlay_with_a_syntax_error_is_located_in_the_overlay() {
    let dir = tempfile::tempdir().unwrap();
    let overlay = dir.path().join("overlay.toml");
    std::fs::write(&overlay, "[scenario]\nduration = \n").unwrap();
    let e = api::load_with(&containers(), Some(&overlay), &ImportOptions::default()).unwrap_err();
    assert!(e.to_string().contains("overlay.toml:2:"), "{e}");
}

#[test]
fn the_cli_imports_then_runs_and_refuses_what_it_cannot_import_writing_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("stack/scenario.toml");
    let o = ecsim_output(&["import", containers().to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("run it with: ecsim run"));
    let results = dir.path().join("results");
    let o = ecsim_output(&["run", out.to_str().unwrap(), "--out", results.to_str().unwrap(), "-q"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(results.join("summary.json").exists());

    // A scenario TOML is not infrastructure code: an error at the file, and nothing written.
    let bad_out = dir.path().join("bad/scenario.toml");
    let quickstart = repo("scenarios/quickstart.toml");
    let o = ecsim_output(&["import", quickstart.to_str().unwrap(), "--out", bad_out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("quickstart.toml:1:1: error: this file is not infrastructure code ecsim imports"), "{}", stderr(&o));
    assert!(!bad_out.exists());
}

#[test]
fn check_reads_a_stack_as_the_scenario_it_becomes() {
    let o = ecsim_output(&["check", containers().to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("0 error(s)"));
}

/// A CloudFormation stack drawn at random: a cluster, an Auto Scaling group of a real type, a
/// task definition and a service of it.
fn stack(instance_type: &str, size: u32, cpu: u32, memory_mib: u32, desired: u32, port: u16, min_healthy_pct: u32) -> String {
    format!(
        r#"AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Desired:
    Type: Number
    Default: {desired}
Resources:
  Cluster:
    Type: AWS::ECS::Cluster
    Properties:
      ClusterName: prop
  Group:
    Type: AWS::AutoScaling::AutoScalingGroup
    Properties:
      MinSize: "{size}"
      MaxSize: "{size}"
      DesiredCapacity: "{size}"
      AvailabilityZones: !GetAZs ""
      LaunchTemplate:
        LaunchTemplateId: !Ref Template
        Version: "1"
  Template:
    Type: AWS::EC2::LaunchTemplate
    Properties:
      LaunchTemplateData:
        InstanceType: {instance_type}
        UserData: !Base64 "echo ECS_CLUSTER=prop >> /etc/ecs/ecs.config"
  Task:
    Type: AWS::ECS::TaskDefinition
    Properties:
      Family: app
      ContainerDefinitions:
        - Name: app
          Image: nginx
          Cpu: {cpu}
          Memory: {memory_mib}
          PortMappings:
            - ContainerPort: {port}
  Service:
    Type: AWS::ECS::Service
    Properties:
      Cluster: !Ref Cluster
      TaskDefinition: !Ref Task
      DesiredCount: !Ref Desired
      DeploymentConfiguration:
        MinimumHealthyPercent: {min_healthy_pct}
        MaximumPercent: 200
"#
    )
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 24, ..Default::default() })]

    /// Import → export → import is stable: the written scenario loads to the same inputs
    /// (`scenario_sha256` hashes its text and every file it reads) and the same model as the
    /// stack loaded directly, and importing the stack again writes the same text.
    #[test]
    fn import_then_export_then_import_is_stable(
        type_index in 0usize..6,
        size in 1u32..6,
        cpu in 0u32..2048,
        memory_mib in 64u32..4096,
        desired in 0u32..12,
        port in 1u16..65535,
        min_healthy_pct in 0u32..101,
    ) {
        let instance_type = ["m5.large", "c4.large", "t3.small", "r6g.large", "c5.xlarge", "m6i.large"][type_index];
        let dir = tempfile::tempdir().unwrap();
        let template = dir.path().join("stack.yaml");
        std::fs::write(&template, stack(instance_type, size, cpu, memory_mib, desired, port, min_healthy_pct)).unwrap();
        let imported = api::import(std::slice::from_ref(&template), &ImportOptions::default()).unwrap();
        let again = api::import(&[template], &ImportOptions::default()).unwrap();
        proptest::prop_assert_eq!(imported.scenario_toml(), again.scenario_toml());

        let direct = imported.load(None);
        let written = dir.path().join("out/scenario.toml");
        imported.write(&written).unwrap();
        let from_file = api::load(&written);
        match (direct, from_file) {
            (Ok(a), Ok(b)) => {
                proptest::prop_assert_eq!(&a.sha256, &b.sha256);
                proptest::prop_assert_eq!(a.services.len(), 1);
                proptest::prop_assert_eq!(a.services[0].definition.desired_count, desired);
                proptest::prop_assert_eq!(format!("{:?}", a.services), format!("{:?}", b.services));
            }
            // A drawn stack ECS would refuse (a container too small, say) is refused the same
            // way, written or not: the same messages, but for the file names.
            (Err(a), Err(b)) => proptest::prop_assert_eq!(a.0.len(), b.0.len()),
            (a, b) => proptest::prop_assert!(false, "direct {:?} but written {:?}", a.map(|s| s.name), b.map(|s| s.name)),
        }
    }
}

//! CloudFormation templates imported, loaded and run: the real samples of
//! tests/fixtures/import/cloudformation/ (SOURCES.md), nested stacks, and bad input.

use crate::common::{ecsim, repo, stderr};
use ecsim::api;
use ecsim::import::Options;
use std::collections::BTreeMap;
use std::path::PathBuf;

fn fixture(name: &str) -> PathBuf {
    repo(&format!("tests/fixtures/import/cloudformation/{name}"))
}

fn import(names: &[&str], parameters: &[(&str, &str)]) -> ecsim::import::Imported {
    let paths: Vec<PathBuf> = names.iter().map(|n| fixture(n)).collect();
    let options = Options { parameters: parameters.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(), ..Options::default() };
    match api::import(&paths, &options) {
        Ok(i) => i,
        Err(d) => panic!("{names:?} does not import:\n{d}"),
    }
}

/// The scenario TOML as a table, to assert on what was mapped.
fn toml_of(imported: &ecsim::import::Imported) -> toml::Table {
    toml::from_str(&imported.scenario_toml()).unwrap()
}

fn named<'a>(t: &'a toml::Table, section: &str, name: &str) -> &'a toml::Table {
    t[section]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e.as_table())
        .find(|e| e.get("name").and_then(|n| n.as_str()) == Some(name))
        .unwrap_or_else(|| panic!("no {section} {name}"))
}

fn warnings(imported: &ecsim::import::Imported) -> String {
    imported.warnings.to_string()
}

#[test]
fn the_four_refarch_templates_import_together_check_and_run() {
    let imported = import(
        &["refarch_ecs_cluster.yaml", "refarch_load_balancers.yaml", "refarch_website_service.yaml", "refarch_product_service.yaml"],
        &[],
    );
    let t = toml_of(&imported);
    // ecs-cluster.yaml: ClusterName !Ref EnvironmentName (no default: assumed its own name);
    // the group's LaunchConfiguration says InstanceType !Ref InstanceType (Default c4.large, a
    // type ecsim knows), Min/Max/DesiredCapacity !Ref ClusterSize (Default 4).
    assert_eq!(t["cluster"]["name"].as_str(), Some("EnvironmentName"));
    let asg = named(&t, "auto_scaling_groups", "ECSAutoScalingGroup");
    assert_eq!(asg["instance_type"].as_str(), Some("c4.large"));
    assert!(!warnings(&imported).contains("not in ecsim's catalogue"), "{}", warnings(&imported));
    assert_eq!((asg["min"].as_integer(), asg["max"].as_integer(), asg["desired"].as_integer()), (Some(4), Some(4), Some(4)));
    // Both services: DesiredCount !Ref DesiredCount (Default 2), behind their own target group
    // (Ref TargetGroup), registered by a rule on the load balancers template's listener
    // (ListenerArn !Ref Listener: the parameter takes that template's output Listener).
    let web = named(&t, "services", "refarch-website-service-Service");
    assert_eq!(web["desired_count"].as_integer(), Some(2));
    assert_eq!(web["task_definition"].as_str(), Some("website-service"));
    let lb = web["load_balancers"][0].as_table().unwrap();
    assert_eq!(lb["target_group"].as_str(), Some("refarch-website-serv-TargetGroup"));
    assert_eq!(lb["container_port"].as_integer(), Some(8000));
    let product = named(&t, "services", "refarch-product-service-Service");
    assert_eq!(product["load_balancers"][0]["container_port"].as_integer(), Some(8001));
    // load-balancers.yaml: one listener on port 80 forwarding to DefaultTargetGroup
    // (Name !Sub ${EnvironmentName}-default), with the services' rules at priorities 1 and 2.
    let balancer = named(&t, "load_balancers", "EnvironmentName");
    let listener = balancer["listeners"][0].as_table().unwrap();
    assert_eq!(listener["port"].as_integer(), Some(80));
    assert_eq!(listener["default_action"]["forward"].as_str(), Some("EnvironmentName-default"));
    let rules = listener["rules"].as_array().unwrap();
    assert_eq!(rules.len(), 2);
    assert_eq!(rules[1]["path_pattern"][0].as_str(), Some("/products"));
    // website-service: HealthCheckIntervalSeconds 10, HealthyThresholdCount 2, Matcher 200-299.
    let tg = named(&t, "target_groups", "refarch-website-serv-TargetGroup");
    assert_eq!(tg["health_check"]["interval"].as_str(), Some("10s"));
    assert_eq!(tg["health_check"]["matcher"].as_str(), Some("200-299"));
    // website-service's scaling: MinCapacity !Ref DesiredCount (2), MaxCapacity !Ref MaxCount (3),
    // two step policies driven by the two CPU alarms (Period "60", EvaluationPeriods "3"/"10").
    let scaling = t["scaling"][0].as_table().unwrap();
    assert_eq!(scaling["service"].as_str(), Some("refarch-website-service-Service"));
    assert_eq!((scaling["min"].as_integer(), scaling["max"].as_integer()), (Some(2), Some(3)));
    assert_eq!(scaling["step"].as_array().unwrap().len(), 2);
    let alarm = named(&t, "alarms", "CPU utilization greater than 90%");
    assert_eq!(alarm["evaluation_periods"].as_integer(), Some(3));
    assert_eq!(alarm["alarm_actions"][0].as_str(), Some("policy:ServiceScaleOutPolicy"));
    assert_eq!(alarm["dimensions"]["ServiceName"].as_str(), Some("refarch-website-service-Service"));
    // Every assumption is located and said in the scenario.
    let w = warnings(&imported);
    assert!(w.contains("refarch_ecs_cluster.yaml:7:5: warning: assumed: parameter EnvironmentName"), "{w}");
    assert!(w.contains("parameter Listener has no value; it takes the output Listener of"), "{w}");
    assert!(imported.scenario_toml().contains("# assumed: parameter EnvironmentName (String) has no value"));
    // It loads and runs: 4 c4.large instances (2 vCPU, 3.75 GiB each) hold the 2 + 2 tasks.
    let scenario = imported.load(None).unwrap();
    assert_eq!(scenario.services.len(), 2);
    let run = api::run(&scenario, 1);
    assert_eq!(run.summary.instances, 4);
    for s in &run.summary.services {
        assert_eq!((s.desired, s.running), (2, 2), "{}", s.service);
    }
}

#[test]
fn a_cdk_synthesized_template_maps_capacity_providers_and_strategies() {
    let imported = import(&["cdk_aws_ecs_integ_alb.template.json"], &[]);
    let t = toml_of(&imported);
    // Two groups (LaunchConfigurations t2.micro and t3.micro, both types ecsim knows), MinSize/MaxSize
    // "1" (strings), in the zones of the private subnets
    // (Fn::Select [0|1, Fn::GetAZs ""]).
    let first = named(&t, "auto_scaling_groups", "FirstAutoScalingGroupASG3B34CA43");
    assert_eq!(first["instance_type"].as_str(), Some("t2.micro"));
    assert_eq!(first["max"].as_integer(), Some(1));
    assert_eq!(first["zones"].as_array().unwrap().len(), 2);
    let provider = named(&t, "capacity_providers", "first-capacity-provider");
    assert_eq!(provider["auto_scaling_group"].as_str(), Some("FirstAutoScalingGroupASG3B34CA43"));
    assert_eq!(provider["managed_scaling"]["target_capacity"].as_integer(), Some(100));
    assert_eq!(t["cluster"]["capacity_providers"].as_array().unwrap().len(), 2);
    // The service: no DesiredCount (CloudFormation's default, 1), strategy base 1 / weight 1 on
    // the first provider and weight 2 on the second, grace period 60 s, one target group.
    let service = named(&t, "services", "myServiceB0B6FAA0");
    assert_eq!(service["desired_count"].as_integer(), Some(1));
    let strategy = service["capacity_provider_strategy"].as_array().unwrap();
    assert_eq!(strategy[1]["capacity_provider"].as_str(), Some("second-capacity-provider"));
    assert_eq!(strategy[1]["weight"].as_integer(), Some(2));
    assert_eq!(service["health_check_grace_period"].as_str(), Some("60s"));
    assert!(imported.draft.files.values().any(|f| f.contains("\"hostPort\": 0")));
    let scenario = imported.load(None).unwrap();
    let run = api::run(&scenario, 1);
    assert_eq!(run.summary.services[0].running, 1);
}

#[test]
fn fn_import_value_finds_the_export_of_the_networking_stack() {
    // The service stack imports `!Join [':', [!Ref StackName, 'ClusterName']]`; the VPC stack
    // exports `!Join [':', [!Ref 'AWS::StackName', 'ClusterName']]`, its stack name the file's.
    let imported = import(&["fargate_public_vpc.yml", "fargate_public_service.yml"], &[("StackName", "fargate-public-vpc")]);
    let t = toml_of(&imported);
    let service = named(&t, "services", "nginx");
    // DesiredCount !Ref DesiredCount (Default 2), LaunchType FARGATE, the two public subnets
    // (imported) in zones Fn::Select [0|1, Fn::GetAZs].
    assert_eq!(service["desired_count"].as_integer(), Some(2));
    assert_eq!(service["launch_type"].as_str(), Some("FARGATE"));
    assert_eq!(service["subnets"].as_array().unwrap().len(), 2);
    let tg = named(&t, "target_groups", "nginx");
    assert_eq!(tg["target_type"].as_str(), Some("ip"));
    let rule = &t["load_balancers"][0]["listeners"][0]["rules"][0];
    assert_eq!(rule["action"]["forward"].as_str(), Some("nginx"));
    assert!(!warnings(&imported).contains("ImportValue"), "{}", warnings(&imported));
    let scenario = imported.load(None).unwrap();
    let run = api::run(&scenario, 1);
    assert_eq!(run.summary.services[0].running, 2);
}

#[test]
fn every_resource_the_importer_reads_maps_onto_its_scenario_key_and_runs() {
    let imported = import(&["ecsim_every_resource.yaml"], &[]);
    let t = toml_of(&imported);
    // Env defaults to prod: the cluster is !Sub '${Env}-cluster', the launch template's type
    // !FindInMap [Sizes, prod, Instance] = m5.xlarge, the group's MaxSize the map's Max 6, its
    // subnets in Fn::Select [0|1, Fn::GetAZs ''].
    assert_eq!(t["cluster"]["name"].as_str(), Some("prod-cluster"));
    assert_eq!(t["cluster"]["capacity_providers"].as_array().unwrap().len(), 2);
    assert_eq!(t["cluster"]["default_capacity_provider_strategy"][0]["capacity_provider"].as_str(), Some("NodesProvider"));
    let nodes = named(&t, "auto_scaling_groups", "nodes");
    assert_eq!(nodes["instance_type"].as_str(), Some("m5.xlarge"));
    assert_eq!((nodes["min"].as_integer(), nodes["max"].as_integer(), nodes["desired"].as_integer()), (Some(1), Some(6), Some(2)));
    assert_eq!(nodes["zones"].as_array().unwrap().len(), 2);
    assert_eq!(named(&t, "capacity_providers", "NodesProvider")["managed_scaling"]["target_capacity"].as_integer(), Some(90));
    // web: DesiredCount !If [IsProd, !Ref WebCount ('3'), 1], the circuit breaker, two
    // placement strategies, grace period '30'.
    let web = named(&t, "services", "web");
    assert_eq!(web["desired_count"].as_integer(), Some(3));
    assert_eq!(web["deployment"]["circuit_breaker"]["rollback"].as_bool(), Some(true));
    assert_eq!(web["placement_strategy"][1]["type"].as_str(), Some("binpack"));
    assert_eq!(web["health_check_grace_period"].as_str(), Some("30s"));
    let api_service = named(&t, "services", "api");
    assert_eq!(api_service["launch_type"].as_str(), Some("FARGATE"));
    assert_eq!(api_service["subnets"].as_array().unwrap().len(), 2);
    assert_eq!(named(&t, "services", "agent")["scheduling_strategy"].as_str(), Some("DAEMON"));
    let tg = named(&t, "target_groups", "web");
    assert_eq!(tg["deregistration_delay"].as_str(), Some("30s"));
    assert_eq!(tg["algorithm"].as_str(), Some("least_outstanding_requests"));
    assert_eq!(named(&t, "target_groups", "api")["target_type"].as_str(), Some("ip"));
    let front = named(&t, "load_balancers", "front");
    assert_eq!(front["idle_timeout"].as_str(), Some("120s"));
    let rules = front["listeners"][0]["rules"].as_array().unwrap();
    assert_eq!(rules[0]["action"]["forward"][0]["weight"].as_integer(), Some(90));
    assert_eq!(rules[0]["http_header"]["name"].as_str(), Some("X-Canary"));
    assert_eq!(rules[1]["action"]["fixed_response"].as_integer(), Some(410));
    // The alarm's dimensions from TargetGroupFullName / LoadBalancerFullName are the names.
    let slow = named(&t, "alarms", "web-slow");
    assert_eq!(slow["dimensions"]["TargetGroup"].as_str(), Some("web"));
    assert_eq!(slow["statistic"].as_str(), Some("p99"));
    assert_eq!(slow["alarm_actions"][0].as_str(), Some("arn:aws:sns:us-east-1:123456789012:Pager"));
    let tracking = t["scaling"][0]["target_tracking"][0].as_table().unwrap();
    assert_eq!(tracking["target_group"].as_str(), Some("web"));
    assert_eq!(tracking["scale_out_cooldown"].as_str(), Some("60s"));
    // What the scenario cannot say is one warning per type, with the count.
    let w = warnings(&imported);
    assert!(w.contains("warning: not modelled: AWS::SQS::Queue ×2"), "{w}");
    assert!(w.contains("warning: not modelled: alarm QueueAlarm watches AWS/SQS ApproximateNumberOfMessagesVisible"), "{w}");
    assert!(!w.contains("AWS::EC2::Subnet"), "{w}");
    let td: serde_json::Value = serde_json::from_str(&imported.draft.files["taskdefs/web.json"]).unwrap();
    assert_eq!(td["containerDefinitions"][0]["portMappings"][0]["containerPort"], 80);
    assert_eq!(td["containerDefinitions"][0]["dockerLabels"]["Team"], "Web");
    let scenario = imported.load(None).unwrap();
    let run = api::run(&scenario, 1);
    let running: BTreeMap<String, u32> = run.summary.services.iter().map(|s| (s.service.clone(), s.running)).collect();
    // web starts with 3 tasks; with no traffic its request-count target tracking scales it in
    // to MinCapacity 2 within the hour.
    assert_eq!(scenario.services[0].definition.desired_count, 3);
    assert_eq!((running["web"], running["api"]), (2, 2), "{running:?}");
    assert!(running["agent"] >= 2, "a daemon task on each of the group's instances: {running:?}");
}

#[test]
fn the_refarch_lesson_folder_imports_and_runs() {
    let dir = repo("scenarios/import/refarch");
    let paths: Vec<PathBuf> =
        ["ecs-cluster.yaml", "load-balancers.yaml", "website-service.yaml", "product-service.yaml"].iter().map(|f| dir.join(f)).collect();
    let options =
        Options { parameters: [("EnvironmentName".to_string(), "refarch".to_string())].into_iter().collect(), ..Options::default() };
    let imported = api::import(&paths, &options).unwrap();
    let t = toml_of(&imported);
    assert_eq!(t["cluster"]["name"].as_str(), Some("refarch"));
    assert_eq!(t["load_balancers"][0]["name"].as_str(), Some("refarch"));
    let scenario = imported.load(None).unwrap();
    let run = api::run(&scenario, 1);
    assert_eq!(run.summary.services.iter().map(|s| s.running).sum::<u32>(), 4);
}

#[test]
fn an_import_value_no_template_exports_is_assumed_with_a_warning() {
    let imported = import(&["fargate_public_service.yml"], &[]);
    let w = warnings(&imported);
    assert!(w.contains("warning: assumed: Fn::ImportValue production:ClusterName: no template of the import exports it"), "{w}");
}

#[test]
fn the_cli_imports_and_check_reads_a_template_directly() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("refarch.toml");
    let files: Vec<String> =
        ["refarch_ecs_cluster.yaml", "refarch_load_balancers.yaml", "refarch_website_service.yaml", "refarch_product_service.yaml"]
            .iter()
            .map(|f| fixture(f).display().to_string())
            .collect();
    let o = ecsim().arg("import").args(&files).arg("--out").arg(&out).output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let said = format!("{}{}", String::from_utf8_lossy(&o.stdout), stderr(&o));
    assert!(said.contains("(2 task definition file(s) beside it)"), "{said}");
    assert!(dir.path().join("taskdefs/website-service.json").exists());
    let c = ecsim().arg("check").arg(&out).output().unwrap();
    assert!(c.status.success(), "{}", stderr(&c));
    let direct = ecsim().arg("check").arg(fixture("cdk_aws_ecs_integ_alb.template.json")).output().unwrap();
    assert!(direct.status.success(), "{}", stderr(&direct));
}

/// A template written for a test, in a temporary folder.
fn write(dir: &std::path::Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn a_nested_stack_is_read_with_the_parameters_its_parent_passes() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "service.yaml",
        "Parameters:\n  Count:\n    Type: Number\nResources:\n  Td:\n    Type: AWS::ECS::TaskDefinition\n    Properties:\n      Family: web\n      ContainerDefinitions:\n        - Name: web\n          Image: nginx\n          Memory: 256\n  Svc:\n    Type: AWS::ECS::Service\n    Properties:\n      ServiceName: web\n      TaskDefinition: !Ref Td\n      DesiredCount: !Ref Count\nOutputs:\n  Name:\n    Value: !GetAtt Svc.Name\n",
    );
    let parent = write(
        dir.path(),
        "parent.yaml",
        "Resources:\n  Web:\n    Type: AWS::CloudFormation::Stack\n    Properties:\n      TemplateURL: ./service.yaml\n      Parameters:\n        Count: 3\n  Alarm:\n    Type: AWS::CloudWatch::Alarm\n    Properties:\n      Namespace: AWS/ECS\n      MetricName: CPUUtilization\n      Dimensions:\n        - Name: ClusterName\n          Value: default\n        - Name: ServiceName\n          Value: !GetAtt Web.Outputs.Name\n      Statistic: Average\n      Period: 60\n      EvaluationPeriods: 1\n      Threshold: 80\n      ComparisonOperator: GreaterThanThreshold\n",
    );
    let imported = api::import(&[parent], &Options::default()).unwrap();
    let t = toml_of(&imported);
    assert_eq!(named(&t, "services", "web")["desired_count"].as_integer(), Some(3));
    assert_eq!(t["alarms"][0]["dimensions"]["ServiceName"].as_str(), Some("web"));
    imported.load(None).unwrap();
}

#[test]
fn what_the_scenario_cannot_hold_is_left_out_with_a_warning_and_the_stack_still_runs() {
    let dir = tempfile::tempdir().unwrap();
    let alarm = |name: &str, dims: &str| {
        format!("  {name}:\n    Type: AWS::CloudWatch::Alarm\n    Properties: {{Namespace: AWS/ECS, MetricName: CPUUtilization, Dimensions: [{dims}], Statistic: Average, Period: 60, EvaluationPeriods: 1, Threshold: 1, ComparisonOperator: GreaterThanThreshold}}\n")
    };
    let text = format!(
        "Resources:\n  Td:\n    Type: AWS::ECS::TaskDefinition\n    Properties:\n      Family: web\n      TaskDefinitionStatus: ACTIVE\n      ContainerDefinitions: [{{Name: web, Image: nginx, Memory: 256}}]\n  Svc:\n    Type: AWS::ECS::Service\n    Properties: {{ServiceName: web, TaskDefinition: !Ref Td, DesiredCount: 1, ServiceRegistries: [{{RegistryArn: x}}]}}\n{}{}",
        alarm("NoCluster", "{Name: ServiceName, Value: web}"),
        alarm("OtherCluster", "{Name: ClusterName, Value: other}, {Name: ServiceName, Value: web}"),
    );
    let p = write(dir.path(), "stack.yaml", &text);
    let imported = api::import(&[p], &Options::default()).unwrap();
    let w = warnings(&imported);
    // A field RegisterTaskDefinition does not have would fail the task definition importer.
    assert!(w.contains("stack.yaml:6:29: warning: not modelled: AWS::ECS::TaskDefinition property taskDefinitionStatus"), "{w}");
    assert!(w.contains("warning: not modelled: AWS::ECS::Service property ServiceRegistries"), "{w}");
    // CloudWatch takes an alarm on any dimensions; ecsim publishes CPUUtilization by cluster
    // (and service) only, and simulates one cluster.
    assert!(w.contains("not modelled: alarm NoCluster: ecsim publishes CPUUtilization by ClusterName (and ServiceName), not by ServiceName; the alarm is left out"), "{w}");
    assert!(w.contains("not modelled: alarm OtherCluster watches cluster other"), "{w}");
    let t = toml_of(&imported);
    assert_eq!(t["alarms"].as_array().unwrap().len(), 1);
    assert_eq!(t["alarms"][0]["dimensions"]["ClusterName"].as_str(), Some("default"));
    let scenario = imported.load(None).unwrap();
    assert_eq!(api::run(&scenario, 1).summary.services[0].running, 1);
}

#[test]
fn a_step_policy_no_alarm_invokes_is_left_out_and_target_tracking_kept() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "scaling.yaml", "Resources:\n  Td:\n    Type: AWS::ECS::TaskDefinition\n    Properties:\n      ContainerDefinitions: [{Name: web, Image: nginx, Memory: 256}]\n  Svc:\n    Type: AWS::ECS::Service\n    Properties: {ServiceName: web, TaskDefinition: !Ref Td, DesiredCount: 1}\n  Target:\n    Type: AWS::ApplicationAutoScaling::ScalableTarget\n    Properties: {ServiceNamespace: ecs, ScalableDimension: 'ecs:service:DesiredCount', ResourceId: service/default/web, MinCapacity: 1, MaxCapacity: 4}\n  Step:\n    Type: AWS::ApplicationAutoScaling::ScalingPolicy\n    Properties:\n      PolicyName: out\n      PolicyType: StepScaling\n      ScalingTargetId: !Ref Target\n      StepScalingPolicyConfiguration: {AdjustmentType: ChangeInCapacity, StepAdjustments: [{MetricIntervalLowerBound: 0, ScalingAdjustment: 1}]}\n  Track:\n    Type: AWS::ApplicationAutoScaling::ScalingPolicy\n    Properties:\n      PolicyName: cpu\n      PolicyType: TargetTrackingScaling\n      ScalingTargetId: !Ref Target\n      TargetTrackingScalingPolicyConfiguration: {TargetValue: 50, PredefinedMetricSpecification: {PredefinedMetricType: ECSServiceAverageCPUUtilization}}\n");
    let imported = api::import(&[p], &Options::default()).unwrap();
    let w = warnings(&imported);
    assert!(w.contains("scaling.yaml:13:5: warning: not modelled: step policy Step: no alarm of the import invokes it"), "{w}");
    let t = toml_of(&imported);
    let scaling = t["scaling"][0].as_table().unwrap();
    assert_eq!((scaling["min"].as_integer(), scaling["max"].as_integer()), (Some(1), Some(4)));
    assert_eq!(scaling["target_tracking"][0]["metric"].as_str(), Some("ECSServiceAverageCPUUtilization"));
    assert!(scaling.get("step").is_none());
    imported.load(None).unwrap();
}

#[test]
fn a_stack_nesting_itself_is_a_located_error_not_a_hang() {
    let dir = tempfile::tempdir().unwrap();
    let me = write(
        dir.path(),
        "me.yaml",
        "Resources:\n  Me:\n    Type: AWS::CloudFormation::Stack\n    Properties:\n      TemplateURL: me.yaml\n",
    );
    let e = api::import(&[me], &Options::default()).unwrap_err().to_string();
    assert!(e.contains("me.yaml:5:20: error: nested stack Me nests me.yaml, which is one of the templates that nest it: a loop"), "{e}");
}

#[test]
fn stacks_nesting_each_other_many_times_stop_at_the_limit() {
    // Each level nests the next 10 times: 10^5 stacks five levels down, were it not for the cap.
    let dir = tempfile::tempdir().unwrap();
    for level in 0..5 {
        let children: String = (0..10)
            .map(|i| format!("  S{i}:\n    Type: AWS::CloudFormation::Stack\n    Properties:\n      TemplateURL: l{}.yaml\n", level + 1))
            .collect();
        write(dir.path(), &format!("l{level}.yaml"), &format!("Resources:\n{children}"));
    }
    write(dir.path(), "l5.yaml", "Resources:\n  C:\n    Type: AWS::ECS::Cluster\n");
    let e = api::import(&[dir.path().join("l0.yaml")], &Options::default()).unwrap_err().to_string();
    assert!(e.contains("the import already holds 200 stacks; ecsim reads no more"), "{e}");
}

#[test]
fn a_nested_stack_on_a_device_is_refused_not_read() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "dev.yaml",
        "Resources:\n  Zero:\n    Type: AWS::CloudFormation::Stack\n    Properties:\n      TemplateURL: /dev/zero\n",
    );
    let e = api::import(&[p], &Options::default()).unwrap_err().to_string();
    assert!(e.contains("dev.yaml:5:20: error: nested stack Zero: /dev/zero is not a template file ecsim can read"), "{e}");
}

#[test]
fn bad_templates_are_located_errors_never_panics() {
    let dir = tempfile::tempdir().unwrap();
    let cases: BTreeMap<&str, &str> = [
        ("garbage.yaml", "Resources: [\u{0}\u{1}}}}"),
        ("truncated.json", "{\"Resources\": {\"Svc\": {\"Type\": \"AWS::ECS::Service\", \"Properties\": {\"DesiredCount\": "),
        ("no-type.yaml", "Resources:\n  Svc:\n    Properties: {}\n"),
        (
            "ref-loop.yaml",
            "Conditions:\n  A: !Condition B\n  B: !Condition A\nResources:\n  Td:\n    Type: AWS::ECS::TaskDefinition\n    Condition: A\n",
        ),
        ("bad-select.yaml", "Resources:\n  Td:\n    Type: AWS::ECS::TaskDefinition\n    Properties:\n      Family: !Select [5, [a, b]]\n"),
        ("empty.yaml", "AWSTemplateFormatVersion: '2010-09-09'\nResources: {}\n"),
    ]
    .into_iter()
    .collect();
    for (name, text) in cases {
        let p = write(dir.path(), name, text);
        let r = std::panic::catch_unwind(|| api::import(std::slice::from_ref(&p), &Options::default()));
        let Ok(result) = r else { panic!("{name} panicked") };
        match result {
            Ok(i) => panic!("{name} imported:\n{}", i.scenario_toml()),
            Err(d) => assert!(d.to_string().contains(&format!("{name}:")), "{name}: {d}"),
        }
    }
}

#[test]
fn every_prefix_of_a_real_template_imports_or_fails_with_a_message() {
    // Truncation at any line: never a panic, never a hang.
    let text = std::fs::read_to_string(fixture("refarch_website_service.yaml")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let lines: Vec<&str> = text.lines().collect();
    for cut in (0..lines.len()).step_by(7) {
        let p = write(dir.path(), "cut.yaml", &lines[..cut].join("\n"));
        let r = std::panic::catch_unwind(|| api::import(std::slice::from_ref(&p), &Options::default()));
        assert!(r.is_ok(), "panicked at {cut} lines");
    }
}

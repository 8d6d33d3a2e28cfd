//! Real Terraform samples from `tests/fixtures/import/terraform/` imported, checked and run: the
//! fullstack sample (with variables from the command line), a Terraform 0.11 sample, and
//! terraform-aws-modules/terraform-aws-ecs's Fargate example.

use super::{entries, load_and_run, named, scenario, warnings, FIXTURES};
use ecsim::api::{self, ImportOptions};
use std::path::PathBuf;

#[test]
fn the_fullstack_sample_imports_checks_and_runs() {
    // aws-samples/amazon-ecs-fullstack-app-terraform: a server and a client service on Fargate,
    // each behind its own ALB with a blue and a green target group (CodeDeploy), scaled 1–4.
    let imported = api::import(&[PathBuf::from(FIXTURES).join("fullstack")], &ImportOptions::default()).unwrap();
    let t = scenario(&imported);
    // main.tf: module "ecs_service_server" { desired_tasks = 1 }, Modules/ECS/Service:
    // launch_type = "FARGATE"; the variable environment_name has no default: assumed its name
    let server = named(&t, "services", "Service-environment_name-server");
    assert_eq!(server["desired_count"].as_integer(), Some(1));
    assert_eq!(server["launch_type"].as_str(), Some("FARGATE"));
    // load_balancer { target_group_arn = var.arn_target_group } ← module.target_group_server_blue.arn_tg
    assert_eq!(server["load_balancers"][0]["target_group"].as_str(), Some("tg-environment-name-s-b"));
    assert_eq!(server["load_balancers"][0]["container_port"].as_integer(), Some(3001));
    // four target groups (server/client × blue/green), two load balancers
    assert_eq!(entries(&t, "target_groups").len(), 4);
    assert_eq!(entries(&t, "load_balancers").len(), 2);
    let tg = named(&t, "target_groups", "tg-environment-name-s-b");
    assert_eq!(tg["target_type"].as_str(), Some("ip"));
    assert_eq!(tg["health_check"]["path"].as_str(), Some("/status"));
    // main.tf: module "ecs_autoscaling_server" { min_capacity = 1, max_capacity = 4 }
    let scaling = entries(&t, "scaling");
    assert_eq!(scaling.len(), 2);
    assert_eq!(scaling[0]["min"].as_integer(), Some(1));
    assert_eq!(scaling[0]["max"].as_integer(), Some(4));
    // a task definition: cpu = 256, memory = "512", awsvpc, FARGATE
    let td: serde_json::Value =
        serde_json::from_str(&imported.draft.files["taskdefs/task-definition-environment_name-server.json"]).unwrap();
    assert_eq!(td["cpu"], "256");
    assert_eq!(td["memory"], "512");
    assert_eq!(td["networkMode"], "awsvpc");
    let w = warnings(&imported);
    assert!(w.iter().any(|m| m.contains("variables.tf") && m.contains("assumed: variable `environment_name`")), "{w:#?}");
    assert!(w.iter().any(|m| m.contains("the CODE_DEPLOY deployment controller")), "{w:#?}");
    let (scenario, run) = load_and_run(&imported, 10);
    assert_eq!(scenario.services.len(), 2);
    for s in &run.summary.services {
        assert_eq!((s.desired, s.running), (1, 1), "{}", s.service);
    }
}

#[test]
fn the_fullstack_sample_takes_its_variables_from_the_command_line() {
    let mut options = ImportOptions::default();
    options.vars.insert("environment_name".into(), "demo".into());
    let imported = api::import(&[PathBuf::from(FIXTURES).join("fullstack")], &options).unwrap();
    let t = scenario(&imported);
    assert_eq!(t["cluster"]["name"].as_str(), Some("Cluster-demo"));
    named(&t, "services", "Service-demo-client");
    named(&t, "load_balancers", "alb-demo-cli");
    assert!(!warnings(&imported).iter().any(|m| m.contains("variable `environment_name`")));
}

#[test]
fn the_terraform_0_11_sample_imports_checks_and_runs() {
    // arminc/terraform-ecs (2018): "${var.x}" everywhere, `source = "modules/ecs"`, a launch
    // configuration and an Auto Scaling group in a module of a module, ["${list}"] lists.
    let imported = api::import(&[PathBuf::from(FIXTURES).join("arminc-0.11")], &ImportOptions::default()).unwrap();
    let t = scenario(&imported);
    // ecs.tfvars: environment = "acc" → cluster = "${var.environment}"
    assert_eq!(t["cluster"]["name"].as_str(), Some("acc"));
    // ecs.tfvars: availability_zones = ["eu-west-1a", "eu-west-1b"] → the subnets' zones
    let zones: Vec<&str> = t["cluster"]["zones"].as_array().unwrap().iter().filter_map(|z| z.as_str()).collect();
    assert_eq!(zones, ["eu-west-1a", "eu-west-1b"]);
    // name = "${var.environment}_${var.cluster}_${var.instance_group}" (instance_group "default");
    // ecs.tfvars: max_size = min_size = desired_capacity = 1
    let asg = named(&t, "auto_scaling_groups", "acc_acc_default");
    assert_eq!((asg["min"].as_integer(), asg["max"].as_integer(), asg["desired"].as_integer()), (Some(1), Some(1), Some(1)));
    // ecs.tfvars: instance_type = "t2.micro", one of the types ecsim knows (data/instance_types.tsv):
    // taken as it is, with no stand-in.
    assert_eq!(asg["instance_type"].as_str(), Some("t2.micro"));
    let w = warnings(&imported);
    assert!(!w.iter().any(|m| m.contains("stands in for t2.micro")), "{w:#?}");
    // modules/alb: a target group "${var.environment}-${var.alb_name}-default" behind listener 80
    named(&t, "target_groups", "acc-acc-default");
    let lb = named(&t, "load_balancers", "acc-acc");
    assert_eq!(lb["listeners"][0]["port"].as_integer(), Some(80));
    assert_eq!(lb["listeners"][0]["default_action"]["forward"].as_str(), Some("acc-acc-default"));
    let (scenario, run) = load_and_run(&imported, 5);
    assert_eq!(scenario.services.len(), 0);
    assert_eq!(run.summary.instances, 1);
}

#[test]
fn the_terraform_aws_modules_fargate_example_imports_checks_and_runs() {
    // terraform-aws-modules/terraform-aws-ecs examples/fargate: for_each over object-typed
    // variables with optional() defaults, dynamic blocks, try(), modules of modules; the ALB
    // and VPC come from the registry, which ecsim does not download (said, located)
    let imported = api::import(&[PathBuf::from(FIXTURES).join("terraform-aws-ecs/examples/fargate")], &ImportOptions::default()).unwrap();
    let t = scenario(&imported);
    // locals { name = "ex-${basename(path.cwd)}" }: the folder is "fargate"
    assert_eq!(t["cluster"]["name"].as_str(), Some("ex-fargate"));
    // the cluster's default strategy: FARGATE base 20 weight 50, FARGATE_SPOT weight 50
    assert_eq!(t["cluster"]["default_capacity_provider_strategy"][0]["base"].as_integer(), Some(20));
    let service = named(&t, "services", "ex-fargate");
    assert_eq!(service["desired_count"].as_integer(), Some(1));
    // modules/service: autoscaling_min_capacity = 1, autoscaling_max_capacity = 10, and the
    // default policies: CPU and memory target tracking at 75 %
    let scaling = &entries(&t, "scaling")[0];
    assert_eq!((scaling["min"].as_integer(), scaling["max"].as_integer()), (Some(1), Some(10)));
    assert_eq!(scaling["target_tracking"].as_array().map(Vec::len), Some(2));
    let w = warnings(&imported);
    assert!(w.iter().any(|m| m.contains("not modelled: module \"alb\" comes from terraform-aws-modules/alb/aws")), "{w:#?}");
    let (_, run) = load_and_run(&imported, 10);
    assert_eq!(run.summary.services[0].running, 1);
}

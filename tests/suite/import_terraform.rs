//! Terraform through `ecsim::api::import`: the real samples of
//! `tests/fixtures/import/terraform/` imported, loaded and run, and each construct of the
//! language (variables, `.tfvars`, `--var`, locals, modules, `count`, `for_each`, `dynamic`,
//! templates, files, 0.11 interpolation) on an example shaped like its Terraform documentation.

use ecsim::api::{self, ImportOptions, Imported};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const FIXTURES: &str = "tests/fixtures/import/terraform";

fn scenario(imported: &Imported) -> toml::Table {
    let text = imported.scenario_toml();
    toml::from_str(&text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

fn entries<'a>(t: &'a toml::Table, section: &str) -> Vec<&'a toml::Value> {
    t.get(section).and_then(|v| v.as_array()).map(|a| a.iter().collect()).unwrap_or_default()
}

fn named<'a>(t: &'a toml::Table, section: &str, name: &str) -> &'a toml::Value {
    entries(t, section)
        .into_iter()
        .find(|e| e.get("name").and_then(|n| n.as_str()) == Some(name))
        .unwrap_or_else(|| panic!("no {section} named {name}"))
}

/// Loads the import with a short run time and runs it.
fn load_and_run(imported: &Imported, minutes: u32) -> (ecsim::api::Scenario, ecsim::api::Run) {
    let overlay = format!("[scenario]\nduration = \"{minutes}m\"\n");
    let scenario = imported.load(Some((Path::new("overlay.toml"), &overlay))).unwrap_or_else(|d| panic!("{d:?}"));
    let run = api::run(&scenario, 1);
    (scenario, run)
}

fn warnings(imported: &Imported) -> Vec<String> {
    imported.warnings.warnings().map(|d| format!("{}:{}:{}: {}", d.file.display(), d.line, d.column, d.message)).collect()
}

/// Writes `files` into a fresh folder and imports it.
fn import_files(files: &[(&str, &str)], vars: &[(&str, &str)]) -> Result<Imported, ecsim::model::diagnostic::Diagnostics> {
    let dir = tempfile::tempdir().unwrap().keep();
    for (name, text) in files {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let options =
        ImportOptions { vars: vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<BTreeMap<_, _>>(), ..Default::default() };
    api::import(&[dir], &options)
}

fn import_ok(files: &[(&str, &str)], vars: &[(&str, &str)]) -> Imported {
    import_files(files, vars).unwrap_or_else(|d| panic!("{d:?}"))
}

/// A service on EC2 with a task definition: what every construct test builds on.
const SERVICE: &str = r#"
resource "aws_ecs_task_definition" "app" {
  family = "app"
  container_definitions = jsonencode([{ name = "app", image = "nginx", memory = 256, essential = true }])
}
"#;

// ---------------------------------------------------------------- real samples

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

// ---------------------------------------------------------------- constructs

#[test]
fn variables_come_from_defaults_then_tfvars_then_the_command_line() {
    // https://developer.hashicorp.com/terraform/language/values/variables#variable-definition-precedence
    let main = format!(
        r#"{SERVICE}
variable "web_count" {{ default = 1 }}
variable "api_count" {{ default = 1 }}
variable "job_count" {{ default = 1 }}
resource "aws_ecs_service" "web" {{
  name = "web"
  task_definition = aws_ecs_task_definition.app.arn
  desired_count = var.web_count
}}
resource "aws_ecs_service" "api" {{
  name = "api"
  task_definition = aws_ecs_task_definition.app.arn
  desired_count = var.api_count
}}
resource "aws_ecs_service" "job" {{
  name = "job"
  task_definition = aws_ecs_task_definition.app.arn
  desired_count = var.job_count
}}
"#
    );
    let imported = import_ok(&[("main.tf", &main), ("terraform.tfvars", "api_count = 2\njob_count = 2\n")], &[("job_count", "3")]);
    let t = scenario(&imported);
    assert_eq!(named(&t, "services", "web")["desired_count"].as_integer(), Some(1));
    assert_eq!(named(&t, "services", "api")["desired_count"].as_integer(), Some(2));
    assert_eq!(named(&t, "services", "job")["desired_count"].as_integer(), Some(3));
    load_and_run(&imported, 2);
}

#[test]
fn locals_and_string_templates_build_names() {
    // https://developer.hashicorp.com/terraform/language/values/locals
    let main = format!(
        r#"{SERVICE}
variable "env" {{ default = "prod" }}
locals {{
  service_name = "web-${{var.env}}"
  owner        = "Community Team"
}}
resource "aws_ecs_service" "web" {{
  name = local.service_name
  task_definition = aws_ecs_task_definition.app.arn
  desired_count = 2
}}
"#
    );
    let t = scenario(&import_ok(&[("main.tf", &main)], &[]));
    named(&t, "services", "web-prod");
}

#[test]
fn terraform_0_11_interpolation_reads_like_0_12() {
    // Terraform 0.11: every reference is "${…}", lists are ["${var.list}"], 0.11's list()
    let main = r#"
variable "family" { default = "app" }
variable "zones" { default = ["us-east-1a", "us-east-1b"] }
resource "aws_ecs_task_definition" "app" {
  family = "${var.family}"
  container_definitions = "${file("${path.module}/containers.json")}"
}
resource "aws_autoscaling_group" "ecs" {
  name = "${var.family}-asg"
  min_size = "${length(var.zones)}"
  max_size = "${length(var.zones) * 2}"
  availability_zones = ["${var.zones}"]
  launch_configuration = "${aws_launch_configuration.ecs.name}"
}
resource "aws_launch_configuration" "ecs" {
  name = "ecs"
  instance_type = "${lookup(map("prod", "c5.large"), "prod")}"
}
resource "aws_ecs_service" "app" {
  name = "${var.family}"
  task_definition = "${aws_ecs_task_definition.app.arn}"
  desired_count = "${element(list(1, 2, 3), 1)}"
}
"#;
    let containers = r#"[{ "name": "app", "image": "nginx", "memory": 256, "essential": true }]"#;
    let imported = import_ok(&[("main.tf", main), ("containers.json", containers)], &[]);
    let t = scenario(&imported);
    assert_eq!(named(&t, "services", "app")["desired_count"].as_integer(), Some(2));
    let asg = named(&t, "auto_scaling_groups", "app-asg");
    assert_eq!(asg["instance_type"].as_str(), Some("c5.large"));
    assert_eq!((asg["min"].as_integer(), asg["max"].as_integer()), (Some(2), Some(4)));
    assert_eq!(asg["zones"].as_array().map(Vec::len), Some(2));
    load_and_run(&imported, 2);
}

#[test]
fn a_local_module_gets_its_inputs_and_gives_its_outputs() {
    // https://developer.hashicorp.com/terraform/language/modules/syntax
    let root = r#"
module "alb" {
  source = "./modules/alb"
  name   = "web"
}
module "service" {
  source           = "./modules/service"
  name             = "web"
  target_group_arn = module.alb.target_group_arn
}
"#;
    let alb = r#"
variable "name" {}
resource "aws_lb" "this" { name = var.name }
resource "aws_lb_target_group" "this" {
  name = "${var.name}-tg"
  port = 80
}
resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.this.arn
  port = 80
  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.this.arn
  }
}
output "target_group_arn" { value = aws_lb_target_group.this.arn }
"#;
    let service = format!(
        r#"{SERVICE}
variable "name" {{}}
variable "target_group_arn" {{}}
variable "desired" {{ default = 3 }}
resource "aws_ecs_service" "this" {{
  name            = var.name
  task_definition = aws_ecs_task_definition.app.arn
  desired_count   = var.desired
  load_balancer {{
    target_group_arn = var.target_group_arn
    container_name   = "app"
    container_port   = 80
  }}
}}
"#
    );
    let imported = import_ok(&[("main.tf", root), ("modules/alb/main.tf", alb), ("modules/service/main.tf", &service)], &[]);
    let t = scenario(&imported);
    let web = named(&t, "services", "web");
    assert_eq!(web["desired_count"].as_integer(), Some(3));
    assert_eq!(web["load_balancers"][0]["target_group"].as_str(), Some("web-tg"));
    assert_eq!(named(&t, "load_balancers", "web")["listeners"][0]["default_action"]["forward"].as_str(), Some("web-tg"));
    load_and_run(&imported, 3);
}

#[test]
fn a_module_that_calls_itself_is_a_located_error() {
    let root = "module \"loop\" {\n  source = \"./m\"\n}\n";
    let m = "module \"again\" {\n  source = \"../m\"\n}\n";
    let d = import_files(&[("main.tf", root), ("m/main.tf", m)], &[]).unwrap_err();
    let e = d.errors().next().unwrap();
    assert!(e.message.contains("a module cannot call itself"), "{}", e.message);
    assert!(e.file.ends_with("m/main.tf"));
    assert_eq!((e.line, e.column), (1, 1));
}

#[test]
fn count_makes_one_instance_per_index() {
    // https://developer.hashicorp.com/terraform/language/meta-arguments/count
    let main = format!(
        r#"{SERVICE}
resource "aws_ecs_service" "worker" {{
  count           = 3
  name            = "worker-${{count.index}}"
  task_definition = aws_ecs_task_definition.app.arn
  desired_count   = count.index + 1
}}
"#
    );
    let t = scenario(&import_ok(&[("main.tf", &main)], &[]));
    assert_eq!(named(&t, "services", "worker-0")["desired_count"].as_integer(), Some(1));
    assert_eq!(named(&t, "services", "worker-2")["desired_count"].as_integer(), Some(3));
}

#[test]
fn for_each_makes_one_instance_per_key() {
    // https://developer.hashicorp.com/terraform/language/meta-arguments/for_each
    let main = format!(
        r#"{SERVICE}
resource "aws_ecs_service" "svc" {{
  for_each = {{
    web = 2
    api = 4
  }}
  name            = each.key
  task_definition = aws_ecs_task_definition.app.arn
  desired_count   = each.value
}}
resource "aws_lb_target_group" "tg" {{
  for_each = toset(["blue", "green"])
  name     = "tg-${{each.key}}"
}}
"#
    );
    let t = scenario(&import_ok(&[("main.tf", &main)], &[]));
    assert_eq!(named(&t, "services", "web")["desired_count"].as_integer(), Some(2));
    assert_eq!(named(&t, "services", "api")["desired_count"].as_integer(), Some(4));
    named(&t, "target_groups", "tg-blue");
    named(&t, "target_groups", "tg-green");
}

#[test]
fn more_than_a_thousand_instances_is_a_located_error() {
    let main = format!("{SERVICE}\nresource \"aws_ecs_service\" \"many\" {{\n  count = 100000\n  name = \"x\"\n}}\n");
    let d = import_files(&[("main.tf", &main)], &[]).unwrap_err();
    let e = d.errors().next().unwrap();
    assert!(e.message.contains("at most 1000"), "{}", e.message);
    assert_eq!((e.line, e.column), (8, 11));
}

#[test]
fn dynamic_blocks_expand_over_their_collection() {
    // https://developer.hashicorp.com/terraform/language/expressions/dynamic-blocks
    let main = format!(
        r#"{SERVICE}
variable "strategy" {{
  default = [
    {{ type = "spread", field = "attribute:ecs.availability-zone" }},
    {{ type = "binpack", field = "memory" }},
  ]
}}
resource "aws_ecs_service" "web" {{
  name            = "web"
  task_definition = aws_ecs_task_definition.app.arn
  desired_count   = 2
  dynamic "ordered_placement_strategy" {{
    for_each = var.strategy
    content {{
      type  = ordered_placement_strategy.value.type
      field = ordered_placement_strategy.value.field
    }}
  }}
}}
"#
    );
    let t = scenario(&import_ok(&[("main.tf", &main)], &[]));
    let s = named(&t, "services", "web")["placement_strategy"].as_array().unwrap().clone();
    assert_eq!(s.len(), 2);
    assert_eq!(s[1]["type"].as_str(), Some("binpack"));
    assert_eq!(s[1]["field"].as_str(), Some("memory"));
}

#[test]
fn container_definitions_come_from_templatefile_and_template_file() {
    // https://developer.hashicorp.com/terraform/language/functions/templatefile and the
    // template provider's template_file data source (0.11 era)
    let main = r#"
resource "aws_ecs_task_definition" "a" {
  family                = "a"
  container_definitions = templatefile("${path.module}/containers.json.tpl", { image = "nginx:1.25", memory = 512 })
}
data "template_file" "b" {
  template = file("${path.module}/containers.json.tpl")
  vars {
    image  = "httpd"
    memory = 256
  }
}
resource "aws_ecs_task_definition" "b" {
  family                = "b"
  container_definitions = data.template_file.b.rendered
}
"#;
    let tpl = r#"[{ "name": "app", "image": "${image}", "memory": ${memory}, "essential": true }]"#;
    let imported = import_ok(&[("main.tf", main), ("containers.json.tpl", tpl)], &[]);
    let a: serde_json::Value = serde_json::from_str(&imported.draft.files["taskdefs/a.json"]).unwrap();
    assert_eq!(a["containerDefinitions"][0]["image"], "nginx:1.25");
    assert_eq!(a["containerDefinitions"][0]["memory"], 512);
    let b: serde_json::Value = serde_json::from_str(&imported.draft.files["taskdefs/b.json"]).unwrap();
    assert_eq!(b["containerDefinitions"][0]["image"], "httpd");
    assert_eq!(b["containerDefinitions"][0]["memory"], 256);
}

#[test]
fn a_value_known_only_after_apply_is_a_located_warning_and_a_comment() {
    let main = format!(
        r#"{SERVICE}
data "aws_ssm_parameter" "count" {{ name = "/web/count" }}
resource "aws_ecs_service" "web" {{
  name            = "web"
  task_definition = aws_ecs_task_definition.app.arn
  desired_count   = data.aws_ssm_parameter.count.value
}}
"#
    );
    let imported = import_ok(&[("main.tf", &main)], &[]);
    let w = warnings(&imported);
    assert!(
        w.iter().any(|m| m.contains(
            "main.tf:11:21: assumed: aws_ecs_service.web: desired_count is not set or not known (data.aws_ssm_parameter.count.value)"
        )),
        "{w:#?}"
    );
    assert!(imported.scenario_toml().contains("# assumed: aws_ecs_service.web: desired_count is not set or not known"));
}

#[test]
fn a_service_refers_to_its_target_group_listener_rules_route_to_others() {
    let main = format!(
        r#"{SERVICE}
resource "aws_lb" "main" {{ name = "main" }}
resource "aws_lb_target_group" "web" {{ name = "web" }}
resource "aws_lb_target_group" "api" {{
  name = "api"
  health_check {{
    path     = "/health"
    interval = 10
    timeout  = 5
  }}
}}
resource "aws_lb_listener" "http" {{
  load_balancer_arn = aws_lb.main.arn
  port              = 80
  default_action {{
    type             = "forward"
    target_group_arn = aws_lb_target_group.web.arn
  }}
}}
resource "aws_lb_listener_rule" "api" {{
  listener_arn = aws_lb_listener.http.arn
  priority     = 10
  action {{
    type             = "forward"
    target_group_arn = aws_lb_target_group.api.arn
  }}
  condition {{
    path_pattern {{
      values = ["/api/*"]
    }}
  }}
}}
resource "aws_ecs_service" "api" {{
  name            = "api"
  task_definition = aws_ecs_task_definition.app.arn
  desired_count   = 1
  load_balancer {{
    target_group_arn = aws_lb_target_group.api.arn
    container_name   = "app"
    container_port   = 80
  }}
}}
"#
    );
    let imported = import_ok(&[("main.tf", &main)], &[]);
    let t = scenario(&imported);
    let listener = &named(&t, "load_balancers", "main")["listeners"][0];
    assert_eq!(listener["rules"][0]["priority"].as_integer(), Some(10));
    assert_eq!(listener["rules"][0]["path_pattern"][0].as_str(), Some("/api/*"));
    assert_eq!(listener["rules"][0]["action"]["forward"].as_str(), Some("api"));
    assert_eq!(named(&t, "target_groups", "api")["health_check"]["interval"].as_str(), Some("10s"));
    assert_eq!(named(&t, "services", "api")["load_balancers"][0]["target_group"].as_str(), Some("api"));
    load_and_run(&imported, 3);
}

#[test]
fn scaling_policies_and_alarms_follow_their_service() {
    let main = format!(
        r#"{SERVICE}
resource "aws_ecs_cluster" "main" {{ name = "prod" }}
resource "aws_ecs_service" "web" {{
  name            = "web"
  cluster         = aws_ecs_cluster.main.id
  task_definition = aws_ecs_task_definition.app.arn
  desired_count   = 2
}}
resource "aws_appautoscaling_target" "web" {{
  service_namespace  = "ecs"
  resource_id        = "service/${{aws_ecs_cluster.main.name}}/${{aws_ecs_service.web.name}}"
  scalable_dimension = "ecs:service:DesiredCount"
  min_capacity       = 2
  max_capacity       = 10
}}
resource "aws_appautoscaling_policy" "cpu" {{
  name               = "cpu50"
  policy_type        = "TargetTrackingScaling"
  resource_id        = aws_appautoscaling_target.web.resource_id
  target_tracking_scaling_policy_configuration {{
    target_value = 50
    predefined_metric_specification {{
      predefined_metric_type = "ECSServiceAverageCPUUtilization"
    }}
  }}
}}
resource "aws_appautoscaling_policy" "up" {{
  name        = "add-one"
  policy_type = "StepScaling"
  resource_id = aws_appautoscaling_target.web.resource_id
  step_scaling_policy_configuration {{
    adjustment_type = "ChangeInCapacity"
    cooldown        = 60
    step_adjustment {{
      metric_interval_lower_bound = 0
      scaling_adjustment          = 1
    }}
  }}
}}
resource "aws_cloudwatch_metric_alarm" "high" {{
  alarm_name          = "web-cpu-high"
  namespace           = "AWS/ECS"
  metric_name         = "CPUUtilization"
  dimensions          = {{ ClusterName = aws_ecs_cluster.main.name, ServiceName = aws_ecs_service.web.name }}
  statistic           = "Average"
  period              = 60
  evaluation_periods  = 3
  threshold           = 80
  comparison_operator = "GreaterThanThreshold"
  alarm_actions       = [aws_appautoscaling_policy.up.arn]
}}
resource "aws_cloudwatch_metric_alarm" "disk" {{
  alarm_name  = "disk"
  namespace   = "CWAgent"
  metric_name = "disk_used_percent"
  threshold   = 90
  comparison_operator = "GreaterThanThreshold"
  evaluation_periods  = 1
}}
"#
    );
    let imported = import_ok(&[("main.tf", &main)], &[]);
    let t = scenario(&imported);
    let s = &entries(&t, "scaling")[0];
    assert_eq!(s["service"].as_str(), Some("web"));
    assert_eq!((s["min"].as_integer(), s["max"].as_integer()), (Some(2), Some(10)));
    assert_eq!(s["target_tracking"][0]["metric"].as_str(), Some("ECSServiceAverageCPUUtilization"));
    assert_eq!(s["step"][0]["cooldown"].as_str(), Some("60s"));
    let alarm = named(&t, "alarms", "web-cpu-high");
    assert_eq!(alarm["alarm_actions"][0].as_str(), Some("policy:add-one"));
    assert_eq!(alarm["dimensions"]["ClusterName"].as_str(), Some("prod"));
    assert!(entries(&t, "alarms").len() == 1, "the CWAgent alarm is not modelled");
    assert!(warnings(&imported).iter().any(|m| m.contains("not modelled: aws_cloudwatch_metric_alarm.disk")));
    load_and_run(&imported, 5);
}

#[test]
fn capacity_providers_and_launch_templates_map_to_groups_and_providers() {
    let main = format!(
        r#"{SERVICE}
resource "aws_ecs_cluster" "main" {{ name = "main" }}
resource "aws_launch_template" "ecs" {{
  name          = "ecs"
  instance_type = "m5.xlarge"
}}
resource "aws_autoscaling_group" "ecs" {{
  name             = "ecs"
  min_size         = 1
  max_size         = 5
  desired_capacity = 2
  protect_from_scale_in = true
  launch_template {{
    id      = aws_launch_template.ecs.id
    version = "$Latest"
  }}
}}
resource "aws_ecs_capacity_provider" "ec2" {{
  name = "ec2"
  auto_scaling_group_provider {{
    auto_scaling_group_arn         = aws_autoscaling_group.ecs.arn
    managed_termination_protection = "ENABLED"
    managed_scaling {{
      status          = "ENABLED"
      target_capacity = 90
    }}
  }}
}}
resource "aws_ecs_cluster_capacity_providers" "main" {{
  cluster_name       = aws_ecs_cluster.main.name
  capacity_providers = [aws_ecs_capacity_provider.ec2.name]
  default_capacity_provider_strategy {{
    capacity_provider = aws_ecs_capacity_provider.ec2.name
    weight            = 1
  }}
}}
resource "aws_ecs_service" "web" {{
  name            = "web"
  task_definition = aws_ecs_task_definition.app.arn
  desired_count   = 4
  capacity_provider_strategy {{
    capacity_provider = aws_ecs_capacity_provider.ec2.name
    weight            = 1
    base              = 1
  }}
}}
"#
    );
    let imported = import_ok(&[("main.tf", &main)], &[]);
    let t = scenario(&imported);
    let asg = named(&t, "auto_scaling_groups", "ecs");
    assert_eq!(asg["instance_type"].as_str(), Some("m5.xlarge"));
    assert_eq!(asg["new_instances_protected_from_scale_in"].as_bool(), Some(true));
    let cp = named(&t, "capacity_providers", "ec2");
    assert_eq!(cp["auto_scaling_group"].as_str(), Some("ecs"));
    assert_eq!(cp["managed_scaling"]["target_capacity"].as_integer(), Some(90));
    assert_eq!(t["cluster"]["capacity_providers"][0].as_str(), Some("ec2"));
    assert_eq!(named(&t, "services", "web")["capacity_provider_strategy"][0]["base"].as_integer(), Some(1));
    let (_, run) = load_and_run(&imported, 10);
    assert_eq!(run.summary.services[0].running, 4);
}

#[test]
fn what_is_not_modelled_is_one_warning_per_type() {
    let main =
        format!("{SERVICE}\nresource \"aws_iam_role\" \"a\" {{ name = \"a\" }}\nresource \"aws_iam_role\" \"b\" {{ name = \"b\" }}\n");
    let w = warnings(&import_ok(&[("main.tf", &main)], &[]));
    assert!(w.iter().any(|m| m.ends_with("main.tf:7:1: not modelled: aws_iam_role ×2")), "{w:#?}");
}

#[test]
fn a_configuration_without_ecs_resources_is_an_error() {
    let d = import_files(&[("main.tf", "resource \"aws_s3_bucket\" \"b\" { bucket = \"x\" }\n")], &[]).unwrap_err();
    assert!(d.errors().any(|e| e.message.contains("no ECS resources found")));
}

#[test]
fn bad_hcl_is_a_located_error_never_a_panic() {
    let cases: &[(&str, (usize, usize))] = &[
        ("resource \"aws_ecs_service\" \"x\" {\n  name = \n}\n", (2, 9)),
        ("resource \"aws_ecs_service\" \"x\" {\n  name = \"web\"\n", (3, 1)),
        ("}}}}", (1, 1)),
    ];
    for (text, (line, _)) in cases {
        let d = import_files(&[("main.tf", text)], &[]).unwrap_err();
        let e = d.errors().next().unwrap();
        assert!(e.message.starts_with("not valid HCL"), "{}", e.message);
        assert!(e.line >= 1 && e.line <= *line + 1, "{text:?}: {}:{}", e.line, e.column);
    }
    // deep nesting is refused before parsing; garbage and every truncation of a real file
    // end in an answer
    let deep = format!("locals {{\n  x = {}1{}\n}}\n", "[".repeat(10_000), "]".repeat(10_000));
    assert!(import_files(&[("main.tf", &deep)], &[]).is_err());
    let real = std::fs::read_to_string(PathBuf::from(FIXTURES).join("fullstack/Modules/ECS/Service/main.tf")).unwrap();
    for cut in (0..real.len()).step_by(97) {
        if real.is_char_boundary(cut) {
            let _ = import_files(&[("main.tf", &real[..cut])], &[]);
        }
    }
    let garbage: String = (0..2000u32).map(|i| char::from(b"{}[]()\"$%=.,\n abc"[(i * 7919 % 17) as usize])).collect();
    let _ = import_files(&[("main.tf", &garbage)], &[]);
}

#[test]
fn evaluation_that_loops_ends() {
    // a local that refers to itself, and references between two locals
    let main = format!("{SERVICE}\nlocals {{\n  a = local.b\n  b = local.a\n}}\nresource \"aws_ecs_service\" \"s\" {{\n  name = local.a\n  task_definition = aws_ecs_task_definition.app.arn\n}}\n");
    let imported = import_ok(&[("main.tf", &main)], &[]);
    assert!(warnings(&imported).iter().any(|m| m.contains("refers to itself")));
}

// ---------------------------------------------------------------- terraform show -json

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

#[test]
fn loops_that_multiply_are_bounded() {
    // nested template loops would render 10⁹ characters, a chain of 50,000 additions would nest
    // as deep: both end at once with a located answer
    let template = format!(
        "{SERVICE}\nlocals {{\n  x = \"%{{ for a in range(10000) }}%{{ for b in range(10000) }}xxxxxxxxxx%{{ endfor }}%{{ endfor }}\"\n}}\nresource \"aws_ecs_service\" \"s\" {{\n  name = local.x\n  task_definition = aws_ecs_task_definition.app.arn\n}}\n"
    );
    let imported = import_ok(&[("main.tf", &template)], &[]);
    assert!(warnings(&imported).iter().any(|m| m.contains("a template too large to render")));
    let chain = format!(
        "{SERVICE}\nlocals {{\n  x = {}\n}}\nresource \"aws_ecs_service\" \"s\" {{\n  name = local.x\n}}\n",
        vec!["1"; 50_000].join("+")
    );
    let d = import_files(&[("main.tf", &chain)], &[]).unwrap_err();
    // (hcl-edit itself refuses more than 128 chained operators: a located syntax error)
    assert!(d.errors().any(|e| e.line == 8 && (e.message.contains("takes too long") || e.message.contains("not valid HCL"))));
}

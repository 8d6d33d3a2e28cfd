//! Each construct of the Terraform language on an example shaped like its documentation:
//! variables (defaults, `.tfvars`, `--var`), locals and string templates, 0.11 interpolation, local
//! modules (and one that calls itself), `count`, `for_each` (and its bound), `dynamic` blocks,
//! `templatefile` / `template_file`, and values known only after apply.

use super::{import_files, import_ok, load_and_run, named, scenario, warnings, SERVICE};

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

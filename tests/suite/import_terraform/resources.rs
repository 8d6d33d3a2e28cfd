//! How the AWS resources of a configuration map to a scenario: services and their target groups
//! and listener rules, scaling policies and alarms, capacity providers and launch templates, one
//! warning per resource type not modelled, and an error when there are no ECS resources.

use super::{entries, import_files, import_ok, load_and_run, named, scenario, warnings, SERVICE};

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

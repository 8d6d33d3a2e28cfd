//! `ecsim init`: a complete scenario to start from, every key commented with what it means and
//! where it is documented. Four shapes: EC2 (an Auto Scaling group behind a capacity provider)
//! or Fargate, each with or without an Application Load Balancer, its traffic and a
//! target-tracking scaling policy. Each one loads and runs as written (tests/suite/init.rs).

/// Where the service's tasks run.
///
/// ```
/// assert_eq!(ecsim::api::Launch::default(), ecsim::api::Launch::Ec2);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Launch {
    /// EC2 instances of an Auto Scaling group, behind a capacity provider with managed scaling.
    #[default]
    Ec2,
    /// AWS Fargate: capacity per task, no instances.
    Fargate,
}

/// What `ecsim init` writes.
///
/// ```
/// let text = ecsim::api::init_scenario(ecsim::api::InitOptions { launch: ecsim::api::Launch::Fargate, alb: true });
/// assert!(text.contains("launch_type = \"FARGATE\""));
/// assert!(text.contains("[[scaling.target_tracking]]"));
/// let scenario = ecsim::api::load_str(std::path::Path::new("scenario.toml"), &text).unwrap();
/// assert_eq!(scenario.name, "my-service");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct InitOptions {
    /// EC2 or Fargate.
    pub launch: Launch,
    /// A load balancer, a target group, traffic and a target-tracking policy.
    pub alb: bool,
}

/// The scenario `ecsim init` writes for `options`, as TOML text with its comments.
///
/// ```
/// let text = ecsim::api::init_scenario(Default::default());
/// assert!(text.contains("[[auto_scaling_groups]]") && !text.contains("[[traffic]]"));
/// ```
pub fn init_scenario(options: InitOptions) -> String {
    let ec2 = options.launch == Launch::Ec2;
    let mut out = String::new();
    out.push_str(&header(options));
    out.push_str(SCENARIO);
    if ec2 {
        out.push_str(EC2_CAPACITY);
    } else {
        out.push_str(FARGATE_CAPACITY);
    }
    out.push_str(&task_definition(options));
    if options.alb {
        out.push_str(if ec2 { TARGET_GROUP_EC2 } else { TARGET_GROUP_FARGATE });
        out.push_str(LOAD_BALANCER);
    }
    out.push_str(&service(options));
    if options.alb {
        out.push_str(SCALING);
        out.push_str(TRAFFIC);
    }
    out
}

fn header(options: InitOptions) -> String {
    let what = match (options.launch, options.alb) {
        (Launch::Ec2, false) => "one service on EC2 instances of an Auto Scaling group, behind a capacity provider",
        (Launch::Ec2, true) => {
            "a web service on EC2 instances of an Auto Scaling group, behind a capacity provider and an\n# Application Load Balancer, with traffic and target tracking on CPU"
        }
        (Launch::Fargate, false) => "one service on AWS Fargate",
        (Launch::Fargate, true) => {
            "a web service on AWS Fargate behind an Application Load Balancer, with traffic and target\n# tracking on CPU"
        }
    };
    format!(
        "# A scenario written by `ecsim init`: {what}.\n\
         #\n\
         # Every table and key is documented in ecsim's docs/scenarios.md.\n\
         # Edit the numbers to your service's, then:\n\
         #   ecsim check scenario.toml      every mistake, located at its line and column\n\
         #   ecsim run scenario.toml        results/<name>/: summary.json, services.csv, charts\n\
         # `ecsim types` lists the EC2 instance types ecsim knows (vCPUs, memory, ENIs, price).\n\n"
    )
}

const SCENARIO: &str = r#"# The run (docs/scenarios.md, "[scenario]").
[scenario]
name = "my-service"          # names the results folder: results/my-service/
duration = "2h"              # simulated time
seed = 1                     # every random draw follows from it: same seed, same run

# The ECS cluster (docs/scenarios.md, "[cluster]").
[cluster]
name = "default"             # the ECS cluster's name (in ARNs and metric dimensions)
zones = ["us-east-1a", "us-east-1b"]   # Availability Zones; tasks spread over them

"#;

const EC2_CAPACITY: &str = r#"# EC2 capacity: an Auto Scaling group (docs/scenarios.md, "[[auto_scaling_groups]]";
# https://docs.aws.amazon.com/autoscaling/ec2/userguide/auto-scaling-groups.html).
[[auto_scaling_groups]]
name = "asg-web"             # AutoScalingGroupName
instance_type = "m5.large"   # 2 vCPUs (2048 CPU units), 8 GiB: `ecsim types --family m5`
min = 1                      # MinSize
max = 10                     # MaxSize: managed scaling never goes above it
desired = 2                  # DesiredCapacity: instances registered and ACTIVE at t = 0
instance_launch = "60s"      # EC2 launch time of a new instance
agent_start = "30s"          # then the ECS agent registers it with the cluster
new_instances_protected_from_scale_in = true   # needed by managed termination protection

# A capacity provider over the group: ECS scales the group to fit the tasks (docs/scenarios.md,
# "[[capacity_providers]]"; https://docs.aws.amazon.com/AmazonECS/latest/developerguide/asg-capacity-providers.html).
[[capacity_providers]]
name = "cp-web"
auto_scaling_group = "asg-web"
# target_capacity 100: fill instances before adding more; warm-up: a new instance's metrics count after 300 s.
managed_scaling = { status = "ENABLED", target_capacity = 100, minimum_scaling_step_size = 1, maximum_scaling_step_size = 10, instance_warmup_period = 300 }
managed_termination_protection = "ENABLED"   # ECS does not terminate instances running tasks
managed_draining = "ENABLED"                 # an instance drains before it terminates

"#;

const FARGATE_CAPACITY: &str = r#"# Fargate: each task gets capacity of its own (docs/scenarios.md, "Fargate";
# https://docs.aws.amazon.com/AmazonECS/latest/developerguide/AWS_Fargate.html).
[fargate]
provisioning = { distribution = "lognormal", mean = "15s", cv = 0.3 }     # PROVISIONING → PENDING
pull_and_start = { distribution = "lognormal", mean = "25s", cv = 0.5 }   # PENDING → RUNNING (image pull)

"#;

fn task_definition(options: InitOptions) -> String {
    let mut t = String::from(
        "# The task definition, inline (or `file = \"taskdef.json\"`: RegisterTaskDefinition JSON; see\n\
         # docs/scenarios.md, \"[[task_definitions]]\";\n\
         # https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_definition_parameters.html).\n\
         [[task_definitions]]\n\
         name = \"web\"                # what services refer to\n\
         family = \"web\"              # the family (shown as web:1)\n\
         cpu = 1024                  # task-level CPU units (1024 = 1 vCPU), a hard limit\n\
         memory = 2048               # task-level memory, MiB\n",
    );
    match options.launch {
        Launch::Fargate => t.push_str("network_mode = \"awsvpc\"    # Fargate needs awsvpc: every task has its own ENI\n"),
        Launch::Ec2 if options.alb => {
            t.push_str("dynamic_ports = 1           # bridge mode, one container port on a dynamic host port (32768–60999)\n")
        }
        Launch::Ec2 => {}
    }
    if options.alb {
        t.push_str(
            "# How the application serves requests (docs/scenarios.md, \"Serving requests\"): 4 workers, 50 ms a\n\
             # request on average, a busy worker uses 256 CPU units. One task serves up to 4 ÷ 0.05 s = 80\n\
             # requests/s at 100 % CPU (its 1024 units = 4 busy workers × 256).\n\
             serving = { concurrency = 4, service_time = { distribution = \"exponential\", mean = \"50ms\" }, cpu_per_busy_worker = 256 }\n",
        );
    }
    t.push('\n');
    t
}

const TARGET_GROUP_EC2: &str = r#"# The target group the service's tasks register in (docs/scenarios.md, "[[target_groups]]";
# https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-target-groups.html).
[[target_groups]]
name = "web"
target_type = "instance"     # bridge tasks register as instance:port
port = 80
deregistration_delay = "30s" # a stopping task's target drains this long
health_check = { path = "/", interval = "10s", timeout = "5s", healthy_threshold = 3, unhealthy_threshold = 2 }

"#;

const TARGET_GROUP_FARGATE: &str = r#"# The target group the service's tasks register in (docs/scenarios.md, "[[target_groups]]";
# https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-target-groups.html).
[[target_groups]]
name = "web"
target_type = "ip"           # awsvpc tasks register by IP address
port = 80
deregistration_delay = "30s" # a stopping task's target drains this long
health_check = { path = "/", interval = "10s", timeout = "5s", healthy_threshold = 3, unhealthy_threshold = 2 }

"#;

const LOAD_BALANCER: &str = r#"# An Application Load Balancer (docs/scenarios.md, "[[load_balancers]]";
# https://docs.aws.amazon.com/elasticloadbalancing/latest/application/introduction.html).
[[load_balancers]]
name = "web"
idle_timeout = "60s"         # a request not answered within it gets a 504

[[load_balancers.listeners]]
port = 80
default_action = { forward = "web" }   # every request goes to the target group "web"

"#;

fn service(options: InitOptions) -> String {
    let mut s = String::from(
        "# The service (CreateService; docs/scenarios.md, \"[[services]]\";\n\
         # https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs_services.html).\n\
         [[services]]\n\
         name = \"web\"\n\
         task_definition = \"web\"\n\
         desired_count = 2           # tasks ECS keeps running\n",
    );
    match options.launch {
        Launch::Ec2 => {
            s.push_str("capacity_provider_strategy = [{ capacity_provider = \"cp-web\", weight = 1 }]   # tasks go to cp-web's instances\n")
        }
        Launch::Fargate => s.push_str("launch_type = \"FARGATE\"\n"),
    }
    s.push_str(
        "deployment = { minimum_healthy_percent = 100, maximum_percent = 200, circuit_breaker = { enable = true, rollback = true } }\n",
    );
    if options.alb {
        s.push_str(
            "health_check_grace_period = \"30s\"   # unhealthy targets are ignored this long after RUNNING\n\
             load_balancers = [{ target_group = \"web\", container_port = 80 }]\n",
        );
    }
    s.push('\n');
    s
}

const SCALING: &str = r#"# Service Auto Scaling: target tracking keeps the service's average CPU near 50 % (docs/scenarios.md,
# "[[scaling]]"; https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-autoscaling-targettracking.html).
[[scaling]]
service = "web"
min = 2                      # the scalable target's MinCapacity
max = 10                     # MaxCapacity

[[scaling.target_tracking]]
name = "cpu50"
target = 50                  # percent
metric = "ECSServiceAverageCPUUtilization"
scale_out_cooldown = "60s"
scale_in_cooldown = "300s"

"#;

const TRAFFIC: &str = r#"# Requests to the load balancer (docs/scenarios.md, "[[traffic]]"): none for the first minute (the
# tasks start), 50 requests/s until 30 minutes, rising to 200/s at 60 minutes, back to 50/s from 90
# to 105 minutes. At 50 % CPU a task serves 40 requests/s: 2 tasks at 50/s, about 5 at 200/s.
# Other profiles: constant, steps, diurnal, spikes, csv (a CloudWatch export).
[[traffic]]
name = "users"
load_balancer = "web"
rate = { profile = "piecewise_linear", points = [{ at = "0s", per_second = 0 }, { at = "1m", per_second = 0 }, { at = "2m", per_second = 50 }, { at = "30m", per_second = 50 }, { at = "60m", per_second = 200 }, { at = "90m", per_second = 200 }, { at = "105m", per_second = 50 }] }
"#;

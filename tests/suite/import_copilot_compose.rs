//! AWS Copilot manifests and docker-compose files, imported as scenarios: every real sample in
//! tests/fixtures/import/{copilot,compose}/ imports, loads and runs, with what was mapped
//! checked against numbers read off the file; each construct has a test shaped like its
//! documentation's example; bad input gets located errors, never a panic.

use ecsim::api;
use ecsim::import::{Imported, Options};
use std::path::PathBuf;

/// Imports the files (paths under tests/fixtures/import/), or fails the test with the messages.
#[track_caller]
fn import(rel: &[&str], options: &Options) -> Imported {
    let paths: Vec<PathBuf> = rel.iter().map(|r| super::common::repo("tests/fixtures/import").join(r)).collect();
    api::import(&paths, options).unwrap_or_else(|d| panic!("{rel:?}: {d}"))
}

/// The scenario TOML the import writes, parsed.
fn toml_of(imported: &Imported) -> toml::Table {
    let text = imported.scenario_toml();
    toml::from_str(&text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

/// Loads the imported stack under a 20-minute overlay and runs it; returns the run.
#[track_caller]
fn load_and_run(imported: &Imported) -> api::Run {
    let overlay = "[scenario]\nduration = \"20m\"\n";
    let scenario = imported
        .load(Some((std::path::Path::new("overlay.toml"), overlay)))
        .unwrap_or_else(|d| panic!("{d}\n{}", imported.scenario_toml()));
    api::run(&scenario, 1)
}

/// Writes `text` to a fresh file named `name` and imports it (with `options`). Each call gets a
/// folder of its own: tests run in parallel and many import a file of the same name
/// (`docker-compose.yml`), which one folder per name let one test overwrite under another.
fn import_text(name: &str, text: &str, options: &Options) -> Result<Imported, ecsim::scenario::Diagnostics> {
    static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let call = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("ecsim-import-cc-{}-{call}-{}", std::process::id(), name.replace(['/', '.'], "-")));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    let imported = api::import(&[path], options);
    // The import has read everything it needs: leave no folder behind per call.
    let _ = std::fs::remove_dir_all(&dir);
    imported
}

#[track_caller]
fn ok(name: &str, text: &str) -> (Imported, toml::Table) {
    let imported = import_text(name, text, &Options::default()).unwrap_or_else(|d| panic!("{d}"));
    let t = toml_of(&imported);
    (imported, t)
}

fn warnings(imported: &Imported) -> Vec<String> {
    imported.warnings.warnings().map(|w| format!("{}:{}: {}", w.line, w.column, w.message)).collect()
}

fn has_warning(imported: &Imported, line: usize, fragment: &str) -> bool {
    imported.warnings.warnings().any(|w| w.line == line && w.message.contains(fragment))
}

/// The service's running and desired task counts at the end of the run.
fn running(run: &api::Run, service: &str) -> (u32, u32) {
    let s = run.summary.services.iter().find(|s| s.service == service).unwrap_or_else(|| panic!("no service {service}"));
    (s.running, s.desired)
}

fn first<'a>(t: &'a toml::Table, section: &str) -> &'a toml::Value {
    &t[section][0]
}

fn taskdef(imported: &Imported, name: &str) -> serde_json::Value {
    let text = &imported.draft.files[&format!("taskdefs/{name}.json")];
    serde_json::from_str(text).unwrap()
}

// --- Copilot: the real samples -----------------------------------------------------------

#[test]
fn copilot_lb_web_service_sample_imports_checks_and_runs() {
    let imported = import(&["copilot/lb-svc.yml"], &Options::default());
    let t = toml_of(&imported);
    // lb-svc.yml: cpu 256, memory 512, count 1, Fargate (Copilot's only launch type).
    let svc = first(&t, "services");
    assert_eq!(svc["name"].as_str(), Some("frontend"));
    assert_eq!(svc["desired_count"].as_integer(), Some(1));
    assert_eq!(svc["launch_type"].as_str(), Some("FARGATE"));
    assert_eq!(svc["health_check_grace_period"].as_str(), Some("60s"));
    let td = taskdef(&imported, "frontend");
    assert_eq!((td["cpu"].as_str(), td["memory"].as_str(), td["networkMode"].as_str()), (Some("256"), Some("512"), Some("awsvpc")));
    // `image.port: 0` (line 22) is no port: the web service's target group gets port 80, said at the value.
    assert!(has_warning(&imported, 22, "assumed: port 80"), "{:?}", warnings(&imported));
    let tg = first(&t, "target_groups");
    assert_eq!((tg["port"].as_integer(), tg["target_type"].as_str()), (Some(80), Some("ip")));
    assert_eq!(tg["deregistration_delay"].as_str(), Some("60s"));
    // `http.path: ''` is the root: a rule matching every path on the environment's listener 80.
    let listener = &t["load_balancers"][0]["listeners"][0];
    assert_eq!(listener["port"].as_integer(), Some(80));
    assert_eq!(listener["rules"][0]["path_pattern"][0].as_str(), Some("/*"));
    // exec (line 27) and network.connect (line 29) are said not to be modelled, at their lines.
    assert!(has_warning(&imported, 27, "ECS Exec"));
    assert!(has_warning(&imported, 29, "Service Connect"));
    let run = load_and_run(&imported);
    assert_eq!(running(&run, "frontend"), (1, 1));
}

#[test]
fn copilot_backend_service_sample_runs_without_a_load_balancer() {
    let imported = import(&["copilot/backend-svc-nohealthcheck-placement.yml"], &Options::default());
    let t = toml_of(&imported);
    assert!(t.get("load_balancers").is_none());
    // cpu 256, memory 512, count 1 (lines 16–18); exec (line 19) is not modelled.
    assert_eq!(first(&t, "services")["desired_count"].as_integer(), Some(1));
    assert!(has_warning(&imported, 19, "ECS Exec"), "{:?}", warnings(&imported));
    let td = taskdef(&imported, "subscribers");
    assert_eq!((td["cpu"].as_str(), td["memory"].as_str()), (Some("256"), Some("512")));
    let run = load_and_run(&imported);
    assert_eq!(running(&run, "subscribers"), (1, 1));
}

#[test]
fn copilot_health_check_retries_of_zero_are_refused_as_ecs_refuses_them() {
    // backend-svc-customhealthcheck.yml: `retries: 0`, which Copilot passes on and
    // RegisterTaskDefinition refuses (1–10): the import maps it, the loader says so.
    let imported = import(&["copilot/backend-svc-customhealthcheck.yml"], &Options::default());
    let hc = &taskdef(&imported, "subscribers")["containerDefinitions"][0]["healthCheck"];
    // image.healthcheck: interval 6s, retries 0, timeout 20s, start_period 15s.
    assert_eq!(
        (hc["interval"].as_i64(), hc["retries"].as_i64(), hc["timeout"].as_i64(), hc["startPeriod"].as_i64()),
        (Some(6), Some(0), Some(20), Some(15))
    );
    let err = imported.load(None).unwrap_err();
    assert!(err.errors().any(|e| e.message.contains("retries")), "{err}");
}

#[test]
fn copilot_worker_service_sample_runs_and_says_the_queue_is_not_modelled() {
    let imported = import(&["copilot/worker-svc-subscribe.yml"], &Options::default());
    let t = toml_of(&imported);
    assert_eq!(first(&t, "services")["name"].as_str(), Some("testers"));
    // `subscribe:` is at line 25.
    assert!(has_warning(&imported, 25, "SQS"), "{:?}", warnings(&imported));
    let run = load_and_run(&imported);
    assert_eq!(running(&run, "testers"), (1, 1));
}

#[test]
fn copilot_scheduled_job_sample_runs_at_its_schedule() {
    let imported = import(&["copilot/scheduled-job-fully-specified-placement.yml"], &Options::default());
    let t = toml_of(&imported);
    // schedule "0 */2 * * *": every two hours from midnight, so 0h, 2h, …, 22h and 24h: 13 firings in the first day.
    let w = first(&t, "workload");
    let at = w["arrivals"]["at"].as_array().unwrap();
    assert_eq!(at.len(), 13);
    assert_eq!((at[0].as_str(), at[1].as_str()), (Some("0s"), Some("7200s")));
    // The `environments:` block (line 34) is not applied unless asked: said at its contents.
    assert!(has_warning(&imported, 35, "no environment's overrides"), "{:?}", warnings(&imported));
    // retries (line 14) and timeout (line 15) are not modelled.
    assert!(has_warning(&imported, 14, "retries"));
    assert!(has_warning(&imported, 15, "timeout"));
    let run = load_and_run(&imported);
    // In 20 minutes only the midnight run happens.
    assert_eq!(run.summary.tasks.placed, 1);
}

#[test]
fn copilot_environment_overrides_apply_when_asked() {
    let mut options = Options::default();
    options.vars.insert("environment".into(), "phonetool".into());
    let imported = import(&["copilot/scheduled-job-fully-specified-placement.yml"], &options);
    // The phonetool override sets network.vpc.placement: 'private' (line 38).
    assert!(has_warning(&imported, 38, "placement"), "{:?}", warnings(&imported));
    assert!(!imported.warnings.warnings().any(|w| w.message.contains("no environment's overrides")));
}

// --- Copilot: each construct, as its documentation shows it --------------------------------

#[test]
fn copilot_count_range_is_target_tracking_scaling() {
    // The "Autoscaling" sample of the Load Balanced Web Service page.
    let (imported, t) = ok(
        "autoscaling.yml",
        "name: 'frontend'\ntype: 'Load Balanced Web Service'\nhttp:\n  path: '/'\nimage:\n  location: aws_account_id.dkr.ecr.us-west-2.amazonaws.com/frontend:latest\n  port: 80\ncpu: 512\nmemory: 1024\ncount:\n  range: 1-10\n  cooldown:\n    in: 60s\n    out: 30s\n  cpu_percentage: 70\n  requests: 30\n  response_time: 2s\n",
    );
    let s = first(&t, "scaling");
    assert_eq!((s["service"].as_str(), s["min"].as_integer(), s["max"].as_integer()), (Some("frontend"), Some(1), Some(10)));
    let cpu = &s["target_tracking"][0];
    assert_eq!((cpu["metric"].as_str(), cpu["target"].as_float()), (Some("ECSServiceAverageCPUUtilization"), Some(70.0)));
    assert_eq!((cpu["scale_in_cooldown"].as_str(), cpu["scale_out_cooldown"].as_str()), (Some("60s"), Some("30s")));
    let req = &s["target_tracking"][1];
    assert_eq!((req["metric"].as_str(), req["target_group"].as_str()), (Some("ALBRequestCountPerTarget"), Some("frontend")));
    // An autoscaled service starts at the range's minimum; response_time (line 17) is not modelled.
    assert_eq!(first(&t, "services")["desired_count"].as_integer(), Some(1));
    assert!(has_warning(&imported, 17, "response_time"));
    imported.load(None).unwrap_or_else(|d| panic!("{d}"));
}

#[test]
fn copilot_http_health_check_map_sets_the_target_group() {
    // The "Larger containers" sample.
    let (imported, t) = ok(
        "larger.yml",
        "name: 'frontend'\ntype: 'Load Balanced Web Service'\nimage:\n  build:\n    dockerfile: './frontend/Dockerfile'\n    context: './frontend'\n  port: 80\nhttp:\n  path: '/'\n  healthcheck:\n    path: '/_deephealthcheck'\n    port: 8080\n    success_codes: '200,301'\n    healthy_threshold: 4\n    unhealthy_threshold: 2\n    interval: 15s\n    timeout: 10s\n    grace_period: 2m\n  deregistration_delay: 50s\n  stickiness: true\ncpu: 2048\nmemory: 4096\ncount: 3\nstorage:\n  ephemeral: 100\nnetwork:\n  vpc:\n    placement: 'private'\n",
    );
    let tg = first(&t, "target_groups");
    let hc = &tg["health_check"];
    assert_eq!((hc["path"].as_str(), hc["matcher"].as_str()), (Some("/_deephealthcheck"), Some("200,301")));
    assert_eq!((hc["healthy_threshold"].as_integer(), hc["unhealthy_threshold"].as_integer()), (Some(4), Some(2)));
    assert_eq!((hc["interval"].as_str(), hc["timeout"].as_str()), (Some("15s"), Some("10s")));
    assert_eq!(tg["deregistration_delay"].as_str(), Some("50s"));
    let svc = first(&t, "services");
    assert_eq!((svc["desired_count"].as_integer(), svc["health_check_grace_period"].as_str()), (Some(3), Some("120s")));
    // The health check port (line 12), stickiness (20), storage (24), placement (28): not modelled.
    for (line, what) in [(12, "health check port"), (20, "sticky"), (25, "storage"), (28, "placement")] {
        assert!(has_warning(&imported, line, what), "{what}: {:?}", warnings(&imported));
    }
    let run = load_and_run(&imported);
    assert_eq!(running(&run, "frontend"), (3, 3));
}

#[test]
fn copilot_platform_deployment_and_spot() {
    let (imported, t) = ok(
        "arm.yml",
        "name: api\ntype: Backend Service\nimage:\n  location: public.ecr.aws/nginx/nginx:latest\n  port: 8080\nplatform: linux/arm64\ncount:\n  range:\n    min: 1\n    max: 10\n    spot_from: 3\n  cpu_percentage: 60\ndeployment:\n  rolling: recreate\n",
    );
    assert_eq!(taskdef(&imported, "api")["runtimePlatform"]["cpuArchitecture"].as_str(), Some("ARM64"));
    let svc = first(&t, "services");
    let d = &svc["deployment"];
    assert_eq!((d["minimum_healthy_percent"].as_integer(), d["maximum_percent"].as_integer()), (Some(0), Some(100)));
    assert_eq!(d["circuit_breaker"]["rollback"].as_bool(), Some(true));
    // spot_from 3: the first two tasks on FARGATE, the rest on FARGATE_SPOT.
    let cps = svc["capacity_provider_strategy"].as_array().unwrap();
    assert_eq!((cps[0]["capacity_provider"].as_str(), cps[0]["base"].as_integer()), (Some("FARGATE"), Some(2)));
    assert_eq!(cps[1]["capacity_provider"].as_str(), Some("FARGATE_SPOT"));
    assert!(svc.get("launch_type").is_none());
}

#[test]
fn copilot_environment_override_merges_over_the_manifest() {
    let text = "name: web\ntype: Load Balanced Web Service\nimage:\n  location: nginx\n  port: 80\ncount: 1\nenvironments:\n  test:\n    count: 2\n    deployment:\n      rolling: 'recreate'\n";
    let mut options = Options::default();
    options.vars.insert("environment".into(), "test".into());
    let imported = import_text("env.yml", text, &options).unwrap();
    let t = toml_of(&imported);
    assert_eq!(first(&t, "services")["desired_count"].as_integer(), Some(2));
    assert_eq!(first(&t, "services")["deployment"]["maximum_percent"].as_integer(), Some(100));
    let (base, bt) = ok("env.yml", text);
    assert_eq!(first(&bt, "services")["desired_count"].as_integer(), Some(1));
    assert!(has_warning(&base, 8, "--var environment=NAME"));
}

#[test]
fn copilot_web_services_share_the_environment_load_balancer() {
    let dir = std::env::temp_dir().join(format!("ecsim-import-cc-{}-two", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let front = dir.join("front.yml");
    let api_ = dir.join("api.yml");
    std::fs::write(
        &front,
        "name: front\ntype: Load Balanced Web Service\nhttp:\n  path: '/'\nimage:\n  location: nginx\n  port: 80\ncount: 2\n",
    )
    .unwrap();
    std::fs::write(
        &api_,
        "name: api\ntype: Load Balanced Web Service\nhttp:\n  path: 'api'\nimage:\n  location: api\n  port: 8080\ncount: 1\n",
    )
    .unwrap();
    let imported = api::import(&[front, api_], &Options::default()).unwrap();
    let t = toml_of(&imported);
    assert_eq!(t["load_balancers"].as_array().unwrap().len(), 1);
    let rules = t["load_balancers"][0]["listeners"][0]["rules"].as_array().unwrap();
    // The root path is evaluated last; /api first.
    let api_rule = rules.iter().find(|r| r["path_pattern"][0].as_str() == Some("/api")).unwrap();
    let root_rule = rules.iter().find(|r| r["path_pattern"][0].as_str() == Some("/*")).unwrap();
    assert!(api_rule["priority"].as_integer() < root_rule["priority"].as_integer());
    let overlay = "[scenario]\nduration = \"10m\"\n[[traffic]]\nname = \"users\"\npath = \"/api/orders\"\nrate = { profile = \"constant\", per_second = 5 }\n";
    let scenario = imported.load(Some((std::path::Path::new("traffic.toml"), overlay))).unwrap_or_else(|d| panic!("{d}"));
    let run = api::run(&scenario, 1);
    assert_eq!(running(&run, "front"), (2, 2));
    assert_eq!(running(&run, "api"), (1, 1));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn copilot_manifests_ecsim_cannot_run_are_located_errors() {
    let rd = import_text("rd.yml", "name: site\ntype: Request-Driven Web Service\nimage:\n  port: 80\n", &Options::default()).unwrap_err();
    assert!(rd.errors().any(|e| e.line == 2 && e.message.contains("App Runner")), "{rd}");
    let unnamed = import_text("unnamed.yml", "type: Backend Service\nimage:\n  location: x\n", &Options::default()).unwrap_err();
    assert!(unnamed.errors().any(|e| e.message.contains("no `name`")), "{unnamed}");
    let job = import_text("job.yml", "name: j\ntype: Scheduled Job\non:\n  schedule: 'every tuesday'\n", &Options::default()).unwrap_err();
    assert!(job.errors().any(|e| e.line == 4 && e.message.contains("schedule")), "{job}");
}

#[test]
fn copilot_garbage_and_truncation_never_panic() {
    let text = std::fs::read_to_string(super::common::repo("tests/fixtures/import/copilot/lb-svc.yml")).unwrap();
    for cut in (0..text.len()).step_by(37) {
        let mut end = cut;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        let _ = import_text("cut.yml", &text[..end], &Options::default());
    }
    for garbage in [
        "type: Load Balanced Web Service\nname: [\n",
        "type: Scheduled Job\nname: j\non: 7\n",
        "type: Worker Service\nname: w\ncount: {range: 9-x}\n",
        "type: Backend Service\nname: b\ncount: {range: {min: 1}}\nimage: {port: 99999}\n",
    ] {
        let _ = import_text("garbage.yml", garbage, &Options::default());
    }
}

// --- docker-compose: the real samples ------------------------------------------------------

#[test]
fn compose_ecs_cli_sample_is_one_task_definition_on_ec2() {
    let imported = import(&["compose/ecs-cli-docker-compose.yml"], &Options::default());
    let t = toml_of(&imported);
    // version '2', service mysql: cpu_shares 100, mem_limit 524288000 bytes = 500 MiB.
    let td = taskdef(&imported, "ecs-cli-docker-compose");
    let mysql = &td["containerDefinitions"][0];
    assert_eq!((mysql["name"].as_str(), mysql["cpu"].as_i64(), mysql["memory"].as_i64()), (Some("mysql"), Some(100), Some(500)));
    assert_eq!(td["networkMode"].as_str(), Some("bridge"));
    let svc = first(&t, "services");
    assert_eq!((svc["desired_count"].as_integer(), svc["launch_type"].as_str()), (Some(1), Some("EC2")));
    // The dialect and every assumption are said at the file's `version` (line 1, column 10).
    assert!(has_warning(&imported, 1, "Amazon ECS CLI project"), "{:?}", warnings(&imported));
    assert_eq!(t["cluster"]["instances"][0]["type"].as_str(), Some("m5.large"));
    let run = load_and_run(&imported);
    assert_eq!(running(&run, "ecs-cli-docker-compose"), (1, 1));
}

#[test]
fn compose_integration_sample_gets_an_application_load_balancer() {
    let imported = import(&["compose/compose-cli-simple-single-service.yaml"], &Options::default());
    let t = toml_of(&imported);
    // service simple: nginx, ports "80:80" — HTTP, so the stack's load balancer is an ALB
    // with a listener on the target port 80 forwarding to the service's target group.
    let tg = first(&t, "target_groups");
    assert_eq!((tg["name"].as_str(), tg["port"].as_integer(), tg["target_type"].as_str()), (Some("simple-80"), Some(80), Some("ip")));
    let listener = &t["load_balancers"][0]["listeners"][0];
    assert_eq!((listener["port"].as_integer(), listener["default_action"]["forward"].as_str()), (Some(80), Some("simple-80")));
    let td = taskdef(&imported, "simple");
    assert_eq!((td["cpu"].as_str(), td["memory"].as_str()), (Some("256"), Some("512")));
    let svc = first(&t, "services");
    assert_eq!((svc["desired_count"].as_integer(), svc["launch_type"].as_str()), (Some(1), Some("FARGATE")));
    let overlay = "[scenario]\nduration = \"10m\"\n[[traffic]]\nname = \"users\"\nrate = { profile = \"constant\", per_second = 2 }\n";
    let scenario = imported.load(Some((std::path::Path::new("traffic.toml"), overlay))).unwrap_or_else(|d| panic!("{d}"));
    let run = api::run(&scenario, 1);
    assert_eq!(running(&run, "simple"), (1, 1));
    assert!(run.summary.traffic.as_ref().is_some_and(|t| t.figures.successful > 0));
}

#[test]
fn compose_integration_sample_with_tcp_ports_runs_without_the_network_load_balancer() {
    let imported = import(&["compose/compose-cli-multi-port-secrets.yaml"], &Options::default());
    let t = toml_of(&imported);
    // Four services (db, words, web, websecrets), 1 task each; ports 8080 (line 8) and 90
    // (line 16) are not HTTP, so the stack's load balancer would be an NLB: not modelled.
    assert_eq!(t["services"].as_array().unwrap().len(), 4);
    assert!(t.get("load_balancers").is_none());
    assert!(has_warning(&imported, 8, "Network Load Balancer"), "{:?}", warnings(&imported));
    assert!(has_warning(&imported, 16, "Network Load Balancer"));
    // The service's secrets (line 20) and the top-level secrets (line 24) are not modelled.
    assert!(has_warning(&imported, 20, "secrets"));
    let run = load_and_run(&imported);
    for svc in ["db", "words", "web", "websecrets"] {
        assert_eq!(running(&run, svc), (1, 1), "{svc}");
    }
}

// --- docker-compose: each construct, as the ECS integration's documentation shows it -------

#[test]
fn compose_resources_replicas_and_rolling_update() {
    // "Task size" and "Auto scaling" of the ECS integration's compose features.
    let (imported, t) = ok(
        "docker-compose.yml",
        "services:\n  test:\n    image: nginx\n    ports:\n      - 80:80\n    deploy:\n      replicas: 3\n      resources:\n        limits:\n          cpus: '0.5'\n          memory: 2048M\n        reservations:\n          memory: 1024M\n      update_config:\n        x-aws-min_percent: 50\n        x-aws-max_percent: 150\n      x-aws-autoscaling:\n        min: 1\n        max: 10\n        cpu: 75\n",
    );
    // 0.5 vCPU and 2048 MiB: Fargate's 512 CPU units with 2048 MiB holds them.
    let td = taskdef(&imported, "test");
    assert_eq!((td["cpu"].as_str(), td["memory"].as_str()), (Some("512"), Some("2048")));
    assert_eq!(td["containerDefinitions"][0]["memoryReservation"].as_i64(), Some(1024));
    let svc = first(&t, "services");
    assert_eq!(svc["desired_count"].as_integer(), Some(3));
    assert_eq!(
        (svc["deployment"]["minimum_healthy_percent"].as_integer(), svc["deployment"]["maximum_percent"].as_integer()),
        (Some(50), Some(150))
    );
    let s = first(&t, "scaling");
    assert_eq!((s["min"].as_integer(), s["max"].as_integer()), (Some(1), Some(10)));
    let tt = &s["target_tracking"][0];
    assert_eq!(
        (tt["metric"].as_str(), tt["target"].as_float(), tt["scale_in_cooldown"].as_str()),
        (Some("ECSServiceAverageCPUUtilization"), Some(75.0), Some("60s"))
    );
    // Three tasks start; with no traffic their CPU stays at 0 %, below 0.9 × 75 for the 15
    // minutes the policy's scale-in alarm needs, so by the 20th minute the service is at min 1.
    let run = load_and_run(&imported);
    assert_eq!(running(&run, "test"), (1, 1));
}

#[test]
fn compose_parallelism_sets_the_rolling_percentages() {
    // replicas 4, parallelism 2: min (4-2)/4 = 50 %, max (4+2)/4 = 150 %.
    let (_, t) = ok(
        "docker-compose.yml",
        "services:\n  app:\n    image: nginx\n    deploy:\n      replicas: 4\n      update_config:\n        parallelism: 2\n",
    );
    let d = &first(&t, "services")["deployment"];
    assert_eq!((d["minimum_healthy_percent"].as_integer(), d["maximum_percent"].as_integer()), (Some(50), Some(150)));
}

#[test]
fn compose_x_aws_protocol_makes_a_custom_port_http() {
    let (imported, t) = ok("docker-compose.yml", "services:\n  test:\n    image: nginx\n    ports:\n      - target: 8080\n        x-aws-protocol: http\n    healthcheck:\n      test: [\"CMD\", \"curl\", \"-f\", \"http://localhost:8080\"]\n      interval: 10s\n      retries: 3\n    x-aws-pull_credentials: arn:aws:secretsmanager:eu-west-3:xxx:secret:pullcred\n");
    assert_eq!(t["load_balancers"][0]["listeners"][0]["port"].as_integer(), Some(8080));
    let c = &taskdef(&imported, "test")["containerDefinitions"][0];
    assert_eq!((c["healthCheck"]["interval"].as_i64(), c["healthCheck"]["retries"].as_i64()), (Some(10), Some(3)));
    assert!(c["repositoryCredentials"]["credentialsParameter"].as_str().is_some());
    imported.load(None).unwrap_or_else(|d| panic!("{d}"));
}

#[test]
fn compose_with_ecs_params_on_fargate() {
    // The ECS CLI README's compose file and its "FARGATE launch type" ecs-params example.
    let dir = std::env::temp_dir().join(format!("ecsim-import-cc-{}-ecs-params", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let compose = dir.join("docker-compose.yml");
    let params = dir.join("ecs-params.yml");
    std::fs::write(&compose, "version: '3'\nservices:\n  web:\n    image: amazon/amazon-ecs-sample\n    ports:\n     - \"80:80\"\n")
        .unwrap();
    std::fs::write(&params, "version: 1\ntask_definition:\n  ecs_network_mode: awsvpc\n  task_execution_role: myFargateRole\n  task_size:\n    cpu_limit: 512\n    mem_limit: 2GB\n  services:\n    web:\n      essential: true\n\nrun_params:\n  network_configuration:\n    awsvpc_configuration:\n      subnets:\n        - subnet-feedface\n        - subnet-deadbeef\n      assign_public_ip: ENABLED\n").unwrap();
    let imported = api::import(&[compose, params.clone()], &Options::default()).unwrap_or_else(|d| panic!("{d}"));
    let t = toml_of(&imported);
    let project = dir.file_name().unwrap().to_str().unwrap().to_string();
    let td = taskdef(&imported, &project);
    assert_eq!((td["cpu"].as_str(), td["memory"].as_str(), td["networkMode"].as_str()), (Some("512"), Some("2048"), Some("awsvpc")));
    assert_eq!(first(&t, "services")["launch_type"].as_str(), Some("FARGATE"));
    // run_params (line 12 of ecs-params.yml; its contents start on line 13) is not modelled, said in that file.
    assert!(
        imported.warnings.warnings().any(|w| w.file == params && w.line == 13 && w.message.contains("run_params")),
        "{:?}",
        warnings(&imported)
    );
    let run = load_and_run(&imported);
    assert_eq!(running(&run, &project), (1, 1));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn compose_mistakes_are_located_errors() {
    let no_max = import_text(
        "docker-compose.yml",
        "services:\n  foo:\n    image: nginx\n    deploy:\n      x-aws-autoscaling:\n        cpu: 75\n",
        &Options::default(),
    )
    .unwrap_err();
    assert!(no_max.errors().any(|e| e.line == 6 && e.message.contains("max")), "{no_max}");
    let huge = import_text("docker-compose.yml", "services:\n  learning:\n    image: tensorflow/tensorflow:latest-gpus\n    deploy:\n      resources:\n        reservations:\n          memory: 32Gb\n          cpus: \"32\"\n", &Options::default()).unwrap_err();
    assert!(huge.errors().any(|e| e.line == 7 && e.message.contains("no Fargate task size")), "{huge}");
    let alone = import_text("ecs-params.yml", "version: 1\ntask_definition:\n  ecs_network_mode: host\n", &Options::default()).unwrap_err();
    assert!(alone.errors().any(|e| e.message.contains("docker-compose file")), "{alone}");
}

#[test]
fn compose_garbage_and_truncation_never_panic() {
    let text = std::fs::read_to_string(super::common::repo("tests/fixtures/import/compose/compose-cli-multi-port-secrets.yaml")).unwrap();
    for end in 0..text.len() {
        let _ = import_text("cut.yml", &text[..end], &Options::default());
    }
    for garbage in [
        "services: {a: 7}\n",
        "services:\n  a:\n    ports: [\"x:y:z:w\"]\n    deploy: {resources: {limits: {cpus: lots, memory: []}}}\n",
        "version: '2'\nservices:\n  a: {mem_limit: -5, cpu_shares: x}\n",
        "services:\n  a:\n    deploy: {x-aws-autoscaling: {max: 3, cpu: 50, memory: 50}}\n",
    ] {
        let _ = import_text("garbage.yml", garbage, &Options::default());
    }
}

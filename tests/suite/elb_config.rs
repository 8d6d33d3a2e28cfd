//! Load balancers and target groups in scenario files (docs/ecs-model.md#alb-settings, docs/ecs-model.md#listener-rules): what
//! `[[target_groups]]`
//! and `[[load_balancers]]` build, from inline keys and from the ELBv2 JSON fixtures in
//! tests/fixtures/elbv2, and where each bad input is reported (file, line, column, what to
//! change).

use crate::common::{ecsim, error_with_help_at, repo};
use ecsim::elb::config::{Algorithm, Condition, InitialHealthyChecks, ListenerProtocol, RuleAction, TargetType, WeightedTargetGroup};
use ecsim::elb::rules::{evaluate, HttpRequest};
use ecsim::engine::Span;
use ecsim::scenario::{self, Diagnostic, Diagnostics, Scenario};
use std::net::Ipv4Addr;
use std::path::PathBuf;

fn fixtures() -> PathBuf {
    repo("tests/fixtures/elbv2")
}

/// Loads `text` as if it were a scenario file in tests/fixtures/elbv2 (so `file = "…"` finds
/// the fixtures).
fn load_inline(text: &str) -> Result<Scenario, Diagnostics> {
    scenario::load_str(&fixtures().join("inline.toml"), text)
}

fn errors(text: &str) -> Vec<Diagnostic> {
    match load_inline(text) {
        Ok(_) => panic!("expected errors"),
        Err(d) => d.errors().cloned().collect(),
    }
}

const HEAD: &str = "[scenario]\nduration = \"1h\"\n[cluster]\nzones = [\"us-east-1a\", \"us-east-1b\"]\n";

/// A scenario whose line 5 is the first line of `body`.
fn with_head(body: &str) -> String {
    format!("{HEAD}{body}")
}

fn get<'a>(host: &'a str, path: &'a str) -> HttpRequest<'a> {
    HttpRequest { method: "GET", host, path, query: "", headers: &[], source_ip: None }
}

fn forward(tg: usize, weight: u32) -> WeightedTargetGroup {
    WeightedTargetGroup { target_group: tg, weight }
}

// ------------------------------------------------------------------ what gets built

#[test]
fn an_inline_scenario_with_only_a_cluster_and_a_load_balancer_loads() {
    let s = load_inline(&with_head(
        r#"
[[target_groups]]
name = "tg-api"
port = 8080
target_type = "ip"
health_check = { path = "/health", interval = "10s", timeout = "3s", healthy_threshold = 2, matcher = "200,202" }
deregistration_delay = "30s"
algorithm = "weighted_random"
slow_start = "45s"
min_healthy_targets = 2

[[target_groups]]
name = "tg-web"

[[target_groups]]
name = "tg-default"

[[load_balancers]]
name = "web"

[[load_balancers.listeners]]
port = 80
default_action = { forward = "tg-default" }

[[load_balancers.listeners.rules]]
priority = 20
host_header = ["*.example.com"]
action = { forward = "tg-web" }

[[load_balancers.listeners.rules]]
priority = 10
path_pattern = ["/api/*"]
action = { forward = "tg-api" }
"#,
    ))
    .unwrap_or_else(|d| panic!("{d}"));
    let elb = &s.elb;
    let names: Vec<&str> = elb.target_groups.iter().map(|g| g.name.as_str()).collect();
    assert_eq!(names, ["tg-api", "tg-web", "tg-default"]);
    let api = &elb.target_groups[0];
    assert_eq!((api.port, api.target_type, api.algorithm), (8080, TargetType::Ip, Algorithm::WeightedRandom));
    assert_eq!(
        (api.health_check.path.as_str(), api.health_check.interval, api.health_check.timeout),
        ("/health", Span::from_secs(10), Span::from_secs(3))
    );
    assert_eq!((api.health_check.healthy_threshold, api.health_check.unhealthy_threshold), (2, 2));
    assert!(api.health_check.matcher.matches(202) && !api.health_check.matcher.matches(201));
    assert_eq!((api.deregistration_delay, api.slow_start, api.min_healthy_targets), (Span::from_secs(30), Span::from_secs(45), 2));
    // Everything left out is ELBv2's default (docs/ecs-model.md#alb-settings).
    let web = &elb.target_groups[1];
    assert_eq!((web.port, web.target_type, web.algorithm, web.cross_zone), (80, TargetType::Instance, Algorithm::RoundRobin, None));
    assert_eq!(
        (web.health_check.interval, web.health_check.timeout, web.health_check.healthy_threshold),
        (Span::from_secs(30), Span::from_secs(5), 5)
    );
    assert_eq!(
        (web.deregistration_delay, web.slow_start, web.health_check.initial_healthy_checks),
        (Span::from_secs(300), Span::ZERO, InitialHealthyChecks::One)
    );

    let lb = &elb.load_balancers[0];
    assert_eq!(lb.zones, ["us-east-1a", "us-east-1b"], "the cluster's zones by default");
    assert_eq!(lb.idle_timeout, Span::from_secs(60));
    let l = &lb.listeners[0];
    assert_eq!((l.port, l.protocol), (80, ListenerProtocol::Http));
    // Rules sorted by priority whatever order they are written in.
    assert_eq!(l.rules.iter().map(|r| r.priority).collect::<Vec<_>>(), [10, 20]);
    // docs/ecs-model.md#example-listener-rules through the loaded listener.
    let tg_of = |req: HttpRequest| match evaluate(l, &req).1 {
        RuleAction::Forward(t) => elb.target_groups[t[0].target_group].name.as_str(),
        other => panic!("{other:?}"),
    };
    assert_eq!(tg_of(get("a.example.com", "/api/users")), "tg-api");
    assert_eq!(tg_of(get("a.example.com", "/img/x.png")), "tg-web");
    assert_eq!(tg_of(get("example.com", "/img/x.png")), "tg-default");
    assert_eq!(tg_of(get("A.EXAMPLE.COM", "/API/users")), "tg-web");
}

#[test]
fn every_condition_and_action_form_reads() {
    let s = load_inline(&with_head(
        r#"
[[target_groups]]
name = "a"
[[target_groups]]
name = "b"
arn = "arn:aws:elasticloadbalancing:us-east-1:111122223333:targetgroup/b/0123456789abcdef"

[[load_balancers]]
name = "web"
[[load_balancers.listeners]]
port = 443
protocol = "HTTPS"
default_action = { fixed_response = 404 }
[[load_balancers.listeners.rules]]
priority = 1
path_pattern = ["/cubebuster*"]
host_header = ["*.example.com"]
http_request_method = ["GET"]
query_string = [{ key = "v", value = "2" }]
http_header = { name = "X-Canary", values = ["1"] }
action = { forward = [{ target_group = "a", weight = 10 }, { target_group = "arn:aws:elasticloadbalancing:us-east-1:111122223333:targetgroup/b/0123456789abcdef", weight = 20 }] }
[[load_balancers.listeners.rules]]
priority = 2
http_header = [{ name = "X-A", values = ["1"] }, { name = "X-B", values = ["2"] }]
source_ip = ["10.0.0.0/8"]
action = { redirect = 301 }
"#,
    ))
    .unwrap_or_else(|d| panic!("{d}"));
    let l = &s.elb.load_balancers[0].listeners[0];
    assert_eq!(l.protocol, ListenerProtocol::Https);
    assert_eq!(l.default_action, RuleAction::FixedResponse { status_code: 404 });
    // At most 5 match evaluations per rule (docs/ecs-model.md#listener-rules): five of the six kinds here.
    assert_eq!(l.rules[0].conditions.len(), 5);
    assert_eq!(l.rules[0].action, RuleAction::Forward(vec![forward(0, 10), forward(1, 20)]));
    assert_eq!(l.rules[1].conditions.len(), 3, "two http-header conditions and a source-ip");
    assert_eq!(l.rules[1].action, RuleAction::Redirect { status_code: 301 });
    let headers = [("x-canary", "1")];
    let req = HttpRequest { method: "GET", host: "a.example.com", path: "/cubebuster/x", query: "v=2", headers: &headers, source_ip: None };
    assert_eq!(evaluate(l, &req).0, Some(1));
    assert_eq!(evaluate(l, &HttpRequest { method: "POST", ..req }).0, None);
    let both = [("X-A", "1"), ("x-b", "2")];
    let from = |ip| HttpRequest { headers: &both, source_ip: Some(ip), ..get("h", "/") };
    assert_eq!(evaluate(l, &from(Ipv4Addr::new(10, 1, 2, 3))).0, Some(2));
    assert_eq!(evaluate(l, &from(Ipv4Addr::new(11, 0, 0, 1))).0, None);
}

#[test]
fn a_scenario_reading_the_elbv2_fixtures_gives_the_expected_config() {
    let path = fixtures().join("scenario.toml");
    let s = scenario::load(&path).unwrap_or_else(|d| panic!("{d}"));
    let elb = &s.elb;
    let names: Vec<&str> = elb.target_groups.iter().map(|g| g.name.as_str()).collect();
    assert_eq!(names, ["cubebuster", "edges", "canary"]);

    // describe-target-groups + describe-target-group-attributes.
    let cb = &elb.target_groups[0];
    assert_eq!(cb.arn, "arn:aws:elasticloadbalancing:us-east-1:111122223333:targetgroup/cubebuster/73e2d6bc24d8a067");
    assert_eq!((cb.port, cb.target_type), (80, TargetType::Instance));
    let hc = &cb.health_check;
    assert_eq!((hc.path.as_str(), hc.interval, hc.timeout), ("/healthz", Span::from_secs(15), Span::from_secs(6)));
    assert_eq!((hc.healthy_threshold, hc.unhealthy_threshold), (3, 2));
    assert_eq!(hc.matcher.ranges, [(200, 299)]);
    assert_eq!((cb.deregistration_delay, cb.slow_start, cb.min_healthy_targets), (Span::from_secs(30), Span::from_secs(60), 2));
    assert_eq!((cb.algorithm, cb.cross_zone), (Algorithm::RoundRobin, None));

    // Selected by ARN; inline keys override the file.
    let edges = &elb.target_groups[1];
    assert_eq!((edges.port, edges.target_type), (8080, TargetType::Ip));
    assert_eq!(
        (edges.deregistration_delay, edges.algorithm, edges.cross_zone),
        (Span::from_secs(60), Algorithm::LeastOutstandingRequests, Some(false))
    );

    // create-target-group input, with inline health-check keys over it.
    let canary = &elb.target_groups[2];
    assert_eq!((canary.port, canary.target_type), (80, TargetType::Ip));
    assert_eq!((canary.health_check.path.as_str(), canary.health_check.interval), ("/ready", Span::from_secs(10)));
    assert_eq!((canary.health_check.healthy_threshold, canary.health_check.unhealthy_threshold), (2, 3));
    assert_eq!(canary.health_check.initial_healthy_checks, InitialHealthyChecks::Threshold);
    assert_eq!(canary.health_check.matcher.ranges, [(200, 200), (204, 204)]);

    let lb = &elb.load_balancers[0];
    assert_eq!((lb.name.as_str(), lb.idle_timeout), ("web", Span::from_secs(120)));
    assert_eq!(lb.zones, ["us-east-1a", "us-east-1b"]);
    let http = &lb.listeners[0];
    assert_eq!((http.port, http.protocol), (80, ListenerProtocol::Http));
    assert_eq!(http.default_action, RuleAction::Forward(vec![forward(1, 1)]));
    // The inline rule (5) among the rules file's (10, 20, 30), in priority order.
    assert_eq!(http.rules.iter().map(|r| r.priority).collect::<Vec<_>>(), [5, 10, 20, 30]);
    assert_eq!(http.rules[0].action, RuleAction::Forward(vec![forward(2, 1), forward(0, 9)]));
    assert_eq!(http.rules[1].conditions, [Condition::PathPattern(vec!["/cubebuster*".into()])]);
    assert_eq!(http.rules[1].action, RuleAction::Forward(vec![forward(0, 1)]));
    assert_eq!(
        http.rules[2].conditions,
        [
            Condition::HostHeader(vec!["canary.example.com".into()]),
            Condition::HttpHeader { name: "X-Canary".into(), values: vec!["1".into(), "true".into()] }
        ]
    );
    // authenticate-oidc skipped: the forward is the terminal action.
    assert_eq!(http.rules[2].action, RuleAction::Forward(vec![forward(0, 10), forward(1, 20)]));
    assert_eq!(
        http.rules[3].conditions,
        [
            Condition::SourceIp(vec!["10.0.0.0/8".into()]),
            Condition::HttpRequestMethod(vec!["POST".into(), "PUT".into()]),
            Condition::QueryString(vec![(Some("v".into()), "2".into())])
        ]
    );
    assert_eq!(http.rules[3].action, RuleAction::Redirect { status_code: 301 });
    let https = &lb.listeners[1];
    assert_eq!((https.port, https.protocol, https.rules.len()), (443, ListenerProtocol::Https, 0));
    assert_eq!(https.default_action, RuleAction::FixedResponse { status_code: 404 });

    // What is not modelled is said, once, where it is written; defaults ("off", "false") and
    // settings that change nothing (VpcId, certificates) are accepted silently.
    let warnings: Vec<String> = s.warnings.warnings().map(|w| format!("{}:{}: {}", w.file.display(), w.line, w.message)).collect();
    let elb_warnings: Vec<&String> = warnings.iter().filter(|w| w.contains(".json:")).collect();
    assert_eq!(elb_warnings.len(), 2, "{warnings:#?}");
    assert!(
        elb_warnings[0].ends_with("create-target-group.json:14: field `Tags` is not modelled by ecsim and is ignored"),
        "{warnings:#?}"
    );
    assert!(elb_warnings[1].contains("rules.json:64: authenticate-oidc actions are not modelled"), "{warnings:#?}");
}

// ------------------------------------------------------------------ located errors

#[test]
fn unknown_target_groups_are_errors_that_list_the_known_ones() {
    let e = errors(&with_head(
        r#"[[target_groups]]
name = "edges"
[[load_balancers]]
name = "web"
[[load_balancers.listeners]]
port = 80
default_action = { forward = "edge" }
[[load_balancers.listeners.rules]]
priority = 1
path_pattern = ["/a"]
action = { forward = [{ target_group = "edges" }, { target_group = "nope", weight = 3 }] }
"#,
    ));
    let d = error_with_help_at(&e, (11, 30), "no target group \"edge\"");
    assert!(d.help.as_deref().unwrap().contains("did you mean \"edges\"?"), "{d}");
    assert!(d.help.as_deref().unwrap().contains("defined: [\"edges\"]"), "{d}");
    error_with_help_at(&e, (15, 68), "no target group \"nope\"");
    assert_eq!(e.len(), 2);
}

#[test]
fn rule_errors_point_at_the_rule() {
    let e = errors(&with_head(
        r#"[[target_groups]]
name = "a"
[[load_balancers]]
name = "web"
[[load_balancers.listeners]]
port = 80
default_action = { forward = "a" }
[[load_balancers.listeners.rules]]
priority = 7
path_pattern = ["/a"]
action = { forward = "a" }
[[load_balancers.listeners.rules]]
priority = 7
path_pattern = ["/b"]
action = { forward = "a" }
[[load_balancers.listeners.rules]]
priority = 0
path_pattern = ["/c"]
action = { forward = "a" }
[[load_balancers.listeners.rules]]
priority = 50001
path_pattern = ["/d"]
action = { forward = "a" }
[[load_balancers.listeners.rules]]
priority = 8
action = { forward = "a" }
[[load_balancers.listeners.rules]]
priority = 9
path_pattern = ["/1", "/2", "/3", "/4"]
action = { forward = "a" }
[[load_balancers.listeners.rules]]
priority = 11
path_pattern = ["/1", "/2", "/3"]
host_header = ["a", "b", "c"]
action = { forward = "a" }
[[load_balancers.listeners.rules]]
priority = 12
path_pattern = ["/*/*/*"]
host_header = ["*.*.example.com", "?.example.com"]
action = { forward = "a" }
[[load_balancers.listeners.rules]]
priority = 13
path_pattern = ["/e"]
action = { forward = "a", redirect = 301 }
[[load_balancers.listeners.rules]]
priority = 14
http_request_method = ["get"]
source_ip = ["10.0.0.1"]
action = { forward = [{ target_group = "a", weight = 1000 }] }
"#,
    ));
    error_with_help_at(&e, (17, 12), "overlapping priorities: two rules of the listener on port 80 have priority 7");
    error_with_help_at(&e, (21, 12), "rule priority 0 is outside 1–50000");
    error_with_help_at(&e, (25, 12), "rule priority 50001 is outside 1–50000");
    error_with_help_at(&e, (29, 12), "a rule needs at least one condition");
    error_with_help_at(&e, (33, 16), "the path-pattern condition has 4 values; ELBv2 allows at most 3 per condition");
    // The host-header condition, written second, is the one that takes the rule past 5.
    error_with_help_at(&e, (38, 15), "at most 5 match evaluations per rule");
    error_with_help_at(&e, (43, 15), "wildcards (`*`, `?`); ELBv2 allows at most 5 per rule");
    error_with_help_at(&e, (48, 10), "exactly one of forward, fixed_response and redirect");
    error_with_help_at(&e, (51, 23), "\"get\" is not an HTTP method");
    error_with_help_at(&e, (52, 13), "\"10.0.0.1\" is not an IPv4 CIDR block");
    error_with_help_at(&e, (53, 54), "weight 1000 is outside 0–999");
    assert_eq!(e.len(), 11, "{e:#?}");
}

#[test]
fn health_check_and_attribute_limits_are_elbv2s() {
    let e = errors(&with_head(
        r#"[[target_groups]]
name = "a"
health_check = { interval = "10s", timeout = "10s" }
[[target_groups]]
name = "b"
health_check = { interval = "3s", timeout = "1s", healthy_threshold = 1, unhealthy_threshold = 11, matcher = "500" }
[[target_groups]]
name = "c"
health_check = { interval = "301s", matcher = "200-abc" }
deregistration_delay = "3601s"
slow_start = "10s"
[[target_groups]]
name = "d"
algorithm = "least_outstanding_requests"
slow_start = "30s"
[[target_groups]]
name = "e"
health_check = { interval = "7.5s" }
slow_start = "901s"
min_healthy_targets = 0
"#,
    ));
    error_with_help_at(&e, (7, 46), "the health-check interval (10s) must be longer than its timeout (10s)");
    error_with_help_at(&e, (10, 29), "health-check interval 3s is outside 5s–5m");
    error_with_help_at(&e, (10, 45), "health-check timeout 1s is outside 2s–2m");
    error_with_help_at(&e, (10, 71), "healthy_threshold 1 is outside 2–10");
    error_with_help_at(&e, (10, 96), "unhealthy_threshold 11 is outside 2–10");
    error_with_help_at(&e, (10, 110), "matcher \"500\": 500 is outside 200–499");
    error_with_help_at(&e, (13, 29), "health-check interval 5m1s is outside 5s–5m");
    error_with_help_at(&e, (13, 47), "matcher \"200-abc\": \"abc\" is not an HTTP status code");
    error_with_help_at(&e, (14, 24), "deregistration delay 1h1s is outside 0s–1h");
    error_with_help_at(&e, (15, 14), "slow start 10s is outside 30s–15m");
    error_with_help_at(&e, (19, 14), "slow start cannot be combined with least_outstanding_requests");
    error_with_help_at(&e, (22, 29), "health-check interval 7s500ms is not a whole number of seconds");
    error_with_help_at(&e, (23, 14), "slow start 15m1s is outside 30s–15m");
    error_with_help_at(&e, (24, 23), "min_healthy_targets 0 is outside");
    assert_eq!(e.len(), 14, "{e:#?}");
}

#[test]
fn names_zones_and_ports_must_be_unique_and_known() {
    let e = errors(&with_head(
        r#"[[target_groups]]
name = "a"
[[target_groups]]
name = "a"
[[target_groups]]
port = 80
[[load_balancers]]
name = "web"
zones = ["us-east-1a", "us-west-2a"]
[[load_balancers.listeners]]
port = 80
default_action = { forward = "a" }
[[load_balancers.listeners]]
port = 80
default_action = { fixed_response = 503 }
[[load_balancers.listeners]]
port = 8080
"#,
    ));
    error_with_help_at(&e, (8, 8), "target group \"a\" is defined twice");
    error_with_help_at(&e, (9, 1), "a target group without a name");
    error_with_help_at(&e, (13, 24), "zone \"us-west-2a\" is not one of the cluster's zones");
    error_with_help_at(&e, (18, 8), "load balancer \"web\" has two listeners on port 80");
    error_with_help_at(&e, (20, 1), "the listener on port 8080 has no default action");
    assert_eq!(e.len(), 5, "{e:#?}");
}

#[test]
fn errors_in_the_json_files_are_located_in_them() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
    write(
        "tgs.json",
        r#"{"TargetGroups": [
  {"TargetGroupName": "a", "HealthCheckIntervalSeconds": 5, "HealthCheckTimeoutSeconds": 5, "Matcher": {"HttpCode": "200-600"}},
  {"TargetGroupName": "b", "Protocol": "TCP", "TargetType": "lambda"}
]}"#,
    );
    write(
        "rules.json",
        r#"{"Rules": [
  {"Priority": "3", "Conditions": [{"Field": "path-pattern", "Values": ["/x"]}],
   "Actions": [{"Type": "forward", "TargetGroupArn": "arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/zz/1"}]},
  {"Priority": "3", "Conditions": [{"Field": "host-header", "Values": ["a", "b", "c", "d"]}],
   "Actions": [{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "302"}}]}
]}"#,
    );
    let scenario = dir.path().join("s.toml");
    let text = with_head(
        r#"[[target_groups]]
file = "tgs.json"
select = "a"
[[load_balancers]]
name = "web"
[[load_balancers.listeners]]
port = 80
rules_file = "rules.json"
default_action = { forward = "a" }
"#,
    );
    std::fs::write(&scenario, &text).unwrap();
    let d = scenario::load(&scenario).unwrap_err();
    let at = |file: &str| -> Vec<(usize, usize, String)> {
        d.errors().filter(|e| e.file.ends_with(file)).map(|e| (e.line, e.column, e.message.clone())).collect()
    };
    let tgs = at("tgs.json");
    let rules = at("rules.json");
    let has = |list: &[(usize, usize, String)], line, column, fragment: &str| {
        assert!(
            list.iter().any(|(l, c, m)| *l == line && *c == column && m.contains(fragment)),
            "{line}:{column} {fragment:?} in {list:#?}"
        )
    };
    has(&tgs, 2, 90, "the health-check interval (5s) must be longer than its timeout (5s)");
    has(&tgs, 2, 117, "matcher \"200-600\": 600 is outside 200–499");
    has(&tgs, 3, 40, "a TCP target group belongs to a Network or Gateway Load Balancer");
    has(&tgs, 3, 61, "target type \"lambda\" is not modelled");
    has(&rules, 3, 54, "no target group \"arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/zz/1\"");
    has(&rules, 4, 16, "overlapping priorities: priority 3 is also the priority of the rule on line 2");
    has(&rules, 4, 36, "the host-header condition has 4 values");
    has(&rules, 5, 81, "a fixed response of 302");
    assert_eq!(tgs.len() + rules.len(), 8, "{d}");
}

#[test]
fn ecsim_check_prints_the_load_balancer_diagnostics() {
    let bad = fixtures().join("bad-scenario.toml");
    let o = ecsim()
        .arg("check")
        .arg(&bad)
        .arg(fixtures().join("target-groups.json"))
        .arg(fixtures().join("tg-attributes.json"))
        .arg(fixtures().join("listeners.json"))
        .arg(fixtures().join("rules.json"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("bad-scenario.toml:21:12: error: overlapping priorities"), "{stderr}");
    assert!(stderr.contains("bad-scenario.toml:23:22: error: no target group \"web\""), "{stderr}");
    assert!(
        stderr.contains("bad-scenario.toml:9:46: error: the health-check interval (10s) must be longer than its timeout (30s)"),
        "{stderr}"
    );
    assert!(stderr.contains("= help: "), "{stderr}");
    // The ELBv2 JSON files check on their own, without errors (their target groups are not
    // known without a scenario, so references to them are not checked).
    assert!(stdout.contains("checked 5 file(s): 3 error(s) in 1 file(s)"), "{stdout}\n{stderr}");
    assert!(stderr.contains("rules.json:64:29: warning: authenticate-oidc actions are not modelled"), "{stderr}");
}

#[test]
fn files_must_say_which_entry_and_rules_must_not_collide_with_them() {
    let e = errors(&with_head(
        r#"[[target_groups]]
file = "target-groups.json"
[[target_groups]]
file = "target-groups.json"
select = "edgez"
"#,
    ));
    let d = error_with_help_at(&e, (6, 8), "target-groups.json holds 2 target groups");
    assert!(d.help.as_deref().unwrap().contains("add select = one of [\"cubebuster\", \"edges\"]"), "{d}");
    error_with_help_at(&e, (9, 10), "target-groups.json has no target group \"edgez\"");
    assert_eq!(e.len(), 2, "{e:#?}");

    let e = errors(&with_head(
        r#"[[target_groups]]
file = "target-groups.json"
select = "cubebuster"
[[target_groups]]
file = "target-groups.json"
select = "edges"
[[load_balancers]]
name = "web"
[[load_balancers.listeners]]
file = "listeners.json"
[[load_balancers.listeners]]
file = "listeners.json"
port = 8443
[[load_balancers.listeners]]
port = 80
rules_file = "rules.json"
default_action = { fixed_response = 404 }
[[load_balancers.listeners.rules]]
priority = 20
path_pattern = ["/x"]
action = { fixed_response = 503 }
"#,
    ));
    error_with_help_at(&e, (14, 8), "listeners.json holds 2 listeners");
    error_with_help_at(&e, (16, 8), "listeners.json has no listener on port 8443");
    error_with_help_at(&e, (23, 12), "overlapping priorities: priority 20 is also a rule of rules.json");
    assert_eq!(e.len(), 3, "{e:#?}");
}

#[test]
fn a_json_file_read_twice_reports_its_errors_once() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("l.json"), r#"{"Port": 80, "DefaultActions": [{"Type": "forward", "TargetGroupArn": "x"}]}"#).unwrap();
    let text = with_head(
        r#"[[load_balancers]]
name = "a"
[[load_balancers.listeners]]
file = "l.json"
[[load_balancers]]
name = "b"
[[load_balancers.listeners]]
file = "l.json"
"#,
    );
    let path = dir.path().join("s.toml");
    std::fs::write(&path, &text).unwrap();
    let d = scenario::load(&path).unwrap_err();
    let errors: Vec<&Diagnostic> = d.errors().collect();
    assert_eq!(errors.len(), 1, "{d}");
    assert_eq!((errors[0].line, errors[0].column), (1, 71));
}

//! The ELBv2 JSON importers on their own (`scenario::elbv2_json`): target groups, attributes,
//! listeners and rules read from describe-* output and create-* input, and where their
//! problems are located.

use ecsim::elb::config::{Algorithm, Condition, RuleAction, TargetGroupConfig, TargetType, WeightedTargetGroup};
use ecsim::engine::Span;
use ecsim::scenario::elbv2_json::{load_listeners, load_rules, load_target_group_attributes, load_target_groups};
use std::path::Path;

fn tgs() -> Vec<TargetGroupConfig> {
    let mut a = TargetGroupConfig::with_defaults("api");
    a.arn = "arn:aws:elasticloadbalancing:us-east-1:111122223333:targetgroup/api/1".into();
    vec![a, TargetGroupConfig::with_defaults("web")]
}

#[test]
fn a_create_target_group_input_reads_with_defaults() {
    let text = r#"{"Name": "api", "Protocol": "HTTP", "Port": 8080, "VpcId": "vpc-1", "TargetType": "ip",
        "HealthCheckIntervalSeconds": 10, "Matcher": {"HttpCode": "200-399"}}"#;
    let (list, w) = load_target_groups(Path::new("tg.json"), text).unwrap();
    assert!(w.is_empty(), "{w}");
    let tg = &list[0];
    assert_eq!((tg.name.as_str(), tg.port, tg.target_type), ("api", 8080, TargetType::Ip));
    assert_eq!(tg.health_check.interval, Span::from_secs(10));
    assert_eq!(tg.health_check.timeout, Span::from_secs(5));
    assert!(tg.health_check.matcher.matches(302));
    assert_eq!(tg.deregistration_delay, Span::from_secs(300));
}

#[test]
fn input_typos_are_errors_and_the_api_is_named() {
    let e = load_target_groups(Path::new("tg.json"), "{\"Name\": \"a\",\n \"Prot\": \"HTTP\"}").unwrap_err();
    let d = e.errors().next().unwrap();
    assert!(d.message.contains("not part of the ELBv2 API"), "{d}");
    assert_eq!((d.line, d.column), (2, 2));
}

#[test]
fn attributes_read_and_unknown_keys_only_warn() {
    let text = r#"{"Attributes": [
  {"Key": "deregistration_delay.timeout_seconds", "Value": "30"},
  {"Key": "load_balancing.algorithm.type", "Value": "least_outstanding_requests"},
  {"Key": "stickiness.enabled", "Value": "false"},
  {"Key": "stickiness.type", "Value": "lb_cookie"},
  {"Key": "load_balancing.cross_zone.enabled", "Value": "false"},
  {"Key": "some.future.attribute", "Value": "x"}
]}"#;
    let (a, w) = load_target_group_attributes(Path::new("attrs.json"), text).unwrap();
    assert_eq!(a.deregistration_delay, Some(Span::from_secs(30)));
    assert_eq!(a.algorithm, Some(Algorithm::LeastOutstandingRequests));
    assert_eq!(a.cross_zone, Some(Some(false)));
    assert_eq!(w.0.len(), 1, "{w}");
    assert_eq!(w.0[0].line, 7);
    assert!(w.0[0].message.contains("unknown attribute some.future.attribute"));
}

#[test]
fn an_out_of_range_attribute_names_the_attribute_and_shows_seconds() {
    let text = r#"{"Attributes": [{"Key": "slow_start.duration_seconds", "Value": "10"}]}"#;
    let e = load_target_group_attributes(Path::new("attrs.json"), text).unwrap_err();
    let d = e.errors().next().unwrap();
    assert_eq!(d.message, "slow_start.duration_seconds 10s is outside 30s–15m");
    assert_eq!(d.help.as_deref(), Some("use 0 (off) or 30 to 900 seconds"));
}

#[test]
fn slow_start_with_least_outstanding_requests_is_refused() {
    let text = r#"{"Attributes": [
  {"Key": "load_balancing.algorithm.type", "Value": "least_outstanding_requests"},
  {"Key": "slow_start.duration_seconds", "Value": "60"}]}"#;
    let e = load_target_group_attributes(Path::new("attrs.json"), text).unwrap_err();
    let d = e.errors().next().unwrap();
    assert!(d.message.contains("least_outstanding_requests"));
    assert_eq!(d.line, 3);
}

#[test]
fn listener_actions_resolve_arns_and_names() {
    let text = r#"{"Listeners": [{"Port": 80, "Protocol": "HTTP", "DefaultActions": [
        {"Type": "forward", "ForwardConfig": {"TargetGroups": [
            {"TargetGroupArn": "arn:aws:elasticloadbalancing:us-east-1:111122223333:targetgroup/api/1", "Weight": 10},
            {"TargetGroupArn": "web", "Weight": 20}]}}]}]}"#;
    let (l, _) = load_listeners(Path::new("l.json"), text, &tgs()).unwrap();
    assert_eq!(
        l[0].default_action,
        RuleAction::Forward(vec![WeightedTargetGroup { target_group: 0, weight: 10 }, WeightedTargetGroup { target_group: 1, weight: 20 }])
    );
}

#[test]
fn the_terminal_action_must_come_last() {
    let text = r#"{"Port": 443, "Protocol": "HTTPS", "DefaultActions": [
  {"Type": "fixed-response", "Order": 2, "FixedResponseConfig": {"StatusCode": "404"}},
  {"Type": "authenticate-oidc", "Order": 3, "AuthenticateOidcConfig": {}}]}"#;
    let e = load_listeners(Path::new("l.json"), text, &tgs()).unwrap_err();
    assert!(e.errors().any(|d| d.message.contains("not performed last") && d.line == 2), "{e}");
    let ok = text.replace("\"Order\": 3", "\"Order\": 1");
    let (l, w) = load_listeners(Path::new("l.json"), &ok, &tgs()).unwrap();
    assert_eq!(l[0].default_action, RuleAction::FixedResponse { status_code: 404 });
    assert!(w.0[0].message.contains("authenticate-oidc actions are not modelled"));
}

#[test]
fn rules_read_both_condition_forms_and_sort_by_priority() {
    let text = r#"{"Rules": [
  {"Priority": "20", "IsDefault": false, "Conditions": [{"Field": "host-header", "Values": ["*.example.com"]}],
   "Actions": [{"Type": "forward", "TargetGroupArn": "web"}]},
  {"Priority": "10", "IsDefault": false, "Conditions": [{"Field": "path-pattern", "PathPatternConfig": {"Values": ["/api/*"]}},
 {"Field": "http-header", "HttpHeaderConfig": {"HttpHeaderName": "X-Canary", "Values": ["1"]}},
 {"Field": "query-string", "QueryStringConfig": {"Values": [{"Value": "beta"}]}}],
   "Actions": [{"Type": "redirect", "RedirectConfig": {"StatusCode": "HTTP_302"}}]},
  {"Priority": "default", "IsDefault": true, "Conditions": [], "Actions": [{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "503"}}]}
]}"#;
    let (r, w) = load_rules(Path::new("rules.json"), text, &tgs()).unwrap();
    assert!(w.is_empty(), "{w}");
    assert_eq!(r.rules.iter().map(|r| r.priority).collect::<Vec<_>>(), vec![10, 20]);
    assert_eq!(r.rules[0].conditions.len(), 3);
    assert_eq!(r.rules[0].conditions[2], Condition::QueryString(vec![(None, "beta".into())]));
    assert_eq!(r.rules[0].action, RuleAction::Redirect { status_code: 302 });
    assert_eq!(r.default_action, Some(RuleAction::FixedResponse { status_code: 503 }));
}

#[test]
fn rule_problems_are_located_in_the_file() {
    let text = r#"{"Rules": [
  {"Priority": "10", "Conditions": [{"Field": "path-pattern", "Values": ["/a"]}], "Actions": [{"Type": "forward", "TargetGroupArn": "nope"}]},
  {"Priority": "10", "Conditions": [{"Field": "path-pattern", "Values": ["/b"]}], "Actions": [{"Type": "forward", "TargetGroupArn": "web"}]},
  {"Priority": "11", "Conditions": [], "Actions": [{"Type": "forward", "TargetGroupArn": "web"}]},
  {"Priority": "12", "Conditions": [{"Field": "path-pattern", "PathPatternConfig": {"RegexValues": ["^/a"]}}], "Actions": []}
]}"#;
    let e = load_rules(Path::new("rules.json"), text, &tgs()).unwrap_err();
    let lines: Vec<(usize, &str)> = e.errors().map(|d| (d.line, d.message.as_str())).collect();
    assert!(lines.iter().any(|(l, m)| *l == 2 && m.contains("no target group \"nope\"")), "{e}");
    assert!(lines.iter().any(|(l, m)| *l == 3 && m.contains("overlapping priorities")), "{e}");
    assert!(lines.iter().any(|(l, m)| *l == 4 && m.contains("at least one condition")), "{e}");
    assert!(lines.iter().any(|(l, m)| *l == 5 && m.contains("regular-expression")), "{e}");
}

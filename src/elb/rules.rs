//! Listener rule evaluation (docs/ecs-model.md#listener-rules): which rule of a listener a request matches, and which
//! target group a weighted `forward` sends it to. Also the rule limits both scenario readers
//! (TOML and the ELBv2 JSON) enforce, so the two report the same problems in the same words.
//!
//! Matching allocates nothing: patterns are compared character by character, query strings and
//! CIDR blocks are parsed in place. That matters because the simulation evaluates the rules once
//! per request.

use super::config::{Condition, ListenerConfig, RuleAction, WeightedTargetGroup};
use std::net::Ipv4Addr;
use std::ops::RangeInclusive;

/// `Priority` of a non-default rule (docs/ecs-model.md#alb-settings).
pub const PRIORITY_RANGE: RangeInclusive<u32> = 1..=50_000;
/// Values (match evaluations) of one condition (docs/ecs-model.md#listener-rules step 2).
pub const MAX_VALUES_PER_CONDITION: usize = 3;
/// Match evaluations of all the conditions of a rule together (docs/ecs-model.md#listener-rules step 2).
pub const MAX_VALUES_PER_RULE: usize = 5;
/// `*` and `?` in all the patterns of a rule together (docs/ecs-model.md#listener-rules step 2).
pub const MAX_WILDCARDS_PER_RULE: usize = 5;
/// Weight of one target group of a `forward` (docs/ecs-model.md#listener-rules step 4).
pub const WEIGHT_RANGE: RangeInclusive<u32> = 0..=999;

/// The parts of an HTTP request the rules look at.
#[derive(Debug, Clone, Copy)]
pub struct HttpRequest<'a> {
    pub method: &'a str,
    /// The Host header without its port.
    pub host: &'a str,
    /// The path without the query string.
    pub path: &'a str,
    /// The query string without the leading `?` (`a=1&b=2`), as sent (not percent-decoded).
    pub query: &'a str,
    pub headers: &'a [(&'a str, &'a str)],
    /// The client address; `None` never matches a `source-ip` condition.
    pub source_ip: Option<Ipv4Addr>,
}

/// Whole-string match of `text` against `pattern`, where `*` matches any run of characters
/// (including none) and `?` exactly one character; nothing can be escaped (ELBv2 patterns have
/// no escape). Iterative with backtracking to the last `*` only, so the cost is at most
/// `pattern.len() × text.len()` steps, never exponential.
pub fn wildcard_match(pattern: &str, text: &str, case_insensitive: bool) -> bool {
    let (mut p, mut t) = (0usize, 0usize);
    // After a `*`: where the pattern resumes and how much of the text the star has taken.
    let mut star: Option<(usize, usize)> = None;
    while let Some(tc) = text[t..].chars().next() {
        if let Some(pc) = pattern[p..].chars().next() {
            if pc == '*' {
                p += 1;
                star = Some((p, t));
                continue;
            }
            if pc == '?' || same_char(pc, tc, case_insensitive) {
                p += pc.len_utf8();
                t += tc.len_utf8();
                continue;
            }
        }
        // Mismatch: let the last star take one more character and retry from there.
        let Some((resume, taken)) = star else {
            return false;
        };
        let next = taken + text[taken..].chars().next().map_or(1, char::len_utf8);
        star = Some((resume, next));
        p = resume;
        t = next;
    }
    pattern[p..].chars().all(|c| c == '*')
}

fn same_char(a: char, b: char, case_insensitive: bool) -> bool {
    a == b || (case_insensitive && (a.eq_ignore_ascii_case(&b) || (!a.is_ascii() && a.to_lowercase().eq(b.to_lowercase()))))
}

/// Does one condition hold for `req`? (Its values are alternatives, docs/ecs-model.md#listener-rules step 2.)
pub fn condition_matches(c: &Condition, req: &HttpRequest) -> bool {
    match c {
        Condition::HostHeader(patterns) => patterns.iter().any(|p| wildcard_match(p, req.host, true)),
        Condition::PathPattern(patterns) => patterns.iter().any(|p| wildcard_match(p, req.path, false)),
        Condition::HttpRequestMethod(methods) => methods.iter().any(|m| m == req.method),
        Condition::HttpHeader { name, values } => {
            req.headers.iter().filter(|(n, _)| n.eq_ignore_ascii_case(name)).any(|(_, v)| values.iter().any(|p| wildcard_match(p, v, true)))
        }
        Condition::QueryString(pairs) => query_pairs(req.query).any(|(key, value)| {
            pairs.iter().any(|(k, v)| k.as_deref().is_none_or(|k| wildcard_match(k, key, true)) && wildcard_match(v, value, true))
        }),
        Condition::SourceIp(blocks) => {
            req.source_ip.is_some_and(|ip| blocks.iter().any(|b| parse_cidr(b).is_some_and(|(net, len)| cidr_contains(net, len, ip))))
        }
    }
}

/// The `key=value` pairs of a query string (`a=1&b&c=3` → (a,1), (b,""), (c,3)).
fn query_pairs(query: &str) -> impl Iterator<Item = (&str, &str)> {
    query.split('&').filter(|p| !p.is_empty()).map(|p| p.split_once('=').unwrap_or((p, "")))
}

/// The first rule, in ascending priority, whose conditions all hold, and its action; the
/// default action (priority `None`) when none does (docs/ecs-model.md#listener-rules step 1).
pub fn evaluate<'l>(listener: &'l ListenerConfig, req: &HttpRequest) -> (Option<u32>, &'l RuleAction) {
    listener
        .rules
        .iter()
        .find(|r| r.conditions.iter().all(|c| condition_matches(c, req)))
        .map_or((None, &listener.default_action), |r| (Some(r.priority), &r.action))
}

/// Which target group of a weighted `forward` gets a request, given a uniform draw `u` in
/// [0, 1): each group's share is its weight over the total (docs/ecs-model.md#listener-rules step 4: 10/20 → 1/3 vs
/// 2/3). `None` when every weight is 0 (or the list is empty).
pub fn split_by_weight(targets: &[WeightedTargetGroup], u: f64) -> Option<usize> {
    let total: u64 = targets.iter().map(|t| u64::from(t.weight)).sum();
    if total == 0 {
        return None;
    }
    let x = u.clamp(0.0, 1.0) * total as f64;
    let mut upto = 0u64;
    for (i, t) in targets.iter().enumerate() {
        upto += u64::from(t.weight);
        if t.weight > 0 && x < upto as f64 {
            return Some(i);
        }
    }
    // Only reached for u = 1.0 (or rounding at the very top): the last group with a weight.
    targets.iter().rposition(|t| t.weight > 0)
}

/// `a.b.c.d/n` → (network, prefix length). IPv4 only; the prefix is required, as in ELBv2.
pub fn parse_cidr(s: &str) -> Option<(Ipv4Addr, u8)> {
    let (addr, len) = s.split_once('/')?;
    let len: u8 = len.parse().ok().filter(|l| *l <= 32)?;
    Some((addr.parse().ok()?, len))
}

fn cidr_contains(net: Ipv4Addr, len: u8, ip: Ipv4Addr) -> bool {
    let mask = if len == 0 { 0 } else { u32::MAX << (32 - u32::from(len)) };
    u32::from(net) & mask == u32::from(ip) & mask
}

/// The ELBv2 name of a condition's field (`path-pattern`, …).
pub fn field_name(c: &Condition) -> &'static str {
    match c {
        Condition::HostHeader(_) => "host-header",
        Condition::PathPattern(_) => "path-pattern",
        Condition::HttpRequestMethod(_) => "http-request-method",
        Condition::HttpHeader { .. } => "http-header",
        Condition::QueryString(_) => "query-string",
        Condition::SourceIp(_) => "source-ip",
    }
}

/// How many values (match evaluations) a condition has.
fn value_count(c: &Condition) -> usize {
    match c {
        Condition::HostHeader(v) | Condition::PathPattern(v) | Condition::HttpRequestMethod(v) | Condition::SourceIp(v) => v.len(),
        Condition::HttpHeader { values, .. } => values.len(),
        Condition::QueryString(pairs) => pairs.len(),
    }
}

/// `*` and `?` in a condition's patterns (methods and CIDR blocks have none).
fn wildcard_count(c: &Condition) -> usize {
    let count = |s: &str| s.chars().filter(|c| matches!(c, '*' | '?')).count();
    match c {
        Condition::HostHeader(v) | Condition::PathPattern(v) => v.iter().map(|s| count(s)).sum(),
        Condition::HttpHeader { values, .. } => values.iter().map(|s| count(s)).sum(),
        Condition::QueryString(pairs) => pairs.iter().map(|(k, v)| k.as_deref().map_or(0, count) + count(v)).sum(),
        Condition::HttpRequestMethod(_) | Condition::SourceIp(_) => 0,
    }
}

/// Something ELBv2 would refuse in a rule's conditions (docs/ecs-model.md#listener-rules step 2). `condition` is the
/// index of the condition it is about (for the reader to locate), `None` for the whole rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleProblem {
    pub condition: Option<usize>,
    pub message: String,
    pub help: String,
}

/// Every limit of docs/ecs-model.md#listener-rules step 2 the `conditions` of one rule break, in condition order.
pub fn check_conditions(conditions: &[Condition]) -> Vec<RuleProblem> {
    let mut out = Vec::new();
    if conditions.is_empty() {
        out.push(RuleProblem {
            condition: None,
            message: "a rule needs at least one condition".into(),
            help: "add a condition (path_pattern, host_header, …), or make this the listener's default action".into(),
        });
    }
    let (mut values, mut wildcards) = (0usize, 0usize);
    for (i, c) in conditions.iter().enumerate() {
        let field = field_name(c);
        let problem = |message: String, help: &str| RuleProblem { condition: Some(i), message, help: help.to_string() };
        let once =
            matches!(c, Condition::HostHeader(_) | Condition::PathPattern(_) | Condition::HttpRequestMethod(_) | Condition::SourceIp(_));
        if once && conditions[..i].iter().any(|o| field_name(o) == field) {
            out.push(problem(format!("a second {field} condition"), "a rule takes at most one each of host-header, http-request-method, path-pattern and source-ip; put the values in one condition"));
        }
        let n = value_count(c);
        if n == 0 {
            out.push(problem(format!("the {field} condition has no values"), "give at least one value"));
        } else if n > MAX_VALUES_PER_CONDITION {
            out.push(problem(
                format!("the {field} condition has {n} values; ELBv2 allows at most {MAX_VALUES_PER_CONDITION} per condition"),
                "split the values over several rules",
            ));
        }
        let before = values;
        values += n;
        if before <= MAX_VALUES_PER_RULE && values > MAX_VALUES_PER_RULE {
            out.push(problem(
                format!("this rule has {values} or more condition values; ELBv2 allows at most {MAX_VALUES_PER_RULE} match evaluations per rule"),
                "split the values over several rules",
            ));
        }
        let before = wildcards;
        wildcards += wildcard_count(c);
        if before <= MAX_WILDCARDS_PER_RULE && wildcards > MAX_WILDCARDS_PER_RULE {
            out.push(problem(
                format!("this rule has {wildcards} or more wildcards (`*`, `?`); ELBv2 allows at most {MAX_WILDCARDS_PER_RULE} per rule"),
                "use fewer wildcards, or split the patterns over several rules",
            ));
        }
        match c {
            Condition::HttpRequestMethod(methods) => {
                for m in methods
                    .iter()
                    .filter(|m| m.is_empty() || m.len() > 40 || !m.chars().all(|c| c.is_ascii_uppercase() || c == '-' || c == '_'))
                {
                    out.push(problem(
                        format!("{m:?} is not an HTTP method ELBv2 accepts"),
                        "methods are matched case-sensitively: write them in capitals (A–Z, - and _), e.g. \"GET\"",
                    ));
                }
            }
            Condition::SourceIp(blocks) => {
                for b in blocks.iter().filter(|b| parse_cidr(b).is_none()) {
                    out.push(problem(
                        format!("{b:?} is not an IPv4 CIDR block"),
                        "write a block such as \"10.0.0.0/8\" or \"203.0.113.7/32\"",
                    ));
                }
            }
            Condition::HttpHeader { name, .. } if name.is_empty() || name.len() > 40 => {
                out.push(problem(format!("{name:?} is not a header name ELBv2 accepts"), "give a header name of 1–40 characters"));
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::elb::config::{ListenerProtocol, RuleConfig};

    fn get<'a>(host: &'a str, path: &'a str) -> HttpRequest<'a> {
        HttpRequest { method: "GET", host, path, query: "", headers: &[], source_ip: None }
    }

    fn forward(tg: usize) -> RuleAction {
        RuleAction::Forward(vec![WeightedTargetGroup { target_group: tg, weight: 1 }])
    }

    const TG_API: usize = 0;
    const TG_WEB: usize = 1;
    const TG_DEFAULT: usize = 2;

    /// docs/ecs-model.md#example-listener-rules: HTTP:80, priority 10 `path-pattern ["/api/*"]` → tg-api, priority 20
    /// `host-header ["*.example.com"]` → tg-web, default → tg-default.
    fn listener_rules_example() -> ListenerConfig {
        ListenerConfig {
            port: 80,
            protocol: ListenerProtocol::Http,
            rules: vec![
                RuleConfig { priority: 10, conditions: vec![Condition::PathPattern(vec!["/api/*".into()])], action: forward(TG_API) },
                RuleConfig { priority: 20, conditions: vec![Condition::HostHeader(vec!["*.example.com".into()])], action: forward(TG_WEB) },
            ],
            default_action: forward(TG_DEFAULT),
        }
    }

    #[test]
    fn listener_rules_example_the_first_matching_rule_in_priority_order_wins() {
        let l = listener_rules_example();
        // Priority 10 is evaluated first.
        assert_eq!(evaluate(&l, &get("a.example.com", "/api/users")), (Some(10), &forward(TG_API)));
        assert_eq!(evaluate(&l, &get("a.example.com", "/img/x.png")), (Some(20), &forward(TG_WEB)));
        // `*.example.com` needs a subdomain.
        assert_eq!(evaluate(&l, &get("example.com", "/img/x.png")), (None, &forward(TG_DEFAULT)));
        // The host match is case-insensitive, the path match case-sensitive: `/API/` fails
        // priority 10.
        assert_eq!(evaluate(&l, &get("A.EXAMPLE.COM", "/API/users")), (Some(20), &forward(TG_WEB)));
    }

    #[test]
    fn patterns_match_the_whole_string() {
        assert!(wildcard_match("/img/*", "/img/a.jpg", false));
        assert!(!wildcard_match("/img/*", "/img", false));
        assert!(wildcard_match("/img/*", "/img/", false));
        assert!(wildcard_match("*.example.com", "test.example.com", true));
        assert!(!wildcard_match("*.example.com", "example.com", true));
        assert!(!wildcard_match("/api", "/api/users", false));
        assert!(wildcard_match("*", "", false));
        assert!(wildcard_match("", "", false));
        assert!(!wildcard_match("", "a", false));
    }

    #[test]
    fn a_question_mark_is_exactly_one_character() {
        assert!(wildcard_match("/v?/items", "/v1/items", false));
        assert!(!wildcard_match("/v?/items", "/v/items", false));
        assert!(!wildcard_match("/v?/items", "/v10/items", false));
        // One character, not one byte.
        assert!(wildcard_match("caf?", "café", false));
        assert!(wildcard_match("?*?", "ab", false));
        assert!(!wildcard_match("?*?", "a", false));
    }

    #[test]
    fn case_only_matters_where_the_spec_says() {
        assert!(wildcard_match("API.Example.COM", "api.example.com", true));
        assert!(!wildcard_match("/API/*", "/api/x", false));
        assert!(wildcard_match("ÉTÉ", "été", true));
    }

    #[test]
    fn backtracking_stays_polynomial() {
        // A pattern that makes naive recursion exponential: many stars and a failing tail.
        let pattern = "*a*a*a*a*a*a*a*a*a*a*b";
        let text = "a".repeat(2000);
        assert!(!wildcard_match(pattern, &text, false));
        assert!(wildcard_match("*a*a*b", "xxaxxaxxb", false));
        assert!(wildcard_match("a*b*c", "abxbc", false));
    }

    #[test]
    fn the_query_string_is_matched_by_pairs() {
        let c = Condition::QueryString(vec![(Some("version".into()), "v2*".into()), (None, "beta".into())]);
        let req = |query| HttpRequest { query, ..get("h", "/") };
        assert!(condition_matches(&c, &req("a=1&VERSION=V2.1")));
        assert!(condition_matches(&c, &req("anything=beta")));
        assert!(!condition_matches(&c, &req("version=v1&x=gamma")));
        assert!(!condition_matches(&c, &req("")));
        // The path never includes the query string: a path pattern does not see it.
        let p = Condition::PathPattern(vec!["/search".into()]);
        assert!(condition_matches(&p, &HttpRequest { query: "q=x", ..get("h", "/search") }));
    }

    #[test]
    fn source_ip_matches_cidr_blocks() {
        let c = Condition::SourceIp(vec!["10.0.0.0/8".into(), "192.0.2.7/32".into()]);
        let from = |ip: Option<Ipv4Addr>| HttpRequest { source_ip: ip, ..get("h", "/") };
        assert!(condition_matches(&c, &from(Some(Ipv4Addr::new(10, 200, 3, 4)))));
        assert!(condition_matches(&c, &from(Some(Ipv4Addr::new(192, 0, 2, 7)))));
        assert!(!condition_matches(&c, &from(Some(Ipv4Addr::new(192, 0, 2, 8)))));
        assert!(!condition_matches(&c, &from(Some(Ipv4Addr::new(11, 0, 0, 1)))));
        assert!(!condition_matches(&c, &from(None)));
        assert!(condition_matches(&Condition::SourceIp(vec!["0.0.0.0/0".into()]), &from(Some(Ipv4Addr::new(1, 2, 3, 4)))));
        assert_eq!(parse_cidr("10.0.0.0"), None);
        assert_eq!(parse_cidr("10.0.0.0/33"), None);
    }

    #[test]
    fn methods_are_exact_and_headers_match_by_name_then_value() {
        let post = HttpRequest { method: "POST", ..get("h", "/") };
        assert!(condition_matches(&Condition::HttpRequestMethod(vec!["GET".into(), "POST".into()]), &post));
        assert!(!condition_matches(&Condition::HttpRequestMethod(vec!["post".into()]), &post));
        let headers = [("x-canary", "On"), ("User-Agent", "curl/8.4")];
        let req = HttpRequest { headers: &headers, ..get("h", "/") };
        assert!(condition_matches(&Condition::HttpHeader { name: "X-Canary".into(), values: vec!["on".into()] }, &req));
        assert!(condition_matches(&Condition::HttpHeader { name: "user-agent".into(), values: vec!["curl/*".into()] }, &req));
        assert!(!condition_matches(&Condition::HttpHeader { name: "X-Other".into(), values: vec!["*".into()] }, &req));
    }

    #[test]
    fn all_conditions_of_a_rule_must_hold() {
        let mut l = listener_rules_example();
        l.rules[0].conditions.push(Condition::HttpRequestMethod(vec!["POST".into()]));
        assert_eq!(evaluate(&l, &get("x.org", "/api/users")).0, None);
        assert_eq!(evaluate(&l, &HttpRequest { method: "POST", ..get("x.org", "/api/users") }).0, Some(10));
    }

    #[test]
    fn weights_split_requests_in_proportion() {
        let tgs = [WeightedTargetGroup { target_group: 7, weight: 10 }, WeightedTargetGroup { target_group: 8, weight: 20 }];
        // 10/20: [0, 1/3) → the first, [1/3, 1) → the second.
        assert_eq!(split_by_weight(&tgs, 0.0), Some(0));
        assert_eq!(split_by_weight(&tgs, 0.333), Some(0));
        assert_eq!(split_by_weight(&tgs, 0.334), Some(1));
        assert_eq!(split_by_weight(&tgs, 0.999_999), Some(1));
        assert_eq!(split_by_weight(&tgs, 1.0), Some(1));
        let n = 30_000;
        let first = (0..n).filter(|i| split_by_weight(&tgs, (*i as f64 + 0.5) / n as f64) == Some(0)).count();
        assert_eq!(first, n / 3);
        // A weight of 0 gets nothing; all 0 → None.
        let zero_first = [WeightedTargetGroup { target_group: 0, weight: 0 }, WeightedTargetGroup { target_group: 1, weight: 5 }];
        assert_eq!(split_by_weight(&zero_first, 0.0), Some(1));
        let zero_last = [WeightedTargetGroup { target_group: 0, weight: 5 }, WeightedTargetGroup { target_group: 1, weight: 0 }];
        assert_eq!(split_by_weight(&zero_last, 1.0), Some(0));
        let none = [WeightedTargetGroup { target_group: 0, weight: 0 }, WeightedTargetGroup { target_group: 1, weight: 0 }];
        assert_eq!(split_by_weight(&none, 0.5), None);
        assert_eq!(split_by_weight(&[], 0.5), None);
    }

    #[test]
    fn rule_limits_name_the_condition_at_fault() {
        let p = |v: &[&str]| Condition::PathPattern(v.iter().map(|s| s.to_string()).collect());
        assert_eq!(check_conditions(&[]).len(), 1);
        assert!(check_conditions(&[p(&["/a", "/b", "/c"])]).is_empty());
        let four = check_conditions(&[p(&["/a", "/b", "/c", "/d"])]);
        assert_eq!(four[0].condition, Some(0));
        assert!(four[0].message.contains("at most 3 per condition"), "{}", four[0].message);
        let six = check_conditions(&[p(&["/a", "/b", "/c"]), Condition::HostHeader(vec!["a".into(), "b".into(), "c".into()])]);
        assert_eq!(six.len(), 1);
        assert_eq!(six[0].condition, Some(1));
        assert!(six[0].message.contains("5 match evaluations per rule"));
        let stars = check_conditions(&[p(&["/*/*/*"]), Condition::HostHeader(vec!["*.*.*".into()])]);
        assert_eq!(stars.len(), 1);
        assert!(stars[0].message.contains("wildcards"));
        assert!(check_conditions(&[p(&["/*/*/*"]), Condition::HostHeader(vec!["*.*".into()])]).is_empty());
        let twice = check_conditions(&[p(&["/a"]), p(&["/b"])]);
        assert!(twice[0].message.contains("second path-pattern"));
        assert_eq!(check_conditions(&[Condition::HttpRequestMethod(vec!["get".into()])]).len(), 1);
        assert_eq!(check_conditions(&[Condition::SourceIp(vec!["10.0.0.1".into()])]).len(), 1);
        // Any number of http-header conditions.
        let h = || Condition::HttpHeader { name: "X".into(), values: vec!["1".into()] };
        assert!(check_conditions(&[h(), h(), h()]).is_empty());
    }
}

//! The `[[target_groups]]` and `[[load_balancers]]` tables of a scenario as written, before
//! validation (`load_elb` checks them against ELBv2's limits and resolves names). As in
//! `toml_model`, every table denies unknown keys, and values a later check must point at carry
//! their span. `docs/scenarios.md` ("Load balancers and target groups") documents every key.

use crate::engine::Span;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use std::fmt;
use std::marker::PhantomData;
use toml::Spanned;

/// A `[[target_groups]]` entry. Spanned (from its `[[target_groups]]` header) so that an entry
/// without a name can be pointed at.
pub type RawTargetGroup = Spanned<TargetGroupTable>;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetGroupTable {
    /// What rules refer to; required unless `file` gives it (then this renames it).
    pub name: Option<Spanned<String>>,
    /// The ARN rules and JSON files may refer to it by (default: the file's, or one made up
    /// from the name).
    pub arn: Option<Spanned<String>>,
    /// describe-target-groups output or create-target-group input (ELBv2 JSON).
    pub file: Option<Spanned<String>>,
    /// Which `TargetGroupName` of `file` (needed when it holds several).
    pub select: Option<Spanned<String>>,
    /// describe-target-group-attributes output or modify-target-group-attributes input.
    pub attributes_file: Option<Spanned<String>>,
    /// "instance" or "ip".
    pub target_type: Option<Spanned<String>>,
    pub port: Option<Spanned<i64>>,
    pub health_check: Option<RawTargetHealthCheck>,
    pub deregistration_delay: Option<Spanned<Span>>,
    /// "round_robin", "least_outstanding_requests" or "weighted_random".
    pub algorithm: Option<Spanned<String>>,
    /// Omitted: the load balancer's setting (on).
    pub cross_zone: Option<bool>,
    /// 0 (off) or 30 s–900 s.
    pub slow_start: Option<Spanned<Span>>,
    pub min_healthy_targets: Option<Spanned<i64>>,
}

/// A target group's health check; omitted keys keep the file's value or ELBv2's default.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTargetHealthCheck {
    pub path: Option<Spanned<String>>,
    pub interval: Option<Spanned<Span>>,
    pub timeout: Option<Spanned<Span>>,
    pub healthy_threshold: Option<Spanned<i64>>,
    pub unhealthy_threshold: Option<Spanned<i64>>,
    /// `Matcher.HttpCode`: "200", "200,202", "200-299".
    pub matcher: Option<Spanned<String>>,
    /// "one" (default) or "threshold": what makes a new target healthy (docs/ecs-model.md#choice-first-health-check).
    pub initial: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLoadBalancer {
    pub name: Spanned<String>,
    /// Enabled zones; default: the cluster's.
    pub zones: Option<Vec<Spanned<String>>>,
    /// `idle_timeout.timeout_seconds` (default 60 s).
    pub idle_timeout: Option<Spanned<Span>>,
    #[serde(default)]
    pub listeners: Vec<Spanned<RawListener>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawListener {
    /// Required unless `file` holds exactly one listener.
    pub port: Option<Spanned<i64>>,
    /// "HTTP" (default) or "HTTPS".
    pub protocol: Option<Spanned<String>>,
    pub default_action: Option<Spanned<RawRuleAction>>,
    /// describe-listeners output or create-listener input: the port's `DefaultActions`.
    pub file: Option<Spanned<String>>,
    /// describe-rules output (including the default rule) or create-rule input.
    pub rules_file: Option<Spanned<String>>,
    #[serde(default)]
    pub rules: Vec<Spanned<RawRule>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRule {
    pub priority: Spanned<i64>,
    pub path_pattern: Option<Spanned<Vec<String>>>,
    pub host_header: Option<Spanned<Vec<String>>>,
    pub http_request_method: Option<Spanned<Vec<String>>>,
    pub query_string: Option<Spanned<Vec<RawQueryPair>>>,
    /// One `{ name, values }` table, or a list of them (any number of http-header conditions).
    pub http_header: Option<Spanned<OneOrMany<RawHttpHeader>>>,
    pub source_ip: Option<Spanned<Vec<String>>>,
    pub action: Spanned<RawRuleAction>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawQueryPair {
    /// Omitted: any key.
    pub key: Option<String>,
    pub value: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawHttpHeader {
    pub name: String,
    pub values: Vec<String>,
}

/// A rule's terminal action: exactly one of the three keys (checked by `load_elb`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRuleAction {
    pub forward: Option<Spanned<RawForward>>,
    pub fixed_response: Option<Spanned<i64>>,
    pub redirect: Option<Spanned<i64>>,
}

/// `forward = "name"` or `forward = [{ target_group = "a", weight = 10 }, …]`.
#[derive(Debug)]
pub enum RawForward {
    One(String),
    Weighted(Vec<Spanned<RawWeightedTarget>>),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWeightedTarget {
    /// A target group name or ARN.
    pub target_group: Spanned<String>,
    /// 0–999 (default 1).
    pub weight: Option<Spanned<i64>>,
}

// A hand-written visitor rather than `#[serde(untagged)]`: untagged buffers the value, which
// loses the spans the elements need.
impl<'de> Deserialize<'de> for RawForward {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawForward;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a target group name, or a list of { target_group = \"…\", weight = N }")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawForward, E> {
                Ok(RawForward::One(v.to_string()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RawForward, A::Error> {
                let mut out = Vec::new();
                while let Some(t) = seq.next_element()? {
                    out.push(t);
                }
                Ok(RawForward::Weighted(out))
            }
        }
        d.deserialize_any(V)
    }
}

/// One table or a list of tables.
#[derive(Debug)]
pub struct OneOrMany<T>(pub Vec<T>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for OneOrMany<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = OneOrMany<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a table or a list of tables")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<OneOrMany<T>, A::Error> {
                Ok(OneOrMany(vec![T::deserialize(de::value::MapAccessDeserializer::new(map))?]))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<OneOrMany<T>, A::Error> {
                let mut out = Vec::new();
                while let Some(t) = seq.next_element()? {
                    out.push(t);
                }
                Ok(OneOrMany(out))
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    struct Doc {
        #[serde(default)]
        target_groups: Vec<RawTargetGroup>,
        #[serde(default)]
        load_balancers: Vec<RawLoadBalancer>,
    }

    #[test]
    fn the_documented_shape_reads_with_spans() {
        let text = r#"
[[target_groups]]
name = "a"
health_check = { interval = "10s", matcher = "200-299" }

[[load_balancers]]
name = "web"
[[load_balancers.listeners]]
port = 80
default_action = { forward = [{ target_group = "a", weight = 10 }, { target_group = "b" }] }
[[load_balancers.listeners.rules]]
priority = 1
http_header = { name = "X-Canary", values = ["1"] }
action = { fixed_response = 404 }
[[load_balancers.listeners.rules]]
priority = 2
http_header = [{ name = "A", values = ["1"] }, { name = "B", values = ["2"] }]
action = { forward = "a" }
"#;
        let doc: Doc = toml::from_str(text).unwrap();
        let tg = &doc.target_groups[0];
        assert!(text[tg.span()].starts_with("[[target_groups]]"));
        assert_eq!(tg.get_ref().health_check.as_ref().unwrap().interval.as_ref().unwrap().get_ref(), &Span::from_secs(10));
        let l = doc.load_balancers[0].listeners[0].get_ref();
        let Some(RawForward::Weighted(w)) = l.default_action.as_ref().unwrap().get_ref().forward.as_ref().map(|f| f.get_ref()) else {
            panic!("weighted")
        };
        assert_eq!(&text[w[1].get_ref().target_group.span()], "\"b\"");
        assert!(w[1].get_ref().weight.is_none());
        assert_eq!(l.rules[0].get_ref().http_header.as_ref().unwrap().get_ref().0.len(), 1);
        assert_eq!(l.rules[1].get_ref().http_header.as_ref().unwrap().get_ref().0[1].name, "B");
    }

    #[test]
    fn unknown_keys_are_refused_even_in_one_or_many() {
        let e = toml::from_str::<Doc>("[[load_balancers]]\nname = \"w\"\n[[load_balancers.listeners]]\nprot = 80\n").unwrap_err();
        assert!(e.message().contains("unknown field `prot`"), "{e}");
        let text = "[[load_balancers]]\nname = \"w\"\n[[load_balancers.listeners]]\n[[load_balancers.listeners.rules]]\npriority = 1\nhttp_header = { name = \"X\", value = [] }\naction = { redirect = 301 }\n";
        assert!(toml::from_str::<Doc>(text).unwrap_err().message().contains("unknown field `value`"));
    }
}

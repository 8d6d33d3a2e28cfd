//! Every type error of a scenario file, not only the first. Deserializing the whole file into
//! `RawScenario` stops at its first error; when there is one, each top-level section is
//! deserialized again on its own (from the same text, so spans stay exact), and the first
//! error of each section is reported too. Within a section, the table holding the error is then
//! blanked (its bytes replaced by spaces, newlines kept, so every other span stays exact) and the
//! section checked again, so two bad `[[services]]` entries are both reported — up to
//! `MAX_PER_SECTION` errors a section, which keeps the work linear in the file's size.

use super::load::did_you_mean;
use super::toml_model::*;
use serde::Deserialize;

/// At most this many errors are collected from one section (each costs a parse of the file).
const MAX_PER_SECTION: usize = 50;

/// The message and help of one error of `text`. An unknown variant (a value that is none of an
/// enum's) also names its key and suggests the closest accepted value: "unknown variant `spred`
/// for `type`, expected one of …" with "did you mean \"spread\"?".
pub fn message_and_help(text: &str, e: &toml::de::Error) -> (String, String) {
    let message = toml_message(text, e);
    let message = message.as_str();
    let help = if message.contains("unknown field") {
        "remove or rename the key; docs/scenarios.md lists every key"
    } else if message.contains("missing field") {
        "add the key; docs/scenarios.md says what it means"
    } else {
        "see docs/scenarios.md for the expected form"
    };
    let Some((value, expected)) = message.strip_prefix("unknown variant `").and_then(|m| m.split_once('`')) else {
        return (message.to_string(), help.to_string());
    };
    // `expected` is ", expected one of `a`, `b`" (or "`a` or `b`"): every other piece is a value.
    let accepted: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
    let help = format!("{}{help}", did_you_mean(value, &accepted));
    match e.span().and_then(|s| key_before(text, s.start)) {
        Some(key) => (format!("unknown variant `{value}` for `{key}`{expected}"), help),
        None => (message.to_string(), help),
    }
}

/// The message of a TOML error of `text`, trimmed. The parser says "duplicate key" alone; the
/// message then names the key (the text the error's span covers) and the table it is in (the
/// header above it), as in "duplicate key `name` in table `scenario`".
pub fn toml_message(text: &str, e: &toml::de::Error) -> String {
    let message = e.message().trim();
    if message != "duplicate key" {
        return message.to_string();
    }
    let Some(span) = e.span().filter(|s| text.get(s.clone()).is_some()) else { return message.to_string() };
    let key = text[span.clone()].trim();
    let key = ['"', '\''].iter().find_map(|&q| key.strip_prefix(q).and_then(|k| k.strip_suffix(q))).unwrap_or(key);
    let line_start = text[..span.start].rfind('\n').map_or(0, |i| i + 1);
    let line = &text[line_start..span.start];
    if line.trim_start().starts_with('[') {
        return format!("duplicate table `{key}`");
    }
    if line.contains('{') {
        return format!("duplicate key `{key}`"); // in an inline table
    }
    let header = text[..line_start].lines().rev().map(str::trim).find(|l| l.starts_with('['));
    match header.map(|h| h.trim_start_matches('[').split(']').next().unwrap_or("").trim()) {
        Some(table) => format!("duplicate key `{key}` in table `{table}`"),
        None => format!("duplicate key `{key}` in document root"),
    }
}

/// The key of the value that starts at byte `at` (`kind` in `kind = "x"`), when both are on one
/// line.
fn key_before(text: &str, at: usize) -> Option<&str> {
    let before = text.get(..at)?;
    let line = &before[before.rfind('\n').map_or(0, |i| i + 1)..];
    let key = line.trim_end().strip_suffix('=')?.trim_end();
    let start = key.char_indices().rev().find(|&(_, c)| !(c.is_alphanumeric() || "_-\"".contains(c))).map_or(0, |(i, c)| i + c.len_utf8());
    Some(&key[start..]).filter(|k| !k.is_empty())
}

/// `text` with the table (header and body) holding byte `at` replaced by spaces, newlines kept;
/// `None` when `at` is not inside a `[table]` or `[[array]]` entry.
fn blank_table_at(text: &str, at: usize) -> Option<String> {
    let is_header = |line: &str| line.trim_start().starts_with('[');
    let mut starts: Vec<usize> = vec![0];
    starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
    let line_of = starts.partition_point(|&s| s <= at).checked_sub(1)?;
    let line = |i: usize| &text[starts[i]..starts.get(i + 1).map_or(text.len(), |&e| e)];
    let header = (0..=line_of).rev().find(|&i| is_header(line(i)))?;
    let end = (line_of + 1..starts.len()).find(|&i| is_header(line(i))).map_or(text.len(), |i| starts[i]);
    let mut out = String::with_capacity(text.len());
    out.push_str(&text[..starts[header]]);
    for c in text[starts[header]..end].chars() {
        if c == '\n' {
            out.push('\n');
        } else {
            out.extend(std::iter::repeat_n(' ', c.len_utf8()));
        }
    }
    out.push_str(&text[end..]);
    Some(out)
}

/// The errors of `text` as a scenario: the whole-file error and each section's, in file order,
/// without repeats.
pub fn all_errors(text: &str, first: toml::de::Error) -> Vec<toml::de::Error> {
    let mut out = vec![first];
    macro_rules! section {
        ($key:ident: $ty:ty) => {{
            #[derive(Deserialize)]
            #[allow(dead_code)] // only deserialized, for its errors
            struct Only {
                $key: Option<$ty>,
            }
            let mut masked: Option<String> = None;
            for _ in 0..MAX_PER_SECTION {
                let current = masked.as_deref().unwrap_or(text);
                let Err(e) = toml::from_str::<Only>(current) else { break };
                let next = e.span().and_then(|span| blank_table_at(current, span.start));
                if !out.iter().any(|o| o.span() == e.span() && o.message() == e.message()) {
                    out.push(e);
                }
                match next {
                    Some(n) => masked = Some(n),
                    None => break,
                }
            }
        }};
    }
    section!(scenario: RawMeta);
    section!(cluster: RawCluster);
    section!(task_definitions: Vec<RawTaskDefinition>);
    section!(workload: Vec<RawWorkload>);
    section!(lifecycle: RawLifecycle);
    section!(variants: Vec<RawVariant>);
    section!(services: Vec<RawService>);
    section!(actions: Vec<toml::Spanned<RawAction>>);
    section!(traffic: Vec<super::load_traffic::RawTraffic>);
    section!(alarms: Vec<super::load_alarms::RawAlarm>);
    section!(cloudwatch: RawCloudWatch);
    section!(scaling: Vec<super::load_scaling::RawScaling>);
    section!(target_groups: Vec<super::toml_elb::RawTargetGroup>);
    section!(load_balancers: Vec<super::toml_elb::RawLoadBalancer>);
    section!(auto_scaling_groups: Vec<super::load_capacity::RawAsg>);
    section!(launch_templates: Vec<super::load_launch_templates::RawLaunchTemplate>);
    section!(capacity_providers: Vec<super::load_providers::RawCapacityProvider>);
    section!(fargate: super::load_capacity::RawFargate);
    section!(faults: Vec<super::load_faults::RawFault>);
    section!(slo: super::load_faults::RawSlo);
    // In file order (the parser meets the sections in its own order, not necessarily the
    // file's: its first error need not be the first in the file).
    out.sort_by_key(|e| e.span().map_or(0, |s| s.start));
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_unknown_variant_names_its_key_and_the_closest_value() {
        let text = "[[faults]]\n\"kind\" = \"zone_outtage\"\n";
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)] // only deserialized, for its error
        struct Only {
            faults: Vec<super::super::load_faults::RawFault>,
        }
        let e = toml::from_str::<Only>(text).unwrap_err();
        let (message, help) = super::message_and_help(text, &e);
        assert!(message.starts_with("unknown variant `zone_outtage` for `\"kind\"`, expected one of `instance_failure`"), "{message}");
        assert_eq!(help, "did you mean \"zone_outage\"? see docs/scenarios.md for the expected form");
        // A value on a line of its own has no key to name.
        assert_eq!(super::key_before("x = [\n  \"a\"]", 8), None);
        assert_eq!(super::key_before("a.b-c = 1", 8), Some("b-c"));
    }

    #[test]
    fn a_duplicate_key_is_named_with_its_table() {
        let message = |text: &str| super::toml_message(text, &toml::from_str::<toml::Table>(text).unwrap_err());
        assert_eq!(message("[scenario]\nname = \"x\"\nname = \"y\"\n"), "duplicate key `name` in table `scenario`");
        assert_eq!(message("[[cluster.instances]]\ncount = 1\ncount = 2\n"), "duplicate key `count` in table `cluster.instances`");
        assert_eq!(message("seed = 1\nseed = 2\n"), "duplicate key `seed` in document root");
        assert_eq!(message("[t]\n\"q k\" = 1\n'q k' = 2\n"), "duplicate key `q k` in table `t`");
        assert_eq!(message("x = { a = 1, a = 2 }\n"), "duplicate key `a`");
        assert_eq!(message("[scenario]\nseed = 1\n[scenario]\nname = \"x\"\n"), "duplicate table `scenario`");
        // Any other message is the parser's.
        assert_eq!(message("x = \n"), toml::from_str::<toml::Table>("x = \n").unwrap_err().message().trim());
    }

    #[test]
    fn blanking_keeps_every_other_byte_where_it_was() {
        let text = "[a]\nx = \"é\"\n[[b]]\ny = 1\n[[b]]\ny = 2\n";
        let at = text.find("y = 1").unwrap();
        let blanked = super::blank_table_at(text, at).unwrap();
        assert_eq!(blanked.len(), text.len());
        assert_eq!(blanked, "[a]\nx = \"é\"\n     \n     \n[[b]]\ny = 2\n");
        assert_eq!(super::blank_table_at("x = 1\n", 0), None);
    }
}

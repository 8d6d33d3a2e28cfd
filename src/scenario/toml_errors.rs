//! Every type error of a scenario file, not only the first. Deserializing the whole file into
//! `RawScenario` stops at its first error; when there is one, each top-level section is
//! deserialized again on its own (from the same text, so spans stay exact), and the first
//! error of each section is reported too. Within a section, the table holding the error is then
//! blanked (its bytes replaced by spaces, newlines kept, so every other span stays exact) and the
//! section checked again, so two bad `[[services]]` entries are both reported — up to
//! `MAX_PER_SECTION` errors a section, which keeps the work linear in the file's size.

use super::toml_model::*;
use serde::Deserialize;

/// At most this many errors are collected from one section (each costs a parse of the file).
const MAX_PER_SECTION: usize = 50;

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

/// The errors of `text` as a scenario: the whole-file error first, then each section's, in
/// file order, without repeats.
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
    section!(capacity_providers: Vec<super::load_providers::RawCapacityProvider>);
    section!(fargate: super::load_capacity::RawFargate);
    section!(faults: Vec<super::load_faults::RawFault>);
    section!(slo: super::load_faults::RawSlo);
    let first = out.remove(0);
    // The whole-file error stays first when it is also a section's; the rest in file order.
    out.retain(|e| !(e.span() == first.span() && e.message() == first.message()));
    out.sort_by_key(|e| e.span().map_or(0, |s| s.start));
    out.insert(0, first);
    out
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    #[test]
    fn type_errors_in_two_sections_are_both_reported() {
        // Line 5: a count that is a string; line 13: a threshold that is a string.
        let text =
            "[scenario]\nduration = \"1h\"\n[cluster]\nzones = [\"us-east-1a\"]\ninstances = [{ type = \"m5.large\", count = \"two\" }]\n\
                    [[services]]\nname = \"web\"\ntask_definition = \"web\"\n\n\n\n[[alarms]]\nname = \"a\"\nthreshold = \"high\"\n";
        let e = super::super::load_str(Path::new("s.toml"), text).unwrap_err();
        let located: Vec<(usize, usize)> = e.errors().map(|d| (d.line, d.column)).collect();
        assert_eq!(located.len(), 2, "{e}");
        assert_eq!(located[0].0, 5, "{e}");
        assert_eq!(located[1].0, 14, "{e}");
    }

    #[test]
    fn type_errors_in_two_entries_of_one_section_are_both_reported() {
        // Two services, each with a desired count that is a string (lines 4 and 8).
        let text = "[scenario]\nduration = \"1h\"\n[[services]]\ndesired_count = \"two\"\nname = \"a\"\ntask_definition = \"web\"\n\
                    [[services]]\ndesired_count = \"three\"\nname = \"b\"\ntask_definition = \"web\"\n";
        let e = super::super::load_str(Path::new("s.toml"), text).unwrap_err();
        let lines: Vec<usize> = e.errors().map(|d| d.line).collect();
        assert_eq!(lines, vec![4, 8], "{e}");
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

//! Every type error of a scenario file, not only the first. Deserializing the whole file into
//! `RawScenario` stops at its first error; when there is one, each top-level section is
//! deserialized again on its own (from the same text, so spans stay exact), and the first
//! error of each section is reported too. Two type errors in `[[services]]` and `[[alarms]]`
//! are then both shown by one `ecsim check`; two in one section still show one at a time.

use super::toml_model::*;
use serde::Deserialize;

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
            if let Err(e) = toml::from_str::<Only>(text) {
                if !out.iter().any(|o| o.span() == e.span() && o.message() == e.message()) {
                    out.push(e);
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
    section!(capacity_providers: Vec<super::load_capacity::RawCapacityProvider>);
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
}

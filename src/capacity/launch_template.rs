//! EC2 launch templates as an Auto Scaling group uses them: numbered versions, each with the
//! instance type it launches, created over the run; the `$Latest` and `$Default` version at a
//! given instant; and which version a group's launch takes.
//!
//! A group names its template by name or id and a version — a number, `$Latest` or `$Default`
//! (CreateAutoScalingGroup's `LaunchTemplateSpecification`; `$Default` when omitted). With
//! `$Latest` or `$Default`, a version created (or made the default) during the run is what new
//! launches use from then on; the instances already running keep the version they were launched
//! from, which the `OldestLaunchTemplate` termination policy (and the default policy's first
//! step) reads: "instances using the oldest version of the current launch template" go first
//! (EC2 Auto Scaling User Guide, "Configure termination policies").

use crate::ecs::instance_types::InstanceType;
use crate::engine::SimTime;
use std::fmt;

/// One version of a template: `CreateLaunchTemplateVersion` at `created_at`.
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateVersion {
    /// 1, 2, … in creation order.
    pub number: u32,
    pub instance_type: &'static InstanceType,
    pub created_at: SimTime,
    /// Made the template's default (`ModifyLaunchTemplate --default-version`) at this instant.
    pub default_from: Option<SimTime>,
}

/// A launch template and every version it gets during the run.
#[derive(Debug, Clone, PartialEq)]
pub struct LaunchTemplate {
    /// `LaunchTemplateName`.
    pub name: String,
    /// `LaunchTemplateId` (`lt-…`), if the scenario gives one.
    pub id: Option<String>,
    /// In number order; version 1 exists at t = 0 and is the default until another is made so.
    pub versions: Vec<TemplateVersion>,
}

/// Which version a group launches from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VersionSpec {
    Number(u32),
    Latest,
    Default,
}

impl VersionSpec {
    /// "1", "$Latest" or "$Default" (the API's spelling).
    pub fn parse(text: &str) -> Option<VersionSpec> {
        match text {
            "$Latest" => Some(VersionSpec::Latest),
            "$Default" => Some(VersionSpec::Default),
            n => n.parse::<u32>().ok().filter(|n| *n >= 1).map(VersionSpec::Number),
        }
    }
}

impl fmt::Display for VersionSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VersionSpec::Number(n) => write!(f, "{n}"),
            VersionSpec::Latest => f.write_str("$Latest"),
            VersionSpec::Default => f.write_str("$Default"),
        }
    }
}

impl LaunchTemplate {
    /// The highest-numbered version created by `now`.
    pub fn latest_at(&self, now: SimTime) -> &TemplateVersion {
        self.versions.iter().rev().find(|v| v.created_at <= now).unwrap_or(&self.versions[0])
    }

    /// The version that is the default at `now`: the one most recently made the default (the
    /// later number on a tie), version 1 until then.
    pub fn default_at(&self, now: SimTime) -> &TemplateVersion {
        self.versions
            .iter()
            .filter_map(|v| v.default_from.filter(|t| *t <= now).map(|t| (t, v.number, v)))
            .max_by_key(|(t, n, _)| (*t, *n))
            .map_or(&self.versions[0], |(_, _, v)| v)
    }

    /// The version `spec` names at `now`; `None` for a number that does not exist (yet).
    pub fn resolve(&self, spec: VersionSpec, now: SimTime) -> Option<&TemplateVersion> {
        match spec {
            VersionSpec::Latest => Some(self.latest_at(now)),
            VersionSpec::Default => Some(self.default_at(now)),
            VersionSpec::Number(n) => self.versions.iter().find(|v| v.number == n && v.created_at <= now),
        }
    }
}

/// A group's launch template: the template, the version it names, and whether the template's
/// instance type is the group's (no MixedInstancesPolicy overrides of its own).
#[derive(Debug, Clone, PartialEq)]
pub struct LaunchTemplateUse {
    pub template: LaunchTemplate,
    pub version: VersionSpec,
    pub sets_instance_type: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ecs::instance_types::lookup;

    /// Version 1 (m5.large) at t = 0; version 2 (m5.xlarge) created at 20 min; version 3
    /// (m5.2xlarge) created at 40 min and made the default then.
    fn template() -> LaunchTemplate {
        let v = |number, t, created_s, default_s: Option<u64>| TemplateVersion {
            number,
            instance_type: lookup(t).unwrap(),
            created_at: SimTime::from_secs(created_s),
            default_from: default_s.map(SimTime::from_secs),
        };
        LaunchTemplate {
            name: "ecs-node".into(),
            id: None,
            versions: vec![v(1, "m5.large", 0, None), v(2, "m5.xlarge", 1200, None), v(3, "m5.2xlarge", 2400, Some(2400))],
        }
    }

    #[test]
    fn latest_and_default_follow_the_versions_created_during_the_run() {
        let lt = template();
        let at = |s| SimTime::from_secs(s);
        let number = |spec, s| lt.resolve(spec, at(s)).map(|v| v.number);
        // $Latest: 1 until 20 min, 2 until 40 min, then 3.
        assert_eq!(
            [number(VersionSpec::Latest, 0), number(VersionSpec::Latest, 1200), number(VersionSpec::Latest, 2400)],
            [Some(1), Some(2), Some(3)]
        );
        // $Default: version 1 until version 3 is made the default at 40 min (2 never is).
        assert_eq!([number(VersionSpec::Default, 1200), number(VersionSpec::Default, 2400)], [Some(1), Some(3)]);
        // A number names that version once it exists.
        assert_eq!(number(VersionSpec::Number(2), 600), None);
        assert_eq!(number(VersionSpec::Number(2), 1200), Some(2));
        assert_eq!(lt.resolve(VersionSpec::Latest, at(1200)).unwrap().instance_type.name, "m5.xlarge");
    }

    #[test]
    fn version_specs_parse_as_the_api_spells_them() {
        assert_eq!(VersionSpec::parse("$Latest"), Some(VersionSpec::Latest));
        assert_eq!(VersionSpec::parse("$Default"), Some(VersionSpec::Default));
        assert_eq!(VersionSpec::parse("3"), Some(VersionSpec::Number(3)));
        assert_eq!(VersionSpec::parse("0"), None);
        assert_eq!(VersionSpec::parse("latest"), None);
    }
}

//! `[[launch_templates]]` and an Auto Scaling group's `launch_template = { name | id, version }`:
//! EC2 launch templates whose versions appear during the run (`at`) and may become the default
//! (`default_at`). Every problem is located at the key that causes it.

use super::capacity_rules;
use super::load::Cx;
use crate::capacity::launch_template::{LaunchTemplate, LaunchTemplateUse, TemplateVersion, VersionSpec};
use crate::engine::{SimTime, Span};
use serde::Deserialize;
use toml::Spanned;

/// One `[[launch_templates]]` table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLaunchTemplate {
    /// `LaunchTemplateName`.
    pub name: Spanned<String>,
    /// `LaunchTemplateId` (`lt-` and 17 hex digits), optional.
    pub id: Option<Spanned<String>>,
    /// Version 1, 2, … in order.
    pub versions: Spanned<Vec<RawTemplateVersion>>,
}

/// One version: CreateLaunchTemplateVersion at `at` (default t = 0).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTemplateVersion {
    pub instance_type: Spanned<String>,
    pub at: Option<Spanned<Span>>,
    /// Made the template's default version at this time, not before `at`
    /// (ModifyLaunchTemplate --default-version); version 1 is the default until another is.
    pub default_at: Option<Spanned<Span>>,
}

/// A group's `launch_template`: the template by name or id, and a version.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTemplateRef {
    pub name: Option<Spanned<String>>,
    pub id: Option<Spanned<String>>,
    /// "1", "$Latest" or "$Default" (the default, as in CreateAutoScalingGroup); a number may be
    /// written bare.
    pub version: Option<Spanned<RawVersion>>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum RawVersion {
    Number(u32),
    Text(String),
}

impl Cx<'_> {
    pub(super) fn build_launch_templates(&mut self, raws: &[RawLaunchTemplate]) -> Vec<LaunchTemplate> {
        let mut out: Vec<LaunchTemplate> = Vec::new();
        for raw in raws {
            let name = raw.name.get_ref();
            if out.iter().any(|t| t.name == *name) {
                self.error_at(raw.name.span(), format!("launch template {name:?} is defined twice"), "give each template a distinct name");
                continue;
            }
            if let Some(id) = &raw.id {
                let hex = id.get_ref().strip_prefix("lt-").unwrap_or("");
                if hex.len() != 17 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
                    self.error_at(id.span(), format!("{:?} is not a launch template id", id.get_ref()), "write lt- and 17 hex digits");
                }
            }
            if raw.versions.get_ref().is_empty() {
                self.error_at(
                    raw.versions.span(),
                    format!("launch template {name:?} has no version"),
                    "add versions = [{ instance_type = \"m5.large\" }]",
                );
                continue;
            }
            let mut versions: Vec<TemplateVersion> = Vec::new();
            for (i, v) in raw.versions.get_ref().iter().enumerate() {
                let t = match capacity_rules::instance_type(v.instance_type.get_ref()) {
                    Ok(t) => t,
                    Err((message, help)) => {
                        self.error_at(v.instance_type.span(), message, help);
                        continue;
                    }
                };
                let created_at = v.at.as_ref().map_or(SimTime::ZERO, |a| SimTime::ZERO + *a.get_ref());
                if let (Some(prev), Some(at)) = (versions.last(), &v.at) {
                    if created_at < prev.created_at {
                        self.error_at(
                            at.span(),
                            format!("version {} is created before version {}", i + 1, prev.number),
                            "list versions in the order they are created",
                        );
                    }
                }
                if i == 0 && created_at != SimTime::ZERO {
                    self.error_at(
                        v.at.as_ref().map_or(raw.name.span(), Spanned::span),
                        "version 1 exists from the start",
                        "remove `at` from the first version",
                    );
                }
                let default_from = v.default_at.as_ref().map(|d| SimTime::ZERO + *d.get_ref());
                if let (Some(d), Some(from)) = (&v.default_at, default_from) {
                    if from < created_at {
                        self.error_at(
                            d.span(),
                            format!("version {} is made the default before it is created", i + 1),
                            "give default_at ≥ at",
                        );
                    }
                }
                versions.push(TemplateVersion { number: i as u32 + 1, instance_type: t, created_at, default_from });
            }
            if versions.len() == raw.versions.get_ref().len() {
                out.push(LaunchTemplate { name: name.clone(), id: raw.id.as_ref().map(|i| i.get_ref().clone()), versions });
            }
        }
        out
    }

    /// A group's `launch_template`, resolved against the scenario's templates; `own_types` says
    /// whether the group lists instance types of its own (they override the template's).
    pub(super) fn group_launch_template(
        &mut self,
        raw: &Spanned<RawTemplateRef>,
        templates: &[LaunchTemplate],
        own_types: bool,
    ) -> Option<LaunchTemplateUse> {
        let r = raw.get_ref();
        let names: Vec<&str> = templates.iter().map(|t| t.name.as_str()).collect();
        let template = match (&r.name, &r.id) {
            (Some(n), None) => templates
                .iter()
                .find(|t| t.name == *n.get_ref())
                .ok_or((n.span(), format!("no launch template is named {:?}", n.get_ref()))),
            (None, Some(i)) => templates
                .iter()
                .find(|t| t.id.as_deref() == Some(i.get_ref().as_str()))
                .ok_or((i.span(), format!("no launch template has id {:?}", i.get_ref()))),
            _ => Err((raw.span(), "give the launch template's name or its id (one of them)".to_string())),
        };
        let template = match template {
            Ok(t) => t,
            Err((span, message)) => {
                self.error_at(span, message, format!("define it under [[launch_templates]]; defined: {names:?}"));
                return None;
            }
        };
        let version = match r.version.as_ref().map(|v| (v.get_ref(), v.span())) {
            None => VersionSpec::Default,
            Some((RawVersion::Number(n), span)) => match VersionSpec::parse(&n.to_string()) {
                Some(v) => v,
                None => {
                    self.error_at(span, "launch template versions start at 1", "use 1, \"$Latest\" or \"$Default\"");
                    return None;
                }
            },
            Some((RawVersion::Text(t), span)) => match VersionSpec::parse(t) {
                Some(v) => v,
                None => {
                    self.error_at(span, format!("{t:?} is not a launch template version"), "use a number, \"$Latest\" or \"$Default\"");
                    return None;
                }
            },
        };
        if let VersionSpec::Number(n) = version {
            if template.resolve(version, SimTime::ZERO).is_none() {
                let span = r.version.as_ref().map_or(raw.span(), Spanned::span);
                let exists = template.versions.iter().any(|v| v.number == n);
                let message = if exists {
                    format!("version {n} of launch template {:?} is created during the run, after the group", template.name)
                } else {
                    format!("launch template {:?} has no version {n} (it has {})", template.name, template.versions.len())
                };
                self.error_at(span, message, "name a version that exists at t = 0, or \"$Latest\" to follow new versions");
                return None;
            }
        }
        Some(LaunchTemplateUse { template: template.clone(), version, sets_instance_type: !own_types })
    }
}

//! `put-scheduled-action --cli-input-json` input or `describe-scheduled-actions` output: the
//! schedule (`at`, `rate`, `cron`, a time zone) and the capacity it sets.

use super::{capacity, load_list, present, required, resource, M};
use crate::autoscaling::calendar::parse_timestamp;
use crate::autoscaling::scheduled::{capacity_problem, ActionField, Schedule, ScheduledAction, TimeZone};
use crate::model::diagnostic::Diagnostics;
use crate::scenario::ecs_json::schema::Field::{Derived, Modelled};
use crate::scenario::ecs_json::schema::Schema;
use crate::scenario::ecs_json::schema::Shape::{ArrayOf, Object};
use crate::scenario::ecs_json::{At, Ctx, JPath, Scalar};
use serde::Deserialize;
use serde_json::Value;
use std::path::Path;

static DESCRIBE_SCHEDULED_ACTIONS: Schema = Schema {
    what: "describe-scheduled-actions output",
    fields: &[("ScheduledActions", Modelled(ArrayOf(&SCHEDULED_ACTION))), ("NextToken", Derived)],
};

/// put-scheduled-action input and one describe-scheduled-actions entry.
static SCHEDULED_ACTION: Schema = Schema {
    what: "a scheduled action",
    fields: &[
        ("ServiceNamespace", M),
        ("ScheduledActionName", M),
        ("ResourceId", M),
        ("ScalableDimension", M),
        ("Schedule", M),
        ("Timezone", M),
        ("StartTime", M),
        ("EndTime", M),
        ("ScalableTargetAction", Modelled(Object(&SCALABLE_TARGET_ACTION))),
        ("ScheduledActionARN", Derived),
        ("CreationTime", Derived),
    ],
};

static SCALABLE_TARGET_ACTION: Schema = Schema { what: "a scalable target action", fields: &[("MinCapacity", M), ("MaxCapacity", M)] };

// ------------------------------------------------------------------ scheduled actions

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawScheduled {
    service_namespace: Option<String>,
    scheduled_action_name: Option<String>,
    resource_id: Option<String>,
    scalable_dimension: Option<String>,
    schedule: Option<String>,
    timezone: Option<String>,
    start_time: Option<Scalar>,
    end_time: Option<Scalar>,
    scalable_target_action: Option<RawTargetAction>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawTargetAction {
    min_capacity: Option<Scalar>,
    max_capacity: Option<Scalar>,
}

/// Loads put-scheduled-action input (one action) or describe-scheduled-actions output (every
/// action, in file order). `created_unix_s` is when the actions were put — normally the instant
/// simulated time 0 stands for ([`crate::autoscaling::DEFAULT_START_UNIX_S`]).
pub fn load_scheduled_actions(path: &Path, text: &str, created_unix_s: i64) -> Result<(Vec<ScheduledAction>, Diagnostics), Diagnostics> {
    load_list(
        path,
        text,
        "ScheduledActions",
        &DESCRIBE_SCHEDULED_ACTIONS,
        &SCHEDULED_ACTION,
        "put-scheduled-action input (a JSON object) or describe-scheduled-actions output ({\"ScheduledActions\": [...]})",
        |ctx, v, p| scheduled_action(ctx, v, p, created_unix_s),
        |a| (a.resource_id.clone(), a.name.clone()),
    )
}

/// `StartTime` / `EndTime`: an ISO-8601 string or (CLI v1 output) Unix seconds.
fn timestamp(ctx: &mut Ctx, s: &Scalar, path: &JPath) -> Option<i64> {
    match s {
        Scalar::Num(n) => n.as_f64().filter(|f| f.is_finite() && f.abs() < 1e13).map(|f| f.floor() as i64).or_else(|| {
            ctx.error(path, At::Value, format!("`{path}` is not a time"));
            None
        }),
        Scalar::Str(t) => {
            let t = ctx.needed_str(t, path)?;
            match parse_timestamp(t) {
                Ok(u) => Some(u),
                Err(m) => {
                    ctx.error_help(path, At::Value, m, "write it as 2026-01-05T08:00:00Z (UTC)");
                    None
                }
            }
        }
    }
}

fn scheduled_action(ctx: &mut Ctx, v: &Value, path: &JPath, created_unix_s: i64) -> Option<ScheduledAction> {
    let raw: RawScheduled = ctx.de(v, path)?;
    let name = required(ctx, raw.scheduled_action_name.as_deref(), path, "ScheduledActionName", "\"weekday-mornings\"").map(str::to_string);
    let id = resource(ctx, raw.service_namespace.as_deref(), raw.scalable_dimension.as_deref(), raw.resource_id.as_deref(), path);
    let schedule_path = path.key("Schedule");
    let schedule =
        required(ctx, raw.schedule.as_deref(), path, "Schedule", "\"cron(0 8 ? * MON-FRI *)\"").and_then(|s| match Schedule::parse(s) {
            Ok(s) => Some(s),
            Err(e) => {
                let at = e.at_char.map_or(At::Value, At::InString);
                ctx.error_help(&schedule_path, at, e.message, e.help);
                None
            }
        });
    let timezone = match raw.timezone.as_deref() {
        None => Some(TimeZone::Utc),
        Some(z) => match TimeZone::parse(z) {
            Ok(z) => Some(z),
            Err(m) => {
                ctx.error_help(
                    &path.key("Timezone"),
                    At::Value,
                    m,
                    "use an IANA name such as \"America/New_York\", \"UTC\" or a fixed offset \"Etc/GMT-1\"",
                );
                None
            }
        },
    };
    let start = raw.start_time.as_ref().map(|s| timestamp(ctx, s, &path.key("StartTime")));
    let end = raw.end_time.as_ref().map(|s| timestamp(ctx, s, &path.key("EndTime")));
    let action_path = path.key("ScalableTargetAction");
    let (min, max) = match &raw.scalable_target_action {
        None => {
            ctx.error_help(
                path,
                At::Value,
                "missing \"ScalableTargetAction\"",
                "add e.g. \"ScalableTargetAction\": {\"MinCapacity\": 4, \"MaxCapacity\": 20}",
            );
            return None;
        }
        Some(a) => (
            a.min_capacity.as_ref().map(|s| capacity(ctx, s, &action_path.key("MinCapacity"))),
            a.max_capacity.as_ref().map(|s| capacity(ctx, s, &action_path.key("MaxCapacity"))),
        ),
    };
    // The capacities are checked before anything else can stop the load, so that every problem is reported.
    let (min, max) = (present(min), present(max));
    let capacity = capacity_problem(min.flatten(), max.flatten()).filter(|_| min.is_some() && max.is_some());
    if let Some(e) = &capacity {
        ctx.error_help(&locate(&action_path, e.field), At::Value, &e.message, &e.help);
    }
    let mut action = ScheduledAction::new(name?, id?, schedule?, created_unix_s);
    action.timezone = timezone?;
    action.start_unix_s = present(start)?;
    action.end_unix_s = present(end)?;
    action.min_capacity = min?;
    action.max_capacity = max?;
    if capacity.is_some() {
        return None;
    }
    if let Err(e) = action.validate() {
        ctx.error_help(&locate(path, e.field), At::Value, e.message, e.help);
        return None;
    }
    Some(action)
}

/// Where a scheduled action's problem is written: `path` is the action's (the target action's
/// for the capacities).
fn locate(path: &JPath, field: ActionField) -> JPath {
    match field {
        ActionField::ScalableTargetAction => path.clone(),
        ActionField::MinCapacity => path.key("MinCapacity"),
        ActionField::EndTime => path.key("EndTime"),
    }
}

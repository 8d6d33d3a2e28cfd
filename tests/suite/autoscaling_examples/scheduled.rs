//! Scheduled actions as worked examples: cron, rate and at schedules, time zones, start and end
//! times, and what a scheduled action sets (the range, then the count, ignoring cooldowns).

use super::{desired, t, target};
use ecsim::autoscaling::scheduled::TimeZone;
use ecsim::autoscaling::{ScalingDecision, Schedule, ScheduledAction, ScheduledOutcome, DEFAULT_START_UNIX_S};

fn action(schedule: &str) -> ScheduledAction {
    ScheduledAction::new("a", "service/prod/web", Schedule::parse(schedule).expect("schedule"), DEFAULT_START_UNIX_S)
}

/// Fire times from the start of the run (2026-01-01T00:00:00Z, a Thursday).
fn fires(a: &ScheduledAction, n: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut next = a.first_fire();
    while let Some(f) = next {
        if out.len() == n {
            break;
        }
        out.push(ecsim::autoscaling::calendar::format_utc(f));
        next = a.next_fire(f);
    }
    out
}

#[test]
fn cron_every_weekday_at_0800_utc() {
    let a = action("cron(0 8 ? * MON-FRI *)");
    assert_eq!(
        fires(&a, 6),
        [
            "2026-01-01T08:00:00Z",
            "2026-01-02T08:00:00Z",
            "2026-01-05T08:00:00Z",
            "2026-01-06T08:00:00Z",
            "2026-01-07T08:00:00Z",
            "2026-01-08T08:00:00Z"
        ]
    );
    // Asked from the middle of Friday morning, the next one is Monday's.
    assert_eq!(a.next_fire(t("2026-01-02T08:00:00Z")), Some(t("2026-01-05T08:00:00Z")));
    // The same written with day numbers (1 = Sunday).
    assert_eq!(fires(&action("cron(0 8 ? * 2-6 *)"), 6), fires(&a, 6));
}

#[test]
fn cron_in_a_fixed_offset_zone_and_between_start_and_end() {
    let mut a = action("cron(0 20 ? * MON-FRI *)");
    a.timezone = TimeZone::parse("Etc/GMT-1").unwrap(); // UTC+1
    assert_eq!(fires(&a, 2), ["2026-01-01T19:00:00Z", "2026-01-02T19:00:00Z"]);

    // With a StartTime the action runs at that time, then on its recurrence; nothing after EndTime.
    let mut b = action("cron(0 8 ? * MON-FRI *)");
    b.start_unix_s = Some(t("2026-01-03T12:00:00Z"));
    b.end_unix_s = Some(t("2026-01-06T08:00:00Z"));
    assert_eq!(fires(&b, 10), ["2026-01-03T12:00:00Z", "2026-01-05T08:00:00Z", "2026-01-06T08:00:00Z"]);
}

#[test]
fn rate_counts_from_the_start_time_or_from_when_the_action_was_put() {
    let a = action("rate(15 minutes)");
    assert_eq!(fires(&a, 3), ["2026-01-01T00:15:00Z", "2026-01-01T00:30:00Z", "2026-01-01T00:45:00Z"]);
    let mut b = action("rate(6 hours)");
    b.start_unix_s = Some(t("2026-01-01T03:00:00Z"));
    assert_eq!(fires(&b, 3), ["2026-01-01T03:00:00Z", "2026-01-01T09:00:00Z", "2026-01-01T15:00:00Z"]);
    assert_eq!(b.next_fire(t("2026-01-01T10:00:00Z")), Some(t("2026-01-01T15:00:00Z")));
    // A StartTime before the run: the series goes on from it.
    b.start_unix_s = Some(t("2025-12-31T23:00:00Z"));
    assert_eq!(fires(&b, 1), ["2026-01-01T05:00:00Z"]);
}

#[test]
fn at_fires_once_and_never_in_the_past() {
    let a = action("at(2026-01-07T06:30:00)");
    assert_eq!(fires(&a, 5), ["2026-01-07T06:30:00Z"]);
    assert_eq!(a.next_fire(t("2026-01-07T06:30:00Z")), None);
    assert_eq!(fires(&action("at(2025-12-31T23:59:59)"), 5), Vec::<String>::new());
    // Exactly at the start of the run counts.
    assert_eq!(fires(&action("at(2026-01-01T00:00:00)"), 5), ["2026-01-01T00:00:00Z"]);
}

#[test]
fn a_scheduled_action_sets_the_range_then_the_count_ignoring_cooldowns() {
    let mut web = target(2, 20);
    let mut morning = action("cron(0 8 ? * MON-FRI *)");
    morning.min_capacity = Some(6);
    morning.max_capacity = Some(30);
    match morning.apply(&mut web, 3, false) {
        ScheduledOutcome::Applied { min_capacity: 6, max_capacity: 30, decision: Some(d) } => {
            assert_eq!(d.new_desired, 6);
            assert!(d.reason.contains("set the range to [6, 30]"), "{}", d.reason);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!((web.min_capacity, web.max_capacity), (6, 30));

    let mut evening = action("cron(0 20 ? * MON-FRI *)");
    evening.max_capacity = Some(4);
    evening.min_capacity = Some(2);
    // During a deployment the scale-in waits (enforce_bounds again when it completes).
    assert!(matches!(evening.apply(&mut web, 10, true), ScheduledOutcome::Applied { decision: None, .. }));
    assert_eq!(desired(web.enforce_bounds(10, false)), Some(4));
    assert!(matches!(
        evening.apply(&mut web, 10, false),
        ScheduledOutcome::Applied { decision: Some(ScalingDecision { new_desired: 4, .. }), .. }
    ));

    // Only MinCapacity, above the current maximum: the action fails and nothing changes.
    let mut launch = action("at(2026-01-07T06:30:00)");
    launch.min_capacity = Some(12);
    assert!(matches!(launch.apply(&mut web, 4, false), ScheduledOutcome::Failed(_)));
    assert_eq!((web.min_capacity, web.max_capacity), (2, 4));

    web.suspended.scheduled = true;
    assert_eq!(morning.apply(&mut web, 4, false), ScheduledOutcome::Suspended);
}

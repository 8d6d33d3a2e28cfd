//! The `Timezone` of a scheduled action: UTC, a fixed `Etc/GMT±N` offset, or an IANA region
//! with its daylight-saving rules, read from the time-zone database bundled in the binary (so a
//! run gives the same fire times on every machine, whatever its /usr/share/zoneinfo holds).
//!
//! `at()` and `cron()` are wall-clock times in the zone. Where the clock jumps, AWS's schedulers
//! behave as EventBridge Scheduler documents: a cron time that does not exist (the hour skipped
//! when the clock springs forward) does not run that day, and a cron time that happens twice
//! (the hour repeated when it falls back) runs once, at its first occurrence. A one-time `at()`
//! in the skipped hour runs as late as the jump pushes it (02:30 becomes 03:30), and in the
//! repeated hour at its first occurrence, so that it runs exactly once either way.

use super::cron::Cron;
use crate::engine::calendar::DateTime;
use jiff::tz::AmbiguousOffset;
use jiff::Timestamp;

/// A scheduled action's time zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TimeZone {
    Utc,
    /// `Etc/GMT+N` / `Etc/GMT-N`: a fixed offset. POSIX signs: `Etc/GMT+5` is UTC−5.
    Fixed {
        name: String,
        offset_s: i64,
    },
    /// An IANA zone with rules that change over the year (`America/New_York`).
    Region {
        name: String,
        zone: jiff::tz::TimeZone,
    },
}

impl TimeZone {
    /// UTC and its aliases, an `Etc/GMT±N` zone, or a zone of the IANA database; anything else
    /// is an error saying what to write.
    pub fn parse(name: &str) -> Result<TimeZone, String> {
        const UTC_NAMES: [&str; 16] = [
            "UTC",
            "Etc/UTC",
            "Etc/UCT",
            "UCT",
            "Etc/Universal",
            "Universal",
            "Etc/Zulu",
            "Zulu",
            "GMT",
            "Etc/GMT",
            "Etc/GMT0",
            "Etc/GMT+0",
            "Etc/GMT-0",
            "GMT0",
            "Etc/Greenwich",
            "Greenwich",
        ];
        if UTC_NAMES.contains(&name) {
            return Ok(TimeZone::Utc);
        }
        if let Some(rest) = name.strip_prefix("Etc/GMT") {
            let hours = rest.get(1..).and_then(|h| h.parse::<i64>().ok()).filter(|_| rest.len() <= 3);
            return match (rest.as_bytes().first(), hours) {
                (Some(b'+'), Some(h)) if (1..=12).contains(&h) => Ok(TimeZone::Fixed { name: name.into(), offset_s: -h * 3600 }),
                (Some(b'-'), Some(h)) if (1..=14).contains(&h) => Ok(TimeZone::Fixed { name: name.into(), offset_s: h * 3600 }),
                _ => Err(format!("time zone {name:?} is not a fixed offset: Etc/GMT+1 … Etc/GMT+12 and Etc/GMT-1 … Etc/GMT-14 exist")),
            };
        }
        match jiff::tz::db().get(name) {
            Ok(zone) => Ok(TimeZone::Region { name: name.into(), zone }),
            Err(_) => Err(format!("time zone {name:?} is not in the IANA time-zone database")),
        }
    }

    /// The offset from UTC (local time = UTC + this) when it never changes.
    pub fn fixed_offset_s(&self) -> Option<i64> {
        match self {
            TimeZone::Utc => Some(0),
            TimeZone::Fixed { offset_s, .. } => Some(*offset_s),
            TimeZone::Region { .. } => None,
        }
    }

    pub fn name(&self) -> &str {
        match self {
            TimeZone::Utc => "UTC",
            TimeZone::Fixed { name, .. } | TimeZone::Region { name, .. } => name,
        }
    }

    /// The instant of a one-time `at()` wall-clock time (`None` when it cannot be one).
    pub fn instant_of_at(&self, local: DateTime) -> Option<i64> {
        match self {
            // jiff's "compatible" choice: later in a gap, earlier in a fold.
            TimeZone::Region { zone, .. } => Some(zone.to_ambiguous_timestamp(local.civil()?).compatible().ok()?.as_second()),
            _ => local.to_unix().checked_sub(self.fixed_offset_s().unwrap_or(0)),
        }
    }

    /// The first run of `cron` strictly after the instant `after_unix_s`, read in this zone.
    pub fn next_cron(&self, cron: &Cron, after_unix_s: i64) -> Option<i64> {
        let TimeZone::Region { zone, .. } = self else {
            let offset_s = self.fixed_offset_s().unwrap_or(0);
            return cron.next_after(after_unix_s.saturating_add(offset_s))?.checked_sub(offset_s);
        };
        let mut local_after = match Timestamp::from_second(after_unix_s) {
            Ok(ts) => after_unix_s + i64::from(zone.to_offset(ts).seconds()),
            // Beyond the years −9999…9999 the offset does not matter: cron runs 1970…2199.
            Err(_) => after_unix_s,
        };
        // Each pass moves `local_after` to a later wall-clock minute, and `next_after` ends
        // at 2199: the loop ends. It runs more than once only around a change of the clock.
        loop {
            let candidate = cron.next_after(local_after)?;
            let ambiguous = zone.to_ambiguous_timestamp(DateTime::from_unix(candidate).civil()?);
            if !matches!(ambiguous.offset(), AmbiguousOffset::Gap { .. }) {
                let t = ambiguous.earlier().ok()?.as_second();
                if t > after_unix_s {
                    return Some(t);
                }
            }
            local_after = candidate;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::autoscaling::scheduled::{Schedule, ScheduledAction};
    use crate::engine::calendar::{format_utc, parse_timestamp};

    fn t(s: &str) -> i64 {
        parse_timestamp(s).unwrap()
    }

    fn fires(action: &ScheduledAction, after: &str, n: usize) -> Vec<String> {
        let mut out = Vec::new();
        let mut at = t(after);
        for _ in 0..n {
            let Some(f) = action.next_fire(at) else { break };
            out.push(format_utc(f));
            at = f;
        }
        out
    }

    fn action(schedule: &str, zone: &str) -> ScheduledAction {
        let mut a = ScheduledAction::new("a", "service/c/s", Schedule::parse(schedule).unwrap(), t("2026-01-01T00:00:00Z"));
        a.min_capacity = Some(1);
        a.timezone = TimeZone::parse(zone).unwrap();
        a
    }

    #[test]
    fn time_zones_are_utc_fixed_offsets_or_iana_regions() {
        assert_eq!(TimeZone::parse("Etc/UTC"), Ok(TimeZone::Utc));
        assert_eq!(TimeZone::parse("Etc/GMT+9").map(|z| z.fixed_offset_s()), Ok(Some(-9 * 3600)));
        assert_eq!(TimeZone::parse("Etc/GMT-14").map(|z| z.fixed_offset_s()), Ok(Some(14 * 3600)));
        assert!(TimeZone::parse("Etc/GMT+13").unwrap_err().contains("not a fixed offset"));
        let ny = TimeZone::parse("America/New_York").unwrap();
        assert_eq!((ny.name(), ny.fixed_offset_s()), ("America/New_York", None));
        assert!(TimeZone::parse("Pacific/Tahiti").is_ok());
        let e = TimeZone::parse("Europe/Paname").unwrap_err();
        assert!(e.contains("not in the IANA time-zone database"), "{e}");
    }

    /// A worked example across the spring change in New York: on Sunday 2026-03-08 at 02:00
    /// EST (07:00Z) the clocks jump to 03:00 EDT. 08:00 local is 13:00Z before the change and
    /// 12:00Z after it; 02:30 local does not exist that day and is skipped.
    #[test]
    fn cron_follows_daylight_saving_in_new_york() {
        let daily_8am = action("cron(0 8 * * ? *)", "America/New_York");
        assert_eq!(
            fires(&daily_8am, "2026-03-06T00:00:00Z", 4),
            ["2026-03-06T13:00:00Z", "2026-03-07T13:00:00Z", "2026-03-08T12:00:00Z", "2026-03-09T12:00:00Z"]
        );
        let half_past_two = action("cron(30 2 * * ? *)", "America/New_York");
        assert_eq!(
            fires(&half_past_two, "2026-03-06T00:00:00Z", 3),
            ["2026-03-06T07:30:00Z", "2026-03-07T07:30:00Z", "2026-03-09T06:30:00Z"]
        );
        // Every 20 minutes through the night of the change: 01:40 EST is followed by 03:00 EDT.
        let every_20 = action("cron(0/20 * 8 3 ? 2026)", "America/New_York");
        assert_eq!(fires(&every_20, "2026-03-08T06:30:00Z", 3), ["2026-03-08T06:40:00Z", "2026-03-08T07:00:00Z", "2026-03-08T07:20:00Z"]);
    }

    /// The autumn change: on 2026-11-01 at 02:00 EDT (06:00Z) the clocks fall back to 01:00
    /// EST, so 01:30 happens at 05:30Z and again at 06:30Z; the action runs at the first.
    #[test]
    fn a_repeated_hour_runs_once() {
        let half_past_one = action("cron(30 1 * * ? *)", "America/New_York");
        assert_eq!(
            fires(&half_past_one, "2026-10-31T00:00:00Z", 3),
            ["2026-10-31T05:30:00Z", "2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z"]
        );
        // Asked from between the two 01:30s, the next run is the next day's.
        assert_eq!(half_past_one.next_fire(t("2026-11-01T06:00:00Z")), Some(t("2026-11-02T06:30:00Z")));
    }

    #[test]
    fn at_in_a_region_uses_the_offset_of_that_day() {
        let summer = action("at(2026-07-01T09:00:00)", "Europe/Paris"); // CEST, UTC+2
        assert_eq!(summer.first_fire(), Some(t("2026-07-01T07:00:00Z")));
        let winter = action("at(2026-12-01T09:00:00)", "Europe/Paris"); // CET, UTC+1
        assert_eq!(winter.first_fire(), Some(t("2026-12-01T08:00:00Z")));
        // In the skipped hour the jump pushes it later; in the repeated hour, the first one.
        let skipped = action("at(2026-03-08T02:30:00)", "America/New_York");
        assert_eq!(skipped.first_fire(), Some(t("2026-03-08T07:30:00Z")));
        let repeated = action("at(2026-11-01T01:30:00)", "America/New_York");
        assert_eq!(repeated.first_fire(), Some(t("2026-11-01T05:30:00Z")));
    }

    #[test]
    fn fixed_offsets_and_extreme_instants() {
        let plus_one = action("cron(0 20 ? * MON-FRI *)", "Etc/GMT-1");
        assert_eq!(fires(&plus_one, "2026-01-01T00:00:00Z", 2), ["2026-01-01T19:00:00Z", "2026-01-02T19:00:00Z"]);
        let ny = TimeZone::parse("America/New_York").unwrap();
        let each = match Schedule::parse("cron(* * * * ? *)").unwrap() {
            Schedule::Cron(c) => c,
            other => panic!("{other:?}"),
        };
        assert_eq!(ny.next_cron(&each, i64::MAX), None);
        assert_eq!(ny.next_cron(&each, i64::MIN), Some(t("1970-01-01T05:00:00Z")));
    }
}

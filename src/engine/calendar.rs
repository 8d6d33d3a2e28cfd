//! Civil dates and times ↔ Unix seconds, and the ISO-8601 timestamps the AWS CLI reads and
//! prints, for every layer that meets a wall clock (scheduled actions, CloudWatch's reason
//! texts, the cluster query language, ALB access logs, `registeredAt` in ECS JSON).
//!
//! The arithmetic and the ISO-8601 grammar are `jiff`'s (proleptic Gregorian, no leap
//! seconds); this module only fixes the shapes ecsim uses — whole Unix seconds, and a
//! wall-clock [`DateTime`] that a schedule can hold — so no layer carries its own calendar.
//! Time zones are in `autoscaling::scheduled::zone`, the one place that needs them.

use jiff::civil;
use jiff::fmt::temporal::Pieces;
use jiff::Timestamp;

/// Seconds in a civil day (Unix time has no leap seconds).
pub const SECONDS_PER_DAY: i64 = 86_400;

const EPOCH: civil::Date = civil::Date::constant(1970, 1, 1);

/// Days since 1970-01-01 of a civil date (negative before it).
pub fn days_since_epoch(date: civil::Date) -> i64 {
    // Whole days between two midnights: the division is exact.
    date.duration_since(EPOCH).as_secs() / SECONDS_PER_DAY
}

/// The civil date of a day count since 1970-01-01, or `None` outside years −9999…9999.
pub fn date_of_days(days: i64) -> Option<civil::Date> {
    let secs = days.checked_mul(SECONDS_PER_DAY)?;
    Timestamp::from_second(secs).ok().map(|t| jiff::tz::Offset::UTC.to_datetime(t).date())
}

/// A wall-clock date and time, to the second.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct DateTime {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
}

impl DateTime {
    /// A valid date and time, or `None` (31 April, 24:00, a year outside −9999…9999, …).
    pub fn new(year: i64, month: u32, day: u32, hour: u32, minute: u32, second: u32) -> Option<DateTime> {
        let dt = DateTime { year, month, day, hour, minute, second };
        dt.civil().map(|_| dt)
    }

    /// The same wall-clock time as `jiff` holds it (`None` when it is not a real one).
    pub fn civil(self) -> Option<civil::DateTime> {
        let small = |v: u32| i8::try_from(v).ok();
        let date = civil::Date::new(i16::try_from(self.year).ok()?, small(self.month)?, small(self.day)?).ok()?;
        let time = civil::Time::new(small(self.hour)?, small(self.minute)?, small(self.second)?, 0).ok()?;
        Some(date.to_datetime(time))
    }

    fn from_civil(dt: civil::DateTime) -> DateTime {
        // Every component of a valid civil date-time is non-negative except the year.
        let unsigned = |v: i8| u32::try_from(v).unwrap_or(0);
        DateTime {
            year: i64::from(dt.year()),
            month: unsigned(dt.month()),
            day: unsigned(dt.day()),
            hour: unsigned(dt.hour()),
            minute: unsigned(dt.minute()),
            second: unsigned(dt.second()),
        }
    }

    /// Seconds since 1970-01-01T00:00:00 of this wall-clock time read as UTC (or, for a
    /// schedule, as "local seconds" in its own zone). A day past the end of its month runs
    /// on into the next (the fields are public, so nothing stops 30 February); a month or
    /// year out of range counts as 1970-01.
    pub fn to_unix(self) -> i64 {
        let first = i16::try_from(self.year).ok().zip(i8::try_from(self.month).ok()).and_then(|(y, m)| civil::Date::new(y, m, 1).ok());
        let days = first.map_or(0, days_since_epoch) + i64::from(self.day) - 1;
        days * SECONDS_PER_DAY + i64::from(self.hour) * 3600 + i64::from(self.minute) * 60 + i64::from(self.second)
    }

    /// The wall-clock time in UTC of a Unix second; instants beyond the years −9999…9999 are
    /// held at the nearest end of that range.
    pub fn from_unix(unix_s: i64) -> DateTime {
        let ts = Timestamp::from_second(unix_s).unwrap_or(if unix_s < 0 { Timestamp::MIN } else { Timestamp::MAX });
        DateTime::from_civil(jiff::tz::Offset::UTC.to_datetime(ts))
    }
}

/// `2026-01-05T08:00:00Z`.
pub fn format_utc(unix_s: i64) -> String {
    let d = DateTime::from_unix(unix_s);
    format!("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", d.year, d.month, d.day, d.hour, d.minute, d.second)
}

/// A timestamp as the AWS CLI writes or reads it: `2026-01-05T08:00:00Z`, with `+00:00`,
/// `-05:00` or `+0530` offsets, fractional seconds (dropped), a space for the `T`, or no zone
/// (UTC); or a bare date (midnight UTC). The grammar is ISO 8601 as `jiff` reads it, held to
/// what the CLI prints: the time, when there is one, has hours, minutes and seconds, and a
/// `[zone]` annotation is refused (a scheduled action's zone is its own field).
pub fn parse_timestamp(text: &str) -> Result<i64, String> {
    let bad = || format!("{text:?} is not a timestamp such as 2026-01-05T08:00:00Z");
    let t = text.trim();
    let pieces = Pieces::parse(t).map_err(|_| bad())?;
    if pieces.time_zone_annotation().is_some() {
        return Err(bad());
    }
    // jiff also reads `08`, `08:00` and the basic format `080000`; the CLI's `hh:mm:ss` is
    // always 8 characters at offset 11.
    let b = t.as_bytes();
    let full_time = b.len() >= 19 && b[4] == b'-' && b[7] == b'-' && b[13] == b':' && b[16] == b':';
    let date_only = t.len() == 10 && b[4] == b'-' && b[7] == b'-';
    if !(full_time || date_only && pieces.time().is_none()) {
        return Err(bad());
    }
    // jiff reads a leap second `:60` as `:59`; ISO 8601 timestamps from AWS never carry one.
    if full_time && t.get(17..19) == Some("60") {
        return Err(format!("{text:?} is not a real date and time"));
    }
    // `Z` is offset zero; no offset at all means UTC too.
    let offset_s = pieces.to_numeric_offset().map_or(0, |o| i64::from(o.seconds()));
    let civil_dt = pieces.date().to_datetime(pieces.time().unwrap_or(civil::Time::midnight()));
    let days = days_since_epoch(civil_dt.date());
    // Fractions of a second are dropped (the time of day is never negative: this floors).
    let within_day = civil_dt.time().duration_since(civil::Time::midnight()).as_secs();
    Ok(days * SECONDS_PER_DAY + within_day - offset_s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_instants() {
        assert_eq!(DateTime::new(2026, 1, 1, 0, 0, 0).unwrap().to_unix(), 1_767_225_600);
        assert_eq!(DateTime::new(1970, 1, 1, 0, 0, 0).unwrap().to_unix(), 0);
        assert_eq!(DateTime::new(2000, 2, 29, 12, 0, 0).unwrap().to_unix(), 951_825_600);
        assert_eq!(DateTime::new(2026, 2, 29, 0, 0, 0), None);
        assert_eq!(DateTime::new(2026, 4, 31, 0, 0, 0), None);
        assert_eq!(DateTime::new(2026, 1, 1, 24, 0, 0), None);
        assert_eq!(format_utc(1_767_225_600), "2026-01-01T00:00:00Z");
        assert_eq!(format_utc(-1), "1969-12-31T23:59:59Z");
        // Far instants are held at the end of jiff's range, not a panic.
        assert!(format_utc(i64::MAX).starts_with("9999-12-"));
        assert!(format_utc(i64::MIN).starts_with("-9999-01-"));
    }

    #[test]
    fn day_counts_match_the_known_calendar() {
        let d = |y, m, dd| days_since_epoch(civil::date(y, m, dd));
        assert_eq!(d(1970, 1, 1), 0);
        assert_eq!(d(1969, 12, 31), -1);
        assert_eq!(d(2000, 1, 1), 10_957);
        assert_eq!(d(2000, 2, 29), 11_016);
        assert_eq!(d(2100, 3, 1), 47_541);
        assert_eq!(d(1900, 3, 1), -25_508);
        for days in (-800_000..800_000).step_by(997) {
            assert_eq!(date_of_days(days).map(days_since_epoch), Some(days));
        }
        assert_eq!(date_of_days(i64::MAX), None);
    }

    #[test]
    fn timestamps_in_the_forms_the_cli_uses() {
        let t = 1_767_600_000; // 2026-01-05T08:00:00Z
        for s in [
            "2026-01-05T08:00:00Z",
            "2026-01-05T08:00:00",
            "2026-01-05 08:00:00",
            "2026-01-05t08:00:00z",
            "2026-01-05T08:00:00.000Z",
            "2026-01-05T08:00:00.123+00:00",
            "2026-01-05T09:00:00+01:00",
            "2026-01-05T09:00:00+01",
            "2026-01-05T03:00:00-0500",
            "2026-01-05T13:30:00+05:30",
            " 2026-01-05T08:00:00Z ",
        ] {
            assert_eq!(parse_timestamp(s), Ok(t), "{s}");
        }
        assert_eq!(parse_timestamp("2026-01-05"), Ok(t - 8 * 3600));
        assert_eq!(parse_timestamp("2024-05-02T09:14:07.482000+00:00"), Ok(1_714_641_247));
        for s in [
            "2026-1-5",
            "2026-01-05T8:00:00Z",
            "2026-01-05T08:00:00+5",
            "2026-02-30T00:00:00Z",
            "tomorrow",
            "2026-01-05T08:00:00.",
            "2026-01-05T08:00Z",
            "2026-01-05T08Z",
            "20260105T080000Z",
            "2026-01-05T08:00:00Z[Europe/Paris]",
            "2026-12-31T23:59:60Z",
            "2024-13-02T09:14:07Z",
            "",
        ] {
            assert!(parse_timestamp(s).is_err(), "{s}");
        }
    }
}

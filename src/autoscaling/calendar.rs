//! Civil dates and times (proleptic Gregorian, no leap seconds) ↔ Unix seconds, for scheduled
//! actions. The crate has no date library and needs little: day arithmetic (Howard Hinnant's
//! `days_from_civil`), weekdays, and the ISO-8601 timestamps the AWS CLI reads and prints.

/// Seconds in a civil day (Unix time has no leap seconds).
pub const SECONDS_PER_DAY: i64 = 86_400;

pub fn is_leap_year(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// Days in `month` (1–12) of `year`.
pub fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Days since 1970-01-01 of a civil date.
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date (year, month, day) of a day count since 1970-01-01.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Day of the week of a day count, numbered as AWS cron numbers it: 1 = Sunday … 7 = Saturday.
pub fn weekday(days: i64) -> u32 {
    // 1970-01-01 was a Thursday (5).
    ((days + 4).rem_euclid(7) + 1) as u32
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
    /// A valid date and time, or `None` (31 April, 24:00, …).
    pub fn new(year: i64, month: u32, day: u32, hour: u32, minute: u32, second: u32) -> Option<DateTime> {
        let ok = (1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month) && hour < 24 && minute < 60 && second < 60;
        ok.then_some(DateTime { year, month, day, hour, minute, second })
    }

    /// Seconds since 1970-01-01T00:00:00 of this wall-clock time read as UTC.
    pub fn to_unix(self) -> i64 {
        days_from_civil(self.year, self.month, self.day) * SECONDS_PER_DAY
            + i64::from(self.hour) * 3600
            + i64::from(self.minute) * 60
            + i64::from(self.second)
    }

    pub fn from_unix(unix_s: i64) -> DateTime {
        let (year, month, day) = civil_from_days(unix_s.div_euclid(SECONDS_PER_DAY));
        let s = unix_s.rem_euclid(SECONDS_PER_DAY) as u32;
        DateTime { year, month, day, hour: s / 3600, minute: s / 60 % 60, second: s % 60 }
    }
}

/// `2026-01-05T08:00:00Z`.
pub fn format_utc(unix_s: i64) -> String {
    let d = DateTime::from_unix(unix_s);
    format!("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", d.year, d.month, d.day, d.hour, d.minute, d.second)
}

/// A timestamp as the AWS CLI writes or reads it: `2026-01-05T08:00:00Z`, with `+00:00`,
/// `-05:00` or `+0530` offsets, fractional seconds (dropped), a space for the `T`, or no zone
/// (UTC); or a bare date (midnight UTC).
pub fn parse_timestamp(text: &str) -> Result<i64, String> {
    let bad = || format!("{text:?} is not a timestamp such as 2026-01-05T08:00:00Z");
    let t = text.trim();
    let digits = |from: usize, to: usize| -> Option<u32> {
        let s = t.get(from..to)?;
        if s.bytes().all(|c| c.is_ascii_digit()) {
            s.parse().ok()
        } else {
            None
        }
    };
    let sep = |at: usize, c: u8| t.as_bytes().get(at) == Some(&c);
    if !(sep(4, b'-') && sep(7, b'-')) {
        return Err(bad());
    }
    let (year, month, day) = (digits(0, 4).ok_or_else(bad)?, digits(5, 7).ok_or_else(bad)?, digits(8, 10).ok_or_else(bad)?);
    let (hour, minute, second, mut rest) = if t.len() == 10 {
        (0, 0, 0, "")
    } else {
        if !(sep(10, b'T') || sep(10, b't') || sep(10, b' ')) || !(sep(13, b':') && sep(16, b':')) {
            return Err(bad());
        }
        (digits(11, 13).ok_or_else(bad)?, digits(14, 16).ok_or_else(bad)?, digits(17, 19).ok_or_else(bad)?, t.get(19..).ok_or_else(bad)?)
    };
    if let Some(frac) = rest.strip_prefix('.') {
        let n = frac.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return Err(bad());
        }
        rest = &frac[n..];
    }
    let offset_s: i64 = match rest {
        "" | "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes()[0] {
                b'+' => 1,
                b'-' => -1,
                _ => return Err(bad()),
            };
            let hm = rest[1..].replace(':', "");
            if !(hm.len() == 2 || hm.len() == 4) || !hm.bytes().all(|c| c.is_ascii_digit()) {
                return Err(bad());
            }
            let h: i64 = hm[..2].parse().map_err(|_| bad())?;
            let m: i64 = if hm.len() == 4 { hm[2..].parse().map_err(|_| bad())? } else { 0 };
            if h > 23 || m > 59 {
                return Err(bad());
            }
            sign * (h * 3600 + m * 60)
        }
    };
    let dt =
        DateTime::new(i64::from(year), month, day, hour, minute, second).ok_or_else(|| format!("{text:?} is not a real date and time"))?;
    Ok(dt.to_unix() - offset_s)
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
        assert_eq!(format_utc(1_767_225_600), "2026-01-01T00:00:00Z");
        assert_eq!(format_utc(-1), "1969-12-31T23:59:59Z");
    }

    #[test]
    fn days_round_trip_and_weekdays() {
        for days in (-800_000..800_000).step_by(997) {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        // 2026-01-01 is a Thursday (5); 2026-01-04 a Sunday (1).
        assert_eq!(weekday(days_from_civil(2026, 1, 1)), 5);
        assert_eq!(weekday(days_from_civil(2026, 1, 4)), 1);
        assert_eq!(weekday(days_from_civil(1969, 12, 31)), 4);
    }

    #[test]
    fn timestamps_in_the_forms_the_cli_uses() {
        let t = 1_767_600_000; // 2026-01-05T08:00:00Z
        for s in [
            "2026-01-05T08:00:00Z",
            "2026-01-05T08:00:00",
            "2026-01-05 08:00:00",
            "2026-01-05T08:00:00.000Z",
            "2026-01-05T08:00:00.123+00:00",
            "2026-01-05T09:00:00+01:00",
            "2026-01-05T03:00:00-0500",
            "2026-01-05T13:30:00+05:30",
        ] {
            assert_eq!(parse_timestamp(s), Ok(t), "{s}");
        }
        assert_eq!(parse_timestamp("2026-01-05"), Ok(t - 8 * 3600));
        for s in ["2026-1-5", "2026-01-05T8:00:00Z", "2026-01-05T08:00:00+5", "2026-02-30T00:00:00Z", "tomorrow", "2026-01-05T08:00:00."] {
            assert!(parse_timestamp(s).is_err(), "{s}");
        }
    }
}

//! The cron grammar of Application Auto Scaling / EventBridge and the next matching minute.
//!
//! Six fields `minutes hours day-of-month month day-of-week year`, `*`, `?`, ranges, lists and
//! `/` steps, month names JAN–DEC and day names SUN–SAT (1 = Sunday). `L`, `W` and `#` are
//! rejected as not modelled. A [`Cron`] knows nothing of time zones: it works in "local
//! seconds" (a wall-clock time counted as if it were UTC); [`super::zone`] turns them into
//! instants.

use super::{schedule_error, ScheduleError, CRON_HELP};
use crate::engine::calendar::{date_of_days, days_since_epoch, SECONDS_PER_DAY};
use jiff::civil;

/// Whitespace-separated words with their byte offsets.
pub(super) fn split_fields(s: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in s.char_indices().chain(std::iter::once((s.len(), ' '))) {
        match (c.is_whitespace(), start) {
            (true, Some(st)) => {
                out.push((st, &s[st..i]));
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    out
}

/// One cron field's definition.
struct FieldDef {
    name: &'static str,
    min: u32,
    max: u32,
    /// Names for min, min+1, … (case-insensitive).
    names: &'static [&'static str],
    /// `?` allowed (the two day fields).
    question: bool,
}

const MINUTES: FieldDef = FieldDef { name: "minutes", min: 0, max: 59, names: &[], question: false };
const HOURS: FieldDef = FieldDef { name: "hours", min: 0, max: 23, names: &[], question: false };
const DAY_OF_MONTH: FieldDef = FieldDef { name: "day-of-month", min: 1, max: 31, names: &[], question: true };
const MONTH: FieldDef = FieldDef {
    name: "month",
    min: 1,
    max: 12,
    names: &["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"],
    question: false,
};
const DAY_OF_WEEK: FieldDef =
    FieldDef { name: "day-of-week", min: 1, max: 7, names: &["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"], question: true };
const YEAR: FieldDef = FieldDef { name: "year", min: 1970, max: 2199, names: &[], question: false };

/// A parsed field: `?` (any, the other day field decides), or the set of values it matches
/// (indexed from the field's minimum).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Field {
    Question,
    Values(Vec<bool>),
}

impl FieldDef {
    fn value(&self, s: &str, at: usize) -> Result<u32, ScheduleError> {
        let range_help = || {
            let names =
                if self.names.is_empty() { String::new() } else { format!(" or {}–{}", self.names[0], self.names[self.names.len() - 1]) };
            format!("{} takes {}–{}{names}", self.name, self.min, self.max)
        };
        if !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit()) {
            return match s.parse::<u32>() {
                Ok(v) if (self.min..=self.max).contains(&v) => Ok(v),
                _ => Err(schedule_error(at, format!("{s} is out of range for {}", self.name), range_help())),
            };
        }
        match self.names.iter().position(|n| n.eq_ignore_ascii_case(s)) {
            Some(i) => Ok(self.min + i as u32),
            None => Err(schedule_error(at, format!("{s:?} is not a value of {}", self.name), range_help())),
        }
    }

    fn parse(&self, text: &str, at: usize) -> Result<Field, ScheduleError> {
        if text == "?" {
            return if self.question {
                Ok(Field::Question)
            } else {
                Err(schedule_error(at, format!("`?` is not allowed in {}", self.name), "`?` only goes in day-of-month or day-of-week"))
            };
        }
        let mut set = vec![false; (self.max - self.min + 1) as usize];
        let mut pos = at;
        for item in text.split(',') {
            if let Err(e) = self.item(item, pos, &mut set) {
                // Names can hold these letters (WED): look past them.
                let rest = self.names.iter().fold(item.to_ascii_uppercase(), |s, n| s.replace(n, ""));
                let special = self.question && (rest.contains('L') || rest.contains('W') || rest.contains('#'));
                return Err(if special {
                    schedule_error(
                        pos,
                        format!("{item:?} in {}: L (last), W (nearest weekday) and # (nth weekday) are not modelled", self.name),
                        "list the days explicitly (e.g. 28-31 or MON-FRI) or use one scheduled action per date",
                    )
                } else {
                    e
                });
            }
            pos += item.len() + 1;
        }
        Ok(Field::Values(set))
    }

    /// One list item: `*`, `v`, `a-b`, each optionally `/step`.
    fn item(&self, item: &str, at: usize, set: &mut [bool]) -> Result<(), ScheduleError> {
        if item.is_empty() {
            return Err(schedule_error(at, format!("empty item in the {} list", self.name), "separate values with single commas: 1,15"));
        }
        let (range, step) = match item.split_once('/') {
            Some((r, s)) => {
                let s_at = at + r.len() + 1;
                match s.parse::<u32>() {
                    Ok(n) if n >= 1 => (r, Some(n)),
                    _ => {
                        return Err(schedule_error(
                            s_at,
                            format!("step {s:?} in {} is not a whole number of 1 or more", self.name),
                            "e.g. */15",
                        ))
                    }
                }
            }
            None => (item, None),
        };
        let (lo, hi) = if range == "*" {
            (self.min, self.max)
        } else if let Some((a, b)) = range.split_once('-') {
            let lo = self.value(a, at)?;
            let hi = self.value(b, at + a.len() + 1)?;
            if lo > hi {
                return Err(schedule_error(
                    at,
                    format!("range {range} in {} runs backwards", self.name),
                    format!("write it as two ranges: {a}-{},{}-{b}", self.max_name(), self.min_name()),
                ));
            }
            (lo, hi)
        } else {
            let v = self.value(range, at)?;
            // `a/n` runs from a to the end of the field.
            (v, if step.is_some() { self.max } else { v })
        };
        for v in (lo..=hi).step_by(step.unwrap_or(1) as usize) {
            set[(v - self.min) as usize] = true;
        }
        Ok(())
    }

    fn max_name(&self) -> String {
        self.names.last().map_or(self.max.to_string(), |n| n.to_string())
    }

    fn min_name(&self) -> String {
        self.names.first().map_or(self.min.to_string(), |n| n.to_string())
    }
}

/// A cron expression: the minutes, hours, days, months and years it matches, in the wall-clock
/// time of the action's zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cron {
    minutes: Vec<bool>,
    hours: Vec<bool>,
    /// `None` = `?`.
    days_of_month: Option<Vec<bool>>,
    months: Vec<bool>,
    /// `None` = `?`.
    days_of_week: Option<Vec<bool>>,
    years: Vec<bool>,
}

impl Cron {
    /// Parses the six fields inside `cron(...)`; `at` is the offset of `fields` in the whole
    /// expression, for error positions.
    pub fn parse(fields: &str, at: usize) -> Result<Cron, ScheduleError> {
        let words = split_fields(fields);
        if words.len() != 6 {
            return Err(schedule_error(at, format!("cron needs 6 fields, found {}", words.len()), CRON_HELP));
        }
        let defs = [&MINUTES, &HOURS, &DAY_OF_MONTH, &MONTH, &DAY_OF_WEEK, &YEAR];
        let mut parsed = Vec::with_capacity(6);
        for (def, (off, word)) in defs.iter().zip(&words) {
            parsed.push(def.parse(word, at + off)?);
        }
        let values = |f: &Field| match f {
            Field::Values(v) => v.clone(),
            Field::Question => Vec::new(),
        };
        let (dom, dow) = (&parsed[2], &parsed[4]);
        match (dom, dow) {
            (Field::Question, Field::Question) => {
                return Err(schedule_error(
                    at + words[4].0,
                    "day-of-month and day-of-week are both `?`",
                    "give one of them (e.g. * for every day) and keep `?` in the other",
                ))
            }
            (Field::Values(_), Field::Values(_)) => {
                return Err(schedule_error(
                    at + words[4].0,
                    "day-of-month and day-of-week are both given",
                    "AWS cron takes one of them: put `?` in the other (e.g. cron(0 8 ? * MON-FRI *))",
                ))
            }
            _ => {}
        }
        let opt = |f: &Field| match f {
            Field::Question => None,
            Field::Values(v) => Some(v.clone()),
        };
        Ok(Cron {
            minutes: values(&parsed[0]),
            hours: values(&parsed[1]),
            days_of_month: opt(dom),
            months: values(&parsed[3]),
            days_of_week: opt(dow),
            years: values(&parsed[5]),
        })
    }

    fn day_matches(&self, date: civil::Date) -> bool {
        let year = u32::try_from(date.year()).unwrap_or(0);
        let index = |v: i8| usize::try_from(v).unwrap_or(0).saturating_sub(1);
        (YEAR.min..=YEAR.max).contains(&year)
            && self.years[(year - YEAR.min) as usize]
            && self.months[index(date.month())]
            && self.days_of_month.as_ref().is_none_or(|d| d[index(date.day())])
            && self.days_of_week.as_ref().is_none_or(|d| d[index(date.weekday().to_sunday_one_offset())])
    }

    /// The first matching minute of the day at or after minute-of-day `from`.
    fn first_minute_from(&self, from: u32) -> Option<u32> {
        (from / 60..24).filter(|&h| self.hours[h as usize]).find_map(|h| {
            let start = if h == from / 60 { from % 60 } else { 0 };
            (start..60).find(|&m| self.minutes[m as usize]).map(|m| h * 60 + m)
        })
    }

    /// The first matching instant (second 0 of a matching minute) strictly after `after`, both
    /// in local seconds; `None` if there is none before the year 2200.
    pub fn next_after(&self, after: i64) -> Option<i64> {
        let end_of_years = days_since_epoch(civil::Date::constant(YEAR.max as i16 + 1, 1, 1)) * SECONDS_PER_DAY;
        if after >= end_of_years {
            return None;
        }
        // Before 1970 nothing matches: start at 1970-01-01T00:00 at the earliest.
        let start = after.div_euclid(60).saturating_mul(60).saturating_add(60).max(0);
        let mut day = start.div_euclid(SECONDS_PER_DAY);
        let mut from_minute = (start.rem_euclid(SECONDS_PER_DAY) / 60) as u32;
        let last_year = self.years.iter().rposition(|&y| y)? as i64 + i64::from(YEAR.min);
        let mut date = date_of_days(day)?;
        loop {
            if i64::from(date.year()) > last_year {
                return None;
            }
            if self.day_matches(date) {
                if let Some(m) = self.first_minute_from(from_minute) {
                    return Some(day * SECONDS_PER_DAY + i64::from(m) * 60);
                }
            }
            date = date.tomorrow().ok()?;
            day += 1;
            from_minute = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::autoscaling::scheduled::Schedule;
    use crate::engine::calendar::parse_timestamp;

    fn t(s: &str) -> i64 {
        parse_timestamp(s).unwrap()
    }

    fn cron(s: &str) -> Cron {
        match Schedule::parse(s) {
            Ok(Schedule::Cron(c)) => c,
            other => panic!("{s}: {other:?}"),
        }
    }

    #[test]
    fn cron_fields_accept_lists_ranges_steps_and_names() {
        let c = cron("cron(0/20 8-10,14 ? JAN,jun-AUG MON-FRI 2026-2027)");
        assert_eq!(c.minutes.iter().filter(|&&b| b).count(), 3);
        assert!(c.minutes[0] && c.minutes[20] && c.minutes[40]);
        assert!(c.hours[8] && c.hours[9] && c.hours[10] && c.hours[14] && !c.hours[11]);
        assert_eq!(c.months.iter().filter(|&&b| b).count(), 4);
        assert_eq!(c.days_of_week.as_ref().unwrap(), &vec![false, true, true, true, true, true, false]);
        assert_eq!(c.days_of_month, None);
        let every_7 = cron("cron(*/7 * * * ? *)");
        assert!(every_7.minutes[56] && !every_7.minutes[57]);
    }

    #[test]
    fn cron_next_crosses_days_months_and_years() {
        let c = cron("cron(30 23 31 12 ? *)");
        assert_eq!(c.next_after(t("2026-01-01T00:00:00Z")), Some(t("2026-12-31T23:30:00Z")));
        assert_eq!(c.next_after(t("2026-12-31T23:30:00Z")), Some(t("2027-12-31T23:30:00Z")));
        let feb29 = cron("cron(0 0 29 2 ? *)");
        assert_eq!(feb29.next_after(t("2026-01-01T00:00:00Z")), Some(t("2028-02-29T00:00:00Z")));
        let never = cron("cron(0 0 30 2 ? *)");
        assert_eq!(never.next_after(t("2026-01-01T00:00:00Z")), None);
        let past = cron("cron(0 0 * * ? 2020)");
        assert_eq!(past.next_after(t("2026-01-01T00:00:00Z")), None);
        // Mid-minute: the next whole matching minute.
        let each = cron("cron(* * * * ? *)");
        assert_eq!(each.next_after(t("2026-01-01T00:00:30Z")), Some(t("2026-01-01T00:01:00Z")));
    }

    #[test]
    fn errors_point_into_the_expression() {
        let e = |s: &str| Schedule::parse(s).unwrap_err();
        assert_eq!(e("cron(0 8 ? * MON-FRI)").message, "cron needs 6 fields, found 5");
        let l = e("cron(0 8 L * ? *)");
        assert_eq!(l.at_char, Some(9));
        assert!(l.message.contains("not modelled"), "{}", l.message);
        assert!(e("cron(0 8 ? * 6#3 *)").message.contains("not modelled"));
        assert!(e("cron(0 8 ? * 5L *)").message.contains("not modelled"));
        assert!(e("cron(0 8 15W * ? *)").message.contains("not modelled"));
        assert_eq!(e("cron(0 24 * * ? *)").at_char, Some(7));
        assert_eq!(e("cron(0 8 * * MON *)").message, "day-of-month and day-of-week are both given");
        assert_eq!(e("cron(0 8 ? * ? *)").message, "day-of-month and day-of-week are both `?`");
        assert_eq!(e("cron(0 8 ? * FRI-MON *)").help, "write it as two ranges: FRI-SAT,SUN-MON");
        assert_eq!(e("cron(0/0 8 * * ? *)").at_char, Some(7));
        assert_eq!(e("rate(0 minutes)").at_char, Some(5));
        assert_eq!(e("rate(5 weeks)").at_char, Some(7));
        assert!(e("at(2026-02-30T00:00:00)").message.contains("not a real date"));
        assert!(e("every(5 minutes)").message.contains("unknown schedule kind"));
        assert_eq!(e("cron(0 8 ? * MON-FRI *").message, "the schedule expression does not end with `)`");
    }
}

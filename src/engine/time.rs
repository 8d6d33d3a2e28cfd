//! Simulated time as whole microseconds, and spans written the way people write them
//! ("250ms", "90s", "5m", "2h", "1h30m").
//!
//! Integer time keeps runs exact and reproducible: no epsilon comparisons, no drift from
//! summing floats, and (time, sequence) is a total order on events.

use std::fmt;

/// Microseconds in one second.
pub const MICROS_PER_SECOND: u64 = 1_000_000;

/// An instant of simulated time, in microseconds since the start of the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct SimTime(pub u64);

/// A length of simulated time, in microseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Span(pub u64);

/// An instant that may not have happened yet, in 8 bytes where `Option<SimTime>` takes 16:
/// a task keeps seven of them, and at 100,000 tasks the difference was 5.6 MB of memory
/// touched for the first time (page faults were a fifth of W2's run). `u64::MAX` µs (584,000
/// years) stands for none: an instant that late is kept as one microsecond earlier.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct MaybeTime(u64);

impl MaybeTime {
    pub const NONE: MaybeTime = MaybeTime(u64::MAX);

    pub fn some(t: SimTime) -> MaybeTime {
        MaybeTime(t.0.min(u64::MAX - 1))
    }
    pub fn get(self) -> Option<SimTime> {
        (self.0 != u64::MAX).then_some(SimTime(self.0))
    }
    pub fn is_some(self) -> bool {
        self.0 != u64::MAX
    }
    pub fn is_none(self) -> bool {
        self.0 == u64::MAX
    }
    /// Sets it to `t` unless it is set already.
    pub fn get_or_insert(&mut self, t: SimTime) {
        if self.is_none() {
            *self = MaybeTime::some(t);
        }
    }
}

impl Default for MaybeTime {
    fn default() -> Self {
        MaybeTime::NONE
    }
}

impl From<Option<SimTime>> for MaybeTime {
    fn from(t: Option<SimTime>) -> Self {
        t.map_or(MaybeTime::NONE, MaybeTime::some)
    }
}

impl From<MaybeTime> for Option<SimTime> {
    fn from(t: MaybeTime) -> Self {
        t.get()
    }
}

impl fmt::Debug for MaybeTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.get().fmt(f)
    }
}

impl SimTime {
    pub const ZERO: SimTime = SimTime(0);

    pub fn from_secs(s: u64) -> Self {
        SimTime(s * MICROS_PER_SECOND)
    }
    pub fn as_micros(self) -> u64 {
        self.0
    }
    /// Seconds as a float, for reports only (never for decisions).
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / MICROS_PER_SECOND as f64
    }
    /// Whole seconds, rounded down.
    pub fn whole_secs(self) -> u64 {
        self.0 / MICROS_PER_SECOND
    }
    pub fn saturating_add(self, span: Span) -> SimTime {
        SimTime(self.0.saturating_add(span.0))
    }
    /// Span from `earlier` to `self`; zero if `earlier` is later.
    /// `self − span`, or `None` before the start of the run.
    pub fn checked_sub(self, span: Span) -> Option<SimTime> {
        self.0.checked_sub(span.0).map(SimTime)
    }
    pub fn since(self, earlier: SimTime) -> Span {
        Span(self.0.saturating_sub(earlier.0))
    }
}

impl std::ops::Add<Span> for SimTime {
    type Output = SimTime;
    fn add(self, rhs: Span) -> SimTime {
        SimTime(self.0 + rhs.0)
    }
}

impl Span {
    pub const ZERO: Span = Span(0);

    pub const fn from_secs(s: u64) -> Self {
        Span(s * MICROS_PER_SECOND)
    }
    pub fn from_millis(ms: u64) -> Self {
        Span(ms * 1000)
    }
    /// Rounds a non-negative number of seconds to the nearest microsecond (for sampled
    /// durations); negative and NaN inputs give zero.
    pub fn from_secs_f64(s: f64) -> Self {
        if s.is_nan() || s <= 0.0 {
            Span(0)
        } else {
            // `x + 0.5` truncated is round-half-up for x ≥ 0, and compiles to two instructions
            // where `f64::round` is a libm call (it showed at 4 % of a traffic run's profile).
            // The cast saturates at u64::MAX.
            Span((s * MICROS_PER_SECOND as f64 + 0.5) as u64)
        }
    }
    pub fn as_micros(self) -> u64 {
        self.0
    }
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / MICROS_PER_SECOND as f64
    }
    pub fn whole_secs(self) -> u64 {
        self.0 / MICROS_PER_SECOND
    }

    /// Parses "250ms", "90s", "5m", "2h", "1d", "1h30m", "1.5s", or a bare number of seconds.
    pub fn parse(text: &str) -> Result<Span, SpanParseError> {
        let s = text.trim();
        if s.is_empty() {
            return Err(SpanParseError::new(text, "empty duration"));
        }
        match whole_span(s) {
            Some(span) => Ok(span),
            None => parse_general(text, s),
        }
    }
}

/// Any form `Span::parse` takes, `s` being `text` trimmed and not empty.
fn parse_general(text: &str, s: &str) -> Result<Span, SpanParseError> {
    if let Ok(secs) = s.parse::<f64>() {
        return finite_span(text, secs, 1.0);
    }
    let mut total_us: u128 = 0;
    let mut rest = s;
    while !rest.is_empty() {
        let num_len = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
        if num_len == 0 {
            return Err(SpanParseError::new(text, "expected a number before the unit"));
        }
        let number: f64 = rest[..num_len].parse().map_err(|_| SpanParseError::new(text, "malformed number"))?;
        rest = &rest[num_len..];
        let unit_len = rest.find(|c: char| c.is_ascii_digit() || c == '.').unwrap_or(rest.len());
        let unit = &rest[..unit_len];
        rest = &rest[unit_len..];
        let scale_us = match unit {
            "us" | "µs" => 1.0,
            "ms" => 1e3,
            "s" => 1e6,
            "m" | "min" => 60e6,
            "h" => 3600e6,
            "d" => 86400e6,
            "" => return Err(SpanParseError::new(text, "missing unit after a number")),
            _ => return Err(SpanParseError::new(text, "unknown unit; use us, ms, s, m, h or d (e.g. \"90s\", \"1h30m\")")),
        };
        let us = number * scale_us;
        if !us.is_finite() || us < 0.0 {
            return Err(SpanParseError::new(text, "duration out of range"));
        }
        total_us += us.round() as u128;
    }
    u64::try_from(total_us).map(Span).map_err(|_| SpanParseError::new(text, "duration out of range"))
}

/// The common form read as integers: whole digits then one unit ("99416ms"; W2's arrival lists
/// hold 100,000 of them, and the general path below tried a float parse of each first). `None`
/// sends anything else to the general path. Same value as that path: below 2^53 microseconds
/// the number, the scale and their product are exact in f64, so its rounding changes nothing.
fn whole_span(s: &str) -> Option<Span> {
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 || digits > 9 {
        return None;
    }
    let scale_us: u64 = match &s[digits..] {
        "us" | "µs" => 1,
        "ms" => 1_000,
        "s" => 1_000_000,
        "m" | "min" => 60_000_000,
        "h" => 3_600_000_000,
        "d" => 86_400_000_000,
        _ => return None,
    };
    let number = s.as_bytes()[..digits].iter().fold(0u64, |n, d| n * 10 + u64::from(d - b'0'));
    let us = number.checked_mul(scale_us)?;
    (us < 1 << 53).then_some(Span(us))
}

fn finite_span(text: &str, value: f64, scale_s: f64) -> Result<Span, SpanParseError> {
    let us = value * scale_s * MICROS_PER_SECOND as f64;
    if !us.is_finite() || us < 0.0 || us > u64::MAX as f64 {
        return Err(SpanParseError::new(text, "duration must be a non-negative finite number"));
    }
    Ok(Span(us.round() as u64))
}

/// A duration string that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpanParseError {
    pub text: String,
    pub message: String,
}

impl SpanParseError {
    fn new(text: &str, message: &str) -> Self {
        SpanParseError { text: text.to_string(), message: message.to_string() }
    }
}

impl fmt::Display for SpanParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid duration {:?}: {}", self.text, self.message)
    }
}

impl std::error::Error for SpanParseError {}

impl fmt::Display for Span {
    /// Shortest exact human form: "1h30m", "90ms", "0s".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut us = self.0;
        if us == 0 {
            return f.write_str("0s");
        }
        let units = [("d", 86_400_000_000u64), ("h", 3_600_000_000), ("m", 60_000_000), ("s", 1_000_000), ("ms", 1000), ("us", 1)];
        for (name, size) in units {
            if us >= size {
                write!(f, "{}{}", us / size, name)?;
                us %= size;
            }
        }
        Ok(())
    }
}

impl fmt::Display for SimTime {
    /// `HH:MM:SS.mmm` from the start of the run (hours may exceed 24).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.0 / 1000;
        let (h, m, s, milli) = (ms / 3_600_000, (ms / 60_000) % 60, (ms / 1000) % 60, ms % 1000);
        write!(f, "{h:02}:{m:02}:{s:02}.{milli:03}")
    }
}

impl<'de> serde::Deserialize<'de> for Span {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Span, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Span;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a duration such as \"250ms\", \"90s\", \"5m\", \"2h\" or \"1h30m\"")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Span, E> {
                Span::parse(v).map_err(|e| E::custom(e))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Span, E> {
                v.checked_mul(MICROS_PER_SECOND).map(Span).ok_or_else(|| E::custom("duration out of range"))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Span, E> {
                if v < 0 {
                    return Err(E::custom("a duration cannot be negative"));
                }
                self.visit_u64(v as u64)
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Span, E> {
                finite_span(&v.to_string(), v, 1.0).map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}

impl serde::Serialize for Span {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_maybe_time_is_an_option_of_half_the_size() {
        assert_eq!(std::mem::size_of::<MaybeTime>(), 8);
        assert_eq!(MaybeTime::default().get(), None);
        let t = SimTime::from_secs(90);
        assert_eq!(MaybeTime::some(t).get(), Some(t));
        assert_eq!(MaybeTime::from(Some(SimTime::ZERO)).get(), Some(SimTime::ZERO));
        // The one instant it cannot hold is kept a microsecond earlier.
        assert_eq!(MaybeTime::some(SimTime(u64::MAX)).get(), Some(SimTime(u64::MAX - 1)));
        let mut first = MaybeTime::NONE;
        first.get_or_insert(t);
        first.get_or_insert(SimTime::from_secs(120));
        assert_eq!(Option::<SimTime>::from(first), Some(t));
        assert_eq!(format!("{:?}", MaybeTime::NONE), "None");
    }

    use super::*;

    #[test]
    fn spans_parse_from_human_strings() {
        assert_eq!(Span::parse("250ms").unwrap(), Span::from_millis(250));
        assert_eq!(Span::parse("90s").unwrap(), Span::from_secs(90));
        assert_eq!(Span::parse("5m").unwrap(), Span::from_secs(300));
        assert_eq!(Span::parse("2h").unwrap(), Span::from_secs(7200));
        assert_eq!(Span::parse("1h30m").unwrap(), Span::from_secs(5400));
        assert_eq!(Span::parse("1.5s").unwrap(), Span::from_millis(1500));
        assert_eq!(Span::parse("1d").unwrap(), Span::from_secs(86400));
        assert_eq!(Span::parse("42").unwrap(), Span::from_secs(42));
    }

    #[test]
    fn whole_numbers_read_as_integers_give_what_the_general_path_gives() {
        let units = ["us", "µs", "ms", "s", "m", "min", "h", "d"];
        let numbers = ["0", "7", "99416", "999999999", "104249991", "9007199", "1000000000", "00012"];
        for number in numbers {
            for unit in units {
                let text = format!("{number}{unit}");
                let general = parse_general(&text, &text);
                match whole_span(&text) {
                    // Taken by the integer path: exactly the general path's value.
                    Some(span) => assert_eq!(Ok(span), general, "{text}"),
                    // Left to the general path: too many digits or past 2^53 µs.
                    None => assert!(number.len() > 9 || !matches!(general, Ok(s) if s.as_micros() < 1 << 53), "{text}"),
                }
            }
        }
        // Not the whole-number form: the general path, as before.
        for text in ["1.5s", "1h30m", "42", "5 s", "5x", "ms"] {
            assert_eq!(whole_span(text), None, "{text}");
        }
    }

    #[test]
    fn bad_spans_say_what_to_write() {
        for bad in ["", "abc", "5 parsecs", "5x", "-3s", "s"] {
            let err = Span::parse(bad).unwrap_err();
            assert!(!err.message.is_empty(), "{bad}");
        }
        assert!(Span::parse("5x").unwrap_err().message.contains("use us, ms, s, m, h or d"));
    }

    #[test]
    fn spans_print_in_their_shortest_exact_form() {
        assert_eq!(Span::from_secs(5400).to_string(), "1h30m");
        assert_eq!(Span::from_millis(250).to_string(), "250ms");
        assert_eq!(Span::ZERO.to_string(), "0s");
        assert_eq!(SimTime::from_secs(3723).to_string(), "01:02:03.000");
    }
}

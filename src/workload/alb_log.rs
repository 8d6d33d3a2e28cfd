//! Replay of Application Load Balancer access logs: the requests a real load balancer saw,
//! re-offered to the simulated one at the times they arrived.
//!
//! The format (ELB user guide, "Access log entries"): one request per line, fields separated by
//! spaces, some enclosed in double quotes, `-` for an empty value; AWS appends new fields at the
//! end, so anything after the fields read here is ignored. The fields used (1-based):
//!
//! | # | field | used as |
//! |---|---|---|
//! | 4 | client:port | [`LogRequest::client_ip`] (IPv4 only) |
//! | 7 | target_processing_time | [`LogRequest::target_processing_time_s`] (`-1` → none) |
//! | 9 | elb_status_code | [`LogRequest::elb_status_code`] |
//! | 13 | "request" (`METHOD scheme://host:port/path?query VERSION`) | method, host, path, query |
//! | 22 | request_creation_time (ISO 8601, UTC, µs) | [`LogRequest::created_at_us`]: when the request arrived |
//!
//! The arrival time is request_creation_time (field 22), not field 2, which is when the
//! response was sent (for WebSockets, when the connection closed).
//!
//! The log is read once, at load time, so strings are fine here; a [`Replay`] then hands out
//! only (time, index) pairs during the run.

use crate::engine::calendar::DateTime;
use crate::engine::{SimTime, Span};
use std::borrow::Cow;
use std::net::Ipv4Addr;

/// A line needs at least this many fields to reach request_creation_time.
pub const MIN_FIELDS: usize = 22;

/// One request read from an access log.
#[derive(Debug, Clone, PartialEq)]
pub struct LogRequest {
    /// request_creation_time, in microseconds since the Unix epoch (UTC). Digits below the
    /// microsecond are dropped (ALB writes exactly six).
    pub created_at_us: i64,
    /// `GET`, `POST`, …
    pub method: String,
    /// The host of the request URL, without the port (an IPv6 literal keeps its brackets).
    pub host: String,
    /// The path of the request URL, `/` if it has none; still percent-encoded as logged.
    pub path: String,
    /// What follows `?` in the request URL (without the `?`); empty if none.
    pub query: String,
    /// The client's address, if it is IPv4 (`None` for IPv6 or `-`).
    pub client_ip: Option<Ipv4Addr>,
    /// Seconds the target took to start its response; `None` when the load balancer could not
    /// dispatch the request (logged as `-1`) or there is no value (`-`).
    pub target_processing_time_s: Option<f64>,
    /// The status the load balancer returned; `None` if logged as `-`.
    pub elb_status_code: Option<u16>,
}

/// A line that was not read, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedLine {
    /// 1-based line number in the text.
    pub line: usize,
    pub reason: String,
}

/// The result of reading a log: the requests, sorted by creation time (stable: equal times keep
/// their order in the file), and the lines that could not be read.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LogParse {
    pub requests: Vec<LogRequest>,
    pub skipped: Vec<SkippedLine>,
}

/// How many skipped lines [`LogParse::summary`] names before it only counts.
const SUMMARY_SKIPPED_SHOWN: usize = 3;

impl LogParse {
    /// One line for a run log, e.g. "7 requests read, 1 line skipped (line 3: unterminated quote
    /// in field 13)". Names the first three skipped lines and counts the rest.
    pub fn summary(&self) -> String {
        let plural = |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        let mut s =
            format!("{} read, {} skipped", plural(self.requests.len(), "request", "requests"), plural(self.skipped.len(), "line", "lines"));
        if !self.skipped.is_empty() {
            let shown: Vec<String> =
                self.skipped.iter().take(SUMMARY_SKIPPED_SHOWN).map(|k| format!("line {}: {}", k.line, k.reason)).collect();
            s.push_str(" (");
            s.push_str(&shown.join("; "));
            if self.skipped.len() > SUMMARY_SKIPPED_SHOWN {
                s.push_str(&format!("; and {} more", self.skipped.len() - SUMMARY_SKIPPED_SHOWN));
            }
            s.push(')');
        }
        s
    }
}

/// Reads an access log (the text of one or more uncompressed log files). Blank lines and lines
/// starting with `#` are ignored silently; every other line either becomes a request or is
/// listed in `skipped` with its 1-based line number and the reason.
pub fn parse_log(text: &str) -> LogParse {
    let mut out = LogParse::default();
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        match parse_line(trimmed) {
            Ok(request) => out.requests.push(request),
            Err(reason) => out.skipped.push(SkippedLine { line: i + 1, reason }),
        }
    }
    // `sort_by_key` is stable: requests created in the same microsecond keep the file's order.
    out.requests.sort_by_key(|r| r.created_at_us);
    out
}

/// Reads one log entry; the error says what is wrong with it.
pub fn parse_line(line: &str) -> Result<LogRequest, String> {
    let fields = split_fields(line)?;
    if fields.len() < MIN_FIELDS {
        return Err(format!("too few fields ({}, an access log entry has at least {MIN_FIELDS})", fields.len()));
    }
    let field = |n: usize| fields[n - 1].as_ref();
    let created = field(22);
    let created_at_us =
        parse_timestamp_us(created).map_err(|e| format!("bad timestamp in field 22 (request_creation_time) {created:?}: {e}"))?;
    let request = field(13);
    let (method, host, path, query) = parse_request_line(request).map_err(|e| format!("bad request line in field 13 {request:?}: {e}"))?;
    let target_processing_time_s = match field(7) {
        "-" | "-1" => None,
        t => match t.parse::<f64>() {
            Ok(s) if s.is_finite() && s >= 0.0 => Some(s),
            _ => return Err(format!("bad target_processing_time in field 7: {t:?} is not a number of seconds")),
        },
    };
    let elb_status_code = match field(9) {
        "-" => None,
        code => Some(code.parse::<u16>().map_err(|_| format!("bad elb_status_code in field 9: {code:?}"))?),
    };
    Ok(LogRequest {
        created_at_us,
        method,
        host,
        path,
        query,
        client_ip: parse_client_ip(field(4)),
        target_processing_time_s,
        elb_status_code,
    })
}

/// Splits an entry into its fields, removing the quotes around quoted ones.
///
/// Inside quotes, `\"` is a quote and `\\` a backslash; other escapes (ALB writes `\x22` for a
/// quote in the request line) are kept as logged. A quote closes the field only when a space
/// or the end of the line follows it, so a stray unescaped quote inside a user agent does not
/// end the field early. An opening quote with no closing one is an error naming the field.
pub fn split_fields(line: &str) -> Result<Vec<Cow<'_, str>>, String> {
    let bytes = line.as_bytes();
    let mut fields = Vec::with_capacity(32);
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b' ' {
            i += 1;
            continue;
        }
        if bytes[i] != b'"' {
            let start = i;
            while i < bytes.len() && bytes[i] != b' ' {
                i += 1;
            }
            fields.push(Cow::Borrowed(&line[start..i]));
            continue;
        }
        // A quoted field. Only ASCII bytes are compared, so slicing stays on char boundaries.
        let start = i + 1;
        let (mut j, mut piece_start) = (start, start);
        let mut unescaped: Option<String> = None;
        loop {
            if j >= bytes.len() {
                return Err(format!("unterminated quote in field {}", fields.len() + 1));
            }
            match bytes[j] {
                b'\\' if matches!(bytes.get(j + 1), Some(b'"' | b'\\')) => {
                    let s = unescaped.get_or_insert_with(String::new);
                    s.push_str(&line[piece_start..j]);
                    s.push(bytes[j + 1] as char);
                    j += 2;
                    piece_start = j;
                }
                b'"' if matches!(bytes.get(j + 1), None | Some(b' ')) => break,
                _ => j += 1,
            }
        }
        fields.push(match unescaped {
            None => Cow::Borrowed(&line[start..j]),
            Some(mut s) => {
                s.push_str(&line[piece_start..j]);
                Cow::Owned(s)
            }
        });
        i = j + 1;
    }
    Ok(fields)
}

/// `GET http://www.example.com:80/path?q HTTP/1.1` → (method, host, path, query).
fn parse_request_line(request: &str) -> Result<(String, String, String, String), String> {
    let parts: Vec<&str> = request.split(' ').collect();
    let [method, url, version] = parts[..] else {
        return Err("expected `METHOD scheme://host:port/path VERSION`".into());
    };
    if method.is_empty() || !method.bytes().all(|b| b.is_ascii_uppercase()) {
        // A malformed request is logged with `-` here; there is nothing to replay.
        return Err(format!("no HTTP method ({method:?})"));
    }
    if !version.starts_with("HTTP/") {
        return Err(format!("no HTTP version ({version:?})"));
    }
    let Some((_, rest)) = url.split_once("://") else {
        return Err(format!("the URL {url:?} has no scheme://"));
    };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, path_and_query) = rest.split_at(authority_end);
    let host = if authority.starts_with('[') {
        // An IPv6 literal: [2001:db8::1]:443.
        match authority.find(']') {
            Some(end) => &authority[..=end],
            None => return Err(format!("unclosed [ in host {authority:?}")),
        }
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) if port.bytes().all(|b| b.is_ascii_digit()) => host,
            _ => authority,
        }
    };
    if host.is_empty() {
        return Err("the URL has no host".into());
    }
    let (path, query) = path_and_query.split_once('?').unwrap_or((path_and_query, ""));
    let path = if path.is_empty() { "/" } else { path };
    Ok((method.to_string(), host.to_string(), path.to_string(), query.to_string()))
}

/// `192.168.131.39:2817` → 192.168.131.39; IPv6 and `-` give `None`.
fn parse_client_ip(client: &str) -> Option<Ipv4Addr> {
    client.rsplit_once(':').and_then(|(ip, _)| ip.parse().ok())
}

/// `2018-07-02T22:22:48.364000Z` → microseconds since the Unix epoch.
///
/// Accepts exactly the form ALB writes: `YYYY-MM-DDTHH:MM:SS`, an optional fraction of 1–9
/// digits (digits after the sixth are dropped), and `Z` (UTC). Leap seconds (`:60`) are
/// rejected; ALB does not write them.
pub fn parse_timestamp_us(text: &str) -> Result<i64, String> {
    // Every field below is found by byte offset: a non-ASCII character would put an offset
    // inside a character (and slicing there panics), and ALB never writes one here.
    if let Some(c) = text.chars().find(|c| !c.is_ascii()) {
        return Err(format!("{c:?} is not part of a timestamp (expected YYYY-MM-DDTHH:MM:SS[.ffffff]Z)"));
    }
    let b = text.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' || b[16] != b':' {
        return Err("expected YYYY-MM-DDTHH:MM:SS[.ffffff]Z".into());
    }
    let number = |from: usize, to: usize, what: &str| -> Result<u32, String> {
        let digits = &text[from..to];
        if digits.bytes().all(|c| c.is_ascii_digit()) {
            digits.parse().map_err(|_| format!("bad {what}"))
        } else {
            Err(format!("the {what} {digits:?} is not a number"))
        }
    };
    let year = i64::from(number(0, 4, "year")?);
    let month = number(5, 7, "month")?;
    let day = number(8, 10, "day")?;
    let (hour, minute, second) = (number(11, 13, "hour")?, number(14, 16, "minute")?, number(17, 19, "second")?);
    if !(1..=12).contains(&month) {
        return Err(format!("month {month} is not 1–12"));
    }
    if DateTime::new(year, month, day, 0, 0, 0).is_none() {
        return Err(format!("{year:04}-{month:02} has no day {day}"));
    }
    if hour > 23 || minute > 59 || second > 59 {
        return Err(format!("{hour:02}:{minute:02}:{second:02} is not a time of day"));
    }
    let rest = &text[19..];
    let Some(rest) = rest.strip_suffix('Z') else {
        return Err("missing the final Z (access logs are in UTC)".into());
    };
    let micros = match rest.strip_prefix('.') {
        None if rest.is_empty() => 0,
        Some(fraction) if (1..=9).contains(&fraction.len()) && fraction.bytes().all(|c| c.is_ascii_digit()) => {
            // Pad or cut to six digits: "364" → 364000 µs, "123456789" → 123456 µs.
            let six: String = fraction.chars().chain(std::iter::repeat('0')).take(6).collect();
            six.parse::<i64>().map_err(|_| "bad fraction of a second".to_string())?
        }
        _ => return Err(format!("bad fraction of a second {rest:?} (expected .ffffff)")),
    };
    let seconds = DateTime { year, month, day, hour, minute, second }.to_unix();
    Ok(seconds * 1_000_000 + micros)
}

/// How to replay a log.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReplayOptions {
    /// How many times faster than real time (2.0: the log's hour takes 30 simulated minutes).
    pub speed: f64,
    /// Repeat the log until this much simulated time has passed (arrivals at times < `loop_for`;
    /// also cuts the first pass short if the log is longer). `None`: play the log once.
    pub loop_for: Option<Span>,
}

impl Default for ReplayOptions {
    fn default() -> Self {
        ReplayOptions { speed: 1.0, loop_for: None }
    }
}

/// Turns a read log into simulation arrivals: each request arrives at its creation time minus
/// the first request's, divided by the speed and rounded to the microsecond; the first request
/// arrives at time 0. An iterator of `(arrival time, index into LogParse::requests)`.
///
/// A loop lasts the log's length plus one mean gap between its requests, L·n/(n − 1) for n
/// requests spanning L: the last request of one pass and the first of the next are then one
/// mean gap apart, and the looped rate equals the log's own (n − 1)/L.
#[derive(Debug, Clone)]
pub struct Replay {
    /// Offsets from the first request, in log microseconds (before the speed is applied).
    offsets_us: Vec<u64>,
    speed: f64,
    loop_for: Option<Span>,
    /// One pass, in log microseconds; 0 when not looping.
    period_us: u64,
    pass: u64,
    next_index: usize,
    finished: bool,
}

impl Replay {
    /// The error says what to change: a speed that is not a finite number above 0, or a loop of
    /// a log with no length (fewer than two requests, or all created at one instant).
    pub fn new(log: &LogParse, options: ReplayOptions) -> Result<Replay, String> {
        let ReplayOptions { speed, loop_for } = options;
        if !(speed.is_finite() && speed > 0.0) {
            return Err(format!("replay speed must be a finite number above 0 (2.0 replays twice as fast), got {speed}"));
        }
        let first = log.requests.first().map_or(0, |r| r.created_at_us);
        // `requests` is sorted, so offsets are ≥ 0 and non-decreasing.
        let offsets_us: Vec<u64> = log.requests.iter().map(|r| r.created_at_us.saturating_sub(first).max(0) as u64).collect();
        let length_us = offsets_us.last().copied().unwrap_or(0);
        let period_us = match loop_for {
            None => 0,
            Some(_) if offsets_us.is_empty() => 0,
            Some(_) if length_us == 0 => {
                return Err(format!(
                    "cannot loop this log: its {} request(s) were all created at the same instant, so one pass has no length; \
                     replay it once (no loop_for) or use a longer log",
                    offsets_us.len()
                ))
            }
            Some(_) => {
                let gaps = offsets_us.len() as u64 - 1;
                length_us + (length_us + gaps / 2) / gaps
            }
        };
        Ok(Replay { offsets_us, speed, loop_for, period_us, pass: 0, next_index: 0, finished: false })
    }

    /// The length of one loop pass in simulated time (after the speed), if looping.
    pub fn period(&self) -> Option<Span> {
        (self.period_us > 0).then(|| Span((self.period_us as f64 / self.speed).round() as u64))
    }
}

impl Iterator for Replay {
    type Item = (SimTime, usize);

    /// The next arrival and the index of its request in [`LogParse::requests`].
    fn next(&mut self) -> Option<(SimTime, usize)> {
        if self.finished || self.offsets_us.is_empty() {
            return None;
        }
        if self.next_index == self.offsets_us.len() {
            if self.loop_for.is_none() {
                self.finished = true;
                return None;
            }
            self.pass += 1;
            self.next_index = 0;
        }
        let log_us = u128::from(self.pass) * u128::from(self.period_us) + u128::from(self.offsets_us[self.next_index]);
        let at_us = (log_us as f64 / self.speed).round();
        let beyond_loop = self.loop_for.is_some_and(|limit| at_us >= limit.0 as f64);
        if beyond_loop || at_us >= u64::MAX as f64 {
            self.finished = true;
            return None;
        }
        let index = self.next_index;
        self.next_index += 1;
        Some((SimTime(at_us as u64), index))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_count_days_across_leap_years() {
        let day_of = |date: &str| parse_timestamp_us(&format!("{date}T00:00:00Z")).map(|us| us / 86_400_000_000);
        assert_eq!(day_of("1970-01-01"), Ok(0));
        assert_eq!(day_of("1969-12-31"), Ok(-1));
        assert_eq!(day_of("2000-01-01"), Ok(10_957)); // 946,684,800 s / 86,400
        assert_eq!(day_of("2000-02-29"), Ok(11_016)); // 2000 is a leap year (divisible by 400)
        assert_eq!(day_of("2100-03-01"), Ok(47_541)); // 4,107,542,400 s; 2100 is not a leap year
        assert_eq!(day_of("1900-03-01"), Ok(-25_508)); // −2,203,891,200 s
        assert!(day_of("2100-02-29").is_err()); // 2100 is not a leap year (divisible by 100)
    }

    #[test]
    fn timestamps_are_microseconds_since_the_epoch() {
        // Reference values from Python's datetime (UTC).
        assert_eq!(parse_timestamp_us("1970-01-01T00:00:00.000000Z"), Ok(0));
        assert_eq!(parse_timestamp_us("2018-07-02T22:22:48.364000Z"), Ok(1_530_570_168_364_000));
        assert_eq!(parse_timestamp_us("2024-02-29T23:59:59.999999Z"), Ok(1_709_251_199_999_999));
        assert_eq!(parse_timestamp_us("2000-02-29T00:00:00Z"), Ok(951_782_400_000_000));
        assert_eq!(parse_timestamp_us("2018-07-02T22:22:48.364Z"), Ok(1_530_570_168_364_000));
        assert_eq!(parse_timestamp_us("2018-07-02T22:22:48.123456789Z"), Ok(1_530_570_168_123_456));
        for bad in ["2023-02-29T00:00:00Z", "1900-02-29T00:00:00Z", "2018-13-01T00:00:00Z", "2018-07-02T24:00:00Z"] {
            assert!(parse_timestamp_us(bad).is_err(), "{bad}");
        }
        for bad in ["2018-07-02 22:22:48Z", "2018-07-02T22:22:48.364000", "2018-07-02T22:22:48.Z", "-"] {
            assert!(parse_timestamp_us(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_non_ascii_character_in_a_timestamp_is_an_error_not_a_panic() {
        // repro/alb_log_panic: "é" is two bytes, so byte 19 fell inside it and slicing panicked.
        let err = parse_timestamp_us("2024-03-10T12:00:0é.000000Z").expect_err("not a timestamp");
        assert!(err.contains("'é' is not part of a timestamp"), "{err}");
        // Every split point of a multi-byte character, at every field position.
        for at in 0..27 {
            let mut t = "2024-03-10T12:00:04.000000Z".to_string();
            t.insert(at, '€');
            assert!(parse_timestamp_us(&t).is_err(), "{t}");
        }
    }

    #[test]
    fn request_lines_split_into_method_host_path_query() {
        let r = parse_request_line;
        let own = |m: &str, h: &str, p: &str, q: &str| Ok((m.to_string(), h.to_string(), p.to_string(), q.to_string()));
        assert_eq!(r("GET http://www.example.com:80/ HTTP/1.1"), own("GET", "www.example.com", "/", ""));
        assert_eq!(
            r("POST https://api.example.com:443/v1/orders?x=1&y=2 HTTP/2.0"),
            own("POST", "api.example.com", "/v1/orders", "x=1&y=2")
        );
        assert_eq!(r("GET https://[2001:db8::1]:443/a HTTP/1.1"), own("GET", "[2001:db8::1]", "/a", ""));
        assert_eq!(r("GET http://example.com:80?q HTTP/1.1"), own("GET", "example.com", "/", "q"));
        assert!(r("- http://www.example.com:80- -").is_err());
        assert!(r("GET /relative HTTP/1.1").is_err());
        assert!(r("GET http://x:80/ HTTP/1.1 extra").is_err());
    }
}

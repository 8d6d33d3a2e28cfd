//! A hand-written CSV row encoder for the two big tables (events.csv and tasks.csv): the same
//! bytes the `csv` crate's serde writer produces with its defaults, written straight into one
//! reused buffer. At 100,000 tasks the serde path (a `Serializer` call per field, a `csv_core`
//! state machine per byte run) cost more than the simulation; this writes a field with one
//! scan for special bytes and a `memcpy`.
//!
//! What "the same bytes" means (csv 1.x, `csv_core`'s `QuoteStyle::Necessary`, `\n` records):
//! - a text field is quoted when it holds a `,`, a `"`, a `\r` or a `\n`, and a quote inside is
//!   doubled; every other field (the empty one too) is written as it is;
//! - integers as `itoa` writes them, floats as `ryu` does (`1.0`, `0.25`, `1e16`, `NaN`);
//! - `None` as an empty field; fields separated by `,`, a record ended by `\n`;
//! - the header (the struct's field names) before the first row only: no rows, no header.
//!
//! (A record of a single empty field would be `""` in the csv crate; neither table has one
//! field, so the encoder never meets that case.) The tests compare it with the csv crate.

use std::io::{self, Write};

/// Bytes kept before they are handed to the file (a few hundred rows).
const FLUSH_BYTES: usize = 64 * 1024;

/// One CSV file being written row by row: fields go into `buf`, which is handed to `out`
/// whenever it passes `FLUSH_BYTES` (so memory stays flat whatever the row count).
pub struct CsvRows<W: Write> {
    out: W,
    buf: Vec<u8>,
    /// Whether the next field is the first of its record (no `,` before it).
    first: bool,
    /// Whether the header was written (it goes before the first row only).
    headed: bool,
}

impl<W: Write> CsvRows<W> {
    pub fn new(out: W) -> Self {
        CsvRows { out, buf: Vec::with_capacity(FLUSH_BYTES + 4096), first: true, headed: false }
    }

    /// Writes `header` (the column names) unless it was already written: call before each row.
    pub fn header(&mut self, header: &[&str]) {
        if !self.headed {
            self.headed = true;
            for h in header {
                self.str(h);
            }
            self.end();
        }
    }

    fn sep(&mut self) {
        if !self.first {
            self.buf.push(b',');
        }
        self.first = false;
    }

    /// A text field, quoted when it must be. (Inlined: a call per field cost as much as the
    /// field, in saving and restoring registers.)
    #[inline]
    pub fn str(&mut self, s: &str) {
        self.sep();
        let b = s.as_bytes();
        if needs_quotes(b) {
            self.buf.push(b'"');
            for &c in b {
                if c == b'"' {
                    self.buf.push(b'"');
                }
                self.buf.push(c);
            }
            self.buf.push(b'"');
        } else {
            self.buf.extend_from_slice(b);
        }
    }

    /// An unsigned integer (never needs quotes).
    pub fn u64(&mut self, v: u64) {
        self.sep();
        self.buf.extend_from_slice(itoa::Buffer::new().format(v).as_bytes());
    }

    /// A float as `ryu` writes it (never needs quotes: digits, `.`, `e`, `-`, `NaN`, `inf`).
    pub fn f64(&mut self, v: f64) {
        self.sep();
        if !push_whole_micros(&mut self.buf, v) {
            self.buf.extend_from_slice(ryu::Buffer::new().format(v).as_bytes());
        }
    }

    /// An optional float: empty for `None`.
    pub fn opt_f64(&mut self, v: Option<f64>) {
        match v {
            Some(v) => self.f64(v),
            None => self.sep(),
        }
    }

    /// Ends the record (the header's; rows end with `end_row`, which also hands the buffer on).
    pub fn end(&mut self) {
        self.buf.push(b'\n');
        self.first = true;
    }

    /// `end`, then the buffer to the file when it passed `FLUSH_BYTES`.
    pub fn end_row(&mut self) -> io::Result<()> {
        self.end();
        if self.buf.len() >= FLUSH_BYTES {
            self.out.write_all(&self.buf)?;
            self.buf.clear();
        }
        Ok(())
    }

    /// Writes what is left and flushes the file.
    pub fn finish(mut self) -> io::Result<W> {
        self.out.write_all(&self.buf)?;
        self.out.flush()?;
        Ok(self.out)
    }
}

/// Whether a field must be quoted: it holds a `,`, a `"`, a `\r` or a `\n`. All four are at
/// most `,` (0x2C), and most fields (names, ids, numbers, times) have no byte that low: those
/// are told eight bytes at a time, with no branch per byte (the scan was half of writing a
/// field); a field with a low byte (a space, say) is then scanned byte by byte.
fn needs_quotes(b: &[u8]) -> bool {
    const ONES: u64 = u64::MAX / 255;
    const ABOVE: u64 = ONES * (b',' as u64 + 1);
    const HIGH_BITS: u64 = ONES * 0x80;
    let exact = || b.iter().any(|&c| matches!(c, b',' | b'"' | b'\r' | b'\n'));
    let mut words = b.chunks_exact(8);
    for w in &mut words {
        let w = u64::from_le_bytes(w.try_into().unwrap_or([0xff; 8]));
        // Some byte of `w` is below `ABOVE`'s bytes (Bit Twiddling Hacks, "hasless"; exact
        // for a bound of at most 128).
        if w.wrapping_sub(ABOVE) & !w & HIGH_BITS != 0 {
            return exact();
        }
    }
    words.remainder().iter().any(|&c| c <= b',') && exact()
}

/// Writes `v` as `ryu` would when it is a whole number of microseconds, `µs / 10⁶` as the
/// recorder makes every time in seconds, of at least 10 µs and under 10⁹ s; false (nothing
/// written) otherwise. Most floats of the two tables are such times, and `ryu`'s general search
/// for the shortest digits was a third of writing them.
///
/// Why the bytes are `ryu`'s: `v` is the double nearest `d = µs / 10⁶` (a division is correctly
/// rounded), so `d` reads back as `v`; any decimal with fewer significant digits is at least
/// 10⁻⁶ from `d`, while below 10⁹ half a unit in the last place of `v` is under 6·10⁻⁸, so
/// none reads back as `v`: `d` is the shortest. `ryu` then prints such digits without an
/// exponent — `12.0`, `12.5`, `0.00001` — except below 10⁻⁵ (`1e-6`), left to it. A unit test
/// compares the two on every microsecond up to 3 s and on spread samples up to 10⁹ s.
fn push_whole_micros(buf: &mut Vec<u8>, v: f64) -> bool {
    if !(v == 0.0 || (1e-5..1e9).contains(&v)) {
        return false;
    }
    // Rounded by adding a half and truncating (`round` is a call into libm without SSE4.1);
    // a wrong neighbour would only fail the check below.
    let micros = (v * 1e6 + 0.5) as u64;
    if (micros as f64 / 1e6).to_bits() != v.to_bits() || (1..10).contains(&micros) {
        return false; // not a whole microsecond (or -0.0, or under 10 µs)
    }
    let (whole, fraction) = (micros / 1_000_000, (micros % 1_000_000) as usize);
    buf.extend_from_slice(itoa::Buffer::new().format(whole).as_bytes());
    buf.push(b'.');
    if fraction == 0 {
        buf.push(b'0');
        return true;
    }
    // The six digits two at a time, then up to the last that is not 0 (there is one: the
    // fraction is not 0). A digit at a time (six divisions and a search) was a third of it.
    let (a, b, c) = (fraction / 10_000, fraction / 100 % 100, fraction % 100);
    let pair = |n: usize| [DIGIT_PAIRS[2 * n], DIGIT_PAIRS[2 * n + 1]];
    let ([a0, a1], [b0, b1], [c0, c1]) = (pair(a), pair(b), pair(c));
    let digits = [a0, a1, b0, b1, c0, c1];
    let kept = match (a, b, c) {
        (_, _, c) if c != 0 => 6 - usize::from(c % 10 == 0),
        (_, b, _) if b != 0 => 4 - usize::from(b % 10 == 0),
        (a, _, _) => 2 - usize::from(a % 10 == 0),
    };
    buf.extend_from_slice(&digits[..kept]);
    true
}

/// "00", "01", … "99": two decimal digits per number below 100.
const DIGIT_PAIRS: &[u8; 200] = b"0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::SimTime;
    use serde::Serialize;

    #[derive(Serialize)]
    struct Row<'a> {
        text: &'a str,
        n: u64,
        x: f64,
        maybe: Option<f64>,
        last: &'a str,
    }

    /// Fields that need quoting, or look as if they might: the csv crate decides.
    const TRICKY: [&str; 16] = [
        "",
        "plain",
        "a,b",
        "say \"hi\"",
        "\"",
        "\"\"",
        "line\nbreak",
        "cr\rhere",
        "crlf\r\n",
        " leading space",
        "trailing space ",
        "#hash",
        "tab\there",
        "semi;colon",
        "ünïcödé, with a comma",
        "'single'",
    ];
    const NUMBERS: [f64; 12] = [0.0, -0.0, 1.0, 0.25, 61.25, 1e16, 1.5e-7, 123456.789, f64::NAN, f64::INFINITY, -3.0, 1e300];

    #[test]
    fn a_field_is_quoted_exactly_when_it_holds_a_comma_a_quote_or_a_line_break() {
        let exact = |b: &[u8]| b.iter().any(|&c| matches!(c, b',' | b'"' | b'\r' | b'\n'));
        // Every byte at every position of fields of 1 to 20 bytes, among bytes just above and
        // below the bound, and every text of the tests below.
        for len in 1..=20 {
            for at in 0..len {
                for byte in 0..=255u8 {
                    let mut field = vec![b'-'; len];
                    field[at] = byte;
                    assert_eq!(needs_quotes(&field), exact(&field), "{field:?}");
                    field.iter_mut().filter(|c| **c == b'-').for_each(|c| *c = b' ');
                    assert_eq!(needs_quotes(&field), exact(&field), "{field:?}");
                }
            }
        }
        for text in TRICKY {
            assert_eq!(needs_quotes(text.as_bytes()), exact(text.as_bytes()), "{text:?}");
        }
    }

    fn ours(rows: &[Row]) -> Vec<u8> {
        let mut w = CsvRows::new(Vec::new());
        for r in rows {
            w.header(&["text", "n", "x", "maybe", "last"]);
            w.str(r.text);
            w.u64(r.n);
            w.f64(r.x);
            w.opt_f64(r.maybe);
            w.str(r.last);
            w.end_row().unwrap();
        }
        w.finish().unwrap()
    }

    fn theirs(rows: &[Row]) -> Vec<u8> {
        let mut w = csv::Writer::from_writer(Vec::new());
        for r in rows {
            w.serialize(r).unwrap();
        }
        w.into_inner().unwrap()
    }

    #[test]
    fn writes_the_csv_crates_bytes_for_tricky_fields() {
        let mut rows = Vec::new();
        for (i, a) in TRICKY.iter().enumerate() {
            for (j, b) in TRICKY.iter().enumerate() {
                let x = NUMBERS[(i + j) % NUMBERS.len()];
                let maybe = (j % 3 != 0).then_some(NUMBERS[(i * 7 + j) % NUMBERS.len()]);
                rows.push(Row { text: a, n: (i * 1000 + j) as u64 * 7919, x, maybe, last: b });
            }
        }
        assert_eq!(String::from_utf8(ours(&rows)).unwrap(), String::from_utf8(theirs(&rows)).unwrap());
    }

    #[test]
    fn whole_microseconds_are_written_as_ryu_writes_them() {
        // Every microsecond up to 3 s (the sub-10 µs ones left to ryu), then spread samples
        // up to 10⁹ s, each as µs / 10⁶ and its neighbours one unit in the last place away
        // (not whole microseconds: ryu writes those).
        let ryu = |v: f64| ryu::Buffer::new().format(v).to_string();
        let check = |v: f64| {
            let mut ours = Vec::new();
            let fast = push_whole_micros(&mut ours, v);
            if fast {
                assert_eq!(String::from_utf8(ours).unwrap(), ryu(v), "{v:e}");
            }
            fast
        };
        let mut fast = 0;
        for micros in 0..3_000_000u64 {
            fast += usize::from(check(micros as f64 / 1e6));
        }
        assert_eq!(fast, 3_000_000 - 9, "all but 1–9 µs take the fast path");
        let mut micros = 1u64;
        while micros < 1_000_000_000_000_000 {
            let v = micros as f64 / 1e6;
            assert!(check(v) || micros < 10 || v >= 1e9);
            check(f64::from_bits(v.to_bits() + 1));
            check(f64::from_bits(v.to_bits() - 1));
            micros += micros / 7 + 13;
        }
        for v in [-0.0, -1.0, 1e-7, 5e-6, 1e9, 1e16, f64::NAN, f64::INFINITY, 0.1 + 0.2] {
            assert!(!check(v), "{v} is left to ryu");
        }
    }

    #[test]
    fn no_rows_no_header() {
        assert!(ours(&[]).is_empty());
        assert!(theirs(&[]).is_empty());
    }

    #[test]
    fn a_row_of_empty_fields_is_commas() {
        let rows = [Row { text: "", n: 0, x: 0.0, maybe: None, last: "" }];
        assert_eq!(ours(&rows), theirs(&rows));
        assert!(ours(&rows).ends_with(b"\n,0,0.0,,\n"));
    }

    #[test]
    fn many_rows_pass_the_flush_threshold_intact() {
        let text = "x".repeat(1000);
        let rows: Vec<Row> = (0..200).map(|i| Row { text: &text, n: i, x: i as f64 / 3.0, maybe: None, last: "a,\"b\"" }).collect();
        assert_eq!(ours(&rows), theirs(&rows));
    }

    /// events.csv's `time` and `task` columns are formatted by hand (`push_hms_millis`,
    /// `push_padded`): the bytes `SimTime`'s `Display` and `format!("t-{n:06}")` write.
    #[test]
    fn times_and_padded_numbers_match_their_display() {
        use crate::sim::recorder::{push_hms_millis, push_padded};
        // 99:59:59.999 and 100:00:00.000: the last time of the two-digit fast path and the first after.
        for us in
            [0, 999, 1_000, 61_250_000, 3_599_999_999, 3_600_000_000, 86_400_123_456, 359_999_999_999, 360_000_000_000, 360_000_000_000_000]
        {
            let mut s = String::new();
            push_hms_millis(&mut s, SimTime(us));
            assert_eq!(s, SimTime(us).to_string());
        }
        for n in [0u64, 7, 123_456, 1_234_567, u64::from(u32::MAX)] {
            let mut s = String::new();
            push_padded(&mut s, n, 6);
            assert_eq!(s, format!("{n:06}"));
            let mut wide = String::new();
            push_padded(&mut wide, n, 25);
            assert_eq!(wide, format!("{n:025}"), "padding wider than one copy of the zeros");
        }
    }

    /// events.csv and tasks.csv rows, every event kind and tricky texts in every text column:
    /// the encoder writes what `csv::Writer::serialize` writes for the row structs.
    #[test]
    fn event_and_task_rows_match_serde() {
        use super::super::files::{encode_event, encode_task};
        use crate::sim::recorder::{EventKind, EventRowRef, TaskRow};
        let (mut ours, mut theirs) = (CsvRows::new(Vec::new()), csv::Writer::from_writer(Vec::new()));
        for (i, kind) in EventKind::ALL.iter().enumerate() {
            let t = |k: usize| TRICKY[(i + k) % TRICKY.len()];
            let row = EventRowRef {
                time_s: NUMBERS[i % NUMBERS.len()],
                time: t(0),
                event: *kind,
                task: t(1),
                workload: t(2),
                group: t(3),
                instance: t(4),
                zone: t(5),
                reason: t(6),
                detail: t(7),
            };
            encode_event(&mut ours, &row);
            ours.end_row().unwrap();
            theirs.serialize(row).unwrap();
        }
        assert_eq!(String::from_utf8(ours.finish().unwrap()).unwrap(), String::from_utf8(theirs.into_inner().unwrap()).unwrap());

        let (mut ours, mut theirs) = (CsvRows::new(Vec::new()), csv::Writer::from_writer(Vec::new()));
        // TaskRow's hand-written `clone_from` (strings written over in place): one row written
        // over with every row of different lengths is each of them.
        let mut reused = TaskRow::default();
        for i in 0..TRICKY.len() * 2 {
            let t = |k: usize| TRICKY[(i + k) % TRICKY.len()].to_string();
            let x = |k: usize| (i % 3 != k).then_some(NUMBERS[(i + k) % NUMBERS.len()]);
            let row = TaskRow {
                task: t(0),
                owner: t(1),
                task_definition: i as u16,
                deployment: (i * 31) as u32,
                instance: u32::MAX - i as u32,
                placed_s: NUMBERS[i % NUMBERS.len()],
                running_s: x(0),
                stopping_s: x(1),
                stopped_s: x(2),
                stop_code: t(2),
                capacity_provider: t(3),
                healthy_s: x(1),
                draining_s: x(0),
                sigterm_s: x(2),
                cpu_units: (i * 256) as u32,
                memory_mib: (i * 512) as u32,
                revision: t(4),
                instance_id: t(5),
                zone: t(6),
            };
            reused.clone_from(&row);
            // Compared as text: some times are NaN, which equals nothing.
            let text = |r: &TaskRow| format!("{r:?}");
            assert_eq!((text(&reused), text(&row.clone())), (text(&row), text(&row)));
            encode_task(&mut ours, &row);
            ours.end_row().unwrap();
            theirs.serialize(&row).unwrap();
        }
        assert_eq!(String::from_utf8(ours.finish().unwrap()).unwrap(), String::from_utf8(theirs.into_inner().unwrap()).unwrap());
    }
}

//! Printing that survives a closed standard output or error (`ecsim run … | head -1`), and
//! colours the verdict words on a terminal (`style`).
//!
//! `println!` panics when the reader has gone away (EPIPE; Rust ignores SIGPIPE). The commands
//! print through these macros instead: the first failed write marks the stream closed and
//! later output to it is dropped, while the command carries on, so a run or a sweep still
//! writes every result file and exits with its usual code.

use std::fmt;
use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};

static STDOUT_CLOSED: AtomicBool = AtomicBool::new(false);
static STDERR_CLOSED: AtomicBool = AtomicBool::new(false);

/// Writes to standard output, its verdict words coloured when standard output takes colour
/// (`style::enabled`); once a write fails, stops writing there.
pub fn write_stdout(args: fmt::Arguments<'_>) {
    let stdout = io::stdout();
    if super::style::enabled(&stdout) {
        let text = super::style::paint(&args.to_string());
        write_to(&mut stdout.lock(), &STDOUT_CLOSED, format_args!("{text}"));
    } else {
        write_to(&mut stdout.lock(), &STDOUT_CLOSED, args);
    }
}

/// Writes to standard output as given, never coloured: JSON and other text for programs.
pub fn write_stdout_plain(args: fmt::Arguments<'_>) {
    write_to(&mut io::stdout().lock(), &STDOUT_CLOSED, args);
}

/// Writes to standard error, coloured as [`write_stdout`]; once a write fails, stops writing
/// there.
pub fn write_stderr(args: fmt::Arguments<'_>) {
    let stderr = io::stderr();
    if super::style::enabled(&stderr) {
        let text = super::style::paint(&args.to_string());
        write_to(&mut stderr.lock(), &STDERR_CLOSED, format_args!("{text}"));
    } else {
        write_to(&mut stderr.lock(), &STDERR_CLOSED, args);
    }
}

/// Prints `value` as one pretty JSON document and a newline on standard output, uncoloured:
/// what `--json` prints, and nothing else goes to standard output then.
pub fn json(value: &serde_json::Value) {
    let text = serde_json::to_string_pretty(value).unwrap_or_default();
    write_stdout_plain(format_args!("{text}\n"));
}

/// Whether a write to standard output has failed (the reader went away).
pub fn stdout_closed() -> bool {
    STDOUT_CLOSED.load(Ordering::Relaxed)
}

fn write_to(w: &mut impl Write, closed: &AtomicBool, args: fmt::Arguments<'_>) {
    if closed.load(Ordering::Relaxed) {
        return;
    }
    // Any error counts, not only EPIPE: there is nobody left to tell about it.
    if w.write_fmt(args).and_then(|()| w.flush()).is_err() {
        closed.store(true, Ordering::Relaxed);
    }
}

/// `print!` that never panics.
macro_rules! out {
    ($($arg:tt)*) => { $crate::cli::out::write_stdout(format_args!($($arg)*)) };
}
/// `println!` that never panics.
macro_rules! outln {
    () => { $crate::cli::out::write_stdout(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::cli::out::write_stdout(format_args!("{}\n", format_args!($($arg)*))) };
}
/// `eprint!` that never panics.
macro_rules! err {
    ($($arg:tt)*) => { $crate::cli::out::write_stderr(format_args!($($arg)*)) };
}
/// `eprintln!` that never panics.
macro_rules! errln {
    () => { $crate::cli::out::write_stderr(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::cli::out::write_stderr(format_args!("{}\n", format_args!($($arg)*))) };
}
pub(crate) use {err, errln, out, outln};

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that went away: every write fails as a closed pipe does.
    struct Closed(usize);
    impl Write for Closed {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            self.0 += 1;
            Err(io::Error::from(io::ErrorKind::BrokenPipe))
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_closed_stream_is_written_once_then_left_alone() {
        let closed = AtomicBool::new(false);
        let mut w = Closed(0);
        write_to(&mut w, &closed, format_args!("line 1\n"));
        assert!(closed.load(Ordering::Relaxed));
        write_to(&mut w, &closed, format_args!("line 2\n"));
        assert_eq!(w.0, 1, "no second attempt after the first failure");
    }
}

//! Colour on a terminal: which stream takes colour (`enabled`) and the words coloured in what
//! the commands print (`paint`): `error` and `warning` of a diagnostic, the SLO verdicts, a
//! capacity search's answer, the error and warning counts of `check`.
//!
//! The library's text stays plain (library users, snapshots and files never see an escape
//! code); the command line colours it as it prints, only on a stream that takes colour:
//! a terminal, unless `NO_COLOR` is set to anything non-empty; always with `CLICOLOR_FORCE=1`
//! or `--color always`; never with `--color never` (anstream's rules, <https://no-color.org>,
//! <https://bixense.com/clicolors/>).

use anstyle::{AnsiColor, Style};
use regex::{Captures, Regex};
use std::sync::LazyLock;

/// `--color`: when to colour.
#[derive(clap::ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ColorWhen {
    /// On a terminal, unless NO_COLOR is set (CLICOLOR_FORCE=1 forces it).
    #[default]
    Auto,
    /// Always, even into a file or a pipe.
    Always,
    /// Never.
    Never,
}

/// Makes `when` the choice of every stream of this process (`auto` leaves the environment and
/// the terminal to decide).
pub fn choose(when: ColorWhen) {
    let choice = match when {
        ColorWhen::Auto => anstream::ColorChoice::Auto,
        ColorWhen::Always => anstream::ColorChoice::Always,
        ColorWhen::Never => anstream::ColorChoice::Never,
    };
    choice.write_global();
}

/// Whether `stream` takes colour now (the choice, `NO_COLOR`, `CLICOLOR_FORCE`, a terminal).
pub fn enabled<S: anstream::stream::RawStream>(stream: &S) -> bool {
    !matches!(anstream::AutoStream::choice(stream), anstream::ColorChoice::Never)
}

const fn style(color: AnsiColor) -> Style {
    Style::new().bold().fg_color(Some(anstyle::Color::Ansi(color)))
}
const BAD: Style = style(AnsiColor::Red);
const WARN: Style = style(AnsiColor::Yellow);
const GOOD: Style = style(AnsiColor::Green);

fn paint_with(s: Style, text: &str) -> String {
    format!("{s}{text}{s:#}")
}

/// A diagnostic's severity: `file:line:column: error:` or `error:` opening a line.
static SEVERITY: LazyLock<Option<Regex>> = LazyLock::new(|| re(r"(?m)(^|: )(error|warning)(:)"));
/// An SLO verdict: `SLO met`, `SLO MISSED`, an objective's `(met` / `(MISSED`, a table's
/// `MISSED`.
static VERDICT: LazyLock<Option<Regex>> = LazyLock::new(|| re(r"\bSLO met\b|\bSLO MISSED\b|\(met\b|\bMISSED\b"));
/// The variants table's SLO row: every cell a verdict (`met`, `MISSED`, `–`).
static SLO_ROW: LazyLock<Option<Regex>> = LazyLock::new(|| re(r"(?m)^(\s+SLO)((?:\s+(?:met|MISSED|–))+)$"));
/// A capacity search's answer, or its absence.
static ANSWER: LazyLock<Option<Regex>> = LazyLock::new(|| re(r"(?m)^(no answer:|answer:)"));
/// A probe's replications meeting the objective: `→ 5/5 met`.
static PROBE: LazyLock<Option<Regex>> = LazyLock::new(|| re(r"→ (\d+)/(\d+) met"));
/// `check`'s counts: `0 error(s)`, `2 warning(s)`.
static COUNTS: LazyLock<Option<Regex>> = LazyLock::new(|| re(r"\b(\d+) (error|warning)\(s\)"));

/// The patterns are constants: a failure to compile is a bug the unit tests catch; it leaves
/// the text uncoloured rather than panicking.
fn re(pattern: &str) -> Option<Regex> {
    Regex::new(pattern).ok()
}

/// `text` with the matches of `pattern` replaced by `with`.
fn swap(pattern: &LazyLock<Option<Regex>>, text: String, with: impl FnMut(&Captures) -> String) -> String {
    match pattern.as_ref() {
        Some(re) => re.replace_all(&text, with).into_owned(),
        None => text,
    }
}

/// `text` with its verdict words coloured (ANSI escape codes).
pub fn paint(text: &str) -> String {
    let text = swap(&SEVERITY, text.to_string(), |c| {
        let s = if &c[2] == "error" { BAD } else { WARN };
        format!("{}{}", &c[1], paint_with(s, &format!("{}{}", &c[2], &c[3])))
    });
    let text = swap(&SLO_ROW, text, |c| {
        // Its MISSED cells are coloured with every other MISSED, below.
        format!("{}{}", &c[1], c[2].replace("met", &paint_with(GOOD, "met")))
    });
    let text = swap(&VERDICT, text, |c| match &c[0] {
        "(met" => format!("({}", paint_with(GOOD, "met")),
        "SLO met" => paint_with(GOOD, "SLO met"),
        other => paint_with(BAD, other),
    });
    let text = swap(&ANSWER, text, |c| paint_with(if &c[1] == "answer:" { GOOD } else { BAD }, &c[1]));
    let text = swap(&PROBE, text, |c| {
        let s = if c[1] == c[2] { GOOD } else { WARN };
        format!("→ {}", paint_with(s, &format!("{}/{} met", &c[1], &c[2])))
    });
    swap(&COUNTS, text, |c| {
        let s = match (&c[1], &c[2]) {
            ("0", _) => GOOD,
            (_, "error") => BAD,
            _ => WARN,
        };
        paint_with(s, &c[0])
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The text without its escape codes.
    fn plain(text: &str) -> String {
        anstream::adapter::strip_str(text).to_string()
    }

    #[test]
    fn every_pattern_compiles() {
        for p in [&SEVERITY, &VERDICT, &SLO_ROW, &ANSWER, &PROBE, &COUNTS] {
            assert!(p.is_some());
        }
    }

    #[test]
    fn painting_adds_escape_codes_and_nothing_else() {
        let samples = [
            "scenarios/x.toml:3:1: error: unknown key `foo`\n",
            "tasks.json:18:7: warning: field `x` is not modelled\n",
            "error: cannot read results/\n",
            "web: SLO MISSED: availability 99.1 % against 99.9 % (MISSED; 12 failed requests); p99 80 ms against 100 ms (met)\n",
            "  SLO                      met        MISSED\n",
            "answer: services.web.desired_count = 8\n",
            "no answer: no value met the objective\n",
            "probe 1: desired_count = 6 → 4/5 met (SLO 4, …)\n",
            "checked 2 file(s): 0 error(s) in 0 file(s), 1 warning(s)\n",
        ];
        for text in samples {
            let painted = paint(text);
            assert_ne!(painted, text, "nothing coloured in {text:?}");
            assert_eq!(plain(&painted), text);
        }
    }

    #[test]
    fn an_error_is_red_a_met_slo_green() {
        assert_eq!(paint("error: x"), format!("{BAD}error:{BAD:#} x"));
        assert!(paint("web: SLO met: p99 1 ms").starts_with(&format!("web: {GOOD}SLO met{GOOD:#}")));
        assert!(paint("→ 5/5 met").contains(&format!("{GOOD}5/5 met")));
        assert!(paint("→ 4/5 met").contains(&format!("{WARN}4/5 met")));
    }

    #[test]
    fn words_inside_other_words_stay_plain() {
        for text in ["the errors were met by metrics", "terror: no", "a warnings: list", "SLO metric"] {
            assert_eq!(paint(text), text);
        }
    }
}

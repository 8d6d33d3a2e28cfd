//! The exit codes of `ecsim`, one meaning each: what `ecsim --help` lists after its commands
//! and the README's "Exit codes" section explains.

use std::process::ExitCode;

/// Done: the command did what was asked (a run finished, the files are valid, a placement was
/// answered, even one that placed no task).
pub const DONE: u8 = 0;
/// Bad input (a file that does not load, an error `check` found) or a command that failed
/// (a run that could not write its results).
pub const FAILED: u8 = 1;
/// A usage error: an unknown option, a missing argument (clap's own code).
pub const USAGE: u8 = 2;
/// `ecsim capacity` searched and found no value meeting the scenario's `[slo]`.
pub const NO_CAPACITY: u8 = 3;
/// `ecsim check --deny-warnings` found warnings and no error.
pub const WARNINGS_DENIED: u8 = 4;

/// The table `ecsim --help` ends with.
pub const HELP: &str = "\
Exit codes:
  0  done (a run finished, the files are valid, a placement was answered)
  1  bad input (a file that does not load, an error `check` found) or a failed command
  2  usage error (an unknown option, a missing argument)
  3  `capacity` found no value meeting the scenario's [slo]
  4  `check --deny-warnings` found warnings (and no error)

Colour: on a terminal, unless NO_COLOR is set; CLICOLOR_FORCE=1 or --color always forces it.";

/// `code` as the process's exit code.
pub fn code(code: u8) -> ExitCode {
    ExitCode::from(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_in_the_help_once() {
        for c in [DONE, FAILED, USAGE, NO_CAPACITY, WARNINGS_DENIED] {
            assert_eq!(HELP.matches(&format!("\n  {c}  ")).count(), 1, "code {c}");
        }
    }
}

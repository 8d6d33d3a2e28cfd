//! The `ecsim` command line; the library does the work.
fn main() -> std::process::ExitCode {
    ecsim::cli::main()
}

//! Fuzzing on the stable toolchain: every parser gets mutated seed files (scenario and sweep
//! TOML, each AWS JSON shape, imported stacks (CloudFormation, Terraform, Copilot, Compose),
//! ALB access logs, the rate CSV, CloudWatch history exports, CQL expressions) through its real
//! entry point, and no input may panic, take longer than the time limit, or push the heap past
//! the memory cap.
//!
//! `cargo test --release --test fuzz` runs a short, fixed-seed pass per target (the same inputs
//! every time). `scripts/fuzz.sh` runs them for longer with random seeds, which it prints, and
//! keeps every failing input. Settings, all optional (environment):
//!
//! | variable | meaning | default |
//! |---|---|---|
//! | `ECSIM_FUZZ_SEED` | master seed | 12 |
//! | `ECSIM_FUZZ_COUNT` | mutated inputs per target | `CI_COUNT` |
//! | `ECSIM_FUZZ_SECONDS` | run each target this long instead of a count | — |
//! | `ECSIM_FUZZ_TARGET` | run only targets whose name contains this | all |
//! | `ECSIM_FUZZ_CRASH_DIR` | where failing inputs are saved | `target/fuzz-crashes` |
//! | `ECSIM_FUZZ_INPUT` | regenerate only input N of the seed, save it to the crash folder and run it | — |
//! | `ECSIM_FUZZ_TIME_LIMIT_MS` | slowest allowed input | 5000 |
//! | `ECSIM_FUZZ_MEM_MIB` | heap cap for the whole process | 3072 |
//! | `ECSIM_FUZZ_HUGE` | `1`: also mutate in huge in-range counts (quota work, issue 12 item 5) | off |
//! | `ECSIM_FUZZ_REPLAY` | run this one file through `ECSIM_FUZZ_TARGET` and stop | — |
//!
//! Wall time is used here, and only here, for the harness's own watchdog: it never reaches a
//! simulation.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

mod mutate;
mod targets;

use mutate::{Mutator, Rng};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::io::Write;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use targets::Target;

/// Mutated inputs per target in the CI pass: about a second or two each in a release build.
const CI_COUNT: u64 = 2000;

// ---- the heap cap ----

/// The system allocator with a cap on the bytes in use: an input that would push past it is a
/// memory blow-up. Reported, then the allocation fails (the process aborts) rather than the
/// machine swapping.
struct Capped;

static IN_USE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
static CAP: AtomicUsize = AtomicUsize::new(usize::MAX);

unsafe impl GlobalAlloc for Capped {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let now = IN_USE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        if now > CAP.load(Ordering::Relaxed) {
            IN_USE.fetch_sub(layout.size(), Ordering::Relaxed);
            // No allocation from here on: fixed text and digits on the stack, then the
            // allocation fails (the process aborts).
            let mut err = std::io::stderr();
            let _ = err.write_all(b"\nfuzz ");
            let _ = err.write_all(CURRENT_TARGET.with(Cell::get).as_bytes());
            let _ = err.write_all(b": MEMORY BLOW-UP past the heap cap (ECSIM_FUZZ_MEM_MIB) on input ");
            let mut digits = [0u8; 20];
            let mut n = CURRENT_INPUT.with(Cell::get);
            let mut at = digits.len();
            loop {
                at -= 1;
                digits[at] = b'0' + (n % 10) as u8;
                n /= 10;
                if n == 0 {
                    break;
                }
            }
            let _ = err.write_all(&digits[at..]);
            let _ = err.write_all(b"; regenerate it with ECSIM_FUZZ_INPUT=<that number> and the seed printed above\n");
            return std::ptr::null_mut();
        }
        PEAK.fetch_max(now, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        IN_USE.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Capped = Capped;

thread_local! {
    /// The target and input number this thread is running, for the allocator's message.
    static CURRENT_TARGET: Cell<&'static str> = const { Cell::new("") };
    static CURRENT_INPUT: Cell<u64> = const { Cell::new(0) };
}

// ---- settings ----

struct Settings {
    seed: u64,
    count: u64,
    seconds: Option<f64>,
    filter: Option<String>,
    crash_dir: PathBuf,
    time_limit: Duration,
    huge: bool,
    only_input: Option<u64>,
}

fn settings() -> Settings {
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let num = |k: &str| var(k).map(|v| v.parse::<f64>().unwrap_or_else(|_| panic!("{k}={v} is not a number")));
    let mem_mib = num("ECSIM_FUZZ_MEM_MIB").unwrap_or(3072.0);
    CAP.store((mem_mib * 1024.0 * 1024.0) as usize, Ordering::Relaxed);
    let seconds = num("ECSIM_FUZZ_SECONDS");
    Settings {
        seed: num("ECSIM_FUZZ_SEED").map_or(12, |s| s as u64),
        count: num("ECSIM_FUZZ_COUNT").map_or(CI_COUNT, |c| c as u64),
        seconds,
        filter: var("ECSIM_FUZZ_TARGET"),
        crash_dir: var("ECSIM_FUZZ_CRASH_DIR").map_or_else(|| targets::repo().join("target/fuzz-crashes"), PathBuf::from),
        time_limit: Duration::from_millis(num("ECSIM_FUZZ_TIME_LIMIT_MS").map_or(5000, |m| m as u64)),
        huge: var("ECSIM_FUZZ_HUGE").as_deref() == Some("1"),
        only_input: num("ECSIM_FUZZ_INPUT").map(|n| n as u64),
    }
}

// ---- seeds ----

/// The seed files of a target, in a fixed order: (path, bytes).
fn seeds(t: &Target) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    for dir in t.seed_dirs {
        collect(&targets::repo().join(dir), t.extensions, &mut files);
    }
    files.sort();
    files.dedup();
    files.into_iter().map(|p| (p.clone(), std::fs::read(&p).expect("seed file"))).collect()
}

fn collect(path: &Path, extensions: &[&str], out: &mut Vec<PathBuf>) {
    if path.is_file() {
        out.push(path.to_path_buf());
    } else if let Ok(entries) = std::fs::read_dir(path) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                collect(&p, extensions, out);
            } else if extensions.iter().any(|x| p.to_string_lossy().ends_with(x)) {
                out.push(p);
            }
        }
    }
}

// ---- the watchdog ----

/// What is running now, for the watchdog: (target, input number, started, input).
type Running = Option<(&'static str, u64, Instant, Vec<u8>)>;
static RUNNING: Mutex<Vec<(usize, Running)>> = Mutex::new(Vec::new());

/// A thread that ends the process when an input runs far past the time limit (a hang: the
/// thread running it cannot be stopped otherwise), after saving the input.
fn start_watchdog(time_limit: Duration, crash_dir: PathBuf) {
    static STARTED: std::sync::Once = std::sync::Once::new();
    STARTED.call_once(|| {
        std::thread::spawn(move || loop {
            std::thread::sleep(Duration::from_millis(200));
            let running = RUNNING.lock().unwrap_or_else(|e| e.into_inner());
            for (_, slot) in running.iter() {
                if let Some((target, n, started, input)) = slot {
                    if started.elapsed() > time_limit * 4 {
                        let saved = save(&crash_dir, target, "hang", input);
                        eprintln!(
                            "fuzz {target}: HANG: input {n} still running after {:?}; saved as {}",
                            started.elapsed(),
                            saved.display()
                        );
                        std::process::exit(3);
                    }
                }
            }
        });
    });
}

fn save(dir: &Path, target: &str, what: &str, input: &[u8]) -> PathBuf {
    let _ = std::fs::create_dir_all(dir);
    // FNV-1a of the input names it: the same failure is saved once.
    let hash = input.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3));
    let path = dir.join(format!("{target}-{what}-{hash:016x}"));
    let _ = std::fs::write(&path, input);
    path
}

// ---- the loop ----

struct Report {
    inputs: u64,
    seconds: f64,
    slowest_ms: f64,
    failures: Vec<String>,
}

fn thread_slot() -> usize {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    thread_local!(static SLOT: usize = NEXT.fetch_add(1, Ordering::Relaxed));
    SLOT.with(|s| *s)
}

fn set_running(slot: usize, value: Running) {
    let mut running = RUNNING.lock().unwrap_or_else(|e| e.into_inner());
    match running.iter_mut().find(|(s, _)| *s == slot) {
        Some(entry) => entry.1 = value,
        None => running.push((slot, value)),
    }
}

/// Runs one input; a panic or a slow input is a failure, saved to the crash folder.
fn run_one(t: &Target, s: &Settings, n: u64, path: &Path, input: &[u8], report: &mut Report) {
    CURRENT_TARGET.with(|c| c.set(t.name));
    CURRENT_INPUT.with(|c| c.set(n));
    // The command line reads files as UTF-8 and refuses other bytes before any parser runs;
    // invalid bytes are fed as the replacement character, so they still reach the parsers.
    let text = String::from_utf8_lossy(input);
    let slot = thread_slot();
    let started = Instant::now();
    set_running(slot, Some((t.name, n, started, input.to_vec())));
    let outcome = catch_unwind(AssertUnwindSafe(|| (t.run)(path, &text)));
    let elapsed = started.elapsed();
    set_running(slot, None);
    report.inputs += 1;
    report.slowest_ms = report.slowest_ms.max(elapsed.as_secs_f64() * 1e3);
    let problem = match outcome {
        Err(_) => Some("panic"),
        Ok(()) if elapsed > s.time_limit => Some("slow"),
        Ok(()) => None,
    };
    if let Some(what) = problem {
        let saved = save(&s.crash_dir, t.name, what, input);
        report.failures.push(format!("{what} on input {n} (from {}, {:?}): saved as {}", path.display(), elapsed, saved.display()));
    }
}

fn fuzz(t: &Target, s: &Settings) -> Report {
    start_watchdog(s.time_limit, s.crash_dir.clone());
    let seeds = seeds(t);
    assert!(!seeds.is_empty(), "target {} has no seed files", t.name);
    let bytes: Vec<Vec<u8>> = seeds.iter().map(|(_, b)| b.clone()).collect();
    let mutator = Mutator::new(&bytes, t.tokens, s.huge);
    let mut report = Report { inputs: 0, seconds: 0.0, slowest_ms: 0.0, failures: Vec::new() };
    let started = Instant::now();
    // The seeds themselves first, then mutations; input n draws from its own generator, so it
    // can be replayed from (seed, n) alone.
    let target_seed = s.seed ^ fnv(t.name);
    if let Some(n) = s.only_input {
        let (path, input) = match n.checked_sub(seeds.len() as u64) {
            None => seeds[n as usize].clone(),
            Some(m) => {
                let mut rng = Rng::new(target_seed.wrapping_add(m.wrapping_mul(0x9E37_79B9_7F4A_7C15)));
                let (path, base) = &seeds[rng.below(seeds.len())];
                (path.clone(), mutator.mutate(&mut rng, base))
            }
        };
        eprintln!(
            "fuzz {}: input {n} (from {}) saved as {}",
            t.name,
            path.display(),
            save(&s.crash_dir, t.name, "input", &input).display()
        );
        run_one(t, s, n, &path, &input, &mut report);
        return report;
    }
    for (i, (path, input)) in seeds.iter().enumerate() {
        run_one(t, s, i as u64, path, input, &mut report);
    }
    for n in 0.. {
        let done = match s.seconds {
            Some(limit) => started.elapsed().as_secs_f64() >= limit,
            None => n >= s.count,
        };
        if done {
            break;
        }
        let mut rng = Rng::new(target_seed.wrapping_add(n.wrapping_mul(0x9E37_79B9_7F4A_7C15)));
        let (path, base) = &seeds[rng.below(seeds.len())];
        let input = mutator.mutate(&mut rng, base);
        run_one(t, s, seeds.len() as u64 + n, path, &input, &mut report);
    }
    report.seconds = started.elapsed().as_secs_f64();
    report
}

fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3))
}

/// Fuzzes one target with the settings from the environment; fails on any finding.
fn fuzz_target(name: &str) {
    let s = settings();
    if s.filter.as_deref().is_some_and(|f| !name.contains(f)) {
        return;
    }
    let t = targets::all().into_iter().find(|t| t.name == name).expect("a target of that name");
    if let Ok(file) = std::env::var("ECSIM_FUZZ_REPLAY") {
        let input = std::fs::read(&file).expect("the replay file");
        let path = seeds(&t).first().map(|(p, _)| p.clone()).expect("a seed");
        (t.run)(&path, &String::from_utf8_lossy(&input));
        eprintln!("fuzz {name}: replayed {file} without a panic");
        return;
    }
    let report = fuzz(&t, &s);
    let peak_mib = PEAK.load(Ordering::Relaxed) as f64 / (1024.0 * 1024.0);
    eprintln!(
        "fuzz {name}: {} inputs in {:.1} s (seed {}), slowest {:.1} ms, process heap peak {peak_mib:.0} MiB, {} finding(s)",
        report.inputs,
        report.seconds,
        s.seed,
        report.slowest_ms,
        report.failures.len()
    );
    assert!(report.failures.is_empty(), "fuzz {name} (seed {}):\n{}", s.seed, report.failures.join("\n"));
}

#[test]
fn fuzz_scenario_toml() {
    fuzz_target("scenario_toml");
}
#[test]
fn fuzz_sweep_toml() {
    fuzz_target("sweep_toml");
}
#[test]
fn fuzz_check_json() {
    fuzz_target("check_json");
}
#[test]
fn fuzz_stack_import() {
    fuzz_target("stack_import");
}

#[test]
fn fuzz_task_definition_json() {
    fuzz_target("task_definition_json");
}
#[test]
fn fuzz_service_json() {
    fuzz_target("service_json");
}
#[test]
fn fuzz_cluster_state_json() {
    fuzz_target("cluster_state_json");
}
#[test]
fn fuzz_elbv2_json() {
    fuzz_target("elbv2_json");
}
#[test]
fn fuzz_capacity_json() {
    fuzz_target("capacity_json");
}
#[test]
fn fuzz_autoscaling_json() {
    fuzz_target("autoscaling_json");
}
#[test]
fn fuzz_cloudwatch_json() {
    fuzz_target("cloudwatch_json");
}
#[test]
fn fuzz_alb_log() {
    fuzz_target("alb_log");
}
#[test]
fn fuzz_rate_csv() {
    fuzz_target("rate_csv");
}
#[test]
fn fuzz_cloudwatch_history() {
    fuzz_target("cloudwatch_history");
}
#[test]
fn fuzz_cql() {
    fuzz_target("cql");
}

#[test]
fn every_target_has_a_test_and_seeds() {
    let names: Vec<&str> = targets::all().iter().map(|t| t.name).collect();
    let source = include_str!("main.rs");
    for t in targets::all() {
        assert!(source.contains(&format!("fuzz_target(\"{}\")", t.name)), "no #[test] runs {}", t.name);
        assert!(!seeds(&t).is_empty(), "{} has no seeds", t.name);
    }
    assert_eq!(names.len(), 15);
}

#[test]
fn the_harness_catches_a_panic_and_saves_the_input() {
    // A target that panics on any non-ASCII character, as the ALB log reader did on "é" in a
    // timestamp: the mutator must reach it, and the harness must report and keep the input.
    let t = Target {
        name: "self_test",
        seed_dirs: &["tests/fixtures/alb-logs"],
        extensions: &[".log"],
        tokens: &[" "],
        run: |_, text| assert!(text.is_ascii(), "non-ASCII input"),
    };
    let dir = tempfile::tempdir().unwrap();
    let s = Settings {
        seed: 1,
        count: 500,
        seconds: None,
        filter: None,
        crash_dir: dir.path().to_path_buf(),
        time_limit: Duration::from_secs(5),
        huge: false,
        only_input: None,
    };
    let report = fuzz(&t, &s);
    assert!(report.failures.first().is_some_and(|f| f.starts_with("panic on input")), "{:?}", report.failures);
    let saved = std::fs::read_dir(dir.path()).unwrap().count();
    assert!(saved >= 1 && saved <= report.failures.len(), "one file per distinct failing input");
}

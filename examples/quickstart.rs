//! ecsim as a library: load the bundled quick-start scenario, run it, and read its results —
//! the headline figures of its summary, the busiest minute of its time series, and the files
//! it would write — without the command line.
//!
//!     cargo run --release --example quickstart
//!
//! Everything goes through `ecsim::api`, the same calls `ecsim run` makes.

use ecsim::api;
use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    // Paths in a scenario are relative to its file, so this runs from any directory.
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/quickstart.toml");
    let scenario = match api::load(&path) {
        Ok(s) => s,
        Err(errors) => {
            eprintln!("{errors}");
            return ExitCode::FAILURE;
        }
    };
    println!("{}: {} ({} simulated minutes)", scenario.name, scenario.description, api::simulated_minutes(&scenario));

    // The scenario's own seed: the same figures as `ecsim run scenarios/quickstart.toml`.
    let run = api::run(&scenario, scenario.seed);
    let s = &run.summary;
    println!(
        "tasks: {} submitted, {} placed, {} failed; wait to place mean {:.1} s, p95 {:.1} s",
        s.tasks.submitted, s.tasks.placed, s.tasks.failed, s.wait_to_place_s.mean, s.wait_to_place_s.p95
    );
    for (zone, r) in &s.reservation_by_zone {
        println!("  {zone}: CPU reserved {:.1} % on average, memory {:.1} %", r.cpu_pct.mean, r.memory_pct.mean);
    }
    println!("cost: ${:.4} for {:.2} instance-hours", s.cost.total_usd, s.cost.ec2_instance_hours);

    // The recorded rows are there too: the minute the cluster's CPU was most reserved.
    let busiest = run
        .outcome
        .recorder
        .minutes
        .iter()
        .filter(|m| m.zone == "cluster")
        .max_by(|a, b| a.cpu_reservation_pct.total_cmp(&b.cpu_reservation_pct));
    if let Some(m) = busiest {
        println!("busiest minute: {} (CPU {:.1} % reserved, {} tasks running)", m.minute, m.cpu_reservation_pct, m.running_tasks);
    }

    // And the results directory `ecsim run` writes, here into a temporary folder.
    let dir = std::env::temp_dir().join(format!("ecsim-example-{}", std::process::id()));
    if let Err(e) = api::write_results(&dir, &run) {
        eprintln!("error: {e:#}");
        return ExitCode::FAILURE;
    }
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .map(|entries| entries.filter_map(|e| e.ok()).map(|e| e.file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    files.sort();
    println!("files: {}", files.join(", "));
    let _ = std::fs::remove_dir_all(&dir);
    ExitCode::SUCCESS
}

//! What `ecsim run` prints when it is done: per run (or variant) the services, the traffic (what
//! was sent, answered and still in flight), the SLO verdict, the faults, the cost and the
//! reservation; for variants, a side-by-side table of their headline figures.
//!
//! Everything printed is read from the [`Summary`] the run also writes to summary.json, so the
//! terminal and the files cannot disagree.

use super::summary::Summary;
use std::fmt::Write as _;
use std::path::Path;

/// The whole report as text (one line per fact, variants table last).
pub fn render(summaries: &[Summary], out: &Path) -> String {
    let mut text = String::new();
    for s in summaries {
        run_lines(&mut text, s);
    }
    if summaries.len() > 1 {
        variants_table(&mut text, summaries);
    }
    let _ = writeln!(text, "results written to {}/", out.display());
    text
}

fn ms(v: Option<f64>) -> String {
    v.map_or("–".to_string(), |v| format!("{v:.1}"))
}

fn run_lines(text: &mut String, s: &Summary) {
    let label = s.variant.as_deref().map(|v| format!(" [{v}]")).unwrap_or_default();
    let who = format!("{}{}", s.scenario, label);
    for svc in &s.services {
        let durations: Vec<String> = svc.deployment_durations_s.iter().map(|d| format!("{d:.0} s")).collect();
        let _ = writeln!(
            text,
            "{who}: service {}: {} deployment(s), {} completed ({}), {} failed; at the end desired {}, running {}, healthy {}",
            svc.service,
            svc.deployments,
            svc.deployments_completed,
            durations.join(", "),
            svc.deployments_failed,
            svc.desired,
            svc.running,
            svc.healthy
        );
        for staged in &svc.staged_deployments {
            let _ = writeln!(text, "{who}: service {}: {staged}", svc.service);
        }
    }
    if let Some(t) = &s.traffic {
        let f = &t.figures;
        let in_flight =
            if f.in_flight_at_end > 0 { format!(" ({} still in flight at the end)", f.in_flight_at_end) } else { String::new() };
        let rejected = if f.tally.rejected > 0 { format!(", refused by full task queues {}", f.tally.rejected) } else { String::new() };
        let _ = writeln!(
            text,
            "{who}: traffic: {} requests sent, {} answered{in_flight}, availability {:.4} %, ELB 5xx {} (502 {}, 503 {}, 504 {}), target 5xx {}{rejected}; response time p50/p90/p99/max {}/{}/{}/{} ms",
            f.sent,
            f.requests,
            100.0 * f.availability,
            f.elb_5xx,
            f.tally.elb_502,
            f.tally.elb_503,
            f.tally.elb_504,
            f.tally.target_5xx,
            ms(t.latency_ms_p50),
            ms(t.latency_ms_p90),
            ms(t.latency_ms_p99),
            ms(t.latency_ms_max)
        );
    }
    if let Some(slo) = &s.slo {
        let mut parts = Vec::new();
        if let Some(objective) = slo.availability_pct_objective {
            let budget = slo.error_budget_spent_pct.map_or(String::new(), |b| format!(", {b:.1} % of the error budget spent"));
            parts.push(format!(
                "availability {:.4} % against {objective} % ({}; {} failed requests{budget})",
                slo.availability_pct,
                if slo.availability_met == Some(true) { "met" } else { "MISSED" },
                slo.failed_requests
            ));
        }
        if let Some(objective) = slo.latency_ms_p99_objective {
            parts.push(format!(
                "p99 {} ms against {objective} ms ({})",
                ms(slo.latency_ms_p99),
                if slo.latency_met == Some(true) { "met" } else { "MISSED" }
            ));
        }
        let verdict = if slo.met { "SLO met" } else { "SLO MISSED" };
        let _ = writeln!(text, "{who}: {verdict}: {}", parts.join("; "));
    }
    if let Some(f) = &s.faults {
        let recover = f.time_to_recover_s_max.map_or("no service recovered".to_string(), |t| format!("longest recovery {t:.1} s"));
        let lowest = f.lowest_healthy_pct.map_or(String::new(), |p| format!(", healthy tasks down to {p:.0} % of desired"));
        let not = if f.not_recovered > 0 { format!(", {} not recovered by the end", f.not_recovered) } else { String::new() };
        let _ = writeln!(
            text,
            "{who}: faults: {} occurrence(s), {} task(s) lost{lowest}, {recover}{not}, {} requests failed during them (faults.csv)",
            f.occurrences, f.tasks_lost, f.requests_failed
        );
    }
    let c = &s.cost;
    let _ = writeln!(
        text,
        "{who}: cost ${:.4} (EC2 ${:.4} for {:.2} instance-hours, Fargate ${:.4} for {:.2} vCPU-hours and {:.2} GB-hours; prices {})",
        c.total_usd, c.ec2_usd, c.ec2_instance_hours, c.fargate_usd, c.fargate_vcpu_hours, c.fargate_gb_hours, c.price_table_date
    );
    // Fargate on ARM64 is billed at other prices: its share, when there is one.
    let arm: Vec<_> = c.fargate.iter().filter(|f| f.architecture == crate::ecs::instance_types::Architecture::Arm64).collect();
    if !arm.is_empty() {
        let (usd, vcpu_h, gb_h) = arm.iter().fold((0.0, 0.0, 0.0), |(u, v, g), f| (u + f.usd, v + f.vcpu_hours, g + f.gb_hours));
        let _ = writeln!(text, "  of which Fargate ARM64 ${usd:.4} for {vcpu_h:.2} vCPU-hours and {gb_h:.2} GB-hours (Linux/ARM prices)");
    }
    let r = &s.reservation_cluster;
    if s.tasks.submitted == 0 && !s.services.is_empty() {
        let _ = writeln!(
            text,
            "  reservation (cluster, per-minute mean/max): CPU {:.1}/{:.1} %, memory {:.1}/{:.1} %",
            r.cpu_pct.mean, r.cpu_pct.max, r.memory_pct.mean, r.memory_pct.max
        );
        return;
    }
    let _ = writeln!(
        text,
        "{who}: {} tasks submitted, {} placed, {} failed, {} waiting at end; wait to place mean {:.1} s, p95 {:.1} s",
        s.tasks.submitted, s.tasks.placed, s.tasks.failed, s.tasks.waiting_at_end, s.wait_to_place_s.mean, s.wait_to_place_s.p95
    );
    let _ = writeln!(
        text,
        "  reservation (cluster, per-minute mean/p95/max): CPU {:.1}/{:.1}/{:.1} %, memory {:.1}/{:.1}/{:.1} %; stranded CPU {:.1} %, memory {:.1} %",
        r.cpu_pct.mean,
        r.cpu_pct.p95,
        r.cpu_pct.max,
        r.memory_pct.mean,
        r.memory_pct.p95,
        r.memory_pct.max,
        s.stranded.cpu_pct_of_registered_mean,
        s.stranded.memory_pct_of_registered_mean
    );
    if !s.tasks.failures_by_reason.is_empty() {
        let reasons: Vec<String> = s.tasks.failures_by_reason.iter().map(|(r, n)| format!("{r} ×{n}")).collect();
        let _ = writeln!(text, "  failures: {}", reasons.join(", "));
    }
    for (zone, r) in &s.reservation_by_zone {
        let _ = writeln!(text, "    {zone}: CPU mean {:.1} %, memory mean {:.1} %", r.cpu_pct.mean, r.memory_pct.mean);
    }
}

/// The variants side by side: one column per variant, one row per figure the runs have.
fn variants_table(text: &mut String, summaries: &[Summary]) {
    type Cell = fn(&Summary) -> Option<String>;
    let rows: [(&str, Cell); 10] = [
        ("tasks placed / failed", |s| Some(format!("{} / {}", s.tasks.placed, s.tasks.failed))),
        ("CPU reservation mean %", |s| Some(format!("{:.1}", s.reservation_cluster.cpu_pct.mean))),
        ("memory reservation mean %", |s| Some(format!("{:.1}", s.reservation_cluster.memory_pct.mean))),
        ("stranded memory %", |s| Some(format!("{:.1}", s.stranded.memory_pct_of_registered_mean))),
        ("requests answered", |s| s.traffic.as_ref().map(|t| t.figures.requests.to_string())),
        ("availability %", |s| s.traffic.as_ref().map(|t| format!("{:.4}", 100.0 * t.figures.availability))),
        ("p99 ms", |s| s.traffic.as_ref().map(|t| ms(t.latency_ms_p99))),
        ("SLO", |s| s.slo.as_ref().map(|slo| if slo.met { "met".to_string() } else { "MISSED".to_string() })),
        ("tasks lost to faults", |s| s.faults.as_ref().map(|f| f.tasks_lost.to_string())),
        ("cost USD", |s| Some(format!("{:.4}", s.cost.total_usd))),
    ];
    let names: Vec<String> = summaries.iter().map(|s| s.variant.clone().unwrap_or_default()).collect();
    let mut table: Vec<Vec<String>> = vec![std::iter::once("variant".to_string()).chain(names).collect()];
    for (label, cell) in rows {
        let cells: Vec<Option<String>> = summaries.iter().map(cell).collect();
        if cells.iter().all(Option::is_none) {
            continue;
        }
        table.push(std::iter::once(label.to_string()).chain(cells.into_iter().map(|c| c.unwrap_or_else(|| "–".into()))).collect());
    }
    let columns = table[0].len();
    let widths: Vec<usize> = (0..columns).map(|c| table.iter().map(|r| r[c].chars().count()).max().unwrap_or(0)).collect();
    let _ = writeln!(text, "variants side by side (comparison.csv):");
    for row in &table {
        let mut line = String::from(" ");
        for (c, cell) in row.iter().enumerate() {
            let pad = widths[c] - cell.chars().count();
            if c == 0 {
                let _ = write!(line, " {cell}{}", " ".repeat(pad));
            } else {
                let _ = write!(line, "  {}{cell}", " ".repeat(pad));
            }
        }
        let _ = writeln!(text, "{}", line.trim_end());
    }
}

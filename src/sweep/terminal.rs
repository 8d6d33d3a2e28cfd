//! What `ecsim sweep`, `ecsim merge` and `ecsim capacity` print, as text: the cells' headline
//! table, the capacity search's plan, one line per probe, and its answer with the evidence.
//! Read from the same values the commands write to files, so the terminal and the files agree.

use super::aggregate::Assembled;
use super::capacity::{Figure, Outcome, Probe, Search};
use std::fmt::Write as _;

/// The cells with their headline figures: mean ± half-width of the 95 % interval, one line per
/// cell after a header line.
pub fn sweep_table(a: &Assembled) -> String {
    let mut text = String::new();
    let width = a.table.iter().map(|(id, _)| id.len()).max().unwrap_or(4).max(4);
    let cols: Vec<usize> = a.headline.iter().map(|h| h.len().max(18)).collect();
    let mut header = format!("{:width$}", "cell");
    for (h, w) in a.headline.iter().zip(&cols) {
        header.push_str(&format!("  {h:>w$}"));
    }
    let _ = writeln!(text, "{header}");
    for (id, stats) in &a.table {
        let mut line = format!("{id:width$}");
        for (s, w) in stats.iter().zip(&cols) {
            let text = match s {
                Some(s) => match s.ci95 {
                    Some((lo, hi)) => format!("{:.4} ± {:.4}", s.mean, (hi - lo) / 2.0),
                    None => format!("{:.4}", s.mean),
                },
                None => "–".into(),
            };
            line.push_str(&format!("  {text:>w$}"));
        }
        let _ = writeln!(text, "{line}");
    }
    text
}

/// The knob's last name that is not an index (`cluster.instances.0.count` → `count`).
fn short(knob: &str) -> &str {
    knob.rsplit('.').find(|s| s.parse::<usize>().is_err()).unwrap_or(knob)
}

fn fig(f: &Option<Figure>, decimals: usize) -> String {
    f.as_ref().map_or("–".into(), |f| f.text(decimals))
}

/// What a capacity search is about to do: the knob, the objective, the seeds and the search
/// plan, one line each.
pub fn capacity_plan(search: &Search) -> String {
    let mut text = String::new();
    let slo = &search.base.slo;
    let mut objective = Vec::new();
    if let Some(a) = slo.availability_pct {
        objective.push(format!("availability ≥ {a} %"));
    }
    if let Some(l) = slo.latency_ms_p99 {
        objective.push(format!("p99 latency ≤ {l} ms"));
    }
    let _ = writeln!(text, "capacity search: {} of {} ({} in the file)", search.knob, search.path.display(), search.base_value);
    let _ = writeln!(
        text,
        "objective: {} and no placement failure (tasks.failed = 0), in every one of {} replication(s)",
        objective.join(", "),
        search.replications
    );
    let _ = writeln!(
        text,
        "seeds: run_seed({}, 0..{}), the same at every probe (common random numbers)",
        search.master_seed, search.replications
    );
    let _ = match search.to {
        Some(to) => writeln!(text, "search: check {to} (--to), then bisect down to {}; assumes more never hurts (monotone)", search.from),
        None => writeln!(text, "search: double from {}, then bisect; assumes more never hurts (monotone)", search.from),
    };
    text
}

/// One probe of a capacity search: the value, how many replications met the objective, and
/// the figures (mean over the replications).
pub fn probe_line(s: &Search, p: &Probe) -> String {
    format!(
        "probe {}: {} = {} → {}/{} met (SLO {}, no placement failure {})  availability {} %  p99 {} ms  budget spent {} %  tasks failed {}",
        p.order,
        short(&s.knob),
        p.value,
        p.replications_met,
        p.replications,
        p.replications_slo_met,
        p.replications_no_placement_failure,
        fig(&p.availability_pct, 4),
        fig(&p.latency_ms_p99, 1),
        fig(&p.error_budget_spent_pct, 1),
        fig(&p.tasks_failed, 1),
    )
}

/// The answer of a capacity search and the evidence: the answer and one step below, as a
/// table, then the assumption the answer rests on.
pub fn capacity_answer(o: &Outcome) -> String {
    let mut text = String::new();
    let Some(answer) = o.answer else {
        let _ = writeln!(text, "no answer: {}", o.failure.as_deref().unwrap_or("no value met the objective"));
        return text;
    };
    let _ =
        writeln!(text, "answer: {} = {answer}  (the smallest value where all {} replications meet the objective)", o.knob, o.replications);
    let _ = writeln!(text, "evidence (mean ± half-width of the 95 % CI over the replications):");
    let header = ["value", "met", "availability %", "p99 latency ms", "error budget spent %", "tasks failed"];
    let rows: Vec<[String; 6]> = [answer - 1, answer]
        .iter()
        .filter_map(|v| o.probe(*v))
        .map(|p| {
            [
                p.value.to_string(),
                format!("{}/{}", p.replications_met, p.replications),
                fig(&p.availability_pct, 4),
                fig(&p.latency_ms_p99, 1),
                fig(&p.error_budget_spent_pct, 1),
                fig(&p.tasks_failed, 1),
            ]
        })
        .collect();
    let widths: Vec<usize> = (0..header.len())
        .map(|i| rows.iter().map(|r| r[i].chars().count()).chain([header[i].chars().count()]).max().unwrap_or(0))
        .collect();
    let mut line = |cells: Vec<String>| {
        let parts: Vec<String> = cells.iter().zip(&widths).map(|(c, w)| format!("{c:>w$}")).collect();
        let _ = writeln!(text, "  {}", parts.join("   "));
    };
    line(header.iter().map(|h| h.to_string()).collect());
    for r in rows {
        line(r.to_vec());
    }
    if o.probe(answer - 1).is_none() {
        let _ = writeln!(
            text,
            "  ({} = {} was not run: the search starts at --from {}; lower --from to look below)",
            o.knob,
            answer - 1,
            o.from
        );
    }
    let _ = writeln!(text, "assumption: {}", o.assumption);
    text
}

//! The headline figures of one run (`summary.json`): what was asked, what happened, and the
//! reservation and stranded capacity per zone and for the cluster.

use crate::model::Scenario;
use crate::sim::recorder::spill::Spill;
use crate::sim::RunOutcome;
use serde::Serialize;
use std::collections::BTreeMap;

/// Mean, 95th percentile and maximum of a series.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Default)]
pub struct Stats {
    pub mean: f64,
    pub p95: f64,
    pub max: f64,
}

impl Stats {
    /// Nearest-rank p95 (the smallest value with at least 95 % of the samples at or below it).
    pub fn of(values: &[f64]) -> Stats {
        if values.is_empty() {
            return Stats::default();
        }
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        let rank = ((0.95 * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
        Stats {
            mean: round4(values.iter().sum::<f64>() / values.len() as f64),
            p95: round4(sorted[rank - 1]),
            max: round4(sorted[sorted.len() - 1]),
        }
    }
}

impl Stats {
    /// `Stats::of` the values of a spilled log, to the bit, reading it a few times instead of
    /// holding it: the sum in the same order, and the p95 found digit by digit (16 bits of the
    /// value's total order per pass, a 64 Ki-entry count table) instead of by sorting.
    /// A log of at most `SPILL_SELECTED_IN_MEMORY` values is read once into memory and its p95
    /// selected there (W2's 94,124 waits: one pass instead of six, and no count tables).
    pub fn of_spill(values: &Spill<f64>) -> Stats {
        let n = values.len();
        if n == 0 {
            return Stats::default();
        }
        let rank = ((0.95 * n as f64).ceil() as u64).clamp(1, n);
        if n <= SPILL_SELECTED_IN_MEMORY {
            let mut copy: Vec<f64> = values.iter().map_while(Result::ok).collect();
            // (A log that cannot be read back whole is read as below, as far as it goes.)
            if copy.len() as u64 == n {
                let sum: f64 = copy.iter().copied().sum();
                let max = copy.iter().copied().max_by(f64::total_cmp).unwrap_or(0.0);
                let (_, p95, _) = copy.select_nth_unstable_by(rank as usize - 1, f64::total_cmp);
                return Stats { mean: round4(sum / n as f64), p95: round4(*p95), max: round4(max) };
            }
        }
        let all = || values.iter().map_while(Result::ok);
        let sum: f64 = all().sum();
        let max = all().max_by(f64::total_cmp).unwrap_or(0.0);
        Stats { mean: round4(sum / n as f64), p95: round4(select(all, rank - 1)), max: round4(max) }
    }
}

impl Stats {
    /// `Stats::of` each of `count` series whose values `scan` hands out as (series, value), to
    /// the bit: the sums in the values' order, and the p95 of a series of at most
    /// `SELECTED_IN_MEMORY` values selected among its values copied out (one more pass of
    /// `scan`), of a longer one found 16 bits of the value's total order per pass (four more
    /// passes, a 64 Ki-entry count table per series) instead of by sorting: memory stays flat
    /// however long the run, and a run of hours (120 values a series) does not zero and scan
    /// 4 MiB of count tables four times, a tenth of W2's whole run at 1,000 hosts.
    pub fn of_series(count: usize, scan: impl Fn(&mut dyn FnMut(usize, f64))) -> Vec<Stats> {
        let (mut n, mut sum, mut max) = (vec![0u64; count], vec![0.0f64; count], vec![f64::NEG_INFINITY; count]);
        scan(&mut |s, v| {
            n[s] += 1;
            sum[s] += v;
            if v.total_cmp(&max[s]).is_gt() {
                max[s] = v;
            }
        });
        let mut k: Vec<u64> = n.iter().map(|&n| ((0.95 * n as f64).ceil() as u64).clamp(1, n.max(1)) - 1).collect();
        let mut prefix = vec![0u64; count];
        // Short series: the k-th value in total order among the values themselves.
        let short: Vec<bool> = n.iter().map(|&n| n > 0 && n <= SELECTED_IN_MEMORY).collect();
        if short.contains(&true) {
            let mut values: Vec<Vec<f64>> =
                n.iter().zip(&short).map(|(&n, &s)| Vec::with_capacity(if s { n as usize } else { 0 })).collect();
            scan(&mut |s, v| {
                if short[s] {
                    values[s].push(v);
                }
            });
            for s in (0..count).filter(|&s| short[s]) {
                let (_, kth, _) = values[s].select_nth_unstable_by(k[s] as usize, f64::total_cmp);
                prefix[s] = order_key(*kth);
            }
        }
        // Long series: digit by digit.
        let long = |s: usize| n[s] > SELECTED_IN_MEMORY;
        let mut counts: Vec<Vec<u64>> = (0..count).map(|s| if long(s) { vec![0u64; 1 << 16] } else { Vec::new() }).collect();
        for pass in (0..4u32).take_while(|_| (0..count).any(long)) {
            let shift = 48 - 16 * pass;
            counts.iter_mut().for_each(|c| c.iter_mut().for_each(|c| *c = 0));
            scan(&mut |s, v| {
                let kk = order_key(v);
                if long(s) && (pass == 0 || kk >> (shift + 16) == prefix[s] >> (shift + 16)) {
                    counts[s][((kk >> shift) & 0xFFFF) as usize] += 1;
                }
            });
            for s in (0..count).filter(|&s| long(s)) {
                let mut digit = 0;
                for (d, &c) in counts[s].iter().enumerate() {
                    if k[s] < c {
                        digit = d as u64;
                        break;
                    }
                    k[s] -= c;
                }
                prefix[s] |= digit << shift;
            }
        }
        (0..count)
            .map(|s| match n[s] {
                0 => Stats::default(),
                n => Stats { mean: round4(sum[s] / n as f64), p95: round4(from_order_key(prefix[s])), max: round4(max[s]) },
            })
            .collect()
    }
}

/// Logs of at most this many values (`Stats::of_spill`) are copied into memory to select
/// their p95: 8 MiB at most, whatever the run's length.
const SPILL_SELECTED_IN_MEMORY: u64 = 1 << 20;

/// Series of at most this many values have their p95 selected among a copy of their values
/// (`Stats::of_series`): 512 KiB a series at most, the size of one count table.
const SELECTED_IN_MEMORY: u64 = 1 << 16;

/// A key whose unsigned order is `f64::total_cmp`'s order.
fn order_key(x: f64) -> u64 {
    let b = x.to_bits();
    if b >> 63 == 1 {
        !b
    } else {
        b | 1 << 63
    }
}

/// The value of an `order_key`.
fn from_order_key(k: u64) -> f64 {
    f64::from_bits(if k >> 63 == 1 { k & !(1 << 63) } else { !k })
}

/// The `k`-th smallest (from 0) of the values `all()` yields, in `f64::total_cmp` order.
fn select<I: Iterator<Item = f64>>(all: impl Fn() -> I, mut k: u64) -> f64 {
    // A key whose unsigned order is total_cmp's order.
    let key = |x: f64| {
        let b = x.to_bits();
        if b >> 63 == 1 {
            !b
        } else {
            b | 1 << 63
        }
    };
    let mut prefix = 0u64;
    let mut counts = vec![0u64; 1 << 16];
    for pass in 0..4u32 {
        let shift = 48 - 16 * pass;
        counts.iter_mut().for_each(|c| *c = 0);
        for kk in all().map(key) {
            if pass == 0 || kk >> (shift + 16) == prefix >> (shift + 16) {
                counts[((kk >> shift) & 0xFFFF) as usize] += 1;
            }
        }
        let mut digit = 0;
        for (d, &c) in counts.iter().enumerate() {
            if k < c {
                digit = d as u64;
                break;
            }
            k -= c;
        }
        prefix |= digit << shift;
    }
    let b = if prefix >> 63 == 1 { prefix & !(1 << 63) } else { !prefix };
    f64::from_bits(b)
}

fn round4(x: f64) -> f64 {
    (x * 1e4).round() / 1e4
}

#[derive(Debug, Clone, Serialize)]
pub struct Reservation {
    pub cpu_pct: Stats,
    pub memory_pct: Stats,
}

#[derive(Debug, Clone, Serialize)]
pub struct Tasks {
    /// Tasks asked for (RunTask count summed).
    pub submitted: u64,
    pub placed: u64,
    /// Not placed: RunTask failures, or waits that ran out.
    pub failed: u64,
    /// Still waiting for capacity when the run ended.
    pub waiting_at_end: u64,
    /// Reached STOPPED after running.
    pub completed: u64,
    pub failures_by_reason: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Stranded {
    /// Mean over minutes of free CPU / memory on ACTIVE instances where no workload task fits.
    pub cpu_units_mean: f64,
    pub memory_mib_mean: f64,
    pub cpu_pct_of_registered_mean: f64,
    pub memory_pct_of_registered_mean: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub ecsim_version: &'static str,
    pub scenario: String,
    pub scenario_sha256: String,
    pub variant: Option<String>,
    pub seed: u64,
    pub duration_s: u64,
    pub instances: usize,
    pub zones: Vec<String>,
    pub tasks: Tasks,
    /// Submission to placement, over placed tasks, seconds.
    pub wait_to_place_s: Stats,
    pub reservation_cluster: Reservation,
    pub reservation_by_zone: BTreeMap<String, Reservation>,
    pub stranded: Stranded,
    /// One entry per service: its deployments and where it ended.
    pub services: Vec<ServiceSummary>,
    /// Requests through the load balancers: availability, errors, latency percentiles over the
    /// run, per target group and per source (absent without load balancers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub traffic: Option<crate::sim::alb::metrics::TrafficTotals>,
    /// What the run cost: EC2 instance-hours by type and purchase option, Fargate vCPU- and
    /// GB-hours, with the date of the price table (docs/ecs-model.md#prices).
    pub cost: crate::capacity::CostReport,
    /// Auto Scaling groups at the end of the run (absent without groups).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub auto_scaling_groups: Vec<crate::sim::capacity::GroupSummary>,
    /// Injected faults: occurrences, tasks lost, worst recovery (faults.csv has every one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub faults: Option<crate::faults::FaultsSummary>,
    /// The run against the scenario's `[slo]` (absent without one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slo: Option<crate::faults::SloReport>,
    pub events_handled: u64,
    /// The scenario's `[lesson]`, carried to lesson.json (`output::lesson`); not in summary.json.
    #[serde(skip)]
    pub lesson: Option<crate::model::Lesson>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ServiceSummary {
    pub service: String,
    pub deployments: u32,
    pub deployments_completed: u32,
    pub deployments_failed: u32,
    /// Seconds from start to COMPLETED, per completed deployment, in order.
    pub deployment_durations_s: Vec<f64>,
    /// One line per blue/green, linear or canary deployment: its id, strategy, outcome and the
    /// stages entered with their times (absent for a service that deploys only by rolling).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub staged_deployments: Vec<String>,
    /// At the end of the run.
    pub desired: u32,
    pub running: u32,
    pub healthy: u32,
    /// What the service's Fargate tasks cost (USD); absent for services on EC2, whose cost is
    /// the cluster's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cost_usd: Option<f64>,
}

impl Summary {
    pub fn new(scenario: &Scenario, variant: Option<&str>, seed: u64, outcome: &RunOutcome) -> Summary {
        let r = &outcome.recorder;
        let zones = r.zone_names();
        // Per zone, then the cluster: CPU (2 z) and memory (2 z + 1) reservation, read from the
        // row log a few times (never held whole); the same figures as from every row in memory.
        let series_of: Vec<Option<usize>> =
            r.minutes.names().iter().map(|n| if n == "cluster" { Some(zones.len()) } else { zones.iter().position(|z| z == n) }).collect();
        let scan = |f: &mut dyn FnMut(usize, f64)| {
            for (name, m) in r.minutes.try_iter_indexed().map_while(Result::ok) {
                if let Some(&Some(z)) = series_of.get(name as usize) {
                    f(2 * z, m.cpu_reservation_pct);
                    f(2 * z + 1, m.memory_reservation_pct);
                }
            }
        };
        let stats = Stats::of_series(2 * zones.len() + 2, scan);
        let reservation = |z: usize| Reservation { cpu_pct: stats[2 * z], memory_pct: stats[2 * z + 1] };
        // The cluster rows' stranded capacity, summed in row order.
        let (mut cluster_rows, mut stranded_cpu, mut stranded_mem) = (0u64, 0.0, 0.0);
        for (name, m) in r.minutes.try_iter_indexed().map_while(Result::ok) {
            if series_of.get(name as usize) == Some(&Some(zones.len())) {
                cluster_rows += 1;
                stranded_cpu += m.stranded_cpu_units as f64;
                stranded_mem += m.stranded_memory_mib as f64;
            }
        }
        let mean = |sum: f64| if cluster_rows == 0 { 0.0 } else { round4(sum / cluster_rows as f64) };
        let ec2 = || outcome.cluster.instances.iter().filter(|i| !i.fargate);
        let registered_cpu: u64 = ec2().map(|i| i.registered_cpu_units as u64).sum();
        let registered_mem: u64 = ec2().map(|i| i.registered_memory_mib as u64).sum();
        let cpu_units_mean = mean(stranded_cpu);
        let memory_mib_mean = mean(stranded_mem);
        Summary {
            ecsim_version: env!("CARGO_PKG_VERSION"),
            scenario: scenario.name.clone(),
            scenario_sha256: scenario.sha256.clone(),
            variant: variant.map(str::to_string),
            seed,
            duration_s: scenario.duration.whole_secs(),
            instances: ec2().count(),
            zones: zones.clone(),
            tasks: Tasks {
                submitted: r.submitted,
                placed: r.placed,
                failed: r.failed,
                waiting_at_end: r.waiting_at_end,
                completed: r.completed,
                failures_by_reason: r.failures_by_reason.clone(),
            },
            wait_to_place_s: Stats::of_spill(&r.wait_to_place_s),
            reservation_cluster: reservation(zones.len()),
            reservation_by_zone: zones.iter().enumerate().map(|(i, z)| (z.clone(), reservation(i))).collect(),
            stranded: Stranded {
                cpu_units_mean,
                memory_mib_mean,
                cpu_pct_of_registered_mean: if registered_cpu == 0 { 0.0 } else { round4(cpu_units_mean * 100.0 / registered_cpu as f64) },
                memory_pct_of_registered_mean: if registered_mem == 0 {
                    0.0
                } else {
                    round4(memory_mib_mean * 100.0 / registered_mem as f64)
                },
            },
            services: service_summaries(scenario, outcome),
            traffic: outcome.traffic.clone(),
            cost: outcome.capacity.cost.clone(),
            auto_scaling_groups: outcome.capacity.groups.clone(),
            faults: (!scenario.faults.is_empty()).then(|| crate::faults::summarize(&outcome.fault_rows)),
            slo: (!scenario.slo.is_empty()).then(|| {
                let (requests, successful, p99) =
                    outcome.traffic.as_ref().map_or((0, 0, None), |t| (t.figures.requests, t.figures.successful, t.latency_ms_p99));
                crate::faults::evaluate_slo(&scenario.slo, requests, requests - successful, p99)
            }),
            events_handled: outcome.events_handled,
            lesson: scenario.lesson.clone(),
        }
    }
}

fn service_summaries(scenario: &Scenario, outcome: &RunOutcome) -> Vec<ServiceSummary> {
    let r = &outcome.recorder;
    let mut names: Vec<String> = r.deployments.iter().map(|d| d.service.clone()).collect();
    names.dedup();
    names
        .into_iter()
        .map(|name| {
            let ds: Vec<_> = r.deployments.iter().filter(|d| d.service == name).collect();
            let last = r.service_minutes.last_named(&name);
            ServiceSummary {
                deployments: ds.len() as u32,
                deployments_completed: ds.iter().filter(|d| d.outcome == "COMPLETED").count() as u32,
                deployments_failed: ds.iter().filter(|d| d.outcome == "FAILED").count() as u32,
                deployment_durations_s: ds.iter().filter(|d| d.outcome == "COMPLETED").filter_map(|d| d.duration_s).collect(),
                staged_deployments: ds
                    .iter()
                    .filter_map(|d| {
                        let stages = d.stage_times.as_deref().filter(|t| !t.is_empty())?;
                        let strategy = d.strategy.as_deref().unwrap_or("");
                        Some(format!("ecs-svc/{} {strategy} {}: {}", d.deployment, d.outcome, stages.replace(';', " → ")))
                    })
                    .collect(),
                desired: last.as_ref().map_or(0, |m| m.desired),
                running: last.as_ref().map_or(0, |m| m.running),
                healthy: last.as_ref().map_or(0, |m| m.healthy),
                cost_usd: scenario
                    .services
                    .iter()
                    .position(|s| s.definition.service_name == name)
                    .and_then(|i| outcome.capacity.service_cost_usd.get(i).copied().flatten())
                    .map(|usd| (usd * 1e6).round() / 1e6),
                service: name,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn p95_is_nearest_rank() {
        // 20 values 1..=20: ceil(0.95 × 20) = 19th smallest = 19.
        let v: Vec<f64> = (1..=20).map(f64::from).collect();
        let s = Stats::of(&v);
        assert_eq!((s.mean, s.p95, s.max), (10.5, 19.0, 20.0));
        assert_eq!(Stats::of(&[]), Stats::default());
    }

    /// Values of both signs, both zeros and repeats, so that an order must be `total_cmp`'s
    /// and not only `<`'s.
    fn value(i: u64) -> f64 {
        let z = (i + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let z = (z ^ (z >> 31)) % 2001;
        if z == 2000 {
            -0.0
        } else {
            (z as f64 - 1000.0) / 8.0
        }
    }

    #[test]
    fn of_spill_is_of_its_values_whether_copied_or_counted() {
        // A log under `SPILL_SELECTED_IN_MEMORY` (copied) and one over it (digit by digit),
        // values mixing signs, both zeros and repeats, over several spilled chunks: each must
        // be `Stats::of` its values, to the bit.
        for n in [1u64, 94_124, SPILL_SELECTED_IN_MEMORY + 5] {
            let mut spill = Spill::new();
            let values: Vec<f64> = (0..n).map(value).collect();
            values.iter().for_each(|&v| spill.push(v));
            let (got, want) = (Stats::of_spill(&spill), Stats::of(&values));
            assert_eq!(
                (got.mean.to_bits(), got.p95.to_bits(), got.max.to_bits()),
                (want.mean.to_bits(), want.p95.to_bits(), want.max.to_bits()),
                "{n} values"
            );
        }
    }

    #[test]
    fn of_series_is_of_each_series_whether_short_or_long() {
        // Four series interleaved as a run's minutes are: none; 120 values (two hours, selected
        // among a copy); 70,000 values (past the 65,536 of `SELECTED_IN_MEMORY`: digit by
        // digit); one value. Values mix signs, zeros of both signs and repeats, so the order is
        // `total_cmp`'s and not only `<`'s. Each must be `Stats::of` its own values, to the bit.
        let series: Vec<Vec<f64>> = vec![vec![], (0..120).map(value).collect(), (0..70_000).map(|i| value(i + 7)).collect(), vec![3.25]];
        let scan = |f: &mut dyn FnMut(usize, f64)| {
            for i in 0..70_000 {
                for (s, values) in series.iter().enumerate() {
                    if let Some(&v) = values.get(i) {
                        f(s, v);
                    }
                }
            }
        };
        let stats = Stats::of_series(series.len(), scan);
        for (s, values) in series.iter().enumerate() {
            let want = Stats::of(values);
            assert_eq!(
                (stats[s].mean.to_bits(), stats[s].p95.to_bits(), stats[s].max.to_bits()),
                (want.mean.to_bits(), want.p95.to_bits(), want.max.to_bits()),
                "series {s}: {:?} vs {want:?}",
                stats[s]
            );
        }
        assert_eq!(stats[0], Stats::default());
    }
}

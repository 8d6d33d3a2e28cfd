//! The load balancer's CloudWatch metrics per minute (spec §9.7) and its run totals.
//!
//! Counters are kept per (target group, zone): the zone is the load-balancer node that took the
//! request (CloudWatch's `AvailabilityZone` dimension) for request counts, errors and latency, and
//! the target's zone for host counts. `TargetResponseTime` comes from fixed-size log-linear
//! histograms (≤ 0.4 % error, `elb::histogram`), one per (group, zone) for the minute and one per
//! group for the run — never a vector of latencies. Host counts are time-weighted over the minute
//! (Average) with the extremes of the instantaneous count (Minimum/Maximum) [INF, §9.7].
//!
//! Per-service `CPUUtilization` and `MemoryUtilization` (spec §10.4): one sample per task per
//! minute — CPU units used (from its busy workers, `elb::target`) ÷ CPU units reserved; memory
//! used (`memory_base_mib` + `memory_per_busy_worker_mib` × mean busy workers) ÷ memory reserved.

use super::{GroupState, ServerInfo, TargetState};
use crate::cloudwatch::StatSet;
use crate::elb::histogram::Histogram;
use crate::elb::target::Target;
use crate::engine::{SimTime, Span};
use serde::Serialize;

/// What became of one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The target answered (2xx–4xx).
    Success,
    /// The target answered with a 5xx of its own (an application error, or its queue was full).
    Target5xx,
    /// Connection reset: the task died or its deregistration delay cut the request.
    Elb502,
    /// No registered target.
    Elb503,
    /// No answer within the idle timeout.
    Elb504,
}

#[derive(Debug, Clone, Default)]
struct Counters {
    /// `RequestCount`: requests for which a target was chosen.
    requests: u64,
    unhealthy_routing: u64,
    target_ok: u64,
    target_5xx: u64,
    elb_502: u64,
    elb_503: u64,
    elb_504: u64,
}

impl Counters {
    fn elb_5xx(&self) -> u64 {
        self.elb_502 + self.elb_503 + self.elb_504
    }
    fn add(&mut self, o: &Counters) {
        self.requests += o.requests;
        self.unhealthy_routing += o.unhealthy_routing;
        self.target_ok += o.target_ok;
        self.target_5xx += o.target_5xx;
        self.elb_502 += o.elb_502;
        self.elb_503 += o.elb_503;
        self.elb_504 += o.elb_504;
    }
}

/// A count that changes at instants: time-weighted mean, min and max over the minute.
#[derive(Debug, Clone, Default)]
struct Gauge {
    value: u32,
    since: SimTime,
    area_us: u128,
    min: u32,
    max: u32,
}

impl Gauge {
    fn set(&mut self, now: SimTime, value: u32) {
        self.area_us += self.value as u128 * now.since(self.since).as_micros() as u128;
        self.since = now;
        self.value = value;
        self.min = self.min.min(value);
        self.max = self.max.max(value);
    }
    /// (average, min, max) over [start, now); restarts at `now`.
    fn take(&mut self, start: SimTime, now: SimTime) -> (f64, u32, u32) {
        self.set(now, self.value);
        let span = now.since(start).as_micros().max(1);
        let out = (self.area_us as f64 / span as f64, self.min, self.max);
        self.area_us = 0;
        self.min = self.value;
        self.max = self.value;
        out
    }
}

/// One row of alb.csv: a target group's metrics for one minute.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AlbMinuteRow {
    pub minute: u64,
    pub time_s: u64,
    pub target_group: String,
    /// `RequestCount`.
    pub requests: u64,
    /// `RequestCountPerTarget`: requests ÷ healthy targets at the end of the minute (÷ registered
    /// if none is healthy).
    pub requests_per_target: f64,
    /// `TargetResponseTime`, ms (empty when no target answered).
    pub latency_ms_avg: Option<f64>,
    pub latency_ms_p50: Option<f64>,
    pub latency_ms_p90: Option<f64>,
    pub latency_ms_p99: Option<f64>,
    pub elb_5xx: u64,
    pub elb_502: u64,
    pub elb_503: u64,
    pub elb_504: u64,
    pub target_5xx: u64,
    pub healthy_hosts_avg: f64,
    pub healthy_hosts_min: u32,
    pub healthy_hosts_max: u32,
    pub unhealthy_hosts_avg: f64,
    pub unhealthy_hosts_min: u32,
    pub unhealthy_hosts_max: u32,
    /// `UnhealthyRoutingRequestCount`: requests routed while failing open.
    pub unhealthy_routing: u64,
}

/// The load balancer's figures for one zone and minute (columns of timeseries.csv).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ZoneMinute {
    /// Requests the load balancer's node in this zone received (all outcomes).
    pub requests: u64,
    pub elb_5xx: u64,
    pub target_5xx: u64,
    pub latency_ms_avg: Option<f64>,
    pub latency_ms_p50: Option<f64>,
    pub latency_ms_p90: Option<f64>,
    pub latency_ms_p99: Option<f64>,
    /// Time-weighted healthy / unhealthy targets in this zone (all target groups).
    pub healthy_targets: f64,
    pub unhealthy_targets: f64,
}

/// Run totals of one target group (summary.json).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct GroupTotals {
    pub target_group: String,
    pub requests: u64,
    pub target_2xx: u64,
    pub target_5xx: u64,
    pub elb_502: u64,
    pub elb_503: u64,
    pub elb_504: u64,
    pub unhealthy_routing: u64,
    pub latency_ms_avg: Option<f64>,
    pub latency_ms_p50: Option<f64>,
    pub latency_ms_p90: Option<f64>,
    pub latency_ms_p99: Option<f64>,
}

/// The run's traffic figures (summary.json's `traffic`, alb.csv).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TrafficTotals {
    /// Every request that reached a load balancer and ended by the end of the run (answered, or
    /// failed with a 5xx); those still in flight at the end are not counted.
    pub requests: u64,
    /// Those that did not end in a 5xx (from the load balancer or a target).
    pub successful: u64,
    /// successful ÷ requests (1 when there was no request).
    pub availability: f64,
    pub elb_5xx: u64,
    pub target_5xx: u64,
    /// TargetResponseTime over the run, ms.
    pub latency_ms_avg: Option<f64>,
    pub latency_ms_p50: Option<f64>,
    pub latency_ms_p90: Option<f64>,
    pub latency_ms_p99: Option<f64>,
    pub latency_ms_p999: Option<f64>,
    pub latency_ms_max: Option<f64>,
    pub target_groups: Vec<GroupTotals>,
    pub sources: Vec<super::traffic::SourceTotals>,
    /// alb.csv: one row per target group and minute.
    #[serde(skip)]
    pub rows: Vec<AlbMinuteRow>,
}

pub struct AlbMetrics {
    zones: usize,
    /// [group × zones + zone]
    minute: Vec<Counters>,
    minute_latency: Vec<Histogram>,
    healthy: Vec<Gauge>,
    unhealthy: Vec<Gauge>,
    run: Vec<Counters>,
    run_latency: Vec<Histogram>,
    /// Requests the load balancer answered itself (fixed responses, redirects) per zone: (all, 5xx).
    answered: Vec<(u64, u64)>,
    answered_5xx_run: u64,
    /// Requests that ended (counted at their outcome), and those that did not end in a 5xx.
    pub requests_total: u64,
    pub successful: u64,
    /// Per service: this minute's per-task CPUUtilization and MemoryUtilization samples (%).
    cpu: Vec<StatSet>,
    memory: Vec<StatSet>,
    scratch: Histogram,
    scratch_all: Histogram,
    /// Per target group: the last closed minute's TargetResponseTime histogram.
    last_minute: Vec<Histogram>,
    pub rows: Vec<AlbMinuteRow>,
}

fn ms(s: Option<Span>) -> Option<f64> {
    s.map(|s| s.as_micros() as f64 / 1000.0)
}

/// [mean, p50, p90, p99] of a latency histogram, in ms (`None` when it is empty).
pub fn latency_ms(h: &Histogram) -> [Option<f64>; 4] {
    [ms(h.mean()), ms(h.percentile(50.0)), ms(h.percentile(90.0)), ms(h.percentile(99.0))]
}

impl AlbMetrics {
    pub fn new(groups: usize, zones: usize, services: usize) -> Self {
        let zones = zones.max(1);
        let n = groups * zones;
        AlbMetrics {
            zones,
            minute: vec![Counters::default(); n],
            minute_latency: (0..n).map(|_| Histogram::new()).collect(),
            healthy: vec![Gauge::default(); n],
            unhealthy: vec![Gauge::default(); n],
            run: vec![Counters::default(); groups],
            run_latency: (0..groups).map(|_| Histogram::new()).collect(),
            answered: vec![(0, 0); zones],
            answered_5xx_run: 0,
            requests_total: 0,
            successful: 0,
            cpu: vec![StatSet::EMPTY; services],
            memory: vec![StatSet::EMPTY; services],
            scratch: Histogram::new(),
            scratch_all: Histogram::new(),
            last_minute: (0..groups).map(|_| Histogram::new()).collect(),
            rows: Vec::new(),
        }
    }

    fn at(&self, group: usize, zone: u16) -> usize {
        group * self.zones + (zone as usize).min(self.zones - 1)
    }

    /// A target was chosen for a request (`RequestCount`).
    #[inline]
    pub fn routed(&mut self, group: usize, zone: u16, fail_open: bool) {
        let i = self.at(group, zone);
        self.minute[i].requests += 1;
        self.minute[i].unhealthy_routing += fail_open as u64;
        self.run[group].requests += 1;
        self.run[group].unhealthy_routing += fail_open as u64;
    }

    /// The end of one request that went to a target group.
    #[inline]
    pub fn outcome(&mut self, group: usize, zone: u16, outcome: Outcome, latency: Option<Span>) {
        let i = self.at(group, zone);
        self.requests_total += 1;
        let (m, r) = (&mut self.minute[i], &mut self.run[group]);
        match outcome {
            Outcome::Success => {
                m.target_ok += 1;
                r.target_ok += 1;
                self.successful += 1;
            }
            Outcome::Target5xx => {
                m.target_5xx += 1;
                r.target_5xx += 1;
            }
            Outcome::Elb502 => {
                m.elb_502 += 1;
                r.elb_502 += 1;
            }
            Outcome::Elb503 => {
                m.elb_503 += 1;
                r.elb_503 += 1;
            }
            Outcome::Elb504 => {
                m.elb_504 += 1;
                r.elb_504 += 1;
            }
        }
        // The run's histogram is the sum of the minutes' (folded in at each minute's end).
        if let Some(l) = latency {
            self.minute_latency[i].record(l);
        }
    }

    /// The load balancer answered itself (fixed response, redirect).
    pub fn answered_by_alb(&mut self, zone: u16, status_code: u16) {
        let z = (zone as usize).min(self.zones - 1);
        self.requests_total += 1;
        self.answered[z].0 += 1;
        if status_code >= 500 {
            self.answered[z].1 += 1;
            self.answered_5xx_run += 1;
        } else {
            self.successful += 1;
        }
    }

    /// Recounts the healthy/unhealthy targets of `group` per zone after a change.
    pub fn set_host_counts(&mut self, now: SimTime, group: usize, state: &GroupState) {
        for z in 0..self.zones {
            let (mut h, mut u) = (0u32, 0u32);
            for t in state.targets.iter().filter(|t| t.zone as usize == z) {
                match t.state {
                    TargetState::Healthy => h += 1,
                    TargetState::Unhealthy => u += 1,
                    _ => {}
                }
            }
            let i = group * self.zones + z;
            self.healthy[i].set(now, h);
            self.unhealthy[i].set(now, u);
        }
    }

    /// Closes one task's usage sample for the time since its last one (spec §10.4: one sample
    /// per RUNNING task per minute = its average over the minute): CPU used ÷ CPU reserved, and
    /// memory (a base plus a share per busy worker) ÷ memory reserved.
    pub fn account_usage(&mut self, now: SimTime, server: &mut Target, info: &mut ServerInfo) {
        let dt_us = now.since(info.accounted_since).as_micros() as f64;
        if dt_us <= 0.0 {
            return;
        }
        let s = info.service as usize;
        let cpu_used = server.take_cpu_time(now);
        let busy_workers = server.take_busy_time(now) as f64 / dt_us;
        if info.reserved_cpu_units > 0.0 {
            self.cpu[s].add(100.0 * cpu_used / (info.reserved_cpu_units * dt_us));
        }
        if info.reserved_memory_mib > 0.0 {
            let used = info.memory_base_mib + info.memory_per_busy_worker_mib * busy_workers;
            self.memory[s].add(100.0 * used / info.reserved_memory_mib);
        }
        info.accounted_since = now;
    }

    /// The minute's (CPUUtilization, MemoryUtilization) statistic sets of a service, then
    /// restarts; empty sets when no task of the service served requests.
    pub fn take_service_usage(&mut self, service: usize) -> (StatSet, StatSet) {
        (std::mem::replace(&mut self.cpu[service], StatSet::EMPTY), std::mem::replace(&mut self.memory[service], StatSet::EMPTY))
    }

    /// Closes the minute [start, now): one alb.csv row per target group, and the per-zone
    /// figures for timeseries.csv (the last entry is the whole load balancer: the "cluster" row).
    pub fn minute_ended(&mut self, minute: u64, start: SimTime, now: SimTime, names: &[String], groups: &[GroupState]) -> Vec<ZoneMinute> {
        let zones = self.zones;
        let mut by_zone = vec![ZoneMinute::default(); zones + 1];
        for (z, zm) in by_zone.iter_mut().enumerate().take(zones) {
            zm.requests = self.answered[z].0;
            zm.elb_5xx = self.answered[z].1;
        }
        by_zone[zones].requests = self.answered.iter().map(|a| a.0).sum();
        by_zone[zones].elb_5xx = self.answered.iter().map(|a| a.1).sum();
        for a in &mut self.answered {
            *a = (0, 0);
        }
        // Per zone: latency over all groups.
        for (z, zm) in by_zone.iter_mut().enumerate().take(zones) {
            self.scratch.reset();
            for g in 0..names.len() {
                self.scratch.merge(&self.minute_latency[g * zones + z]);
            }
            [zm.latency_ms_avg, zm.latency_ms_p50, zm.latency_ms_p90, zm.latency_ms_p99] = latency_ms(&self.scratch);
        }
        self.scratch_all.reset();
        for (g, name) in names.iter().enumerate() {
            let mut c = Counters::default();
            self.scratch.reset();
            let (mut h_avg, mut h_min, mut h_max, mut u_avg, mut u_min, mut u_max) = (0.0, 0, 0, 0.0, 0, 0);
            for (z, zm) in by_zone.iter_mut().enumerate().take(zones) {
                let i = g * zones + z;
                c.add(&self.minute[i]);
                zm.requests += self.minute[i].requests + self.minute[i].elb_503;
                zm.elb_5xx += self.minute[i].elb_5xx();
                zm.target_5xx += self.minute[i].target_5xx;
                self.minute[i] = Counters::default();
                self.scratch.merge(&self.minute_latency[i]);
                self.run_latency[g].merge(&self.minute_latency[i]);
                self.minute_latency[i].reset();
                let (ha, hmin, hmax) = self.healthy[i].take(start, now);
                let (ua, umin, umax) = self.unhealthy[i].take(start, now);
                zm.healthy_targets += ha;
                zm.unhealthy_targets += ua;
                // Sums over zones of per-zone extremes bound the group's extremes; exact when
                // the counts change in one zone at a time (the usual case).
                h_avg += ha;
                h_min += hmin;
                h_max += hmax;
                u_avg += ua;
                u_min += umin;
                u_max += umax;
            }
            self.scratch_all.merge(&self.scratch);
            self.last_minute[g].reset();
            self.last_minute[g].merge(&self.scratch);
            let [latency_ms_avg, latency_ms_p50, latency_ms_p90, latency_ms_p99] = latency_ms(&self.scratch);
            let state = &groups[g];
            let healthy_now = state.targets.iter().filter(|t| t.state == TargetState::Healthy).count();
            let registered_now = state.targets.iter().filter(|t| t.state != TargetState::Draining).count();
            let per_target_denominator = if healthy_now > 0 { healthy_now } else { registered_now };
            self.rows.push(AlbMinuteRow {
                minute,
                time_s: start.as_micros() / 1_000_000,
                target_group: name.clone(),
                requests: c.requests,
                requests_per_target: if per_target_denominator > 0 { c.requests as f64 / per_target_denominator as f64 } else { 0.0 },
                latency_ms_avg,
                latency_ms_p50,
                latency_ms_p90,
                latency_ms_p99,
                elb_5xx: c.elb_5xx(),
                elb_502: c.elb_502,
                elb_503: c.elb_503,
                elb_504: c.elb_504,
                target_5xx: c.target_5xx,
                healthy_hosts_avg: h_avg,
                healthy_hosts_min: h_min,
                healthy_hosts_max: h_max,
                unhealthy_hosts_avg: u_avg,
                unhealthy_hosts_min: u_min,
                unhealthy_hosts_max: u_max,
                unhealthy_routing: c.unhealthy_routing,
            });
            let total = &mut by_zone[zones];
            total.requests += c.requests + c.elb_503;
            total.elb_5xx += c.elb_5xx();
            total.target_5xx += c.target_5xx;
            total.healthy_targets += h_avg;
            total.unhealthy_targets += u_avg;
        }
        let total = &mut by_zone[zones];
        [total.latency_ms_avg, total.latency_ms_p50, total.latency_ms_p90, total.latency_ms_p99] = latency_ms(&self.scratch_all);
        by_zone
    }

    /// The last closed minute's TargetResponseTime histogram of target group `group`.
    pub fn last_minute_latency(&self, group: usize) -> &Histogram {
        &self.last_minute[group]
    }

    /// Run totals per target group.
    pub fn totals(&self, names: &[String]) -> Vec<GroupTotals> {
        names
            .iter()
            .enumerate()
            .map(|(g, name)| {
                let (c, h) = (&self.run[g], &self.run_latency[g]);
                let [latency_ms_avg, latency_ms_p50, latency_ms_p90, latency_ms_p99] = latency_ms(h);
                GroupTotals {
                    target_group: name.clone(),
                    requests: c.requests,
                    target_2xx: c.target_ok,
                    target_5xx: c.target_5xx,
                    elb_502: c.elb_502,
                    elb_503: c.elb_503,
                    elb_504: c.elb_504,
                    unhealthy_routing: c.unhealthy_routing,
                    latency_ms_avg,
                    latency_ms_p50,
                    latency_ms_p90,
                    latency_ms_p99,
                }
            })
            .collect()
    }

    /// The run's latency histogram over every target group.
    pub fn run_latency(&self) -> Histogram {
        let mut all = Histogram::new();
        for h in &self.run_latency {
            all.merge(h);
        }
        all
    }

    /// ELB-generated and target-generated 5xx over the run.
    pub fn run_errors(&self) -> (u64, u64) {
        let elb = self.run.iter().map(Counters::elb_5xx).sum::<u64>() + self.answered_5xx_run;
        (elb, self.run.iter().map(|c| c.target_5xx).sum())
    }
}

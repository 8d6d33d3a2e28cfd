//! The load balancer's CloudWatch metrics per minute (docs/ecs-model.md#alb-metrics) and its run totals.
//!
//! Counters are kept per (target group, zone): the zone is the load-balancer node that took the
//! request (CloudWatch's `AvailabilityZone` dimension) for request counts, errors and latency, and
//! the target's zone for host counts. Every outcome counts in the minute the request ended
//! (`tally`); the run's totals are the minutes' sums, folded in as each minute closes, so the
//! rows and the totals reconcile by construction. `RequestCount` (a target was chosen) counts
//! when the target is chosen, as the alarms and scaling policies read it. `TargetResponseTime` comes from fixed-size log-linear
//! histograms (≤ 0.1 % error, buckets ≤ 0.2 % wide, `elb::histogram`), one per (group, zone) for the minute and one per
//! group for the run — never a vector of latencies. Host counts are time-weighted over the minute
//! (Average) with the extremes of the instantaneous count (Minimum/Maximum) [INF, docs/ecs-model.md#alb-metrics], kept
//! exactly per (group, zone), per group, per zone and for the whole load balancer.
//!
//! Per-service `CPUUtilization` and `MemoryUtilization` (docs/ecs-model.md#ecs-metrics): one sample per task per
//! minute — CPU units used (from its busy workers, `elb::target`) ÷ CPU units reserved; memory
//! used (`memory_base_mib` + `memory_per_busy_worker_mib` × mean busy workers) ÷ memory reserved.

use crate::cloudwatch::StatSet;
use crate::elb::histogram::Histogram;
use crate::elb::target::Target;
use crate::engine::{SimTime, Span};
use crate::sim::ids::ServiceId;
use serde::Serialize;

pub use super::tally::{Outcome, RequestFigures, RequestTag, Tally};

/// What one task's CPU and memory samples are made of (docs/ecs-model.md#ecs-metrics): its service, the CPU units
/// and MiB it reserves (the denominators), its memory model, and since when its current sample
/// runs (its start, or the last minute boundary).
#[derive(Debug, Clone)]
pub struct TaskUsage {
    pub service: ServiceId,
    pub reserved_cpu_units: f64,
    pub reserved_memory_mib: f64,
    pub memory_base_mib: f64,
    pub memory_per_busy_worker_mib: f64,
    pub accounted_since: SimTime,
}

impl TaskUsage {
    pub fn new(
        service: ServiceId,
        reserved_cpu_units: f64,
        reserved_memory_mib: f64,
        memory_base_mib: f64,
        memory_per_busy_worker_mib: f64,
        since: SimTime,
    ) -> Self {
        TaskUsage { service, reserved_cpu_units, reserved_memory_mib, memory_base_mib, memory_per_busy_worker_mib, accounted_since: since }
    }
}

#[derive(Debug, Clone, Default)]
struct Counters {
    /// `RequestCount`: requests for which a target was chosen (counted when chosen).
    request_count: u64,
    unhealthy_routing: u64,
    /// Outcomes, counted when the request ended.
    tally: Tally,
}

impl Counters {
    fn add(&mut self, o: &Counters) {
        self.request_count += o.request_count;
        self.unhealthy_routing += o.unhealthy_routing;
        self.tally.add(&o.tally);
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

/// One row of alb.csv: a target group's metrics for one minute. Outcome counts are of the
/// requests that *ended* in the minute; `request_count` (CloudWatch's `RequestCount`) counts
/// when a target was chosen.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AlbMinuteRow {
    pub minute: u64,
    pub time_s: u64,
    pub target_group: String,
    /// Requests of this group that ended in the minute: the sum of the outcome columns
    /// (`target_2xx` … `elb_504`).
    pub requests: u64,
    /// Those that did not end in a 5xx (`target_2xx`).
    pub successful: u64,
    /// 100 × successful ÷ requests (empty when none ended).
    pub availability_pct: Option<f64>,
    pub target_2xx: u64,
    /// The application's own 5xx.
    pub target_5xx: u64,
    /// Refused by a full task queue (a 503 of the task's own).
    pub rejected: u64,
    pub elb_502: u64,
    pub elb_503: u64,
    pub elb_504: u64,
    /// `HTTPCode_ELB_5XX_Count` = 502 + 503 + 504.
    pub elb_5xx: u64,
    /// `RequestCount`: requests for which a target was chosen, counted when it was chosen.
    pub request_count: u64,
    /// `RequestCountPerTarget`: request_count ÷ healthy targets at the end of the minute (÷
    /// registered if none is healthy).
    pub requests_per_target: f64,
    /// `TargetResponseTime`, ms (empty when no target answered).
    pub latency_ms_avg: Option<f64>,
    pub latency_ms_p50: Option<f64>,
    pub latency_ms_p90: Option<f64>,
    pub latency_ms_p99: Option<f64>,
    /// `HealthyHostCount`: time-weighted mean, minimum and maximum over the minute.
    pub healthy_hosts_avg: f64,
    pub healthy_hosts_min: u32,
    pub healthy_hosts_max: u32,
    pub unhealthy_hosts_avg: f64,
    pub unhealthy_hosts_min: u32,
    pub unhealthy_hosts_max: u32,
    /// `UnhealthyRoutingRequestCount`: requests routed while failing open.
    pub unhealthy_routing: u64,
    /// The listener rule's forward weight of the group at the minute's end, % (blue/green,
    /// linear and canary deployments move it; `sim::alb::weights`). The column is written only
    /// when a service has an alternate target group (`None` leaves it out); empty when no rule
    /// forwards to the group.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub forward_weight_pct: Option<Option<f64>>,
}

/// The load balancer's figures for one zone and minute (columns of timeseries.csv); the last
/// entry of `minute_ended`'s answer is the whole load balancer.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ZoneMinute {
    /// Requests this zone's load-balancer node took in the minute (counted as they arrive).
    pub sent: u64,
    /// Outcomes of the requests this zone's load-balancer node took that ended in the minute.
    pub tally: Tally,
    pub latency_ms_avg: Option<f64>,
    pub latency_ms_p50: Option<f64>,
    pub latency_ms_p90: Option<f64>,
    pub latency_ms_p99: Option<f64>,
    /// Healthy / unhealthy targets in this zone (all target groups): time-weighted mean, and
    /// the minimum of the healthy count.
    pub healthy_targets: f64,
    pub healthy_targets_min: u32,
    pub unhealthy_targets: f64,
}

/// Run totals of one target group (summary.json).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct GroupTotals {
    pub target_group: String,
    #[serde(flatten)]
    pub figures: RequestFigures,
    /// `RequestCount` over the run.
    pub request_count: u64,
    pub unhealthy_routing: u64,
    pub latency_ms_avg: Option<f64>,
    pub latency_ms_p50: Option<f64>,
    pub latency_ms_p90: Option<f64>,
    pub latency_ms_p99: Option<f64>,
}

/// Run totals of one traffic source (summary.json).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SourceTotals {
    pub source: String,
    #[serde(flatten)]
    pub figures: RequestFigures,
}

/// The run's traffic figures (summary.json's `traffic`, alb.csv).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TrafficTotals {
    /// Every request of the run: `sent = requests + in_flight_at_end`, `requests` = the sum of
    /// the outcome classes; the same identity holds per source and per target group, and the
    /// per-minute rows of alb.csv and timeseries.csv sum to these figures.
    #[serde(flatten)]
    pub figures: RequestFigures,
    /// TargetResponseTime over the run, ms.
    pub latency_ms_avg: Option<f64>,
    pub latency_ms_p50: Option<f64>,
    pub latency_ms_p90: Option<f64>,
    pub latency_ms_p99: Option<f64>,
    pub latency_ms_p999: Option<f64>,
    pub latency_ms_max: Option<f64>,
    pub target_groups: Vec<GroupTotals>,
    pub sources: Vec<SourceTotals>,
    /// alb.csv: one row per target group and minute.
    #[serde(skip)]
    pub rows: Vec<AlbMinuteRow>,
}

pub struct AlbMetrics {
    zones: usize,
    /// [group × zones + zone]
    minute: Vec<Counters>,
    minute_latency: Vec<Histogram>,
    /// Healthy targets now per (group, zone): the zone and load-balancer gauges move by its changes.
    healthy_now: Vec<u32>,
    unhealthy: Vec<Gauge>,
    /// Per group (all zones), per zone (all groups), and the whole load balancer: exact
    /// minima and maxima of the summed counts.
    healthy_by_group: Vec<Gauge>,
    unhealthy_by_group: Vec<Gauge>,
    healthy_by_zone: Vec<Gauge>,
    healthy_all: Gauge,
    /// Per group: the run so far (closed minutes).
    run: Vec<Counters>,
    run_latency: Vec<Histogram>,
    /// Requests the load balancer answered itself (fixed responses, redirects): this minute
    /// per zone, and the run's closed minutes.
    answered: Vec<Tally>,
    answered_run: Tally,
    /// Per source: every outcome so far.
    pub by_source: Vec<Tally>,
    /// Requests sent, per source (as they arrive) and per target group (as the group is chosen).
    pub sent_by_source: Vec<u64>,
    pub sent_by_group: Vec<u64>,
    /// Requests each load-balancer zone took this minute.
    sent_by_zone: Vec<u64>,
    /// Requests that ended in a 5xx so far (live, for the fault windows).
    pub failed: u64,
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

/// 100 × successful ÷ requests to 4 decimals (`None` without requests).
pub fn availability_pct(t: &Tally) -> Option<f64> {
    let ended = t.ended();
    (ended > 0).then(|| (1e6 * t.successful() as f64 / ended as f64).round() / 1e4)
}

impl AlbMetrics {
    pub fn new(groups: usize, zones: usize, services: usize, sources: usize) -> Self {
        let zones = zones.max(1);
        let n = groups * zones;
        AlbMetrics {
            zones,
            minute: vec![Counters::default(); n],
            minute_latency: (0..n).map(|_| Histogram::new()).collect(),
            healthy_now: vec![0; n],
            unhealthy: vec![Gauge::default(); n],
            healthy_by_group: vec![Gauge::default(); groups],
            unhealthy_by_group: vec![Gauge::default(); groups],
            healthy_by_zone: vec![Gauge::default(); zones],
            healthy_all: Gauge::default(),
            run: vec![Counters::default(); groups],
            run_latency: (0..groups).map(|_| Histogram::new()).collect(),
            answered: vec![Tally::default(); zones],
            answered_run: Tally::default(),
            by_source: vec![Tally::default(); sources],
            sent_by_source: vec![0; sources],
            sent_by_group: vec![0; groups],
            sent_by_zone: vec![0; zones],
            failed: 0,
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

    /// A request reached the load balancer's node in `zone`.
    #[inline]
    pub fn arrived(&mut self, zone: u16) {
        let z = (zone as usize).min(self.zones - 1);
        self.sent_by_zone[z] += 1;
    }

    /// A target was chosen for a request (`RequestCount`).
    #[inline]
    pub fn routed(&mut self, group: usize, zone: u16, fail_open: bool) {
        let i = self.at(group, zone);
        self.minute[i].request_count += 1;
        self.minute[i].unhealthy_routing += fail_open as u64;
    }

    /// The end of one request that went to a target group.
    #[inline]
    pub fn outcome(&mut self, tag: RequestTag, outcome: Outcome, latency: Option<Span>) {
        let i = self.at(tag.group as usize, tag.zone);
        self.minute[i].tally.count(outcome);
        self.failed += (outcome != Outcome::Success) as u64;
        if let Some(s) = self.by_source.get_mut(tag.source as usize) {
            s.count(outcome);
        }
        // The run's histogram is the sum of the minutes' (folded in at each minute's end).
        if let Some(l) = latency {
            self.minute_latency[i].record(l);
        }
    }

    /// The load balancer answered a request of `source` itself (fixed response, redirect).
    pub fn answered_by_alb(&mut self, source: u16, zone: u16, status_code: u16) {
        let z = (zone as usize).min(self.zones - 1);
        self.answered[z].count_answered_by_lb(status_code);
        self.failed += (status_code >= 500) as u64;
        if let Some(s) = self.by_source.get_mut(source as usize) {
            s.count_answered_by_lb(status_code);
        }
    }

    /// Recounts the healthy/unhealthy targets of `group` per zone after a change:
    /// `counts_in(zone)` is the group's (healthy, unhealthy) targets in that zone.
    pub fn set_host_counts(&mut self, now: SimTime, group: usize, counts_in: impl Fn(usize) -> (u32, u32)) {
        let (mut group_h, mut group_u) = (0u32, 0u32);
        for z in 0..self.zones {
            let (h, u) = counts_in(z);
            let i = group * self.zones + z;
            let zone_h = self.healthy_by_zone[z].value + h - self.healthy_now[i];
            self.healthy_by_zone[z].set(now, zone_h);
            let all_h = self.healthy_all.value + h - self.healthy_now[i];
            self.healthy_all.set(now, all_h);
            self.healthy_now[i] = h;
            self.unhealthy[i].set(now, u);
            group_h += h;
            group_u += u;
        }
        self.healthy_by_group[group].set(now, group_h);
        self.unhealthy_by_group[group].set(now, group_u);
    }

    /// Closes one task's usage sample for the time since its last one (docs/ecs-model.md#ecs-metrics: one sample
    /// per RUNNING task per minute = its average over the minute): CPU used ÷ CPU reserved, and
    /// memory (a base plus a share per busy worker) ÷ memory reserved.
    pub fn account_usage(&mut self, now: SimTime, server: &mut Target, info: &mut TaskUsage) {
        let dt_us = now.since(info.accounted_since).as_micros() as f64;
        if dt_us <= 0.0 {
            return;
        }
        let s = info.service.index();
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
    pub fn take_service_usage(&mut self, service: ServiceId) -> (StatSet, StatSet) {
        let service = service.index();
        (std::mem::replace(&mut self.cpu[service], StatSet::EMPTY), std::mem::replace(&mut self.memory[service], StatSet::EMPTY))
    }

    /// Closes the minute [start, now): one alb.csv row per target group, and the per-zone
    /// figures for timeseries.csv (the last entry is the whole load balancer: the "cluster" row).
    /// `targets_now(group)`: the group's (healthy, registered and not draining) targets now.
    pub fn minute_ended(
        &mut self,
        minute: u64,
        start: SimTime,
        now: SimTime,
        names: &[String],
        targets_now: impl Fn(usize) -> (usize, usize),
    ) -> Vec<ZoneMinute> {
        let zones = self.zones;
        let mut by_zone = vec![ZoneMinute::default(); zones + 1];
        for (z, zm) in by_zone.iter_mut().enumerate().take(zones) {
            zm.tally = std::mem::take(&mut self.answered[z]);
            zm.sent = std::mem::take(&mut self.sent_by_zone[z]);
            self.answered_run.add(&zm.tally);
            let (ha, hmin, _) = self.healthy_by_zone[z].take(start, now);
            zm.healthy_targets = ha;
            zm.healthy_targets_min = hmin;
            // Per zone: latency over all groups.
            self.scratch.reset();
            for g in 0..names.len() {
                self.scratch.merge(&self.minute_latency[g * zones + z]);
            }
            [zm.latency_ms_avg, zm.latency_ms_p50, zm.latency_ms_p90, zm.latency_ms_p99] = latency_ms(&self.scratch);
        }
        let (ha, hmin, _) = self.healthy_all.take(start, now);
        by_zone[zones].healthy_targets = ha;
        by_zone[zones].healthy_targets_min = hmin;
        self.scratch_all.reset();
        for (g, name) in names.iter().enumerate() {
            let mut c = Counters::default();
            self.scratch.reset();
            for (z, zm) in by_zone.iter_mut().enumerate().take(zones) {
                let i = g * zones + z;
                c.add(&self.minute[i]);
                zm.tally.add(&self.minute[i].tally);
                self.minute[i] = Counters::default();
                self.scratch.merge(&self.minute_latency[i]);
                self.run_latency[g].merge(&self.minute_latency[i]);
                self.minute_latency[i].reset();
                let (ua, _, _) = self.unhealthy[i].take(start, now);
                zm.unhealthy_targets += ua;
            }
            self.run[g].add(&c);
            self.scratch_all.merge(&self.scratch);
            self.last_minute[g].reset();
            self.last_minute[g].merge(&self.scratch);
            let [latency_ms_avg, latency_ms_p50, latency_ms_p90, latency_ms_p99] = latency_ms(&self.scratch);
            let (h_avg, h_min, h_max) = self.healthy_by_group[g].take(start, now);
            let (u_avg, u_min, u_max) = self.unhealthy_by_group[g].take(start, now);
            let (healthy_now, registered_now) = targets_now(g);
            let per_target_denominator = if healthy_now > 0 { healthy_now } else { registered_now };
            let t = &c.tally;
            self.rows.push(AlbMinuteRow {
                minute,
                time_s: start.as_micros() / 1_000_000,
                target_group: name.clone(),
                requests: t.ended(),
                successful: t.successful(),
                availability_pct: availability_pct(t),
                target_2xx: t.target_2xx,
                target_5xx: t.target_5xx,
                rejected: t.rejected,
                elb_502: t.elb_502,
                elb_503: t.elb_503,
                elb_504: t.elb_504,
                elb_5xx: t.elb_5xx(),
                request_count: c.request_count,
                requests_per_target: if per_target_denominator > 0 { c.request_count as f64 / per_target_denominator as f64 } else { 0.0 },
                latency_ms_avg,
                latency_ms_p50,
                latency_ms_p90,
                latency_ms_p99,
                healthy_hosts_avg: h_avg,
                healthy_hosts_min: h_min,
                healthy_hosts_max: h_max,
                unhealthy_hosts_avg: u_avg,
                unhealthy_hosts_min: u_min,
                unhealthy_hosts_max: u_max,
                unhealthy_routing: c.unhealthy_routing,
                forward_weight_pct: None,
            });
        }
        let (zone_rows, total) = by_zone.split_at_mut(zones);
        let total = &mut total[0];
        for zm in zone_rows.iter() {
            total.tally.add(&zm.tally);
            total.sent += zm.sent;
            total.unhealthy_targets += zm.unhealthy_targets;
        }
        [total.latency_ms_avg, total.latency_ms_p50, total.latency_ms_p90, total.latency_ms_p99] = latency_ms(&self.scratch_all);
        by_zone
    }

    /// The last closed minute's TargetResponseTime histogram of target group `group`.
    pub fn last_minute_latency(&self, group: usize) -> &Histogram {
        &self.last_minute[group]
    }

    /// Run totals per target group (closed minutes), with each group's requests still in flight.
    pub fn totals(&self, names: &[String], in_flight: &[u64]) -> Vec<GroupTotals> {
        names
            .iter()
            .enumerate()
            .map(|(g, name)| {
                let (c, h) = (&self.run[g], &self.run_latency[g]);
                let [latency_ms_avg, latency_ms_p50, latency_ms_p90, latency_ms_p99] = latency_ms(h);
                GroupTotals {
                    target_group: name.clone(),
                    figures: RequestFigures::new(self.sent_by_group[g], c.tally, in_flight.get(g).copied().unwrap_or(0)),
                    request_count: c.request_count,
                    unhealthy_routing: c.unhealthy_routing,
                    latency_ms_avg,
                    latency_ms_p50,
                    latency_ms_p90,
                    latency_ms_p99,
                }
            })
            .collect()
    }

    /// The run's outcomes over every group and the load balancers' own answers (closed minutes).
    pub fn run_tally(&self) -> Tally {
        let mut all = self.answered_run;
        for c in &self.run {
            all.add(&c.tally);
        }
        all
    }

    /// The run's latency histogram over every target group.
    pub fn run_latency(&self) -> Histogram {
        let mut all = Histogram::new();
        for h in &self.run_latency {
            all.merge(h);
        }
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_gauge_gives_the_minutes_time_weighted_mean_and_its_extremes() {
        // 0 healthy targets until 10 s, 2 until 40 s, then 1: mean (0·10 + 2·30 + 1·20) ÷ 60 = 4/3,
        // minimum 0, maximum 2. The next minute starts from the value held (1).
        let mut g = Gauge::default();
        g.set(SimTime::from_secs(10), 2);
        g.set(SimTime::from_secs(40), 1);
        let (mean, min, max) = g.take(SimTime::ZERO, SimTime::from_secs(60));
        assert!((mean - 4.0 / 3.0).abs() < 1e-12);
        assert_eq!((min, max), (0, 2));
        assert_eq!(g.take(SimTime::from_secs(60), SimTime::from_secs(120)), (1.0, 1, 1));
    }
}

//! CloudWatch inside the simulation (docs/ecs-model.md#cloudwatch): at every minute boundary the run publishes the
//! datapoints of the minute that just ended — only for the series some alarm reads — and
//! evaluates every alarm; state changes are recorded (alarms.csv, and the actions each invoked in
//! alarm_actions.csv) and acted on: deployment
//! alarms (docs/ecs-model.md#deployment-alarms) and scaling policies (`scaling`).
//!
//! Sources: `AWS/ECS` CPUReservation / MemoryReservation (the cluster row of the minute, docs/ecs-model.md#ecs-metrics),
//! service CPUUtilization / MemoryUtilization (one sample per task serving requests, statistic
//! set over the tasks), `AWS/ApplicationELB` per target group (RequestCount — an explicit 0 when
//! idle —, RequestCountPerTarget, TargetResponseTime from the minute's histogram, 5xx counts, host
//! counts) or per load balancer (summed over its target groups).

use crate::cloudwatch::StatSet;
use crate::elb::config::RuleAction;
use crate::elb::histogram::Histogram;
use crate::engine::SimTime;
use crate::model::Scenario;
use crate::sim::notice::Notice;
use crate::sim::world::World;
pub use state::{AlarmActionRow, AlarmRow, Monitor};
use state::{AlbMetric, AlbScope, Source};

pub mod state;

fn add_hist(set: &mut StatSet, h: &Histogram) {
    if let (Some(mean), Some(min), Some(max)) = (h.mean(), h.min(), h.max()) {
        let n = h.count() as f64;
        set.merge(&StatSet { sample_count: n, sum: mean.as_secs_f64() * n, min: min.as_secs_f64(), max: max.as_secs_f64() });
    }
}

impl World<'_> {
    /// Publishes minute `minute` (which ended at `now`) and evaluates every alarm at `now`.
    pub fn monitor_minute(&mut self, now: SimTime, minute: u64) {
        if self.monitor.alarms.is_empty() {
            return;
        }
        let scenario = self.scenario;
        let cluster_row = self.recorder.minutes.last_named("cluster").filter(|r| r.minute == minute);
        let alb_rows_from = self.alb.metrics.rows.len().saturating_sub(scenario.elb.target_groups.len());
        for i in 0..self.monitor.published.len() {
            let (series, source) = self.monitor.published[i];
            let value: Option<StatSet> = match source {
                Source::ClusterCpuReservation => cluster_row.as_ref().map(|r| StatSet::one(r.cpu_reservation_pct)),
                Source::ClusterMemoryReservation => cluster_row.as_ref().map(|r| StatSet::one(r.memory_reservation_pct)),
                Source::ServiceCpu(s) => Some(self.alb.service_usage[s].0).filter(|x| !x.is_empty()),
                Source::ServiceMemory(s) => Some(self.alb.service_usage[s].1).filter(|x| !x.is_empty()),
                // The metric of the provider for the minute that just ended (capacity computes it first).
                Source::CapacityProviderReservation(p) => {
                    self.capacity.providers.get(p).and_then(|x| x.cpr.as_ref()).map(|r| StatSet::one(r.cpr_percent))
                }
                Source::Alb(metric, scope) => {
                    let groups: Vec<usize> = match scope {
                        AlbScope::Group(g) => vec![g],
                        AlbScope::LoadBalancer(l) => groups_of(scenario, l),
                    };
                    let rows = &self.alb.metrics.rows[alb_rows_from..];
                    let sum = |f: &dyn Fn(&crate::sim::alb::metrics::AlbMinuteRow) -> f64| -> f64 {
                        groups.iter().filter_map(|&g| rows.get(g)).map(f).sum()
                    };
                    match metric {
                        AlbMetric::RequestCount => Some(StatSet::one(sum(&|r| r.request_count as f64))),
                        AlbMetric::RequestCountPerTarget => Some(StatSet::one(sum(&|r| r.requests_per_target))),
                        AlbMetric::Elb5xx => Some(StatSet::one(sum(&|r| r.elb_5xx as f64))).filter(|s| s.sum > 0.0),
                        // HTTPCode_Target_5XX_Count: the application's 5xx and the task's own refusals.
                        AlbMetric::Target5xx => Some(StatSet::one(sum(&|r| (r.target_5xx + r.rejected) as f64))).filter(|s| s.sum > 0.0),
                        AlbMetric::HealthyHostCount => Some(StatSet {
                            sample_count: 1.0,
                            sum: sum(&|r| r.healthy_hosts_avg),
                            min: sum(&|r| r.healthy_hosts_min as f64),
                            max: sum(&|r| r.healthy_hosts_max as f64),
                        }),
                        AlbMetric::UnHealthyHostCount => Some(StatSet {
                            sample_count: 1.0,
                            sum: sum(&|r| r.unhealthy_hosts_avg),
                            min: sum(&|r| r.unhealthy_hosts_min as f64),
                            max: sum(&|r| r.unhealthy_hosts_max as f64),
                        }),
                        AlbMetric::TargetResponseTime => {
                            self.monitor.scratch.reset();
                            for &g in &groups {
                                self.monitor.scratch.merge(self.alb.metrics.last_minute_latency(g));
                            }
                            let mut set = StatSet::EMPTY;
                            add_hist(&mut set, &self.monitor.scratch);
                            if !set.is_empty() {
                                self.monitor.store.publish_histogram(series, minute, &self.monitor.scratch);
                            }
                            Some(set).filter(|s| !s.is_empty())
                        }
                    }
                }
            };
            if let Some(set) = value {
                self.monitor.store.publish_set(series, minute, set);
            }
        }
        let now_minute = now.as_micros() / 60_000_000;
        for i in 0..self.monitor.alarms.len() {
            let was_in_alarm = self.monitor.alarms[i].in_alarm();
            let Some(t) = self.monitor.alarms[i].evaluate(&self.monitor.store, now_minute) else { continue };
            self.monitor.record_transition(now.whole_secs(), i, &t);
            // An alarm entered or left ALARM: the services whose deployments watch it
            // re-evaluate (docs/ecs-model.md#deployment-alarms).
            if self.monitor.alarms[i].in_alarm() != was_in_alarm {
                self.notify(now, Notice::AlarmChanged);
            }
        }
    }
}

/// The target groups a load balancer forwards to.
fn groups_of(scenario: &Scenario, lb: usize) -> Vec<usize> {
    let mut out: Vec<usize> = Vec::new();
    for l in &scenario.elb.load_balancers[lb].listeners {
        for a in l.rules.iter().map(|r| &r.action).chain(std::iter::once(&l.default_action)) {
            if let RuleAction::Forward(list) = a {
                for w in list {
                    if !out.contains(&w.target_group) {
                        out.push(w.target_group);
                    }
                }
            }
        }
    }
    out
}

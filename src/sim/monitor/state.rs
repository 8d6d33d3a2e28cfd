//! CloudWatch's own state in the run: the metric store, the alarms (the one copy of alarm
//! state), which series the run publishes and what each measures (`Source`), and the rows of
//! alarms.csv and alarm_actions.csv. Nothing here touches the world; `monitor/mod.rs` publishes
//! each minute's datapoints from the world and evaluates the alarms.

use crate::cloudwatch::{Alarm, AlarmConfig, MetricId, MetricStore, SeriesId, StoreOptions, Transition};
use crate::elb::histogram::Histogram;
use crate::engine::{SimTime, Span};
use crate::model::Scenario;
use crate::model::{lb_dimension, tg_dimension};
use serde::Serialize;

/// What one published series measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    ClusterCpuReservation,
    ClusterMemoryReservation,
    ServiceCpu(usize),
    ServiceMemory(usize),
    /// An ALB metric of target groups (one, or every group a load balancer forwards to).
    Alb(AlbMetric, AlbScope),
    /// `AWS/ECS/ManagedScaling` CapacityProviderReservation of a capacity provider.
    CapacityProviderReservation(usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlbMetric {
    RequestCount,
    RequestCountPerTarget,
    TargetResponseTime,
    Elb5xx,
    Target5xx,
    HealthyHostCount,
    UnHealthyHostCount,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlbScope {
    Group(usize),
    LoadBalancer(usize),
}

/// Which simulated quantity `metric` is, if the run publishes it.
pub fn source_of(scenario: &Scenario, metric: &MetricId) -> Option<Source> {
    let dim = |k: &str| metric.dimension(k);
    match (metric.namespace(), metric.name()) {
        ("AWS/ECS", "CPUReservation") => Some(Source::ClusterCpuReservation),
        ("AWS/ECS", "MemoryReservation") => Some(Source::ClusterMemoryReservation),
        ("AWS/ECS", name @ ("CPUUtilization" | "MemoryUtilization")) => {
            let s = scenario.services.iter().position(|s| Some(s.definition.service_name.as_str()) == dim("ServiceName"))?;
            Some(if name == "CPUUtilization" { Source::ServiceCpu(s) } else { Source::ServiceMemory(s) })
        }
        (crate::capacity::provider::METRIC_NAMESPACE, crate::capacity::provider::METRIC_NAME) => {
            let p = scenario.capacity.providers.iter().position(|p| Some(p.config.name.as_str()) == dim("CapacityProviderName"))?;
            Some(Source::CapacityProviderReservation(p))
        }
        ("AWS/ApplicationELB", name) => {
            let m = match name {
                "RequestCount" => AlbMetric::RequestCount,
                "RequestCountPerTarget" => AlbMetric::RequestCountPerTarget,
                "TargetResponseTime" => AlbMetric::TargetResponseTime,
                "HTTPCode_ELB_5XX_Count" => AlbMetric::Elb5xx,
                "HTTPCode_Target_5XX_Count" => AlbMetric::Target5xx,
                "HealthyHostCount" => AlbMetric::HealthyHostCount,
                "UnHealthyHostCount" => AlbMetric::UnHealthyHostCount,
                _ => return None,
            };
            let scope = match (dim("TargetGroup"), dim("LoadBalancer")) {
                (Some(tg), _) => AlbScope::Group(scenario.elb.target_groups.iter().position(|t| tg_dimension(&t.arn) == tg)?),
                (None, Some(lb)) => AlbScope::LoadBalancer(scenario.elb.load_balancers.iter().position(|l| lb_dimension(&l.name) == lb)?),
                (None, None) => return None,
            };
            Some(Source::Alb(m, scope))
        }
        _ => None,
    }
}

/// One row of alarms.csv: a state change with the datapoints that caused it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AlarmRow {
    pub time_s: u64,
    pub alarm: String,
    pub from: String,
    pub to: String,
    /// The evaluation range, oldest → newest ("-" for a missing datapoint).
    pub datapoints: String,
    pub reason: String,
}

/// One row of alarm_actions.csv: an action an alarm invoked on entering a state (CloudWatch
/// invokes a state's actions once per transition into it; none while `ActionsEnabled` is false).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AlarmActionRow {
    pub time_s: u64,
    pub alarm: String,
    pub from: String,
    pub to: String,
    /// sns, lambda, ec2, ssm or scaling-policy.
    pub kind: String,
    /// The ARN, as the alarm names it.
    pub action: String,
}

/// The run's metric store and alarms.
pub struct Monitor {
    pub store: MetricStore,
    pub alarms: Vec<Alarm>,
    /// The series some alarm reads, and what each measures.
    pub(super) published: Vec<(SeriesId, Source)>,
    pub rows: Vec<AlarmRow>,
    pub action_rows: Vec<AlarmActionRow>,
    /// Reused to merge the minute's TargetResponseTime histograms of a load balancer's groups.
    pub(super) scratch: Histogram,
    /// Alarms that are not simulated, put in ALARM by a `set_alarm_state` action (a simulated
    /// alarm's state is its own).
    pub(super) external_in_alarm: std::collections::BTreeSet<String>,
}

impl Monitor {
    pub fn new(scenario: &Scenario) -> Self {
        let mut m = Monitor::without_alarms(scenario.metric_delay);
        for config in &scenario.alarms {
            m.add_alarm(scenario, config.clone());
        }
        m
    }

    /// An empty CloudWatch whose datapoints become visible `metric_delay` after their minute
    /// (rounded up to whole minutes).
    pub fn without_alarms(metric_delay: Span) -> Self {
        let delay_minutes = metric_delay.as_micros().div_ceil(60_000_000) as u32;
        // Minute 0 is the scenario's start instant (2026-01-01T00:00:00Z, as for scheduled actions).
        let epoch_unix_s = crate::autoscaling::scheduled::DEFAULT_START_UNIX_S;
        let store = MetricStore::new(StoreOptions { delay_minutes, epoch_unix_s, ..StoreOptions::default() });
        Monitor {
            store,
            alarms: Vec::new(),
            published: Vec::new(),
            rows: Vec::new(),
            action_rows: Vec::new(),
            scratch: Histogram::new(),
            external_in_alarm: Default::default(),
        }
    }

    /// Adds an alarm (a scenario's, or one a scaling policy creates); its series is published
    /// from now on. An alarm on a metric the run cannot publish stays INSUFFICIENT_DATA (the
    /// loader reports such alarms as errors before a run starts).
    pub fn add_alarm(&mut self, scenario: &Scenario, config: AlarmConfig) -> usize {
        let source = source_of(scenario, &config.metric);
        self.add_alarm_measuring(config, source)
    }

    /// Adds an alarm whose series measures `source` (published from now on), or nothing the run
    /// publishes (`None`).
    pub fn add_alarm_measuring(&mut self, config: AlarmConfig, source: Option<Source>) -> usize {
        let alarm = match Alarm::new(config, &mut self.store) {
            Ok(a) => a,
            Err(e) => panic!("alarm validated at load time: {e}"),
        };
        if let Some(source) = source {
            if !self.published.iter().any(|(s, _)| *s == alarm.series()) {
                self.published.push((alarm.series(), source));
            }
        }
        self.alarms.push(alarm);
        self.alarms.len() - 1
    }

    pub fn alarm_index(&self, name: &str) -> Option<usize> {
        self.alarms.iter().position(|a| a.name() == name)
    }

    /// Whether the alarm named `name` is in ALARM (what deployment alarms read).
    pub fn in_alarm(&self, name: &str) -> bool {
        match self.alarm_index(name) {
            Some(i) => self.alarms[i].in_alarm(),
            None => self.external_in_alarm.contains(name),
        }
    }

    /// SetAlarmState: a simulated alarm changes state until its next evaluation (its transition
    /// is recorded, as the state's actions are invoked); another is remembered by name.
    pub fn set_alarm_state(&mut self, now: SimTime, name: &str, in_alarm: bool) {
        let minute = now.as_micros() / 60_000_000;
        if let Some(i) = self.alarm_index(name) {
            let state = if in_alarm { crate::cloudwatch::AlarmState::Alarm } else { crate::cloudwatch::AlarmState::Ok };
            if let Some(t) = self.alarms[i].set_state(state, "set by a set_alarm_state action", minute) {
                self.record_transition(now.whole_secs(), i, &t);
            }
        } else if in_alarm {
            self.external_in_alarm.insert(name.to_string());
        } else {
            self.external_in_alarm.remove(name);
        }
    }

    /// Records alarm `i`'s transition `t` at `time_s`: its alarms.csv row and one
    /// alarm_actions.csv row per action of the state entered.
    pub fn record_transition(&mut self, time_s: u64, i: usize, t: &Transition) {
        let alarm = &self.alarms[i];
        let (from, to) = (t.from.to_string(), t.to.to_string());
        for arn in alarm.actions(t.to) {
            // Checked at load time; an unknown form would still be recorded, as "unknown".
            let kind = crate::cloudwatch::actions::classify(arn).map_or("unknown", |k| k.as_str());
            self.action_rows.push(AlarmActionRow {
                time_s,
                alarm: alarm.name().to_string(),
                from: from.clone(),
                to: to.clone(),
                kind: kind.to_string(),
                action: arn.clone(),
            });
        }
        self.rows.push(AlarmRow {
            time_s,
            alarm: alarm.name().to_string(),
            from,
            to,
            datapoints: t.datapoints.iter().map(|d| d.map_or("-".to_string(), |v| format!("{v:.4}"))).collect::<Vec<_>>().join(" "),
            reason: t.reason.clone(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloudwatch::{ComparisonOperator, Period, Statistic};

    fn alarm(name: &str) -> AlarmConfig {
        let metric = MetricId::new("AWS/ECS", "CPUReservation", [("ClusterName", "c")]);
        let mut config =
            AlarmConfig::new(name, metric, Statistic::Average, Period::from_minutes(1), 3, ComparisonOperator::GreaterThanThreshold, 70.0);
        config.alarm_actions = vec!["arn:aws:sns:us-east-1:123456789012:ops".into()];
        config
    }

    /// An alarm the run does not simulate is in ALARM while a `set_alarm_state` action says
    /// so, and leaves no row: only simulated alarms have transitions.
    #[test]
    fn alarms_not_simulated_are_remembered_by_name() {
        let mut m = Monitor::without_alarms(Span::ZERO);
        assert!(!m.in_alarm("elsewhere"));
        m.set_alarm_state(SimTime::from_secs(60), "elsewhere", true);
        assert!(m.in_alarm("elsewhere"));
        m.set_alarm_state(SimTime::from_secs(120), "elsewhere", false);
        assert!(!m.in_alarm("elsewhere"));
        assert!(m.rows.is_empty() && m.action_rows.is_empty());
    }

    /// A simulated alarm set by hand makes one transition: an alarms.csv row, and one
    /// alarm_actions.csv row per action of the state it entered; setting the same state again
    /// records nothing. Its series is published once however many alarms read it.
    #[test]
    fn a_transition_records_its_row_and_its_actions() {
        let mut m = Monitor::without_alarms(Span::from_secs(90));
        let i = m.add_alarm_measuring(alarm("cpu-high"), Some(Source::ClusterCpuReservation));
        m.add_alarm_measuring(alarm("cpu-high-too"), Some(Source::ClusterCpuReservation));
        assert_eq!((i, m.alarm_index("cpu-high-too"), m.published.len()), (0, Some(1), 1));
        m.set_alarm_state(SimTime::from_secs(180), "cpu-high", true);
        m.set_alarm_state(SimTime::from_secs(240), "cpu-high", true);
        assert!(m.in_alarm("cpu-high") && !m.in_alarm("cpu-high-too"));
        assert_eq!(m.rows.len(), 1);
        let row = &m.rows[0];
        assert_eq!((row.time_s, row.alarm.as_str(), row.from.as_str(), row.to.as_str()), (180, "cpu-high", "INSUFFICIENT_DATA", "ALARM"));
        assert_eq!(m.action_rows.len(), 1);
        assert_eq!((m.action_rows[0].kind.as_str(), m.action_rows[0].to.as_str()), ("sns", "ALARM"));
    }
}

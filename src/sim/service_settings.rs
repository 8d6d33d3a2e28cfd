//! What the charts draw beside a service's counts, taken at the end of the run: its
//! deployment bounds (minimumHealthyPercent, maximumPercent) and the targets of its
//! target-tracking policies. The charts need them to draw the bounds and targets as lines.

use crate::autoscaling::{PolicyConfig, PredefinedMetricType, TrackedMetric};
use crate::sim::world::World;

/// One service's settings as the charts draw them.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceSettings {
    pub service: String,
    pub minimum_healthy_percent: u32,
    pub maximum_percent: u32,
    /// Its target-tracking policies, in the scenario's order.
    pub targets: Vec<ScalingTarget>,
}

/// A target-tracking policy's target.
#[derive(Debug, Clone, PartialEq)]
pub struct ScalingTarget {
    pub policy: String,
    pub metric: TargetMetric,
    pub target_value: f64,
}

/// The metric a target-tracking policy tracks, as far as a chart can draw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetMetric {
    /// ECSServiceAverageCPUUtilization (%).
    Cpu,
    /// ECSServiceAverageMemoryUtilization (%).
    Memory,
    /// ALBRequestCountPerTarget, or a customized metric: not on the utilization axis.
    Other(String),
}

impl World<'_> {
    /// Per service of the scenario, in its order: the settings above.
    pub fn service_settings(&self) -> Vec<ServiceSettings> {
        self.services
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let targets = self
                    .scenario
                    .scaling
                    .iter()
                    .filter(|sc| sc.service == i)
                    .flat_map(|sc| sc.policies.iter())
                    .filter_map(|p| match &p.config {
                        PolicyConfig::TargetTracking(tt) => Some(ScalingTarget {
                            policy: p.name.clone(),
                            metric: match &tt.metric {
                                TrackedMetric::Predefined { kind: PredefinedMetricType::EcsServiceAverageCpuUtilization, .. } => {
                                    TargetMetric::Cpu
                                }
                                TrackedMetric::Predefined { kind: PredefinedMetricType::EcsServiceAverageMemoryUtilization, .. } => {
                                    TargetMetric::Memory
                                }
                                TrackedMetric::Predefined { kind: PredefinedMetricType::AlbRequestCountPerTarget, .. } => {
                                    TargetMetric::Other("ALBRequestCountPerTarget".to_string())
                                }
                                TrackedMetric::Customized(m) => TargetMetric::Other(m.metric_name.clone()),
                            },
                            target_value: tt.target_value,
                        }),
                        PolicyConfig::Step(_) => None,
                    })
                    .collect();
                ServiceSettings {
                    service: s.name.clone(),
                    minimum_healthy_percent: s.config.minimum_healthy_percent,
                    maximum_percent: s.config.maximum_percent,
                    targets,
                }
            })
            .collect()
    }
}

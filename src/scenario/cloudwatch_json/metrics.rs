//! The metrics ecsim publishes, with the dimension-name sets it publishes each under: whether an
//! alarm's metric (namespace, name, dimension names) is one the run can feed, and, when it is
//! not, the nearest one with a "did you mean".

use crate::cloudwatch::MetricId;
use crate::scenario::ecs_json::did_you_mean;

/// A metric the simulation can publish, with the dimension-name sets it publishes it under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KnownMetric {
    pub namespace: &'static str,
    pub name: &'static str,
    /// Each set sorted by name, as `MetricId` keeps them.
    pub dimension_sets: &'static [&'static [&'static str]],
}

const CLUSTER: &[&str] = &["ClusterName"];
const CLUSTER_SERVICE: &[&str] = &["ClusterName", "ServiceName"];
const LB: &[&str] = &["LoadBalancer"];
const LB_AZ: &[&str] = &["AvailabilityZone", "LoadBalancer"];
const LB_TG: &[&str] = &["LoadBalancer", "TargetGroup"];
const LB_TG_AZ: &[&str] = &["AvailabilityZone", "LoadBalancer", "TargetGroup"];
const TG: &[&str] = &["TargetGroup"];
const PER_TARGET_GROUP: &[&[&str]] = &[LB, LB_AZ, LB_TG, LB_TG_AZ];

/// The metrics ecsim can publish (docs/ecs-model.md#alb-metrics, docs/ecs-model.md#ecs-metrics, docs/ecs-model.md#managed-scaling).
pub static KNOWN_METRICS: &[KnownMetric] = &[
    KnownMetric { namespace: "AWS/ECS", name: "CPUUtilization", dimension_sets: &[CLUSTER, CLUSTER_SERVICE] },
    KnownMetric { namespace: "AWS/ECS", name: "MemoryUtilization", dimension_sets: &[CLUSTER, CLUSTER_SERVICE] },
    KnownMetric { namespace: "AWS/ECS", name: "CPUReservation", dimension_sets: &[CLUSTER] },
    KnownMetric { namespace: "AWS/ECS", name: "MemoryReservation", dimension_sets: &[CLUSTER] },
    KnownMetric { namespace: "AWS/ApplicationELB", name: "RequestCount", dimension_sets: PER_TARGET_GROUP },
    KnownMetric { namespace: "AWS/ApplicationELB", name: "RequestCountPerTarget", dimension_sets: &[TG, LB_TG, LB_TG_AZ] },
    KnownMetric { namespace: "AWS/ApplicationELB", name: "TargetResponseTime", dimension_sets: PER_TARGET_GROUP },
    KnownMetric { namespace: "AWS/ApplicationELB", name: "HTTPCode_ELB_5XX_Count", dimension_sets: &[LB, LB_AZ] },
    KnownMetric { namespace: "AWS/ApplicationELB", name: "HTTPCode_Target_5XX_Count", dimension_sets: PER_TARGET_GROUP },
    KnownMetric { namespace: "AWS/ApplicationELB", name: "HealthyHostCount", dimension_sets: &[LB_TG, LB_TG_AZ] },
    KnownMetric { namespace: "AWS/ApplicationELB", name: "UnHealthyHostCount", dimension_sets: &[LB_TG, LB_TG_AZ] },
    KnownMetric {
        namespace: "AWS/ECS/ManagedScaling",
        name: "CapacityProviderReservation",
        dimension_sets: &[&["CapacityProviderName", "ClusterName"]],
    },
];

/// The metrics ecsim can publish.
pub fn known_metrics() -> &'static [KnownMetric] {
    KNOWN_METRICS
}

/// Why ecsim could never publish `metric`, and what to change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetricProblem {
    pub message: String,
    pub help: String,
}

/// The known metric nearest to (`namespace`, `name`): an exact match, a typo of a name in the
/// namespace, or the same name in another namespace.
pub fn closest_known_metric(namespace: &str, name: &str) -> Option<&'static KnownMetric> {
    let exact = KNOWN_METRICS.iter().find(|k| k.namespace == namespace && k.name == name);
    let in_namespace = || {
        let names = KNOWN_METRICS.iter().filter(|k| k.namespace == namespace).map(|k| k.name);
        let m = did_you_mean(name, names)?;
        KNOWN_METRICS.iter().find(|k| k.namespace == namespace && k.name == m)
    };
    let elsewhere = || KNOWN_METRICS.iter().find(|k| k.name == name);
    exact.or_else(in_namespace).or_else(elsewhere)
}

/// `None` when ecsim publishes metrics of this namespace, name and dimension names (whether the
/// run publishes this very series — this cluster, that service — is the caller's check);
/// otherwise what is wrong, with a "did you mean".
pub fn metric_problem(metric: &MetricId) -> Option<MetricProblem> {
    let (ns, name) = (metric.namespace(), metric.name());
    let mut namespaces: Vec<&str> = KNOWN_METRICS.iter().map(|k| k.namespace).collect();
    namespaces.dedup();
    if !namespaces.contains(&ns) {
        // The metric's name says more than the namespace's spelling: AWS/EC2 CPUUtilization is
        // one edit from AWS/ECS, but ecsim's is the task CPU, not the instance's.
        let help = match (KNOWN_METRICS.iter().find(|k| k.name == name), did_you_mean(ns, namespaces.iter().copied())) {
            (Some(k), _) => format!("ecsim publishes {name} in \"{}\"", k.namespace),
            (None, Some(s)) => format!("did you mean \"{s}\"?"),
            (None, None) => format!("ecsim publishes metrics in {}", namespaces.join(", ")),
        };
        return Some(MetricProblem { message: format!("ecsim publishes no metrics in namespace \"{ns}\""), help });
    }
    let Some(known) = KNOWN_METRICS.iter().find(|k| k.namespace == ns && k.name == name) else {
        let help = match closest_known_metric(ns, name) {
            Some(k) if k.namespace == ns => format!("did you mean \"{}\"?", k.name),
            Some(k) => format!("{name} is in namespace \"{}\"", k.namespace),
            None => {
                let names: Vec<&str> = KNOWN_METRICS.iter().filter(|k| k.namespace == ns).map(|k| k.name).collect();
                format!("ecsim publishes these {ns} metrics: {}", names.join(", "))
            }
        };
        return Some(MetricProblem { message: format!("ecsim does not publish {ns} {name}"), help });
    };
    let given: Vec<&str> = metric.dimensions().iter().map(|(k, _)| k.as_str()).collect();
    if known.dimension_sets.contains(&given.as_slice()) {
        return None;
    }
    let all: Vec<&str> = known.dimension_sets.iter().flat_map(|s| s.iter().copied()).collect();
    // A typo, or a name cut short ("Service" for "ServiceName").
    let near = |g: &str| {
        let lower = g.to_ascii_lowercase();
        did_you_mean(g, all.iter().copied()).or_else(|| all.iter().copied().find(|k| k.to_ascii_lowercase().starts_with(&lower)))
    };
    let typo = given.iter().filter(|g| !all.contains(g)).find_map(|g| near(g).map(|s| (*g, s)));
    let sets: Vec<String> = known.dimension_sets.iter().map(|s| format!("[{}]", s.join(", "))).collect();
    let help = match typo {
        Some((g, s)) => format!("did you mean dimension \"{s}\" rather than \"{g}\"? {name} has dimensions {}", sets.join(" or ")),
        None => format!("{name} has dimensions {}", sets.join(" or ")),
    };
    Some(MetricProblem { message: format!("ecsim publishes no {ns} {name} with dimensions [{}]", given.join(", ")), help })
}

//! A Copilot service's `count`: a number of tasks, Fargate Spot, or a range with target
//! tracking autoscaling on CPU, memory or requests per target.

use super::*;

/// What `count` says.
pub(super) struct Count {
    pub(super) desired: i64,
    pub(super) desired_note: String,
    /// With `range.spot_from` (or `spot`): tasks before this many run on FARGATE.
    pub(super) spot_from: Option<i64>,
    pub(super) scaling: Option<Table>,
}

impl Manifest<'_> {
    /// `count`: a number, `spot: N`, or autoscaling (`range` with `cpu_percentage`,
    /// `memory_percentage`, `requests`; `response_time` and `queue_delay` are not modelled).
    pub(super) fn count(&mut self, target_group: Option<&str>) -> Count {
        let Some(node) = self.at("count").cloned() else {
            let at = self.doc.clone();
            self.warn(&at, "assumed: the manifest has no `count`; 1 task, as Copilot's manifest template writes");
            return Count {
                desired: 1,
                desired_note: "assumed: no `count` in the manifest (Copilot's template writes 1)".into(),
                spot_from: None,
                scaling: None,
            };
        };
        if let Some(n) = node.as_i64() {
            return Count { desired: n, desired_note: "the manifest's `count`".into(), spot_from: None, scaling: None };
        }
        if let Some(spot) = node.get("spot").and_then(Node::as_i64) {
            return Count {
                desired: spot,
                desired_note: "count.spot: every task on Fargate Spot".into(),
                spot_from: Some(0),
                scaling: None,
            };
        }
        let Some((min, max, spot_from)) = self.range(&node) else {
            self.warn(&node, "assumed: `count` is neither a number nor a `range`; 1 task");
            return Count { desired: 1, desired_note: "assumed: `count` could not be read".into(), spot_from: None, scaling: None };
        };
        let default_cd = |key: &str, d: f64| node.get("cooldown").and_then(|c| c.get(key)).and_then(duration_s).unwrap_or(d);
        // Copilot's templates: 120 s to scale in, 60 s to scale out, unless the manifest says.
        let (cd_in, cd_out) = (default_cd("in", 120.0), default_cd("out", 60.0));
        let mut policies = Vec::new();
        let fields = [
            ("cpu_percentage", "ECSServiceAverageCPUUtilization", "cpu"),
            ("memory_percentage", "ECSServiceAverageMemoryUtilization", "memory"),
            ("requests", "ALBRequestCountPerTarget", "requests"),
        ];
        for (key, metric, short) in fields {
            let Some(f) = node.get(key) else { continue };
            let value = f.as_f64().or_else(|| f.get("value").and_then(Node::as_f64));
            let Some(value) = value else {
                self.warn(f, format!("`count.{key}` has no number; the policy is left out"));
                continue;
            };
            if key == "requests" && target_group.is_none() {
                self.warn(f, "not modelled: `count.requests` on a service with no target group");
                continue;
            }
            let cd = |k: &str, d: f64| f.get("cooldown").and_then(|c| c.get(k)).and_then(duration_s).unwrap_or(d);
            policies.push(Tracking {
                name: format!("{}-{short}", self.name),
                metric,
                target: value,
                target_group: if key == "requests" { target_group } else { None },
                scale_in_cooldown_s: cd("in", cd_in),
                scale_out_cooldown_s: cd("out", cd_out),
            });
        }
        for key in ["response_time", "queue_delay"] {
            if let Some(f) = node.get(key).cloned() {
                self.warn(&f, format!("not modelled: `count.{key}` (ecsim's target tracking follows CPU, memory or requests per target)"));
            }
        }
        let scaling = parts::scaling(&self.name, min, max, &policies);
        Count {
            desired: min,
            desired_note: "count.range's minimum: Copilot starts an autoscaled service at its minimum".into(),
            spot_from: spot_from.map(|s| (s - 1).max(0)),
            scaling: Some(scaling),
        }
    }

    /// `range: 1-10` or `range: { min, max, spot_from }`.
    fn range(&mut self, count: &Node) -> Option<(i64, i64, Option<i64>)> {
        let r = count.get("range")?;
        if let Some(text) = r.as_str() {
            let (a, b) = text.split_once('-')?;
            return Some((a.trim().parse().ok()?, b.trim().parse().ok()?, None));
        }
        Some((r.get("min")?.as_i64()?, r.get("max")?.as_i64()?, r.get("spot_from").and_then(Node::as_i64)))
    }
}

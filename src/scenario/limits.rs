//! How big a scenario may be. Two kinds of limit, both located at the value at fault:
//!
//! * **ECS's own quotas** (warnings): a value ECS would refuse, such as more than 5,000
//!   container instances in a cluster or a desired count above 5,000 tasks per service
//!   (<https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-quotas.html>). The
//!   run still goes ahead, for what-if questions beyond the quotas.
//! * **What ecsim can hold** (errors): values whose run would not fit in memory or would not
//!   end, refused before anything is allocated, with the figure that was over and what to
//!   change. The bounds are 20 times the quotas for counts, and an estimate of what the
//!   recorder keeps per simulated minute for the duration (every minute's rows are kept to the
//!   end of the run: the zones' and services' in temporary files, a bounded buffer in memory,
//!   so the bound is one of disk more than of memory).
//!
//! docs/scenarios.md ("Limits") lists them.

use super::load::Cx;
use super::toml_model::RawScenario;
use crate::model::{Scenario, TrafficKind};
use std::ops::Range;

/// Container instances per cluster (ECS quota, not adjustable).
pub const QUOTA_INSTANCES_PER_CLUSTER: u64 = 5_000;
/// Tasks per service (ECS quota).
pub const QUOTA_TASKS_PER_SERVICE: u64 = 5_000;
/// The most container instances ecsim simulates (instances at t = 0 plus every Auto Scaling
/// group's maximum): 200 × the quota. The bundled scale scenario has 500,000
/// (scenarios/bench/scale-500k.toml); three million took 5.2 GB before the first event when
/// each instance had its own attribute map, and would still take over 1 GB.
pub const MAX_INSTANCES: u64 = 1_000_000;
/// The most tasks one service may ask for (desired count, in the service or an action).
pub const MAX_TASKS_PER_SERVICE: u64 = 100_000;
/// The most the recorder's per-minute rows may take, estimated before the run: 4 GiB (1,754
/// days of one service in three zones). It was 2 GiB while the rows were held in memory; they
/// now wait in temporary files (`sim::recorder::RowLog`), and 1,000 days run in bounded memory.
pub const MAX_RECORDED_BYTES: u64 = 4 << 30;
/// The most requests a run may be offered (peak rate × duration): beyond this it takes hours.
pub const MAX_REQUESTS: f64 = 1e10;

/// Per simulated minute, what the recorder and the metrics keep (bytes), measured: a run of
/// one service in three zones grows about 2.4 MB per simulated day, 1.7 kB a minute
/// (`../shared/repro/long_duration`), i.e. 400 + 300 × (1 service) + 250 × (3 zones + cluster).
const BYTES_PER_MINUTE_BASE: u64 = 400;
const BYTES_PER_MINUTE_PER_SERVICE: u64 = 300;
const BYTES_PER_MINUTE_PER_ZONE: u64 = 250;
const BYTES_PER_MINUTE_PER_TARGET_GROUP: u64 = 400;
const BYTES_PER_MINUTE_PER_ALARM: u64 = 100;

impl Cx<'_> {
    /// Refuses, before anything is built, counts that would not fit in memory, and warns
    /// about those above ECS's quotas. Returns false when the scenario was refused.
    pub(super) fn check_counts(&mut self, raw: &RawScenario) -> bool {
        let mut ok = true;
        let mut total: u64 = 0;
        let mut quota_warned = false;
        let groups = raw.cluster.instances.iter().map(|g| &g.count);
        let asg_max = raw.auto_scaling_groups.iter().filter_map(|g| g.max.as_ref().or(g.desired.as_ref()));
        for count in groups.chain(asg_max) {
            total += u64::from(*count.get_ref());
            if total > MAX_INSTANCES && ok {
                self.error_at(
                    count.span(),
                    format!(
                        "this brings the cluster to {total} container instances; ecsim simulates at most {MAX_INSTANCES} \
                         (each is a model in memory, and ECS itself allows {QUOTA_INSTANCES_PER_CLUSTER} per cluster)"
                    ),
                    format!("lower the count (at most {QUOTA_INSTANCES_PER_CLUSTER} to stay within ECS's quota)"),
                );
                ok = false;
            } else if total > QUOTA_INSTANCES_PER_CLUSTER && !quota_warned {
                self.warn_at(
                    count.span(),
                    format!(
                        "this brings the cluster to {total} container instances; ECS allows {QUOTA_INSTANCES_PER_CLUSTER} \
                         per cluster (service quota \"Container instances per cluster\")"
                    ),
                    "the run goes ahead, but a real cluster cannot register them: use several clusters",
                );
                quota_warned = true;
            }
        }
        for (i, s) in raw.services.iter().enumerate() {
            if let Some(n) = s.desired_count {
                let entry = self.entry_span("services", i).start.min(s.name.span().start);
                let at = self.key_after(entry, "desired_count").unwrap_or(s.name.span());
                ok &= self.check_desired(u64::from(n), at, s.name.get_ref());
            }
        }
        let mut registered = total;
        for a in &raw.actions {
            match a.get_ref() {
                super::toml_model::RawAction::UpdateService { desired_count: Some(n), service, .. } => {
                    let at = self.key_after(a.span().start, "desired_count").unwrap_or(a.span());
                    ok &= self.check_desired(u64::from(*n), at, service);
                }
                // Instances registered during the run count towards the same bound.
                super::toml_model::RawAction::RegisterInstance { count, .. } => {
                    registered += u64::from(*count);
                    if registered > MAX_INSTANCES && ok {
                        let at = self.key_after(a.span().start, "count").unwrap_or(a.span());
                        self.error_at(
                            at,
                            format!("this action brings the cluster to {registered} container instances; ecsim simulates at most {MAX_INSTANCES}"),
                            format!("lower the count (ECS allows {QUOTA_INSTANCES_PER_CLUSTER} per cluster)"),
                        );
                        ok = false;
                    }
                }
                _ => {}
            }
        }
        // Service Auto Scaling may raise a desired count up to the scalable target's maximum.
        for sc in &raw.scaling {
            if let Some(max) = &sc.max {
                ok &= self.check_desired(u64::from(*max.get_ref()), max.span(), sc.service.get_ref());
            }
        }
        ok
    }

    fn check_desired(&mut self, n: u64, at: Range<usize>, service: &str) -> bool {
        if n > MAX_TASKS_PER_SERVICE {
            self.error_at(
                at,
                format!("service {service:?}: desired count {n} is above the {MAX_TASKS_PER_SERVICE} tasks ecsim simulates per service"),
                format!("lower it (ECS allows {QUOTA_TASKS_PER_SERVICE} tasks per service)"),
            );
            return false;
        }
        if n > QUOTA_TASKS_PER_SERVICE {
            self.warn_at(
                at,
                format!("service {service:?}: desired count {n} is above ECS's quota of {QUOTA_TASKS_PER_SERVICE} tasks per service"),
                "the run goes ahead, but UpdateService would refuse it: split the service",
            );
        }
        true
    }

    /// Refuses a built scenario whose run would record more than `MAX_RECORDED_BYTES` or be
    /// offered more than `MAX_REQUESTS`.
    pub(super) fn check_run_size(&mut self, raw: &RawScenario, s: &Scenario) {
        let minutes = s.duration.whole_secs().div_ceil(60);
        let per_minute = BYTES_PER_MINUTE_BASE
            + BYTES_PER_MINUTE_PER_SERVICE * s.services.len() as u64
            + BYTES_PER_MINUTE_PER_ZONE * (s.capacity.zones.len() as u64 + 1)
            + BYTES_PER_MINUTE_PER_TARGET_GROUP * s.elb.target_groups.len() as u64
            + BYTES_PER_MINUTE_PER_ALARM * s.alarms.len() as u64;
        let bytes = minutes.saturating_mul(per_minute);
        if bytes > MAX_RECORDED_BYTES {
            let max_days = MAX_RECORDED_BYTES / per_minute / (24 * 60);
            self.error_at(
                raw.scenario.duration.span(),
                format!(
                    "a run of {} would keep about {} MiB of per-minute rows ({minutes} minutes × about {per_minute} bytes for \
                     {} service(s), {} zone(s), {} target group(s), {} alarm(s)); ecsim refuses runs above {} MiB",
                    s.duration,
                    bytes >> 20,
                    s.services.len(),
                    s.capacity.zones.len(),
                    s.elb.target_groups.len(),
                    s.alarms.len(),
                    MAX_RECORDED_BYTES >> 20
                ),
                format!("shorten the duration to at most {max_days} days for this scenario, or split it into several runs"),
            );
        }
        let duration_s = s.duration.as_secs_f64();
        for (t, r) in s.traffic.iter().zip(&raw.traffic) {
            if let TrafficKind::Poisson { profile, .. } = &t.kind {
                let requests = profile.peak_per_s() * duration_s;
                if requests > MAX_REQUESTS {
                    let at = r.rate.as_ref().map_or(r.name.span(), |x| x.span());
                    self.error_at(
                        at,
                        format!(
                            "traffic {:?}: {} requests/s at its peak for {} is up to {requests:.3e} requests; ecsim refuses more \
                             than {MAX_REQUESTS:.0e} per source (each is simulated one by one: hours of run time)",
                            t.name,
                            profile.peak_per_s(),
                            s.duration
                        ),
                        "lower the rate or the duration (a few thousand requests per second for an hour is about 10⁷)",
                    );
                }
            }
        }
    }

    /// The span of the first `key =` at the start of a line (or after `{`/`,` in an inline
    /// table) after byte `from`, for values the TOML model keeps without a span.
    pub(super) fn key_after(&self, from: usize, key: &str) -> Option<Range<usize>> {
        let text = self.src.text.get(from..)?;
        let mut search = 0;
        while let Some(i) = text[search..].find(key) {
            let at = search + i;
            let before = text[..at].trim_end_matches([' ', '\t']);
            let after = text[at + key.len()..].trim_start_matches([' ', '\t']);
            if (before.is_empty() || before.ends_with(['\n', '{', ','])) && after.starts_with('=') {
                return Some(from + at..from + at + key.len());
            }
            search = at + key.len();
        }
        None
    }
}

//! Managed scaling of capacity providers, every minute: the
//! CapacityProviderReservation metric of each provider, its two alarms, and the group's desired
//! capacity they set.

use super::*;

impl World<'_> {
    /// Spec docs/ecs-model.md#managed-scaling steps 1–5 for every provider with managed scaling, at the end of a minute.
    pub(in crate::sim) fn capacity_minute_metrics(&mut self) {
        let scenario = self.scenario;
        for (p, spec) in scenario.capacity.providers.iter().enumerate() {
            if !spec.config.managed_scaling.enabled {
                continue;
            }
            let config = &scenario.capacity.groups[spec.group].config;
            let in_service: Vec<InstanceId> = self.capacity.groups[spec.group]
                .members
                .iter()
                .filter(|m| m.state == MemberState::InService)
                .filter_map(|m| m.instance)
                .filter(|&id| self.cluster.instance(id).status == InstanceStatus::Active)
                .collect();
            let with_tasks = in_service.iter().filter(|&&id| self.non_daemon_tasks_on(id) > 0).count() as u32;
            let mut provisioning = Vec::new();
            for (s, list) in self.capacity.provisioning.iter().enumerate() {
                let Some(c) = &scenario.services[s].capacity else { continue };
                for e in list.iter().filter(|e| c.targets.get(e.item) == Some(&CapacityTarget::Provider(p))) {
                    provisioning.push(self.reservations[e.task_definition].clone());
                }
            }
            let shapes: Vec<InstanceShape> =
                config.instance_types.iter().map(|t| InstanceShape::of_type(t, scenario.capacity.reserved_memory_mib, false)).collect();
            let result = capacity_provider_reservation(&CprInput {
                running_instances: in_service.len() as u32,
                instances_with_tasks: with_tasks,
                provisioning: &provisioning,
                shapes: &shapes,
                zone_count: config.zones.len(),
                scaling: &spec.config.managed_scaling,
            });
            self.capacity.providers[p].cpr = Some(result);
        }
    }

    /// After the minute's alarm evaluation: AlarmHigh / AlarmLow in ALARM set the group's
    /// desired capacity (docs/ecs-model.md#managed-scaling steps 6–8); then every group is reconciled and drained
    /// instances terminated.
    pub(in crate::sim) fn capacity_scale(&mut self, now: SimTime) {
        let scenario = self.scenario;
        for (p, spec) in scenario.capacity.providers.iter().enumerate() {
            let (Some((high, low)), Some(cpr)) = (self.capacity.providers[p].alarms, self.capacity.providers[p].cpr.clone()) else {
                continue;
            };
            let g = spec.group;
            let config = &scenario.capacity.groups[g].config;
            let scaling = &spec.config.managed_scaling;
            let firing =
                |i: usize| self.monitor.alarms.get(i).filter(|a| a.in_alarm()).map(|a| a.newest_datapoint().unwrap_or(cpr.cpr_percent));
            let current = self.capacity.groups[g].desired;
            let describe = |value: f64, to: u32, alarm: &str| {
                let formula = if cpr.n == 0 {
                    // No instance running: the group launches `step` instances (docs/ecs-model.md#managed-scaling step 6).
                    format!("N = 0: desired = step {}", cpr.step)
                } else {
                    format!("desired = ceil({} × {value:.2} / {})", cpr.n, scaling.target_capacity_percent)
                };
                format!(
                    "{alarm}: CapacityProviderReservation {value:.2} (N {}, M {}, needed {}, step {}); {formula} = {to} within [{}, {}]",
                    cpr.n, cpr.m, cpr.needed, cpr.step, config.min_size, config.max_size
                )
            };
            if let Some(value) = firing(high) {
                let to =
                    provider::managed_desired(cpr.n, value, scaling.target_capacity_percent, cpr.step, config.min_size, config.max_size);
                let launched: Vec<SimTime> = self.capacity.groups[g]
                    .members
                    .iter()
                    .filter(|m| m.state != MemberState::Terminated && !m.initial)
                    .map(|m| m.launched_at)
                    .collect();
                if to > current && !provider::in_warmup(now, &launched, scaling.instance_warmup_period) {
                    let reason = describe(value, to, "AlarmHigh");
                    self.set_group_desired(now, g, to, &format!("managed scaling ({})", spec.config.name), reason);
                }
            } else if let Some(value) = firing(low) {
                let to =
                    provider::managed_desired(cpr.n, value, scaling.target_capacity_percent, cpr.step, config.min_size, config.max_size);
                if to < current {
                    let reason = describe(value, to, "AlarmLow");
                    self.set_group_desired(now, g, to, &format!("managed scaling ({})", spec.config.name), reason);
                }
            }
        }
        for g in 0..self.capacity.groups.len() {
            self.reconcile_group(now, g);
            let draining: Vec<InstanceId> =
                self.capacity.groups[g].members.iter().filter(|m| m.state == MemberState::Draining).filter_map(|m| m.instance).collect();
            for id in draining {
                self.terminate_if_drained(now, id);
            }
        }
    }
}

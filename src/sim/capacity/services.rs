//! Services over a capacity provider strategy: which item each task goes to, its
//! placement on its provider's group (or PROVISIONING when nothing fits), and Fargate tasks
//! with capacity of their own.

use super::*;
use crate::sim::ids::ServiceId;
use crate::sim::ids::TaskId;

impl World<'_> {
    /// The strategy item a task of `service` runs under, from where it runs.
    pub(super) fn task_item(&self, service: usize, task: TaskId) -> Option<usize> {
        let c = self.scenario.services[service].capacity.as_ref()?;
        let info = self.capacity.info(self.tasks[task.index()].instance);
        let target = match (info.fargate_spot, info.group) {
            (Some(spot), _) => CapacityTarget::Fargate { spot },
            (None, Some(g)) => CapacityTarget::Provider(self.provider_of_group(g as usize)?),
            _ => return None,
        };
        c.targets.iter().position(|t| *t == target)
    }

    /// The service's non-STOPPED tasks per strategy item, PROVISIONING ones included.
    fn strategy_counts(&self, service: usize) -> Vec<u32> {
        let n = self.scenario.services[service].capacity.as_ref().map_or(0, |c| c.targets.len());
        let mut counts = vec![0u32; n];
        for &t in &self.services[service].tasks {
            if let Some(i) = self.task_item(service, t) {
                counts[i] += 1;
            }
        }
        for e in &self.capacity.provisioning[service] {
            if let Some(c) = counts.get_mut(e.item) {
                *c += 1;
            }
        }
        counts
    }

    /// Launches `n` tasks of the service's PRIMARY deployment through its strategy (or on
    /// Fargate); returns the tasks started. Tasks no instance can take wait in PROVISIONING.
    pub(in crate::sim) fn launch_by_capacity(
        &mut self,
        now: SimTime,
        service: ServiceId,
        n: u32,
        extra: Option<&Constraint>,
    ) -> Vec<TaskId> {
        let idx = service.index();
        let scenario = self.scenario;
        let Some(capacity) = scenario.services[idx].capacity.as_ref() else { return Vec::new() };
        let deployment = self.services[idx].deployments.len().saturating_sub(1) as u32;
        let td = self.services[idx].deployments.last().map_or(0, |d| d.task_definition);
        let mut started = Vec::new();
        let mut waiting: Vec<usize> = Vec::new();
        // Counted once and kept up to date task by task (counting again for every task made a
        // desired count of 100,000 quadratic).
        let mut counts = self.strategy_counts(idx);
        for _ in 0..n {
            let item = capacity.choose(&counts);
            let task = match capacity.targets[item] {
                CapacityTarget::Fargate { spot } => Some(self.start_fargate_task(now, service, td, deployment, spot)),
                CapacityTarget::Provider(p) => match self.place_on_provider(service, p, td, extra) {
                    Some((instance, detail)) => Some(self.start_service_task(now, service, instance, td, deployment, &detail)),
                    None => {
                        self.capacity.provisioning[idx].push(Provisioning { item, task_definition: td, deployment, since: now });
                        counts[item] += 1;
                        if !waiting.contains(&p) {
                            waiting.push(p);
                        }
                        None
                    }
                },
            };
            if let Some(t) = task {
                started.push(t);
                if let Some(i) = self.task_item(idx, t) {
                    counts[i] += 1;
                }
            }
        }
        self.report_provisioning(now, service, &waiting);
        started
    }

    fn report_provisioning(&mut self, now: SimTime, service: ServiceId, providers: &[usize]) {
        if providers.is_empty() {
            return;
        }
        let names: Vec<&str> = providers.iter().map(|&p| self.scenario.capacity.providers[p].config.name.as_str()).collect();
        let message = format!(
            "service {} has {} tasks in PROVISIONING: no instance of capacity provider {} can take them yet.",
            self.services[service.index()].name,
            self.capacity.provisioning[service.index()].len(),
            names.join(", ")
        );
        self.problem(now, service, message);
    }

    /// Places one task of the service on an instance of provider `p`'s group, or `None`.
    fn place_on_provider(&mut self, service: ServiceId, p: usize, td: usize, extra: Option<&Constraint>) -> Option<(InstanceId, String)> {
        let scenario = self.scenario;
        // Lent to placement for the call (no clone per task), then put back.
        let member_of = self.capacity.providers[p].member_of.take();
        let decision = self.place_service_task(service, td, Some((p, member_of.as_ref())), extra);
        self.capacity.providers[p].member_of = member_of;
        let Outcome::Placed { instance } = decision.outcome else { return None };
        let mut detail = format!("capacity provider {}", scenario.capacity.providers[p].config.name);
        if let Some(e) = &decision.explanation {
            detail = format!("{detail}; {}", crate::sim::recorder::one_line(e, &self.cluster));
        }
        Some((instance, detail))
    }

    /// Before an evaluation's plan: PROVISIONING tasks of older deployments, and beyond the
    /// `wanted` the service still needs, go; the rest are placed, oldest first, where their
    /// provider has room.
    pub(in crate::sim) fn place_provisioning(&mut self, now: SimTime, service: ServiceId, wanted: u32) {
        let idx = service.index();
        let primary = self.services[idx].deployments.len().saturating_sub(1) as u32;
        let mut entries = std::mem::take(&mut self.capacity.provisioning[idx]);
        entries.retain(|e| e.deployment == primary);
        entries.truncate(wanted as usize);
        let Some(capacity) = self.scenario.services[idx].capacity.as_ref() else { return };
        let mut kept = Vec::new();
        let mut started = Vec::new();
        // One failure per (provider, task definition) is enough: the same task fits nowhere else.
        let mut full: Vec<(usize, usize)> = Vec::new();
        for e in entries {
            let CapacityTarget::Provider(p) = capacity.targets[e.item] else { continue };
            if full.contains(&(p, e.task_definition)) {
                kept.push(e);
                continue;
            }
            match self.place_on_provider(service, p, e.task_definition, None) {
                Some((instance, detail)) => {
                    let waited = now.since(e.since);
                    let detail = format!("{detail}; PROVISIONING for {waited}");
                    started.push(self.start_service_task(now, service, instance, e.task_definition, e.deployment, &detail));
                }
                None => {
                    full.push((p, e.task_definition));
                    kept.push(e);
                }
            }
        }
        self.capacity.provisioning[idx] = kept;
        self.report_starts(now, service, &started);
    }

    /// One Fargate task: capacity of its own in the emptiest of the service's zones.
    fn start_fargate_task(&mut self, now: SimTime, service: ServiceId, td: usize, deployment: u32, spot: bool) -> TaskId {
        let idx = service.index();
        let zones = &self.scenario.services[idx].zones;
        let mut per_zone = vec![0u32; zones.len()];
        for &t in &self.services[idx].tasks {
            let zone = &self.cluster.instance(self.tasks[t.index()].instance).availability_zone;
            if let Some(z) = zones.iter().position(|x| x == zone) {
                per_zone[z] += 1;
            }
        }
        let zone = self.launch_zone(&per_zone, zones).map_or_else(|| "fargate".to_string(), |z| zones[z].clone());
        let id = self.cluster.register_fargate(&zone, &self.reservations[td], spot);
        for index in self.indexes.iter_mut().flatten() {
            index.instance_added(&self.cluster, id);
        }
        self.recorder.instance_added(now, &self.cluster, id);
        self.capacity.info_mut(id).fargate_spot = Some(spot);
        let fargate = &self.scenario.capacity.fargate;
        let provisioning = fargate.provisioning.sample(&mut self.capacity.fargate_rng);
        let pull = fargate.pull_and_start.sample(&mut self.capacity.fargate_rng);
        let provider = if spot { "FARGATE_SPOT" } else { "FARGATE" };
        let detail = format!("{provider} in {zone}; PROVISIONING {provisioning}, then PENDING {pull}");
        let task = self.start_service_task_after(now, service, id, td, deployment, &detail, crate::engine::Span(provisioning.0 + pull.0));
        self.capacity.fargate.insert(id.0, FargateTask { task, service, spot, billed_from: now + provisioning });
        if spot {
            self.notify(now, Notice::FargateSpotStarted { task, service });
        }
        task
    }
}

//! What capacity costs (EC2 instances and Fargate tasks, per minute and for the run), what the
//! run reports of its groups at the end, and the capacity invariants.

use super::*;

impl World<'_> {
    /// Sets the cluster row of the minute just closed to the run's cost so far: what is billed
    /// already, plus everything still open billed to `now` (item by item, without building a
    /// ledger: this runs every minute over every instance).
    pub(in crate::sim) fn record_cost_minute(&mut self, now: SimTime) {
        let c = &mut self.capacity;
        c.open_runs.refresh(&c.items, c.closes);
        let c = &self.capacity;
        let mut total = c.closed.report().total_usd;
        // Item by item in item order, as `ledger_at` bills them: a run's items have equal
        // terms, so the term is computed once and added once per item (the same sum, to the bit).
        for &(usd_per_hour, start, items) in &c.open_runs.runs {
            let term = crate::capacity::cost::ec2_cost_usd(usd_per_hour, now.since(start));
            for _ in 0..items {
                total += term;
            }
        }
        let prices = c.closed.fargate_prices;
        for f in c.fargate.values().filter(|f| now > f.billed_from) {
            let td = self.tasks[f.task.index()].task_definition as usize;
            let (r, arch) = (&self.reservations[td], self.scenario.task_definitions[td].cpu_architecture);
            total += fargate_cost_usd(r.cpu_units, r.memory_mib, arch, f.spot, now.since(f.billed_from), &prices);
        }
        let total = (total * 1e6).round() / 1e6;
        // The cluster's row is the last the recorder closed (it follows the zones' rows).
        if let Some(row) = self.recorder.minutes.last_mut() {
            row.cost_usd_cumulative = Some(total);
        }
    }

    /// The run's cost, everything still open billed to `end`, and the groups at the end.
    pub(in crate::sim) fn capacity_finish(&self, end: SimTime) -> CapacityOutcome {
        let (scenario, tasks) = (self.scenario, &self.tasks);
        let (ledger, per_service) = self.capacity.ledger_at(end, |task| {
            let td = &scenario.task_definitions[tasks[task.index()].task_definition as usize];
            (td.reservation(), td.cpu_architecture)
        });
        let ran_fargate: Vec<bool> = {
            let mut v = vec![false; self.scenario.services.len()];
            for t in &self.tasks {
                if let (Owner::Service(s), true) = (t.owner, self.cluster.instance(t.instance).fargate) {
                    v[s.index()] = true;
                }
            }
            v
        };
        let groups = self
            .scenario
            .capacity
            .groups
            .iter()
            .zip(&self.capacity.groups)
            .map(|(spec, g)| GroupSummary {
                name: spec.config.name.clone(),
                desired_at_end: g.desired,
                in_service_at_end: g.members.iter().filter(|m| m.state == MemberState::InService).count() as u32,
                peak_in_service: g.peak_in_service,
                launched: g.launched,
                terminated: g.terminated,
            })
            .collect();
        let in_use = self.scenario.capacity.in_use(&self.scenario.services);
        let instance_provider = if in_use {
            (0..self.cluster.instances.len())
                .map(|i| {
                    let info = self.capacity.info(InstanceId(i as u32));
                    match (info.fargate_spot, info.group) {
                        (Some(true), _) => "FARGATE_SPOT".to_string(),
                        (Some(false), _) => "FARGATE".to_string(),
                        (None, Some(g)) => self
                            .provider_of_group(g as usize)
                            .map_or(String::new(), |p| self.scenario.capacity.providers[p].config.name.clone()),
                        _ => String::new(),
                    }
                })
                .collect()
        } else {
            Vec::new()
        };
        let mut instance_launched_s = vec![None; self.cluster.instances.len()];
        for m in self.capacity.groups.iter().flat_map(|g| &g.members) {
            if let Some(slot) = m.instance.and_then(|id| instance_launched_s.get_mut(id.index())) {
                *slot = Some(m.launched_at.as_secs_f64());
            }
        }
        let instance_purchase = (0..self.cluster.instances.len())
            .map(|i| {
                let item = self.capacity.info(InstanceId(i as u32)).item;
                item.and_then(|it| self.capacity.items.get(it as usize)).map_or(String::new(), |it| it.purchase.as_str().to_string())
            })
            .collect();
        CapacityOutcome {
            instance_launched_s,
            instance_purchase,
            cost: ledger.report(),
            service_cost_usd: per_service.iter().zip(&ran_fargate).map(|(&usd, &ran)| ran.then_some(usd)).collect(),
            groups,
            instance_provider,
            services_with_capacity: self.scenario.services.iter().map(|s| s.capacity.is_some()).collect(),
            in_use,
        }
    }

    /// Every task of a capacity-managed service is where its strategy put it.
    pub(in crate::sim) fn check_capacity_invariants(&self) {
        for (s, spec) in self.scenario.services.iter().enumerate() {
            if spec.capacity.is_none() {
                continue;
            }
            for &t in &self.services[s].tasks {
                let task = &self.tasks[t.index()];
                assert!(
                    self.task_item(s, t).is_some() || task.last_status == LastStatus::Stopped,
                    "task {} of service {} runs outside its capacity provider strategy",
                    t.0,
                    spec.definition.service_name
                );
            }
        }
    }
}

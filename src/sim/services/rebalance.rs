//! Availability Zone rebalancing (docs/ecs-model.md#az-rebalancing).

use crate::ecs::placement::{Constraint, Strategy};
use crate::engine::SimTime;
use crate::sim::ids::ServiceId;
use crate::sim::world::World;

impl World<'_> {
    /// AZ rebalancing (docs/ecs-model.md#az-rebalancing): once the service is steady, if its task counts per zone (zones
    /// with an ACTIVE instance) differ by more than one, start one task in the emptiest zone;
    /// when it is healthy the service has one task too many, and scale-in (docs/ecs-model.md#scale-in) stops one in
    /// the fullest zone. Repeat until balanced. Only for services whose first strategy is AZ
    /// spread (the default is).
    pub(super) fn rebalance_zones(&mut self, now: SimTime, service: ServiceId, max_total: u32, in_flight: u32) {
        let idx = service.index();
        let s = &self.services[idx];
        let az = Strategy::service_default()[0].clone();
        if !s.steady || s.rebalancing_task.is_some() || s.strategies.first() != Some(&az) || in_flight >= max_total {
            return;
        }
        let mut per_zone: std::collections::BTreeMap<String, u32> = std::collections::BTreeMap::new();
        for inst in self.cluster.instances.iter().filter(|i| i.is_placeable()) {
            per_zone.entry(inst.availability_zone.clone()).or_insert(0);
        }
        for &t in &s.tasks {
            let zone = &self.cluster.instance(self.tasks[t.index()].instance).availability_zone;
            if let Some(n) = per_zone.get_mut(zone) {
                *n += 1;
            }
        }
        let (Some(min), Some(max)) = (per_zone.values().min().copied(), per_zone.values().max().copied()) else { return };
        let name = s.name.clone();
        if max - min <= 1 {
            if s.rebalancing_in_progress {
                self.services[idx].rebalancing_in_progress = false;
                self.service_event(now, service, format!("service {name} is AZ balanced. AZ Rebalancing completed."));
            }
            return;
        }
        if !s.rebalancing_in_progress {
            let counts: Vec<String> = per_zone.iter().map(|(z, n)| format!("{n} tasks in {z}")).collect();
            self.services[idx].rebalancing_in_progress = true;
            self.service_event(
                now,
                service,
                format!("service {name} is not AZ balanced with {}. AZ Rebalancing in progress.", counts.join(", ")),
            );
        }
        let Some((zone, _)) = per_zone.iter().find(|(_, n)| **n == min) else { return };
        let zone = zone.clone();
        let Ok(in_zone) = Constraint::parse("memberOf", Some(&format!("attribute:ecs.availability-zone == '{zone}'"))) else { return };
        let before = self.services[idx].tasks.len();
        self.launch_with(now, service, 1, Some(in_zone));
        if self.services[idx].tasks.len() > before {
            self.services[idx].rebalancing_task = self.services[idx].tasks.last().copied();
        } else {
            let name = self.services[idx].name.clone();
            self.problem(now, service, format!("service {name} is unable to place a task in Availability Zone {zone} because no container instance met all of its requirements."));
        }
    }
}

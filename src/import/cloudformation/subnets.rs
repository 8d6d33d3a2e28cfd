//! Subnets and zones: the zone of each subnet a group, load balancer or service names (a
//! template's `AWS::EC2::Subnet` gives its `AvailabilityZone`; a subnet ID ecsim cannot place is
//! put in one of the assumed zones, in turn, with a warning), and the zones the stack uses, which
//! become `[cluster] zones`.

use super::{lang, Cx};
use crate::import::yaml::Node;

impl Cx<'_> {
    /// The zone of a subnet (a subnet ID, or a zone name given where a subnet is expected). An
    /// ID the stack does not place is put in one of the assumed zones, in turn, with a warning.
    pub fn zone_of_subnet(&mut self, s: usize, at: &Node, subnet: &str) -> String {
        let zone = if let Some(z) = self.subnet_zones.get(subnet) {
            z.clone()
        } else if let Some(z) = lang::ZONES.iter().find(|z| lang::subnet_of_zone(z) == subnet || **z == subnet) {
            z.to_string()
        } else if !subnet.starts_with("subnet-") && subnet.split('-').count() == 3 && subnet.ends_with(|c: char| c.is_ascii_lowercase()) {
            subnet.to_string()
        } else {
            let unknown = self.subnet_zones.keys().filter(|k| !self.subnet_zones.values().any(|z| lang::subnet_of_zone(z) == **k)).count();
            let zone = lang::ZONES[unknown % lang::ZONES.len()].to_string();
            self.assume(s, at, format!("subnet {subnet} is in {zone} (the template does not say its zone)"));
            zone
        };
        self.subnet_zones.insert(subnet.to_string(), zone.clone());
        self.zones.insert(zone.clone());
        zone
    }

    /// The zones of a list of subnets (deduplicated, in order).
    pub fn zones_of(&mut self, s: usize, subnets: &Node) -> Vec<String> {
        let items: Vec<Node> = match subnets.as_seq() {
            Some(items) => items.to_vec(),
            None => vec![subnets.clone()],
        };
        let mut zones: Vec<String> = Vec::new();
        for item in items {
            // A VPCZoneIdentifier written as one comma-separated string, as some templates do.
            for subnet in item.scalar_text().unwrap_or_default().split(',').map(str::trim).filter(|t| !t.is_empty()) {
                let zone = self.zone_of_subnet(s, &item, subnet);
                if !zones.contains(&zone) {
                    zones.push(zone);
                }
            }
        }
        zones
    }
}

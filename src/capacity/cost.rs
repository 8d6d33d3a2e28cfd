//! What the capacity costs, as plain arithmetic (docs/ecs-model.md#prices): EC2 instance-hours by type
//! and purchase option, Fargate vCPU-hours and GB-hours, per-second billing with a one-minute
//! minimum, and a report that serializes to JSON.
//!
//! Durations are billed in whole seconds (rounded up), and the report keeps integer
//! second-counts per row, converting to hours and dollars once at the end: the totals do not
//! depend on the order in which usage was added, and a rerun gives the same bytes.

use super::asg::PurchaseOption;
use crate::ecs::instance_types::{Architecture, InstanceType, PRICE_TABLE_DATE};
use crate::engine::time::MICROS_PER_SECOND;
use crate::engine::Span;
use serde::Serialize;
use std::collections::BTreeMap;

/// Linux EC2 instances are billed per second with a 60-second minimum (docs/ecs-model.md#prices).
pub const EC2_MINIMUM_BILLED: Span = Span(60 * MICROS_PER_SECOND);
/// Fargate tasks: per second, 1-minute minimum, from image pull start to stop (docs/ecs-model.md#fargate).
pub const FARGATE_MINIMUM_BILLED: Span = Span(60 * MICROS_PER_SECOND);
const SECONDS_PER_HOUR: f64 = 3600.0;

/// Seconds billed for `duration`: rounded up to a whole second, at least `minimum`.
pub fn billed_seconds(duration: Span, minimum: Span) -> u64 {
    duration.0.max(minimum.0).div_ceil(MICROS_PER_SECOND)
}

/// Fargate prices, us-east-1 on-demand, per vCPU-hour and per GB-hour (docs/ecs-model.md#prices). Linux/x86
/// $0.04048 and $0.004445; Linux/ARM $0.03238 and $0.00356 — the AWS Fargate pricing page
/// (<https://aws.amazon.com/fargate/pricing/>) as quoted for US East (N. Virginia) in March 2026
/// (cloudburn.io, "AWS Fargate pricing", 2026-04-01; vantage.sh, "AWS Fargate Pricing
/// Explained"), checked 2026-12-06. Scenarios may override every figure (`[fargate]`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct FargatePrices {
    pub x86_usd_per_vcpu_hour: f64,
    pub x86_usd_per_gb_hour: f64,
    pub arm_usd_per_vcpu_hour: f64,
    pub arm_usd_per_gb_hour: f64,
    /// FARGATE_SPOT price ÷ FARGATE price ("up to 70 % below": 0.3 by default).
    pub spot_factor: f64,
}

impl Default for FargatePrices {
    fn default() -> Self {
        FargatePrices {
            x86_usd_per_vcpu_hour: 0.04048,
            x86_usd_per_gb_hour: 0.004445,
            arm_usd_per_vcpu_hour: 0.03238,
            arm_usd_per_gb_hour: 0.00356,
            spot_factor: 0.3,
        }
    }
}

impl FargatePrices {
    /// (per vCPU-hour, per GB-hour) for an architecture and Spot or not.
    pub fn rates(&self, architecture: Architecture, spot: bool) -> (f64, f64) {
        let (cpu, gb) = match architecture {
            Architecture::X86_64 => (self.x86_usd_per_vcpu_hour, self.x86_usd_per_gb_hour),
            Architecture::Arm64 => (self.arm_usd_per_vcpu_hour, self.arm_usd_per_gb_hour),
        };
        let f = if spot { self.spot_factor } else { 1.0 };
        (cpu * f, gb * f)
    }
}

/// Cost of one EC2 instance running for `duration` at `usd_per_hour` (the on-demand price, or
/// the Spot price: on-demand × the group's factor).
pub fn ec2_cost_usd(usd_per_hour: f64, duration: Span) -> f64 {
    billed_seconds(duration, EC2_MINIMUM_BILLED) as f64 * usd_per_hour / SECONDS_PER_HOUR
}

/// Cost of one Fargate task of `cpu_units` / `memory_mib` billed for `duration` (image pull start
/// to stop). GB here is GiB: 2048 MiB is billed as 2 GB.
pub fn fargate_cost_usd(
    cpu_units: u32,
    memory_mib: u32,
    architecture: Architecture,
    spot: bool,
    duration: Span,
    prices: &FargatePrices,
) -> f64 {
    let s = billed_seconds(duration, FARGATE_MINIMUM_BILLED) as f64;
    let (cpu_rate, gb_rate) = prices.rates(architecture, spot);
    s / SECONDS_PER_HOUR * (f64::from(cpu_units) / 1024.0 * cpu_rate + f64::from(memory_mib) / 1024.0 * gb_rate)
}

#[derive(Debug, Clone, Default)]
struct Ec2Acc {
    instances: u64,
    billed_seconds: u64,
    /// Σ billed seconds × price in micro-dollars per hour, exact while prices have ≤ 6 decimals.
    usd_micros_seconds_per_hour: u128,
}

#[derive(Debug, Clone, Default)]
struct FargateAcc {
    tasks: u64,
    billed_seconds: u64,
    cpu_unit_seconds: u64,
    memory_mib_seconds: u64,
}

/// Adds up usage over a run; `report` turns it into a [`CostReport`].
#[derive(Debug, Clone)]
pub struct CostLedger {
    ec2: BTreeMap<(String, PurchaseOption), Ec2Acc>,
    fargate: BTreeMap<(ArchKey, bool), FargateAcc>,
    pub fargate_prices: FargatePrices,
}

impl Default for CostLedger {
    fn default() -> Self {
        CostLedger::new(FargatePrices::default())
    }
}

/// `Architecture` has no `Ord`; this key sorts x86_64 first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ArchKey(Architecture);

impl PartialOrd for ArchKey {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}

impl Ord for ArchKey {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        let rank = |a: Architecture| match a {
            Architecture::X86_64 => 0,
            Architecture::Arm64 => 1,
        };
        rank(self.0).cmp(&rank(o.0))
    }
}

impl CostLedger {
    pub fn new(fargate_prices: FargatePrices) -> Self {
        CostLedger { ec2: BTreeMap::new(), fargate: BTreeMap::new(), fargate_prices }
    }

    /// One instance of `t` that ran for `duration` (ecsim bills from the group's launch decision
    /// to termination) at `usd_per_hour` (see [`super::asg::AsgConfig::price_usd_per_hour`]).
    pub fn add_instance(&mut self, t: &InstanceType, purchase: PurchaseOption, usd_per_hour: f64, duration: Span) {
        let a = self.ec2.entry((t.name.to_string(), purchase)).or_default();
        let s = billed_seconds(duration, EC2_MINIMUM_BILLED);
        a.instances += 1;
        a.billed_seconds += s;
        a.usd_micros_seconds_per_hour += u128::from(s) * u128::from(usd_micros(usd_per_hour));
    }

    /// One Fargate task billed for `duration` (image pull start to stop).
    pub fn add_fargate_task(&mut self, cpu_units: u32, memory_mib: u32, architecture: Architecture, spot: bool, duration: Span) {
        let s = billed_seconds(duration, FARGATE_MINIMUM_BILLED);
        let entry = self.fargate.entry((ArchKey(architecture), spot)).or_default();
        entry.tasks += 1;
        entry.billed_seconds += s;
        entry.cpu_unit_seconds += u64::from(cpu_units) * s;
        entry.memory_mib_seconds += u64::from(memory_mib) * s;
    }

    pub fn report(&self) -> CostReport {
        let ec2: Vec<Ec2CostRow> = self
            .ec2
            .iter()
            .map(|((name, purchase), a)| Ec2CostRow {
                instance_type: name.clone(),
                purchase: *purchase,
                instances: a.instances,
                billed_seconds: a.billed_seconds,
                instance_hours: a.billed_seconds as f64 / SECONDS_PER_HOUR,
                usd: a.usd_micros_seconds_per_hour as f64 / 1e6 / SECONDS_PER_HOUR,
            })
            .collect();
        let fargate: Vec<FargateCostRow> = self
            .fargate
            .iter()
            .map(|(&(ArchKey(architecture), spot), a)| {
                let vcpu_hours = a.cpu_unit_seconds as f64 / 1024.0 / SECONDS_PER_HOUR;
                let gb_hours = a.memory_mib_seconds as f64 / 1024.0 / SECONDS_PER_HOUR;
                let (cpu_rate, gb_rate) = self.fargate_prices.rates(architecture, spot);
                FargateCostRow {
                    architecture,
                    spot,
                    tasks: a.tasks,
                    billed_seconds: a.billed_seconds,
                    vcpu_hours,
                    gb_hours,
                    usd: vcpu_hours * cpu_rate + gb_hours * gb_rate,
                }
            })
            .collect();
        // `fold` from +0.0: an empty `sum` of floats is −0.0, which would print as "-0".
        let total = |v: &mut dyn Iterator<Item = f64>| v.fold(0.0, |a, b| a + b);
        let ec2_usd = total(&mut ec2.iter().map(|r| r.usd));
        let fargate_usd = total(&mut fargate.iter().map(|r| r.usd));
        CostReport {
            price_table_date: PRICE_TABLE_DATE.to_string(),
            ec2_instance_hours: total(&mut ec2.iter().map(|r| r.instance_hours)),
            fargate_vcpu_hours: total(&mut fargate.iter().map(|r| r.vcpu_hours)),
            fargate_gb_hours: total(&mut fargate.iter().map(|r| r.gb_hours)),
            ec2,
            fargate,
            ec2_usd,
            fargate_usd,
            total_usd: ec2_usd + fargate_usd,
        }
    }
}

/// A price in whole micro-dollars (the tables have at most 6 decimals).
fn usd_micros(usd: f64) -> u64 {
    (usd * 1e6).round().max(0.0) as u64
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ec2CostRow {
    pub instance_type: String,
    pub purchase: PurchaseOption,
    pub instances: u64,
    pub billed_seconds: u64,
    pub instance_hours: f64,
    pub usd: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FargateCostRow {
    pub architecture: Architecture,
    pub spot: bool,
    pub tasks: u64,
    pub billed_seconds: u64,
    pub vcpu_hours: f64,
    pub gb_hours: f64,
    pub usd: f64,
}

/// The cost of a run, with the date of the price table it used.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CostReport {
    pub price_table_date: String,
    /// By instance type, then purchase option.
    pub ec2: Vec<Ec2CostRow>,
    /// x86_64 before arm64, on-demand before Spot.
    pub fargate: Vec<FargateCostRow>,
    pub ec2_instance_hours: f64,
    pub fargate_vcpu_hours: f64,
    pub fargate_gb_hours: f64,
    pub ec2_usd: f64,
    pub fargate_usd: f64,
    pub total_usd: f64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ecs::instance_types::lookup;

    #[test]
    fn per_second_with_a_minute_minimum() {
        assert_eq!(billed_seconds(Span::from_secs(10), EC2_MINIMUM_BILLED), 60);
        assert_eq!(billed_seconds(Span::from_millis(60_001), EC2_MINIMUM_BILLED), 61);
        assert_eq!(billed_seconds(Span::from_secs(3600), EC2_MINIMUM_BILLED), 3600);
    }

    #[test]
    fn ec2_spot_is_priced_by_the_factor() {
        let m5 = lookup("m5.large").unwrap();
        let mut l = CostLedger::default();
        l.add_instance(m5, PurchaseOption::OnDemand, m5.price_usd_per_hour, Span::from_secs(7200));
        l.add_instance(m5, PurchaseOption::Spot, m5.price_usd_per_hour * 0.3, Span::from_secs(3600));
        let r = l.report();
        assert_eq!(r.ec2.len(), 2);
        assert!((r.ec2[0].usd - 0.192).abs() < 1e-12);
        assert!((r.ec2[1].usd - 0.0288).abs() < 1e-12);
        assert!((r.total_usd - 0.2208).abs() < 1e-12);
        assert!((ec2_cost_usd(0.096, Span::from_secs(30)) - 0.0016).abs() < 1e-12);
    }

    #[test]
    fn report_serializes_with_the_price_table_date() {
        let mut l = CostLedger::default();
        l.add_fargate_task(256, 512, Architecture::Arm64, false, Span::from_secs(3600));
        l.add_fargate_task(256, 512, Architecture::X86_64, true, Span::from_secs(3600));
        let json = serde_json::to_string(&l.report()).unwrap();
        assert!(json.contains(PRICE_TABLE_DATE), "{json}");
        assert!(json.find("x86_64").unwrap() < json.find("arm64").unwrap(), "{json}");
    }
}

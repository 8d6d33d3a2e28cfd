//! Capacity provider strategies: the `[{capacityProvider, base, weight}]` list of a service, a
//! RunTask call or a cluster's default, its validation (docs/ecs-model.md#capacity-providers) and the split of tasks over
//! its providers (docs/ecs-model.md#capacity-provider-strategy).
//!
//! The split is a pure function of how many non-STOPPED tasks each provider already holds, so
//! a service that loses tasks on one provider refills in the same proportions it started with.

use serde::Serialize;
use std::ops::RangeInclusive;

/// The predefined Fargate providers (docs/ecs-model.md#fargate).
pub const FARGATE: &str = "FARGATE";
pub const FARGATE_SPOT: &str = "FARGATE_SPOT";
/// Providers in one strategy (docs/ecs-model.md#capacity-providers, docs/ecs-model.md#limits-and-defaults: the current API; the 2023
/// guide said 6).
pub const MAX_ITEMS: usize = 20;
pub const WEIGHT_RANGE: RangeInclusive<u32> = 0..=1000;
pub const BASE_RANGE: RangeInclusive<u32> = 0..=100_000;

/// True for `FARGATE` and `FARGATE_SPOT`.
pub fn is_fargate_provider(name: &str) -> bool {
    name == FARGATE || name == FARGATE_SPOT
}

/// One item of a strategy, as the API spells it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StrategyItem {
    pub capacity_provider: String,
    /// Tasks this provider gets before any weight applies (0 = none).
    pub base: u32,
    /// Relative share of the tasks beyond the base; 0 = no tasks beyond the base.
    pub weight: u32,
}

impl StrategyItem {
    pub fn new(capacity_provider: &str, base: u32, weight: u32) -> Self {
        StrategyItem { capacity_provider: capacity_provider.to_string(), base, weight }
    }
}

/// Which field of a strategy a problem is about, so that a file reader can point at it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StrategyField {
    /// The list as a whole.
    List,
    CapacityProvider,
    Base,
    Weight,
}

/// One reason a strategy is invalid: the item (None = the whole list), the field and what to say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StrategyProblem {
    pub item: Option<usize>,
    pub field: StrategyField,
    pub message: String,
}

impl std::fmt::Display for StrategyProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.item {
            Some(i) => write!(f, "item {i}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// A validated capacity provider strategy. The items keep their order: ties in the split go to
/// the earlier item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CapacityProviderStrategy {
    items: Vec<StrategyItem>,
}

impl CapacityProviderStrategy {
    /// Validates `items` against the rules of docs/ecs-model.md#capacity-providers, reporting every problem:
    /// 1–20 items, each provider once, weights 0–1000 with at least one above 0, bases
    /// 0–100 000 with at most one item having a base above 0, and Fargate providers never
    /// mixed with Auto Scaling group providers.
    pub fn new(items: Vec<StrategyItem>) -> Result<Self, Vec<StrategyProblem>> {
        let mut problems = Vec::new();
        let mut problem =
            |item: Option<usize>, field: StrategyField, message: String| problems.push(StrategyProblem { item, field, message });
        if items.is_empty() {
            problem(None, StrategyField::List, "a capacity provider strategy needs at least one capacity provider".into());
        }
        if items.len() > MAX_ITEMS {
            problem(None, StrategyField::List, format!("a strategy holds at most {MAX_ITEMS} capacity providers, not {}", items.len()));
        }
        for (i, it) in items.iter().enumerate() {
            if it.capacity_provider.is_empty() {
                problem(Some(i), StrategyField::CapacityProvider, "the capacity provider name is empty".into());
            }
            if let Some(first) = items[..i].iter().position(|o| o.capacity_provider == it.capacity_provider) {
                problem(
                    Some(i),
                    StrategyField::CapacityProvider,
                    format!("capacity provider \"{}\" is already item {first} of this strategy", it.capacity_provider),
                );
            }
            if !WEIGHT_RANGE.contains(&it.weight) {
                problem(Some(i), StrategyField::Weight, format!("weight {} is outside 0–1000", it.weight));
            }
            if !BASE_RANGE.contains(&it.base) {
                problem(Some(i), StrategyField::Base, format!("base {} is outside 0–100000", it.base));
            }
        }
        // `base: 0` written on several items is accepted: 0 is the API default, so it sets no base.
        let with_base: Vec<usize> = items.iter().enumerate().filter(|(_, it)| it.base > 0).map(|(i, _)| i).collect();
        if let [first, rest @ ..] = with_base.as_slice() {
            for &i in rest {
                problem(
                    Some(i),
                    StrategyField::Base,
                    format!(
                        "only one capacity provider in a strategy can have a base; item {first} already has base {}",
                        items[*first].base
                    ),
                );
            }
        }
        if !items.is_empty() && items.iter().all(|it| it.weight == 0) {
            problem(
                None,
                StrategyField::List,
                "every weight is 0: at least one capacity provider needs a weight above 0, or RunTask and CreateService fail".into(),
            );
        }
        let fargate = items.iter().position(|it| is_fargate_provider(&it.capacity_provider));
        let asg = items.iter().position(|it| !is_fargate_provider(&it.capacity_provider) && !it.capacity_provider.is_empty());
        if let (Some(f), Some(a)) = (fargate, asg) {
            problem(
                Some(f.max(a)),
                StrategyField::CapacityProvider,
                format!(
                    "\"{}\" and \"{}\" cannot share a strategy: Fargate and Auto Scaling group capacity providers cannot be mixed",
                    items[f].capacity_provider, items[a].capacity_provider
                ),
            );
        }
        if problems.is_empty() {
            Ok(CapacityProviderStrategy { items })
        } else {
            Err(problems)
        }
    }

    pub fn items(&self) -> &[StrategyItem] {
        &self.items
    }

    /// True when the strategy uses FARGATE / FARGATE_SPOT (validation keeps it all one kind).
    pub fn is_fargate(&self) -> bool {
        self.items.iter().any(|it| is_fargate_provider(&it.capacity_provider))
    }

    /// The index of the item named `provider`.
    pub fn position(&self, provider: &str) -> Option<usize> {
        self.items.iter().position(|it| it.capacity_provider == provider)
    }

    /// The provider for the next task (docs/ecs-model.md#capacity-provider-strategy), given the non-STOPPED tasks each item's
    /// provider already holds (`counts[i]` for item i; missing entries count 0):
    /// 1. the item with a base, while it holds fewer than `base` tasks;
    /// 2. otherwise the item with weight > 0 minimising `(tasksBeyondBase + 1) / weight`, the
    ///    earlier item on ties. The fractions are compared exactly (cross-multiplied), so a tie
    ///    is a tie and never a rounding accident.
    pub fn choose(&self, counts: &[u32]) -> usize {
        let count = |i: usize| counts.get(i).copied().unwrap_or(0);
        if let Some(i) = self.items.iter().position(|it| it.base > 0) {
            if count(i) < self.items[i].base {
                return i;
            }
        }
        let mut best: Option<(usize, u64, u64)> = None;
        for (i, it) in self.items.iter().enumerate().filter(|(_, it)| it.weight > 0) {
            let num = u64::from(count(i).saturating_sub(it.base)) + 1;
            let den = u64::from(it.weight);
            let better = match best {
                None => true,
                // num/den < bnum/bden, strictly: an equal score keeps the earlier item.
                Some((_, bnum, bden)) => u128::from(num) * u128::from(bden) < u128::from(bnum) * u128::from(den),
            };
            if better {
                best = Some((i, num, den));
            }
        }
        // Validation guarantees a weight above 0; the fallback only keeps this total.
        best.map_or(0, |(i, _, _)| i)
    }

    /// Assigns `tasks` tasks one at a time, starting from `counts` (updated in place), and
    /// returns the item chosen for each, in order.
    pub fn split(&self, tasks: u32, counts: &mut Vec<u32>) -> Vec<usize> {
        counts.resize(self.items.len().max(counts.len()), 0);
        (0..tasks)
            .map(|_| {
                let i = self.choose(counts);
                counts[i] += 1;
                i
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strategy(items: &[(&str, u32, u32)]) -> Result<CapacityProviderStrategy, Vec<StrategyProblem>> {
        CapacityProviderStrategy::new(items.iter().map(|&(p, b, w)| StrategyItem::new(p, b, w)).collect())
    }

    #[test]
    fn strategy_split_example_fargate_base_then_one_to_four() {
        let s = strategy(&[(FARGATE, 1, 1), (FARGATE_SPOT, 0, 4)]).unwrap();
        let mut counts = vec![];
        // t1 base → FARGATE; t2–t4 SPOT; t5 tie 1 vs 4/4 → FARGATE (listed first); t6 SPOT.
        assert_eq!(s.split(6, &mut counts), vec![0, 1, 1, 1, 0, 1]);
        assert_eq!(counts, vec![2, 4]);
    }

    #[test]
    fn weights_one_and_four_give_one_in_five_after_the_base() {
        let s = strategy(&[("a", 0, 1), ("b", 0, 4)]).unwrap();
        let mut counts = vec![];
        s.split(500, &mut counts);
        assert_eq!(counts, vec![100, 400]);
    }

    #[test]
    fn existing_tasks_count_so_losses_are_refilled_where_they_were() {
        let s = strategy(&[("a", 2, 1), ("b", 0, 1)]).unwrap();
        // The base provider lost a task: it gets the next one whatever the weights say.
        assert_eq!(s.choose(&[1, 10]), 0);
        // Beyond the base: a has 3 − 2 = 1 beyond, b has 10 → a.
        assert_eq!(s.choose(&[3, 10]), 0);
        assert_eq!(s.choose(&[20, 10]), 1);
    }

    #[test]
    fn weight_zero_gets_nothing_beyond_its_base() {
        let s = strategy(&[("a", 2, 0), ("b", 0, 1)]).unwrap();
        let mut counts = vec![];
        assert_eq!(s.split(5, &mut counts), vec![0, 0, 1, 1, 1]);
    }

    #[test]
    fn validation_reports_every_rule_of_12_2() {
        let fields = |r: Result<CapacityProviderStrategy, Vec<StrategyProblem>>| -> Vec<(Option<usize>, StrategyField)> {
            r.unwrap_err().into_iter().map(|p| (p.item, p.field)).collect()
        };
        assert_eq!(fields(strategy(&[("a", 1, 1), ("b", 2, 1)])), vec![(Some(1), StrategyField::Base)]);
        // Explicit zero bases are not bases.
        assert!(strategy(&[("a", 0, 1), ("b", 0, 1)]).is_ok());
        assert_eq!(fields(strategy(&[("a", 0, 0), ("b", 0, 0)])), vec![(None, StrategyField::List)]);
        assert_eq!(fields(strategy(&[("a", 0, 1001)])), vec![(Some(0), StrategyField::Weight)]);
        assert_eq!(fields(strategy(&[("a", 100_001, 1)])), vec![(Some(0), StrategyField::Base)]);
        assert_eq!(fields(strategy(&[(FARGATE, 0, 1), ("asg-cp", 0, 1)])), vec![(Some(1), StrategyField::CapacityProvider)]);
        assert_eq!(fields(strategy(&[("a", 0, 1), ("a", 0, 1)])), vec![(Some(1), StrategyField::CapacityProvider)]);
        assert_eq!(fields(strategy(&[])), vec![(None, StrategyField::List)]);
        let many: Vec<(String, u32, u32)> = (0..21).map(|i| (format!("cp{i}"), 0, 1)).collect();
        let items = many.iter().map(|(p, b, w)| StrategyItem::new(p, *b, *w)).collect();
        assert_eq!(fields(CapacityProviderStrategy::new(items)), vec![(None, StrategyField::List)]);
        assert!(strategy(&[(FARGATE, 0, 1), (FARGATE_SPOT, 0, 1)]).unwrap().is_fargate());
    }
}

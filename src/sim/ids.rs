//! Typed ids of the simulation's own records, so that a task number cannot be passed where a
//! service number is expected. Each is the index of its record in the vector that owns it
//! (`World::tasks`, `World::services`, ...), kept as small as the queue's `Event` needs
//! (`Event` stays 16 bytes and `Copy`).

/// Declares an index newtype over `$int`, with `index()` to subscript its owning vector.
macro_rules! id {
    ($(#[$doc:meta])* $name:ident($int:ty)) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub $int);

        impl $name {
            /// The position of the record in the vector that owns it.
            pub fn index(self) -> usize {
                self.0 as usize
            }

            /// The id of the record at `index` of its owning vector.
            pub fn at(index: usize) -> Self {
                debug_assert!(index <= <$int>::MAX as usize, "{} {index} does not fit", stringify!($name));
                $name(index as $int)
            }
        }
    };
}

id!(
    /// A task of the run (`World::tasks`), in creation order.
    TaskId(u32)
);
id!(
    /// A service of the scenario (`Scenario::services`, `World::services`).
    ServiceId(u16)
);
id!(
    /// A standalone workload of the scenario (`Scenario::workloads`).
    WorkloadId(u16)
);
id!(
    /// A request server: one task's request queue behind a load balancer.
    ServerId(u32)
);
id!(
    /// A target group of the scenario's load balancers.
    TargetGroupId(u16)
);
id!(
    /// An Auto Scaling group of the scenario.
    AsgId(u16)
);
id!(
    /// A `[[faults]]` entry of the scenario.
    FaultId(u16)
);
id!(
    /// A traffic source (`[[traffic]]`).
    SourceId(u16)
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_is_the_index_of_its_record() {
        assert_eq!(TaskId::at(7).index(), 7);
        assert_eq!(ServiceId(3).index(), 3);
        assert!(TaskId(1) < TaskId(2));
    }
}

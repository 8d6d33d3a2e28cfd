//! Named random streams derived from one master seed.
//!
//! A stream's seed is a hash of (master seed, stream name), so adding a stream, or drawing more
//! from one, never shifts another. Comparing two placement strategies with one seed therefore
//! compares them under the same arrivals and run times (common random numbers).
//!
//! The generator is ChaCha8 from `rand_chacha` (pinned in Cargo.toml): its output is specified
//! and portable, and a golden test below pins the first draws so an upgrade cannot silently
//! change every result.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use sha2::{Digest, Sha256};

/// The generator every stream uses.
pub type StreamRng = ChaCha8Rng;

/// Factory of named streams for one run.
#[derive(Debug, Clone, Copy)]
pub struct Streams {
    master_seed: u64,
}

impl Streams {
    pub fn new(master_seed: u64) -> Self {
        Streams { master_seed }
    }
    pub fn master_seed(&self) -> u64 {
        self.master_seed
    }

    /// The stream called `name` (e.g. "placement", "workload/web/arrivals").
    pub fn get(&self, name: &str) -> StreamRng {
        StreamRng::from_seed(Self::derive_seed(self.master_seed, name))
    }

    /// SHA-256 of the master seed and the name: stable across platforms and Rust versions
    /// (unlike `std::hash`).
    fn derive_seed(master_seed: u64, name: &str) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(b"ecsim-stream-v1\0");
        h.update(master_seed.to_le_bytes());
        h.update(name.as_bytes());
        h.finalize().into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    fn first_draws(rng: &mut StreamRng) -> Vec<u64> {
        (0..4).map(|_| rng.gen()).collect()
    }

    #[test]
    fn adding_a_stream_does_not_change_another_streams_draws() {
        let streams = Streams::new(42);
        let alone = first_draws(&mut streams.get("arrivals"));
        // Create and consume other streams first; "arrivals" must not notice.
        let mut other = streams.get("placement");
        let _: Vec<u64> = (0..1000).map(|_| other.gen()).collect();
        let _ = streams.get("faults/instances");
        assert_eq!(first_draws(&mut streams.get("arrivals")), alone);
    }

    #[test]
    fn streams_differ_by_name_and_by_seed() {
        let a = first_draws(&mut Streams::new(1).get("x"));
        assert_ne!(a, first_draws(&mut Streams::new(1).get("y")));
        assert_ne!(a, first_draws(&mut Streams::new(2).get("x")));
    }

    #[test]
    fn first_draws_are_pinned() {
        // Golden values: if this fails, a dependency upgrade changed the random numbers and
        // every published result with it. Update only deliberately, with a changelog entry.
        let draws = first_draws(&mut Streams::new(1).get("placement"));
        assert_eq!(draws, GOLDEN_PLACEMENT_SEED1.to_vec());
    }

    const GOLDEN_PLACEMENT_SEED1: [u64; 4] = [4106926476240900289, 14691545414729606432, 10778231554901192765, 12969767604028680899];
}

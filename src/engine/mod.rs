//! The discrete-event engine: integer simulated time, the (time, sequence) event queue,
//! named random streams derived from one master seed, and the civil calendar (Unix seconds ↔
//! dates, ISO-8601) that every layer meeting a wall clock shares.
//!
//! This layer knows nothing of ECS; it is generic over the event type.

pub mod calendar;
mod coarse;
pub mod queue;
pub mod random;
pub mod time;
mod wheel;

pub use queue::EventQueue;
pub use random::{FastRng, StreamRng, Streams};
pub use time::{MaybeTime, SimTime, Span, SpanParseError};

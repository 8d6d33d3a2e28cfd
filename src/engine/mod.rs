//! The discrete-event engine: integer simulated time, the (time, sequence) event queue and
//! named random streams derived from one master seed.
//!
//! This layer knows nothing of ECS; it is generic over the event type.

pub mod queue;
pub mod random;
pub mod time;

pub use queue::EventQueue;
pub use random::{StreamRng, Streams};
pub use time::{SimTime, Span, SpanParseError};

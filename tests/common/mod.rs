//! Transition only: the suite's helpers (`tests/suite/common.rs`) for an integration test still
//! written as a file of its own (`tests/<name>.rs` with `mod common;`, from a branch begun before
//! the tests became one binary). Fold such a file into the suite — `tests/suite/<name>.rs`,
//! `mod <name>;` in `tests/suite/main.rs`, `use crate::common::…` — then delete this folder.

// A test file uses a few of the helpers; the rest are not dead code in the suite.
#[allow(dead_code, unused_imports)]
#[path = "../suite/common.rs"]
mod shared;

#[allow(unused_imports)]
pub use shared::*;

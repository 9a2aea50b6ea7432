//! Benchmarks for ivvy-rs. `cargo xtask bench` runs them and prints each
//! figure and each ratio (the median of several runs).

//!
//! One module per benchmark (`per_call`, `bulk`, `output`, `signing`,
//! `build`, `quota`, `batch`), and what they share: the hand-written baseline
//! client, a fixed-reply server, peak memory, and the statistics.

pub mod baseline;
pub mod batch;
pub mod build;
pub mod bulk;
pub mod fixed_server;
pub mod memory;
pub mod output;
pub mod per_call;
pub mod quota;
pub mod signing;
pub mod stats;

/// The credentials every benchmark's fake server takes.
pub const KEY: &str = "bench-key";
/// The secret that goes with [`KEY`].
pub const SECRET: &str = "bench-secret";

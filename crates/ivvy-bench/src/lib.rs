//! Benchmarks for ivvy-rs. `cargo xtask bench` runs them and prints each
//! figure and each ratio (the median of several runs).

pub mod baseline;
pub mod fixed_server;
pub mod quota;
pub mod stats;

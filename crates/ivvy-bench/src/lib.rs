//! Benchmarks for ivvy-rs. `cargo xtask bench` runs all four and prints each
//! figure and each ratio (the median of several runs).

pub mod baseline;
pub mod fixed_server;
pub mod stats;

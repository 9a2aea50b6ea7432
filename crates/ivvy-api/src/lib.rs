//! Bindings for iVvy's API, generated from `spec/ivvy.yaml`.
//!
//! `generated.rs` is written by `cargo xtask codegen`; nothing here edits it.
//! The hand-written part is [`hooks`]: the code that every generated
//! operation calls around its request, which is where signing plugs in.
//!
//! Applications should depend on the `ivvy` crate, which signs requests,
//! checks input and turns replies into typed outcomes.

pub mod hooks;

// The generated file is formatted by prettyplease, not rustfmt, and keeps
// progenitor's own style; its lint allowances stay scoped to it.
#[rustfmt::skip]
#[allow(
    clippy::all,
    clippy::unwrap_used,
    missing_debug_implementations,
    unused_qualifications
)]
mod generated;

pub use generated::*;

//! Turns `spec/ivvy.yaml` into the Rust source of the `ivvy-api` crate.
//!
//! The data path is: [`load`] parses the spec, [`check`] applies our own
//! rules (iVvy's RPC shape), [`settings`] holds the one progenitor
//! configuration, and [`generate`] renders formatted Rust headed with the
//! spec's SHA-256 so a stale file can say *why* it is stale.
//!
//! `cargo xtask codegen` and the workspace tests both call [`generate`], so
//! there is one source of truth for how the bindings are made.

mod check;
mod error;
mod header;
mod render;

pub use check::{Problem, check};
pub use error::Error;
pub use header::{Header, spec_sha256};
pub use render::{generate, settings};

/// Where the spec lives, relative to the workspace root.
pub const SPEC_PATH: &str = "spec/ivvy.yaml";
/// Where the generated bindings live, relative to the workspace root.
pub const GENERATED_PATH: &str = "crates/ivvy-api/src/generated.rs";
/// The fake server's own copy of the spec (a packaged crate may read only
/// its own files), kept identical to [`SPEC_PATH`].
pub const MOCK_SPEC_PATH: &str = "crates/ivvy-mock/spec/ivvy.yaml";

/// Parses the spec text (YAML or JSON) into an OpenAPI document.
pub fn load(spec_text: &str) -> Result<openapiv3::OpenAPI, Error> {
    serde_yaml::from_str(spec_text).map_err(|source| Error::Parse {
        path: SPEC_PATH,
        source,
    })
}

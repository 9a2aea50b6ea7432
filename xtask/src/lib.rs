//! Workspace chores shared by `cargo xtask` and the workspace tests: the
//! public-API listing ([`api`]). It lives here, not in `ivvy-codegen`,
//! because listing an API is not generating code: `cargo xtask api`
//! writes the listings and `cargo xtask codegen` prints the bindings' API
//! diff with it, and the tests check the listings are current.

pub mod api;

use crate::check::Problem;

/// Everything that can stop the bindings from being generated.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The spec is not valid YAML, or not an OpenAPI 3.0 document.
    #[error("{path} is not a valid OpenAPI 3.0 document: {source}")]
    Parse {
        /// The spec's path.
        path: &'static str,
        /// What the parser said.
        #[source]
        source: serde_yaml::Error,
    },
    /// The spec breaks one or more of our rules.
    #[error("the spec breaks {} rule(s):\n{}", .0.len(), list(.0))]
    Check(Vec<Problem>),
    /// progenitor could not turn the spec into Rust.
    #[error("progenitor could not generate the bindings: {0}")]
    Progenitor(#[from] progenitor_impl::Error),
    /// progenitor produced tokens that are not a Rust file.
    #[error("the generated tokens do not parse as a Rust file: {0}")]
    Syntax(#[from] syn::Error),
}

fn list(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(|p| format!("  - {p}"))
        .collect::<Vec<_>>()
        .join("\n")
}

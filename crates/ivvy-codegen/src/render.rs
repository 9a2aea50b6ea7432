//! The progenitor settings and the rendering of the generated file.

use progenitor_impl::{GenerationSettings, Generator, HooksMode, InterfaceStyle, TagStyle};
use quote::quote;

use crate::{Error, Header, check, load};

/// The one progenitor configuration for the bindings.
///
/// - Positional methods (`client.invite_contacts(&body)`), one per operation.
/// - An inner value, `crate::hooks::Inner`, that the hand-written hooks of
///   `ivvy-api` hand every request to before it is sent: that is where
///   signing plugs in without touching generated code.
/// - `HooksMode::Expected`, so forgetting those hooks is a compile error
///   rather than a silently unsigned client.
/// - `schemars::JsonSchema` on every type, for the schema snapshots.
pub fn settings() -> GenerationSettings {
    let mut settings = GenerationSettings::new();
    settings
        .with_interface(InterfaceStyle::Positional)
        .with_tag(TagStyle::Merged)
        .with_hooks(HooksMode::Expected)
        .with_inner_type(quote!(crate::hooks::Inner))
        .with_derive("schemars::JsonSchema")
        .with_derive("PartialEq");
    settings
}

/// Generates the complete text of `crates/ivvy-api/src/generated.rs` from
/// the spec text: header line, then prettyplease-formatted Rust.
pub fn generate(spec_text: &str) -> Result<String, Error> {
    let spec = load(spec_text)?;
    check(&spec).map_err(Error::Check)?;
    let tokens = Generator::new(&settings()).generate_tokens(&spec)?;
    let file: syn::File = syn::parse2(tokens)?;
    let body = prettyplease::unparse(&file);
    Ok(format!("{}\n{body}", Header::for_spec(spec_text).line()))
}

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
/// - `schemars::JsonSchema` on every type, for the schema snapshots; see
///   [`schemars_behind_feature`] for why users do not compile it.
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
    let mut file: syn::File = syn::parse2(tokens)?;
    schemars_behind_feature(&mut file);
    let body = prettyplease::unparse(&file);
    Ok(format!("{}\n{body}", Header::for_spec(spec_text).line()))
}

/// Moves `schemars::JsonSchema` out of every `#[derive(..)]` into
/// `#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]`.
///
/// The schemas serve our snapshot tests; behind a feature, programs that
/// depend on the bindings do not compile schemars and its derive macro.
pub fn schemars_behind_feature(file: &mut syn::File) {
    struct Visitor;
    impl syn::visit_mut::VisitMut for Visitor {
        fn visit_attributes_mut(&mut self, attrs: &mut Vec<syn::Attribute>) {
            move_schemars_derive(attrs);
        }
    }
    syn::visit_mut::VisitMut::visit_file_mut(&mut Visitor, file);
}

fn move_schemars_derive(attrs: &mut Vec<syn::Attribute>) {
    use syn::punctuated::Punctuated;

    let is_schemars = |path: &syn::Path| {
        let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        segments == ["schemars", "JsonSchema"]
    };
    let mut found = false;
    for attr in attrs.iter_mut() {
        if !attr.path().is_ident("derive") {
            continue;
        }
        let Ok(derives) =
            attr.parse_args_with(Punctuated::<syn::Path, syn::Token![,]>::parse_terminated)
        else {
            continue;
        };
        if !derives.iter().any(is_schemars) {
            continue;
        }
        found = true;
        let kept: Vec<&syn::Path> = derives.iter().filter(|p| !is_schemars(p)).collect();
        *attr = syn::parse_quote!(#[derive(#(#kept),*)]);
    }
    if found {
        attrs.push(
            syn::parse_quote!(#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemars_derive_moves_behind_the_feature() {
        let mut file: syn::File = syn::parse_quote! {
            pub mod types {
                #[derive(Clone, schemars::JsonSchema, Debug)]
                pub struct A;
                #[derive(Clone)]
                pub enum B { X }
            }
        };
        schemars_behind_feature(&mut file);
        let text = prettyplease::unparse(&file);
        assert!(text.contains("#[derive(Clone, Debug)]\n    #[cfg_attr(feature = \"schemars\", derive(schemars::JsonSchema))]\n    pub struct A;"), "{text}");
        assert_eq!(text.matches("cfg_attr").count(), 1, "{text}");
    }
}

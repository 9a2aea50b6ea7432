//! Items as one line of text: a signature, the derives, tokens squashed
//! to single spaces.

use quote::ToTokens;

/// `pub fn owner::name(args) -> Out`: the signature under its public path.
pub(super) fn fn_line(owner: &str, sig: &syn::Signature, name: &str) -> String {
    let mut sig = sig.clone();
    sig.ident = syn::Ident::new(name, sig.ident.span());
    let text = one_line(&sig);
    let named = format!("fn {name}");
    format!(
        "pub {}",
        text.replacen(&named, &format!("fn {owner}::{name}"), 1)
    )
}

/// `derives: Clone, Debug` (with `cfg_attr` ones as written), or nothing.
pub(super) fn derives(attrs: &[syn::Attribute]) -> String {
    let mut found = Vec::new();
    for attr in attrs {
        if attr.path().is_ident("derive") {
            if let syn::Meta::List(list) = &attr.meta {
                found.push(squash(&list.tokens.to_string()));
            }
        } else if attr.path().is_ident("cfg_attr")
            && attr.meta.to_token_stream().to_string().contains("derive")
        {
            found.push(squash(&attr.meta.to_token_stream().to_string()));
        }
    }
    if found.is_empty() {
        String::new()
    } else {
        format!(" derives: {}", found.join(", "))
    }
}

/// `#[non_exhaustive] ` when the item is, so the listing shows which
/// types may grow without a breaking change.
pub(super) fn non_exhaustive(attrs: &[syn::Attribute]) -> &'static str {
    if attrs.iter().any(|a| a.path().is_ident("non_exhaustive")) {
        "#[non_exhaustive] "
    } else {
        ""
    }
}

/// Tokens as one line, with the spaces `quote` puts around punctuation
/// taken out where Rust would not write them.
pub(super) fn one_line(tokens: &impl ToTokens) -> String {
    squash(&tokens.to_token_stream().to_string())
}

pub(super) fn squash(text: &str) -> String {
    let mut out = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for (from, to) in [
        (" :: ", "::"),
        (":: ", "::"),
        (" ::", "::"),
        (" < ", "<"),
        ("< ", "<"),
        (" >", ">"),
        (" ,", ","),
        ("& ", "&"),
        (" (", "("),
        ("( ", "("),
        (" )", ")"),
        (" ;", ";"),
        ("# [", "#["),
        ("[ ", "["),
        (" ]", "]"),
        (" ?", "?"),
        (" : ", ": "),
        (" <", "<"),
        (",::", ", ::"),
        ("' ", "'"),
    ] {
        out = out.replace(from, to);
    }
    // `mut` on a parameter binding is the body's business, not the API's.
    out = out
        .replace("(mut ", "(")
        .replace(", mut ", ", ")
        .replace(",)", ")");
    out.replace("->", " -> ")
        .replace("  ", " ")
        .replace("- >", "->")
        .replace("fn(", "fn (")
        .replace("fn (", "fn(")
}

//! A plain-text listing of a crate's public API, read from its source with
//! syn: every public item reachable from the crate root (through public
//! modules and `pub use`), with its full signature and derives, one per
//! line, sorted. `cargo xtask api` writes it beside each crate so a review
//! sees what a change does to the API (and `cargo xtask codegen` prints
//! the generated bindings' API diff); the generated bindings are listed
//! from the text the generator would write, so a spec change shows its API
//! diff before anything is compiled.
//!
//! It reads what the source says, not what the compiler derives: items
//! behind `#[cfg(test)]` are left out, other `cfg`s are kept and shown.

mod export;
mod text;

use std::collections::{BTreeMap, BTreeSet};

use quote::ToTokens;
use syn::{Item, Visibility};

use export::export_module;

/// Where the listing reads a crate's source: the text of a file below
/// `src/` by its path there (`lib.rs`, `client.rs`, `a/b.rs`).
pub trait Source {
    /// The file's text, or `None` when there is no such file.
    fn read(&self, path: &str) -> Option<String>;
}

impl<F: Fn(&str) -> Option<String>> Source for F {
    fn read(&self, path: &str) -> Option<String> {
        self(path)
    }
}

/// A module: its items, and where it sits.
struct Module {
    items: Vec<Item>,
}

/// The crate's modules by path (`[]` is the root).
struct Crate {
    name: String,
    modules: BTreeMap<Vec<String>, Module>,
}

/// Lists the public API of the crate `name` whose `src/` is `source`.
pub fn public_api(name: &str, source: &dyn Source) -> Result<Vec<String>, String> {
    let mut krate = Crate {
        name: name.to_string(),
        modules: BTreeMap::new(),
    };
    load(&mut krate, source, Vec::new(), "lib.rs")?;
    let mut lines = BTreeSet::new();
    export_module(&krate, &[], &[name.to_string()], &mut lines, 0);
    Ok(lines.into_iter().collect())
}

fn is_test_only(attrs: &[syn::Attribute]) -> bool {
    attrs
        .iter()
        .any(|a| a.path().is_ident("cfg") && a.meta.to_token_stream().to_string().contains("test"))
}

/// Parses a module file and the files of its `mod x;` children.
fn load(
    krate: &mut Crate,
    source: &dyn Source,
    path: Vec<String>,
    file: &str,
) -> Result<(), String> {
    let text = source
        .read(file)
        .ok_or_else(|| format!("{}: src/{file} is missing", krate.name))?;
    let parsed = syn::parse_file(&text).map_err(|e| format!("{}: src/{file}: {e}", krate.name))?;
    load_items(krate, source, path, parsed.items)
}

fn load_items(
    krate: &mut Crate,
    source: &dyn Source,
    path: Vec<String>,
    items: Vec<Item>,
) -> Result<(), String> {
    let items: Vec<Item> = items
        .into_iter()
        .filter(|item| !is_test_only(item_attrs(item)))
        .collect();
    for item in &items {
        if let Item::Mod(module) = item {
            let mut child = path.clone();
            child.push(module.ident.to_string());
            match &module.content {
                Some((_, inner)) => load_items(krate, source, child, inner.clone())?,
                None => {
                    let dir = child.join("/");
                    let flat = format!("{dir}.rs");
                    let nested = format!("{dir}/mod.rs");
                    let file = if source.read(&flat).is_some() {
                        flat
                    } else {
                        nested
                    };
                    load(krate, source, child, &file)?;
                }
            }
        }
    }
    krate.modules.insert(path, Module { items });
    Ok(())
}

fn item_attrs(item: &Item) -> &[syn::Attribute] {
    match item {
        Item::Const(i) => &i.attrs,
        Item::Enum(i) => &i.attrs,
        Item::Fn(i) => &i.attrs,
        Item::Impl(i) => &i.attrs,
        Item::Mod(i) => &i.attrs,
        Item::Static(i) => &i.attrs,
        Item::Struct(i) => &i.attrs,
        Item::Trait(i) => &i.attrs,
        Item::Type(i) => &i.attrs,
        Item::Use(i) => &i.attrs,
        _ => &[],
    }
}

fn item_name(item: &Item) -> Option<String> {
    Some(match item {
        Item::Const(i) => i.ident.to_string(),
        Item::Enum(i) => i.ident.to_string(),
        Item::Fn(i) => i.sig.ident.to_string(),
        Item::Mod(i) => i.ident.to_string(),
        Item::Static(i) => i.ident.to_string(),
        Item::Struct(i) => i.ident.to_string(),
        Item::Trait(i) => i.ident.to_string(),
        Item::Type(i) => i.ident.to_string(),
        _ => return None,
    })
}

fn is_pub(vis: &Visibility) -> bool {
    matches!(vis, Visibility::Public(_))
}

fn item_is_pub(item: &Item) -> bool {
    match item {
        Item::Const(i) => is_pub(&i.vis),
        Item::Enum(i) => is_pub(&i.vis),
        Item::Fn(i) => is_pub(&i.vis),
        Item::Mod(i) => is_pub(&i.vis),
        Item::Static(i) => is_pub(&i.vis),
        Item::Struct(i) => is_pub(&i.vis),
        Item::Trait(i) => is_pub(&i.vis),
        Item::Type(i) => is_pub(&i.vis),
        Item::Use(i) => is_pub(&i.vis),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(list: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: BTreeMap<String, String> = list
            .iter()
            .map(|(p, t)| (p.to_string(), t.to_string()))
            .collect();
        move |path: &str| map.get(path).cloned()
    }

    #[test]
    fn lists_reexports_methods_fields_and_leaves_out_private_and_test_items() {
        let source = files(&[
            (
                "lib.rs",
                "mod inner; pub mod open; pub use inner::{Thing, helper as aid}; pub use other_crate::Foreign; #[cfg(test)] pub fn test_only() {}",
            ),
            (
                "inner.rs",
                "#[derive(Debug, Clone)] pub struct Thing { pub size: u32, hidden: u8 } impl Thing { pub fn new(size: u32) -> Self { Self { size, hidden: 0 } } fn private(&self) {} } impl std::fmt::Display for Thing { fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { Ok(()) } } pub fn helper(x: &str) -> Option<&str> { None } pub fn unexported() {}",
            ),
            (
                "open.rs",
                "pub enum Mode { On, Off(u8) } pub(crate) fn internal() {}",
            ),
        ]);
        let listing = public_api("demo", &source).expect("lists");
        assert_eq!(
            listing,
            vec![
                "impl std::fmt::Display for demo::Thing",
                "pub demo::Thing.size: u32",
                "pub demo::open::Mode::Off(u8)",
                "pub demo::open::Mode::On",
                "pub enum demo::open::Mode",
                "pub fn demo::Thing::new(size: u32) -> Self",
                "pub fn demo::aid(x: &str) -> Option<&str>",
                "pub mod demo::open",
                "pub struct demo::Thing derives: Debug, Clone",
                "pub use other_crate::Foreign (at demo)",
            ]
        );
    }
}

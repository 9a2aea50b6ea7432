//! What a module exports: its public items, its `pub use`s resolved to
//! where they lead, and the methods of public types, each as one line.

use std::collections::BTreeSet;

use syn::{ImplItem, Item, UseTree};

use super::text::{derives, fn_line, non_exhaustive, one_line};
use super::{Crate, Module, is_pub, is_test_only, item_attrs, item_is_pub, item_name};

/// Lists every public item of `module` under the public path `at`.
pub(super) fn export_module(
    krate: &Crate,
    module: &[String],
    at: &[String],
    out: &mut BTreeSet<String>,
    depth: usize,
) {
    // Re-exports can form cycles only by mistake; stop well before that.
    if depth > 16 {
        return;
    }
    let Some(m) = krate.modules.get(module) else {
        return;
    };
    for item in m.items.iter().filter(|i| item_is_pub(i)) {
        match item {
            Item::Use(u) => {
                for (path, name) in use_leaves(&u.tree, Vec::new()) {
                    export_use(krate, module, &path, name.as_deref(), at, out, depth);
                }
            }
            _ => {
                if let Some(name) = item_name(item) {
                    export_item(krate, module, item, &name, at, out, depth);
                }
            }
        }
    }
}

/// Each path a `use` tree names, with its rename (`None` for a glob).
pub(super) fn use_leaves(
    tree: &UseTree,
    prefix: Vec<String>,
) -> Vec<(Vec<String>, Option<String>)> {
    match tree {
        UseTree::Path(p) => {
            let mut prefix = prefix;
            prefix.push(p.ident.to_string());
            use_leaves(&p.tree, prefix)
        }
        UseTree::Name(n) => {
            let mut path = prefix;
            path.push(n.ident.to_string());
            let name = n.ident.to_string();
            vec![(path, Some(name))]
        }
        UseTree::Rename(r) => {
            let mut path = prefix;
            path.push(r.ident.to_string());
            vec![(path, Some(r.rename.to_string()))]
        }
        UseTree::Glob(_) => vec![(prefix, None)],
        UseTree::Group(g) => g
            .items
            .iter()
            .flat_map(|t| use_leaves(t, prefix.clone()))
            .collect(),
    }
}

/// Resolves a `use` path seen in `module` to a module of this crate and
/// the rest of the path, or `None` when it leads outside the crate.
pub(super) fn resolve(krate: &Crate, module: &[String], path: &[String]) -> Option<Vec<String>> {
    let (mut base, rest): (Vec<String>, &[String]) = match path.first().map(String::as_str) {
        Some("crate") => (Vec::new(), &path[1..]),
        Some("self") => (module.to_vec(), &path[1..]),
        Some("super") => (
            module[..module.len().saturating_sub(1)].to_vec(),
            &path[1..],
        ),
        Some(first) => {
            let mut child = module.to_vec();
            child.push(first.to_string());
            let local = krate.modules.contains_key(&child)
                || krate.modules.get(module).is_some_and(|m| {
                    m.items
                        .iter()
                        .any(|i| item_name(i).as_deref() == Some(first))
                });
            if !local {
                return None;
            }
            (module.to_vec(), path)
        }
        None => return None,
    };
    base.extend(rest.iter().cloned());
    Some(base)
}

pub(super) fn export_use(
    krate: &Crate,
    module: &[String],
    path: &[String],
    name: Option<&str>,
    at: &[String],
    out: &mut BTreeSet<String>,
    depth: usize,
) {
    let Some(target) = resolve(krate, module, path) else {
        // A re-export from another crate: named, not described.
        let shown = match name {
            Some(name) if path.last().map(String::as_str) != Some(name) => {
                format!("{} as {name}", path.join("::"))
            }
            Some(_) => path.join("::"),
            None => format!("{}::*", path.join("::")),
        };
        out.insert(format!("pub use {shown} (at {})", at.join("::")));
        return;
    };
    match name {
        None => export_module(krate, &target, at, out, depth + 1),
        Some(name) => {
            let (owner, item) = target.split_at(target.len() - 1);
            let wanted = &item[0];
            let mut child = at.to_vec();
            child.push(name.to_string());
            if krate.modules.contains_key(&target) {
                out.insert(format!("pub mod {}", child.join("::")));
                export_module(krate, &target, &child, out, depth + 1);
                return;
            }
            let Some(m) = krate.modules.get(owner) else {
                return;
            };
            let defined = m.items.iter().any(|item| match item {
                Item::Use(u) => use_leaves(&u.tree, Vec::new())
                    .iter()
                    .any(|(_, rename)| rename.as_deref() == Some(wanted.as_str())),
                _ => item_name(item).as_deref() == Some(wanted.as_str()),
            });
            if !defined {
                // Made by a macro, which this reading does not expand.
                out.insert(format!(
                    "pub {} (made by a macro in {}; not listed in detail)",
                    child.join("::"),
                    owner.join("::")
                ));
                return;
            }
            for item in &m.items {
                match item {
                    Item::Use(u) => {
                        for (path, rename) in use_leaves(&u.tree, Vec::new()) {
                            if rename.as_deref() == Some(wanted.as_str()) {
                                export_use(krate, owner, &path, Some(name), at, out, depth + 1);
                            }
                        }
                    }
                    _ if item_name(item).as_deref() == Some(wanted.as_str()) => {
                        export_item(krate, owner, item, name, at, out, depth);
                    }
                    _ => {}
                }
            }
        }
    }
}

/// One line per public part of `item`, defined in `module`, exported as
/// `at::name`.
pub(super) fn export_item(
    krate: &Crate,
    module: &[String],
    item: &Item,
    name: &str,
    at: &[String],
    out: &mut BTreeSet<String>,
    depth: usize,
) {
    let mut path = at.to_vec();
    path.push(name.to_string());
    let full = path.join("::");
    let derives = derives(item_attrs(item));
    let grows = non_exhaustive(item_attrs(item));
    match item {
        Item::Mod(_) => {
            out.insert(format!("pub mod {full}"));
            let mut inner = module.to_vec();
            inner.push(name.to_string());
            export_module(krate, &inner, &path, out, depth + 1);
        }
        Item::Fn(f) => {
            out.insert(fn_line(&at.join("::"), &f.sig, name));
        }
        Item::Struct(s) => {
            out.insert(format!(
                "{grows}pub struct {full}{}{derives}",
                one_line(&s.generics)
            ));
            for (i, field) in s.fields.iter().enumerate() {
                if is_pub(&field.vis) {
                    let field_name = field
                        .ident
                        .as_ref()
                        .map_or_else(|| i.to_string(), ToString::to_string);
                    out.insert(format!("pub {full}.{field_name}: {}", one_line(&field.ty)));
                }
            }
            export_impls(krate, module, &s.ident.to_string(), &full, out);
        }
        Item::Enum(e) => {
            out.insert(format!(
                "{grows}pub enum {full}{}{derives}",
                one_line(&e.generics)
            ));
            for variant in &e.variants {
                let mut v = variant.clone();
                v.attrs
                    .retain(|a| !a.path().is_ident("doc") && !a.path().is_ident("serde"));
                for field in v.fields.iter_mut() {
                    field.attrs.clear();
                }
                out.insert(format!("pub {full}::{}", one_line(&v)));
            }
            export_impls(krate, module, &e.ident.to_string(), &full, out);
        }
        Item::Trait(t) => {
            out.insert(format!(
                "pub trait {full}{}: {}",
                one_line(&t.generics),
                one_line(&t.supertraits)
            ));
            for inner in &t.items {
                if let syn::TraitItem::Fn(f) = inner {
                    out.insert(fn_line(&full, &f.sig, &f.sig.ident.to_string()));
                }
            }
            export_impls(krate, module, &t.ident.to_string(), &full, out);
        }
        Item::Type(t) => {
            out.insert(format!(
                "pub type {full}{} = {}",
                one_line(&t.generics),
                one_line(&t.ty)
            ));
        }
        Item::Const(c) => {
            out.insert(format!("pub const {full}: {}", one_line(&c.ty)));
        }
        Item::Static(s) => {
            out.insert(format!("pub static {full}: {}", one_line(&s.ty)));
        }
        _ => {}
    }
}

/// The public methods and the trait implementations of the type `ident`
/// defined in `module`, wherever in the crate its impl blocks stand.
pub(super) fn export_impls(
    krate: &Crate,
    module: &[String],
    ident: &str,
    full: &str,
    out: &mut BTreeSet<String>,
) {
    for (at, m) in &krate.modules {
        for item in &m.items {
            let Item::Impl(imp) = item else { continue };
            if is_test_only(&imp.attrs) {
                continue;
            }
            let syn::Type::Path(self_ty) = &*imp.self_ty else {
                continue;
            };
            let segments: Vec<String> = self_ty
                .path
                .segments
                .iter()
                .map(|s| s.ident.to_string())
                .collect();
            let Some((last, owner_path)) = segments.split_last() else {
                continue;
            };
            if last != ident {
                continue;
            }
            // The impl names the type from its own module.
            let owner = if owner_path.is_empty() {
                at.clone()
            } else {
                resolve(krate, at, owner_path).unwrap_or_default()
            };
            if owner != module
                && !(owner_path.is_empty() && at != module && defined_in(krate, module, ident))
            {
                continue;
            }
            match &imp.trait_ {
                // A crate-private trait's impls are not part of the API.
                Some((_, path, _)) if private_trait(krate, path) => {}
                Some((negative, path, _)) => {
                    let bang = if negative.is_some() { "!" } else { "" };
                    out.insert(format!(
                        "impl{} {bang}{} for {full}",
                        one_line(&imp.generics),
                        one_line(path)
                    ));
                }
                None => {
                    for inner in &imp.items {
                        match inner {
                            ImplItem::Fn(f) if is_pub(&f.vis) && !is_test_only(&f.attrs) => {
                                out.insert(fn_line(full, &f.sig, &f.sig.ident.to_string()));
                            }
                            ImplItem::Const(c) if is_pub(&c.vis) => {
                                out.insert(format!(
                                    "pub const {full}::{}: {}",
                                    c.ident,
                                    one_line(&c.ty)
                                ));
                            }
                            _ => {}
                        }
                    }
                }
            }
        }
    }
}

/// True when the trait's name is one the crate defines without `pub`.
pub(super) fn private_trait(krate: &Crate, path: &syn::Path) -> bool {
    let Some(last) = path.segments.last() else {
        return false;
    };
    krate.modules.values().any(|m| {
        m.items
            .iter()
            .any(|i| matches!(i, Item::Trait(t) if t.ident == last.ident && !is_pub(&t.vis)))
    })
}

/// True when `ident` is defined in `module` and nowhere else in the crate,
/// so an impl elsewhere that names it bare (through a `use`) means it.
pub(super) fn defined_in(krate: &Crate, module: &[String], ident: &str) -> bool {
    let defines = |m: &Module| {
        m.items.iter().any(|i| {
            matches!(i, Item::Struct(_) | Item::Enum(_) | Item::Trait(_))
                && item_name(i).as_deref() == Some(ident)
        })
    };
    let owners: Vec<&Vec<String>> = krate
        .modules
        .iter()
        .filter(|(_, m)| defines(m))
        .map(|(p, _)| p)
        .collect();
    owners.len() == 1 && owners[0] == module
}

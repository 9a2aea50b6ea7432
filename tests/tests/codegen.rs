//! The checked-in bindings are exactly what the generator makes of the spec.

use std::path::Path;

#[test]
fn generated_bindings_match_the_spec() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let spec = std::fs::read_to_string(root.join(ivvy_codegen::SPEC_PATH)).expect("spec readable");
    let checked_in = std::fs::read_to_string(root.join(ivvy_codegen::GENERATED_PATH))
        .expect("bindings readable");
    let fresh = ivvy_codegen::generate(&spec).expect("the spec generates");
    assert!(
        fresh == checked_in,
        "{} is stale; run `cargo xtask codegen` and review the diff",
        ivvy_codegen::GENERATED_PATH
    );
    let header =
        ivvy_codegen::Header::read(&checked_in).expect("the generated file has its header");
    assert_eq!(header.spec_sha256, ivvy_codegen::spec_sha256(&spec));
}

#[test]
fn a_spec_edit_changes_the_recorded_hash() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let spec = std::fs::read_to_string(root.join(ivvy_codegen::SPEC_PATH)).expect("spec readable");
    let edited = spec.replacen(
        "Invite contacts to an event",
        "Invite some contacts to an event",
        1,
    );
    assert_ne!(edited, spec, "the edit applies");
    let generated = ivvy_codegen::generate(&edited).expect("the edited spec generates");
    let header = ivvy_codegen::Header::read(&generated).expect("header");
    assert_eq!(header.spec_sha256, ivvy_codegen::spec_sha256(&edited));
    assert_ne!(header.spec_sha256, ivvy_codegen::spec_sha256(&spec));
    assert!(generated.contains("Invite some contacts to an event"));
}

/// The public API listing of `ivvy-api` with its bindings generated from
/// `spec` instead of the checked-in ones.
fn api_listing(spec: &str) -> Vec<String> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates/ivvy-api/src");
    let generated = ivvy_codegen::generate(spec).expect("the spec generates");
    let read = |path: &str| {
        if path == "generated.rs" {
            Some(generated.clone())
        } else {
            std::fs::read_to_string(src.join(path)).ok()
        }
    };
    xtask::api::public_api("ivvy_api", &read).expect("lists")
}

#[test]
fn the_checked_in_listings_are_current() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    for (name, dir) in [("ivvy_api", "crates/ivvy-api"), ("ivvy", "crates/ivvy")] {
        let src = root.join(dir).join("src");
        let read = |path: &str| std::fs::read_to_string(src.join(path)).ok();
        let listing = xtask::api::public_api(name, &read).expect("lists");
        let checked_in = std::fs::read_to_string(root.join(dir).join("public-api.txt"))
            .expect("listing readable");
        assert_eq!(
            checked_in,
            format!("{}\n", listing.join("\n")),
            "{dir}/public-api.txt is stale; run `cargo xtask api`"
        );
    }
}

#[test]
fn adding_and_renaming_a_field_in_the_spec_shows_in_the_listing() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let spec = std::fs::read_to_string(root.join(ivvy_codegen::SPEC_PATH)).expect("spec readable");
    let before = api_listing(&spec);
    let field = "pub ivvy_api::types::InviteResult.invite_link_no: ::std::option::Option<::std::string::String>";
    assert!(before.iter().any(|l| l == field), "{before:#?}");

    // Add a field to a reply.
    let added = spec.replacen(
        "        status:\n          description: Whether the contact was invited.",
        "        note:\n          type: string\n        status:\n          description: Whether the contact was invited.",
        1,
    );
    assert_ne!(added, spec, "the edit applies");
    let after = api_listing(&added);
    let new: Vec<&String> = after.iter().filter(|l| !before.contains(l)).collect();
    assert!(
        new.iter()
            .any(|l| l.starts_with("pub ivvy_api::types::InviteResult.note: ")),
        "{new:#?}"
    );

    // Rename a field: the old name leaves the listing, the new one enters.
    let renamed = spec.replace("inviteLinkNo", "declineLink");
    let after = api_listing(&renamed);
    assert!(!after.iter().any(|l| l == field));
    assert!(
        after
            .iter()
            .any(|l| l.starts_with("pub ivvy_api::types::InviteResult.decline_link: ")),
        "{after:#?}"
    );
}

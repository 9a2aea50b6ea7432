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

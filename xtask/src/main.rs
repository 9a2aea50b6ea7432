//! `cargo xtask codegen [--check]`: regenerate the bindings from the spec, or
//! check that the checked-in bindings are what the spec produces.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use ivvy_codegen::{GENERATED_PATH, Header, MOCK_SPEC_PATH, SPEC_PATH};

const USAGE: &str =
    "usage: cargo xtask codegen [--check] | api [--check] | bench [BENCH] [--runs N]

  codegen           regenerate crates/ivvy-api/src/generated.rs from spec/ivvy.yaml
                    (and the fake server's copy of the spec), printing the API diff
  codegen --check   fail, with a diff, when the generated file is stale
  api               write crates/ivvy-api/public-api.txt and crates/ivvy/public-api.txt
  api --check       fail, with a diff, when a public API listing is stale
  man               write the ivvy command's man page to target/man/ivvy.1
  bench             run the benchmarks in release mode and print every figure and ratio
                    (BENCH: all, per-call, bulk, signing, build, output, limits, quota or batch; default all)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["codegen"] => codegen(false),
        ["codegen", "--check"] => codegen(true),
        ["api"] => api(false),
        ["api", "--check"] => api(true),
        ["bench", rest @ ..] => bench(rest),
        ["man"] => man(),
        ["-h" | "--help" | "help"] => {
            println!("{USAGE}");
            Ok(())
        }
        _ => Err(format!("unknown arguments {args:?}\n\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Runs `ivvy-bench` built with optimisations, passing the arguments on.
fn bench(args: &[&str]) -> Result<(), String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = std::process::Command::new(cargo)
        .args(["run", "--release", "--quiet", "-p", "ivvy-bench", "--"])
        .args(args)
        .current_dir(workspace_root())
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err("the benchmarks failed".into())
    }
}

/// Writes the `ivvy` man page (rendered by the command itself with
/// clap_mangen, so it always matches its flags) to target/man/ivvy.1.
fn man() -> Result<(), String> {
    let root = workspace_root();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = std::process::Command::new(cargo)
        .args(["run", "--quiet", "-p", "ivvy-cli", "--", "manpage"])
        .current_dir(&root)
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "ivvy manpage failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let dir = root.join("target/man");
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let path = dir.join("ivvy.1");
    std::fs::write(&path, &output.stdout)
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    println!(
        "wrote {} (read it with `man {}`)",
        path.display(),
        path.display()
    );
    Ok(())
}

fn workspace_root() -> PathBuf {
    // xtask/ sits directly under the workspace root
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

fn codegen(check: bool) -> Result<(), String> {
    let root = workspace_root();
    let spec_text = read(&root.join(SPEC_PATH))?;
    mock_spec_copy(&root, &spec_text, check)?;
    let fresh = ivvy_codegen::generate(&spec_text).map_err(|e| e.to_string())?;
    let target = root.join(GENERATED_PATH);
    let current = match std::fs::read_to_string(&target) {
        Ok(text) => Some(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(format!("cannot read {}: {e}", target.display())),
    };

    if current.as_deref() == Some(fresh.as_str()) {
        println!("{GENERATED_PATH} is up to date with {SPEC_PATH}");
        return Ok(());
    }
    if !check {
        std::fs::write(&target, &fresh)
            .map_err(|e| format!("cannot write {}: {e}", target.display()))?;
        println!("wrote {GENERATED_PATH} from {SPEC_PATH}");
        // What the new bindings change in ivvy-api's public API.
        let (name, dir) = API_CRATES[0];
        match update_listing(&root, name, dir, false)? {
            Some(diff) => println!("the public API of {name} changed:\n{diff}"),
            None => println!("the public API of {name} is unchanged"),
        }
        return Ok(());
    }

    let Some(current) = current else {
        return Err(format!(
            "{GENERATED_PATH} is missing; run `cargo xtask codegen`"
        ));
    };
    let why = staleness(&current, &spec_text);
    let diff = similar::TextDiff::from_lines(current.as_str(), fresh.as_str())
        .unified_diff()
        .context_radius(3)
        .header(
            &format!("{GENERATED_PATH} (checked in)"),
            &format!("{GENERATED_PATH} (from {SPEC_PATH})"),
        )
        .to_string();
    Err(format!(
        "{GENERATED_PATH} is stale: {why}.\nRun `cargo xtask codegen` and commit the result.\n\n{diff}"
    ))
}

/// The crates whose public API is listed, with their folders.
const API_CRATES: [(&str, &str); 2] = [("ivvy-api", "crates/ivvy-api"), ("ivvy", "crates/ivvy")];

/// Writes (or with `check`, compares) every public API listing.
fn api(check: bool) -> Result<(), String> {
    let root = workspace_root();
    let mut stale = Vec::new();
    for (name, dir) in API_CRATES {
        match update_listing(&root, name, dir, check)? {
            Some(diff) if check => stale.push(format!("{dir}/public-api.txt is stale:\n{diff}")),
            Some(diff) => println!("wrote {dir}/public-api.txt:\n{diff}"),
            None => println!("{dir}/public-api.txt is up to date"),
        }
    }
    if stale.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{}\nRun `cargo xtask api` and commit the result.",
            stale.join("\n")
        ))
    }
}

/// Lists the crate's public API from its source; returns the diff against
/// the checked-in listing when they differ, writing the new one unless
/// `check`.
fn update_listing(
    root: &Path,
    name: &str,
    dir: &str,
    check: bool,
) -> Result<Option<String>, String> {
    let src = root.join(dir).join("src");
    let read = |path: &str| std::fs::read_to_string(src.join(path)).ok();
    let crate_name = name.replace('-', "_");
    let listing = xtask::api::public_api(&crate_name, &read)?;
    let fresh = format!("{}\n", listing.join("\n"));
    let target = root.join(dir).join("public-api.txt");
    let current = std::fs::read_to_string(&target).unwrap_or_default();
    if current == fresh {
        return Ok(None);
    }
    let diff = similar::TextDiff::from_lines(current.as_str(), fresh.as_str())
        .unified_diff()
        .context_radius(0)
        .header("checked in", "from the source")
        .to_string();
    if !check {
        std::fs::write(&target, &fresh)
            .map_err(|e| format!("cannot write {}: {e}", target.display()))?;
    }
    Ok(Some(diff))
}

/// Keeps the fake server's copy of the spec identical to the spec: writes
/// it, or with `check` fails when it differs.
fn mock_spec_copy(root: &Path, spec_text: &str, check: bool) -> Result<(), String> {
    let target = root.join(MOCK_SPEC_PATH);
    if std::fs::read_to_string(&target).ok().as_deref() == Some(spec_text) {
        return Ok(());
    }
    if check {
        return Err(format!(
            "{MOCK_SPEC_PATH} differs from {SPEC_PATH}; run `cargo xtask codegen` and commit the result"
        ));
    }
    std::fs::write(&target, spec_text)
        .map_err(|e| format!("cannot write {}: {e}", target.display()))?;
    println!("copied {SPEC_PATH} to {MOCK_SPEC_PATH}");
    Ok(())
}

/// Says why the checked-in file differs, using the spec hash in its header.
fn staleness(current: &str, spec_text: &str) -> String {
    let now = Header::for_spec(spec_text);
    match Header::read(current) {
        None => "it has no generation header (was it written by hand?)".to_string(),
        Some(recorded) if recorded != now => format!(
            "the spec changed since generation (generated from sha256 {}, {SPEC_PATH} is now sha256 {})",
            recorded.spec_sha256, now.spec_sha256
        ),
        Some(_) => "the spec is unchanged, so the file was edited by hand or the generator changed"
            .to_string(),
    }
}

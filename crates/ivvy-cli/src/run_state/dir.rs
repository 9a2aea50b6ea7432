//! Where `ivvy invite` keeps its state on this machine, and what it calls
//! an account there. Belongs here: finding the state folder, creating it
//! private, opening its files safely, and the account's name. What the
//! files hold is `journal`'s and `lock`'s.
//!
//! - The folder is `--state-dir`, else `ivvy/` in the user's state
//!   directory (`$XDG_STATE_HOME`, else `~/.local/state`; the local data
//!   directory on other systems). It is created with mode 0700; files in
//!   it are created with mode 0600 and opened without following a
//!   symbolic link (`O_NOFOLLOW`), so nobody can point them elsewhere.
//! - An account is named by its canonical host and the API key's SHA-256
//!   (never the key itself): `http://LOCALHOST.:80/`, `http://127.0.0.1`
//!   and `http://[::1]:80` are one account for one key, so two spellings
//!   of one URL share a lock and a journal.

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::error::CliError;

/// The state folder: `given` (`--state-dir`), else the user's. `None`
/// when the user has none (no home directory, as in many containers).
pub fn folder(given: Option<&Path>) -> Option<PathBuf> {
    if let Some(dir) = given {
        return Some(dir.to_path_buf());
    }
    let dirs = directories::ProjectDirs::from("", "", "ivvy")?;
    Some(
        dirs.state_dir()
            .unwrap_or_else(|| dirs.data_local_dir())
            .to_path_buf(),
    )
}

/// The state folder, created private; a clear error when there is none
/// or it cannot be made.
pub fn ready_folder(given: Option<&Path>) -> Result<PathBuf, CliError> {
    let dir = folder(given).ok_or_else(|| {
        CliError::Input(
            "no state directory: this user has no home directory; give --state-dir DIR \
             (where the journal and the run lock are kept), or --no-journal"
                .into(),
        )
    })?;
    create_private(&dir).map_err(|e| {
        CliError::Input(format!(
            "cannot use the state directory {}: {e}; give --state-dir DIR, or --no-journal",
            dir.display()
        ))
    })?;
    Ok(dir)
}

/// Creates `dir` and its missing parents, the last with mode 0700.
fn create_private(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Opens a state file with `options`, creating it with mode 0600, never
/// through a symbolic link.
pub fn open(path: &Path, options: &mut OpenOptions) -> std::io::Result<File> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600).custom_flags(libc::O_NOFOLLOW);
    }
    options.open(path)
}

/// The account's name for file names: `{host}-{port}-{key hash}`, with the
/// host canonical (lower case, no trailing dot, `loopback` for every
/// loopback name and address) and the port made explicit.
pub fn account_name(base_url: &str, api_key: &str) -> String {
    let (host, port) = canonical_host(base_url);
    let hash = Sha256::digest(api_key.as_bytes());
    let key: String = hash[..6].iter().map(|b| format!("{b:02x}")).collect();
    format!("{host}-{port}-{key}")
}

/// The host and port as one account is reached, whatever the spelling.
fn canonical_host(base_url: &str) -> (String, u16) {
    let Ok(url) = url::Url::parse(base_url) else {
        // Not a URL (the client refuses it anyway): a safe name of it.
        return (file_safe(base_url), 0);
    };
    let port = url.port_or_known_default().unwrap_or(0);
    let host = match url.host() {
        Some(url::Host::Ipv4(ip)) if ip.is_loopback() => "loopback".to_string(),
        Some(url::Host::Ipv6(ip)) if ip.is_loopback() => "loopback".to_string(),
        Some(url::Host::Ipv6(ip)) => file_safe(&ip.to_string()),
        Some(url::Host::Ipv4(ip)) => ip.to_string(),
        Some(url::Host::Domain(name)) => {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            if name == "localhost" || name.ends_with(".localhost") {
                "loopback".to_string()
            } else {
                file_safe(&name)
            }
        }
        None => "no-host".to_string(),
    };
    (host, port)
}

fn file_safe(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_account_whatever_the_spelling_of_its_url() {
        let name = account_name("http://127.0.0.1:8080", "key");
        for url in [
            "http://localhost:8080",
            "http://LOCALHOST.:8080/",
            "http://127.0.0.2:8080/api",
            "http://[::1]:8080",
        ] {
            assert_eq!(account_name(url, "key"), name, "{url}");
        }
        assert_eq!(
            account_name("https://API.ivvy.com.", "key"),
            account_name("https://api.ivvy.com:443/", "key")
        );
        assert_ne!(account_name("http://localhost:8081", "key"), name);
        assert_ne!(account_name("http://localhost:8080", "other key"), name);
    }

    #[test]
    fn the_name_is_safe_for_a_file_and_holds_no_key() {
        let name = account_name("https://api.ap-southeast-2.ivvy.com", "SECRETKEY");
        assert!(
            name.starts_with("api.ap-southeast-2.ivvy.com-443-"),
            "{name}"
        );
        assert!(!name.contains("SECRETKEY"));
        assert!(
            name.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
        );
    }

    #[cfg(unix)]
    #[test]
    fn files_are_private_and_links_are_not_followed() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("ivvy-state-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let state = ready_folder(Some(&dir.join("state"))).expect("made");
        let mode = std::fs::metadata(&state)
            .expect("meta")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o700);
        let file = state.join("f");
        open(&file, OpenOptions::new().create(true).append(true)).expect("opens");
        let mode = std::fs::metadata(&file).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let target = dir.join("target");
        std::fs::write(&target, "keep").expect("writes");
        let link = state.join("link");
        std::os::unix::fs::symlink(&target, &link).expect("links");
        let opened = open(&link, OpenOptions::new().create(true).write(true));
        assert!(opened.is_err(), "a link is not followed");
        assert_eq!(std::fs::read_to_string(&target).expect("reads"), "keep");
        let _ = std::fs::remove_dir_all(&dir);
    }
}

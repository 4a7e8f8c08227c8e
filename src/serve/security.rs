//! What keeps the page local: the Host and Origin a request may carry, the per-page token, and
//! the files it may read and write (only scenario files directly in the folder served, no link
//! out of it, never overwriting).

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use crate::diagnostic::InputError;

/// Bytes of randomness in a page's token.
const TOKEN_BYTES: usize = 16;

/// Longest name of a saved scenario, without `.toml`.
pub const MAX_NAME: usize = 64;

/// A fresh token from the operating system's random source, in hex.
pub fn token() -> String {
    let mut b = [0u8; TOKEN_BYTES];
    getrandom::fill(&mut b).expect("the operating system's random source");
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Whether `host` (a Host header) names the server: `localhost` or an IP address (never another
/// DNS name, which a rebinding attack would use), with the port the server listens on.
pub fn host_allowed(host: &str, bound: SocketAddr) -> bool {
    let (name, port) = match host.rsplit_once(':') {
        Some((n, p)) if !n.ends_with(':') || n.starts_with('[') => (n, p),
        _ => return false,
    };
    if port.parse::<u16>() != Ok(bound.port()) {
        return false;
    }
    let name = name.trim_start_matches('[').trim_end_matches(']');
    if name.eq_ignore_ascii_case("localhost") {
        return bound.ip().is_loopback() || bound.ip().is_unspecified();
    }
    match name.parse::<std::net::IpAddr>() {
        Ok(ip) => {
            ip == bound.ip()
                || bound.ip().is_unspecified()
                || ip.is_loopback() && bound.ip().is_loopback()
        }
        Err(_) => false,
    }
}

/// Whether an Origin header is the page's own (`http://` and the request's Host).
pub fn origin_allowed(origin: &str, host: &str) -> bool {
    origin
        .strip_prefix("http://")
        .is_some_and(|o| o.eq_ignore_ascii_case(host))
}

/// The folder served, resolved (links followed once, here): every file must lie directly in it.
pub fn root(dir: &Path) -> Result<PathBuf, InputError> {
    let d = dir.display().to_string();
    let root = dir.canonicalize().map_err(|e| {
        InputError::file(d.clone(), format!("cannot open the folder to serve: {e}"))
            .help("name a folder that holds scenario files, e.g. revsim serve scenarios")
    })?;
    if !root.is_dir() {
        return Err(InputError::file(d, "is not a folder")
            .help("name the folder that holds the scenario files, e.g. revsim serve scenarios"));
    }
    Ok(root)
}

/// Whether `name` is a plain file name of a scenario: no folder, no hidden file, `.toml`.
fn plain_toml(name: &str) -> bool {
    name.ends_with(".toml")
        && !name.starts_with('.')
        && !name.contains(['/', '\\', '\0'])
        && name.len() <= MAX_NAME + 5
}

/// The scenario file `name` directly in `root`: refused unless it is a regular `.toml` file
/// whose resolved path is still in `root` (no traversal, no link out). Returned under `given`,
/// the folder as the user named it, so that messages name the file as the command line would.
pub fn scenario_path(root: &Path, given: &Path, name: &str) -> Result<PathBuf, InputError> {
    let refuse = |why: &str| {
        InputError::file(name.to_string(), why.to_string())
            .help("choose a scenario from the list: the page serves the .toml files of its folder")
    };
    if !plain_toml(name) {
        return Err(refuse(
            "is not the name of a scenario file in the folder served",
        ));
    }
    let real = root
        .join(name)
        .canonicalize()
        .map_err(|_| refuse("no such scenario file in the folder served"))?;
    if real.parent() != Some(root) || !real.is_file() {
        return Err(refuse("is a link to a file outside the folder served"));
    }
    // `revsim serve` in the scenarios' own folder names them as `revsim run NAME` would.
    if given == Path::new(".") {
        Ok(PathBuf::from(name))
    } else {
        Ok(given.join(name))
    }
}

/// The scenario files directly in `root`, by name (links that lead out of it left out).
pub fn list(root: &Path) -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(root)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| scenario_path(root, root, n).is_ok())
        .collect();
    out.sort();
    out
}

/// Checks the name of a new scenario: letters, digits, `-` and `_`, at most [`MAX_NAME`].
pub fn new_name(name: &str) -> Result<String, InputError> {
    let stem = name.strip_suffix(".toml").unwrap_or(name);
    let ok = !stem.is_empty()
        && stem.len() <= MAX_NAME
        && !stem.starts_with('-')
        && stem
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !ok {
        return Err(InputError::file(
            name.to_string(),
            "is not a name for a new scenario file",
        )
        .help(format!(
            "use letters, digits, - and _ (at most {MAX_NAME}), e.g. hire-faster; the file is saved beside the scenario it extends"
        )));
    }
    Ok(format!("{stem}.toml"))
}

/// Writes `text` to the new file `name` in `root`, never replacing a file or following a link
/// (`create_new`: the name must be free).
pub fn create(root: &Path, name: &str, text: &str) -> Result<PathBuf, InputError> {
    let file = new_name(name)?;
    let path = root.join(&file);
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .map_err(|e| {
            let msg = if e.kind() == std::io::ErrorKind::AlreadyExists {
                "already exists: saving never replaces a file".to_string()
            } else {
                format!("cannot be written: {e}")
            };
            InputError::file(file.clone(), msg).help("choose another name")
        })?;
    f.write_all(text.as_bytes())
        .and_then(|()| f.sync_all())
        .map_err(|e| InputError::file(file.clone(), format!("cannot be written: {e}")))?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_servers_own_names_pass_as_host() {
        let local: SocketAddr = "127.0.0.1:8707".parse().unwrap();
        assert!(host_allowed("127.0.0.1:8707", local));
        assert!(host_allowed("localhost:8707", local));
        assert!(!host_allowed("localhost:8708", local));
        assert!(!host_allowed("evil.example:8707", local));
        assert!(!host_allowed("127.0.0.1", local));
        assert!(!host_allowed("10.0.0.2:8707", local));
        let v6: SocketAddr = "[::1]:8707".parse().unwrap();
        assert!(host_allowed("[::1]:8707", v6));
        assert!(origin_allowed("http://localhost:8707", "localhost:8707"));
        assert!(!origin_allowed("http://evil.example", "localhost:8707"));
        assert!(!origin_allowed("null", "localhost:8707"));
    }

    #[test]
    fn new_names_stay_in_the_folder() {
        assert_eq!(new_name("hire-faster").unwrap(), "hire-faster.toml");
        assert_eq!(new_name("q3_plan.toml").unwrap(), "q3_plan.toml");
        for bad in ["../x", "a/b", "", ".hidden", "-x", "a b", "x.toml.toml"] {
            assert!(new_name(bad).is_err(), "{bad}");
        }
    }
}

//! Paths inside an output folder: folders that are real folders, never links, and revsim's own
//! files opened without following a link.

use std::fs::{self, File, OpenOptions};
use std::path::{Component, Path, PathBuf};

use crate::diagnostic::InputError;

/// `root/rel` as a real folder: each folder on the way below `root` is made if missing, and
/// refused if it is a symbolic link (revsim makes none, so one there was put by someone else,
/// and following it would write outside the output folder) or not a folder. `root` itself, the
/// folder the user named, may be a link.
pub(super) fn real_dirs(root: &Path, rel: &Path) -> Result<PathBuf, InputError> {
    let mut path = root.to_path_buf();
    for c in rel.components() {
        match c {
            Component::CurDir => continue,
            Component::Normal(name) => path.push(name),
            _ => {
                return Err(InputError::file(
                    rel.display().to_string(),
                    "is not a folder inside the output directory",
                ));
            }
        }
        real_dir(&path)?;
    }
    Ok(path)
}

/// Checks that `path` is a real folder, or makes it.
fn real_dir(path: &Path) -> Result<(), InputError> {
    // Twice at most: a folder made meanwhile (by another shard) is checked again.
    for _ in 0..2 {
        match fs::symlink_metadata(path) {
            Ok(m) if m.file_type().is_symlink() => return Err(link_error(path)),
            Ok(m) if m.is_dir() => return Ok(()),
            Ok(_) => {
                return Err(InputError::file(
                    path.display().to_string(),
                    "the output path exists and is not a directory",
                )
                .help("move the file away, or choose another --out"));
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => match fs::create_dir(path) {
                Ok(()) => return Ok(()),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(create_error(path, e)),
            },
            Err(e) => return Err(create_error(path, e)),
        }
    }
    Err(create_error(
        path,
        std::io::Error::from(std::io::ErrorKind::AlreadyExists),
    ))
}

fn create_error(path: &Path, e: std::io::Error) -> InputError {
    InputError::file(
        path.display().to_string(),
        format!("cannot create the output directory: {e}"),
    )
    .help("check the path and your permissions, or choose another --out")
}

/// The error for a symbolic link where revsim would make or use a folder or one of its own
/// files.
pub(super) fn link_error(path: &Path) -> InputError {
    let to = fs::read_link(path)
        .map(|t| format!(" (to {})", t.display()))
        .unwrap_or_default();
    InputError::file(
        path.display().to_string(),
        format!(
            "is a symbolic link{to}; revsim writes only into folders it made, never through a link"
        ),
    )
    .help("remove the link (what it points to is left alone), or choose another --out")
}

/// Opens one of revsim's own files (in `.revsim/`) with `options`, refusing a symbolic link in
/// its place (and, on Unix, never following one that appears meanwhile: `O_NOFOLLOW`). The
/// outer error is the link; the inner one, the opening.
pub(super) fn open_own(
    path: &Path,
    options: &mut OpenOptions,
) -> Result<std::io::Result<File>, InputError> {
    if fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(link_error(path));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW);
    }
    Ok(options.open(path))
}

/// Whether `name` is one of revsim's temporary files: `.<file>.tmp-<host>-<pid>-<time>-<n>`
/// (see `temp_tag`), with the host's ASCII letters, digits and `-`, the pid and the count in
/// decimal digits, the time in hex. A user's file that merely looks alike is not.
pub(super) fn is_temporary(name: &str) -> bool {
    let Some(i) = name.rfind(".tmp-") else {
        return false;
    };
    if !name.starts_with('.') || i < 2 {
        return false;
    }
    let mut parts = name[i + ".tmp-".len()..].rsplitn(4, '-');
    let (Some(n), Some(time), Some(pid), Some(host)) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    digits(n)
        && digits(pid)
        && !time.is_empty()
        && time.bytes().all(|b| b.is_ascii_hexdigit())
        && host.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// How deep below an output folder revsim writes: `origins/2024-07/scenario.toml` is two
/// folders down.
const DEPTH: usize = 2;

/// Removes the temporary files that a killed process left in `root` and the folders revsim
/// makes in it (down to [`DEPTH`]; revsim's own `.revsim/` aside), without following links.
/// Called with the folder held alone, when no other revsim process writes there; a file that
/// cannot be removed is left (and not counted among the folder's files).
pub(super) fn remove_temporaries(root: &Path) {
    let mut stack = vec![(root.to_path_buf(), 0)];
    while let Some((dir, depth)) = stack.pop() {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.filter_map(Result::ok) {
            let Ok(kind) = e.file_type() else { continue };
            let name = e.file_name();
            if kind.is_dir() {
                if depth < DEPTH && !(depth == 0 && name == super::BOOKKEEPING) {
                    stack.push((e.path(), depth + 1));
                }
            } else if kind.is_file() && is_temporary(&name.to_string_lossy()) {
                let _ = fs::remove_file(e.path());
            }
        }
    }
}

//! Paths inside an output folder: revsim's own files, opened without following a link.

use std::fs::{self, File, OpenOptions};
use std::path::Path;

use crate::diagnostic::InputError;

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

//! The output directory: refusing to clobber, and atomic file writes.
//!
//! Every file is written to a hidden temporary file in the same directory and renamed into
//! place once complete, so a run that fails or is interrupted never leaves a half-written file.
//! A directory that already holds files is refused unless the user passes `--force`.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::scenario::InputError;

/// A prepared output directory.
#[derive(Debug, Clone)]
pub struct OutputDir {
    path: PathBuf,
}

impl OutputDir {
    /// Creates `path` (and parents) if needed; refuses a non-empty directory without `force`.
    pub fn prepare(path: &Path, force: bool) -> Result<OutputDir, InputError> {
        let shown = path.display().to_string();
        if path.exists() {
            if !path.is_dir() {
                return Err(InputError::file(
                    &shown,
                    "the output path exists and is not a directory",
                )
                .help("choose another --out directory"));
            }
            let entries = fs::read_dir(path)
                .map_err(|e| {
                    InputError::file(&shown, format!("cannot read the output directory: {e}"))
                })?
                .filter_map(Result::ok)
                .count();
            if entries > 0 && !force {
                return Err(InputError::file(
                    &shown,
                    format!("the output directory already holds {entries} file(s); refusing to overwrite them"),
                )
                .help("pass --force to replace its files, or choose another directory with --out"));
            }
        } else {
            fs::create_dir_all(path).map_err(|e| {
                InputError::file(&shown, format!("cannot create the output directory: {e}"))
                    .help("check the path and your permissions, or choose another --out")
            })?;
        }
        Ok(OutputDir {
            path: path.to_path_buf(),
        })
    }

    /// An existing directory, used as it is (for single-file writes such as `revsim init`).
    pub fn existing(path: &Path) -> OutputDir {
        OutputDir {
            path: path.to_path_buf(),
        }
    }

    /// A sub-directory (created if needed) whose files are written the same way.
    pub fn subdir(&self, name: &str) -> Result<OutputDir, InputError> {
        let path = self.path.join(name);
        fs::create_dir_all(&path).map_err(|e| {
            InputError::file(
                path.display().to_string(),
                format!("cannot create the output directory: {e}"),
            )
            .help("check the path and your permissions, or choose another --out")
        })?;
        Ok(OutputDir { path })
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes `name` atomically with the bytes produced by `fill`.
    pub fn write(
        &self,
        name: &str,
        fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
    ) -> Result<PathBuf, InputError> {
        let target = self.path.join(name);
        let tmp = self.path.join(format!(".{name}.tmp-{}", temp_tag()));
        let shown = target.display().to_string();
        let result = (|| -> std::io::Result<()> {
            let file = fs::File::create(&tmp)?;
            let mut w = std::io::BufWriter::new(file);
            fill(&mut w)?;
            let file = w.into_inner().map_err(|e| e.into_error())?;
            file.sync_all()?;
            fs::rename(&tmp, &target)
        })();
        result.map_err(|e| {
            let _ = fs::remove_file(&tmp);
            InputError::file(&shown, format!("cannot write the output file: {e}"))
                .help("check free space and permissions, or choose another --out")
        })?;
        Ok(target)
    }
}

/// A tag that makes a temporary file's name unique among the processes that may share the
/// directory: shards on several machines, or in containers where every process is PID 1.
fn temp_tag() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    let host = std::env::var("HOSTNAME")
        .ok()
        .or_else(|| fs::read_to_string("/etc/hostname").ok())
        .unwrap_or_default();
    let host: String = host
        .trim()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .take(32)
        .collect();
    format!(
        "{host}-{}-{nanos:x}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// A folder name made from a scenario name: letters, digits, `-`, `_` and `.` kept, anything
/// else replaced by `-`, never empty and never `.` or `..`, so it cannot leave the parent folder.
pub fn safe_dir_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '-'
            }
        })
        .collect();
    let trimmed = cleaned.trim_matches('.');
    if trimmed.is_empty() {
        "scenario".into()
    } else {
        trimmed.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dir_names_cannot_escape() {
        assert_eq!(safe_dir_name("../../etc"), "-..-etc");
        assert_eq!(safe_dir_name(".."), "scenario");
        assert_eq!(safe_dir_name("VP churn / 2027"), "VP-churn---2027");
        assert_eq!(safe_dir_name("baseline"), "baseline");
    }
}

//! The output directory: refusing to clobber, and atomic file writes.
//!
//! Every file is written to a hidden temporary file in the same directory and renamed into
//! place once complete, so a run that fails or is interrupted never leaves a half-written file.
//! A directory that already holds files is refused unless the user passes `--force`.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::diagnostic::InputError;

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
        // An interruption waits for this write to finish (see `crate::interrupt`).
        let _writing = crate::interrupt::writing();
        let result = (|| -> std::io::Result<()> {
            let file = fs::File::create(&tmp)?;
            let mut w = std::io::BufWriter::new(file);
            fill(&mut w)?;
            let file = w.into_inner().map_err(|e| e.into_error())?;
            file.sync_all()?;
            test_write_delay();
            fs::rename(&tmp, &target)
        })();
        result.map_err(|e| {
            let _ = fs::remove_file(&tmp);
            InputError::file(
                &shown,
                format!("cannot write the output file: {e}; the file was not replaced and no temporary file is left"),
            )
            .help("check free space and permissions, or choose another --out")
        })?;
        crate::interrupt::written(&target);
        Ok(target)
    }
}

/// A test hook: `REVSIM_TEST_WRITE_DELAY_MS` slows every write (between its temporary file and
/// the rename), so that tests can interrupt a command while it writes.
fn test_write_delay() {
    if let Some(ms) = std::env::var("REVSIM_TEST_WRITE_DELAY_MS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
    {
        std::thread::sleep(std::time::Duration::from_millis(ms));
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

/// Longest folder name [`safe_dir_name`] makes, in bytes (well under the 255 of common file
/// systems, so that a prefix such as `compare-` or `sweep-` still fits).
pub const MAX_DIR_NAME: usize = 64;

/// A folder name made from a name taken from a scenario file (a scenario's or variant's name),
/// which must stay inside the chosen output directory on every platform: ASCII letters, digits,
/// `-`, `_` and `.` are kept and anything else (`/`, `\`, `:`, NUL, spaces, non-ASCII) becomes
/// `-`; leading and trailing dots are dropped, so the name is never `.`, `..` or empty (it is
/// then `scenario`); a name that Windows reserves for a device (`CON`, `NUL`, `COM1`, ...,
/// with or without an extension) gets a `_` after its stem (`CON_`, `nul_.txt`); and a name longer than
/// [`MAX_DIR_NAME`] bytes is cut, with a hash of the whole name appended so that two long
/// names stay apart. A name starting with `-` gets a `_` before it, so that it never reads as
/// a flag (`-rf` becomes `_-rf`).
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
    let mut out = if trimmed.is_empty() {
        "scenario".to_string()
    } else {
        trimmed.to_string()
    };
    // A leading `-` would make the folder read as a flag in a shell command (`rm -rf`).
    if out.starts_with('-') {
        out.insert(0, '_');
    }
    if out.len() > MAX_DIR_NAME {
        use sha2::{Digest, Sha256};
        let hash = Sha256::digest(name.as_bytes());
        let tag: String = hash[..4].iter().map(|b| format!("{b:02x}")).collect();
        out.truncate(MAX_DIR_NAME - tag.len() - 1);
        let kept = out.trim_end_matches('.').len();
        out.truncate(kept);
        out = format!("{out}-{tag}");
    }
    let stem_len = out.find('.').unwrap_or(out.len());
    let stem = out[..stem_len].to_ascii_uppercase();
    let reserved = matches!(stem.as_str(), "CON" | "PRN" | "AUX" | "NUL")
        || ((stem.starts_with("COM") || stem.starts_with("LPT"))
            && stem.len() == 4
            && stem.as_bytes()[3].is_ascii_digit());
    if reserved {
        out.insert(stem_len, '_');
    }
    out
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

    #[test]
    fn a_failed_write_leaves_the_old_file_and_no_temporary() {
        let tmp = std::env::temp_dir().join(format!("revsim-write-{}", temp_tag()));
        let dir = OutputDir::prepare(&tmp, false).unwrap();
        dir.write("a.csv", |w| w.write_all(b"old\n")).unwrap();
        let full = std::io::Error::from_raw_os_error(28); // ENOSPC
        let e = dir
            .write("a.csv", |w| {
                w.write_all(&[b'x'; 100_000])?;
                Err(full)
            })
            .unwrap_err()
            .to_string();
        assert!(e.contains("a.csv") && e.contains("(os error 28)"), "{e}");
        assert!(
            e.contains("not replaced") && e.contains("check free space"),
            "{e}"
        );
        assert_eq!(fs::read(tmp.join("a.csv")).unwrap(), b"old\n");
        let names: Vec<_> = fs::read_dir(&tmp)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["a.csv"], "no temporary file is left");
        fs::remove_dir_all(&tmp).unwrap();
    }

    #[test]
    fn dir_names_are_portable() {
        for (name, want) in [
            ("/etc/passwd", "-etc-passwd"),
            ("C:\\Windows\\System32", "C--Windows-System32"),
            ("a\0b", "a-b"),
            ("...", "scenario"),
            ("", "scenario"),
            (". .", "-"),
            ("CON", "CON_"),
            ("con.toml", "con_.toml"),
            ("Lpt9", "Lpt9_"),
            ("COM10", "COM10"),
            ("console", "console"),
            ("Ventes été", "Ventes--t-"),
        ] {
            assert_eq!(safe_dir_name(name), want, "{name:?}");
        }
        let long = "x".repeat(10_000);
        let a = safe_dir_name(&long);
        let b = safe_dir_name(&format!("{long}y"));
        assert_eq!(a.len(), MAX_DIR_NAME);
        assert_ne!(a, b, "long names stay apart");
        assert_eq!(safe_dir_name(&"é".repeat(100)).len(), MAX_DIR_NAME);
    }
}

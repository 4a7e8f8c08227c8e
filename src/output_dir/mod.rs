//! The output directory: one writer at a time, refusing to clobber, and atomic file writes.
//!
//! A command that writes a folder locks it first (`.revsim/lock`, see [`Access`]): a second
//! command is refused, naming the first, or waits for it with `--wait`. Every file is written to
//! a hidden temporary file in the same directory and renamed into place once complete, so a run
//! that fails or is interrupted never leaves a half-written file; the temporary files of a
//! killed process are removed when a command next opens the folder alone, and never count as
//! its files. A directory that already holds files is refused unless the user passes `--force`.
//! revsim keeps its own files in `.revsim/` inside the folder: the lock file, and the list of
//! the files it wrote there (`.revsim/files`), so that the next command replaces them and only
//! them: a user's own files are never touched. It makes no symbolic link and writes through
//! none: a link where it would make or use a folder is refused; a linked file is replaced by the
//! new file (a rename replaces the link, not what it points to).

mod ledger;
mod lock;
mod paths;

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

pub use lock::{Access, wait_for_locks};

use crate::diagnostic::InputError;

/// revsim's own folder inside an output folder: the lock file and the list of the files revsim
/// wrote there. Never counted among the folder's files.
pub const BOOKKEEPING: &str = ".revsim";

/// A prepared output directory (or a folder under one).
#[derive(Debug, Clone)]
pub struct OutputDir {
    path: PathBuf,
    /// The output folder it is, or is under: the folder the user named, which may be a link;
    /// nothing below it may be.
    root: PathBuf,
    /// The output folder held by this command (shared by its sub-directories); none for a
    /// folder used as it is ([`OutputDir::existing`]).
    folder: Option<Arc<Folder>>,
    /// Whether the files written here are the command's outputs, listed for the next command
    /// to replace, rather than kept from one command to the next ([`OutputDir::kept`]).
    outputs: bool,
}

/// An output folder held by this command.
#[derive(Debug)]
struct Folder {
    _lock: lock::FolderLock,
    /// The list of revsim's files in it, when held alone (see [`ledger`]).
    ledger: Option<Mutex<ledger::Ledger>>,
    /// The files this command wrote completely, relative to the folder, in order.
    written: Mutex<Vec<String>>,
}

impl OutputDir {
    /// Opens `path` for a command that writes it, making it (and its parents) if needed:
    /// takes its lock (`.revsim/lock`) before anything looks at what it holds. With
    /// [`Access::Exclusive`], no other revsim command writes the folder until this one ends,
    /// and the temporary files that a killed command left in it are removed; with
    /// [`Access::Shared`], only the other shards of the same batch or run write it meanwhile.
    pub fn open(path: &Path, access: Access) -> Result<OutputDir, InputError> {
        let shown = path.display().to_string();
        if path.exists() {
            if !path.is_dir() {
                return Err(InputError::file(
                    &shown,
                    "the output path exists and is not a directory",
                )
                .help("choose another --out directory"));
            }
        } else {
            fs::create_dir_all(path).map_err(|e| {
                InputError::file(&shown, format!("cannot create the output directory: {e}"))
                    .help("check the path and your permissions, or choose another --out")
            })?;
        }
        let lock = lock::FolderLock::take(path, access)?;
        let ledger = if access == Access::Exclusive {
            // Held alone: what a killed process left half-written goes.
            paths::remove_temporaries(path);
            Some(Mutex::new(ledger::Ledger::open(path)?))
        } else {
            None
        };
        Ok(OutputDir {
            path: path.to_path_buf(),
            root: path.to_path_buf(),
            folder: Some(Arc::new(Folder {
                _lock: lock,
                ledger,
                written: Mutex::new(Vec::new()),
            })),
            outputs: true,
        })
    }

    /// Refuses a directory that already holds files (other than revsim's own `.revsim/` and
    /// temporary files), unless `force`.
    pub fn ensure_empty(&self, force: bool) -> Result<(), InputError> {
        let shown = self.path.display().to_string();
        let entries = fs::read_dir(&self.path)
            .map_err(|e| {
                InputError::file(&shown, format!("cannot read the output directory: {e}"))
            })?
            .filter_map(Result::ok)
            .filter(|e| {
                let name = e.file_name();
                name != BOOKKEEPING && !paths::is_temporary(&name.to_string_lossy())
            })
            .count();
        if entries > 0 && !force {
            return Err(InputError::file(
                &shown,
                format!("the output directory already holds {entries} file(s); refusing to overwrite them"),
            )
            .help("pass --force to replace its files, or choose another directory with --out"));
        }
        Ok(())
    }

    /// Opens `path` for a command that writes the folder's outputs ([`OutputDir::open`], held
    /// exclusively) and refuses it if it already holds files, unless `force`.
    pub fn prepare(path: &Path, force: bool) -> Result<OutputDir, InputError> {
        let dir = OutputDir::open(path, Access::Exclusive)?;
        dir.ensure_empty(force)?;
        Ok(dir)
    }

    /// Opens `path` for a `run` of the scenario file `scenario` ([`OutputDir::prepare`]), with
    /// one exception to the refusal of a folder that holds files: when everything in it is
    /// revsim's own, listed as the files of a run of the same scenario file (the same canonical
    /// path), the rerun replaces them without `force`, as any command replaces its previous
    /// files. A folder with a file revsim did not write, or a run of another scenario, is
    /// refused as before. `scenario` is none for standard input, which is never the same file.
    pub fn prepare_run(
        path: &Path,
        force: bool,
        scenario: Option<&Path>,
    ) -> Result<OutputDir, InputError> {
        let dir = OutputDir::open(path, Access::Exclusive)?;
        let key = scenario
            .and_then(|s| fs::canonicalize(s).ok())
            .map(|p| p.display().to_string());
        let folder = dir.folder.clone().expect("a folder held by this command");
        let mut ledger = folder
            .ledger
            .as_ref()
            .expect("held alone")
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if !force {
            let entries = dir.entries()?;
            let previous = ledger.previous();
            let all_revsims = entries.iter().all(|e| {
                previous
                    .iter()
                    .any(|p| p.split('/').next() == Some(e.as_str()))
            });
            let same = key.is_some() && ledger.previous_scenario() == key.as_deref();
            match (entries.is_empty(), all_revsims, same) {
                (true, _, _) | (false, true, true) => {}
                (false, true, false) if ledger.previous_scenario().is_some() => {
                    return Err(InputError::file(
                        path.display().to_string(),
                        format!(
                            "the output directory holds revsim's run of another scenario file ({}); refusing to replace it",
                            ledger.previous_scenario().unwrap_or_default()
                        ),
                    )
                    .help("pass --force to replace it, or choose another directory with --out"));
                }
                _ => dir.ensure_empty(false)?,
            }
        }
        if let Some(key) = key {
            ledger.set_scenario(key);
        }
        drop(ledger);
        Ok(dir)
    }

    /// The names in the directory, other than revsim's own `.revsim/` and temporary files.
    fn entries(&self) -> Result<Vec<String>, InputError> {
        let shown = self.path.display().to_string();
        Ok(fs::read_dir(&self.path)
            .map_err(|e| {
                InputError::file(&shown, format!("cannot read the output directory: {e}"))
            })?
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|name| name != BOOKKEEPING && !paths::is_temporary(name))
            .collect())
    }

    /// An existing directory, used as it is, without a lock (for single-file writes such as
    /// `revsim init`, and for reading the folders a merge combines).
    pub fn existing(path: &Path) -> OutputDir {
        OutputDir {
            path: path.to_path_buf(),
            root: path.to_path_buf(),
            folder: None,
            outputs: true,
        }
    }

    /// A sub-directory (created if needed) whose files are written the same way. A symbolic
    /// link in its place is refused, never followed.
    pub fn subdir(&self, name: &str) -> Result<OutputDir, InputError> {
        let path = self.path.join(name);
        paths::real_dirs(&self.root, self.below_root(&path))?;
        Ok(OutputDir {
            path,
            root: self.root.clone(),
            folder: self.folder.clone(),
            outputs: self.outputs,
        })
    }

    /// The same directory, for files kept from one command to the next (a batch's plan and its
    /// store of variants): they are not listed among the command's outputs, so the next command
    /// into the folder does not remove them.
    pub fn kept(&self) -> OutputDir {
        OutputDir {
            outputs: false,
            ..self.clone()
        }
    }

    /// `path` relative to the output folder.
    fn below_root<'a>(&self, path: &'a Path) -> &'a Path {
        path.strip_prefix(&self.root).unwrap_or(path)
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
        self.write_file(name, fill, false)
    }

    /// Writes the command's manifest, its last file, as [`OutputDir::write`] does; once it is
    /// in place, an interruption says that the command finished writing (see
    /// [`crate::interrupt::finished`]).
    pub fn write_manifest(
        &self,
        name: &str,
        fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
    ) -> Result<PathBuf, InputError> {
        self.write_file(name, fill, true)
    }

    fn write_file(
        &self,
        name: &str,
        fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
        manifest: bool,
    ) -> Result<PathBuf, InputError> {
        let target = self.path.join(name);
        let tmp = self.path.join(format!(".{name}.tmp-{}", temp_tag()));
        let shown = target.display().to_string();
        // An interruption waits for this write to finish (see `crate::interrupt`).
        let _writing = crate::interrupt::writing();
        // Listed before it is written; the command's first output removes the previous
        // command's files.
        if let Some(ledger) = self.folder.as_ref().and_then(|f| f.ledger.as_ref())
            && self.outputs
        {
            let mut ledger = ledger.lock().unwrap_or_else(|e| e.into_inner());
            ledger.record(&self.relative(&target))?;
        }
        // Checked again before each file (and made again, if the previous command's files went
        // with their folder): the folders down to it are real folders, not links.
        paths::real_dirs(&self.root, self.below_root(&self.path))?;
        let result = (|| -> std::io::Result<()> {
            // A new file, never one that is there already (nor a link in its place).
            let file = fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&tmp)?;
            let mut w = std::io::BufWriter::new(file);
            fill(&mut w)?;
            let file = w.into_inner().map_err(|e| e.into_error())?;
            file.sync_all()?;
            test_write_delay(name);
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
        // Said while an interruption still waits for this write (the guard is held), so that
        // its message matches what is on disk.
        crate::interrupt::written(&target);
        if manifest {
            crate::interrupt::finished(&target);
        }
        if let Some(f) = &self.folder {
            let rel = self.relative(&target);
            f.written
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(rel);
        }
        Ok(target)
    }

    /// `path` in the folder, with `/` between folders.
    fn relative(&self, path: &Path) -> String {
        let parts: Vec<String> = self
            .below_root(path)
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        parts.join("/")
    }

    /// The files this command has written completely into the output folder, relative to it,
    /// in the order written.
    pub fn written(&self) -> Vec<String> {
        self.folder.as_ref().map_or_else(Vec::new, |f| {
            f.written.lock().unwrap_or_else(|e| e.into_inner()).clone()
        })
    }

    /// Adds to an error that stops a command after it has started writing what the folder now
    /// holds: the files it completed (each whole), and no `manifest`, which the command writes
    /// last, so the folder does not look finished.
    pub fn unfinished(&self, e: InputError, manifest: &str) -> InputError {
        let written = self.written();
        let kept = if written.is_empty() {
            "no file of this command was written".to_string()
        } else {
            format!("kept, complete: {}", grouped(&written))
        };
        e.help(format!(
            "{kept}; {manifest} was not written, so the directory does not hold finished results (rerun with --force once the problem is fixed)"
        ))
    }
}

/// Files for a message: those at the top of the folder by name, those in a sub-folder counted
/// under it (`charts/ (12 files)`), in the order first written.
fn grouped(files: &[String]) -> String {
    let mut groups: Vec<(String, usize)> = Vec::new();
    for f in files {
        let key = match f.split_once('/') {
            Some((folder, _)) => format!("{folder}/"),
            None => f.clone(),
        };
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, n)) => *n += 1,
            None => groups.push((key, 1)),
        }
    }
    let shown: Vec<String> = groups
        .into_iter()
        .map(|(k, n)| match (k.ends_with('/'), n) {
            (true, 1) => format!("{k} (1 file)"),
            (true, n) => format!("{k} ({n} files)"),
            (false, _) => k,
        })
        .collect();
    shown.join(", ")
}

/// A test hook: `REVSIM_TEST_WRITE_DELAY_MS` slows every write (between its temporary file and
/// the rename), or with `REVSIM_TEST_WRITE_DELAY_FILE` only the writes of files of that name, so
/// that tests can interrupt a command while it writes.
fn test_write_delay(name: &str) {
    if std::env::var("REVSIM_TEST_WRITE_DELAY_FILE").is_ok_and(|only| only != name) {
        return;
    }
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
    format!(
        "{}-{}-{nanos:x}-{}",
        host(),
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// This machine's name, as far as a file name may hold it: ASCII letters, digits and `-`, at most
/// 32 (empty if unknown).
fn host() -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .or_else(|| fs::read_to_string("/etc/hostname").ok())
        .unwrap_or_default();
    host.trim()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .take(32)
        .collect()
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
        assert_eq!(safe_dir_name("../../etc"), "_-..-etc");
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
            .filter(|n| n != BOOKKEEPING)
            .collect();
        assert_eq!(names, ["a.csv"], "no temporary file is left");
        fs::remove_dir_all(&tmp).unwrap();
    }

    #[test]
    fn temporary_files_are_told_from_look_alikes() {
        assert!(paths::is_temporary(&format!(
            ".summary.json.tmp-{}",
            temp_tag()
        )));
        assert!(paths::is_temporary(
            ".a.svg.tmp-node-7-4242-18a3f2c9d1e0b7a4-3"
        ));
        assert!(paths::is_temporary(".a.svg.tmp--4242-ff-0"), "no host name");
        for name in [
            ".notes.tmp-draft",
            "summary.json.tmp-node-1-ff-0",
            ".a.tmp-node-1-ff-",
            ".a.tmp-node-x1-ff-0",
            ".a.tmp-node-1-fg-0",
            ".a.tmp-no_de-1-ff-0",
            "..tmp-node-1-ff-0",
            ".tmp-node-1-ff-0",
        ] {
            assert!(!paths::is_temporary(name), "{name}");
        }
    }

    #[test]
    fn dir_names_are_portable() {
        for (name, want) in [
            ("/etc/passwd", "_-etc-passwd"),
            ("C:\\Windows\\System32", "C--Windows-System32"),
            ("a\0b", "a-b"),
            ("...", "scenario"),
            ("", "scenario"),
            (". .", "_-"),
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

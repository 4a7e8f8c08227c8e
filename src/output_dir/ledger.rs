//! revsim's files in an output folder: the list it keeps in `.revsim/files`, so that a command
//! replaces the previous command's files, and only those.
//!
//! Each output file a command writes is listed before it is written, so the files of a command
//! killed halfway are listed too. The first output a command writes into a folder first removes
//! every file on the list (the previous command's, its manifest first) and starts the list
//! afresh: a folder never mixes the files of two commands, and `--force` leaves no stale chart
//! behind. A user's own files are never listed, so never removed, and neither are the files a
//! batch keeps from one command to the next (its plan, its store of variants, the shards'
//! parts). A folder written before the list existed is read from its manifest (`run.json`,
//! `backtest.json`), which lists its files.
//!
//! A `run` also lists the scenario it ran, as a first line `#scenario PATH` (the file's
//! canonical path): the next `run` of the same file may replace the folder's files without
//! `--force` (see [`super::OutputDir::prepare_run`]). Any other command's list has no such line.

use std::collections::{BTreeSet, HashSet};
use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Component, Path, PathBuf};

use super::{BOOKKEEPING, paths};
use crate::diagnostic::InputError;

/// The name of the list in revsim's folder (`.revsim/`).
const LEDGER_FILE: &str = "files";

/// The start of the line that names the scenario a run's files are of.
const SCENARIO_LINE: &str = "#scenario ";

/// The manifests that list a folder's files, read when the folder has no list yet.
const MANIFESTS: [&str; 2] = ["run.json", "backtest.json"];

/// The list of an output folder held alone by this command.
#[derive(Debug)]
pub(super) struct Ledger {
    root: PathBuf,
    file: File,
    /// The previous command's files, until this command writes its first output.
    previous: Option<Vec<String>>,
    /// What this command has listed.
    listed: HashSet<String>,
    /// The scenario the previous command's files are of (a `run`'s), if it said.
    previous_scenario: Option<String>,
    /// The scenario this command's files are of, written first in the new list.
    scenario: Option<String>,
}

impl Ledger {
    /// Reads the list of the folder `root` (held alone).
    pub(super) fn open(root: &Path) -> Result<Ledger, InputError> {
        let path = root.join(BOOKKEEPING).join(LEDGER_FILE);
        let mut options = OpenOptions::new();
        options.read(true).write(true).create(true);
        let mut file = paths::open_own(&path, &mut options)?.map_err(|e| trouble(&path, e))?;
        let mut bytes = Vec::new();
        (&mut file)
            .take(16 << 20)
            .read_to_end(&mut bytes)
            .map_err(|e| trouble(&path, e))?;
        let text = String::from_utf8_lossy(&bytes);
        let previous_scenario = text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix(SCENARIO_LINE))
            .map(str::to_string);
        let mut previous: Vec<String> = text
            .lines()
            .filter(|l| !l.starts_with('#'))
            .map(str::to_string)
            .collect();
        if previous.is_empty() {
            previous = from_manifests(root);
        }
        Ok(Ledger {
            root: root.to_path_buf(),
            file,
            previous: Some(previous),
            listed: HashSet::new(),
            previous_scenario,
            scenario: None,
        })
    }

    /// The previous command's files, until this command writes its first output.
    pub(super) fn previous(&self) -> &[String] {
        self.previous.as_deref().unwrap_or_default()
    }

    /// The scenario the previous command's files are of (a `run`'s), if it said.
    pub(super) fn previous_scenario(&self) -> Option<&str> {
        self.previous_scenario.as_deref()
    }

    /// Names the scenario this command's files are of (a key without a line break).
    pub(super) fn set_scenario(&mut self, key: String) {
        if !key.contains(['\n', '\r']) {
            self.scenario = Some(key);
        }
    }

    /// Lists `rel` (a file's path in the folder, with `/` between folders) before it is
    /// written. The first call removes the previous command's files first.
    pub(super) fn record(&mut self, rel: &str) -> Result<(), InputError> {
        let path = self.root.join(BOOKKEEPING).join(LEDGER_FILE);
        if let Some(previous) = self.previous.take() {
            self.remove(&previous)?;
            self.file.set_len(0).map_err(|e| trouble(&path, e))?;
            if let Some(key) = &self.scenario {
                let mut file = &self.file;
                file.seek(SeekFrom::Start(0))
                    .and_then(|_| file.write_all(format!("{SCENARIO_LINE}{key}\n").as_bytes()))
                    .map_err(|e| trouble(&path, e))?;
            }
        }
        if self.listed.insert(rel.to_string()) {
            let mut file = &self.file;
            file.seek(SeekFrom::End(0))
                .and_then(|_| file.write_all(format!("{rel}\n").as_bytes()))
                .map_err(|e| trouble(&path, e))?;
        }
        Ok(())
    }

    /// Removes the files on `previous`, last listed first (a manifest, written last, goes
    /// first), and the folders they leave empty. Only regular files are removed, and none
    /// through a link.
    fn remove(&self, previous: &[String]) -> Result<(), InputError> {
        let mut folders = BTreeSet::new();
        for rel in previous.iter().rev() {
            let Some(rel) = inside(rel) else { continue };
            if !real_folders(&self.root, rel.parent()) {
                continue;
            }
            let path = self.root.join(&rel);
            if !fs::symlink_metadata(&path).is_ok_and(|m| m.is_file()) {
                continue; // gone, or a folder or a link put there since: not revsim's
            }
            match fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => {
                    return Err(InputError::file(
                        path.display().to_string(),
                        format!("cannot remove the previous command's file: {e}"),
                    )
                    .help(
                        "check your permissions on the output directory, or choose another --out",
                    ));
                }
            }
            folders.extend(rel.ancestors().skip(1).map(Path::to_path_buf));
        }
        // Deepest first (a folder sorts before what it holds); only an empty folder goes.
        for f in folders.iter().rev().filter(|f| !f.as_os_str().is_empty()) {
            let _ = fs::remove_dir(self.root.join(f));
        }
        Ok(())
    }
}

fn trouble(path: &Path, e: std::io::Error) -> InputError {
    InputError::file(
        path.display().to_string(),
        format!("cannot keep revsim's list of the files it writes: {e}"),
    )
    .help("check free space and your permissions on the output directory, or choose another --out")
}

/// `rel` as a path inside the folder, or none: only plain names (no `..`, no root), and never
/// revsim's own folder.
fn inside(rel: &str) -> Option<PathBuf> {
    let path = Path::new(rel);
    let plain = path.components().all(|c| matches!(c, Component::Normal(_)));
    let first = path.components().next()?;
    (plain && first.as_os_str() != BOOKKEEPING).then(|| path.to_path_buf())
}

/// Whether every folder from `root` down to `rel` is a real folder (no link on the way).
fn real_folders(root: &Path, rel: Option<&Path>) -> bool {
    let mut path = root.to_path_buf();
    for c in rel.into_iter().flat_map(Path::components) {
        path.push(c);
        if !fs::symlink_metadata(&path).is_ok_and(|m| m.is_dir()) {
            return false;
        }
    }
    true
}

/// The files that the manifests in `root` list, each manifest last (so removed first). Only a
/// manifest revsim wrote counts: JSON with `revsim_version` and a list of `files`.
fn from_manifests(root: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for m in MANIFESTS {
        let path = root.join(m);
        if !fs::symlink_metadata(&path).is_ok_and(|meta| meta.is_file() && meta.len() < 16 << 20) {
            continue;
        }
        let Ok(v) = fs::read(&path).map(|b| serde_json::from_slice::<serde_json::Value>(&b)) else {
            continue;
        };
        let Ok(v) = v else { continue };
        let (Some(_), Some(files)) = (
            v.get("revsim_version").and_then(|v| v.as_str()),
            v.get("files").and_then(|f| f.as_array()),
        ) else {
            continue;
        };
        out.extend(
            files
                .iter()
                .filter_map(|f| f.as_str())
                .filter(|f| *f != m)
                .map(str::to_string),
        );
        out.push(m.to_string());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_paths_inside_the_folder_are_removed() {
        assert_eq!(inside("charts/a.svg"), Some(PathBuf::from("charts/a.svg")));
        for bad in [
            "",
            "../x",
            "/etc/passwd",
            "a/../../x",
            ".revsim/lock",
            "./a",
        ] {
            assert_eq!(inside(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn the_first_output_removes_the_previous_commands_files_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir_all(root.join(".revsim")).unwrap();
        fs::create_dir_all(root.join("charts")).unwrap();
        fs::create_dir_all(root.join("elsewhere")).unwrap();
        for f in ["run.json", "charts/a.svg", "mine.txt", "elsewhere/b.svg"] {
            fs::write(root.join(f), "x").unwrap();
        }
        #[cfg(unix)]
        std::os::unix::fs::symlink(root.join("elsewhere"), root.join("linked")).unwrap();
        fs::write(
            root.join(".revsim/files"),
            "charts/a.svg\n../outside\nlinked/b.svg\nrun.json\n",
        )
        .unwrap();
        let mut ledger = Ledger::open(root).unwrap();
        assert!(
            root.join("run.json").exists(),
            "nothing goes before a write"
        );
        ledger.record("summary.json").unwrap();
        ledger.record("summary.json").unwrap();
        assert!(!root.join("run.json").exists());
        assert!(!root.join("charts").exists(), "an emptied folder goes");
        assert!(root.join("mine.txt").exists());
        assert!(
            root.join("elsewhere/b.svg").exists(),
            "nothing through a link"
        );
        assert_eq!(
            fs::read_to_string(root.join(".revsim/files")).unwrap(),
            "summary.json\n"
        );
    }

    #[test]
    fn a_folder_without_a_list_is_read_from_its_manifest() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir_all(root.join(".revsim")).unwrap();
        fs::write(
            root.join("run.json"),
            r#"{"revsim_version": "0.1.0", "files": ["run.json", "summary.json"]}"#,
        )
        .unwrap();
        fs::write(root.join("backtest.json"), r#"{"files": ["mine.csv"]}"#).unwrap();
        let ledger = Ledger::open(root).unwrap();
        assert_eq!(
            ledger.previous.as_deref(),
            Some(&["summary.json".to_string(), "run.json".to_string()][..]),
            "a JSON file without revsim_version is not revsim's manifest"
        );
    }
}

//! One writer at a time: the lock on an output folder.
//!
//! A command that writes a folder holds a lock on `.revsim/lock` inside it from before it looks
//! at the folder until it ends: `flock(2)` on Unix and `LockFileEx` on Windows, through the
//! standard library's [`File::lock`]. The operating system releases the lock when the process
//! ends, however it ends (SIGKILL, a crash, a node that reboots), so a killed command never
//! leaves a folder locked; no lock file is ever deleted, so two commands never lock two
//! different files of one name.
//!
//! While it holds the lock, a command records itself in the lock file (pid, host, start time and
//! command line), and a command refused the folder names it. A command that writes the folder's
//! outputs takes the lock exclusively ([`Access::Exclusive`]); the shards of one batch or run
//! write their own files (`variants/<key>.json`, `run-part-I-of-N.bin`) into a folder they share,
//! and take it shared ([`Access::Shared`]), so that they run side by side while no other command
//! writes there. With `--wait` ([`wait_for_locks`]) a command waits for the folder instead of
//! stopping.
//!
//! On NFS, Linux (2.6.12 and later) emulates `flock` with POSIX byte-range locks on the whole
//! file, which the server arbitrates (NLM for NFSv3, the protocol itself for NFSv4), so the lock
//! holds between machines, with the limits docs/guarantees.md states. A process must then never
//! open and close a second handle on a file it has locked (closing any handle drops its POSIX
//! locks), so the holder's record is written and read through the one handle.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use super::paths;
use crate::diagnostic::InputError;

/// How a command holds an output folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// It writes the folder's outputs: no other revsim command writes the folder meanwhile.
    Exclusive,
    /// It is one shard of a batch or run, writing its own files beside the other shards': any
    /// number of shards hold the folder together, and no other command writes it meanwhile.
    Shared,
}

static WAIT: AtomicBool = AtomicBool::new(false);
static QUIET: AtomicBool = AtomicBool::new(false);

/// Whether a command waits for an output folder that another command holds (`--wait`) instead
/// of stopping with an error, and whether it is `quiet` about waiting. Set once, by the command
/// line, before any folder is opened.
pub fn wait_for_locks(wait: bool, quiet: bool) {
    WAIT.store(wait, Ordering::Relaxed);
    QUIET.store(quiet, Ordering::Relaxed);
}

/// The name of the lock file in revsim's folder (`.revsim/`).
const LOCK_FILE: &str = "lock";

/// A held lock on an output folder, released when dropped (or when the process ends).
#[derive(Debug)]
pub(super) struct FolderLock {
    file: File,
    access: Access,
}

impl FolderLock {
    /// Takes the lock on the folder `root` (an existing directory), or waits for it with
    /// `--wait`; refuses with the holder's name otherwise.
    pub(super) fn take(root: &Path, access: Access) -> Result<FolderLock, InputError> {
        let shown = root.display().to_string();
        let fail = |e: std::io::Error| {
            InputError::file(&shown, format!("cannot lock the output directory: {e}"))
                .help("check your permissions on it, or choose another --out; nothing was written")
        };
        let own = root.join(super::BOOKKEEPING);
        if let Err(e) = std::fs::create_dir(&own)
            && e.kind() != std::io::ErrorKind::AlreadyExists
        {
            return Err(fail(e));
        }
        match std::fs::symlink_metadata(&own) {
            Ok(m) if m.file_type().is_symlink() => return Err(paths::link_error(&own)),
            Ok(m) if m.is_dir() => {}
            Ok(_) => {
                return Err(InputError::file(
                    own.display().to_string(),
                    "a file has the name of revsim's own folder",
                )
                .help("move the file away, or choose another --out"));
            }
            Err(e) => return Err(fail(e)),
        }
        let mut options = OpenOptions::new();
        options.read(true).write(true).create(true);
        let file = paths::open_own(&own.join(LOCK_FILE), &mut options)?.map_err(fail)?;
        let taken = match access {
            Access::Exclusive => file.try_lock(),
            Access::Shared => file.try_lock_shared(),
        };
        match taken {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let holder = holders(&file);
                if !WAIT.load(Ordering::Relaxed) {
                    return Err(InputError::file(
                        &shown,
                        format!("another revsim command is writing this output directory: {holder}"),
                    )
                    .help("wait for it to finish and rerun, pass --wait to wait for it, or choose another --out"));
                }
                if !QUIET.load(Ordering::Relaxed) {
                    eprintln!("waiting for {shown}: {holder}");
                }
                match access {
                    Access::Exclusive => file.lock(),
                    Access::Shared => file.lock_shared(),
                }
                .map_err(fail)?;
            }
            Err(TryLockError::Error(e)) if no_locks_here(&e) => {
                if !QUIET.load(Ordering::Relaxed) {
                    eprintln!(
                        "warning: {shown}: this file system does not lock files ({e}); writing without a lock, so no other revsim command may write this folder meanwhile"
                    );
                }
            }
            Err(TryLockError::Error(e)) => return Err(fail(e)),
        }
        let lock = FolderLock { file, access };
        // Who holds it, for a command refused the folder. The record is only a courtesy: a full
        // disk that cannot take it leaves the lock held all the same.
        let _ = lock.record();
        Ok(lock)
    }

    /// Writes this process into the lock file: alone when it holds the folder exclusively,
    /// after the other shards' records when shared.
    fn record(&self) -> std::io::Result<()> {
        let mut file = &self.file;
        if self.access == Access::Exclusive {
            file.set_len(0)?;
            file.seek(SeekFrom::Start(0))?;
        } else {
            file.seek(SeekFrom::End(0))?;
        }
        let line = format!(
            "pid {}{} since {}: {}\n",
            std::process::id(),
            match super::host() {
                h if h.is_empty() => String::new(),
                h => format!(" on {h}"),
            },
            utc_now(),
            command_line()
        );
        file.write_all(line.as_bytes())
    }
}

impl Drop for FolderLock {
    fn drop(&mut self) {
        // The record goes with the lock (shards' records stay until an exclusive holder's).
        if self.access == Access::Exclusive {
            let _ = self.file.set_len(0);
        }
    }
}

/// Who holds the lock, from the lock file: the holder, or the last shards that took it.
fn holders(mut file: &File) -> String {
    let mut bytes = Vec::new();
    let _ = file
        .seek(SeekFrom::Start(0))
        .and_then(|_| file.take(64 * 1024).read_to_end(&mut bytes));
    let text = String::from_utf8_lossy(&bytes);
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    match lines.as_slice() {
        [] => "a revsim process that has not recorded itself yet".to_string(),
        [one] => one.to_string(),
        more => format!(
            "shards (the last to take it: {})",
            more[more.len().saturating_sub(3)..].join("; ")
        ),
    }
}

/// Whether a locking error means that the file system does not lock files at all (an NFS
/// mount without a lock manager, some FUSE and cluster file systems).
fn no_locks_here(e: &std::io::Error) -> bool {
    if e.kind() == std::io::ErrorKind::Unsupported {
        return true;
    }
    #[cfg(unix)]
    {
        matches!(e.raw_os_error(), Some(c) if c == libc::ENOLCK || c == libc::ENOSYS || c == libc::EOPNOTSUPP)
    }
    #[cfg(not(unix))]
    {
        false
    }
}

/// This process's command line, as a shell would take it (`revsim` for the program; control
/// characters shown as `?`; cut at 400 characters).
fn command_line() -> String {
    let mut parts = vec!["revsim".to_string()];
    for arg in std::env::args_os().skip(1) {
        let arg: String = arg
            .to_string_lossy()
            .chars()
            .map(|c| if c.is_control() { '?' } else { c })
            .collect();
        let plain = !arg.is_empty()
            && arg
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_./=:,@%+".contains(c));
        parts.push(if plain {
            arg
        } else {
            format!("'{}'", arg.replace('\'', r"'\''"))
        });
    }
    let line = parts.join(" ");
    if line.chars().count() > 400 {
        format!("{} ...", line.chars().take(400).collect::<String>())
    } else {
        line
    }
}

/// The time now, as `YYYY-MM-DD HH:MM:SS UTC`.
fn utc_now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    utc(secs)
}

/// `secs` after 1970-01-01 as `YYYY-MM-DD HH:MM:SS UTC` (the civil calendar from a day count,
/// as in Howard Hinnant's `civil_from_days`).
fn utc(secs: u64) -> String {
    let (days, rest) = ((secs / 86_400) as i64, secs % 86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
        rest / 3_600,
        rest % 3_600 / 60,
        rest % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_civil_utc() {
        assert_eq!(utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc(951_782_400), "2000-02-29 00:00:00 UTC");
        assert_eq!(utc(1_700_000_000), "2023-11-14 22:13:20 UTC");
        assert_eq!(utc(4_107_542_399), "2100-02-28 23:59:59 UTC");
    }

    #[test]
    fn a_second_exclusive_lock_is_refused_with_the_holder_and_a_shared_one_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let first = FolderLock::take(dir.path(), Access::Exclusive).unwrap();
        let e = FolderLock::take(dir.path(), Access::Exclusive)
            .unwrap_err()
            .to_string();
        assert!(e.contains(&format!("pid {}", std::process::id())), "{e}");
        assert!(e.contains("--wait"), "{e}");
        assert!(FolderLock::take(dir.path(), Access::Shared).is_err());
        drop(first);
        let lock_file = dir.path().join(".revsim/lock");
        assert_eq!(std::fs::read(&lock_file).unwrap(), b"", "the record goes");
        // Shards share it, and both are on record; a writer of the whole folder is refused.
        let a = FolderLock::take(dir.path(), Access::Shared).unwrap();
        let b = FolderLock::take(dir.path(), Access::Shared).unwrap();
        let e = FolderLock::take(dir.path(), Access::Exclusive)
            .unwrap_err()
            .to_string();
        assert!(e.contains("shards (the last to take it: pid"), "{e}");
        drop((a, b));
        FolderLock::take(dir.path(), Access::Exclusive).unwrap();
    }
}

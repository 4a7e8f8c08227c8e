//! Ctrl-C (SIGINT), SIGTERM and SIGHUP: stop at once, with nothing half-written.
//!
//! Every output file is written to a temporary file and renamed into place
//! ([`crate::output_dir::OutputDir::write`]), and each such write holds a shared guard from
//! [`writing`] from before its temporary file is created until after the rename. On a signal,
//! the handler ([`install`]) takes the guard exclusively, so it waits for the writes in flight to
//! finish and lets no new one start, then says what the command kept and exits with code 130
//! (128 + SIGINT, the shell's convention). A run's `run.json` is written last, so a directory
//! interrupted before it was written has no manifest: it does not claim to hold a finished run;
//! one interrupted while it was written gets it whole, and the message says so ([`finished`]).
//! Batches keep each finished variant, so rerunning the command resumes it.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, RwLock, RwLockReadGuard};

/// Exit code after an interruption.
pub const EXIT_CODE: i32 = 130;

static WRITES: RwLock<()> = RwLock::new(());
static STOPPING: AtomicBool = AtomicBool::new(false);
static WRITTEN: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
static HINT: Mutex<String> = Mutex::new(String::new());
static FINISHED: Mutex<Option<PathBuf>> = Mutex::new(None);

/// Installs the handler (once, from the command line's `main`). Failing to install it (another
/// handler is set, as in a test harness) leaves the default behaviour.
pub fn install() {
    let _ = ctrlc::set_handler(on_signal);
}

/// A guard held while one output file is written and renamed into place.
pub fn writing() -> RwLockReadGuard<'static, ()> {
    WRITES.read().unwrap_or_else(|e| e.into_inner())
}

/// Records a file written completely (for the message on interruption).
pub fn written(path: &Path) {
    if let Ok(mut w) = WRITTEN.lock() {
        w.push(path.to_path_buf());
    }
}

/// Records that the command's manifest, its last file, is complete at `path`: an interruption
/// from now on says that the folder holds the finished results, not that the command stopped
/// short.
pub fn finished(path: &Path) {
    if let Ok(mut f) = FINISHED.lock() {
        *f = Some(path.to_path_buf());
    }
}

/// Sets what an interruption leaves behind, said after the list of files kept: for example
/// that a batch resumes when rerun.
pub fn set_hint(hint: impl Into<String>) {
    if let Ok(mut h) = HINT.lock() {
        *h = hint.into();
    }
}

/// Waits, when a signal has arrived, for its handler to end the process: called by `main`
/// before the command returns its own exit code. Without it, a signal landing on the last
/// write (the manifest) races the handler: once that write's guard is released the command
/// could return 0 before the handler, waiting for the guard, says what was kept and exits with
/// 130.
pub fn wait_if_stopping() {
    if stopping() {
        loop {
            std::thread::park();
        }
    }
}

/// Whether a signal has arrived (the process is about to exit).
pub fn stopping() -> bool {
    STOPPING.load(Ordering::Relaxed)
}

fn on_signal() {
    if STOPPING.swap(true, Ordering::SeqCst) {
        return;
    }
    // Wait for the writes in flight, and let no new one start.
    let _all = WRITES.write().unwrap_or_else(|e| e.into_inner());
    eprintln!("\n{}", message());
    std::process::exit(EXIT_CODE);
}

/// What the command kept, for the message on interruption.
fn message() -> String {
    let written = WRITTEN.lock().map(|w| w.clone()).unwrap_or_default();
    let hint = HINT.lock().map(|h| h.clone()).unwrap_or_default();
    let finished = FINISHED.lock().ok().and_then(|f| f.clone());
    let mut m = String::from("interrupted: ");
    if written.is_empty() {
        m.push_str("nothing was written");
    } else {
        let shown: Vec<String> = written
            .iter()
            .take(6)
            .map(|p| p.display().to_string())
            .collect();
        m.push_str(&format!(
            "kept {} complete file(s): {}{}",
            written.len(),
            shown.join(", "),
            if written.len() > shown.len() {
                ", ..."
            } else {
                ""
            }
        ));
    }
    m.push_str("; no file is half-written");
    if let Some(manifest) = finished {
        let name = manifest.file_name().map_or_else(
            || manifest.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        m.push_str(&format!(
            ". {name}, written last, is complete: the command had finished writing its results, and nothing needs to run again"
        ));
    } else if !hint.is_empty() {
        m.push_str(". ");
        m.push_str(&hint);
    }
    m
}

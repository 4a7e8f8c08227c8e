//! Reading an input file: only a regular file (or standard input, written `-`, where a command
//! allows it), and never more bytes than its kind allows. A device such as `/dev/zero`, a
//! named pipe (which would block for ever), a directory or a file over the limit is refused
//! before anything is read, with an input error (exit 2) that names the file and the limit.
//!
//! Every file revsim reads goes through [`read_bytes`] or [`read_text`] with one of the kinds
//! below; docs/guarantees.md lists the limits.

use std::io::Read;
use std::path::Path;

use super::InputError;

/// A kind of input file: what messages call it and the most bytes revsim reads of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kind {
    /// What the file is, as messages name it ("scenario file").
    pub what: &'static str,
    /// The most bytes read; a larger file is refused unread.
    pub max_bytes: u64,
    /// The help line for a file that does not exist.
    pub missing_help: &'static str,
    /// The help line for a file over the limit.
    pub large_help: &'static str,
    /// The help line for a text file that is not UTF-8.
    pub utf8_help: &'static str,
}

const MIB: u64 = 1 << 20;

/// A scenario file, and each file it extends (a scenario is a few kilobytes of TOML).
pub const SCENARIO: Kind = Kind {
    what: "scenario file",
    max_bytes: 4 * MIB,
    missing_help: "check the path; `revsim init FILE` writes a starter scenario",
    large_help: "a scenario is a few kilobytes of TOML: check that this is the file you meant",
    utf8_help: "save the scenario as UTF-8",
};

/// A batch file of named variants (`sweep --variants`).
pub const BATCH: Kind = Kind {
    what: "batch file",
    max_bytes: 16 * MIB,
    missing_help: "check the path of the batch file of [[variant]] tables",
    large_help: "a batch holds at most 10,000 variants, a few megabytes of TOML: check that this is the file you meant",
    utf8_help: "save the batch file as UTF-8",
};

/// A CRM export of opportunities (`calibrate`, `backtest`, a scenario's `[open_pipeline]`).
pub const CRM_EXPORT: Kind = Kind {
    what: "export",
    max_bytes: 1024 * MIB,
    missing_help: "check the path; export the report or deals view as CSV",
    large_help: "1 GiB holds about five million opportunities: export only the columns revsim reads, or a window of creation dates",
    utf8_help: "save the export as \"CSV UTF-8\" (Excel: File > Save As > CSV UTF-8)",
};

/// A file revsim wrote into a batch's folder: its plan (`batch.json`) or a finished variant
/// (`variants/<key>.json`).
pub const BATCH_RECORD: Kind = Kind {
    what: "batch record",
    max_bytes: 64 * MIB,
    missing_help: "give the --out directory of a sweep or of its shards",
    large_help: "revsim writes these files far smaller: the folder holds a file revsim did not write",
    utf8_help: "rerun the batch: revsim writes these files as UTF-8",
};

/// One part of a sharded run (`run-part-I-of-N.bin`), read by `merge`.
pub const RUN_PART: Kind = Kind {
    what: "run part",
    max_bytes: 64 * 1024 * MIB,
    missing_help: "give the --out directories of `revsim run --shard`",
    large_help: "a part of the largest run revsim allows is far smaller: the folder holds a file revsim did not write",
    utf8_help: "rerun that shard",
};

/// A saved column mapping for CRM exports (`--map FILE`): a few lines of TOML.
pub const COLUMN_MAP: Kind = Kind {
    what: "column-mapping file",
    max_bytes: MIB,
    missing_help: "check the path; a mapping file is TOML with a [map] table of field = \"Header\" (docs/calibrate.md, \"A saved mapping\"); --map FIELD=HEADER names one column",
    large_help: "a mapping file is a few lines of TOML: check that this is the file you meant",
    utf8_help: "save the mapping file as UTF-8",
};

/// How messages name standard input.
pub const STDIN_LABEL: &str = "<stdin>";

/// Whether `path` is `-`, standard input.
pub fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// The size as people read it: `4 MiB`, `1 GiB`, `1.5 GiB`, `312 bytes`.
pub fn size_words(bytes: u64) -> String {
    let units = [(1u64 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")];
    for (unit, name) in units {
        if bytes >= unit {
            let v = bytes as f64 / unit as f64;
            return if (v - v.round()).abs() < 0.05 {
                format!("{} {name}", v.round())
            } else {
                format!("{v:.1} {name}")
            };
        }
    }
    format!("{bytes} bytes")
}

/// What a path that is not a regular file is, for the message that refuses it.
fn not_regular(meta: &std::fs::Metadata) -> Option<&'static str> {
    let t = meta.file_type();
    if t.is_file() {
        return None;
    }
    if t.is_dir() {
        return Some("a directory");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return Some("a named pipe (FIFO), which could block for ever");
        }
        if t.is_char_device() || t.is_block_device() {
            return Some("a device, which can be endless");
        }
        if t.is_socket() {
            return Some("a socket");
        }
    }
    Some("not a regular file")
}

/// Why a file was not read, and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    /// What went wrong, e.g. "it is a directory; revsim reads only regular files".
    pub reason: String,
    /// The fix.
    pub help: &'static str,
}

impl Refused {
    /// The error about `shown`: "cannot read the scenario file: REASON".
    pub fn error(self, shown: &str, kind: Kind) -> InputError {
        InputError::file(
            shown,
            format!("cannot read the {}: {}", kind.what, self.reason),
        )
        .help(self.help)
    }
}

fn not_regular_reason(what: &str, stdin: bool) -> Refused {
    Refused {
        reason: format!(
            "it is {what}; revsim reads only regular files{}",
            if stdin {
                " (or standard input, written -)"
            } else {
                ""
            }
        ),
        help: "give the path of the file itself",
    }
}

fn too_large(kind: Kind, size: Option<u64>) -> Refused {
    let size = match size {
        Some(s) => format!("it is {}", size_words(s)),
        None => "it holds more".to_string(),
    };
    Refused {
        reason: format!(
            "{size}, over the limit of {} for a {}",
            size_words(kind.max_bytes),
            kind.what
        ),
        help: kind.large_help,
    }
}

fn io_reason(e: &std::io::Error, kind: Kind) -> Refused {
    Refused {
        reason: e.to_string(),
        help: if e.kind() == std::io::ErrorKind::NotFound {
            kind.missing_help
        } else {
            "check that the file is readable"
        },
    }
}

/// The bytes of the input file `path` of kind `kind`; `-` reads standard input when `stdin`
/// allows it. Refuses anything but a regular file, and a file over the kind's limit, before
/// reading it.
pub fn try_read(path: &Path, kind: Kind, stdin: bool) -> Result<Vec<u8>, Refused> {
    if stdin && is_stdin(path) {
        return read_limited(std::io::stdin().lock(), kind);
    }
    let meta = std::fs::metadata(path).map_err(|e| io_reason(&e, kind))?;
    if let Some(what) = not_regular(&meta) {
        return Err(not_regular_reason(what, stdin));
    }
    if meta.len() > kind.max_bytes {
        return Err(too_large(kind, Some(meta.len())));
    }
    // Opened without blocking, and checked again on the handle: a path swapped for a pipe or
    // a device after the check above is refused too.
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path).map_err(|e| io_reason(&e, kind))?;
    let meta = file.metadata().map_err(|e| io_reason(&e, kind))?;
    if let Some(what) = not_regular(&meta) {
        return Err(not_regular_reason(what, stdin));
    }
    read_limited(file, kind)
}

/// Reads `r` to its end, refusing more than `kind`'s limit (a file that grows while it is
/// read, standard input).
fn read_limited(r: impl Read, kind: Kind) -> Result<Vec<u8>, Refused> {
    let mut bytes = Vec::new();
    r.take(kind.max_bytes + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| io_reason(&e, kind))?;
    if bytes.len() as u64 > kind.max_bytes {
        return Err(too_large(kind, None));
    }
    Ok(bytes)
}

/// As [`try_read`], with the refusal as an input error about `shown` (or `<stdin>`).
pub fn read_bytes(
    path: &Path,
    shown: &str,
    kind: Kind,
    stdin: bool,
) -> Result<Vec<u8>, InputError> {
    try_read(path, kind, stdin).map_err(|r| r.error(label(path, shown, stdin), kind))
}

/// How messages name `path`: `<stdin>` for standard input, otherwise `shown`.
fn label<'a>(path: &Path, shown: &'a str, stdin: bool) -> &'a str {
    if stdin && is_stdin(path) {
        STDIN_LABEL
    } else {
        shown
    }
}

/// As [`read_bytes`], for a text file: the bytes must be UTF-8.
pub fn read_text(path: &Path, shown: &str, kind: Kind, stdin: bool) -> Result<String, InputError> {
    let bytes = read_bytes(path, shown, kind, stdin)?;
    String::from_utf8(bytes).map_err(|e| {
        InputError::file(
            label(path, shown, stdin),
            format!("the file is not UTF-8 text ({e})"),
        )
        .help(kind.utf8_help)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_people_say_them() {
        assert_eq!(size_words(4 << 20), "4 MiB");
        assert_eq!(size_words(1 << 30), "1 GiB");
        assert_eq!(size_words(3 << 29), "1.5 GiB");
        assert_eq!(size_words(312), "312 bytes");
    }

    #[test]
    fn a_file_over_its_limit_is_refused_unread() {
        let dir = std::env::temp_dir().join(format!("revsim-input-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("big.toml");
        let small = Kind {
            max_bytes: 10,
            ..SCENARIO
        };
        std::fs::write(&f, b"0123456789").unwrap();
        assert_eq!(read_bytes(&f, "big.toml", small, false).unwrap().len(), 10);
        std::fs::write(&f, b"0123456789A").unwrap();
        let e = read_bytes(&f, "big.toml", small, false).unwrap_err();
        assert!(
            e.message
                .contains("it is 11 bytes, over the limit of 10 bytes"),
            "{}",
            e.message
        );
        let e = read_bytes(&dir, "dir", SCENARIO, false).unwrap_err();
        assert!(e.message.contains("a directory"), "{}", e.message);
        // `-` is a file name unless standard input is allowed.
        assert!(read_bytes(Path::new("-"), "-", SCENARIO, false).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

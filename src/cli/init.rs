//! `revsim init`: writes the commented starter scenario to a new file.

use std::io::Write;
use std::path::PathBuf;

use crate::diagnostic::InputError;
use crate::report::OutputDir;
use crate::scenario::template;

/// Arguments of `revsim init`.
#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// File to create.
    pub file: PathBuf,
    /// Replace the file if it exists.
    #[arg(long)]
    pub force: bool,
}

/// Runs `revsim init`.
pub fn init(a: &InitArgs) -> anyhow::Result<()> {
    let file = &a.file;
    let shown = file.display().to_string();
    if file.exists() && !a.force {
        return Err(
            InputError::file(&shown, "the file already exists; refusing to overwrite it")
                .help("choose another name, or pass --force to replace it")
                .into(),
        );
    }
    let parent = match file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !parent.is_dir() {
        return Err(InputError::file(&shown, "its folder does not exist")
            .help("create the folder first")
            .into());
    }
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let dir = OutputDir::existing(&parent);
    dir.write(&name, |w| w.write_all(template::STARTER.as_bytes()))?;
    writeln!(
        std::io::stdout().lock(),
        "Wrote {shown}: edit it, then `revsim run {shown}`."
    )?;
    Ok(())
}

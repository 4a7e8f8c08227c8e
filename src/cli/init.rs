//! `revsim init`: writes the commented starter scenario to a new file, and the JSON Schema its
//! `#:schema` line names beside it; `revsim init -` prints the scenario to standard output.

use std::io::Write;
use std::path::PathBuf;

use crate::diagnostic::InputError;
use crate::report::OutputDir;
use crate::scenario::template;

/// Arguments of `revsim init`.
#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// File to create (`-`: print the scenario to standard output). The JSON Schema editors
    /// use is written beside it as revsim.schema.json, unless a file of that name is there.
    pub file: PathBuf,
    /// Replace the file if it exists.
    #[arg(long)]
    pub force: bool,
}

/// Runs `revsim init`.
pub fn init(a: &InitArgs) -> anyhow::Result<()> {
    let file = &a.file;
    if crate::diagnostic::input::is_stdin(file) {
        std::io::stdout()
            .lock()
            .write_all(template::STARTER.as_bytes())?;
        return Ok(());
    }
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
    let mut out = std::io::stdout().lock();
    writeln!(out, "Wrote {shown}: edit it, then `revsim run {shown}`.")?;
    // The `#:schema` line names the schema beside the file: write it there, unless a file of
    // that name exists (never overwritten: it may be the user's own).
    let schema_name = template::SCHEMA_FILE;
    let schema = format!(
        "{}\n",
        serde_json::to_string_pretty(&crate::scenario::schema::json_schema())?
    );
    match std::fs::read(parent.join(schema_name)) {
        Ok(old) if old == schema.as_bytes() => {}
        Ok(_) => writeln!(
            out,
            "Left {schema_name} as it is; if editors complain of keys this revsim knows, \
             `revsim schema > {schema_name}` brings it up to date."
        )?,
        Err(_) => {
            dir.write(schema_name, |w| w.write_all(schema.as_bytes()))?;
            writeln!(
                out,
                "Wrote {schema_name} beside it, for editors' completion and checks."
            )?;
        }
    }
    Ok(())
}

//! `revsim schema`: prints the JSON Schema of the scenario format, for editor completion.

use std::io::Write;

/// Runs `revsim schema`.
pub fn schema() -> anyhow::Result<()> {
    let schema = crate::scenario::schema::json_schema();
    writeln!(
        std::io::stdout().lock(),
        "{}",
        serde_json::to_string_pretty(&schema)?
    )?;
    Ok(())
}

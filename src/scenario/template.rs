//! The starter scenario `revsim init` writes: every key, commented.

/// The commented starter scenario.
pub const STARTER: &str = include_str!("starter.toml");

/// The schema file the starter's `#:schema` line names, relative to the scenario file.
pub const SCHEMA_FILE: &str = "revsim.schema.json";

/// The starter with every optional setting in use: each line that starts with `#` followed
/// by a key or a table header (not `# ` prose, nor the `#:schema` line) loses its `#`.
pub fn uncommented(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let setting = line.strip_prefix('#').filter(|rest| {
            rest.starts_with(|c: char| c == '[' || c == '"' || c.is_ascii_lowercase())
        });
        out.push_str(setting.unwrap_or(line));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn starter_loads() {
        let s = super::super::Scenario::from_toml(super::STARTER, "starter.toml", "starter")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(s.name, "my-org");
    }

    #[test]
    fn the_starter_names_its_schema_file() {
        assert!(super::STARTER.starts_with(&format!("#:schema ./{}\n", super::SCHEMA_FILE)));
    }

    #[test]
    fn the_starter_loads_with_every_optional_setting_in_use() {
        let all = super::uncommented(super::STARTER);
        // Every optional table is there to uncomment.
        for table in [
            "[leadership]",
            "[leadership.board_review]",
            "[leadership.transition]",
            "[leadership.initiative]",
            "[[events]]",
            "[market]",
            "[market.loadings]",
            "[coverage]",
            "[managers]",
            "[performance_management]",
            "[open_pipeline]",
            "[uncertainty.correlation]",
        ] {
            assert!(
                all.lines().any(|l| l.starts_with(table)),
                "the starter has no {table}"
            );
        }
        // [open_pipeline] names a CSV export beside the file: give it one.
        let tmp = std::env::temp_dir().join(format!("revsim-starter-{}", std::process::id()));
        std::fs::create_dir_all(&tmp).unwrap();
        std::fs::write(
            tmp.join("open-deals.csv"),
            include_str!("../../scenarios/open-pipeline.csv"),
        )
        .unwrap();
        let file = tmp.join("all.toml");
        std::fs::write(&file, &all).unwrap();
        let loaded = super::super::Scenario::load(&file);
        let _ = std::fs::remove_dir_all(&tmp);
        let s = loaded.unwrap_or_else(|e| panic!("{e}"));
        assert!(s.leadership.is_some());
    }
}

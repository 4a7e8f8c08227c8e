//! The starter scenario `revsim init` writes: every key, commented.

/// The commented starter scenario.
pub const STARTER: &str = include_str!("starter.toml");

#[cfg(test)]
mod tests {
    #[test]
    fn starter_loads() {
        let s = super::super::Scenario::from_toml(super::STARTER, "starter.toml", "starter")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(s.name, "my-org");
    }
}

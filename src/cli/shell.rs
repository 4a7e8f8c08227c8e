//! `revsim completions SHELL` and `revsim man [COMMAND]`: shell completions and man pages,
//! generated from the same command-line definition as `--help` (clap_complete, clap_mangen).

use std::io::Write;

use clap::CommandFactory;

use crate::diagnostic::InputError;

/// Arguments of `revsim completions`.
#[derive(Debug, clap::Args)]
pub struct CompletionsArgs {
    /// The shell: bash, zsh, fish, elvish or powershell.
    pub shell: clap_complete::Shell,
}

/// Arguments of `revsim man`.
#[derive(Debug, clap::Args)]
pub struct ManArgs {
    /// A command whose page to print (`revsim-run(1)`); without one, revsim's own page.
    pub command: Option<String>,
}

/// Runs `revsim completions SHELL`: the completion script on standard output.
pub fn completions(a: &CompletionsArgs) -> anyhow::Result<()> {
    let mut cmd = super::Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(a.shell, &mut cmd, "revsim", &mut out);
    std::io::stdout().lock().write_all(&out)?;
    Ok(())
}

/// Runs `revsim man`: the man page (roff) on standard output.
pub fn man(a: &ManArgs) -> anyhow::Result<()> {
    let cmd = super::Cli::command();
    let page = match &a.command {
        None => cmd,
        Some(name) => {
            let Some(sub) = cmd.find_subcommand(name) else {
                let names: Vec<&str> = cmd.get_subcommands().map(|s| s.get_name()).collect();
                return Err(InputError::file(name, "not a revsim command")
                    .help(format!("the commands are: {}", names.join(", ")))
                    .into());
            };
            // clap takes a static name (its `string` feature is off): this one command's page
            // is printed once, then the process ends.
            let full: &'static str =
                Box::leak(format!("revsim-{}", sub.get_name()).into_boxed_str());
            sub.clone().name(full).version(env!("CARGO_PKG_VERSION"))
        }
    };
    let mut out = Vec::new();
    clap_mangen::Man::new(page).render(&mut out)?;
    std::io::stdout().lock().write_all(&out)?;
    Ok(())
}

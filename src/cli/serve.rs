//! `revsim serve`: the local what-if page (see [`crate::serve`]).

use std::io::Write;
use std::net::IpAddr;
use std::path::PathBuf;

use crate::diagnostic::InputError;

/// Arguments of `revsim serve`.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Folder whose scenario files (*.toml) the page lists.
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// Port to listen on (0: any free port; the address is printed).
    #[arg(long, default_value_t = crate::serve::DEFAULT_PORT)]
    pub port: u16,
    /// Address to listen on. Anything but this machine's loopback lets other machines reach
    /// the page and its save button: a warning is printed.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: IpAddr,
    /// The most trials one answer runs (a scenario asking for more is run with this many, and
    /// the page says so).
    #[arg(long, default_value_t = crate::serve::DEFAULT_MAX_TRIALS as u64)]
    pub max_trials: u64,
}

/// Runs `revsim serve` until it is stopped (Ctrl-C).
pub fn serve(a: &ServeArgs) -> anyhow::Result<()> {
    let max_trials = super::at_most_max_trials("--max-trials", a.max_trials)?;
    if max_trials == 0 {
        return Err(
            InputError::file("--max-trials", "0 trials cannot give a distribution")
                .help("use at least 1")
                .into(),
        );
    }
    if !crate::serve::is_loopback(a.host) {
        super::warn(&format!(
            "listening on {}: other machines on the network can open the page, run simulations and save scenario files in {} (anyone who can reach it; there is no password)",
            a.host,
            a.dir.display()
        ));
    }
    let o = crate::serve::Options {
        dir: a.dir.clone(),
        host: a.host,
        port: a.port,
        max_trials,
    };
    crate::serve::serve(&o, |url| {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(
            out,
            "Serving the scenarios of {} at {url}\nOpen that address in a browser; Ctrl-C stops the server.",
            a.dir.display()
        );
        let _ = out.flush();
    })
}

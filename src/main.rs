//! The `revsim` command: parses arguments, runs, and maps failures to exit codes
//! (0 ok, 2 bad input, 1 internal failure).

use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    match revsim::cli::main(std::env::args_os()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if revsim::cli::is_broken_pipe(&e) => ExitCode::SUCCESS, // e.g. `revsim schema | head`
        Err(e) => {
            // A closed stderr loses the message, not the exit code (`eprintln!` would panic).
            let _ = writeln!(std::io::stderr().lock(), "error: {e:#}");
            ExitCode::from(revsim::cli::exit_code(&e))
        }
    }
}

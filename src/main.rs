//! The `revsim` command: parses arguments, runs, and maps failures to exit codes
//! (0 ok, 2 bad input, 1 internal failure).

use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    let result = revsim::cli::main(std::env::args_os());
    // A signal that arrived while the command was finishing is answered by its handler (exit
    // code 130, and what was kept), not by this return.
    revsim::interrupt::wait_if_stopping();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if revsim::cli::is_broken_pipe(&e) => ExitCode::SUCCESS, // e.g. `revsim schema | head`
        Err(e) => {
            // Coloured on a terminal (unless NO_COLOR), plain in a pipe or a file.
            let colour = revsim::diagnostic::colour_stderr();
            // An input error on its own renders itself; one inside context (a batch's variant)
            // keeps the whole chain.
            let alone = e.chain().count() == 1;
            let text = match e.downcast_ref::<revsim::diagnostic::InputError>() {
                Some(input) if alone => input.report(colour),
                _ if colour => format!("{} {e:#}", revsim::diagnostic::ERROR_LABEL_COLOURED),
                _ => format!("error: {e:#}"),
            };
            // A closed stderr loses the message, not the exit code (`eprintln!` would panic).
            let _ = writeln!(std::io::stderr().lock(), "{text}");
            ExitCode::from(revsim::cli::exit_code(&e))
        }
    }
}

//! The `classify` binary: parses arguments, calls the library, prints, and
//! chooses the exit status (0 all well, 1 something failed, 2 usage). All
//! the work is in the library; `cli/` only wires it.

mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    if !cli.handles_signals() {
        remove_temp_files_on_signals();
    }
    match cli.run() {
        Ok(code) => code,
        Err(e) => e.report(),
    }
}

/// On SIGINT or SIGTERM, removes the temporary file of a model or report
/// being written, then dies of the signal as if no handler were installed.
fn remove_temp_files_on_signals() {
    #[cfg(unix)]
    {
        use signal_hook::consts::{SIGINT, SIGTERM};
        let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM]) else {
            return;
        };
        std::thread::spawn(move || {
            if let Some(signal) = signals.forever().next() {
                classify::atomic::remove_pending();
                let _ = signal_hook::low_level::emulate_default_handler(signal);
                std::process::exit(128 + signal);
            }
        });
    }
}

//! The kubeatlas binary: parse arguments and hand over to [`kubeatlas::cli`].

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    // A shell asking for completions (the `completions` scripts) is answered here, and exits.
    kubeatlas::cli::scripts::answer_if_asked();
    let args = kubeatlas::cli::args::Args::parse();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("kubeatlas: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    match rt.block_on(kubeatlas::cli::run(args)) {
        Ok(code) => code,
        // The reader of our output went away (`| head`): nothing more to say.
        Err(e) if kubeatlas::cli::out::is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("kubeatlas: {e:#}");
            ExitCode::from(2)
        }
    }
}

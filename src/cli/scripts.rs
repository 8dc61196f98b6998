//! `kubeatlas completions bash|zsh|fish` and `kubeatlas man`, both from the one clap
//! definition in `cli::args`. The scripts call the binary back
//! (`KUBEATLAS_COMPLETE=<shell> kubeatlas -- <words>`, clap_complete's dynamic engine), so values are
//! completed from what is there at the time (`cli::complete`); the man page is clap_mangen's.

use super::complete::Shell;
use clap::CommandFactory as _;
use clap_complete::env::{Bash, EnvCompleter, Fish, Zsh};

/// The environment variable that turns a run of the binary into a completion request (named
/// for this program: a stray `COMPLETE=1` in a user's environment must not hijack a run).
pub const VAR: &str = "KUBEATLAS_COMPLETE";

/// Answer a completion request (the scripts set [`VAR`]) and exit; otherwise return at once.
/// Call before anything is written to stdout.
pub fn answer_if_asked() {
    clap_complete::CompleteEnv::with_factory(super::args::Args::command)
        .var(VAR)
        .complete();
}

/// Write the registration script for `shell`, calling this very binary back.
pub fn write_script(shell: Shell, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let exe = std::env::current_exe()?;
    let exe = exe.to_string_lossy();
    let completer: &dyn EnvCompleter = match shell {
        Shell::Bash => &Bash,
        Shell::Zsh => &Zsh,
        Shell::Fish => &Fish,
    };
    completer.write_registration(VAR, "kubeatlas", "kubeatlas", &exe, out)
}

/// Write the man page (roff) of the whole command line.
pub fn write_man(out: &mut dyn std::io::Write) -> std::io::Result<()> {
    clap_mangen::Man::new(super::args::Args::command()).render(out)
}

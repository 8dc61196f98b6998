//! Standard output of the one-shot commands, written through one locked handle with errors
//! returned: a reader that goes away (`kubeatlas get pods | head`) ends the command quietly,
//! where `println!` would panic.

use std::fmt::Display;
use std::io::{self, Write};

/// Writes `text` as it is.
pub fn text(text: impl Display) -> io::Result<()> {
    let mut out = io::stdout().lock();
    write!(out, "{text}")?;
    out.flush()
}

/// Writes `text` and a newline.
pub fn line(text: impl Display) -> io::Result<()> {
    let mut out = io::stdout().lock();
    writeln!(out, "{text}")?;
    out.flush()
}

/// Whether `e` is standard output's reader having gone away (`EPIPE`).
pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<io::Error>()
            .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
    })
}

/// A line whose loss changes nothing (the exit code carries the command's result: `check`,
/// `lock`): a reader that went away is not an error.
pub fn note(text: impl Display) {
    let _ = line(text);
}

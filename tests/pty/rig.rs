//! What the pty tests share: the real binary started in a pseudo-terminal of a given size, as
//! every test starts it (xterm-256color, its log file, HOME and the XDG folders in the test's
//! own folder, no KUBECONFIG or NO_COLOR from the environment), its output read on a thread
//! into a channel, and a vt100 parser of the same size.

use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};
use std::io::{Read, Write};
use std::path::Path;
use std::sync::mpsc::{Receiver, channel};

/// The program running in a pty.
pub struct Pty {
    pub child: Box<dyn Child + Send + Sync>,
    /// What the program writes, in the chunks it was read in.
    pub bytes: Receiver<Vec<u8>>,
    /// Keys to the program.
    pub writer: Box<dyn Write + Send>,
    /// The master side: the pty stays open as long as it is held.
    pub master: Box<dyn MasterPty + Send>,
}

/// The binary (KUBEATLAS_BIN runs another build of it: a release binary, a harness) with
/// `args`, its files under `dir`.
pub fn command(dir: &Path, args: &[&str]) -> CommandBuilder {
    let bin = std::env::var("KUBEATLAS_BIN")
        .unwrap_or_else(|_| env!("CARGO_BIN_EXE_kubeatlas").to_string());
    let mut cmd = CommandBuilder::new(bin);
    cmd.args(args);
    cmd.arg("--log-file");
    cmd.arg(dir.join("kubeatlas.log"));
    cmd.cwd(dir);
    cmd.env("TERM", "xterm-256color");
    cmd.env_remove("NO_COLOR");
    cmd.env_remove("KUBEATLAS_CRASH_TEST");
    cmd.env("HOME", dir);
    cmd.env("XDG_CONFIG_HOME", dir.join("config"));
    cmd.env("XDG_STATE_HOME", dir.join("state"));
    cmd.env("XDG_DATA_HOME", dir.join("data"));
    cmd.env_remove("KUBECONFIG");
    cmd
}

/// Run `cmd` in a `rows`×`cols` pty.
pub fn spawn(rows: u16, cols: u16, cmd: CommandBuilder) -> Pty {
    let pty = native_pty_system()
        .openpty(PtySize {
            rows,
            cols,
            pixel_width: 0,
            pixel_height: 0,
        })
        .expect("openpty");
    let child = pty.slave.spawn_command(cmd).expect("spawn kubeatlas");
    drop(pty.slave);
    let mut reader = pty.master.try_clone_reader().expect("reader");
    let writer = pty.master.take_writer().expect("writer");
    let (tx, bytes) = channel();
    std::thread::spawn(move || {
        let mut buf = [0u8; 8192];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    Pty {
        child,
        bytes,
        writer,
        master: pty.master,
    }
}

/// A vt100 screen of `rows`×`cols`.
pub fn parser(rows: u16, cols: u16) -> vt100::Parser {
    let nz = |n: u16| std::num::NonZeroU16::new(n).expect("non-zero size");
    vt100::Parser::new(nz(rows), nz(cols), 0)
}

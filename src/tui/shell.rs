//! The terminal handed to a shell and back. The loop ([`super::runtime`]) stops reading keys,
//! leaves the alternate screen (raw mode stays on: every byte goes to the remote terminal,
//! which echoes), and [`hand_over`] copies the keyboard (fd 0, read on a thread that polls
//! so it stops the moment the shell ends and steals no key from the TUI afterwards) to the
//! session, its output to the screen, and each size on SIGWINCH to the resize channel. When
//! the shell exits or the connection drops, the modes a remote program may have switched on
//! are reset, the alternate screen is entered again and the TUI redrawn whole.

use super::terminal::Term;
use crate::actions::exec::{self, Ended, Session};
use crate::catalog::EntityRef;
use crossterm::cursor::{Hide, Show};
use crossterm::execute;
use crossterm::terminal::{Clear, ClearType, EnterAlternateScreen, LeaveAlternateScreen};
use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::sync::mpsc;

/// A connected shell waiting for the terminal.
#[derive(Debug)]
pub struct Handover {
    /// The action batch it belongs to (answered as [`super::Reply::Acted`] when it ends).
    pub batch: u64,
    pub entity: EntityRef,
    pub session: Session,
}

/// Modes a remote program may leave on: application cursor keys and keypad, bracketed paste,
/// mouse reporting, focus events, colours; the cursor visible.
const RESET_MODES: &str =
    "\x1b[?1l\x1b>\x1b[?2004l\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1006l\x1b[?1004l\x1b[0m";

/// Run the session on this terminal; the TUI screen is back when this returns.
pub async fn hand_over(term: &mut Term, session: Session) -> Ended {
    let label = session.label.clone();
    let mut out = std::io::stdout();
    let _ = execute!(out, LeaveAlternateScreen, Show);
    let _ = crossterm::terminal::enable_raw_mode();
    let _ = write!(out, "kubeatlas: shell in {label} (exit to return)\r\n");
    let _ = out.flush();
    let stop = Arc::new(AtomicBool::new(false));
    let (input_tx, input_rx) = mpsc::channel::<Vec<u8>>(64);
    let reader = {
        let stop = stop.clone();
        std::thread::spawn(move || read_stdin(&stop, &input_tx))
    };
    let (size_tx, size_rx) = mpsc::channel::<(u16, u16)>(8);
    if let Ok(size) = crossterm::terminal::size() {
        let _ = size_tx.try_send(size);
    }
    let winch = tokio::spawn(follow_size(size_tx));
    let ended = exec::pump(session, input_rx, tokio::io::stdout(), size_rx).await;
    winch.abort();
    stop.store(true, Ordering::SeqCst);
    let _ = tokio::task::spawn_blocking(move || reader.join()).await;
    let mut out = std::io::stdout();
    let _ = write!(out, "{RESET_MODES}\r\n");
    let _ = crossterm::terminal::enable_raw_mode();
    let _ = execute!(out, EnterAlternateScreen, Clear(ClearType::All), Hide);
    // The screen was someone else's and is blank now: forget the last frame, so the next
    // draw paints every cell (`Terminal::clear` would ask the terminal where its cursor is).
    term.swap_buffers();
    ended
}

/// Each terminal size after a SIGWINCH, until the receiver goes.
#[cfg(unix)]
async fn follow_size(tx: mpsc::Sender<(u16, u16)>) {
    use tokio::signal::unix::{SignalKind, signal};
    let Ok(mut winch) = signal(SignalKind::window_change()) else {
        return;
    };
    while winch.recv().await.is_some() {
        if let Ok(size) = crossterm::terminal::size()
            && tx.send(size).await.is_err()
        {
            return;
        }
    }
}

#[cfg(not(unix))]
async fn follow_size(_tx: mpsc::Sender<(u16, u16)>) {}

/// Read fd 0 until `stop`: poll with a short timeout, read only what is there.
#[cfg(unix)]
fn read_stdin(stop: &AtomicBool, tx: &mpsc::Sender<Vec<u8>>) {
    let mut buf = [0u8; 4096];
    while !stop.load(Ordering::SeqCst) {
        let mut fd = libc::pollfd {
            fd: libc::STDIN_FILENO,
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one valid pollfd, its count, a timeout in ms.
        let ready = unsafe { libc::poll(&mut fd, 1, 50) };
        if ready <= 0 || stop.load(Ordering::SeqCst) {
            continue;
        }
        if fd.revents & (libc::POLLHUP | libc::POLLERR | libc::POLLNVAL) != 0
            && fd.revents & libc::POLLIN == 0
        {
            return;
        }
        // SAFETY: reads at most buf.len() bytes into buf.
        let n = unsafe { libc::read(libc::STDIN_FILENO, buf.as_mut_ptr().cast(), buf.len()) };
        if n <= 0 {
            return;
        }
        if tx.blocking_send(buf[..n as usize].to_vec()).is_err() {
            return;
        }
    }
}

#[cfg(not(unix))]
fn read_stdin(_stop: &AtomicBool, _tx: &mpsc::Sender<Vec<u8>>) {}

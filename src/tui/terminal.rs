//! Terminal setup and teardown: raw mode and the alternate screen, restored on exit, on error
//! and on panic (with a one-line crash note naming the log file).

use crossterm::cursor::Show;
use crossterm::execute;
use crossterm::terminal::{
    Clear, ClearType, EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use std::io::{self, Stdout};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use tokio::sync::Notify;

pub type Term = Terminal<CrosstermBackend<Stdout>>;

/// Whether the terminal is currently in TUI mode (so the panic hook knows to restore it).
static ACTIVE: AtomicBool = AtomicBool::new(false);
static LOG_FILE: Mutex<Option<PathBuf>> = Mutex::new(None);
static CRASHED: OnceLock<Arc<Notify>> = OnceLock::new();
static HOOK: std::sync::Once = std::sync::Once::new();

/// Notified when any thread panicked while the TUI was up (the loop then ends with an error).
pub fn crash_signal() -> Arc<Notify> {
    CRASHED.get_or_init(|| Arc::new(Notify::new())).clone()
}

fn panic_message(info: &std::panic::PanicHookInfo<'_>) -> String {
    if let Some(s) = info.payload().downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = info.payload().downcast_ref::<String>() {
        s.clone()
    } else {
        "panic".to_string()
    }
}

/// Install (once) a panic hook that restores the terminal and prints
/// `kubeatlas crashed: <message>; log: <file>`, keeping the details in the log.
fn install_hook() {
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !ACTIVE.load(Ordering::SeqCst) {
                return previous(info);
            }
            restore();
            let msg = panic_message(info);
            let location = info
                .location()
                .map(|l| format!(" at {}:{}", l.file(), l.line()))
                .unwrap_or_default();
            tracing::error!("panic{location}: {msg}");
            let log = LOG_FILE
                .lock()
                .ok()
                .and_then(|g| g.as_ref().map(|p| p.display().to_string()))
                .unwrap_or_else(|| "-".into());
            eprintln!("kubeatlas crashed: {msg}; log: {log}");
            crash_signal().notify_one();
        }));
    });
}

/// Enter the TUI: raw mode, alternate screen, hidden cursor, panic hook.
pub fn setup(log_file: &Path) -> io::Result<Term> {
    if let Ok(mut g) = LOG_FILE.lock() {
        *g = Some(log_file.to_path_buf());
    }
    install_hook();
    enable_raw_mode()?;
    ACTIVE.store(true, Ordering::SeqCst);
    // Clear with a plain escape sequence: `Terminal::clear` would query the cursor position,
    // which a terminal that does not answer (a bare pty) turns into a 2 s stall and an error.
    if let Err(e) = execute!(io::stdout(), EnterAlternateScreen, Clear(ClearType::All)) {
        restore();
        return Err(e);
    }
    let mut t = match Terminal::new(CrosstermBackend::new(io::stdout())) {
        Ok(t) => t,
        Err(e) => {
            restore();
            return Err(e);
        }
    };
    if let Err(e) = t.hide_cursor() {
        restore();
        return Err(e);
    }
    Ok(t)
}

/// Leave the TUI (idempotent): raw mode off, main screen back, cursor shown.
pub fn restore() {
    if ACTIVE.swap(false, Ordering::SeqCst) {
        let _ = disable_raw_mode();
        let _ = execute!(io::stdout(), LeaveAlternateScreen, Show);
    }
}

//! Running a rule's hook: the command (no shell) with the firing as one JSON document on
//! stdin, killed after its timeout. Always awaited on its own task by the caller, so a hook
//! that hangs never holds up keys, frames or other rules.

use crate::config::rules::HookSpec;
use serde::Serialize;
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// How a hook run ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "kebab-case")]
pub enum HookOutcome {
    /// Exited 0.
    Ok,
    /// Exited non-zero (or by a signal: no code); the first line it wrote to stderr.
    Failed { code: Option<i32>, stderr: String },
    /// Still running after the timeout: killed.
    TimedOut { secs: u64 },
    /// Could not be started (not found, not executable).
    NotStarted { error: String },
}

impl HookOutcome {
    pub fn is_ok(&self) -> bool {
        *self == HookOutcome::Ok
    }

    /// In words, for logs and the alerts view.
    pub fn describe(&self) -> String {
        match self {
            HookOutcome::Ok => "hook ok".into(),
            HookOutcome::Failed {
                code: Some(c),
                stderr,
            } if stderr.is_empty() => {
                format!("hook failed: exit {c}")
            }
            HookOutcome::Failed {
                code: Some(c),
                stderr,
            } => {
                format!("hook failed: exit {c}: {stderr}")
            }
            HookOutcome::Failed { code: None, .. } => "hook killed by a signal".into(),
            HookOutcome::TimedOut { secs } => format!("hook timed out after {secs} s (killed)"),
            HookOutcome::NotStarted { error } => format!("hook could not start: {error}"),
        }
    }
}

/// Run `hook` with `input` on stdin; at most its timeout.
pub async fn run(hook: &HookSpec, input: &[u8]) -> HookOutcome {
    let Some((program, args)) = hook.command.split_first() else {
        return HookOutcome::NotStarted {
            error: "empty command".into(),
        };
    };
    let mut child = match tokio::process::Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
    {
        Ok(c) => c,
        Err(e) => {
            return HookOutcome::NotStarted {
                error: format!("{program}: {e}"),
            };
        }
    };
    let secs = hook.timeout;
    let stdin = child.stdin.take();
    let mut stderr = child.stderr.take();
    let run = async {
        if let Some(mut w) = stdin {
            // A hook that does not read its input is not an error.
            let _ = w.write_all(input).await;
            let _ = w.shutdown().await;
        }
        let mut err = Vec::new();
        if let Some(e) = stderr.as_mut() {
            let _ = e.take(64 * 1024).read_to_end(&mut err).await;
        }
        (child.wait().await, err)
    };
    match tokio::time::timeout(Duration::from_secs(secs), run).await {
        Err(_) => HookOutcome::TimedOut { secs },
        Ok((Err(e), _)) => HookOutcome::NotStarted {
            error: format!("{program}: {e}"),
        },
        Ok((Ok(status), _)) if status.success() => HookOutcome::Ok,
        Ok((Ok(status), err)) => HookOutcome::Failed {
            code: status.code(),
            stderr: String::from_utf8_lossy(&err)
                .lines()
                .next()
                .unwrap_or("")
                .trim()
                .to_string(),
        },
    }
}

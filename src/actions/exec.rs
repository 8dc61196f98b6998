//! Exec: a command — a shell — in one container of a pod, over the `pods/exec` WebSocket the
//! API server speaks (kube's `ws` client offers `v5.channel.k8s.io`, then `v4.channel.k8s.io`,
//! as kubectl does: channel 0 stdin, 1 stdout, 2 stderr, 3 the exit `Status`, 4 resize, 255
//! close in v5). [`Executor::exec`] connects after the same refusals as every action (read-only
//! first: nothing is sent) and writes the audit line; [`pump`] then copies bytes between the
//! session and any input/output (the terminal in the TUI, pipes in tests) until the command
//! exits or the connection drops, and says which ([`Ended`]).

use super::error::ApiFailure;
use super::{Action, ActionError, Executor, Target, words};
use futures::SinkExt;
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Status;
use kube::api::{Api, AttachParams, AttachedProcess, TerminalSize};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc;

/// What k9s runs for a shell: bash where the image has it, else sh.
pub const SHELL: &str = "command -v bash >/dev/null && exec bash || exec sh";

/// How long the WebSocket handshake may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// The shell command line: `sh -c "command -v bash >/dev/null && exec bash || exec sh"`.
pub fn shell_command() -> Vec<String> {
    vec!["sh".into(), "-c".into(), SHELL.into()]
}

/// How a session ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ended {
    /// The command exited with this code (0: success).
    Exited(i32),
    /// The server ended it with a failure other than an exit code (the executable is
    /// missing, the container is gone), in its words.
    Failed(String),
    /// The connection dropped before the command reported its end.
    Dropped(String),
}

impl Ended {
    /// `exited (0)`, `exited with code 3`, `failed: …`, `connection lost: …`.
    pub fn describe(&self) -> String {
        match self {
            Ended::Exited(0) => "exited (0)".into(),
            Ended::Exited(n) => format!("exited with code {n}"),
            Ended::Failed(m) => format!("failed: {m}"),
            Ended::Dropped(m) => format!("connection lost: {m}"),
        }
    }

    /// Whether the session ended as a shell ends (any exit code).
    pub fn is_exit(&self) -> bool {
        matches!(self, Ended::Exited(_))
    }
}

/// A connected exec session.
pub struct Session {
    process: AttachedProcess,
    /// `ctx › ns › pod/container`, for messages.
    pub label: String,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("label", &self.label)
            .finish_non_exhaustive()
    }
}

/// Reads the exit `Status` of channel 3: `Success`, or `NonZeroExitCode` with the code in
/// `details.causes[reason=ExitCode]` (what kubectl turns into its own exit code).
pub fn ended_by(status: &Status) -> Ended {
    if status.status.as_deref() == Some("Success") {
        return Ended::Exited(0);
    }
    let code = status
        .details
        .as_ref()
        .and_then(|d| d.causes.as_ref())
        .and_then(|cs| cs.iter().find(|c| c.reason.as_deref() == Some("ExitCode")))
        .and_then(|c| c.message.as_deref())
        .and_then(|m| m.parse::<i32>().ok());
    match (status.reason.as_deref(), code) {
        (Some("NonZeroExitCode"), Some(code)) => Ended::Exited(code),
        _ => Ended::Failed(
            status
                .message
                .clone()
                .unwrap_or_else(|| "no reason given".into()),
        ),
    }
}

impl Executor {
    /// Connect `a` (an [`Action::Exec`]) to the pod `t`, with a terminal when `tty`: refused
    /// in read-only mode before anything is sent; audited (`ok` once connected, else
    /// `refused`/`failed` with why).
    pub async fn exec(&self, t: &Target, a: &Action, tty: bool) -> Result<Session, ActionError> {
        let r = self.connect_exec(t, a, tty).await;
        let audit = r
            .as_ref()
            .map(|s| format!("exec session opened: {}", s.label))
            .map_err(Clone::clone);
        self.audit_session(t, a, &audit);
        r
    }

    async fn connect_exec(
        &self,
        t: &Target,
        a: &Action,
        tty: bool,
    ) -> Result<Session, ActionError> {
        let client = self.session(t, a)?;
        let Action::Exec { container, command } = a else {
            return Err(ApiFailure::Request(format!("{} is not exec", a.verb())).into());
        };
        let ns = t.namespace.as_deref().unwrap_or("default");
        let api: Api<Pod> = Api::namespaced(client, ns);
        let params = AttachParams {
            container: Some(container.clone()),
            stdin: true,
            stdout: true,
            stderr: !tty,
            tty,
            ..Default::default()
        };
        let connect = api.exec(&t.name, command.clone(), &params);
        let process = match tokio::time::timeout(CONNECT_TIMEOUT, connect).await {
            Ok(Ok(p)) => p,
            Ok(Err(e)) => return Err(words::failure(&e, t, a).into()),
            Err(_) => {
                return Err(ApiFailure::Timeout {
                    secs: CONNECT_TIMEOUT.as_secs(),
                    context: t.context.clone(),
                    kind: t.kind.clone(),
                    name: t.name.clone(),
                }
                .into());
            }
        };
        Ok(Session {
            process,
            label: format!("{} › {ns} › {}/{container}", t.context, t.name),
        })
    }
}

/// Copy `input` to the session's stdin, its stdout (and stderr) to `output`, and each size
/// of `sizes` (width, height) to the resize channel, until the command exits or the
/// connection drops. `input` ending closes stdin (v5: channel 255; v4: the connection).
pub async fn pump<W: AsyncWrite + Unpin>(
    mut session: Session,
    mut input: mpsc::Receiver<Vec<u8>>,
    mut output: W,
    mut sizes: mpsc::Receiver<(u16, u16)>,
) -> Ended {
    let p = &mut session.process;
    let mut stdin = p.stdin();
    let mut stdout = p.stdout();
    let mut stderr = p.stderr();
    let mut resize = p.terminal_size();
    let Some(status) = p.take_status() else {
        return Ended::Dropped("no status channel".into());
    };
    let mut status = std::pin::pin!(status);
    let mut out_buf = vec![0u8; 8192];
    let mut err_buf = vec![0u8; 8192];
    let mut input_open = true;
    let mut sizes_open = true;
    let ended = loop {
        tokio::select! {
            s = &mut status => break s,
            n = read_some(&mut stdout, &mut out_buf) => match n {
                Some(n) => {
                    if output.write_all(&out_buf[..n]).await.is_err() {
                        break None;
                    }
                    let _ = output.flush().await;
                }
                None => stdout = None,
            },
            n = read_some(&mut stderr, &mut err_buf) => match n {
                Some(n) => {
                    if output.write_all(&err_buf[..n]).await.is_err() {
                        break None;
                    }
                    let _ = output.flush().await;
                }
                None => stderr = None,
            },
            chunk = input.recv(), if input_open => match (chunk, stdin.as_mut()) {
                (Some(bytes), Some(w)) => {
                    if w.write_all(&bytes).await.is_err() {
                        input_open = false;
                    }
                }
                (Some(_), None) => {}
                (None, _) => {
                    input_open = false;
                    if let Some(mut w) = stdin.take() {
                        let _ = w.shutdown().await;
                    }
                }
            },
            size = sizes.recv(), if sizes_open => match (size, resize.as_mut()) {
                (Some((width, height)), Some(tx)) => {
                    let _ = tx.send(TerminalSize { width, height }).await;
                }
                (Some(_), None) => {}
                (None, _) => sizes_open = false,
            },
        }
    };
    // What the command wrote before its status is still in the pipe: drain it briefly.
    for r in [&mut stdout, &mut stderr] {
        if r.is_none() {
            continue;
        }
        let buf = &mut out_buf;
        while let Ok(Some(n)) =
            tokio::time::timeout(Duration::from_millis(200), read_some(r, buf)).await
        {
            if output.write_all(&buf[..n]).await.is_err() {
                break;
            }
        }
    }
    let _ = output.flush().await;
    session.process.abort();
    match ended {
        Some(s) => ended_by(&s),
        None => Ended::Dropped("the connection closed before the command reported its end".into()),
    }
}

/// The next bytes of `r` (None at its end, or when there is none: then pending forever, so a
/// `select!` branch without a stream never fires).
async fn read_some<R: tokio::io::AsyncRead + Unpin>(
    r: &mut Option<R>,
    buf: &mut [u8],
) -> Option<usize> {
    match r {
        Some(r) => match r.read(buf).await {
            Ok(0) | Err(_) => None,
            Ok(n) => Some(n),
        },
        None => std::future::pending().await,
    }
}

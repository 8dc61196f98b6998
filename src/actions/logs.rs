//! Pod log streaming: one task per pod (and container), lines sent to the UI as messages.
//! Reads only; never blocks the input loop; ends when the receiver is dropped.

use futures::{AsyncBufReadExt, StreamExt};
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, LogParams};
use tokio::sync::mpsc::Sender;

/// What to stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogRequest {
    pub namespace: String,
    pub pod: String,
    /// None: the pod's only container (the server rejects it when there are several).
    pub container: Option<String>,
    /// The previous (crashed) instance of the container.
    pub previous: bool,
    /// Start with the last N lines.
    pub tail: Option<i64>,
    pub follow: bool,
    /// Prefix each line with `[pod/container]` (several streams merged in one view).
    pub prefix: Option<String>,
}

/// One piece of a log stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogEvent {
    Line(String),
    /// The stream ended: cleanly (None) or with an error in words.
    End(Option<String>),
}

/// The longest line kept; longer lines are cut (a chatty pod cannot blow up memory).
pub const MAX_LINE: usize = 16 * 1024;

/// Stream one container's log into `tx` until it ends or `tx` is closed.
pub async fn stream(client: kube::Client, req: LogRequest, tx: Sender<LogEvent>) {
    let api: Api<Pod> = Api::namespaced(client, &req.namespace);
    let params = LogParams {
        container: req.container.clone(),
        follow: req.follow,
        previous: req.previous,
        tail_lines: req.tail,
        ..Default::default()
    };
    let reader = match api.log_stream(&req.pod, &params).await {
        Ok(r) => r,
        Err(e) => {
            let m = match &e {
                kube::Error::Api(s) => format!("{} ({})", s.message, s.code),
                other => other.to_string(),
            };
            let _ = tx.send(LogEvent::End(Some(m))).await;
            return;
        }
    };
    let mut lines = std::pin::pin!(reader.lines());
    while let Some(line) = lines.next().await {
        let ev = match line {
            Ok(mut l) => {
                if l.len() > MAX_LINE {
                    let mut cut = MAX_LINE;
                    while !l.is_char_boundary(cut) {
                        cut -= 1;
                    }
                    l.truncate(cut);
                    l.push('…');
                }
                match &req.prefix {
                    Some(p) => LogEvent::Line(format!("[{p}] {l}")),
                    None => LogEvent::Line(l),
                }
            }
            Err(e) => {
                let _ = tx.send(LogEvent::End(Some(e.to_string()))).await;
                return;
            }
        };
        if tx.send(ev).await.is_err() {
            return;
        }
    }
    let _ = tx.send(LogEvent::End(None)).await;
}

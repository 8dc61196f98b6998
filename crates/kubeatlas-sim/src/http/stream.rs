//! Chunked response bodies fed by a task, with clean end, abort and disconnect detection.

use axum::body::Body;
use bytes::Bytes;
use tokio::sync::mpsc;

/// Sender half of a streamed body.
pub(crate) struct StreamTx {
    tx: mpsc::Sender<Result<Bytes, std::io::Error>>,
}

impl StreamTx {
    /// Sends a chunk; `false` when the client is gone.
    pub async fn send(&self, chunk: impl Into<Bytes>) -> bool {
        self.tx.send(Ok(chunk.into())).await.is_ok()
    }

    /// Aborts the response mid-stream: the connection is closed without a final chunk.
    pub async fn abort(self) {
        let _ = self
            .tx
            .send(Err(std::io::Error::other(
                "stream dropped by the simulator",
            )))
            .await;
    }

    /// Resolves when the client has gone away.
    pub async fn closed(&self) {
        self.tx.closed().await;
    }
}

/// A streamed body and the sender that feeds it; dropping the sender ends the body cleanly.
pub(crate) fn channel() -> (StreamTx, Body) {
    let (tx, rx) = mpsc::channel::<Result<Bytes, std::io::Error>>(16);
    let stream = futures::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    });
    (StreamTx { tx }, Body::from_stream(stream))
}

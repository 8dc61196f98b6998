//! `SimServer`: serves one `SimCluster` over plain HTTP/1.1 on an ephemeral loopback port.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::cluster::SimCluster;
use super::http::{self, ServerCtx};

/// A running simulated API server. Stops on [`SimServer::shutdown`] or when dropped.
#[derive(Debug)]
pub struct SimServer {
    cluster: Arc<SimCluster>,
    addr: SocketAddr,
    shutdown: CancellationToken,
    task: Option<JoinHandle<()>>,
}

impl SimServer {
    /// Serves `cluster` on `127.0.0.1:0` (an ephemeral port). Must be called inside a Tokio
    /// runtime; the server runs as a task on it.
    pub fn start(cluster: Arc<SimCluster>) -> std::io::Result<SimServer> {
        Self::start_on(cluster, SocketAddr::from(([127, 0, 0, 1], 0)))
    }

    /// Serves `cluster` on a given address (port 0 picks a free one).
    pub fn start_on(cluster: Arc<SimCluster>, addr: SocketAddr) -> std::io::Result<SimServer> {
        let std_listener = std::net::TcpListener::bind(addr)?;
        std_listener.set_nonblocking(true)?;
        let listener = tokio::net::TcpListener::from_std(std_listener)?;
        let addr = listener.local_addr()?;
        let shutdown = CancellationToken::new();
        let ctx = Arc::new(ServerCtx {
            cluster: cluster.clone(),
            shutdown: shutdown.clone(),
            address: addr.to_string(),
        });
        let app = axum::Router::new().fallback(http::handle).with_state(ctx);
        let signal = shutdown.clone().cancelled_owned();
        let task = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app)
                .with_graceful_shutdown(signal)
                .await
            {
                tracing::warn!("simulated API server stopped: {e}");
            }
        });
        Ok(SimServer {
            cluster,
            addr,
            shutdown,
            task: Some(task),
        })
    }

    /// Base URL, e.g. `http://127.0.0.1:38211`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The bound socket address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The cluster being served.
    pub fn cluster(&self) -> &Arc<SimCluster> {
        &self.cluster
    }

    /// Stops accepting, ends open streams and waits (up to 5 s) for connections to finish.
    pub async fn shutdown(mut self) {
        self.shutdown.cancel();
        if let Some(task) = self.task.take() {
            let abort = task.abort_handle();
            if tokio::time::timeout(Duration::from_secs(5), task)
                .await
                .is_err()
            {
                abort.abort();
            }
        }
    }
}

impl Drop for SimServer {
    fn drop(&mut self) {
        self.shutdown.cancel();
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

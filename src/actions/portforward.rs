//! Port-forward: a port on the loopback to a pod's port, over the `pods/portforward`
//! WebSocket (`v4.channel.k8s.io`, as kubectl's WebSocket port-forward: per port a data and an
//! error channel, each opened with the port number). [`Executor::port_forward`] refuses in
//! read-only mode (kubectl's RBAC verb is `create` on `pods/portforward`: it counts as a
//! mutation here, as exec does), checks the pod runs (kubectl's words when not), binds the
//! local port — one already in use is a clear refusal, nothing is forwarded — and writes the
//! audit line; [`Forwarder::serve`] then accepts connections, one WebSocket stream each, as
//! kubectl opens one stream pair per connection.

use super::error::{ApiFailure, Refusal};
use super::{Action, ActionError, Executor, Target, words};
use k8s_openapi::api::core::v1::Pod;
use kube::api::Api;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::net::{TcpListener, TcpStream};

/// Why `[LOCAL:]REMOTE` cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PortsError {
    #[error("no port given: type REMOTE or LOCAL:REMOTE (e.g. 8080 or 9000:8080)")]
    Empty,
    #[error("{0:?} is not a port number (1-65535)")]
    NotAPort(String),
}

/// Reads kubectl's `[LOCAL:]REMOTE`: `8080` (local the same, else any free), `9000:8080`,
/// `:8080` or `0:8080` (any free local port).
pub fn parse_ports(text: &str) -> Result<(u16, Option<u16>), PortsError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(PortsError::Empty);
    }
    let port = |s: &str, zero: bool| -> Result<u16, PortsError> {
        match s.trim().parse::<u16>() {
            Ok(0) if !zero => Err(PortsError::NotAPort(s.trim().to_string())),
            Ok(p) => Ok(p),
            Err(_) => Err(PortsError::NotAPort(s.trim().to_string())),
        }
    };
    match text.split_once(':') {
        None => Ok((port(text, false)?, None)),
        Some(("", remote)) => Ok((port(remote, false)?, Some(0))),
        Some((local, remote)) => Ok((port(remote, false)?, Some(port(local, true)?))),
    }
}

/// One forward running, as the TUI lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForwardRow {
    /// The id the runner knows it by.
    pub id: u64,
    /// `ctx › ns › pod`.
    pub pod: String,
    /// The bound local address (`127.0.0.1:8080`).
    pub local: String,
    pub remote: u16,
    /// Seconds since the epoch it started.
    pub since: i64,
}

/// A forward listening on the loopback; [`Forwarder::serve`] runs it.
pub struct Forwarder {
    listener: TcpListener,
    api: Api<Pod>,
    pod: String,
    remote: u16,
    /// The bound local address.
    pub local: SocketAddr,
    /// `ctx › ns › pod`, for messages.
    pub label: String,
    /// Connections accepted so far.
    pub connections: Arc<AtomicU64>,
}

impl std::fmt::Debug for Forwarder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Forwarder")
            .field("local", &self.local)
            .field("remote", &self.remote)
            .field("label", &self.label)
            .finish_non_exhaustive()
    }
}

/// Bind `port` on the loopback, kubectl's way (`127.0.0.1`).
async fn bind(port: u16) -> std::io::Result<TcpListener> {
    TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port))).await
}

impl Executor {
    /// Open `a` (an [`Action::PortForward`]) to the pod `t`: refused in read-only mode before
    /// anything is sent; the pod must be running; the local port bound. Audited.
    pub async fn port_forward(&self, t: &Target, a: &Action) -> Result<Forwarder, ActionError> {
        let r = self.open_forward(t, a).await;
        let audit = r
            .as_ref()
            .map(|f| format!("forwarding {} → {}:{}", f.local, f.label, f.remote))
            .map_err(Clone::clone);
        self.audit_session(t, a, &audit);
        r
    }

    async fn open_forward(&self, t: &Target, a: &Action) -> Result<Forwarder, ActionError> {
        let client = self.session(t, a)?;
        let Action::PortForward { remote, local } = a else {
            return Err(ApiFailure::Request(format!("{} is not port-forward", a.verb())).into());
        };
        let ns = t.namespace.as_deref().unwrap_or("default");
        let api: Api<Pod> = Api::namespaced(client, ns);
        // kubectl reads the pod first and refuses one that does not run.
        let pod = match tokio::time::timeout(super::exec::CONNECT_TIMEOUT, api.get(&t.name)).await {
            Ok(Ok(p)) => p,
            Ok(Err(e)) => return Err(words::failure(&e, t, a).into()),
            Err(_) => {
                return Err(ApiFailure::Timeout {
                    secs: super::exec::CONNECT_TIMEOUT.as_secs(),
                    context: t.context.clone(),
                    kind: t.kind.clone(),
                    name: t.name.clone(),
                }
                .into());
            }
        };
        let phase = pod
            .status
            .as_ref()
            .and_then(|s| s.phase.clone())
            .unwrap_or_default();
        if phase != "Running" {
            return Err(Refusal::NotRunning { phase }.into());
        }
        let listener = match local {
            Some(port) => bind(*port).await,
            // The same port as the pod's when free, else any free one.
            None => match bind(*remote).await {
                Ok(l) => Ok(l),
                Err(_) => bind(0).await,
            },
        };
        let listener = listener.map_err(|e| Refusal::LocalPort {
            port: local.unwrap_or(*remote),
            reason: if e.kind() == std::io::ErrorKind::AddrInUse {
                "already in use by another program".into()
            } else {
                e.to_string()
            },
        })?;
        let local = listener
            .local_addr()
            .map_err(|e| ApiFailure::Request(e.to_string()))?;
        Ok(Forwarder {
            listener,
            api,
            pod: t.name.clone(),
            remote: *remote,
            local,
            label: format!("{} › {ns} › {}", t.context, t.name),
            connections: Arc::default(),
        })
    }
}

impl Forwarder {
    /// The pod's port.
    pub fn remote(&self) -> u16 {
        self.remote
    }

    /// Accept connections until dropped (abort the task to stop): each gets its own
    /// WebSocket stream to the pod's port; a stream's failure ends that connection only.
    pub async fn serve(self) {
        loop {
            let (tcp, _) = match self.listener.accept().await {
                Ok(c) => c,
                Err(e) => {
                    tracing::warn!("port-forward {}: accept: {e}", self.local);
                    continue;
                }
            };
            self.connections.fetch_add(1, Ordering::Relaxed);
            let api = self.api.clone();
            let pod = self.pod.clone();
            let remote = self.remote;
            tokio::spawn(async move {
                if let Err(e) = connection(api, &pod, remote, tcp).await {
                    tracing::warn!("port-forward {pod}:{remote}: {e}");
                }
            });
        }
    }
}

/// One local connection: a WebSocket to the pod's port, bytes copied both ways until either
/// side closes; the pod's error channel (nothing listens there) ends it with its words.
async fn connection(
    api: Api<Pod>,
    pod: &str,
    remote: u16,
    mut tcp: TcpStream,
) -> Result<(), String> {
    let mut pf = api
        .portforward(pod, &[remote])
        .await
        .map_err(|e| e.to_string())?;
    let mut stream = pf
        .take_stream(remote)
        .ok_or_else(|| format!("no stream for port {remote}"))?;
    let error = pf.take_error(remote);
    let copy = tokio::io::copy_bidirectional(&mut tcp, &mut stream);
    let failed = async {
        match error {
            Some(e) => e.await,
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        r = copy => r.map(|_| ()).map_err(|e| e.to_string()),
        Some(e) = failed => Err(e),
    }
}

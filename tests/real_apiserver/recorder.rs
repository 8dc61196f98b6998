//! A recording proxy in front of the real apiserver: plain HTTP on loopback for the process
//! under test (its kubeconfig points here, with no credentials), every request forwarded as
//! admin through a `kube::Client` and streamed back (watches included). It keeps each
//! request's method, path and query and `Accept` header, and every byte of every answer, so a
//! test can say what was asked for and what ever reached the process.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::Response;
use futures::StreamExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// One request as the process sent it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    /// Path and query (`/api/v1/secrets?watch=true&…`).
    pub uri: String,
    pub accept: String,
}

impl Seen {
    pub fn path(&self) -> &str {
        self.uri.split('?').next().unwrap_or_default()
    }

    pub fn is_watch(&self) -> bool {
        self.uri.contains("watch=true") || self.uri.contains("watch=1")
    }
}

#[derive(Default)]
struct Log {
    requests: Vec<Seen>,
    /// Every byte answered, all responses concatenated.
    received: Vec<u8>,
}

#[derive(Clone)]
struct Shared {
    upstream: kube::Client,
    log: Arc<Mutex<Log>>,
}

/// The proxy; stops when dropped.
pub struct Recorder {
    pub addr: std::net::SocketAddr,
    log: Arc<Mutex<Log>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Recorder {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Recorder {
    /// Listen on a free loopback port, forwarding through `upstream`.
    pub async fn start(upstream: kube::Client) -> Recorder {
        let log = Arc::new(Mutex::new(Log::default()));
        let shared = Shared {
            upstream,
            log: log.clone(),
        };
        let app = axum::Router::new().fallback(forward).with_state(shared);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the recorder");
        let addr = listener.local_addr().expect("recorder address");
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Recorder { addr, log, task }
    }

    /// A kubeconfig with one context `name` whose server is this proxy (no credentials: the
    /// proxy authenticates upstream).
    pub fn kubeconfig(&self, dir: &Path, name: &str) -> PathBuf {
        let path = dir.join(format!("{name}.kubeconfig"));
        let text = format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: {name}\n  cluster:\n    server: http://{addr}\n\
             users:\n- name: {name}\n  user: {{}}\n\
             contexts:\n- name: {name}\n  context: {{cluster: {name}, user: {name}}}\n\
             current-context: {name}\n",
            addr = self.addr
        );
        std::fs::write(&path, text).expect("recorder kubeconfig");
        path
    }

    pub fn requests(&self) -> Vec<Seen> {
        self.log
            .lock()
            .map(|l| l.requests.clone())
            .unwrap_or_default()
    }

    /// Whether `needle` occurs anywhere in what the proxy answered so far.
    pub fn received_contains(&self, needle: &str) -> bool {
        let l = self.log.lock().expect("recorder log");
        let n = needle.as_bytes();
        l.received.windows(n.len()).any(|w| w == n)
    }
}

async fn forward(State(s): State<Shared>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let uri = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "/".into());
    let accept = parts
        .headers
        .get(http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    if let Ok(mut l) = s.log.lock() {
        l.requests.push(Seen {
            method: parts.method.to_string(),
            uri: uri.clone(),
            accept,
        });
    }
    let bytes = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(b) => b,
        Err(e) => return error(format!("reading the request body: {e}")),
    };
    let mut up = http::Request::builder().method(parts.method).uri(&uri);
    for (k, v) in &parts.headers {
        if k != http::header::HOST && k != http::header::AUTHORIZATION {
            up = up.header(k, v);
        }
    }
    let up = match up.body(kube::client::Body::from(bytes.to_vec())) {
        Ok(r) => r,
        Err(e) => return error(format!("building the request: {e}")),
    };
    let answer = match s.upstream.send(up).await {
        Ok(a) => a,
        Err(e) => return error(format!("upstream: {e}")),
    };
    let (mut parts, body) = answer.into_parts();
    parts.headers.remove(http::header::TRANSFER_ENCODING);
    parts.headers.remove(http::header::CONNECTION);
    let log = s.log.clone();
    let stream = Body::new(body).into_data_stream().inspect(move |chunk| {
        if let (Ok(b), Ok(mut l)) = (chunk, log.lock()) {
            l.received.extend_from_slice(b);
        }
    });
    Response::from_parts(parts, Body::from_stream(stream))
}

fn error(text: String) -> Response {
    let mut r = Response::new(Body::from(text));
    *r.status_mut() = http::StatusCode::BAD_GATEWAY;
    r
}

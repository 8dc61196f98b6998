//! WATCH: history replay, synthetic initial state, streaming lists, bookmarks, timeouts, 410.

use std::sync::Arc;
use std::time::Duration;

use axum::response::Response;
use tokio::sync::broadcast::Receiver;
use tokio::sync::broadcast::error::{RecvError, TryRecvError};
use tokio::time::Instant;

use super::ServerCtx;
use super::list::Filter;
use super::objects::Repr;
use super::query::Query;
use super::respond;
use super::stream::{self, StreamTx};
use crate::cluster::{SimCluster, lock};
use crate::object::StoredObject;
use crate::resource::SimResource;
use crate::status::ApiError;
use crate::store::{Event, EventType};

/// Flush the buffer to the client once it holds this much.
const CHUNK: usize = 64 * 1024;
/// The server's default watch duration when `timeoutSeconds` is absent.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(1800);

/// Everything a watch stream needs after the request is parsed.
struct Watch {
    cluster: Arc<SimCluster>,
    res: SimResource,
    filter: Filter,
    repr: Repr,
    bookmarks: bool,
}

fn write_event(buf: &mut Vec<u8>, kind: &str, obj: &StoredObject, repr: Repr) {
    buf.extend_from_slice(br#"{"type":""#);
    buf.extend_from_slice(kind.as_bytes());
    buf.extend_from_slice(br#"","object":"#);
    repr.write(obj, buf);
    buf.extend_from_slice(b"}\n");
}

fn write_bookmark(buf: &mut Vec<u8>, res: SimResource, repr: Repr, rv: u64, initial_end: bool) {
    let annotations = if initial_end {
        r#","annotations":{"k8s.io/initial-events-end":"true"}"#
    } else {
        ""
    };
    let meta =
        format!(r#""metadata":{{"resourceVersion":"{rv}","creationTimestamp":null{annotations}}}"#);
    buf.extend_from_slice(br#"{"type":"BOOKMARK","object":"#);
    match repr {
        Repr::Full => {
            buf.extend_from_slice(res.info().type_prefix.as_bytes());
            buf.extend_from_slice(meta.as_bytes());
            let tail = res.info().bookmark_tail;
            if !tail.is_empty() {
                buf.push(b',');
                buf.extend_from_slice(tail.as_bytes());
            }
            buf.push(b'}');
        }
        Repr::Meta | Repr::Table => {
            buf.extend_from_slice(
                br#"{"kind":"PartialObjectMetadata","apiVersion":"meta.k8s.io/v1","#,
            );
            buf.extend_from_slice(meta.as_bytes());
            buf.push(b'}');
        }
    }
    buf.extend_from_slice(b"}\n");
}

fn error_line(e: &ApiError) -> Vec<u8> {
    let mut out = br#"{"type":"ERROR","object":"#.to_vec();
    out.extend_from_slice(&e.to_bytes());
    out.extend_from_slice(b"}\n");
    out
}

impl Watch {
    /// Writes one store event as this watcher sees it through its selectors: a modification
    /// moving an object into or out of the selection becomes ADDED or DELETED.
    fn write(&self, buf: &mut Vec<u8>, ev: &Event) {
        let now = self.filter.matches(&ev.obj);
        let kind = match ev.kind {
            EventType::Added | EventType::Deleted if now => ev.kind,
            EventType::Modified => {
                let before = ev.prev.as_ref().is_some_and(|p| self.filter.matches(p));
                match (before, now) {
                    (true, true) => EventType::Modified,
                    (false, true) => EventType::Added,
                    (true, false) => EventType::Deleted,
                    (false, false) => return,
                }
            }
            _ => return,
        };
        write_event(buf, kind.as_str(), &ev.obj, self.repr);
    }

    /// Drains events already queued for this watcher; `false` if it lagged too far behind.
    fn drain(&self, rx: &mut Receiver<Arc<Event>>, buf: &mut Vec<u8>) -> bool {
        loop {
            match rx.try_recv() {
                Ok(ev) => self.write(buf, &ev),
                Err(TryRecvError::Empty) | Err(TryRecvError::Closed) => return true,
                Err(TryRecvError::Lagged(_)) => return false,
            }
        }
    }
}

enum Start {
    State(Vec<Arc<StoredObject>>),
    Events(Vec<Arc<Event>>),
}

/// Serves a WATCH request as a chunked stream of JSON lines.
pub(crate) fn serve(
    ctx: &Arc<ServerCtx>,
    res: SimResource,
    ns: Option<&str>,
    q: &Query,
    repr: Repr,
) -> Result<Response, ApiError> {
    let filter = Filter::from_query(res, ns, q)?;
    let bookmarks = q.bool("allowWatchBookmarks")?;
    let send_initial = q.bool("sendInitialEvents")?;
    let rv_match = q.str("resourceVersionMatch");
    if send_initial && rv_match != "NotOlderThan" {
        return Err(ApiError::unprocessable(
            "ListOptions.meta.k8s.io \"\" is invalid: resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan",
        ));
    }
    if send_initial && !bookmarks {
        return Err(ApiError::unprocessable(
            "ListOptions.meta.k8s.io \"\" is invalid: allowWatchBookmarks: Forbidden: sendInitialEvents requires setting allowWatchBookmarks to true",
        ));
    }
    if !send_initial && !rv_match.is_empty() {
        return Err(ApiError::unprocessable(format!(
            "ListOptions.meta.k8s.io \"\" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided (got {rv_match:?})"
        )));
    }
    let timeout = match q.u64("timeoutSeconds")? {
        Some(0) | None => DEFAULT_TIMEOUT,
        Some(s) => Duration::from_secs(s),
    };
    let requested: Option<u64> = match q.str("resourceVersion") {
        "" => None,
        v => Some(
            v.parse()
                .map_err(|_| ApiError::bad_request(format!("invalid resource version: {v}")))?,
        ),
    };
    let w = Watch {
        cluster: ctx.cluster.clone(),
        res,
        filter,
        repr,
        bookmarks,
    };

    let (tx, body) = stream::channel();
    let (rx, start, start_rv) = {
        let store = lock(&w.cluster.store);
        let oldest = store.oldest_watchable(res);
        match requested {
            Some(n) if n > 0 && !send_initial && n < oldest => {
                let line = error_line(&ApiError::expired_watch(n, oldest + 1));
                tokio::spawn(async move {
                    tx.send(line).await;
                });
                return Ok(respond::stream(respond::JSON, body));
            }
            _ => {}
        }
        let rx = store.table(res).tx.subscribe();
        let start = match requested {
            Some(n) if n > 0 && !send_initial => Start::Events(store.events_after(res, n)),
            _ => Start::State(
                store
                    .table(res)
                    .objects
                    .values()
                    .filter(|o| w.filter.matches(o))
                    .cloned()
                    .collect(),
            ),
        };
        (rx, start, store.rv)
    };
    let mut epoch = ctx.cluster.stream_epoch.subscribe();
    epoch.borrow_and_update();
    let shutdown = ctx.shutdown.clone();
    let deadline = Instant::now() + timeout;
    let every = ctx.cluster.bookmark_interval();
    tokio::spawn(async move {
        let mut buf = Vec::new();
        match start {
            Start::State(objs) => {
                for o in objs {
                    write_event(&mut buf, "ADDED", &o, w.repr);
                    if buf.len() >= CHUNK && !tx.send(std::mem::take(&mut buf)).await {
                        return;
                    }
                }
            }
            Start::Events(evs) => {
                for ev in evs {
                    w.write(&mut buf, &ev);
                    if buf.len() >= CHUNK && !tx.send(std::mem::take(&mut buf)).await {
                        return;
                    }
                }
            }
        }
        if send_initial {
            write_bookmark(&mut buf, w.res, w.repr, start_rv, true);
        }
        if !buf.is_empty() && !tx.send(std::mem::take(&mut buf)).await {
            return;
        }
        run(w, rx, tx, shutdown, epoch, deadline, every).await;
    });
    Ok(respond::stream(respond::JSON, body))
}

async fn run(
    w: Watch,
    mut rx: Receiver<Arc<Event>>,
    tx: StreamTx,
    shutdown: tokio_util::sync::CancellationToken,
    mut epoch: tokio::sync::watch::Receiver<u64>,
    deadline: Instant,
    every: Duration,
) {
    let mut ticker = tokio::time::interval_at(Instant::now() + every, every);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let mut buf = Vec::new();
        tokio::select! {
            biased;
            _ = shutdown.cancelled() => return,
            changed = epoch.changed() => {
                if changed.is_ok() {
                    tx.abort().await;
                }
                return;
            }
            _ = tokio::time::sleep_until(deadline) => return,
            _ = tx.closed() => return,
            r = rx.recv() => match r {
                Ok(ev) => {
                    w.write(&mut buf, &ev);
                    if !w.drain(&mut rx, &mut buf) {
                        return;
                    }
                }
                Err(RecvError::Lagged(_)) | Err(RecvError::Closed) => return,
            },
            _ = ticker.tick(), if w.bookmarks => {
                // Under the store lock nothing new can be published, so after draining the
                // queue every event up to `rv` has been written.
                let rv = {
                    let store = lock(&w.cluster.store);
                    if !w.drain(&mut rx, &mut buf) {
                        return;
                    }
                    store.rv
                };
                write_bookmark(&mut buf, w.res, w.repr, rv, false);
            }
        }
        if !buf.is_empty() && !tx.send(buf).await {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bookmark_lines_match_the_capture() {
        let mut buf = Vec::new();
        write_bookmark(&mut buf, SimResource::Pods, Repr::Full, 303, false);
        assert_eq!(
            String::from_utf8_lossy(&buf),
            "{\"type\":\"BOOKMARK\",\"object\":{\"kind\":\"Pod\",\"apiVersion\":\"v1\",\"metadata\":{\"resourceVersion\":\"303\",\"creationTimestamp\":null},\"spec\":{\"containers\":null},\"status\":{}}}\n"
        );
        let mut buf = Vec::new();
        write_bookmark(&mut buf, SimResource::Deployments, Repr::Full, 313, false);
        assert_eq!(
            String::from_utf8_lossy(&buf),
            "{\"type\":\"BOOKMARK\",\"object\":{\"kind\":\"Deployment\",\"apiVersion\":\"apps/v1\",\"metadata\":{\"resourceVersion\":\"313\",\"creationTimestamp\":null},\"spec\":{\"replicas\":0,\"selector\":null,\"template\":{\"metadata\":{\"creationTimestamp\":null},\"spec\":{\"containers\":null}},\"strategy\":{}},\"status\":{}}}\n"
        );
        for res in SimResource::ALL {
            let mut buf = Vec::new();
            write_bookmark(&mut buf, res, Repr::Full, 1, true);
            let v: serde_json::Value = serde_json::from_slice(&buf).unwrap_or_default();
            assert_eq!(
                v["object"]["metadata"]["annotations"]["k8s.io/initial-events-end"],
                "true"
            );
        }
    }
}

//! The store on its own thread: entries arrive over a channel (sending never blocks) and are
//! written in batches, one transaction each; queries are answered asynchronously; the audit
//! log is read as it grows; the store is pruned on start and every hour. A file that cannot
//! be used turns the timeline off with one notice naming it; nothing else stops.

use super::store::{Bounds, Store, StoreError};
use super::{Entry, Query, Reached, audit};
use std::path::PathBuf;
use std::sync::mpsc;
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

/// How long entries wait to be written with the next ones.
const BATCH_WAIT: Duration = Duration::from_millis(250);
/// How often the audit log is looked at.
const AUDIT_EVERY: Duration = Duration::from_secs(1);
/// How often the store is pruned while running.
const PRUNE_EVERY: Duration = Duration::from_secs(3600);

/// Where the store is and how it is bounded.
#[derive(Debug, Clone)]
pub struct Settings {
    pub path: PathBuf,
    pub bounds: Bounds,
    /// The executor's audit log, read for our own actions.
    pub audit_log: Option<PathBuf>,
}

/// A message for the status line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub message: String,
    pub error: bool,
}

enum Cmd {
    Write(Vec<Entry>),
    Query(Query, oneshot::Sender<Result<Vec<Entry>, StoreError>>),
    Reached(
        String,
        String,
        oneshot::Sender<Result<Vec<Reached>, StoreError>>,
    ),
    Flush(oneshot::Sender<Result<u64, StoreError>>),
    LastChanges(oneshot::Sender<Result<Vec<Entry>, StoreError>>),
}

/// The handle: cheap to clone, usable from any task.
#[derive(Clone)]
pub struct Timeline {
    tx: mpsc::Sender<Cmd>,
    path: PathBuf,
}

impl std::fmt::Debug for Timeline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Timeline")
            .field("path", &self.path)
            .finish()
    }
}

/// The thread is gone (the program is ending).
fn gone(path: &std::path::Path) -> StoreError {
    StoreError::Other {
        path: path.to_path_buf(),
        detail: "the timeline writer stopped".into(),
    }
}

impl Timeline {
    /// Start the writer thread; it opens the file itself (never the caller's task) and tells
    /// `notice` when the timeline is off.
    pub fn start(settings: Settings, notice: impl Fn(Notice) + Send + 'static) -> Timeline {
        let (tx, rx) = mpsc::channel();
        let path = settings.path.clone();
        let spawned = std::thread::Builder::new()
            .name("timeline".into())
            .spawn(move || run(settings, rx, notice));
        if let Err(e) = spawned {
            tracing::error!("timeline thread: {e}");
        }
        Timeline { tx, path }
    }

    pub fn path(&self) -> &std::path::Path {
        &self.path
    }

    /// Queue entries for writing (never blocks).
    pub fn record(&self, entries: Vec<Entry>) {
        if !entries.is_empty() {
            let _ = self.tx.send(Cmd::Write(entries));
        }
    }

    /// Entries matching `q`, newest first (everything queued before is written first).
    pub async fn query(&self, q: Query) -> Result<Vec<Entry>, StoreError> {
        let (tx, rx) = oneshot::channel();
        self.tx
            .send(Cmd::Query(q, tx))
            .map_err(|_| gone(&self.path))?;
        rx.await.map_err(|_| gone(&self.path))?
    }

    /// When `version` of `service` first reached each environment.
    pub async fn reached(&self, service: &str, version: &str) -> Result<Vec<Reached>, StoreError> {
        let (tx, rx) = oneshot::channel();
        self.tx
            .send(Cmd::Reached(service.into(), version.into(), tx))
            .map_err(|_| gone(&self.path))?;
        rx.await.map_err(|_| gone(&self.path))?
    }

    /// The newest change of every running service (service × environment), Warnings aside
    /// (everything queued before is written first).
    pub async fn last_changes(&self) -> Result<Vec<Entry>, StoreError> {
        let (tx, rx) = oneshot::channel();
        self.tx
            .send(Cmd::LastChanges(tx))
            .map_err(|_| gone(&self.path))?;
        rx.await.map_err(|_| gone(&self.path))?
    }

    /// Write everything queued and read the audit log now; the number of entries stored.
    pub async fn flush(&self) -> Result<u64, StoreError> {
        let (tx, rx) = oneshot::channel();
        self.tx.send(Cmd::Flush(tx)).map_err(|_| gone(&self.path))?;
        rx.await.map_err(|_| gone(&self.path))?
    }
}

fn now() -> i64 {
    jiff::Timestamp::now().as_second()
}

fn run(settings: Settings, rx: mpsc::Receiver<Cmd>, notice: impl Fn(Notice)) {
    let opened = Store::open(&settings.path).and_then(|mut s| {
        s.prune(settings.bounds, now())?;
        Ok(s)
    });
    let mut store = match opened {
        Ok(s) => s,
        Err(e) => return off(e, rx, notice),
    };
    let mut pending: Vec<Entry> = vec![];
    let mut last_audit: Option<Instant> = None;
    let mut last_prune = Instant::now();
    loop {
        let first = match rx.recv_timeout(BATCH_WAIT) {
            Ok(c) => Some(c),
            Err(mpsc::RecvTimeoutError::Timeout) => None,
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                let _ = store.insert(&pending);
                return;
            }
        };
        let mut asks = vec![];
        for cmd in first
            .into_iter()
            .chain(std::iter::from_fn(|| rx.try_recv().ok()))
        {
            match cmd {
                Cmd::Write(mut e) => pending.append(&mut e),
                other => asks.push(other),
            }
        }
        let flush = asks.iter().any(|c| matches!(c, Cmd::Flush(_)));
        let result = (|| -> Result<(), StoreError> {
            if flush || last_audit.is_none_or(|t| t.elapsed() >= AUDIT_EVERY) {
                last_audit = Some(Instant::now());
                read_audit(&mut store, settings.audit_log.as_deref(), &mut pending)?;
            }
            if !pending.is_empty() {
                store.insert(&pending)?;
                pending.clear();
            }
            if last_prune.elapsed() >= PRUNE_EVERY {
                last_prune = Instant::now();
                store.prune(settings.bounds, now())?;
            }
            Ok(())
        })();
        if let Err(e) = result {
            for a in asks {
                answer(a, Err(e.clone()));
            }
            return off(e, rx, notice);
        }
        for a in asks {
            match a {
                Cmd::Query(q, tx) => {
                    let _ = tx.send(store.query(&q));
                }
                Cmd::Reached(s, v, tx) => {
                    let _ = tx.send(store.reached(&s, &v));
                }
                Cmd::Flush(tx) => {
                    let _ = tx.send(store.count());
                }
                Cmd::LastChanges(tx) => {
                    let _ = tx.send(store.last_changes());
                }
                Cmd::Write(_) => {}
            }
        }
    }
}

fn answer(c: Cmd, e: Result<(), StoreError>) {
    let Err(e) = e else { return };
    match c {
        Cmd::Query(_, tx) => {
            let _ = tx.send(Err(e));
        }
        Cmd::Reached(_, _, tx) => {
            let _ = tx.send(Err(e));
        }
        Cmd::Flush(tx) => {
            let _ = tx.send(Err(e));
        }
        Cmd::LastChanges(tx) => {
            let _ = tx.send(Err(e));
        }
        Cmd::Write(_) => {}
    }
}

/// The timeline is off: say so once, drop writes, answer every question with the error.
fn off(e: StoreError, rx: mpsc::Receiver<Cmd>, notice: impl Fn(Notice)) {
    tracing::warn!("timeline off: {e}");
    notice(Notice {
        message: format!("timeline off: {e}"),
        error: true,
    });
    while let Ok(c) = rx.recv() {
        answer(c, Err(e.clone()));
    }
}

/// Add the audit log's new lines to `pending`, remembering where reading stopped.
fn read_audit(
    store: &mut Store,
    path: Option<&std::path::Path>,
    pending: &mut Vec<Entry>,
) -> Result<(), StoreError> {
    let Some(path) = path else { return Ok(()) };
    let key = format!("audit-offset:{}", path.display());
    let offset = store
        .meta(&key)?
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(0);
    let (lines, next) = match audit::read_from(path, offset) {
        Ok(r) => r,
        Err(e) => {
            tracing::warn!("timeline: audit log {}: {e}", path.display());
            return Ok(());
        }
    };
    if next == offset {
        return Ok(());
    }
    // Entries already queued may place the object (its workload seen this very batch).
    store.insert(pending)?;
    pending.clear();
    for l in &lines {
        let place = store.place_of(&l.context, l.namespace.as_deref().unwrap_or(""), &l.name)?;
        pending.extend(audit::entry(l, place));
    }
    store.set_meta(&key, &next.to_string())
}

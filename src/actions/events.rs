//! The recent Events of one object, as `kubectl describe` finds them: core/v1 events in the
//! object's namespace with the field selector `involvedObject.name`, `.namespace`, `.kind`,
//! `.uid`; listed and then watched (kube-runtime's watcher: list, watch, relist after a
//! `410 Gone`) while the detail view is open, every change sent as the whole sorted list.
//! Nothing is kept once the view closes.

use super::ObjectAddress;
use futures::StreamExt;
use k8s_openapi::api::core::v1::Event as CoreEvent;
use kube::api::Api;
use kube::runtime::watcher;
use serde::Serialize;
use std::collections::BTreeMap;
use tokio::sync::mpsc::Sender;

/// Events shown at most (the most recent).
pub const MAX_EVENTS: usize = 50;

/// One event, as the detail view shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventRow {
    /// `Normal` or `Warning`.
    #[serde(rename = "type")]
    pub type_: String,
    pub reason: String,
    pub count: i32,
    /// When it was last seen, seconds since the epoch.
    pub last_seen: Option<i64>,
    pub message: String,
}

impl EventRow {
    /// Whether this is a `Warning`.
    pub fn is_warning(&self) -> bool {
        self.type_ == "Warning"
    }
}

/// kubectl describe's field selector for `t`'s events (empty fields left out).
pub fn field_selector(t: &ObjectAddress) -> String {
    let mut parts = vec![format!("involvedObject.name={}", t.name)];
    if let Some(ns) = &t.namespace {
        parts.push(format!("involvedObject.namespace={ns}"));
    }
    parts.push(format!("involvedObject.kind={}", t.kind));
    if !t.uid.is_empty() {
        parts.push(format!("involvedObject.uid={}", t.uid));
    }
    parts.join(",")
}

/// An event as a row: its count (1 when unset, as `series` events), and when it was last
/// seen (`lastTimestamp`, else `eventTime`, else `firstTimestamp`, else its creation).
pub fn row(e: &CoreEvent) -> EventRow {
    let last_seen = e
        .last_timestamp
        .as_ref()
        .map(|t| t.0.as_second())
        .or_else(|| e.event_time.as_ref().map(|t| t.0.as_second()))
        .or_else(|| e.first_timestamp.as_ref().map(|t| t.0.as_second()))
        .or_else(|| {
            e.metadata
                .creation_timestamp
                .as_ref()
                .map(|t| t.0.as_second())
        });
    let count = e
        .series
        .as_ref()
        .and_then(|s| s.count)
        .or(e.count)
        .unwrap_or(1);
    EventRow {
        type_: e.type_.clone().unwrap_or_default(),
        reason: e.reason.clone().unwrap_or_default(),
        count,
        last_seen,
        message: e.message.clone().unwrap_or_default().trim().to_string(),
    }
}

/// The rows, most recent first, at most [`MAX_EVENTS`].
pub fn sorted(events: &BTreeMap<String, EventRow>) -> Vec<EventRow> {
    let mut rows: Vec<EventRow> = events.values().cloned().collect();
    rows.sort_by_key(|r| std::cmp::Reverse(r.last_seen));
    rows.truncate(MAX_EVENTS);
    rows
}

/// Follow `t`'s events until `tx` closes: each change sends the whole list; an error is sent
/// once as `Err` (the watcher retries on its own only when this returns; the caller decides).
pub async fn follow(
    client: kube::Client,
    t: ObjectAddress,
    tx: Sender<Result<Vec<EventRow>, String>>,
) {
    let api: Api<CoreEvent> = match &t.namespace {
        Some(ns) => Api::namespaced(client, ns),
        None => Api::all(client),
    };
    let cfg = watcher::Config::default().fields(&field_selector(&t));
    let mut stream = watcher(api, cfg).boxed();
    let mut shown: BTreeMap<String, EventRow> = BTreeMap::new();
    let mut fresh: BTreeMap<String, EventRow> = BTreeMap::new();
    let key = |e: &CoreEvent| {
        e.metadata
            .uid
            .clone()
            .or(e.metadata.name.clone())
            .unwrap_or_default()
    };
    while let Some(ev) = stream.next().await {
        let changed = match ev {
            Ok(watcher::Event::Init) => {
                fresh.clear();
                false
            }
            Ok(watcher::Event::InitApply(e)) => {
                fresh.insert(key(&e), row(&e));
                false
            }
            Ok(watcher::Event::InitDone) => {
                shown = std::mem::take(&mut fresh);
                true
            }
            Ok(watcher::Event::Apply(e)) => {
                shown.insert(key(&e), row(&e));
                true
            }
            Ok(watcher::Event::Delete(e)) => shown.remove(&key(&e)).is_some(),
            Err(e) => {
                let m = format!("events of {}: {e}", t.what());
                if tx.send(Err(m)).await.is_err() {
                    return;
                }
                // The watcher backs off by itself on the next poll; avoid a hot loop.
                tokio::time::sleep(std::time::Duration::from_secs(2)).await;
                false
            }
        };
        if changed && tx.send(Ok(sorted(&shown))).await.is_err() {
            return;
        }
    }
}

//! The server's own table of a resource, as `kubectl get` reads it: LIST with `Accept:
//! application/json;as=Table;v=v1;g=meta.k8s.io,application/json` (so a CRD's
//! `additionalPrinterColumns` come through), pages of 500 with `continue`, then WATCH with the
//! same Accept from the list's resourceVersion (what `kubectl get -w` does). Rows carry only
//! the object's metadata (the server's default `includeObject=PartialObjectMetadata`): no
//! object body — and so no Secret value — is ever fetched this way.

use super::discovery::ApiResourceInfo;
use super::query::encode;
use futures::StreamExt;
use kube::core::WatchEvent;
use serde_json::Value;
use std::time::Duration;

/// What `kubectl get` sends to read a resource as a table.
pub const ACCEPT_TABLE: &str = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";
/// kubectl's page size (`--chunk-size`).
pub const PAGE: usize = 500;
/// How long one LIST page may take.
const REQUEST_LIMIT: Duration = Duration::from_secs(30);

/// One column the server prints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub name: String,
    /// `string`, `integer`, `number`, `boolean`, `date`.
    pub kind: String,
    /// `name` marks the object's name column.
    pub format: String,
    /// 0: shown by `kubectl get`; higher: only with `-o wide`.
    pub priority: i64,
}

/// One object's row: its identity (from the row's metadata) and the cells, as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub uid: String,
    pub name: String,
    pub namespace: Option<String>,
    /// Seconds since the epoch.
    pub created: Option<i64>,
    pub resource_version: String,
    /// Cells as kubectl prints them (empty for a missing value).
    pub cells: Vec<String>,
}

/// A table: the columns and rows of one list (or page, or watch event).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Table {
    pub columns: Vec<Column>,
    pub rows: Vec<Row>,
    pub resource_version: String,
    pub continue_token: Option<String>,
}

/// Why a table could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TableError {
    /// The server's words (a 403 says who may not list what).
    #[error("{0}")]
    Api(String),
    /// The resourceVersion expired (410 Gone): list again.
    #[error("resource version expired")]
    Gone,
    #[error("no answer within {0} s")]
    Timeout(u64),
    #[error("not a Table: {0}")]
    Document(String),
}

/// A cell as kubectl prints it: strings as they are, numbers and booleans in Go's `%v`,
/// a missing value as nothing.
pub fn cell_text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => i.to_string(),
            (None, Some(f)) if f.fract() == 0.0 && f.abs() < 1e21 => format!("{f:.0}"),
            _ => n.to_string(),
        },
        Value::Bool(b) => b.to_string(),
        other => other.to_string(),
    }
}

fn ts(s: &str) -> Option<i64> {
    s.parse::<jiff::Timestamp>().ok().map(|t| t.as_second())
}

/// Parse a `meta.k8s.io/v1 Table` (a list's or a watch event's).
pub fn parse(doc: &Value) -> Result<Table, TableError> {
    if doc.get("kind").and_then(Value::as_str) != Some("Table") {
        let kind = doc.get("kind").and_then(Value::as_str).unwrap_or("nothing");
        return Err(TableError::Document(format!(
            "the server answered with {kind}"
        )));
    }
    let s = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let columns = doc
        .get("columnDefinitions")
        .and_then(Value::as_array)
        .map(|cols| {
            cols.iter()
                .map(|c| Column {
                    name: s(c, "name"),
                    kind: s(c, "type"),
                    format: s(c, "format"),
                    priority: c.get("priority").and_then(Value::as_i64).unwrap_or(0),
                })
                .collect()
        })
        .unwrap_or_default();
    let rows = doc
        .get("rows")
        .and_then(Value::as_array)
        .map(|rows| {
            rows.iter()
                .map(|r| {
                    let md = r.get("object").and_then(|o| o.get("metadata"));
                    let field = |k: &str| md.map(|m| s(m, k)).unwrap_or_default();
                    let ns = field("namespace");
                    Row {
                        uid: field("uid"),
                        name: field("name"),
                        namespace: (!ns.is_empty()).then_some(ns),
                        created: ts(&field("creationTimestamp")),
                        resource_version: field("resourceVersion"),
                        cells: r
                            .get("cells")
                            .and_then(Value::as_array)
                            .map(|c| c.iter().map(cell_text).collect())
                            .unwrap_or_default(),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    let meta = doc.get("metadata");
    Ok(Table {
        columns,
        rows,
        resource_version: meta.map(|m| s(m, "resourceVersion")).unwrap_or_default(),
        continue_token: meta.map(|m| s(m, "continue")).filter(|c| !c.is_empty()),
    })
}

/// Label and field selectors, passed to the server as they are.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selectors {
    pub labels: Option<String>,
    pub fields: Option<String>,
}

/// The query string of a LIST page or a WATCH.
pub fn query(sel: &Selectors, page: Option<&str>, watch_from: Option<&str>) -> String {
    let mut q: Vec<String> = vec![];
    let mut put = |k: &str, v: &str| q.push(format!("{k}={}", encode(v)));
    if let Some(l) = &sel.labels {
        put("labelSelector", l);
    }
    if let Some(f) = &sel.fields {
        put("fieldSelector", f);
    }
    match watch_from {
        Some(rv) => {
            put("resourceVersion", rv);
            put("watch", "true");
        }
        None => {
            put("limit", &PAGE.to_string());
            if let Some(c) = page {
                put("continue", c);
            }
        }
    }
    q.join("&")
}

/// The request of one LIST page (or a WATCH) of `res` as a table.
pub fn request(
    res: &ApiResourceInfo,
    namespace: Option<&str>,
    sel: &Selectors,
    page: Option<&str>,
    watch_from: Option<&str>,
) -> Result<http::Request<Vec<u8>>, TableError> {
    let uri = format!(
        "{}?{}",
        res.collection_path(namespace),
        query(sel, page, watch_from)
    );
    http::Request::get(uri)
        .header(http::header::ACCEPT, ACCEPT_TABLE)
        .body(vec![])
        .map_err(|e| TableError::Document(e.to_string()))
}

fn api_error(e: &kube::Error) -> TableError {
    if let kube::Error::Api(s) = e
        && s.code == 410
    {
        return TableError::Gone;
    }
    TableError::Api(super::status::classify(e).message().to_string())
}

/// LIST every page of `res` as one table.
pub async fn list(
    client: &kube::Client,
    res: &ApiResourceInfo,
    namespace: Option<&str>,
    sel: &Selectors,
) -> Result<Table, TableError> {
    let mut out = Table::default();
    let mut page: Option<String> = None;
    loop {
        let req = request(res, namespace, sel, page.as_deref(), None)?;
        let doc = match tokio::time::timeout(REQUEST_LIMIT, client.request::<Value>(req)).await {
            Ok(Ok(v)) => v,
            Ok(Err(e)) => return Err(api_error(&e)),
            Err(_) => return Err(TableError::Timeout(REQUEST_LIMIT.as_secs())),
        };
        let t = parse(&doc)?;
        if out.columns.is_empty() {
            out.columns = t.columns;
        }
        out.rows.extend(t.rows);
        out.resource_version = t.resource_version;
        match t.continue_token {
            Some(c) => page = Some(c),
            None => return Ok(out),
        }
    }
}

/// One context's table to follow: where, what, in which namespace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Followed {
    pub cluster: crate::catalog::ClusterId,
    pub context: String,
    pub res: ApiResourceInfo,
    /// `None`: every namespace (or a cluster-scoped resource).
    pub namespace: Option<String>,
}

/// One change to a followed table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// The whole table (a first list, or a list again after the watch expired).
    Reset(Table),
    /// Rows added or changed (matched by uid); columns when the event carried them.
    Upsert(Vec<Row>, Vec<Column>),
    /// Rows gone, by uid.
    Delete(Vec<String>),
    /// Reading failed; the follower tries again after a pause.
    Failed(String),
}

/// Follow `res` until the receiver goes away: list, then watch from the list's version; a
/// watch that ends is resumed from the last version seen, an expired one listed again.
pub async fn follow(
    client: kube::Client,
    res: ApiResourceInfo,
    namespace: Option<String>,
    sel: Selectors,
    tx: tokio::sync::mpsc::Sender<Change>,
) {
    let mut delay = Duration::from_millis(500);
    let mut rv: Option<String> = None;
    loop {
        let from = match rv.take() {
            Some(v) => v,
            None => match list(&client, &res, namespace.as_deref(), &sel).await {
                Ok(t) => {
                    delay = Duration::from_millis(500);
                    let v = t.resource_version.clone();
                    if tx.send(Change::Reset(t)).await.is_err() {
                        return;
                    }
                    v
                }
                Err(e) => {
                    if tx.send(Change::Failed(e.to_string())).await.is_err() {
                        return;
                    }
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(30));
                    continue;
                }
            },
        };
        match watch(&client, &res, namespace.as_deref(), &sel, &from, &tx).await {
            // The stream ended (server timeout): go on from where it was.
            Ok(Some(last)) => rv = Some(last),
            Ok(None) => return,
            Err(TableError::Gone) => {}
            Err(e) => {
                if tx.send(Change::Failed(e.to_string())).await.is_err() {
                    return;
                }
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(30));
            }
        }
    }
}

/// One WATCH: forwards changes; `Ok(Some(rv))` when the server ended it (resume from `rv`),
/// `Ok(None)` when nobody listens any more.
async fn watch(
    client: &kube::Client,
    res: &ApiResourceInfo,
    namespace: Option<&str>,
    sel: &Selectors,
    from: &str,
    tx: &tokio::sync::mpsc::Sender<Change>,
) -> Result<Option<String>, TableError> {
    let req = request(res, namespace, sel, None, Some(from))?;
    let stream = client
        .request_events::<Value>(req)
        .await
        .map_err(|e| api_error(&e))?;
    let mut stream = std::pin::pin!(stream);
    let mut last = from.to_string();
    while let Some(ev) = stream.next().await {
        let ev = ev.map_err(|e| api_error(&e))?;
        let change = match ev {
            WatchEvent::Added(o) | WatchEvent::Modified(o) => {
                let t = parse(&o)?;
                if let Some(r) = t.rows.last() {
                    last = r.resource_version.clone();
                }
                Change::Upsert(t.rows, t.columns)
            }
            WatchEvent::Deleted(o) => {
                let t = parse(&o)?;
                if let Some(r) = t.rows.last() {
                    last = r.resource_version.clone();
                }
                Change::Delete(t.rows.into_iter().map(|r| r.uid).collect())
            }
            WatchEvent::Bookmark(b) => {
                last = b.metadata.resource_version;
                continue;
            }
            WatchEvent::Error(s) if s.code == 410 => return Err(TableError::Gone),
            WatchEvent::Error(s) => return Err(TableError::Api(s.message.clone())),
        };
        if tx.send(change).await.is_err() {
            return Ok(None);
        }
    }
    Ok(Some(last))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_table_gives_columns_and_rows_with_their_identity() {
        let doc = json!({
            "kind": "Table", "apiVersion": "meta.k8s.io/v1",
            "metadata": {"resourceVersion": "42", "continue": "abc"},
            "columnDefinitions": [
                {"name": "Name", "type": "string", "format": "name", "priority": 0},
                {"name": "Engine", "type": "string", "format": "", "priority": 0},
                {"name": "Size", "type": "integer", "format": "", "priority": 1}
            ],
            "rows": [{"cells": ["db-1", null, 3], "object": {"kind": "PartialObjectMetadata",
                "metadata": {"name": "db-1", "namespace": "shop", "uid": "u1",
                    "resourceVersion": "40", "creationTimestamp": "2026-11-30T10:00:00Z"}}}]
        });
        let t = parse(&doc).expect("table");
        assert_eq!(t.columns.len(), 3);
        assert_eq!(t.columns[2].priority, 1);
        assert_eq!(t.resource_version, "42");
        assert_eq!(t.continue_token.as_deref(), Some("abc"));
        let r = &t.rows[0];
        assert_eq!((r.uid.as_str(), r.name.as_str()), ("u1", "db-1"));
        assert_eq!(r.namespace.as_deref(), Some("shop"));
        assert_eq!(r.cells, vec!["db-1", "", "3"]);
        assert!(r.created.is_some());
        assert!(parse(&json!({"kind": "PodList"})).is_err());
    }

    #[test]
    fn list_and_watch_requests_are_kubectls() {
        let res = ApiResourceInfo {
            group: "example.com".into(),
            version: "v1".into(),
            kind: "Database".into(),
            plural: "databases".into(),
            singular: "database".into(),
            short_names: vec![],
            namespaced: true,
            verbs: vec!["list".into(), "watch".into()],
            categories: vec![],
            scale: false,
        };
        let sel = Selectors {
            labels: Some("app=cart".into()),
            fields: None,
        };
        let r = request(&res, Some("shop"), &sel, None, None).expect("request");
        assert_eq!(
            r.uri().to_string(),
            "/apis/example.com/v1/namespaces/shop/databases?labelSelector=app%3Dcart&limit=500"
        );
        assert_eq!(
            r.headers()
                .get(http::header::ACCEPT)
                .and_then(|v| v.to_str().ok()),
            Some(ACCEPT_TABLE)
        );
        assert!(!r.uri().to_string().contains("includeObject"));
        let w = request(&res, None, &Selectors::default(), None, Some("7")).expect("watch");
        assert_eq!(
            w.uri().to_string(),
            "/apis/example.com/v1/databases?resourceVersion=7&watch=true"
        );
    }

    #[test]
    fn cells_print_as_kubectl_prints_them() {
        assert_eq!(cell_text(&json!(3.0)), "3");
        assert_eq!(cell_text(&json!(0.5)), "0.5");
        assert_eq!(cell_text(&json!(true)), "true");
        assert_eq!(cell_text(&Value::Null), "");
    }
}

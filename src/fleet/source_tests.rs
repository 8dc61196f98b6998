//! A real [`SourceTask`] against an in-process API server (a `tower` service behind
//! `kube::Client`): what reaches the catalog's owner when a watch brings many events at once.
//! Unlike a socket, the service hands the whole watch body over in one chunk, so every event
//! is ready at once and the number of messages is exact, whatever the machine's load.

use super::SourceTask;
use crate::blueprint::{BlueprintSet, BpId};
use crate::catalog::{Change, ClusterId, ClusterStatus, SourceStatus};
use crate::fleet::burst::BURST_MAX;
use crate::fleet::{Readiness, SourceScope};
use bytes::Bytes;
use futures::StreamExt;
use http_body::Frame;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full, StreamBody};
use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

type Body = BoxBody<Bytes, Infallible>;

/// One watch line adding pod `i`.
fn added(i: usize) -> String {
    format!(
        r#"{{"type":"ADDED","object":{{"apiVersion":"v1","metadata":{{"name":"p-{i}","namespace":"default","uid":"u-{i}","resourceVersion":"{}","creationTimestamp":"2026-01-01T00:00:00Z"}},"spec":{{"nodeName":"n"}},"status":{{"phase":"Running"}}}}}}"#,
        i + 2
    )
}

/// A body that sends `chunk` (if any) and then never ends, as a watch that stays open.
fn open_body(chunk: Option<String>) -> Body {
    let first = futures::stream::iter(chunk.map(|c| Ok(Frame::data(Bytes::from(c)))));
    BodyExt::boxed(StreamBody::new(first.chain(futures::stream::pending())))
}

/// A client whose server lists no pods (resourceVersion "1") and whose first watch brings the
/// `n` ADDED lines in one body chunk; later watches stay open without a word.
fn server(n: usize) -> (kube::Client, Arc<AtomicUsize>) {
    let watches = Arc::new(AtomicUsize::new(0));
    let seen = watches.clone();
    let svc = tower::service_fn(move |req: http::Request<kube::client::Body>| {
        let watch = req.uri().query().is_some_and(|q| q.contains("watch=true"));
        let first_watch = watch && seen.fetch_add(1, Ordering::SeqCst) == 0;
        async move {
            let body = if !watch {
                Full::new(Bytes::from_static(
                    br#"{"apiVersion":"v1","kind":"PodList","metadata":{"resourceVersion":"1"},"items":[]}"#,
                ))
                .boxed()
            } else if first_watch {
                let lines: String = (0..n).map(|i| added(i) + "\n").collect();
                open_body(Some(lines))
            } else {
                open_body(None)
            };
            Ok::<_, Infallible>(http::Response::new(body))
        }
    });
    (kube::Client::new(svc, "default"), watches)
}

/// The pod names of one message, in order (empty when it carries no pod apply).
fn pod_names(c: &Change, pod: BpId) -> Vec<String> {
    match c {
        Change::Apply { record, .. } if record.blueprint == pod => vec![record.name.to_string()],
        Change::Batch(v) => v.iter().flat_map(|c| pod_names(c, pod)).collect(),
        _ => Vec::new(),
    }
}

/// A running watcher of `source` of the pod blueprint through `client`, the only source of its
/// cluster, and what it sends the catalog.
fn watch_pods(
    client: kube::Client,
    blueprints: Arc<BlueprintSet>,
    pod: BpId,
    source: u8,
) -> (
    tokio::task::JoinHandle<()>,
    tokio::sync::mpsc::Receiver<Change>,
) {
    let (tx, rx) = tokio::sync::mpsc::channel(16);
    let task = SourceTask {
        client,
        cluster: ClusterId(0),
        bp: pod,
        source,
        blueprints,
        tx,
        readiness: Arc::new(Readiness::new(1)),
        slot: 0,
        scope: SourceScope::default(),
    };
    (tokio::spawn(task.run()), rx)
}

/// Run a pod watcher against [`server`] and return the pod names of each message that
/// carried any, once `n` pods arrived.
async fn messages_for(n: usize) -> Vec<Vec<String>> {
    let blueprints = Arc::new(BlueprintSet::builtin().expect("built-in blueprints load"));
    let pod = blueprints.by_identifier("pod").expect("a pod blueprint");
    // The pod blueprint reads one kind: its pods.
    assert_eq!(blueprints.get(pod).spec.sources.len(), 1);
    let source = 0;
    let (client, watches) = server(n);
    let (handle, mut rx) = watch_pods(client, blueprints, pod, source);
    let mut out = Vec::new();
    let mut got = 0;
    while got < n {
        let c = tokio::time::timeout(Duration::from_secs(30), rx.recv())
            .await
            .expect("the watcher sends within 30 s")
            .expect("the watcher runs");
        let names = pod_names(&c, pod);
        if !names.is_empty() {
            got += names.len();
            out.push(names);
        }
    }
    // Nothing more comes: the watch stays open and silent.
    let more = tokio::time::timeout(Duration::from_millis(200), rx.recv()).await;
    assert!(more.is_err(), "an extra message after every pod: {more:?}");
    assert_eq!(
        watches.load(Ordering::SeqCst),
        1,
        "one watch, never reopened"
    );
    handle.abort();
    out
}

#[tokio::test]
async fn a_watch_burst_ready_at_once_goes_in_as_few_messages_as_the_burst_limit_allows() {
    let n = 2 * BURST_MAX + 37;
    let messages = messages_for(n).await;
    let sizes: Vec<usize> = messages.iter().map(Vec::len).collect();
    assert_eq!(sizes, [BURST_MAX, BURST_MAX, 37], "messages per burst");
    let names: Vec<String> = messages.into_iter().flatten().collect();
    let want: Vec<String> = (0..n).map(|i| format!("p-{i}")).collect();
    assert_eq!(
        names, want,
        "every pod once, in the order the server sent them"
    );
}

#[tokio::test]
async fn a_lone_watch_event_goes_as_one_message() {
    assert_eq!(messages_for(1).await, [["p-0".to_string()]]);
}

/// A cluster turns ready only once each of its sources' status is in: whoever sees it ready
/// (the CLI's `--wait`, a test, a person) also sees which kinds it may not list.
#[tokio::test]
async fn a_forbidden_kind_is_reported_before_its_cluster_is_ready() {
    let blueprints = Arc::new(BlueprintSet::builtin().expect("built-in blueprints load"));
    let pod = blueprints.by_identifier("pod").expect("a pod blueprint");
    let svc = tower::service_fn(|_req: http::Request<kube::client::Body>| async {
        let status = r#"{"kind":"Status","apiVersion":"v1","status":"Failure","message":"pods is forbidden: User \"viewer\" cannot list resource \"pods\"","reason":"Forbidden","code":403}"#;
        let mut res = http::Response::new(Full::new(Bytes::from_static(status.as_bytes())).boxed());
        *res.status_mut() = http::StatusCode::FORBIDDEN;
        Ok::<_, Infallible>(res)
    });
    let (handle, mut rx) = watch_pods(kube::Client::new(svc, "default"), blueprints, pod, 0);
    let mut seen = Vec::new();
    loop {
        let c = tokio::time::timeout(Duration::from_secs(30), rx.recv())
            .await
            .expect("the watcher reports within 30 s")
            .expect("the watcher runs");
        let done = matches!(c, Change::Cluster { .. });
        seen.push(c);
        if done {
            break;
        }
    }
    handle.abort();
    assert!(
        matches!(
            seen.as_slice(),
            [
                Change::Source {
                    status: SourceStatus::Forbidden(_),
                    ..
                },
                Change::Cluster {
                    status: ClusterStatus::Ready,
                    ..
                },
            ]
        ),
        "the kind's status, then the cluster's: {seen:?}"
    );
}

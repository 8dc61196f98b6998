//! Against the API servers: the sync through the binary's own code path, the typed LIST floor,
//! and the server's plain serve rate.

use k8s_openapi::api::apps::v1::{
    ControllerRevision, DaemonSet, Deployment, ReplicaSet, StatefulSet,
};
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{
    ConfigMap, Event, Namespace, Node, PersistentVolumeClaim, Pod, Secret, Service,
};
use k8s_openapi::api::networking::v1::Ingress;
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use kube::api::{Api, ListParams};
use kubeatlas::blueprint::BlueprintSet;
use kubeatlas::catalog::ClusterStatus;
use kubeatlas::cli::session::{self, Session, Target};
use kubeatlas::config::{Paths, UserConfig, kubeconfig};
use kubeatlas::fleet::{build_client, source::PAGE_SIZE};
use serde::de::DeserializeOwned;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// A session opened exactly as the binary opens one.
async fn open(files: &[PathBuf], contexts: &[String], paths: &Paths) -> anyhow::Result<Session> {
    session::open(
        Target::Files(files.to_vec()),
        contexts,
        UserConfig::default(),
        paths,
        true,
    )
    .await
}

/// Open a session exactly as the binary does and fold changes until every cluster is ready.
/// Returns the session, the time it took and the clusters that did not get ready.
pub async fn sync(
    files: &[PathBuf],
    contexts: &[String],
    paths: &Paths,
) -> anyhow::Result<(Session, Duration, Vec<(String, String)>)> {
    let t = Instant::now();
    let mut s = open(files, contexts, paths).await?;
    let failed = s.wait_synced(Duration::from_secs(240)).await;
    Ok((s, t.elapsed(), failed))
}

/// [`sync`], folding as `Session::wait_synced` does (everything queued, then wait for more,
/// until every cluster is ready or failed) with the folds timed: also returns the time the
/// folding task spent in `catalog.apply` (the watchers decode and project meanwhile).
pub async fn sync_timed(
    files: &[PathBuf],
    contexts: &[String],
    paths: &Paths,
) -> anyhow::Result<(Session, Duration, Duration)> {
    let t = Instant::now();
    let mut s = open(files, contexts, paths).await?;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(240);
    let mut fold = Duration::ZERO;
    while !s
        .catalog
        .clusters()
        .iter()
        .all(|c| c.removed || matches!(c.status, ClusterStatus::Ready) || c.status.is_failed())
    {
        let Ok(Some(c)) = tokio::time::timeout_at(deadline, s.changes.recv()).await else {
            break;
        };
        let f = Instant::now();
        s.catalog.apply(c);
        while let Ok(c) = s.changes.try_recv() {
            s.catalog.apply(c);
        }
        fold += f.elapsed();
    }
    Ok((s, t.elapsed(), fold))
}

/// One client per selected context, built as the session builds them.
pub async fn clients(
    files: &[PathBuf],
    contexts: &[String],
) -> anyhow::Result<Vec<(String, kube::Client)>> {
    let loaded = kubeconfig::load(files)?;
    let mut out = vec![];
    for name in loaded.select(contexts)? {
        let cfg = loaded
            .client_config(&name, true)
            .await
            .map_err(anyhow::Error::msg)?;
        let client = build_client(cfg).await.map_err(anyhow::Error::msg)?;
        out.push((name, client));
    }
    Ok(out)
}

/// One source kind as the floor lists it: what its watcher asks for (field selector,
/// metadata only), and whether the server may lack it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Kind {
    pub group: String,
    pub kind: String,
    pub fields: Option<String>,
    pub metadata_only: bool,
    pub optional: bool,
}

/// Every object of `K` in the cluster, listed page by page like the watchers do (with the
/// source's field selector; as PartialObjectMetadata for a metadata-only source), decoded
/// into k8s-openapi types and dropped. Returns the number of objects.
async fn list_all<K>(client: kube::Client, k: &Kind) -> anyhow::Result<usize>
where
    K: kube::Resource<DynamicType = ()> + DeserializeOwned + Clone + std::fmt::Debug,
{
    let api: Api<K> = Api::all(client);
    let mut lp = ListParams::default().limit(PAGE_SIZE);
    if let Some(f) = &k.fields {
        lp = lp.fields(f);
    }
    let mut n = 0;
    loop {
        let (items, next) = if k.metadata_only {
            let l = api.list_metadata(&lp).await?;
            (l.items.len(), l.metadata.continue_)
        } else {
            let l = api.list(&lp).await?;
            (l.items.len(), l.metadata.continue_)
        };
        n += items;
        match next.filter(|c| !c.is_empty()) {
            Some(c) => lp = lp.continue_token(&c),
            None => return Ok(n),
        }
    }
}

/// The source kinds of a blueprint set, as their watchers read them.
pub fn source_kinds(set: &BlueprintSet) -> Vec<Kind> {
    let mut kinds: Vec<Kind> = set
        .sources()
        .map(|(_, _, s)| Kind {
            group: s.group.clone(),
            kind: s.kind.clone(),
            fields: s.field_selector.clone(),
            metadata_only: s.metadata_only,
            optional: s.optional,
        })
        .collect();
    kinds.sort();
    kinds.dedup();
    kinds
}

async fn list_kind(client: kube::Client, k: &Kind) -> anyhow::Result<usize> {
    let listed = match (k.group.as_str(), k.kind.as_str()) {
        ("", "Namespace") => list_all::<Namespace>(client, k).await,
        ("", "Node") => list_all::<Node>(client, k).await,
        ("", "Pod") => list_all::<Pod>(client, k).await,
        ("", "Event") => list_all::<Event>(client, k).await,
        ("", "Service") => list_all::<Service>(client, k).await,
        ("", "ConfigMap") => list_all::<ConfigMap>(client, k).await,
        ("", "Secret") => list_all::<Secret>(client, k).await,
        ("", "PersistentVolumeClaim") => list_all::<PersistentVolumeClaim>(client, k).await,
        ("apps", "ReplicaSet") => list_all::<ReplicaSet>(client, k).await,
        ("apps", "Deployment") => list_all::<Deployment>(client, k).await,
        ("apps", "StatefulSet") => list_all::<StatefulSet>(client, k).await,
        ("apps", "DaemonSet") => list_all::<DaemonSet>(client, k).await,
        ("apps", "ControllerRevision") => list_all::<ControllerRevision>(client, k).await,
        ("batch", "Job") => list_all::<Job>(client, k).await,
        ("batch", "CronJob") => list_all::<CronJob>(client, k).await,
        ("networking.k8s.io", "Ingress") => list_all::<Ingress>(client, k).await,
        ("autoscaling", "HorizontalPodAutoscaler") => {
            list_all::<HorizontalPodAutoscaler>(client, k).await
        }
        ("policy", "PodDisruptionBudget") => list_all::<PodDisruptionBudget>(client, k).await,
        // A kind k8s-openapi has no type for (a CRD such as HTTPRoute): nothing to list when
        // the server lacks it, as the watcher finds.
        _ if k.optional => return Ok(0),
        _ => anyhow::bail!("no typed lister for {}/{}", k.group, k.kind),
    };
    match listed {
        // An optional kind the server does not serve: the watcher finds it absent too.
        Err(e) if k.optional && e.to_string().contains("404") => Ok(0),
        other => other,
    }
}

/// The floor: every source kind in every cluster listed concurrently (one task each, as the
/// fleet runs one watcher each), typed decoding. Returns the time and the objects listed.
pub async fn floor(
    clients: &[(String, kube::Client)],
    kinds: &[Kind],
) -> anyhow::Result<(Duration, usize)> {
    let t = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for (_, c) in clients {
        for k in kinds {
            let (c, k) = (c.clone(), k.clone());
            tasks.spawn(async move { list_kind(c, &k).await });
        }
    }
    let mut n = 0;
    while let Some(r) = tasks.join_next().await {
        n += r??;
    }
    Ok((t.elapsed(), n))
}

/// The servers' own rate: every pod listed page by page as the watchers page, concurrently
/// over the clusters, bodies read as text and not decoded. Returns (time, bytes).
pub async fn serve_rate(clients: &[(String, kube::Client)]) -> anyhow::Result<(Duration, u64)> {
    let t = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for (_, c) in clients {
        let c = c.clone();
        tasks.spawn(async move {
            let mut bytes = 0u64;
            let mut token: Option<String> = None;
            loop {
                let mut url = format!("/api/v1/pods?limit={PAGE_SIZE}");
                if let Some(t) = &token {
                    url.push_str("&continue=");
                    url.push_str(t);
                }
                let req = http::Request::get(url).body(vec![])?;
                let text = c.request_text(req).await?;
                bytes += text.len() as u64;
                token = continue_token(&text);
                if token.is_none() {
                    return anyhow::Ok(bytes);
                }
            }
        });
    }
    let mut bytes = 0;
    while let Some(r) = tasks.join_next().await {
        bytes += r??;
    }
    Ok((t.elapsed(), bytes))
}

/// The `metadata.continue` of a list body, found without decoding the items.
fn continue_token(text: &str) -> Option<String> {
    let mut n = text.len().min(4096);
    while !text.is_char_boundary(n) {
        n -= 1;
    }
    let head = &text[..n];
    let head = &head[..head.find("\"items\"").unwrap_or(head.len())];
    let start = head.find("\"continue\":\"")? + "\"continue\":\"".len();
    let end = head[start..].find('"')?;
    Some(head[start..start + end].to_string()).filter(|t| !t.is_empty())
}

//! What the tests share: opening a session on kubeconfig files (the binary's code path), folding
//! changes, comparing the catalog with a fresh LIST from the server record for record, objects
//! to create, and a kubelet stand-in that writes pod `status` through the status subresource.

use crate::envtest::{ApiErr, get, merge_patch, post, send};
use kubeatlas::actions::audit::AuditLog;
use kubeatlas::actions::{Executor, Target};
use kubeatlas::blueprint::Record;
use kubeatlas::catalog::{Catalog, ClusterStatus, EntityRef, Health};
use kubeatlas::cli::session::{self, Session};
use kubeatlas::config::{Paths, UserConfig};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The usual patience for the real server and its controllers.
pub const T: Duration = Duration::from_secs(30);

/// Open a session on these kubeconfig files (merged in order), all contexts or `contexts`,
/// with `home` as the user's config folder (user blueprints in `home/blueprints`).
pub async fn open(files: Vec<PathBuf>, contexts: &[&str], home: &Path) -> Session {
    let contexts: Vec<String> = contexts.iter().map(|c| c.to_string()).collect();
    session::open(
        session::Target::Files(files),
        &contexts,
        UserConfig::default(),
        &Paths::under(home.to_path_buf()),
        true,
    )
    .await
    .expect("session opens")
}

/// Fold changes until `pred` holds or `timeout` passes; returns whether it held.
pub async fn pump_until(
    s: &mut Session,
    timeout: Duration,
    pred: impl Fn(&Catalog) -> bool,
) -> bool {
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if pred(&s.catalog) {
            return true;
        }
        match tokio::time::timeout_at(deadline, s.changes.recv()).await {
            Ok(Some(c)) => {
                s.catalog.apply(c);
                while let Ok(c) = s.changes.try_recv() {
                    s.catalog.apply(c);
                }
            }
            Ok(None) | Err(_) => return pred(&s.catalog),
        }
    }
}

pub fn status(c: &Catalog, context: &str) -> ClusterStatus {
    let id = c.cluster_by_name(context).expect("context in the catalog");
    c.cluster(id).expect("cluster").status.clone()
}

pub fn is_ready(c: &Catalog, context: &str) -> bool {
    status(c, context) == ClusterStatus::Ready
}

/// An entity by blueprint, namespace (`""` for cluster-scoped kinds) and name.
pub fn find(c: &Catalog, context: &str, bp: &str, ns: &str, name: &str) -> Option<EntityRef> {
    let cluster = c.cluster_by_name(context)?;
    let bp = c.blueprints().by_identifier(bp)?;
    let ns = (!ns.is_empty()).then_some(ns);
    let r = c
        .entities_in(cluster, bp)
        .find(|r| &*r.name == name && r.namespace.as_deref() == ns)?;
    Some(EntityRef {
        cluster,
        bp,
        uid: r.uid.clone(),
    })
}

/// Entities of a blueprint in one namespace.
pub fn in_namespace<'a>(c: &'a Catalog, context: &str, bp: &str, ns: &str) -> Vec<&'a Record> {
    let (Some(cluster), Some(bp)) = (c.cluster_by_name(context), c.blueprints().by_identifier(bp))
    else {
        return vec![];
    };
    let ns = ns.to_string();
    c.entities_in(cluster, bp)
        .filter(|r| r.namespace.as_deref() == Some(ns.as_str()))
        .collect()
}

/// A property of a record, by id.
pub fn prop<'a>(c: &'a Catalog, r: &'a Record, id: &str) -> &'a kubeatlas::blueprint::Value {
    let bp = c.blueprint(r.blueprint);
    let i = bp
        .prop_index(id)
        .unwrap_or_else(|| panic!("no property {id}"));
    &r.props[i]
}

pub fn health_of(c: &Catalog, e: &EntityRef) -> Option<Health> {
    c.get(e).map(|r| c.health(r))
}

/// The executor as the binary builds it, auditing into `dir`.
pub fn executor(s: &Session, dir: &Path) -> Executor {
    let contexts = s
        .catalog
        .clusters()
        .iter()
        .map(|c| c.name.clone())
        .collect();
    Executor::new(
        contexts,
        s.clients.clone(),
        false,
        UserConfig::default(),
        AuditLog::new(dir.join("audit.jsonl")),
    )
}

pub fn target(s: &Session, e: &EntityRef) -> Target {
    Target::of(&s.catalog, e).expect("target")
}

/// The list path of a blueprint source, over all namespaces or in `ns`.
async fn list_path(
    client: &kube::Client,
    spec: &kubeatlas::blueprint::SourceSpec,
    ns: Option<&str>,
) -> Option<String> {
    let gvk = kube::api::GroupVersionKind::gvk(&spec.group, &spec.version, &spec.kind);
    let plural = match &spec.plural {
        Some(p) => p.clone(),
        None if spec.optional => {
            kube::discovery::pinned_kind(client, &gvk)
                .await
                .ok()?
                .0
                .plural
        }
        None => kube::api::ApiResource::from_gvk(&gvk).plural,
    };
    let ns = ns.map(|n| format!("namespaces/{n}/")).unwrap_or_default();
    let path = if spec.group.is_empty() {
        format!("/api/{}/{ns}{plural}", spec.version)
    } else {
        format!("/apis/{}/{}/{ns}{plural}", spec.group, spec.version)
    };
    // What the source reads: the objects its own field selector matches (`type=Warning`).
    Some(match &spec.field_selector {
        Some(f) => format!(
            "{path}?fieldSelector={}",
            form_urlencoded::byte_serialize(f.as_bytes()).collect::<String>()
        ),
        None => path,
    })
}

/// Every difference between the catalog's view of `context` and a fresh LIST through `client`:
/// each source kind of each blueprint, projected through the same blueprint, record for
/// record (missing, ghost, stale). Kinds `client` may not list (403) or the server lacks are
/// skipped. With `scope`, only the namespaced kinds in that namespace are compared (tests
/// sharing a control plane change other namespaces meanwhile).
pub async fn diff_with_server(
    c: &Catalog,
    context: &str,
    client: &kube::Client,
    scope: Option<&str>,
) -> Vec<String> {
    let mut out = vec![];
    let Some(cid) = c.cluster_by_name(context) else {
        return vec![format!("{context}: not in the catalog")];
    };
    for bp in c.blueprints().all() {
        for (si, src) in bp.spec.sources.iter().enumerate() {
            if scope.is_some() && src.cluster_scoped {
                continue;
            }
            let Some(path) = list_path(client, src, scope).await else {
                continue;
            };
            let list = match get(client, &path).await {
                Ok(l) => l,
                Err(ApiErr { code: 403, .. }) | Err(ApiErr { code: 404, .. }) => continue,
                Err(e) => {
                    out.push(format!("LIST {path}: {e}"));
                    continue;
                }
            };
            let truth: BTreeMap<Box<str>, Record> = list["items"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|o| bp.project(si, o))
                .map(|r| (r.uid.clone(), r))
                .collect();
            let have: BTreeMap<Box<str>, &Record> = c
                .entities_in(cid, bp.id)
                .filter(|r| r.source as usize == si)
                .filter(|r| scope.is_none() || r.namespace.as_deref() == scope)
                .map(|r| (r.uid.clone(), r))
                .collect();
            for (uid, r) in &truth {
                match have.get(uid) {
                    None => out.push(format!("missing {} {:?}/{}", src.kind, r.namespace, r.name)),
                    Some(h) if **h != *r => out.push(format!(
                        "stale {} {:?}/{}: catalog {:?} server {:?}",
                        src.kind, r.namespace, r.name, h.props, r.props
                    )),
                    _ => {}
                }
            }
            for (uid, h) in &have {
                if !truth.contains_key(uid) {
                    out.push(format!("ghost {} {:?}/{}", src.kind, h.namespace, h.name));
                }
            }
        }
    }
    out
}

/// Fold changes until the catalog equals a fresh LIST (see [`diff_with_server`]); panics with
/// the differences on timeout.
pub async fn converge(
    s: &mut Session,
    context: &str,
    client: &kube::Client,
    scope: Option<&str>,
    timeout: Duration,
) {
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        while let Ok(c) = s.changes.try_recv() {
            s.catalog.apply(c);
        }
        let d = diff_with_server(&s.catalog, context, client, scope).await;
        if d.is_empty() {
            return;
        }
        if tokio::time::Instant::now() >= deadline {
            panic!(
                "{context}: the catalog differs from the server:\n{}",
                d.join("\n")
            );
        }
        let _ = tokio::time::timeout(Duration::from_millis(300), async {
            if let Some(c) = s.changes.recv().await {
                s.catalog.apply(c);
            }
        })
        .await;
    }
}

/// Create a namespace and wait for its `default` ServiceAccount (pods are refused before it).
pub async fn namespace(client: &kube::Client, name: &str) {
    match post(
        client,
        "/api/v1/namespaces",
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}),
    )
    .await
    {
        Ok(_) => {}
        Err(e) if e.code == 409 => {}
        Err(e) => panic!("namespace {name}: {e}"),
    }
    let deadline = tokio::time::Instant::now() + T;
    while get(
        client,
        &format!("/api/v1/namespaces/{name}/serviceaccounts/default"),
    )
    .await
    .is_err()
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "no default ServiceAccount in {name}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A Deployment `name` with one container `app`, labels `app: name`.
pub fn deployment(name: &str, replicas: i64, image: &str) -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "labels": {"app": name}},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "app", "image": image}]}
            }
        }
    })
}

pub async fn create_deployment(client: &kube::Client, ns: &str, body: Value) -> Value {
    post(
        client,
        &format!("/apis/apps/v1/namespaces/{ns}/deployments"),
        body,
    )
    .await
    .unwrap_or_else(|e| panic!("creating a Deployment in {ns}: {e}"))
}

/// The ReplicaSets of a namespace whose controller is Deployment `owner`.
pub async fn replicasets(client: &kube::Client, ns: &str, owner: &str) -> Vec<Value> {
    let l = get(
        client,
        &format!("/apis/apps/v1/namespaces/{ns}/replicasets"),
    )
    .await
    .unwrap_or_else(|e| panic!("listing replicasets in {ns}: {e}"));
    l["items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|rs| rs["metadata"]["ownerReferences"][0]["name"] == owner)
        .collect()
}

/// What a kubelet would report for a pod.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PodState {
    /// Running, every container ready.
    Ready,
    /// Running, containers not ready (a failing readiness probe).
    RunningNotReady,
    /// The container keeps exiting: waiting in `CrashLoopBackOff`.
    CrashLoopBackOff,
}

/// Write a pod's `status` through the status subresource, as admin, the way a kubelet does.
pub async fn set_pod_state(client: &kube::Client, ns: &str, name: &str, state: PodState) {
    try_set_pod_state(client, ns, name, state)
        .await
        .unwrap_or_else(|e| panic!("writing the status of pod {ns}/{name}: {e}"));
}

/// [`set_pod_state`], with the server's refusal returned.
pub async fn try_set_pod_state(
    client: &kube::Client,
    ns: &str,
    name: &str,
    state: PodState,
) -> Result<(), ApiErr> {
    let path = format!("/api/v1/namespaces/{ns}/pods/{name}");
    let pod = get(client, &path).await?;
    let now = jiff::Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let ready = state == PodState::Ready;
    let flag = if ready { "True" } else { "False" };
    let statuses: Vec<Value> = pod["spec"]["containers"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| {
            let mut s = json!({
                "name": c["name"], "image": c["image"], "imageID": "", "ready": ready,
                "restartCount": 0, "started": state != PodState::CrashLoopBackOff,
                "state": {"running": {"startedAt": now}}
            });
            if state == PodState::CrashLoopBackOff {
                s["restartCount"] = json!(4);
                s["state"] = json!({"waiting": {"reason": "CrashLoopBackOff",
                    "message": "back-off 40s restarting failed container"}});
                s["lastState"] = json!({"terminated": {"exitCode": 1, "reason": "Error",
                    "startedAt": now, "finishedAt": now}});
            }
            s
        })
        .collect();
    let cond = |t: &str, s: &str| json!({"type": t, "status": s, "lastTransitionTime": now});
    let status = json!({"status": {
        "phase": "Running",
        "startTime": now,
        "conditions": [cond("Initialized", "True"), cond("Ready", flag),
                       cond("ContainersReady", flag), cond("PodScheduled", "True")],
        "containerStatuses": statuses,
    }});
    merge_patch(client, &format!("{path}/status"), status).await?;
    Ok(())
}

/// A kubelet stand-in for one namespace: every pod that is not yet Running is made Running and
/// Ready shortly after it appears, so rollouts can finish. Stops when the handle is dropped.
pub struct Kubelet(tokio::task::JoinHandle<()>);

impl Drop for Kubelet {
    fn drop(&mut self) {
        self.0.abort();
    }
}

pub fn kubelet(client: &kube::Client, ns: &str) -> Kubelet {
    let (client, ns) = (client.clone(), ns.to_string());
    Kubelet(tokio::spawn(async move {
        loop {
            let list = get(&client, &format!("/api/v1/namespaces/{ns}/pods")).await;
            let items = list.ok().and_then(|l| l["items"].as_array().cloned());
            for p in items.unwrap_or_default() {
                if p["status"]["phase"] != "Running"
                    && let Some(name) = p["metadata"]["name"].as_str()
                {
                    // A pod deleted meanwhile is no error here.
                    let _ = try_set_pod_state(&client, &ns, name, PodState::Ready).await;
                }
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }))
}

/// DELETE as `client`; the error status when refused.
pub async fn delete(client: &kube::Client, path: &str) -> Result<Value, ApiErr> {
    send(client, "DELETE", path, None, None).await
}

/// The hub tests' set-up (a session on a Clusterpedia kit's hub kubeconfig), shared by
/// `hub.rs`: what to open and what to wait for.
pub mod hub {
    use super::{T, is_ready, pump_until};
    use crate::pedia::Pedia;
    use kubeatlas::catalog::Catalog;
    use kubeatlas::cli::scope::{ScopeArgs, Unflagged};
    use kubeatlas::cli::session::{self, Session};
    use kubeatlas::config::{Paths, UserConfig};
    use std::path::PathBuf;
    use std::time::Duration;

    /// The kit's admin context at the resources prefix.
    pub const HUB: &str = "pedia-admin";

    /// The row of a member read through [`HUB`].
    pub fn row(member: &str) -> String {
        format!("{member} via {HUB}")
    }

    /// Every row of the catalog, by name.
    pub fn rows(c: &Catalog) -> Vec<String> {
        c.cluster_ids()
            .filter_map(|id| c.cluster(id))
            .map(|i| i.name.clone())
            .collect()
    }

    /// The member's row is ready and holds workload `ns/name`.
    pub fn ready_with(c: &Catalog, member: &str, ns: &str, name: &str) -> bool {
        c.cluster_by_name(&row(member)).is_some()
            && is_ready(c, &row(member))
            && super::find(c, &row(member), "workload", ns, name).is_some()
    }

    /// What a hub session opens: the kit's hub kubeconfig plus `extra` files, `contexts`
    /// (empty: all), polling every `poll`, reading what `flags` ask.
    pub struct Open {
        pub extra: Vec<PathBuf>,
        pub contexts: Vec<String>,
        pub poll: Duration,
        pub flags: ScopeArgs,
    }

    impl Default for Open {
        fn default() -> Open {
            Open {
                extra: vec![],
                contexts: vec![HUB.to_string()],
                poll: Duration::from_secs(1),
                flags: ScopeArgs::default(),
            }
        }
    }

    /// The session and its home folder, once each `(member, namespace, workload)` in `ready`
    /// is ready in the catalog (the test fails naming the rows otherwise).
    pub async fn open(
        p: &Pedia,
        how: Open,
        ready: &[(&str, &str, &str)],
    ) -> (tempfile::TempDir, Session) {
        let dir = tempfile::tempdir().expect("tmp");
        let hub = PathBuf::from(p.var("PEDIA_KUBECONFIG"));
        let s = open_files(vec![hub], how, ready, dir.path()).await;
        (dir, s)
    }

    /// As [`open`], on the hub kubeconfig `files` (e.g. one through a forwarder), the user's
    /// home under `dir`.
    pub async fn open_files(
        mut files: Vec<PathBuf>,
        how: Open,
        ready: &[(&str, &str, &str)],
        dir: &std::path::Path,
    ) -> Session {
        files.extend(how.extra);
        let user = UserConfig::parse(&format!(
            "hubs:\n  pollSeconds: {}\n",
            how.poll.as_secs_f64()
        ))
        .expect("config");
        let flags = how.flags;
        let mut s = session::open_scoped(
            session::Target::Files(files),
            &how.contexts,
            user,
            &Paths::under(dir.join("home")),
            true,
            |b, k, n| flags.resolve(Unflagged::AllNamespaces, None, b, k, n),
        )
        .await
        .expect("session opens");
        let all = |c: &Catalog| ready.iter().all(|(m, ns, n)| ready_with(c, m, ns, n));
        assert!(
            pump_until(&mut s, T, all).await,
            "ready through the hub ({ready:?}): {:?}",
            rows(&s.catalog)
        );
        s
    }
}

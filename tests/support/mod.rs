//! Test harness: a simulated fleet on loopback, a real kubeconfig file pointing at it, and a
//! session (the same code path as the binary) whose catalog is compared with the server's truth.
#![allow(dead_code)]

pub mod related;

use kubeatlas::actions::Executor;
use kubeatlas::actions::audit::AuditLog;
use kubeatlas::blueprint::Record;
use kubeatlas::catalog::{Catalog, ClusterStatus, EntityRef};
use kubeatlas::cli::session::{self, Session, Target};
use kubeatlas::config::{Paths, UserConfig};
use kubeatlas_sim::{SimFleet, SimResource};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

pub struct Env {
    pub sim: SimFleet,
    pub dir: tempfile::TempDir,
    pub kubeconfig: PathBuf,
    pub session: Session,
}

/// Start `sim`, write its kubeconfig (plus contexts pointing at closed ports), open a session.
pub async fn start(sim: SimFleet, unreachable: &[&str]) -> Env {
    start_with_blueprints(sim, unreachable, &[]).await
}

/// As [`start`], with user blueprint files (`name`, YAML) in the user's blueprint folder.
pub async fn start_with_blueprints(
    mut sim: SimFleet,
    unreachable: &[&str],
    blueprints: &[(&str, &str)],
) -> Env {
    sim.start().expect("simulator starts");
    let dir = tempfile::tempdir().expect("temp dir");
    let kubeconfig = dir.path().join("kubeconfig");
    sim.write_kubeconfig_with(&kubeconfig, unreachable)
        .expect("kubeconfig written");
    let paths = Paths::under(dir.path().join("home"));
    if !blueprints.is_empty() {
        std::fs::create_dir_all(&paths.blueprints_dir).expect("blueprints dir");
    }
    for (name, yaml) in blueprints {
        std::fs::write(paths.blueprints_dir.join(name), yaml).expect("user blueprint written");
    }
    let session = session::open(
        Target::Files(vec![kubeconfig.clone()]),
        &[],
        UserConfig::default(),
        &paths,
        true,
    )
    .await
    .expect("session opens");
    Env {
        sim,
        dir,
        kubeconfig,
        session,
    }
}

/// As [`start`], reading what `scope` decides (kubectl's -n/-A/-l/--field-selector), with
/// `namespaces` set as (context, namespace) in the kubeconfig's context entries.
pub async fn start_scoped(
    mut sim: SimFleet,
    namespaces: &[(&str, &str)],
    scope: impl FnOnce(
        &kubeatlas::blueprint::BlueprintSet,
        &kubeatlas::config::Loaded,
        &[String],
    ) -> kubeatlas::fleet::Scope,
) -> Env {
    sim.start().expect("simulator starts");
    let dir = tempfile::tempdir().expect("temp dir");
    let kubeconfig = dir.path().join("kubeconfig");
    let mut kc: serde_yaml::Value =
        serde_yaml::from_str(&sim.kubeconfig_yaml(&[]).expect("kubeconfig")).expect("yaml");
    for c in kc["contexts"].as_sequence_mut().expect("contexts") {
        let name = c["name"].as_str().unwrap_or_default().to_string();
        if let Some((_, ns)) = namespaces.iter().find(|(n, _)| *n == name) {
            c["context"]["namespace"] = serde_yaml::Value::from(*ns);
        }
    }
    std::fs::write(&kubeconfig, serde_yaml::to_string(&kc).expect("yaml")).expect("written");
    let paths = Paths::under(dir.path().join("home"));
    let session = session::open_scoped(
        Target::Files(vec![kubeconfig.clone()]),
        &[],
        UserConfig::default(),
        &paths,
        true,
        scope,
    )
    .await
    .expect("session opens");
    Env {
        sim,
        dir,
        kubeconfig,
        session,
    }
}

impl Env {
    /// The one executor over this session's clients, auditing to `audit.jsonl` in the temp dir.
    pub fn executor(&self, readonly: bool, user: UserConfig) -> Executor {
        let contexts = self
            .session
            .catalog
            .clusters()
            .iter()
            .map(|c| c.name.clone())
            .collect();
        Executor::new(
            contexts,
            self.session.clients.clone(),
            readonly,
            user,
            AuditLog::new(self.dir.path().join("audit.jsonl")),
        )
    }

    /// The entity of blueprint `bp` in `context` named `name`, else the first whose name starts
    /// with it (a pod by its workload's name).
    pub fn entity(&self, context: &str, bp: &str, name: &str) -> EntityRef {
        let c = &self.session.catalog;
        let cluster = c.cluster_by_name(context).expect("context");
        let bp = c.blueprints().by_identifier(bp).expect("blueprint");
        let r = c
            .entities_in(cluster, bp)
            .find(|r| &*r.name == name)
            .or_else(|| {
                c.entities_in(cluster, bp)
                    .find(|r| r.name.starts_with(name))
            })
            .unwrap_or_else(|| panic!("{name} in {context}"));
        EntityRef {
            cluster,
            bp,
            uid: r.uid.clone(),
        }
    }

    /// `(namespace, name)` of an entity the catalog holds (`""` for a cluster-scoped one).
    pub fn ns_name(&self, e: &EntityRef) -> (String, String) {
        let r = self.session.catalog.get(e).expect("entity in the catalog");
        (
            r.namespace.as_deref().unwrap_or("").to_string(),
            r.name.to_string(),
        )
    }

    /// Wait at most `wait` for the next batch of changes and fold it with whatever else is
    /// queued (nothing happens when none comes).
    pub async fn fold_next(&mut self, wait: Duration) {
        if let Ok(Some(c)) = tokio::time::timeout(wait, self.session.changes.recv()).await {
            self.session.catalog.apply(c);
            while let Ok(c) = self.session.changes.try_recv() {
                self.session.catalog.apply(c);
            }
        }
    }

    /// Fold changes until `pred` holds (checked after each batch) or the timeout passes.
    pub async fn pump_until(&mut self, timeout: Duration, pred: impl Fn(&Catalog) -> bool) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if pred(&self.session.catalog) {
                return true;
            }
            match tokio::time::timeout_at(deadline, self.session.changes.recv()).await {
                Ok(Some(c)) => {
                    self.session.catalog.apply(c);
                    while let Ok(c) = self.session.changes.try_recv() {
                        self.session.catalog.apply(c);
                    }
                }
                Ok(None) | Err(_) => return pred(&self.session.catalog),
            }
        }
    }

    pub fn status(&self, context: &str) -> ClusterStatus {
        let c = &self.session.catalog;
        let id = c.cluster_by_name(context).expect("context in catalog");
        c.cluster(id).expect("cluster").status.clone()
    }

    /// Wait until the simulator's truth and the catalog agree exactly; on timeout, panic with
    /// the differences.
    pub async fn converge(&mut self, timeout: Duration) {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let d = diff(&self.session.catalog, &self.sim);
            if d.is_empty() {
                return;
            }
            if tokio::time::Instant::now() >= deadline {
                panic!("catalog differs from the simulator:\n{}", d.join("\n"));
            }
            let _ = tokio::time::timeout(Duration::from_millis(200), async {
                if let Some(c) = self.session.changes.recv().await {
                    self.session.catalog.apply(c);
                }
                while let Ok(c) = self.session.changes.try_recv() {
                    self.session.catalog.apply(c);
                }
            })
            .await;
        }
    }
}

/// Every difference between the catalog and what the simulator holds: each source kind of each
/// blueprint, in each cluster, projected through the same blueprint, must be equal record for
/// record (missing, ghost, or different properties).
pub fn diff(catalog: &Catalog, sim: &SimFleet) -> Vec<String> {
    let mut out = vec![];
    for cluster in sim.clusters() {
        let Some(cid) = catalog.cluster_by_name(cluster.name()) else {
            out.push(format!("{}: not in the catalog", cluster.name()));
            continue;
        };
        for bp in catalog.blueprints().all() {
            for (si, src) in bp.spec.sources.iter().enumerate() {
                let api_version = if src.group.is_empty() {
                    src.version.clone()
                } else {
                    format!("{}/{}", src.group, src.version)
                };
                let Some(res) = SimResource::from_api_version_kind(&api_version, &src.kind) else {
                    continue;
                };
                // What the source reads: the objects its own field selector matches.
                let wanted = kubeatlas_sim::selector::FieldSelector::parse(
                    src.field_selector.as_deref().unwrap_or(""),
                    res,
                )
                .expect("a blueprint's field selector the simulator supports");
                let truth: BTreeMap<Box<str>, Record> = cluster
                    .list(res)
                    .iter()
                    .filter(|o| wanted.matches(o))
                    .filter_map(|o| bp.project(si, o))
                    .map(|r| (r.uid.clone(), r))
                    .collect();
                let have: BTreeMap<Box<str>, &Record> = catalog
                    .entities_in(cid, bp.id)
                    .filter(|r| r.source as usize == si)
                    .map(|r| (r.uid.clone(), r))
                    .collect();
                for (uid, r) in &truth {
                    match have.get(uid) {
                        None => out.push(format!(
                            "{}: missing {} {}",
                            cluster.name(),
                            src.kind,
                            r.name
                        )),
                        Some(h) if **h != *r => {
                            out.push(format!("{}: stale {} {}", cluster.name(), src.kind, r.name))
                        }
                        _ => {}
                    }
                }
                for (uid, h) in &have {
                    if !truth.contains_key(uid) {
                        out.push(format!("{}: ghost {} {}", cluster.name(), src.kind, h.name));
                    }
                }
            }
        }
    }
    out
}

/// The demo fleet's contexts.
pub const DEMO_CONTEXTS: &[&str] = &["dev", "staging", "prod"];

/// The demo fleet, every context synced (within 25 s).
pub async fn ready_demo() -> Env {
    let mut env = start(SimFleet::demo(), &[]).await;
    assert!(
        env.pump_until(Duration::from_secs(25), |c| all_ready(c, DEMO_CONTEXTS))
            .await
    );
    env
}

impl Env {
    /// The lines of the executor's audit log (see [`Env::executor`]), parsed.
    pub fn audit_lines(&self) -> Vec<serde_json::Value> {
        std::fs::read_to_string(self.dir.path().join("audit.jsonl"))
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).expect("audit line is JSON"))
            .collect()
    }
}

pub fn all_ready(c: &Catalog, names: &[&str]) -> bool {
    names.iter().all(|n| {
        c.cluster_by_name(n)
            .and_then(|id| c.cluster(id))
            .is_some_and(|i| i.status == ClusterStatus::Ready)
    })
}

/// A Deployment to create: a copy of shop/cart under a new name, without status, with `spec`
/// merged in.
pub fn new_deployment(
    cluster: &kubeatlas_sim::SimCluster,
    name: &str,
    spec: serde_json::Value,
    annotations: serde_json::Value,
) -> serde_json::Value {
    let mut d = cluster
        .get(SimResource::Deployments, Some("shop"), "cart")
        .expect("cart exists");
    let obj = d.as_object_mut().expect("object");
    obj.remove("status");
    let md = obj["metadata"].as_object_mut().expect("metadata");
    for k in ["uid", "resourceVersion", "creationTimestamp", "generation"] {
        md.remove(k);
    }
    md.insert("name".into(), serde_json::json!(name));
    md.insert("annotations".into(), annotations);
    d["metadata"]["labels"]["app.kubernetes.io/name"] = serde_json::json!(name);
    d["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/name"] = serde_json::json!(name);
    if let (Some(s), Some(extra)) = (d["spec"].as_object_mut(), spec.as_object()) {
        for (k, v) in extra {
            s.insert(k.clone(), v.clone());
        }
    }
    d
}

/// The kubeatlas binary as a fresh user runs it: `HOME` and the XDG folders under `home`, no
/// `KUBECONFIG` (tests that need one pass it), no stdin.
pub fn binary(home: &std::path::Path) -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_kubeatlas"));
    isolate(&mut cmd, home);
    cmd
}

/// `cmd` with `HOME` and the XDG folders under `home` and no `KUBECONFIG` or stdin.
pub fn isolate<'c>(
    cmd: &'c mut std::process::Command,
    home: &std::path::Path,
) -> &'c mut std::process::Command {
    cmd.env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env_remove("KUBECONFIG")
        .stdin(std::process::Stdio::null())
}

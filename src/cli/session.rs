//! Startup wiring shared by the TUI, `get` and `contexts`: find the kubeconfig (or start the
//! demo fleet), build one client per chosen context, the catalog and the fleet.

use crate::blueprint::BlueprintSet;
use crate::catalog::{Catalog, Change, ClusterId, ClusterInfo};
use crate::config::{Loaded, Located, Paths, UserConfig, kubeconfig};
use crate::fleet::{ClientSet, ContextConn, Fleet, Scope, build_client};
use anyhow::Context as _;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::sync::mpsc;

/// Everything a front end needs: the catalog (owned by whoever runs the loop), the change
/// stream feeding it, per-cluster clients for on-demand requests, and the running fleet.
pub struct Session {
    pub catalog: Catalog,
    pub changes: mpsc::Receiver<Change>,
    /// Per-cluster clients, filled by the fleet as they are built (and rebuilt).
    pub clients: ClientSet,
    pub fleet: Fleet,
    pub kubeconfig: Loaded,
    pub user: UserConfig,
    /// Keeps the demo simulator (and its kubeconfig file) alive.
    pub demo: Option<super::demo::Demo>,
    /// What the fleet reads (namespace, selectors).
    pub scope: Scope,
}

/// Where the clusters come from.
pub enum Target {
    Demo,
    Files(Vec<PathBuf>),
}

/// Decide the target: `--demo`, the kubeconfig files, or (when `demo_if_none`) the demo fleet
/// with a one-line note when there is no kubeconfig at all.
pub fn target(
    kubeconfig: Option<&std::path::Path>,
    demo: bool,
    demo_if_none: bool,
) -> anyhow::Result<Target> {
    if demo {
        return Ok(Target::Demo);
    }
    match kubeconfig::locate(kubeconfig) {
        Located::Files(f) => Ok(Target::Files(f)),
        Located::Nothing if demo_if_none && super::demo::AVAILABLE => {
            eprintln!(
                "kubeatlas: no kubeconfig found (no KUBECONFIG, no ~/.kube/config): opening the built-in demo fleet"
            );
            Ok(Target::Demo)
        }
        Located::Nothing => anyhow::bail!(
            "no kubeconfig found (no KUBECONFIG, no ~/.kube/config); pass --kubeconfig FILE, or --demo for the built-in demo fleet"
        ),
    }
}

/// Open a session. `non_interactive` keeps exec credential plugins off the terminal (TUI).
pub async fn open(
    target: Target,
    contexts: &[String],
    user: UserConfig,
    paths: &Paths,
    non_interactive: bool,
) -> anyhow::Result<Session> {
    open_scoped(target, contexts, user, paths, non_interactive, |_, _, _| {
        Scope::all()
    })
    .await
}

/// As [`open`], the fleet reading what `scope` decides from the blueprints, the kubeconfig and
/// the chosen context names (kubectl's `-n`/`-A`/`-l`/`--field-selector`, see `cli::scope`).
pub async fn open_scoped(
    target: Target,
    contexts: &[String],
    user: UserConfig,
    paths: &Paths,
    non_interactive: bool,
    scope: impl FnOnce(&BlueprintSet, &Loaded, &[String]) -> Scope,
) -> anyhow::Result<Session> {
    // Before the watchers decode anything (see fleet::memory).
    crate::fleet::memory::tune();
    let blueprints = Arc::new(BlueprintSet::load(Some(&paths.blueprints_dir))?);
    let (demo, files) = match target {
        Target::Demo => {
            let d = super::demo::Demo::start()
                .await
                .context("starting the demo fleet")?;
            let f = vec![d.kubeconfig.clone()];
            (Some(d), f)
        }
        Target::Files(f) => (None, f),
    };
    let loaded = kubeconfig::load(&files)?;
    let chosen = loaded.select(contexts)?;
    // Clusterpedia hubs read their members' rows; the rest is watched directly.
    let hubs = crate::fleet::hub::open::plan(&loaded, &chosen, &user, non_interactive).await;
    let names = hubs.direct.clone();
    // The flags resolve for the hubs' member rows too (each by its hub's context).
    let mut scoped = names.clone();
    scoped.extend(hubs.row_contexts());
    let scope = scope(&blueprints, &loaded, &scoped);
    let mut infos = vec![];
    let mut configs = vec![];
    for name in &names {
        infos.push(ClusterInfo::new(
            name.clone(),
            loaded.server_of(name),
            user.environment_for(name),
        ));
        configs.push(loaded.client_config(name, non_interactive).await);
    }
    // Build every client at once (exec credential plugins run now, before any terminal goes
    // raw); a slow or failing one delays nothing else and is retried by the fleet.
    let builds = configs.iter().map(|c| {
        let cfg = c.as_ref().ok().cloned();
        async move {
            let cfg = cfg?;
            tokio::time::timeout(std::time::Duration::from_secs(10), build_client(cfg))
                .await
                .ok()
                .and_then(Result::ok)
        }
    });
    let built = futures::future::join_all(builds).await;
    infos.extend(hubs.rows(&user));
    let clients = ClientSet::new(infos.len());
    let mut conns = vec![];
    for (i, ((name, config), client)) in names.iter().zip(configs).zip(built).enumerate() {
        let cluster = ClusterId(i as u16);
        if let Some(c) = &client {
            clients.set(cluster, c.clone());
        }
        conns.push(ContextConn {
            cluster,
            name: name.clone(),
            config,
            client,
        });
    }
    let catalog = Catalog::new(blueprints.clone(), infos);
    let (tx, changes) = mpsc::channel(4096);
    let hub_tasks = hubs.tasks(
        names.len(),
        &blueprints,
        &tx,
        &clients,
        &Arc::new(scope.clone()),
        &user,
    );
    let mut fleet = Fleet::spawn_scoped(conns, blueprints, tx, clients.clone(), scope.clone());
    fleet.spawn_hubs(hub_tasks);
    Ok(Session {
        catalog,
        changes,
        clients,
        fleet,
        kubeconfig: loaded,
        user,
        demo,
        scope,
    })
}

impl Session {
    /// Fold changes until every cluster is ready or failed, or the deadline passes.
    /// Returns the names of clusters not ready, with their status messages.
    pub async fn wait_synced(&mut self, timeout: std::time::Duration) -> Vec<(String, String)> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let settled = self.catalog.clusters().iter().all(|c| {
                c.removed
                    || matches!(c.status, crate::catalog::ClusterStatus::Ready)
                    || c.status.is_failed()
            });
            if settled {
                break;
            }
            match tokio::time::timeout_at(deadline, self.changes.recv()).await {
                Ok(Some(c)) => {
                    self.catalog.apply(c);
                    while let Ok(c) = self.changes.try_recv() {
                        self.catalog.apply(c);
                    }
                }
                Ok(None) | Err(_) => break,
            }
        }
        self.catalog
            .clusters()
            .iter()
            .filter(|c| !c.removed && !matches!(c.status, crate::catalog::ClusterStatus::Ready))
            .map(|c| {
                let why = c.status.message().map(str::to_string).unwrap_or_else(|| {
                    format!("still {} after {}s", c.status.label(), timeout.as_secs())
                });
                (c.name.clone(), why)
            })
            .collect()
    }

    /// Kinds that are forbidden per cluster: (context, kind, message), sorted by context and
    /// kind (the order the lists were refused in varies from run to run).
    pub fn forbidden(&self) -> Vec<(String, String, String)> {
        let mut out = vec![];
        for c in self.catalog.clusters() {
            for (bp, source, msg) in c.forbidden() {
                let kind = self
                    .catalog
                    .blueprint(bp)
                    .spec
                    .sources
                    .get(source as usize)
                    .map(|s| s.kind.clone())
                    .unwrap_or_default();
                out.push((c.name.clone(), kind, msg.to_string()));
            }
        }
        out.sort();
        out
    }
}

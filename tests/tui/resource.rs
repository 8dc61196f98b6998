//! Any resource without a blueprint, against the simulator: discovery per context reaches the
//! app, `:workers` (a custom resource no blueprint reads) opens the generic layer listed across
//! contexts with the server's Table columns, `s` scales it through its scale subresource,
//! closing it leaves no watcher and no rows (and no row message arrives after it closed);
//! `-n` reads it from that namespace on the server; Secrets are only ever asked for as
//! metadata.

use crate::support::{Env, all_ready, start};
use crossterm::event::KeyCode;
use kubeatlas::config::UserConfig;
use kubeatlas::tui::App;
use kubeatlas::tui::effects::Runner;
use kubeatlas::tui::fixture::{NOW, press, type_text};
use kubeatlas::tui::layer::Layer;
use kubeatlas::tui::msg::{Effect, Msg, Reply};
use kubeatlas::tui::theme::Theme;
use kubeatlas::tui::update;
use kubeatlas_sim::{SimFleet, SimResource};
use serde_json::json;
use std::time::Duration;
use tokio::sync::mpsc::{self, UnboundedReceiver};

const T: Duration = Duration::from_secs(25);

struct Rig {
    env: Env,
    app: App,
    runner: Runner,
    replies: UnboundedReceiver<Msg>,
}

impl Rig {
    async fn new() -> Rig {
        Rig::scoped(vec![]).await
    }

    /// With `-n` as the runtime passes it: each context's one namespace.
    async fn scoped(namespaces: Vec<Option<String>>) -> Rig {
        let sim = SimFleet::demo();
        let dev = sim.cluster("dev").expect("dev").clone();
        dev.create(json!({
            "apiVersion": "demo.kubeatlas.dev/v1", "kind": "Worker",
            "metadata": {"name": "batcher", "namespace": "shop"},
            "spec": {"replicas": 2}
        }))
        .expect("worker created");
        let mut env = start(sim, &[]).await;
        assert!(
            env.pump_until(T, |c| all_ready(c, &["dev", "staging", "prod"]))
                .await
        );
        let (tx, replies) = mpsc::unbounded_channel();
        let (log_tx, _logs) = mpsc::channel(4);
        let runner = Runner::new(
            env.session.clients.clone(),
            env.executor(false, UserConfig::default()),
            tx,
            log_tx,
        );
        // As the runtime does: the first update's effects (discovery of the connected
        // contexts) are run.
        let mut app =
            App::new(Theme { color: false }, false, false, NOW).with_namespaces(namespaces);
        let fx = update(&mut app, &env.session.catalog, Msg::Resize(100, 30));
        assert_eq!(
            fx.iter()
                .filter(|e| matches!(e, Effect::Discover { .. }))
                .count(),
            3,
            "discovery asked once per connected context: {fx:?}"
        );
        let mut rig = Rig {
            env,
            app,
            runner,
            replies,
        };
        rig.run(fx);
        rig
    }

    fn run(&mut self, fx: Vec<Effect>) {
        for e in fx {
            self.runner.run(e);
        }
    }

    /// Fold replies (running what they lead to) until `done` holds.
    async fn until(&mut self, what: &str, done: impl Fn(&App) -> bool) {
        let deadline = tokio::time::Instant::now() + T;
        while !done(&self.app) {
            let m = tokio::time::timeout_at(deadline, self.replies.recv())
                .await
                .unwrap_or_else(|_| panic!("{what}: no answer in time"))
                .expect("replies open");
            let fx = update(&mut self.app, &self.env.session.catalog, m);
            self.run(fx);
        }
    }

    fn keys(&mut self, text: &str) {
        let fx = type_text(&mut self.app, &self.env.session.catalog, text);
        self.run(fx);
    }

    fn key(&mut self, code: KeyCode) -> Vec<Effect> {
        let fx = press(&mut self.app, &self.env.session.catalog, code);
        self.run(fx.clone());
        fx
    }

    /// Discovery of every context arrives.
    async fn discovered(&mut self) {
        let fx = update(&mut self.app, &self.env.session.catalog, Msg::Catalog);
        assert!(
            !fx.iter().any(|e| matches!(e, Effect::Discover { .. })),
            "asked once only: {fx:?}"
        );
        self.run(fx);
        let cat = &self.env.session.catalog;
        let ids: Vec<_> = cat.cluster_ids().collect();
        self.until("discovery", |a| {
            ids.iter().all(|c| a.kinds().of(*c).is_some())
        })
        .await;
    }
}

fn view(a: &App) -> Option<&kubeatlas::tui::resource::ResourceView> {
    a.layers().resource()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resource_without_a_blueprint_opens_from_colon_with_the_servers_columns_and_leaves_nothing_when_closed()
 {
    let mut r = Rig::new().await;
    r.discovered().await;
    // Completion knows the discovered names: short name, plural, plural.group.
    r.keys(":wor");
    let fx = r.key(KeyCode::Tab);
    assert!(fx.is_empty());
    match r.app.mode() {
        kubeatlas::tui::prompt::Mode::Command(p) => {
            assert_eq!(p.input, "workers", "{p:?}");
            assert!(p.kinds.contains(&"workers.demo.kubeatlas.dev".to_string()));
            assert!(p.kinds.contains(&"wk".to_string()));
        }
        m => panic!("{m:?}"),
    }
    let fx = r.key(KeyCode::Enter);
    let follow: Vec<_> = fx
        .iter()
        .filter_map(|e| match e {
            Effect::FollowResource { targets, .. } => Some(targets.len()),
            _ => None,
        })
        .collect();
    assert_eq!(follow, vec![3], "followed in every context: {fx:?}");
    assert_eq!(r.runner.resource_followers(), 3);
    r.until("the worker's row", |a| {
        view(a).is_some_and(|v| !v.loading() && v.rows.iter().any(|s| s.row.name == "batcher"))
    })
    .await;
    let v = view(&r.app).expect("layer");
    assert_eq!(v.title, "workers.demo.kubeatlas.dev");
    assert_eq!(v.shown_columns(), vec!["Name", "Replicas", "Age"]);
    let s = v
        .rows
        .iter()
        .find(|s| s.row.name == "batcher")
        .expect("row");
    assert_eq!(s.context, "dev");
    assert_eq!(
        v.cells(s, &["Name".into(), "Replicas".into()]),
        vec!["batcher", "2"]
    );
    let screen = kubeatlas::tui::fixture::screen(&mut r.app, &r.env.session.catalog, 100, 20);
    eprintln!("{screen}");
    assert!(screen.contains("CONTEXT"), "{screen}");
    assert!(screen.contains("REPLICAS"), "{screen}");

    // `s`: the scale dialog, then the PATCH of the CRD's scale subresource.
    let dev = r.env.sim.cluster("dev").expect("dev").clone();
    dev.clear_journal();
    r.key(KeyCode::Char('s'));
    assert!(
        matches!(r.app.layers().top(), Some(Layer::Dialog(_))),
        "scale dialog"
    );
    r.keys("4");
    r.key(KeyCode::Enter);
    let fx = r.key(KeyCode::Char('y'));
    assert!(fx.iter().any(|e| matches!(e, Effect::Act { .. })), "{fx:?}");
    r.until("the scaled row", |a| {
        view(a).is_some_and(|v| {
            v.rows.iter().any(|s| {
                s.row.name == "batcher" && s.row.cells.get(1).map(String::as_str) == Some("4")
            })
        })
    })
    .await;
    let patches: Vec<_> = dev
        .journal()
        .into_iter()
        .filter(|j| j.is_mutating())
        .collect();
    assert_eq!(patches.len(), 1, "{patches:?}");
    assert_eq!(
        patches[0].path,
        "/apis/demo.kubeatlas.dev/v1/namespaces/shop/workers/batcher/scale"
    );
    assert_eq!(patches[0].body, r#"{"spec":{"replicas":4}}"#);

    // Esc closes it: the followers stop, no row is kept anywhere.
    let fx = r.key(KeyCode::Esc);
    assert!(fx.contains(&Effect::StopResources), "{fx:?}");
    assert!(view(&r.app).is_none());
    assert_eq!(r.runner.resource_followers(), 0);
    // Later changes find no layer to go to: no row is kept anywhere.
    dev.patch(
        SimResource::Workers,
        Some("shop"),
        "batcher",
        kubeatlas_sim::PatchKind::Merge,
        &json!({"spec": {"replicas": 1}}),
    )
    .expect("patched");
    tokio::time::sleep(Duration::from_millis(300)).await;
    while let Ok(m) = r.replies.try_recv() {
        let fx = update(&mut r.app, &r.env.session.catalog, m);
        assert!(
            !fx.iter()
                .any(|e| matches!(e, Effect::FollowResource { .. })),
            "{fx:?}"
        );
    }
    assert!(view(&r.app).is_none());
    assert_eq!(r.runner.resource_followers(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_are_only_ever_asked_for_as_metadata() {
    let mut r = Rig::new().await;
    r.discovered().await;
    // Secrets have a built-in blueprint whose source is metadata only: listed and watched as
    // PartialObjectMetadata, so their values never reach memory.
    let dev = r.env.sim.cluster("dev").expect("dev").clone();
    dev.create(json!({
        "apiVersion": "v1", "kind": "Secret",
        "metadata": {"name": "db-password", "namespace": "shop"},
        "type": "Opaque", "data": {"password": "c2VjcmV0LXZhbHVl"}
    }))
    .expect("secret created");
    let secret = r
        .env
        .session
        .catalog
        .blueprints()
        .resolve("secrets")
        .expect("the secret blueprint");
    assert!(
        r.env
            .pump_until(T, |c| c
                .entities(secret)
                .any(|(_, s)| &*s.name == "db-password"))
            .await
    );
    let listed: Vec<_> = dev
        .journal()
        .into_iter()
        .filter(|j| j.path.ends_with("/secrets"))
        .collect();
    assert!(!listed.is_empty(), "secrets were listed");
    for j in &listed {
        assert!(j.accept.contains("as=PartialObjectMetadata"), "{j:?}");
    }
    // `:secrets` opens that blueprint; `y` on a Secret asks for its metadata only.
    r.keys(":secrets dev");
    r.key(KeyCode::Enter);
    r.keys("/db-password");
    r.key(KeyCode::Enter);
    dev.clear_journal();
    let fx = r.key(KeyCode::Char('y'));
    let fetch: Vec<bool> = fx
        .iter()
        .filter_map(|e| match e {
            Effect::FetchObject { metadata_only, .. } => Some(*metadata_only),
            _ => None,
        })
        .collect();
    assert_eq!(fetch, vec![true], "{fx:?}");
    r.until("the yaml answer", |a| {
        a.layers().iter().any(
            |l| matches!(l, Layer::Yaml(y) if y.content != kubeatlas::tui::yaml::Content::Loading),
        )
    })
    .await;
    r.key(KeyCode::Esc);
    let gets: Vec<_> = dev
        .journal()
        .into_iter()
        .filter(|j| j.path == "/api/v1/namespaces/shop/secrets/db-password")
        .collect();
    assert_eq!(gets.len(), 1, "{gets:?}");
    assert_eq!(
        gets[0].accept, "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1",
        "{:?}",
        gets[0]
    );
}

/// `ResourceRows` messages waiting in the replies, drained without waiting.
fn rows_waiting(r: &mut Rig) -> usize {
    let mut n = 0;
    while let Ok(m) = r.replies.try_recv() {
        if matches!(m, Msg::EffectDone(Reply::ResourceRows { .. })) {
            n += 1;
        }
        let fx = update(&mut r.app, &r.env.session.catalog, m);
        r.run(fx);
    }
    n
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_dash_n_the_generic_layer_reads_that_namespace_on_the_server_and_stops_when_closed() {
    let mut r = Rig::scoped(vec![Some("shop".into()); 3]).await;
    r.discovered().await;
    let dev = r.env.sim.cluster("dev").expect("dev").clone();
    dev.create(json!({
        "apiVersion": "demo.kubeatlas.dev/v1", "kind": "Worker",
        "metadata": {"name": "ledger-sync", "namespace": "payments"},
        "spec": {"replicas": 1}
    }))
    .expect("worker created");
    dev.clear_journal();
    r.keys(":workers");
    let fx = r.key(KeyCode::Enter);
    let namespaces: Vec<Option<String>> = fx
        .iter()
        .flat_map(|e| match e {
            Effect::FollowResource { targets, .. } => targets.clone(),
            _ => vec![],
        })
        .map(|t| t.namespace)
        .collect();
    assert_eq!(namespaces, vec![Some("shop".to_string()); 3], "{fx:?}");
    r.until("the rows of shop", |a| {
        view(a).is_some_and(|v| !v.loading() && !v.rows.is_empty())
    })
    .await;
    let v = view(&r.app).expect("layer");
    let names: Vec<&str> = v.rows.iter().map(|s| s.row.name.as_str()).collect();
    assert_eq!(names, ["batcher"], "payments' worker is not read");
    assert_eq!(v.scope, "all/shop");
    assert!(!v.shows_namespace(), "one namespace: no NAMESPACE column");
    // On the server: the namespaced path, as kubectl -n sends it.
    let paths: Vec<String> = dev
        .journal()
        .into_iter()
        .filter(|j| j.path.contains("/workers"))
        .map(|j| j.path)
        .collect();
    assert!(!paths.is_empty());
    for p in &paths {
        assert_eq!(p, "/apis/demo.kubeatlas.dev/v1/namespaces/shop/workers");
    }

    // A namespace typed wins over -n.
    r.keys(":workers dev/payments");
    r.key(KeyCode::Enter);
    r.until("the rows of payments", |a| {
        view(a).is_some_and(|v| v.scope == "dev/payments" && !v.loading() && !v.rows.is_empty())
    })
    .await;
    let v = view(&r.app).expect("layer");
    let names: Vec<&str> = v.rows.iter().map(|s| s.row.name.as_str()).collect();
    assert_eq!(names, ["ledger-sync"]);

    // Closed: once what was already on its way is drained, no row message arrives, however
    // the resource changes.
    let fx = r.key(KeyCode::Esc);
    assert!(fx.contains(&Effect::StopResources), "{fx:?}");
    tokio::time::sleep(Duration::from_millis(200)).await;
    let queued = rows_waiting(&mut r);
    for n in 2..6 {
        dev.patch(
            SimResource::Workers,
            Some("payments"),
            "ledger-sync",
            kubeatlas_sim::PatchKind::Merge,
            &json!({"spec": {"replicas": n}}),
        )
        .expect("patched");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let after = rows_waiting(&mut r);
    eprintln!("row messages after closing: {queued} already queued, {after} later");
    assert_eq!(after, 0, "row messages after the layer closed");
    assert_eq!(r.runner.resource_followers(), 0);

    // Closed before its first rows came: nothing of it arrives later either.
    r.keys(":workers");
    r.key(KeyCode::Enter);
    let fx = r.key(KeyCode::Esc);
    assert!(fx.contains(&Effect::StopResources), "{fx:?}");
    // What a fast follower sent between ⏎ and Esc is already queued; nothing may follow it.
    let queued = rows_waiting(&mut r);
    tokio::time::sleep(Duration::from_millis(800)).await;
    let late = rows_waiting(&mut r);
    eprintln!("row messages of a layer closed at once: {queued} already queued, {late} later");
    assert_eq!(late, 0, "row messages after a layer closed at once");
}

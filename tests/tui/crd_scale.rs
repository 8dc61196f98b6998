//! A user blueprint for a custom resource with a `scale` subresource: the simulator serves the
//! CRD (`demo.kubeatlas.dev/v1` `Worker`), the blueprint declares `scale` (and `restart` with
//! `patch: merge`, since custom resources take no strategic-merge patch), and both the
//! executor and the TUI's `s` key send the request to the CRD's `/scale` subresource.

use crate::support::{Env, start_with_blueprints};
use crossterm::event::KeyCode;
use kubeatlas::actions::{Action, ActionError, ApiFailure, Target};
use kubeatlas::blueprint::ActionKind;
use kubeatlas::catalog::{Catalog, EntityRef};
use kubeatlas::config::UserConfig;
use kubeatlas::tui::Effect;
use kubeatlas::tui::act::dialog::Step;
use kubeatlas::tui::fixture::{app, press, type_text};
use kubeatlas::tui::layer::Layer;
use kubeatlas_sim::{JournalEntry, SimCluster, SimFleet, SimResource};
use serde_json::{Value, json};
use std::time::Duration;

const T: Duration = Duration::from_secs(25);

const WORKER_BLUEPRINT: &str = "\
identifier: worker
title: Worker
plural: workers
sources:
  - { group: demo.kubeatlas.dev, version: v1, kind: Worker, plural: workers }
properties:
  - { id: desired, title: Desired, path: .spec.replicas, type: integer }
  - { id: image, title: Image, path: '.spec.template.spec.containers[0].image' }
relations:
  - { id: namespace, to: namespace, via: namespace }
  - { id: cluster, to: cluster, via: cluster }
actions:
  scale: {}
  restart: { patch: merge }
";

/// The demo fleet plus one `Worker` in dev, and a session with the user blueprint for it.
async fn start_worker() -> Env {
    let sim = SimFleet::demo();
    let dev = sim.cluster("dev").expect("dev").clone();
    dev.create(json!({
        "apiVersion": "demo.kubeatlas.dev/v1",
        "kind": "Worker",
        "metadata": {"name": "batcher", "namespace": "shop"},
        "spec": {
            "replicas": 2,
            "template": {"spec": {"containers": [{"name": "app", "image": "registry.example/batcher:1.0"}]}}
        }
    }))
    .expect("the CRD's object is created");
    let mut env = start_with_blueprints(sim, &[], &[("worker.yaml", WORKER_BLUEPRINT)]).await;
    let seen = env.pump_until(T, |c| worker(c).is_some()).await;
    let dev = env.sim.cluster("dev").expect("dev");
    let asked: Vec<String> = dev
        .journal()
        .into_iter()
        .filter(|j| j.path.contains("workers"))
        .map(|j| format!("{} {}?{} → {}", j.method, j.path, j.query, j.status))
        .collect();
    assert!(seen, "the worker reaches the catalog; requests: {asked:?}");
    env
}

fn worker(c: &Catalog) -> Option<EntityRef> {
    let cluster = c.cluster_by_name("dev")?;
    let bp = c.blueprints().by_identifier("worker")?;
    let r = c.entities_in(cluster, bp).find(|r| &*r.name == "batcher")?;
    Some(EntityRef {
        cluster,
        bp,
        uid: r.uid.clone(),
    })
}

fn desired(c: &Catalog, e: &EntityRef) -> Option<i64> {
    let i = c.blueprint(e.bp).prop_index("desired")?;
    c.get(e)?.props.get(i)?.as_int()
}

fn mutations(cluster: &SimCluster) -> Vec<JournalEntry> {
    cluster
        .journal()
        .into_iter()
        .filter(|j| j.is_mutating())
        .collect()
}

const SCALE_PATH: &str = "/apis/demo.kubeatlas.dev/v1/namespaces/shop/workers/batcher/scale";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scale_of_a_custom_resource_goes_to_its_scale_subresource() {
    let mut env = start_worker().await;
    let dev = env.sim.cluster("dev").expect("dev").clone();
    let e = worker(&env.session.catalog).expect("worker");
    let t = Target::of(&env.session.catalog, &e).expect("target");
    assert_eq!(t.plural, "workers");
    dev.clear_journal();

    let done = env
        .executor(false, UserConfig::default())
        .act(&t, &Action::Scale { replicas: 5 })
        .await
        .expect("scaled");
    assert!(done.message.contains("scale to 5"), "{}", done.message);
    let muts = mutations(&dev);
    assert_eq!(muts.len(), 1, "{muts:?}");
    assert_eq!(muts[0].method, "PATCH");
    assert_eq!(muts[0].path, SCALE_PATH);
    assert_eq!(
        muts[0].content_type.as_deref(),
        Some("application/merge-patch+json")
    );
    assert_eq!(muts[0].body, r#"{"spec":{"replicas":5}}"#);
    assert_eq!(muts[0].status, 200);
    let obj = dev
        .get(SimResource::Workers, Some("shop"), "batcher")
        .expect("worker");
    assert_eq!(obj["spec"]["replicas"], 5);
    assert!(
        env.pump_until(T, |c| desired(c, &e) == Some(5)).await,
        "the catalog sees 5 desired"
    );

    // `restart` with `patch: merge`: the pod template annotation, as a JSON merge patch.
    dev.clear_journal();
    env.executor(false, UserConfig::default())
        .act(&t, &Action::Restart)
        .await
        .expect("restarted");
    let muts = mutations(&dev);
    assert_eq!(muts.len(), 1, "{muts:?}");
    assert_eq!(
        muts[0].path,
        "/apis/demo.kubeatlas.dev/v1/namespaces/shop/workers/batcher"
    );
    assert_eq!(
        muts[0].content_type.as_deref(),
        Some("application/merge-patch+json")
    );
    let obj = dev
        .get(SimResource::Workers, Some("shop"), "batcher")
        .expect("worker");
    let at: &Value =
        &obj["spec"]["template"]["metadata"]["annotations"]["kubectl.kubernetes.io/restartedAt"];
    assert!(at.is_string(), "{obj}");

    // The blueprint does not offer redeploy: refused before anything is sent.
    dev.clear_journal();
    let err = env
        .executor(false, UserConfig::default())
        .act(
            &t,
            &Action::SetImage {
                container: "app".into(),
                image: "x:2".into(),
            },
        )
        .await
        .expect_err("not offered");
    assert!(matches!(err, ActionError::Refused(_)), "{err:?}");
    assert!(mutations(&dev).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_strategic_patch_on_a_custom_resource_is_refused_by_the_server() {
    // Without `patch: merge` a restart is kubectl's strategic-merge patch, which a custom
    // resource does not take: the server's 415 comes back typed and in words.
    let env = start_worker().await;
    let e = worker(&env.session.catalog).expect("worker");
    let mut t = Target::of(&env.session.catalog, &e).expect("target");
    let rules: Vec<_> = t
        .rules
        .iter()
        .cloned()
        .map(|mut r| {
            r.patch = kubeatlas::blueprint::PatchType::Strategic;
            r
        })
        .collect();
    t.rules = rules.into();
    let err = env
        .executor(false, UserConfig::default())
        .act(&t, &Action::Restart)
        .await
        .expect_err("415");
    let ActionError::Api(ApiFailure::Status { code, .. }) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(*code, 415);
    assert!(err.to_string().contains("unknown format"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_s_key_is_offered_on_the_custom_resource_and_sends_its_scale_request() {
    let mut env = start_worker().await;
    let dev = env.sim.cluster("dev").expect("dev").clone();
    let cat = &env.session.catalog;
    let mut a = app(cat);
    type_text(&mut a, cat, ":workers dev/shop");
    press(&mut a, cat, KeyCode::Enter);
    assert_eq!(
        a.offered(),
        [ActionKind::Scale, ActionKind::Restart],
        "the blueprint's actions, in its order"
    );

    assert!(press(&mut a, cat, KeyCode::Char('s')).is_empty());
    let Some(Layer::Dialog(d)) = a.layers().overlay() else {
        panic!("the scale dialog opens: {:?}", a.message())
    };
    assert_eq!(
        d.step,
        Step::Replicas { input: "2".into() },
        "prefilled with the desired replicas"
    );
    press(&mut a, cat, KeyCode::Backspace);
    type_text(&mut a, cat, "3");
    press(&mut a, cat, KeyCode::Enter);
    let fx = press(&mut a, cat, KeyCode::Char('y'));
    let [
        Effect::Act {
            targets, action, ..
        },
    ] = fx.as_slice()
    else {
        panic!("one action effect: {fx:?}")
    };
    assert_eq!(*action, Action::Scale { replicas: 3 });
    assert_eq!(targets.len(), 1);
    let (entity, target) = &targets[0];
    assert_eq!(Some(entity.clone()), worker(cat));

    // What the effect runner does with it: the executor sends it to the CRD's /scale.
    dev.clear_journal();
    let out = env
        .executor(false, UserConfig::default())
        .execute(target, action)
        .await;
    assert!(out.ok, "{}", out.message);
    let muts = mutations(&dev);
    assert_eq!(muts.len(), 1, "{muts:?}");
    assert_eq!(
        (muts[0].method.as_str(), muts[0].path.as_str()),
        ("PATCH", SCALE_PATH)
    );
    assert_eq!(muts[0].body, r#"{"spec":{"replicas":3}}"#);
    let e = entity.clone();
    assert!(env.pump_until(T, |c| desired(c, &e) == Some(3)).await);
}

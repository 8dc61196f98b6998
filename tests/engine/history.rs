//! Rollout history and undo over HTTP against the simulator: a Deployment's ReplicaSets and a
//! StatefulSet's ControllerRevisions read as revisions (number, change-cause, images, the
//! current one), undo sending exactly kubectl's request (JSON patch of the template without
//! pod-template-hash and the annotations; the revision's stored strategic patch), nothing
//! sent when the revision already runs, a paused Deployment refused in kubectl's words,
//! read-only refusing before anything is read or sent, and an audit line for each run.

use crate::cli::kubeatlas;
use crate::support::{Env, all_ready, start};
use kubeatlas::actions::history::{self, History};
use kubeatlas::actions::undo::UndoError;
use kubeatlas::actions::{Action, ActionError, Refusal, Target};
use kubeatlas::config::UserConfig;
use kubeatlas_sim::{JournalEntry, PatchKind, SimCluster, SimFleet, SimResource};
use serde_json::{Value, json};
use std::time::Duration;

const ENVS: &[&str] = &["dev", "staging", "prod"];
const T: Duration = Duration::from_secs(25);

async fn ready_env() -> Env {
    let mut env = start(SimFleet::demo(), &[]).await;
    assert!(env.pump_until(T, |c| all_ready(c, ENVS)).await);
    env
}

fn mutations(cluster: &SimCluster) -> Vec<JournalEntry> {
    cluster
        .journal()
        .into_iter()
        .filter(|j| j.is_mutating())
        .collect()
}

fn target(env: &Env, ctx: &str, name: &str) -> Target {
    let e = env.entity(ctx, "workload", name);
    Target::of(&env.session.catalog, &e).expect("target")
}

async fn read(env: &Env, t: &Target) -> History {
    let client = env.session.clients.get(t.cluster).expect("client");
    let rule = t.history.as_ref().expect("history rule");
    history::fetch(&client, t, rule).await.expect("history")
}

/// Poll the history until `pred` holds (the simulator's controller writes revisions).
async fn read_until(env: &Env, t: &Target, pred: impl Fn(&History) -> bool) -> History {
    let deadline = tokio::time::Instant::now() + T;
    loop {
        let h = read(env, t).await;
        if pred(&h) || tokio::time::Instant::now() >= deadline {
            return h;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn numbers(h: &History) -> Vec<(i64, bool)> {
    h.revisions
        .iter()
        .map(|r| (r.revision, r.current))
        .collect()
}

fn set_image(c: &SimCluster, res: SimResource, ns: &str, name: &str, image: &str, cause: &str) {
    let patch = json!({
        "metadata": {"annotations": {"kubernetes.io/change-cause": cause}},
        "spec": {"template": {"spec": {"containers": [{"name": "app", "image": image}]}}},
    });
    c.patch(res, Some(ns), name, PatchKind::Strategic, &patch)
        .expect("image set");
}

fn audit_outcomes(env: &Env) -> Vec<String> {
    std::fs::read_to_string(env.dir.path().join("audit.jsonl"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .map(|v| format!("{} {}", v["action"], v["outcome"]).replace('"', ""))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deployments_history_is_its_replicasets_and_undo_sends_kubectls_json_patch() {
    let env = ready_env().await;
    let prod = env.sim.cluster("prod").expect("prod").clone();
    let t = target(&env, "prod", "checkout-api");
    let h = read(&env, &t).await;
    assert_eq!(numbers(&h), [(1, true)], "one revision, running");
    let old_image = h.revisions[0].images[0].clone();
    assert!(old_image.ends_with(":1.4.2"), "{old_image}");

    let new_image = "registry.example/checkout-api:1.5.0";
    set_image(
        &prod,
        SimResource::Deployments,
        "shop",
        "checkout-api",
        new_image,
        "ship 1.5.0",
    );
    let h = read_until(&env, &t, |h| h.revisions.len() == 2).await;
    assert_eq!(numbers(&h), [(1, false), (2, true)]);
    let r2 = h.get(2).expect("revision 2");
    assert_eq!(r2.change_cause.as_deref(), Some("ship 1.5.0"));
    assert_eq!(r2.images[0], new_image);
    assert!(r2.created.is_some() && r2.replicas.is_some());

    // Undo (to the previous revision): exactly one request, kubectl's JSON patch.
    prod.clear_journal();
    let ex = env.executor(false, UserConfig::default());
    let done = ex
        .act(&t, &Action::Undo { to_revision: 0 })
        .await
        .expect("undo");
    assert!(
        done.message.contains("rolled back to revision 1"),
        "{done:?}"
    );
    let muts = mutations(&prod);
    assert_eq!(muts.len(), 1, "one mutating request: {muts:?}");
    assert_eq!(muts[0].method, "PATCH");
    assert_eq!(
        muts[0].path,
        "/apis/apps/v1/namespaces/shop/deployments/checkout-api"
    );
    assert_eq!(
        muts[0].content_type.as_deref(),
        Some("application/json-patch+json")
    );
    let body: Value = serde_json::from_str(&muts[0].body).expect("json");
    let ops = body.as_array().expect("a JSON patch");
    assert_eq!(ops.len(), 2);
    assert_eq!(ops[0]["op"], "replace");
    assert_eq!(ops[0]["path"], "/spec/template");
    let labels = &ops[0]["value"]["metadata"]["labels"];
    assert!(labels.get("pod-template-hash").is_none(), "{labels}");
    assert_eq!(
        ops[0]["value"]["spec"]["containers"][0]["image"],
        old_image.as_str()
    );
    assert_eq!(ops[1]["path"], "/metadata/annotations");
    let ann = &ops[1]["value"];
    // Kept from the Deployment (annotationsToSkip), the rest from the ReplicaSet.
    assert_eq!(ann["deployment.kubernetes.io/revision"], "2");
    assert!(ann.get("kubernetes.io/change-cause").is_none(), "{ann}");

    let d = prod
        .get(SimResource::Deployments, Some("shop"), "checkout-api")
        .expect("deployment");
    assert_eq!(
        d["spec"]["template"]["spec"]["containers"][0]["image"],
        old_image.as_str()
    );
    // The controller makes the restored ReplicaSet the newest revision, as a real one does.
    let h = read_until(&env, &t, |h| numbers(h) == [(2, false), (3, true)]).await;
    assert_eq!(numbers(&h), [(2, false), (3, true)]);

    // Undo to the revision already running: kubectl's words, nothing sent.
    prod.clear_journal();
    let done = ex
        .act(&t, &Action::Undo { to_revision: 3 })
        .await
        .expect("skip");
    assert!(done.skipped);
    assert!(
        done.message
            .ends_with("skipped rollback (current template already matches revision 3)"),
        "{}",
        done.message
    );
    let missing = ex.act(&t, &Action::Undo { to_revision: 9 }).await;
    assert_eq!(
        missing.map_err(|e| e.to_string()),
        Err("unable to find specified revision 9 in history".to_string())
    );
    assert!(mutations(&prod).is_empty());

    // A paused Deployment: refused with kubectl's message, nothing sent.
    prod.patch(
        SimResource::Deployments,
        Some("shop"),
        "checkout-api",
        PatchKind::Merge,
        &json!({"spec": {"paused": true}}),
    )
    .expect("paused");
    prod.clear_journal();
    let paused = ex.act(&t, &Action::Undo { to_revision: 2 }).await;
    match paused {
        Err(ActionError::Refused(Refusal::Undo(e @ UndoError::Paused { .. }))) => assert_eq!(
            e.to_string(),
            "you cannot rollback a paused deployment; resume it first with 'kubectl rollout resume deployment/checkout-api' and try again"
        ),
        other => panic!("paused undo: {other:?}"),
    }
    assert!(mutations(&prod).is_empty());

    // Read-only: refused before anything is read or sent.
    prod.clear_journal();
    let ro = env
        .executor(true, UserConfig::default())
        .act(&t, &Action::Undo { to_revision: 2 })
        .await;
    assert!(matches!(
        ro,
        Err(ActionError::Refused(Refusal::ReadOnly { .. }))
    ));
    assert!(prod.journal().is_empty(), "{:?}", prod.journal());

    assert_eq!(
        audit_outcomes(&env),
        [
            "undo ok",
            "undo skipped",
            "undo refused",
            "undo refused",
            "undo refused"
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_statefulsets_history_is_its_controller_revisions_and_undo_sends_the_stored_patch() {
    let env = ready_env().await;
    let staging = env.sim.cluster("staging").expect("staging").clone();
    let t = target(&env, "staging", "postgres");
    assert_eq!(t.kind, "StatefulSet");
    let h = read(&env, &t).await;
    assert_eq!(numbers(&h), [(1, true)]);
    let old_image = h.revisions[0].images[0].clone();

    set_image(
        &staging,
        SimResource::StatefulSets,
        "payments",
        "postgres",
        "registry.example/postgres:16.3",
        "",
    );
    let h = read_until(&env, &t, |h| h.revisions.len() == 2).await;
    assert_eq!(numbers(&h), [(1, false), (2, true)]);
    let stored = h.get(1).expect("revision 1").object["data"].clone();

    staging.clear_journal();
    let ex = env.executor(false, UserConfig::default());
    ex.act(&t, &Action::Undo { to_revision: 1 })
        .await
        .expect("undo");
    let muts = mutations(&staging);
    assert_eq!(muts.len(), 1, "{muts:?}");
    assert_eq!(
        muts[0].path,
        "/apis/apps/v1/namespaces/payments/statefulsets/postgres"
    );
    assert_eq!(
        muts[0].content_type.as_deref(),
        Some("application/strategic-merge-patch+json")
    );
    let body: Value = serde_json::from_str(&muts[0].body).expect("json");
    assert_eq!(body, stored, "the revision's data, as kubectl sends it");
    assert_eq!(body["spec"]["template"]["$patch"], "replace");
    let sts = staging
        .get(SimResource::StatefulSets, Some("payments"), "postgres")
        .expect("sts");
    assert_eq!(
        sts["spec"]["template"]["spec"]["containers"][0]["image"],
        old_image.as_str()
    );
    let h = read_until(&env, &t, |h| numbers(h) == [(2, false), (3, true)]).await;
    assert_eq!(numbers(&h), [(2, false), (3, true)]);

    // Only one revision left to go back to from a fresh DaemonSet: kubectl's words.
    let ds = target(&env, "staging", "node-exporter");
    let only = ex.act(&ds, &Action::Undo { to_revision: 0 }).await;
    assert_eq!(
        only.map_err(|e| e.to_string()),
        Err("no last revision to roll back to".to_string())
    );
}

#[test]
fn undo_without_history_and_a_bad_history_path_are_load_errors_naming_the_line() {
    let yaml = "identifier: worker
title: Worker
sources:
  - { group: demo.kubeatlas.dev, version: v1, kind: Worker, plural: workers }
  - group: demo.kubeatlas.dev
    version: v1
    kind: Gadget
    history:
      owned: { version: v1, kind: Thing }
      revision: '.metadata[oops'
      template: .spec.template
      undo: { patch: json }
relations:
  - { id: namespace, to: namespace, via: namespace }
actions: [undo]
";
    let err = kubeatlas::blueprint::BlueprintSet::with_user_sources(vec![(
        "worker.yaml".into(),
        yaml.into(),
    )])
    .expect_err("invalid")
    .to_string();
    assert!(err.contains("worker.yaml:4"), "{err}");
    assert!(
        err.contains("action undo: source demo.kubeatlas.dev/v1/Worker has no `history:`"),
        "{err}"
    );
    assert!(err.contains("worker.yaml:10"), "{err}");
    assert!(
        err.contains("history: revision: bad path expression"),
        "{err}"
    );
}

#[test]
fn the_history_and_undo_commands_read_and_roll_back_by_kind_slash_name() {
    let home = tempfile::tempdir().expect("tmp");
    let h = home.path();
    let base = ["--demo", "--context", "prod"];
    let run = |extra: &[&str]| kubeatlas(h, &[&base[..], extra].concat());
    let o = run(&["history", "deploy/frontend", "-n", "shop", "-o", "json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: Value = serde_json::from_slice(&o.stdout).expect("json");
    let revs: Vec<(i64, bool)> = v["revisions"]
        .as_array()
        .expect("revisions")
        .iter()
        .map(|r| (r["revision"].as_i64().unwrap_or(-1), r["current"] == true))
        .collect();
    assert_eq!(revs, [(2, false), (3, false), (4, true)]);
    assert_eq!(
        v["revisions"][0]["changeCause"],
        "ci: deploy frontend 5.1.0 (pipeline #4121)"
    );
    // kubectl's KIND forms, through the blueprints.
    for kind in ["deployment/frontend", "deployments.apps/frontend"] {
        let o = run(&["history", kind, "-n", "shop"]);
        let out = String::from_utf8_lossy(&o.stdout);
        assert!(
            out.starts_with("deployment.apps/frontend\nREVISION"),
            "{out}"
        );
    }
    let o = run(&["history", "sts/postgres", "-n", "payments"]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("1 *"));

    let o = run(&[
        "undo",
        "deploy/frontend",
        "-n",
        "shop",
        "--to-revision",
        "3",
        "--yes",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout).trim(),
        "prod › shop › Deployment frontend: rolled back to revision 3"
    );
    // No terminal to ask on, no --yes: nothing is sent.
    let o = run(&["undo", "deploy/frontend", "-n", "shop"]);
    assert_eq!(o.status.code(), Some(2), "a usage error");
    assert!(String::from_utf8_lossy(&o.stderr).contains("pass --yes"));
    let o = run(&["history", "widget/x"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no blueprint reads this kind"));
    let audit = std::fs::read_to_string(h.join("data/kubeatlas/audit.jsonl")).unwrap_or_default();
    assert_eq!(audit.lines().count(), 1, "{audit}");
}

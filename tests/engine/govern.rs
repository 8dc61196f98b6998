//! Locks, TTLs and the reaper over HTTP against the simulator: the exact annotation patch and
//! its resourceVersion precondition, a concurrent lock answered "locked by X just now" with
//! nothing overwritten, every action refused on a locked workload with the reason, the
//! override audited, expiry judged by an injected clock, read-only sending nothing, and the
//! reaper deleting exactly its preview, each with a uid precondition.

use crate::support::{Env, all_ready, start};
use kubeatlas::actions::govern::{self as write, GovernError};
use kubeatlas::actions::{Action, ActionError, Executor, Refusal, Target};
use kubeatlas::config::UserConfig;
use kubeatlas::govern::reap::expired;
use kubeatlas::govern::{FixedClock, LOCK_KEY, Lock, LockState, read};
use kubeatlas_sim::{JournalEntry, PatchKind, SimCluster, SimFleet, SimResource};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

const ENVS: &[&str] = &["dev", "staging", "prod"];
const T: Duration = Duration::from_secs(25);

async fn ready_env() -> Env {
    let mut env = start(SimFleet::demo(), &[]).await;
    assert!(env.pump_until(T, |c| all_ready(c, ENVS)).await);
    env
}

fn now() -> i64 {
    jiff::Timestamp::now().as_second()
}

/// Mutations other than the access and identity reviews.
fn writes(cluster: &SimCluster) -> Vec<JournalEntry> {
    cluster
        .journal()
        .into_iter()
        .filter(|j| j.is_mutating() && !j.path.contains("selfsubject"))
        .collect()
}

fn audit(env: &Env) -> Vec<Value> {
    std::fs::read_to_string(env.dir.path().join("audit.jsonl"))
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).expect("audit line is JSON"))
        .collect()
}

fn deployment(env: &Env, ctx: &str, ns: &str, name: &str) -> Value {
    env.sim
        .cluster(ctx)
        .expect("cluster")
        .get(SimResource::Deployments, Some(ns), name)
        .expect("deployment")
}

fn annotate_sim(env: &Env, ctx: &str, res: SimResource, ns: Option<&str>, name: &str, a: Value) {
    env.sim
        .cluster(ctx)
        .expect("cluster")
        .patch(
            res,
            ns,
            name,
            PatchKind::Merge,
            &json!({"metadata": {"annotations": a}}),
        )
        .expect("annotated");
}

/// The target of `ctx`'s workload `name` once the catalog shows its lock as `locked`.
async fn workload_when(env: &mut Env, ctx: &str, name: &str, locked: bool) -> Target {
    let e = env.entity(ctx, "workload", name);
    let seen = env
        .pump_until(T, |c| {
            c.get(&e)
                .is_some_and(|r| read::lock(c, r, now()).is_locked() == locked)
        })
        .await;
    assert!(seen, "the catalog sees {ctx}/{name} locked={locked}");
    Target::of(&env.session.catalog, &e).expect("target")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lock_is_one_merge_patch_of_the_annotation_with_the_resource_version_as_precondition() {
    let mut env = ready_env().await;
    let prod = env.sim.cluster("prod").expect("prod").clone();
    let t = workload_when(&mut env, "prod", "cart", false).await;
    let ex = env.executor(false, UserConfig::default());
    let rv = deployment(&env, "prod", "shop", "cart")["metadata"]["resourceVersion"]
        .as_str()
        .expect("rv")
        .to_string();
    prod.clear_journal();
    let l = Lock::new("alice", "release freeze", now(), 7200);
    write::lock(&ex, &t, &l).await.expect("locked");

    let w = writes(&prod);
    assert_eq!(w.len(), 1, "{w:?}");
    assert_eq!(w[0].method, "PATCH");
    assert_eq!(w[0].path, "/apis/apps/v1/namespaces/shop/deployments/cart");
    assert_eq!(
        w[0].content_type.as_deref(),
        Some("application/merge-patch+json")
    );
    assert_eq!(w[0].status, 200);
    let expected = json!({"metadata": {
        "annotations": {LOCK_KEY: l.to_annotation()},
        "resourceVersion": rv,
    }});
    assert_eq!(w[0].body_json(), Some(expected));
    let stored = deployment(&env, "prod", "shop", "cart");
    assert_eq!(
        stored["metadata"]["annotations"][LOCK_KEY],
        l.to_annotation()
    );
    // The catalog reads it as a blueprint property, without fetching.
    let t = workload_when(&mut env, "prod", "cart", true).await;
    assert_eq!(t.lock.as_deref(), Some(l.to_annotation().as_str()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_concurrent_lock_is_told_locked_by_x_just_now_and_overwrites_nothing() {
    let mut env = ready_env().await;
    let prod = env.sim.cluster("prod").expect("prod").clone();
    let t = workload_when(&mut env, "prod", "cart", false).await;
    let ex = env.executor(false, UserConfig::default());
    // Alice reads, Bob locks in between, Alice writes with what she read.
    let alice_read = write::current(&ex, &t).await.expect("read");
    let bob = Lock::new("bob", "hotfix in flight", now(), 3600);
    write::lock(&ex, &t, &bob).await.expect("bob locks");
    prod.clear_journal();
    let alice = Lock::new("alice", "release freeze", now(), 3600);
    let err = write::lock_from(&ex, &t, &alice, &alice_read)
        .await
        .expect_err("the second lock loses");
    assert!(
        matches!(&err, GovernError::LockedJustNow { who, .. } if who == "bob"),
        "{err:?}"
    );
    assert!(err.to_string().contains("locked by bob just now"), "{err}");
    assert!(err.to_string().contains("nothing was overwritten"), "{err}");
    let w = writes(&prod);
    assert_eq!(w.len(), 1, "{w:?}");
    assert_eq!(w[0].status, 409, "the precondition failed on the server");
    assert_eq!(
        deployment(&env, "prod", "shop", "cart")["metadata"]["annotations"][LOCK_KEY],
        bob.to_annotation(),
        "Bob's lock stands"
    );
    // Reading again now refuses before writing: nothing sent.
    prod.clear_journal();
    let err = write::lock(&ex, &t, &alice).await.expect_err("held");
    assert!(matches!(err, GovernError::AlreadyLocked { .. }), "{err:?}");
    assert!(writes(&prod).is_empty());
}

fn actions() -> Vec<Action> {
    vec![
        Action::Restart,
        Action::SetImage {
            container: "app".into(),
            image: "registry.example/cart:9.9.9".into(),
        },
        Action::Scale { replicas: 5 },
        Action::Delete,
        Action::Reap,
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_locked_workload_refuses_every_action_with_the_reason_and_the_override_is_audited() {
    let mut env = ready_env().await;
    let prod = env.sim.cluster("prod").expect("prod").clone();
    let t = workload_when(&mut env, "prod", "cart", false).await;
    let ex = env.executor(false, UserConfig::default());
    let l = Lock::new("alice", "release freeze", now(), 7200);
    write::lock(&ex, &t, &l).await.expect("locked");
    let t = workload_when(&mut env, "prod", "cart", true).await;
    prod.clear_journal();
    for a in actions() {
        let err = ex.act(&t, &a).await.expect_err("refused");
        let ActionError::Refused(Refusal::Locked { reason, .. }) = &err else {
            panic!("{a:?}: {err:?}");
        };
        assert!(
            reason.contains("locked by alice") && reason.contains("release freeze"),
            "{reason}"
        );
    }
    // Deleting one of its pods is acting on it too.
    let pod = env.entity("prod", "pod", "cart-");
    let pt = Target::of(&env.session.catalog, &pod).expect("pod target");
    let err = ex.act(&pt, &Action::Delete).await.expect_err("refused");
    assert!(
        matches!(&err, ActionError::Refused(Refusal::Locked { reason, .. }) if reason.contains("release freeze")),
        "{err:?}"
    );
    assert!(
        writes(&prod).is_empty(),
        "nothing sent: {:?}",
        writes(&prod)
    );
    let lines = audit(&env);
    assert_eq!(
        lines.iter().filter(|l| l["outcome"] == "refused").count(),
        actions().len() + 1
    );

    // The override (the service name typed) sends, and the audit says which lock it overrode.
    let mut over = t.clone();
    over.lock_override = true;
    ex.act(&over, &Action::Restart).await.expect("overridden");
    assert_eq!(writes(&prod).len(), 1);
    let last = audit(&env).pop().expect("audited");
    assert_eq!(last["action"], "restart");
    assert_eq!(last["outcome"], "ok");
    assert_eq!(last["lock_override"], l.to_annotation());
    // Governance writes are never refused by the lock: unlock works.
    assert!(write::unlock(&ex, &t).await.expect("unlocked").is_some());
    workload_when(&mut env, "prod", "cart", false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_lock_counts_as_unlocked_by_the_injected_clock() {
    let mut env = ready_env().await;
    let t = workload_when(&mut env, "prod", "catalog", false).await;
    let t0 = now();
    let ex = env.executor(false, UserConfig::default());
    write::lock(&ex, &t, &Lock::new("alice", "freeze", t0, 3600))
        .await
        .expect("locked");
    let t = workload_when(&mut env, "prod", "catalog", true).await;
    let at = |secs: i64| {
        env.executor(false, UserConfig::default())
            .with_clock(Arc::new(FixedClock(secs)))
    };
    let err = at(t0 + 3599)
        .act(&t, &Action::Restart)
        .await
        .expect_err("still locked");
    assert!(
        matches!(err, ActionError::Refused(Refusal::Locked { .. })),
        "{err:?}"
    );
    at(t0 + 3600)
        .act(&t, &Action::Restart)
        .await
        .expect("expired: unlocked");
    assert!(matches!(
        LockState::read(t.lock.as_deref(), t0 + 3600),
        LockState::Expired(_)
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_refuses_lock_unlock_ttl_and_reap_and_sends_nothing() {
    let mut env = ready_env().await;
    let prod = env.sim.cluster("prod").expect("prod").clone();
    let t = workload_when(&mut env, "prod", "cart", false).await;
    prod.clear_journal();
    let ro: Executor = env.executor(true, UserConfig::default());
    let l = Lock::new("alice", "freeze", now(), 60);
    let errs = [
        write::lock(&ro, &t, &l).await.map(|_| ()),
        write::unlock(&ro, &t).await.map(|_| ()),
        write::set_expiry(&ro, &t, Some(now() + 60))
            .await
            .map(|_| ()),
        ro.act(&t, &Action::Reap)
            .await
            .map(|_| ())
            .map_err(GovernError::from),
    ];
    for e in errs {
        let e = e.expect_err("refused");
        assert!(
            matches!(
                e,
                GovernError::Action(ActionError::Refused(Refusal::ReadOnly { .. }))
            ),
            "{e:?}"
        );
    }
    assert!(
        prod.journal().iter().all(|j| !j.is_mutating()),
        "{:?}",
        prod.journal()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reaper_deletes_exactly_the_expired_set_it_previewed_each_with_a_uid_precondition() {
    let mut env = ready_env().await;
    let dev = env.sim.cluster("dev").expect("dev").clone();
    let ns = Some("shop");
    let d = SimResource::Deployments;
    annotate_sim(
        &env,
        "dev",
        d,
        ns,
        "cart",
        json!({"janitor/expires": "2020-01-01"}),
    );
    annotate_sim(&env, "dev", d, ns, "search", json!({"janitor/ttl": "1s"}));
    annotate_sim(
        &env,
        "dev",
        d,
        ns,
        "catalog",
        json!({"janitor/ttl": "3 days"}),
    );
    annotate_sim(
        &env,
        "dev",
        d,
        ns,
        "frontend",
        json!({"kubeatlas.io/expires": "2999-01-01"}),
    );
    annotate_sim(
        &env,
        "dev",
        SimResource::Namespaces,
        None,
        "monitoring",
        json!({"janitor/ttl": "1s"}),
    );
    // An expired but locked workload is kept.
    let lock = Lock::new("alice", "keep it", now(), 3600).to_annotation();
    annotate_sim(
        &env,
        "dev",
        d,
        ns,
        "checkout-api",
        json!({"janitor/ttl": "1s", LOCK_KEY: lock}),
    );
    let seen = env
        .pump_until(T, |c| {
            let n = expired(c, now() + 5);
            n.len() == 4 && n.iter().any(|e| e.kept.is_some())
        })
        .await;
    assert!(seen, "{:?}", expired(&env.session.catalog, now() + 5));
    let at = now() + 5;
    let preview = expired(&env.session.catalog, at);
    let names: Vec<(String, Option<String>)> = preview
        .iter()
        .map(|e| (e.label(), e.kept.clone()))
        .collect();
    assert_eq!(
        names.iter().map(|(l, _)| l.as_str()).collect::<Vec<_>>(),
        [
            "dev/shop/cart",
            "dev/shop/checkout-api",
            "dev/shop/search",
            "dev/monitoring"
        ],
        "namespaced objects first, the namespace last; invalid and future TTLs absent"
    );
    assert!(
        names[1]
            .1
            .as_deref()
            .is_some_and(|k| k.contains("locked by alice"))
    );
    // The invalid TTL is shown as invalid, not ignored.
    let cat = &env.session.catalog;
    let e = env.entity("dev", "workload", "catalog");
    assert_eq!(
        read::expiry(cat, cat.get(&e).expect("catalog")).words(at),
        "invalid ttl"
    );

    dev.clear_journal();
    let ex = env
        .executor(false, UserConfig::default())
        .with_clock(Arc::new(FixedClock(at)));
    for x in preview.iter().filter(|x| x.kept.is_none()) {
        let t = Target::of(cat, &x.entity).expect("target");
        ex.act(&t, &Action::Reap).await.expect("deleted");
    }
    let w = writes(&dev);
    let deleted: Vec<(String, Value)> = w
        .iter()
        .map(|j| (j.path.clone(), j.body_json().unwrap_or_default()))
        .collect();
    assert!(w.iter().all(|j| j.method == "DELETE"), "{w:?}");
    let expected: Vec<&kubeatlas::govern::reap::Expired> =
        preview.iter().filter(|x| x.kept.is_none()).collect();
    assert_eq!(deleted.len(), expected.len());
    for ((path, body), x) in deleted.iter().zip(expected) {
        assert!(
            path.ends_with(&format!("/{}", x.name)),
            "{path} is {}",
            x.name
        );
        assert_eq!(body["preconditions"]["uid"], x.uid, "{path}");
    }
    assert!(dev.get(d, ns, "cart").is_none());
    assert!(dev.get(d, ns, "checkout-api").is_some(), "locked: kept");
    assert!(dev.get(d, ns, "catalog").is_some(), "invalid TTL: kept");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn extending_and_clearing_a_ttl_are_annotation_patches_with_the_precondition() {
    let mut env = ready_env().await;
    let staging = env.sim.cluster("staging").expect("staging").clone();
    annotate_sim(
        &env,
        "staging",
        SimResource::Deployments,
        Some("shop"),
        "cart",
        json!({"janitor/ttl": "1h"}),
    );
    let e = env.entity("staging", "workload", "cart");
    assert!(
        env.pump_until(T, |c| c
            .get(&e)
            .is_some_and(|r| !read::expiry(c, r).words(now()).is_empty()))
            .await
    );
    let t = Target::of(&env.session.catalog, &e).expect("target");
    let ex = env.executor(false, UserConfig::default());
    let rv = deployment(&env, "staging", "shop", "cart")["metadata"]["resourceVersion"].clone();
    staging.clear_journal();
    write::set_expiry(&ex, &t, Some(1_900_000_000))
        .await
        .expect("extended");
    let w = writes(&staging);
    assert_eq!(w.len(), 1);
    assert_eq!(
        w[0].body_json(),
        Some(json!({"metadata": {"annotations": {
            "kubeatlas.io/expires": "2030-03-17T17:46:40Z",
            "janitor/expires": "2030-03-17T17:46:40Z",
            "janitor/ttl": null,
        }, "resourceVersion": rv}}))
    );
    staging.clear_journal();
    write::set_expiry(&ex, &t, None).await.expect("cleared");
    let stored = deployment(&env, "staging", "shop", "cart");
    let a = &stored["metadata"]["annotations"];
    assert!(
        a.get("kubeatlas.io/expires").is_none() && a.get("janitor/expires").is_none(),
        "{a}"
    );
}

//! The change timeline against the simulator: every change kind a person cares about becomes
//! an entry from real watch changes over HTTP (images, replicas, scale to zero, restarts,
//! rollouts started / completed / failed, pods entering and leaving CrashLoopBackOff and
//! OOMKilled, creation, deletion, our own actions from the audit log, revisions seeded from
//! ReplicaSets and ControllerRevisions, Warning Events kept past their hour); entries survive a
//! restart of the store; seeding twice adds nothing; a corrupt or locked file turns the
//! timeline off with a message naming it.

use crate::support::{Env, all_ready, new_deployment, start};
use kubeatlas::actions::{Action, Target};
use kubeatlas::config::UserConfig;
use kubeatlas::timeline::store::Bounds;
use kubeatlas::timeline::writer::Settings;
use kubeatlas::timeline::{Entry, Notice, Query, Recorder, Store, StoreError, Timeline};
use kubeatlas_sim::{MAX_READY_ANNOTATION, PatchKind, SimCluster, SimFleet, SimResource};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const T: Duration = Duration::from_secs(25);

fn now() -> i64 {
    jiff::Timestamp::now().as_second()
}

fn settings(db: &Path, audit: Option<PathBuf>) -> Settings {
    Settings {
        path: db.to_path_buf(),
        bounds: Bounds::default(),
        audit_log: audit,
    }
}

type Notices = Arc<Mutex<Vec<Notice>>>;

fn open(db: &Path, audit: Option<PathBuf>) -> (Timeline, Notices) {
    let notices: Notices = Arc::default();
    let n = notices.clone();
    let tl = Timeline::start(settings(db, audit), move |x| {
        n.lock().expect("notices").push(x)
    });
    (tl, notices)
}

/// Fold changes, recording what the recorder derives after each batch, until `done` holds
/// for the entries recorded so far.
async fn follow(
    env: &mut Env,
    rec: &mut Recorder,
    tl: &Timeline,
    seen: &mut Vec<Entry>,
    done: impl Fn(&[Entry]) -> bool,
) -> bool {
    let deadline = Instant::now() + T;
    loop {
        let new = rec.observe(&env.session.catalog, now());
        seen.extend(new.iter().cloned());
        tl.record(new);
        if done(seen) {
            return true;
        }
        if Instant::now() > deadline {
            return false;
        }
        env.fold_next(Duration::from_millis(50)).await;
    }
}

fn has(seen: &[Entry], name: &str, change: &str, text: &str) -> bool {
    seen.iter()
        .any(|e| e.name == name && e.change == change && e.text.contains(text))
}

fn show(seen: &[Entry]) -> String {
    seen.iter()
        .filter(|e| e.change != "created" && e.change != "revision")
        .map(|e| format!("{} {} {} {}\n", e.context, e.name, e.change, e.text))
        .collect()
}

async fn ready() -> Env {
    let mut env = start(SimFleet::demo(), &[]).await;
    assert!(
        env.pump_until(T, |c| all_ready(c, &["dev", "staging", "prod"]))
            .await
    );
    env
}

fn set_waiting(
    prod: &SimCluster,
    (ns, pod): (&str, &str),
    waiting: Option<&str>,
    last: Option<&str>,
) {
    prod.update(SimResource::Pods, Some(ns), pod, |p| {
        let cs = &mut p["status"]["containerStatuses"][0];
        cs["state"] = match waiting {
            Some(w) => json!({"waiting": {"reason": w}}),
            None => json!({"running": {"startedAt": "2026-11-24T10:00:00Z"}}),
        };
        cs["lastState"] = match last {
            Some(r) => json!({"terminated": {"reason": r, "exitCode": 137}}),
            None => json!({}),
        };
    })
    .expect("pod updated");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_change_kind_becomes_a_timeline_entry_and_outlives_a_restart() {
    let mut env = ready().await;
    let db = env.dir.path().join("state/timeline.db");
    let audit = env.dir.path().join("audit.jsonl");
    let (tl, notices) = open(&db, Some(audit.clone()));
    let mut rec = Recorder::new(&env.session.catalog);
    let mut seen = vec![];
    // First sight: workloads' creation times and the revisions their ReplicaSets still tell.
    assert!(
        follow(&mut env, &mut rec, &tl, &mut seen, |s| {
            has(s, "checkout-api", "created", "")
                && s.iter()
                    .any(|e| e.change == "revision" && e.owner == "checkout-api")
        })
        .await
    );
    let seeded = tl.flush().await.expect("store works");
    assert!(seeded > 0);
    let live = seen
        .iter()
        .find(|e| e.change == "revision" && e.owner == "checkout-api" && e.context == "prod")
        .expect("a prod revision of checkout-api");
    assert_eq!(live.version.as_deref(), Some("1.4.2"), "{live:?}");
    let rs = env.entity("prod", "replicaset", &live.name);
    let rs_created = env.session.catalog.get(&rs).map(|r| r.created);
    assert_eq!(
        Some(live.at),
        rs_created,
        "live since the ReplicaSet's creation"
    );

    let prod = env.sim.cluster("prod").expect("prod").clone();
    let patch = |name: &str, body: Value| {
        prod.patch(
            SimResource::Deployments,
            Some("shop"),
            name,
            PatchKind::Strategic,
            &body,
        )
        .expect("patched");
    };
    // Image: a new version rolls out (rollout started, then completed), labelled as a chart
    // upgrade labels it.
    let image = prod
        .get(SimResource::Deployments, Some("shop"), "catalog")
        .and_then(|d| {
            d["spec"]["template"]["spec"]["containers"][0]["image"]
                .as_str()
                .map(String::from)
        })
        .expect("image");
    let next = format!(
        "{}:3.9.9",
        image.rsplit_once(':').map_or(&*image, |(r, _)| r)
    );
    let container = "app";
    patch(
        "catalog",
        json!({"metadata": {"labels": {"app.kubernetes.io/version": "3.9.9"}},
            "spec": {"template": {"spec": {"containers": [{"name": container, "image": next}]}}}}),
    );
    assert!(
        follow(&mut env, &mut rec, &tl, &mut seen, |s| {
            has(s, "catalog", "image", "→ 3.9.9")
                && has(s, "catalog", "rollout", "rollout started")
                && has(s, "catalog", "rollout", "rollout completed")
        })
        .await,
        "{}",
        show(&seen)
    );
    // Replicas, then scale to zero.
    patch("frontend", json!({"spec": {"replicas": 5}}));
    patch("search", json!({"spec": {"replicas": 0}}));
    assert!(
        follow(&mut env, &mut rec, &tl, &mut seen, |s| {
            has(s, "frontend", "replicas", "replicas 3 → 5")
                && has(s, "search", "replicas", "scaled to zero")
        })
        .await,
        "{}",
        show(&seen)
    );
    // Restart through the executor: the restartedAt change and our own action (audit log).
    let cart = env.entity("prod", "workload", "cart");
    let target = Target::of(&env.session.catalog, &cart).expect("target");
    let exec = env.executor(false, UserConfig::default());
    let out = exec.execute(&target, &Action::Restart).await;
    assert!(out.ok, "{out:?}");
    assert!(
        follow(&mut env, &mut rec, &tl, &mut seen, |s| has(
            s,
            "cart",
            "restart",
            "restarted"
        ))
        .await,
        "{}",
        show(&seen)
    );
    // A pod enters CrashLoopBackOff after an OOM kill, then recovers.
    let pod = env.entity("prod", "pod", "notifications");
    let (pod_ns, pod_name) = env.ns_name(&pod);
    set_waiting(
        &prod,
        (&pod_ns, &pod_name),
        Some("CrashLoopBackOff"),
        Some("OOMKilled"),
    );
    assert!(
        follow(&mut env, &mut rec, &tl, &mut seen, |s| {
            has(s, &pod_name, "state", "entered CrashLoopBackOff")
                && has(s, &pod_name, "state", "entered OOMKilled")
        })
        .await,
        "{}",
        show(&seen)
    );
    set_waiting(&prod, (&pod_ns, &pod_name), None, None);
    assert!(
        follow(&mut env, &mut rec, &tl, &mut seen, |s| {
            has(s, &pod_name, "state", "left CrashLoopBackOff")
        })
        .await,
        "{}",
        show(&seen)
    );
    let crash = seen
        .iter()
        .find(|e| e.name == pod_name && e.change == "state")
        .expect("state entry");
    assert_eq!(
        (
            crash.service.as_str(),
            crash.env.as_str(),
            crash.owner.as_str()
        ),
        ("notifications", "prod", "notifications"),
        "a pod's entries are filed under its workload's running service"
    );
    // Creation, a rollout that fails, deletion.
    prod.create(new_deployment(
        &prod,
        "stuck",
        json!({"progressDeadlineSeconds": 1}),
        json!({MAX_READY_ANNOTATION: "0"}),
    ))
    .expect("created");
    assert!(
        follow(&mut env, &mut rec, &tl, &mut seen, |s| {
            has(s, "stuck", "created", "") && has(s, "stuck", "rollout", "rollout failed")
        })
        .await,
        "{}",
        show(&seen)
    );
    prod.delete(SimResource::Deployments, Some("shop"), "stuck")
        .expect("deleted");
    assert!(
        follow(&mut env, &mut rec, &tl, &mut seen, |s| has(
            s, "stuck", "deleted", "deleted"
        ))
        .await,
        "{}",
        show(&seen)
    );

    // Everything is in the store, our action too (read from the audit log).
    let total = tl.flush().await.expect("store works");
    let cart_tl = tl
        .query(Query {
            service: Some("cart".into()),
            ..Query::default()
        })
        .await
        .expect("query");
    let action = cart_tl
        .iter()
        .find(|e| e.change == "action")
        .unwrap_or_else(|| panic!("our restart in the timeline: {cart_tl:?}"));
    assert_eq!(
        (
            action.text.as_str(),
            action.who.as_deref(),
            action.env.as_str()
        ),
        ("restart", Some("kubeatlas"), "prod")
    );
    assert!(
        cart_tl.windows(2).all(|w| w[0].at >= w[1].at),
        "newest first"
    );
    let across = tl
        .query(Query {
            service: Some("checkout-api".into()),
            ..Query::default()
        })
        .await
        .expect("query");
    let envs: std::collections::BTreeSet<&str> = across.iter().map(|e| e.env.as_str()).collect();
    assert_eq!(envs, ["dev", "prod", "staging"].into_iter().collect());
    let reached = tl.reached("catalog", "3.9.9").await.expect("reached");
    assert_eq!(reached.len(), 1);
    assert_eq!(reached[0].env, "prod");
    assert!(notices.lock().expect("notices").is_empty());
    drop(tl);

    // A restart of kubeatlas: a new store on the same file, a new recorder seeding again.
    let (tl, _) = open(&db, Some(audit));
    assert_eq!(
        tl.flush().await.expect("reopened"),
        total,
        "nothing lost, nothing doubled"
    );
    let mut rec2 = Recorder::new(&env.session.catalog);
    let again = rec2.observe(&env.session.catalog, now());
    assert!(again.iter().any(|e| e.change == "revision"));
    assert!(
        again
            .iter()
            .all(|e| matches!(e.change.as_str(), "created" | "revision" | "warning")),
        "a first look records no changes (the Events still there are filed again, once): {}",
        show(&again)
    );
    tl.record(again);
    assert_eq!(
        tl.flush().await.expect("store"),
        total,
        "seeding is idempotent"
    );
    let cart_again = tl
        .query(Query {
            service: Some("cart".into()),
            ..Query::default()
        })
        .await
        .expect("query");
    assert_eq!(cart_again, cart_tl);
}

/// `h` hours ago, as an Event's timestamps are written.
fn hours_ago(h: i64) -> String {
    jiff::Timestamp::from_second(now() - h * 3600)
        .expect("time")
        .to_string()
}

/// A core/v1 Event about `pod` (its uid read from the simulator), first seen at `first`.
fn pod_event(
    prod: &SimCluster,
    (ns, pod): (&str, &str),
    kind: &str,
    reason: &str,
    first: &str,
) -> Value {
    let obj = prod.get(SimResource::Pods, Some(ns), pod).expect("pod");
    json!({
        "apiVersion": "v1", "kind": "Event",
        "metadata": {"name": format!("{pod}.{}", reason.to_lowercase()), "namespace": ns},
        "involvedObject": {"apiVersion": "v1", "kind": "Pod", "name": pod, "namespace": ns,
            "uid": obj["metadata"]["uid"]},
        "reason": reason, "message": format!("{reason} happened\nsecond line"), "type": kind,
        "count": 4, "firstTimestamp": first, "lastTimestamp": hours_ago(1),
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn warning_events_and_controller_revisions_are_filed_under_what_they_are_about() {
    let mut env = ready().await;
    let db = env.dir.path().join("state/timeline.db");
    let (tl, _) = open(&db, None);
    let mut rec = Recorder::new(&env.session.catalog);
    let mut seen = vec![];
    // A StatefulSet's past, from its ControllerRevisions (as a Deployment's from ReplicaSets).
    assert!(
        follow(&mut env, &mut rec, &tl, &mut seen, |s| s.iter().any(|e| e
            .change
            == "revision"
            && e.owner == "postgres"
            && e.context == "prod"))
        .await,
        "a revision of postgres"
    );
    let live = seen
        .iter()
        .find(|e| e.change == "revision" && e.owner == "postgres" && e.context == "prod")
        .expect("revision");
    assert!(live.text.starts_with("revision 1 live: "), "{live:?}");
    assert_eq!(live.kind, "ControllerRevision");

    // A Warning about a pod: filed once under the pod, at its first occurrence, in its
    // workload's running service; a Normal event is never read.
    let prod = env.sim.cluster("prod").expect("prod").clone();
    let pod = env.entity("prod", "pod", "cart");
    let (ns, name) = env.ns_name(&pod);
    let first = hours_ago(2);
    prod.create(pod_event(&prod, (&ns, &name), "Normal", "Pulled", &first))
        .expect("event");
    prod.create(pod_event(&prod, (&ns, &name), "Warning", "BackOff", &first))
        .expect("event");
    assert!(
        follow(&mut env, &mut rec, &tl, &mut seen, |s| has(
            s, &name, "warning", "BackOff"
        ))
        .await,
        "{}",
        show(&seen)
    );
    // (The simulator's staging has Warnings of its own: payments-api's crash-looping sidecar.)
    let w: Vec<&Entry> = seen
        .iter()
        .filter(|e| e.change == "warning" && e.context == "prod")
        .collect();
    // Only the Warning: the Normal event was never read.
    assert_eq!(w.len(), 1, "{w:?}");
    let at = jiff::Timestamp::from_second(w[0].at)
        .expect("time")
        .to_string();
    assert_eq!(
        (
            w[0].text.as_str(),
            w[0].service.as_str(),
            w[0].owner.as_str(),
            w[0].kind.as_str(),
            at.as_str()
        ),
        (
            "BackOff: BackOff happened second line",
            "cart",
            "cart",
            "Pod",
            first.as_str()
        )
    );
    // The event repeats (count, last seen): still one entry.
    prod.update(
        SimResource::Events,
        Some(&ns),
        &format!("{name}.backoff"),
        |e| {
            e["count"] = json!(9);
            e["lastTimestamp"] = json!(hours_ago(0));
        },
    )
    .expect("event updated");
    // (A later event on the same watch tells us the update was folded.)
    prod.create(pod_event(
        &prod,
        (&ns, &name),
        "Warning",
        "Unhealthy",
        &first,
    ))
    .expect("event");
    assert!(
        follow(&mut env, &mut rec, &tl, &mut seen, |s| has(
            s,
            &name,
            "warning",
            "Unhealthy"
        ))
        .await
    );
    let backoffs = seen
        .iter()
        .filter(|e| e.context == "prod" && e.text.starts_with("BackOff"));
    assert_eq!(backoffs.count(), 1, "{}", show(&seen));
    // The server filters: events are read with `type=Warning`.
    let reads: Vec<String> = prod
        .journal()
        .into_iter()
        .filter(|j| j.path == "/api/v1/events")
        .map(|j| j.query)
        .collect();
    assert!(!reads.is_empty());
    assert!(
        reads
            .iter()
            .all(|q| q.contains("fieldSelector=type%3DWarning")),
        "{reads:?}"
    );
    // Kept past Kubernetes' hour: in the store once the Event is gone.
    prod.delete(SimResource::Events, Some(&ns), &format!("{name}.backoff"))
        .expect("deleted");
    tl.flush().await.expect("store works");
    let kept = tl
        .query(Query {
            service: Some("cart".into()),
            ..Query::default()
        })
        .await
        .expect("query");
    assert!(
        kept.iter().any(|e| e.change == "warning" && e.name == name),
        "{kept:#?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrupt_timeline_file_turns_the_timeline_off_with_its_name_and_is_left_alone() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("timeline.db");
    let garbage = b"this is not a database, it is a shopping list\n".repeat(200);
    std::fs::write(&db, &garbage).expect("garbage written");
    let (tl, notices) = open(&db, None);
    let err = tl.flush().await.expect_err("off");
    assert!(matches!(err, StoreError::Corrupt { .. }), "{err:?}");
    tl.record(vec![]);
    let q = tl
        .query(Query::default())
        .await
        .expect_err("queries say why");
    assert!(q.to_string().contains(&db.display().to_string()), "{q}");
    let n = notices.lock().expect("notices").clone();
    assert_eq!(n.len(), 1, "said once: {n:?}");
    assert!(n[0].error);
    assert!(
        n[0].message.starts_with("timeline off: ")
            && n[0].message.contains(&db.display().to_string()),
        "{}",
        n[0].message
    );
    assert_eq!(
        std::fs::read(&db).expect("still there"),
        garbage,
        "never overwritten"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timeline_file_locked_by_another_program_turns_the_timeline_off_and_says_so() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("timeline.db");
    drop(Store::open(&db).expect("a fresh store"));
    let other = rusqlite::Connection::open(&db).expect("second connection");
    other
        .execute_batch("PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE;")
        .expect("exclusive lock held");
    let (tl, notices) = open(&db, None);
    let err = tl.flush().await.expect_err("locked");
    assert!(matches!(err, StoreError::Locked { .. }), "{err:?}");
    let n = notices.lock().expect("notices").clone();
    assert!(
        n.len() == 1
            && n[0].message.contains("locked")
            && n[0].message.contains(&db.display().to_string()),
        "{n:?}"
    );
    drop(other);
}

#[test]
fn the_store_is_bounded_by_age_and_count() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = Store::open(&dir.path().join("t.db")).expect("store");
    let t = now();
    let e = |i: i64, at: i64| Entry {
        at,
        context: "prod".into(),
        env: "prod".into(),
        service: "cart".into(),
        namespace: "shop".into(),
        kind: "Deployment".into(),
        name: "cart".into(),
        owner: "cart".into(),
        uid: format!("u{i}"),
        change: "replicas".into(),
        text: format!("replicas {i}"),
        version: None,
        who: None,
    };
    let entries: Vec<Entry> = (0..10).map(|i| e(i, t - i * 86_400)).collect();
    assert_eq!(store.insert(&entries).expect("insert"), 10);
    assert_eq!(store.insert(&entries).expect("again"), 0, "idempotent");
    let gone = store
        .prune(
            Bounds {
                max_age_days: 5,
                max_entries: 3,
            },
            t,
        )
        .expect("prune");
    assert_eq!(gone, 7);
    let left = store.query(&Query::default()).expect("query");
    let texts: Vec<&str> = left.iter().map(|e| e.text.as_str()).collect();
    assert_eq!(
        texts,
        ["replicas 0", "replicas 1", "replicas 2"],
        "the newest stay"
    );
}

#[test]
fn the_store_answers_the_newest_change_of_each_running_service_without_warnings() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = Store::open(&dir.path().join("t.db")).expect("store");
    let t = now();
    let e = |env: &str, service: &str, ago: i64, change: &str| Entry {
        at: t - ago,
        context: env.into(),
        env: env.into(),
        service: service.into(),
        namespace: "shop".into(),
        kind: "Deployment".into(),
        name: service.into(),
        owner: service.into(),
        uid: format!("{env}-{service}-{ago}"),
        change: change.into(),
        text: format!("{change} {ago}s ago"),
        version: None,
        who: None,
    };
    store
        .insert(&[
            e("prod", "cart", 300, "image"),
            e("prod", "cart", 100, "restart"),
            e("prod", "cart", 10, "warning"),
            e("dev", "cart", 50, "replicas"),
            e("prod", "", 5, "created"),
        ])
        .expect("insert");
    let mut last: Vec<(String, String, String)> = store
        .last_changes()
        .expect("last changes")
        .into_iter()
        .map(|e| (e.service, e.env, e.text))
        .collect();
    last.sort();
    assert_eq!(
        last,
        [
            ("cart".into(), "dev".into(), "replicas 50s ago".into()),
            ("cart".into(), "prod".into(), "restart 100s ago".into()),
        ]
    );
}

#[test]
fn kubeatlas_timeline_prints_a_service_across_environments_from_the_store_alone() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("t.db");
    let mut store = Store::open(&db).expect("store");
    let t = now();
    let e = |env: &str, service: &str, ago: i64, text: &str, version: Option<&str>| Entry {
        at: t - ago,
        context: env.into(),
        env: env.into(),
        service: service.into(),
        namespace: "shop".into(),
        kind: "Deployment".into(),
        name: service.into(),
        owner: service.into(),
        uid: format!("{env}-{service}"),
        change: "image".into(),
        text: text.into(),
        version: version.map(String::from),
        who: None,
    };
    store
        .insert(&[
            e(
                "staging",
                "cart",
                3 * 86_400,
                "image 1.4.1 → 1.4.2",
                Some("1.4.2"),
            ),
            e("prod", "cart", 3600, "image 1.4.1 → 1.4.2", Some("1.4.2")),
            e("prod", "search", 60, "image 2 → 3", Some("3")),
        ])
        .expect("insert");
    drop(store);
    let run = |args: &[&str]| {
        let o = crate::support::binary(dir.path())
            .arg("--timeline-db")
            .arg(&db)
            .args(args)
            .output()
            .expect("kubeatlas runs");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8_lossy(&o.stdout).to_string()
    };
    let json: Vec<Entry> =
        serde_json::from_str(&run(&["timeline", "cart", "-o", "json"])).expect("json entries");
    let envs: Vec<&str> = json.iter().map(|e| e.env.as_str()).collect();
    assert_eq!(envs, ["prod", "staging"], "newest first, every environment");
    let table = run(&["timeline", "cart", "--since", "2h"]);
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 2, "{table}");
    assert!(
        lines[0].starts_with("TIME") && lines[0].contains("CHANGE"),
        "{table}"
    );
    assert!(
        lines[1].contains("prod")
            && lines[1].contains("image 1.4.1 → 1.4.2")
            && lines[1].contains("60m"),
        "{table}"
    );
    let reached = run(&["timeline", "cart", "--reached", "1.4.2"]);
    assert_eq!(
        reached.trim(),
        "1.4.2 reached: staging 3d ago, prod 60m ago"
    );
    let all = run(&["timeline", "--env", "prod", "-o", "json"]);
    assert_eq!(
        serde_json::from_str::<Vec<Entry>>(&all)
            .expect("json")
            .len(),
        2
    );
    let staging = run(&["timeline", "--context", "staging", "-o", "json"]);
    let staging: Vec<Entry> = serde_json::from_str(&staging).expect("json");
    assert!(staging.len() == 1 && staging[0].context == "staging");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_first_look_spread_over_frames_by_a_budget_records_the_same_entries() {
    let env = ready().await;
    let cat = &env.session.catalog;
    let key = |e: &Entry| format!("{} {} {} {} {}", e.uid, e.change, e.at, e.text, e.env);
    let mut whole: Vec<String> = Recorder::new(cat)
        .observe(cat, now())
        .iter()
        .map(key)
        .collect();
    let mut rec = Recorder::new(cat);
    let (mut spread, mut calls) = (vec![], 0);
    loop {
        spread.extend(
            rec.observe_within(cat, now(), Some(Duration::ZERO))
                .iter()
                .map(key),
        );
        calls += 1;
        if !rec.behind() {
            break;
        }
    }
    assert!(calls > 1, "a zero budget stops after each slice");
    whole.sort();
    spread.sort();
    assert!(!whole.is_empty());
    assert_eq!(whole, spread);
}

#[test]
fn a_timeline_section_naming_an_undeclared_property_is_refused_with_its_line() {
    let yaml = "identifier: widget\ntitle: Widget\nsources:\n  - { version: v1, kind: Widget }\nproperties:\n  - { id: size, path: .spec.size, type: integer }\ntimeline:\n  properties:\n    - { property: colour }\n";
    let files = vec![("widget.yaml".to_string(), yaml.to_string())];
    let Err(err) = kubeatlas::blueprint::BlueprintSet::with_user_sources(files) else {
        panic!("refused")
    };
    let err = err.to_string();
    assert!(
        err.contains("widget.yaml:9")
            && err.contains("timeline: property \"colour\" is not declared"),
        "{err}"
    );
}

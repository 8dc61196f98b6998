//! Health of workloads in and after a rollout: the built-in blueprints' `health: replicas` and
//! `health: job` rules over real object shapes (captures from a v1.28 server and hand-written
//! statuses for each case), then against the simulator, whose Deployment controller must set
//! the real controller's counts, generations and condition reasons.

use crate::support::{Env, all_ready, new_deployment, start};
use kubeatlas::blueprint::{BlueprintSet, Record};
use kubeatlas::catalog::{Catalog, Health, health};
use kubeatlas::tui::fixture;
use kubeatlas_sim::{MAX_READY_ANNOTATION, PatchKind, SimCluster, SimFleet, SimResource};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const T: Duration = Duration::from_secs(25);

fn set() -> BlueprintSet {
    BlueprintSet::builtin().expect("built-in blueprints")
}

fn capture(name: &str) -> Value {
    let path = format!(
        "{}/tests/fixtures/k8s-wire/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn judge_in(set: &BlueprintSet, group: &str, kind: &str, obj: &Value) -> Health {
    let r: Record = fixture::record(set, group, kind, obj).expect("a blueprint reads the kind");
    health::judge(set.get(r.blueprint), &r)
}

fn judge(group: &str, kind: &str, obj: &Value) -> Health {
    judge_in(&set(), group, kind, obj)
}

fn cond(kind: &str, status: &str, reason: &str) -> Value {
    json!({"type": kind, "status": status, "reason": reason,
        "lastUpdateTime": "2026-11-23T20:22:43Z", "lastTransitionTime": "2026-11-23T20:22:43Z"})
}

/// A Deployment of `desired` replicas at generation 1 with this status.
fn deployment(desired: i64, status: Value) -> Value {
    json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "cart", "namespace": "shop", "uid": "d-1", "generation": 1,
            "creationTimestamp": "2026-11-23T20:22:43Z"},
        "spec": {"replicas": desired, "template": {"spec": {"containers": [{"name": "app", "image": "cart:1"}]}}},
        "status": status})
}

fn available(available: bool) -> Value {
    if available {
        cond("Available", "True", "MinimumReplicasAvailable")
    } else {
        cond("Available", "False", "MinimumReplicasUnavailable")
    }
}

// ----- rules -----

#[test]
fn a_fresh_deployment_with_pending_pods_is_progressing_not_failed() {
    // Captured from a real v1.28 server: 3 pods created, none scheduled, 0 ready.
    let d = capture("deployment.json");
    assert_eq!(
        d["status"]["readyReplicas"],
        Value::Null,
        "0 ready (omitted)"
    );
    assert_eq!(judge("apps", "Deployment", &d), Health::Progressing);
}

#[test]
fn a_deployment_whose_controller_has_not_written_status_yet_is_progressing() {
    let mut d = deployment(3, json!({}));
    d.as_object_mut().expect("object").remove("status");
    assert_eq!(judge("apps", "Deployment", &d), Health::Progressing);
}

#[test]
fn a_new_replicaset_just_created_is_progressing() {
    let d = deployment(
        3,
        json!({"observedGeneration": 1, "conditions": [available(false),
            cond("Progressing", "True", "NewReplicaSetCreated")]}),
    );
    assert_eq!(judge("apps", "Deployment", &d), Health::Progressing);
    let d = deployment(
        3,
        json!({"observedGeneration": 1, "replicas": 3, "updatedReplicas": 3, "conditions":
            [available(false), cond("Progressing", "True", "FoundNewReplicaSet")]}),
    );
    assert_eq!(judge("apps", "Deployment", &d), Health::Progressing);
}

#[test]
fn a_rollout_past_its_progress_deadline_is_failed() {
    let d = deployment(
        3,
        json!({"observedGeneration": 1, "replicas": 3, "updatedReplicas": 3,
            "unavailableReplicas": 3, "conditions": [available(false),
            cond("Progressing", "False", "ProgressDeadlineExceeded")]}),
    );
    assert_eq!(judge("apps", "Deployment", &d), Health::Failed);
}

#[test]
fn a_finished_rollout_with_every_replica_available_is_healthy() {
    let d = deployment(
        3,
        json!({"observedGeneration": 1, "replicas": 3, "updatedReplicas": 3, "readyReplicas": 3,
            "availableReplicas": 3, "conditions": [available(true),
            cond("Progressing", "True", "NewReplicaSetAvailable")]}),
    );
    assert_eq!(judge("apps", "Deployment", &d), Health::Healthy);
}

#[test]
fn a_finished_rollout_that_lost_replicas_is_degraded_not_progressing_forever() {
    // Argo CD calls this "progressing" for as long as it lasts; the rollout is over.
    for ready in [0, 2] {
        let d = deployment(
            3,
            json!({"observedGeneration": 1, "replicas": 3, "updatedReplicas": 3,
                "readyReplicas": ready, "availableReplicas": ready, "unavailableReplicas": 3 - ready,
                "conditions": [available(false), cond("Progressing", "True", "NewReplicaSetAvailable")]}),
        );
        assert_eq!(
            judge("apps", "Deployment", &d),
            Health::Degraded,
            "{ready} of 3"
        );
    }
}

#[test]
fn updated_replicas_not_yet_available_are_progressing_while_the_rollout_runs() {
    let d = deployment(
        3,
        json!({"observedGeneration": 1, "replicas": 3, "updatedReplicas": 3, "readyReplicas": 1,
            "availableReplicas": 1, "conditions": [available(false),
            cond("Progressing", "True", "ReplicaSetUpdated")]}),
    );
    assert_eq!(judge("apps", "Deployment", &d), Health::Progressing);
}

#[test]
fn old_replicas_pending_termination_are_progressing() {
    let d = deployment(
        3,
        json!({"observedGeneration": 1, "replicas": 4, "updatedReplicas": 3, "readyReplicas": 4,
            "availableReplicas": 4, "conditions": [available(true),
            cond("Progressing", "True", "ReplicaSetUpdated")]}),
    );
    assert_eq!(judge("apps", "Deployment", &d), Health::Progressing);
}

#[test]
fn a_rollback_under_the_old_finished_verdict_is_progressing() {
    // The controller keeps NewReplicaSetAvailable until the rollback makes progress.
    let d = deployment(
        3,
        json!({"observedGeneration": 1, "replicas": 3, "readyReplicas": 3, "availableReplicas": 3,
            "conditions": [available(true), cond("Progressing", "True", "NewReplicaSetAvailable")]}),
    );
    assert_eq!(judge("apps", "Deployment", &d), Health::Progressing);
}

#[test]
fn a_spec_change_not_yet_observed_is_progressing_even_past_a_deadline() {
    let mut d = deployment(
        3,
        json!({"observedGeneration": 1, "replicas": 3, "updatedReplicas": 3, "readyReplicas": 3,
            "availableReplicas": 3, "conditions": [available(true),
            cond("Progressing", "False", "ProgressDeadlineExceeded")]}),
    );
    d["metadata"]["generation"] = json!(2);
    assert_eq!(judge("apps", "Deployment", &d), Health::Progressing);
}

#[test]
fn a_paused_rollout_is_paused() {
    let mut d = deployment(
        3,
        json!({"observedGeneration": 1, "replicas": 3, "updatedReplicas": 1, "readyReplicas": 3,
            "availableReplicas": 3, "conditions": [available(true),
            cond("Progressing", "Unknown", "DeploymentPaused")]}),
    );
    d["spec"]["paused"] = json!(true);
    assert_eq!(judge("apps", "Deployment", &d), Health::Paused);
    assert_eq!(Health::Paused.label(), "paused");
    assert_eq!(Health::Healthy.worst(Health::Paused), Health::Paused);
    assert_eq!(
        Health::Paused.worst(Health::Progressing),
        Health::Progressing
    );
    assert!(!Health::Paused.is_unhealthy());
}

#[test]
fn zero_desired_replicas_is_healthy() {
    let d = deployment(
        0,
        json!({"observedGeneration": 1, "conditions": [available(true),
            cond("Progressing", "True", "NewReplicaSetAvailable")]}),
    );
    assert_eq!(judge("apps", "Deployment", &d), Health::Healthy);
}

#[test]
fn a_deployment_without_a_progress_condition_below_its_count_is_degraded() {
    // No progress deadline (the condition is removed): no rollout is reported running.
    let d = deployment(
        3,
        json!({"observedGeneration": 1, "replicas": 3, "updatedReplicas": 3, "readyReplicas": 1,
            "availableReplicas": 1}),
    );
    assert_eq!(judge("apps", "Deployment", &d), Health::Degraded);
}

fn statefulset(desired: i64, partition: Option<i64>, status: Value) -> Value {
    let mut s = json!({"apiVersion": "apps/v1", "kind": "StatefulSet",
        "metadata": {"name": "db", "namespace": "shop", "uid": "s-1", "generation": 1},
        "spec": {"replicas": desired, "updateStrategy": {"type": "RollingUpdate"},
            "template": {"spec": {"containers": [{"name": "db", "image": "db:1"}]}}},
        "status": status});
    if let Some(p) = partition {
        s["spec"]["updateStrategy"]["rollingUpdate"] = json!({"partition": p});
    }
    s
}

#[test]
fn statefulsets_follow_kubectl_rollout_status() {
    // Captured: a fresh StatefulSet whose pod is pending.
    assert_eq!(
        judge("apps", "StatefulSet", &capture("statefulset.json")),
        Health::Progressing
    );
    let done = json!({"observedGeneration": 1, "replicas": 3, "readyReplicas": 3,
        "currentReplicas": 3, "updatedReplicas": 3, "availableReplicas": 3,
        "currentRevision": "db-1", "updateRevision": "db-1"});
    assert_eq!(
        judge("apps", "StatefulSet", &statefulset(3, None, done.clone())),
        Health::Healthy
    );
    let mut rolling = done.clone();
    rolling["updateRevision"] = json!("db-2");
    rolling["updatedReplicas"] = json!(1);
    assert_eq!(
        judge(
            "apps",
            "StatefulSet",
            &statefulset(3, None, rolling.clone())
        ),
        Health::Progressing,
        "revisions apart"
    );
    // Partition 2: only the replica above the partition is updated, and that is the goal.
    assert_eq!(
        judge(
            "apps",
            "StatefulSet",
            &statefulset(3, Some(2), rolling.clone())
        ),
        Health::Healthy
    );
    assert_eq!(
        judge("apps", "StatefulSet", &statefulset(3, Some(1), rolling)),
        Health::Progressing,
        "two replicas above partition 1, one updated"
    );
    let mut creating = done.clone();
    creating["replicas"] = json!(1);
    creating["readyReplicas"] = json!(1);
    creating["availableReplicas"] = json!(1);
    assert_eq!(
        judge("apps", "StatefulSet", &statefulset(3, None, creating)),
        Health::Progressing,
        "pods still being created"
    );
    let mut short = done;
    short["readyReplicas"] = json!(2);
    short["availableReplicas"] = json!(2);
    assert_eq!(
        judge("apps", "StatefulSet", &statefulset(3, None, short)),
        Health::Progressing,
        "no rollout verdict on StatefulSets: below the count is waiting, never degraded"
    );
}

#[test]
fn daemonsets_count_scheduled_updated_and_available_nodes() {
    // Captured: no nodes yet, nothing desired.
    assert_eq!(
        judge("apps", "DaemonSet", &capture("daemonset.json")),
        Health::Healthy
    );
    let ds = |status: Value| {
        json!({"apiVersion": "apps/v1", "kind": "DaemonSet",
            "metadata": {"name": "agent", "namespace": "kube-system", "uid": "ds-1", "generation": 2},
            "spec": {"template": {"spec": {"containers": [{"name": "a", "image": "a:1"}]}}},
            "status": status})
    };
    let full = json!({"observedGeneration": 2, "desiredNumberScheduled": 3,
        "currentNumberScheduled": 3, "updatedNumberScheduled": 3, "numberReady": 3,
        "numberAvailable": 3});
    assert_eq!(
        judge("apps", "DaemonSet", &ds(full.clone())),
        Health::Healthy
    );
    let mut updating = full.clone();
    updating["updatedNumberScheduled"] = json!(1);
    assert_eq!(
        judge("apps", "DaemonSet", &ds(updating)),
        Health::Progressing
    );
    let mut unobserved = full;
    unobserved["observedGeneration"] = json!(1);
    assert_eq!(
        judge("apps", "DaemonSet", &ds(unobserved)),
        Health::Progressing
    );
}

#[test]
fn jobs_fail_only_when_the_job_failed() {
    let job = |status: Value| {
        json!({"apiVersion": "batch/v1", "kind": "Job",
            "metadata": {"name": "report", "namespace": "shop", "uid": "j-1"},
            "spec": {"template": {"spec": {"containers": [{"name": "r", "image": "r:1"}]}}},
            "status": status})
    };
    assert_eq!(
        judge("batch", "Job", &job(json!({"active": 1, "failed": 2}))),
        Health::Progressing,
        "retrying"
    );
    assert_eq!(
        judge(
            "batch",
            "Job",
            &job(json!({"failed": 7, "conditions": [
            {"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded"}]}))
        ),
        Health::Failed
    );
    assert_eq!(
        judge(
            "batch",
            "Job",
            &job(json!({"succeeded": 1, "failed": 1, "conditions": [
            {"type": "Complete", "status": "True"}]}))
        ),
        Health::Healthy
    );
}

#[test]
fn a_user_blueprint_typing_a_rule_property_wrongly_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("app.yaml"),
        "identifier: app\ntitle: App\nsources:\n  - { group: example.com, version: v1, kind: App }\n\
         properties:\n  - { id: desired, path: .spec.replicas, type: integer }\n\
         \x20 - { id: ready, path: .status.readyReplicas, type: integer }\n\
         \x20 - { id: stalled, path: .status.stalled }\n\
         health: replicas\n",
    )
    .expect("write");
    let e = BlueprintSet::load(Some(dir.path()))
        .expect_err("stalled must be an integer")
        .to_string();
    assert!(e.contains("stalled") && e.contains("integer"), "{e}");
}

// ----- the simulator -----

fn health_of(c: &Catalog, ctx: &str, name: &str) -> Option<Health> {
    let cluster = c.cluster_by_name(ctx)?;
    let bp = c.blueprints().by_identifier("workload")?;
    let r = c.entities_in(cluster, bp).find(|r| &*r.name == name)?;
    Some(c.health(r))
}

fn progressing_reason(cluster: &SimCluster, ns: &str, name: &str) -> String {
    cluster
        .get(SimResource::Deployments, Some(ns), name)
        .and_then(|d| {
            d["status"]["conditions"]
                .as_array()?
                .iter()
                .find(|c| c["type"] == "Progressing")
                .map(|c| c["reason"].as_str().unwrap_or("").to_string())
        })
        .unwrap_or_default()
}

async fn ready() -> Env {
    let mut env = start(SimFleet::demo(), &[]).await;
    assert!(
        env.pump_until(T, |c| all_ready(c, &["dev", "staging", "prod"]))
            .await
    );
    env
}

/// Pump until `name`'s health is `want`, recording every health seen on the way.
async fn watch_until(env: &mut Env, name: &str, want: Health, seen: &mut Vec<Health>) -> bool {
    let deadline = Instant::now() + T;
    while Instant::now() < deadline {
        let h = health_of(&env.session.catalog, "prod", name);
        if let Some(h) = h
            && seen.last() != Some(&h)
        {
            seen.push(h);
        }
        if h == Some(want) {
            return true;
        }
        env.fold_next(Duration::from_millis(50)).await;
    }
    false
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_deployment_in_the_simulator_progresses_to_healthy_and_is_never_failed() {
    let mut env = ready().await;
    let prod = env.sim.cluster("prod").expect("prod").clone();
    prod.create(new_deployment(&prod, "wishlist", json!({}), json!({})))
        .expect("created");
    let mut seen = vec![];
    assert!(
        watch_until(&mut env, "wishlist", Health::Healthy, &mut seen).await,
        "{seen:?}"
    );
    assert_eq!(seen.first(), Some(&Health::Progressing), "{seen:?}");
    assert!(
        seen.iter()
            .all(|h| matches!(h, Health::Progressing | Health::Healthy)),
        "{seen:?}"
    );
    assert_eq!(
        progressing_reason(&prod, "shop", "wishlist"),
        "NewReplicaSetAvailable"
    );
    let d = prod
        .get(SimResource::Deployments, Some("shop"), "wishlist")
        .expect("wishlist");
    assert_eq!(
        d["status"]["observedGeneration"],
        d["metadata"]["generation"]
    );
    assert_eq!(d["status"]["updatedReplicas"], d["spec"]["replicas"]);
    assert_eq!(d["status"]["availableReplicas"], d["spec"]["replicas"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rollout_that_never_becomes_available_fails_only_after_its_progress_deadline() {
    let mut env = ready().await;
    let prod = env.sim.cluster("prod").expect("prod").clone();
    let created = Instant::now();
    prod.create(new_deployment(
        &prod,
        "stuck",
        json!({"progressDeadlineSeconds": 2}),
        json!({MAX_READY_ANNOTATION: "0"}),
    ))
    .expect("created");
    let mut seen = vec![];
    assert!(
        watch_until(&mut env, "stuck", Health::Failed, &mut seen).await,
        "{seen:?}"
    );
    // Condition times are whole seconds (as on a real server): the deadline counts from the
    // second the rollout last progressed in.
    assert!(
        created.elapsed() >= Duration::from_secs(1),
        "failed after {:?}, before the 2 s deadline",
        created.elapsed()
    );
    assert_eq!(seen, [Health::Progressing, Health::Failed]);
    assert_eq!(
        progressing_reason(&prod, "shop", "stuck"),
        "ProgressDeadlineExceeded"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_finished_deployment_that_loses_a_replica_is_degraded_and_stays_finished() {
    let mut env = ready().await;
    let prod = env.sim.cluster("prod").expect("prod").clone();
    assert_eq!(
        progressing_reason(&prod, "shop", "cart"),
        "NewReplicaSetAvailable"
    );
    assert_eq!(
        health_of(&env.session.catalog, "prod", "cart"),
        Some(Health::Healthy)
    );
    let desired = prod
        .get(SimResource::Deployments, Some("shop"), "cart")
        .and_then(|d| d["spec"]["replicas"].as_i64())
        .expect("replicas");
    assert!(desired >= 2, "cart runs {desired} replicas in prod");
    let cap = (desired - 1).to_string();
    prod.patch(
        SimResource::Deployments,
        Some("shop"),
        "cart",
        PatchKind::Merge,
        &json!({"metadata": {"annotations": {MAX_READY_ANNOTATION: cap}}}),
    )
    .expect("patched");
    let mut seen = vec![];
    assert!(
        watch_until(&mut env, "cart", Health::Degraded, &mut seen).await,
        "{seen:?}"
    );
    assert_eq!(
        progressing_reason(&prod, "shop", "cart"),
        "NewReplicaSetAvailable",
        "the real controller does not re-open a finished rollout"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pausing_a_deployment_shows_paused_and_resuming_rolls_on() {
    let mut env = ready().await;
    let prod = env.sim.cluster("prod").expect("prod").clone();
    let pause = |paused: bool| {
        prod.patch(
            SimResource::Deployments,
            Some("shop"),
            "cart",
            PatchKind::Merge,
            &json!({"spec": {"paused": paused}}),
        )
        .expect("patched");
    };
    pause(true);
    let mut seen = vec![];
    assert!(
        watch_until(&mut env, "cart", Health::Paused, &mut seen).await,
        "{seen:?}"
    );
    let reason_leaves = |from: &'static str| {
        let prod = prod.clone();
        async move {
            let deadline = Instant::now() + T;
            while progressing_reason(&prod, "shop", "cart") == from && Instant::now() < deadline {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    };
    reason_leaves("NewReplicaSetAvailable").await;
    assert_eq!(
        progressing_reason(&prod, "shop", "cart"),
        "DeploymentPaused"
    );
    pause(false);
    reason_leaves("DeploymentPaused").await;
    // DeploymentResumed, then (the rollout being complete) NewReplicaSetAvailable at once.
    assert!(matches!(
        progressing_reason(&prod, "shop", "cart").as_str(),
        "DeploymentResumed" | "NewReplicaSetAvailable"
    ));
    let mut seen = vec![];
    assert!(
        watch_until(&mut env, "cart", Health::Healthy, &mut seen).await,
        "{seen:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pausing_a_timed_out_rollout_keeps_its_deadline_verdict_as_a_real_server_does() {
    let mut env = ready().await;
    let prod = env.sim.cluster("prod").expect("prod").clone();
    prod.create(new_deployment(
        &prod,
        "late",
        json!({"progressDeadlineSeconds": 1}),
        json!({MAX_READY_ANNOTATION: "0"}),
    ))
    .expect("created");
    let mut seen = vec![];
    assert!(
        watch_until(&mut env, "late", Health::Failed, &mut seen).await,
        "{seen:?}"
    );
    prod.patch(
        SimResource::Deployments,
        Some("shop"),
        "late",
        PatchKind::Merge,
        &json!({"spec": {"paused": true}}),
    )
    .expect("patched");
    assert!(
        watch_until(&mut env, "late", Health::Paused, &mut seen).await,
        "{seen:?}"
    );
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(
        progressing_reason(&prod, "shop", "late"),
        "ProgressDeadlineExceeded"
    );
}

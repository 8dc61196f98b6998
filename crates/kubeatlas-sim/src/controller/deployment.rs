//! Deployment controller: ReplicaSet per pod template, rolling updates, status and conditions.

use std::sync::Arc;

use jiff::Timestamp;
use serde_json::{Map, Value, json};

use super::{Controller, World, create, fingerprint, update};
use crate::cluster::SimCluster;
use crate::object::StoredObject;
use crate::resource::SimResource;
use crate::util::{self, str_at};

const REVISION: &str = "deployment.kubernetes.io/revision";
const DESIRED: &str = "deployment.kubernetes.io/desired-replicas";
const MAX: &str = "deployment.kubernetes.io/max-replicas";
const HASH: &str = "pod-template-hash";
/// Deployment annotations never copied to its ReplicaSets (the controller's skip list).
const SKIP_ANNOTATIONS: [&str; 6] = [
    "kubectl.kubernetes.io/last-applied-configuration",
    REVISION,
    "deployment.kubernetes.io/revision-history",
    DESIRED,
    MAX,
    "deprecated.deployment.rollback.to",
];

/// The pod-template-hash of a deployment's current template.
pub(crate) fn template_hash(d: &Value) -> String {
    let collisions = util::i64_at(d, "/status/collisionCount", 0).max(0) as u32;
    util::template_hash(
        d.pointer("/spec/template").unwrap_or(&Value::Null),
        collisions,
    )
}

/// As the real controller's setNewReplicaSetAnnotations: the deployment's annotations (a
/// change-cause among them) that its ReplicaSets take, all but its own bookkeeping ones.
fn copied_annotations(d: &Value) -> Map<String, Value> {
    d.pointer("/metadata/annotations")
        .and_then(Value::as_object)
        .map(|a| {
            a.iter()
                .filter(|(k, _)| !SKIP_ANNOTATIONS.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        })
        .unwrap_or_default()
}

/// The ReplicaSet a deployment creates for its current template.
pub(crate) fn new_replicaset(d: &Value, hash: &str, replicas: i64, revision: i64) -> Value {
    let name = format!("{}-{hash}", str_at(d, "/metadata/name"));
    let desired = util::i64_at(d, "/spec/replicas", 1);
    let (surge, _) = util::surge_unavailable(d, desired);
    let mut template = d.pointer("/spec/template").cloned().unwrap_or(json!({}));
    let labels = util::child(
        util::child(util::ensure_object(&mut template), "metadata"),
        "labels",
    );
    labels.insert(HASH.into(), json!(hash));
    let rs_labels = labels.clone();
    let mut selector = d.pointer("/spec/selector").cloned().unwrap_or(json!({}));
    util::child(util::ensure_object(&mut selector), "matchLabels").insert(HASH.into(), json!(hash));
    let mut annotations = copied_annotations(d);
    annotations.insert(DESIRED.into(), json!(desired.to_string()));
    annotations.insert(MAX.into(), json!((desired + surge).to_string()));
    annotations.insert(REVISION.into(), json!(revision.to_string()));
    json!({
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {
            "name": name,
            "namespace": str_at(d, "/metadata/namespace"),
            "labels": rs_labels,
            "annotations": annotations,
            "ownerReferences": [util::owner_ref(d)],
        },
        "spec": {
            "replicas": replicas,
            "selector": selector,
            "template": template,
        },
    })
}

fn set_rs_replicas(cluster: &SimCluster, rs: &StoredObject, n: i64, d: &StoredObject) {
    let desired = d.meta.facts.replicas;
    let max = desired + d.meta.facts.surge;
    update(cluster, rs, |v| {
        v["spec"]["replicas"] = json!(n);
        let ann = util::child(util::meta_mut(v), "annotations");
        ann.insert(DESIRED.into(), json!(desired.to_string()));
        ann.insert(MAX.into(), json!(max.to_string()));
    });
}

fn set_revision(cluster: &SimCluster, obj: &StoredObject, revision: i64) {
    update(cluster, obj, |v| {
        util::child(util::meta_mut(v), "annotations")
            .insert(REVISION.into(), json!(revision.to_string()));
    });
}

/// Sets the `Progressing` condition (status `True`) with `reason`, keeping its transition time
/// when it was already `True`.
fn set_progressing(cluster: &SimCluster, d: &StoredObject, reason: &str, message: String) {
    let now = util::rfc3339(Timestamp::now());
    update(cluster, d, |v| {
        let status = util::child(util::ensure_object(v), "status");
        let old: Vec<Value> = status
            .get("conditions")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let cond = condition(&old, "Progressing", "True", reason, message, true, &now);
        let mut conditions: Vec<Value> = old
            .into_iter()
            .filter(|c| str_at(c, "/type") != "Progressing")
            .collect();
        conditions.push(cond);
        status.insert("conditions".into(), Value::Array(conditions));
    });
}

fn ready_count(world: &World, rs: &StoredObject) -> i64 {
    world
        .pods_of(rs.uid())
        .iter()
        .filter(|p| p.is_ready())
        .count() as i64
}

pub(super) fn reconcile(cluster: &SimCluster, world: &World) {
    for d in world.of(SimResource::Deployments) {
        if d.is_terminating() {
            continue;
        }
        let f = &d.meta.facts;
        let owned: Vec<&Arc<StoredObject>> = world.owned_by(SimResource::ReplicaSets, d.uid());
        let desired = f.replicas;
        let max_rev = owned
            .iter()
            .map(|rs| rs.meta.facts.revision)
            .max()
            .unwrap_or(0);
        let new_rs = owned
            .iter()
            .find(|rs| rs.label(HASH) == Some(&*f.template_hash))
            .copied();
        let Some(new_rs) = new_rs else {
            if f.paused {
                continue;
            }
            let old_total: i64 = owned.iter().map(|rs| rs.meta.facts.replicas).sum();
            let initial = if old_total == 0 {
                desired
            } else {
                (desired + f.surge - old_total).clamp(0, desired)
            };
            let dv = d.value();
            let rs = new_replicaset(&dv, &f.template_hash, initial, max_rev + 1);
            let message = format!(
                "Created new replica set \"{}\"",
                str_at(&rs, "/metadata/name")
            );
            create(cluster, rs);
            set_revision(cluster, d, max_rev + 1);
            // As the real controller does in getNewReplicaSet: the rollout starts here.
            set_progressing(cluster, d, "NewReplicaSetCreated", message);
            continue;
        };
        // Rolled back to an older template: that ReplicaSet becomes the newest revision.
        let mut rev = new_rs.meta.facts.revision;
        if rev < max_rev || rev == 0 {
            rev = max_rev + 1;
            // As the real controller: the reused ReplicaSet takes the deployment's
            // annotations (its change-cause) with the new revision.
            let copied = copied_annotations(&d.value());
            update(cluster, new_rs, |v| {
                let ann = util::child(util::meta_mut(v), "annotations");
                for (k, val) in copied {
                    ann.insert(k, val);
                }
                ann.insert(REVISION.into(), json!(rev.to_string()));
            });
        }
        if f.revision != rev {
            set_revision(cluster, d, rev);
        }
        if f.paused {
            continue;
        }
        let olds: Vec<&Arc<StoredObject>> = owned
            .iter()
            .filter(|rs| rs.uid() != new_rs.uid() && rs.meta.facts.replicas > 0)
            .copied()
            .collect();
        let new_replicas = new_rs.meta.facts.replicas;
        if olds.is_empty() {
            if new_replicas != desired || new_rs.meta.facts.desired_annotation != Some(desired) {
                set_rs_replicas(cluster, new_rs, desired, d);
            }
            continue;
        }
        // Rolling update: surge the new ReplicaSet, then retire old replicas while keeping
        // at least `desired - maxUnavailable` pods ready.
        let old_total: i64 = olds.iter().map(|rs| rs.meta.facts.replicas).sum();
        let target_new = desired.min(new_replicas.max(desired + f.surge - old_total));
        if target_new != new_replicas {
            set_rs_replicas(cluster, new_rs, target_new, d);
        }
        let min_available = desired - f.max_unavailable;
        let total_ready: i64 =
            ready_count(world, new_rs) + olds.iter().map(|rs| ready_count(world, rs)).sum::<i64>();
        let mut budget = (total_ready - min_available).max(0);
        let mut olds = olds;
        olds.sort_by_key(|rs| rs.meta.facts.revision);
        for old in olds {
            let r = old.meta.facts.replicas;
            let ready = ready_count(world, old).min(r);
            // Unready old replicas go first (they provide no availability), then ready ones
            // within the availability budget.
            let cut_ready = ready.min(budget);
            budget -= cut_ready;
            let keep = ready - cut_ready;
            if keep != r {
                set_rs_replicas(cluster, old, keep, d);
            }
        }
    }
}

/// A condition with the deployment controller's timestamp rules.
fn condition(
    old: &[Value],
    kind: &str,
    status: &str,
    reason: &str,
    message: String,
    progressed: bool,
    now: &str,
) -> Value {
    let prev = old.iter().find(|c| str_at(c, "/type") == kind);
    let same_status = prev.is_some_and(|p| str_at(p, "/status") == status);
    let unchanged = same_status
        && prev.is_some_and(|p| str_at(p, "/reason") == reason && str_at(p, "/message") == message)
        && !progressed;
    let keep = |field: &str, cond: bool| match prev {
        Some(p) if cond => str_at(p, &format!("/{field}")).to_string(),
        _ => now.to_string(),
    };
    json!({
        "type": kind,
        "status": status,
        "lastUpdateTime": keep("lastUpdateTime", unchanged),
        "lastTransitionTime": keep("lastTransitionTime", same_status),
        "reason": reason,
        "message": message,
    })
}

/// Counts a deployment's status is computed from.
struct Counts {
    actual: i64,
    ready: i64,
    updated: i64,
    spec_total: i64,
}

pub(super) fn update_status(ctl: &mut Controller, cluster: &SimCluster, world: &World) {
    let now_ts = Timestamp::now();
    let now = util::rfc3339(now_ts);
    let mut seen = std::collections::HashSet::new();
    for d in world.of(SimResource::Deployments) {
        seen.insert(d.uid().to_string());
        let f = &d.meta.facts;
        let owned = world.owned_by(SimResource::ReplicaSets, d.uid());
        let new_rs = owned
            .iter()
            .find(|rs| rs.label(HASH) == Some(&*f.template_hash));
        let mut c = Counts {
            actual: 0,
            ready: 0,
            updated: new_rs.map_or(0, |rs| world.pods_of(rs.uid()).len() as i64),
            spec_total: owned.iter().map(|rs| rs.meta.facts.replicas).sum(),
        };
        for rs in &owned {
            let pods = world.pods_of(rs.uid());
            c.actual += pods.len() as i64;
            c.ready += pods.iter().filter(|p| p.is_ready()).count() as i64;
        }
        let available = c.ready;
        let progressed = ctl
            .progress
            .insert(d.uid().to_string(), (c.updated, available))
            .is_some_and(|prev| prev != (c.updated, available));
        let desired = f.replicas;
        let rs_name = new_rs.map(|rs| rs.name().to_string()).unwrap_or_default();
        let complete =
            new_rs.is_some() && c.updated == desired && c.actual == desired && available == desired;
        let inputs = fingerprint(
            &[
                c.actual,
                c.ready,
                c.updated,
                c.spec_total,
                i64::from(f.paused),
            ],
            &rs_name,
        );
        // Incomplete rollouts are re-checked every pass (progress deadlines are time-based).
        let settled = [
            ("observedGeneration", f.generation),
            ("replicas", c.actual),
            ("updatedReplicas", c.updated),
            ("readyReplicas", c.ready),
            ("availableReplicas", available),
            ("unavailableReplicas", (c.spec_total - available).max(0)),
        ];
        let fast = complete
            && !f.paused
            && *f.progressing_reason == *"NewReplicaSetAvailable"
            && *f.available_reason == *"MinimumReplicasAvailable"
            && d.status_is(&settled);
        if complete && !progressed && (ctl.status_fresh(d, inputs) || fast) {
            continue;
        }
        let dv = d.value();
        let old_conditions: Vec<Value> = dv
            .pointer("/status/conditions")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let available_cond = if available >= desired - f.max_unavailable {
            (
                "True",
                "MinimumReplicasAvailable",
                "Deployment has minimum availability.",
            )
        } else {
            (
                "False",
                "MinimumReplicasUnavailable",
                "Deployment does not have minimum availability.",
            )
        };
        let prev = old_conditions
            .iter()
            .find(|c| str_at(c, "/type") == "Progressing");
        let prev_is = |reason: &str| prev.is_some_and(|p| str_at(p, "/reason") == reason);
        // DeploymentProgressing(): progress against the status stored last time.
        let stored = |field: &str| util::i64_at(&dv, &format!("/status/{field}"), 0);
        let progressed = progressed
            || c.updated > stored("updatedReplicas")
            || c.actual - c.updated < stored("replicas") - stored("updatedReplicas")
            || c.ready > stored("readyReplicas")
            || available > stored("availableReplicas");
        // A finished rollout is not re-estimated: losing replicas later leaves it finished.
        let finished = prev_is("NewReplicaSetAvailable") && c.actual == c.updated;
        let (p_status, p_reason, p_message) = if f.paused && prev_is("ProgressDeadlineExceeded") {
            // checkPausedConditions() leaves a timed-out rollout as it is (as a v1.28 server does).
            (
                "False",
                "ProgressDeadlineExceeded",
                prev.map_or_else(String::new, |p| str_at(p, "/message").to_string()),
            )
        } else if f.paused {
            (
                "Unknown",
                "DeploymentPaused",
                "Deployment is paused".to_string(),
            )
        } else if prev_is("DeploymentPaused") {
            (
                "Unknown",
                "DeploymentResumed",
                "Deployment is resumed".to_string(),
            )
        } else if finished || complete {
            (
                "True",
                "NewReplicaSetAvailable",
                format!("ReplicaSet \"{rs_name}\" has successfully progressed."),
            )
        } else {
            let deadline = util::i64_at(&dv, "/spec/progressDeadlineSeconds", 600);
            // DeploymentTimedOut(): never from a finished rollout's condition.
            let since = prev
                .filter(|_| !prev_is("NewReplicaSetAvailable"))
                .and_then(|c| util::parse_time(str_at(c, "/lastUpdateTime")));
            let end = since.and_then(|t| {
                t.checked_add(jiff::SignedDuration::from_secs(deadline))
                    .ok()
            });
            let expired = !progressed && end.is_some_and(|e| e <= now_ts);
            if let Some(e) = end
                && !expired
            {
                ctl.wake_at(e);
            }
            let already_expired = !progressed
                && old_conditions
                    .iter()
                    .any(|c| str_at(c, "/reason") == "ProgressDeadlineExceeded");
            if progressed {
                (
                    "True",
                    "ReplicaSetUpdated",
                    format!("ReplicaSet \"{rs_name}\" is progressing."),
                )
            } else if expired || already_expired {
                (
                    "False",
                    "ProgressDeadlineExceeded",
                    format!("ReplicaSet \"{rs_name}\" has timed out progressing."),
                )
            } else if let Some(p) = prev {
                // No progress, no timeout: the condition stays as it is.
                (
                    if str_at(p, "/status") == "True" {
                        "True"
                    } else {
                        "Unknown"
                    },
                    str_at(p, "/reason"),
                    str_at(p, "/message").to_string(),
                )
            } else {
                (
                    "True",
                    "FoundNewReplicaSet",
                    format!("Found new replica set \"{rs_name}\""),
                )
            }
        };
        let conditions = json!([
            condition(
                &old_conditions,
                "Available",
                available_cond.0,
                available_cond.1,
                available_cond.2.to_string(),
                false,
                &now
            ),
            condition(
                &old_conditions,
                "Progressing",
                p_status,
                p_reason,
                p_message,
                progressed,
                &now
            ),
        ]);
        let generation = f.generation;
        let stored = update(cluster, d, |v| {
            let status = util::child(util::ensure_object(v), "status");
            let mut fresh = Map::new();
            fresh.insert("observedGeneration".into(), json!(generation));
            util::set_count(&mut fresh, "replicas", c.actual);
            util::set_count(&mut fresh, "updatedReplicas", c.updated);
            util::set_count(&mut fresh, "readyReplicas", c.ready);
            util::set_count(&mut fresh, "availableReplicas", available);
            util::set_count(
                &mut fresh,
                "unavailableReplicas",
                (c.spec_total - available).max(0),
            );
            fresh.insert("conditions".into(), conditions);
            if let Some(cc) = status.get("collisionCount") {
                fresh.insert("collisionCount".into(), cc.clone());
            }
            *status = fresh;
        });
        ctl.remember_status(d, stored, inputs);
    }
    ctl.progress.retain(|uid, _| seen.contains(uid));
}

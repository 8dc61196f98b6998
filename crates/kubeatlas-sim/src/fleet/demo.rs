//! The demo fleet: `dev`, `staging`, `prod` with version drift, a crash loop and an
//! under-replicated service.

use serde_json::json;

use super::build::{self, Service};
use crate::cluster::SimCluster;
use crate::controller::{CRASHLOOP_ANNOTATION, MAX_READY_ANNOTATION};
use crate::resource::SimResource;
use crate::util;

/// Demo environments, in kubeconfig order.
pub(crate) const ENVIRONMENTS: [&str; 3] = ["dev", "staging", "prod"];

/// Namespaces of every demo cluster.
pub(crate) const NAMESPACES: [&str; 6] = [
    "default",
    "kube-system",
    "monitoring",
    "payments",
    "platform",
    "shop",
];

const ZONES: [&str; 3] = ["eu-1a", "eu-1b", "eu-1c"];

/// `(service, namespace, kind, [dev, staging, prod] versions, sidecar)`.
const CATALOG: &[(&str, &str, &str, [&str; 3], bool)] = &[
    (
        "checkout-api",
        "shop",
        "deploy",
        ["1.6.0-rc.1", "1.5.0", "1.4.2"],
        true,
    ),
    ("cart", "shop", "deploy", ["0.9.2", "0.9.2", "0.9.1"], false),
    (
        "catalog",
        "shop",
        "deploy",
        ["3.2.0", "3.1.0", "3.1.0"],
        false,
    ),
    (
        "search",
        "shop",
        "deploy",
        ["1.12.0", "1.11.3", "1.11.3"],
        false,
    ),
    (
        "frontend",
        "shop",
        "deploy",
        ["5.3.0-beta.2", "5.2.1", "5.2.0"],
        false,
    ),
    (
        "payments-api",
        "payments",
        "deploy",
        ["2.4.0", "2.3.1", "2.3.1"],
        true,
    ),
    (
        "auth",
        "platform",
        "deploy",
        ["4.0.1", "4.0.1", "4.0.1"],
        false,
    ),
    (
        "notifications",
        "platform",
        "deploy",
        ["1.3.0", "1.3.0", "1.2.0"],
        false,
    ),
    (
        "postgres",
        "payments",
        "sts",
        ["16.2", "16.2", "15.6"],
        false,
    ),
    (
        "redis",
        "platform",
        "sts",
        ["7.2.4", "7.2.4", "7.2.4"],
        false,
    ),
    (
        "node-exporter",
        "monitoring",
        "ds",
        ["1.8.1", "1.8.1", "1.8.1"],
        false,
    ),
    (
        "fluent-bit",
        "kube-system",
        "ds",
        ["3.0.7", "3.0.4", "3.0.4"],
        false,
    ),
    (
        "nightly-report",
        "platform",
        "cronjob",
        ["0.4.0", "0.4.0", "0.3.9"],
        false,
    ),
];

fn must(r: Result<serde_json::Value, crate::status::ApiError>, what: &str) {
    if let Err(e) = r {
        tracing::warn!("sim demo: creating {what} failed: {e}");
    }
}

/// Builds and settles one demo cluster (`env` is one of [`ENVIRONMENTS`]).
pub(crate) fn cluster(env: &str) -> SimCluster {
    let idx = ENVIRONMENTS.iter().position(|e| *e == env).unwrap_or(0);
    let c = SimCluster::new(env);
    for ns in NAMESPACES {
        must(c.create(build::namespace(ns, env)), ns);
    }
    for i in 0..(3 + idx) {
        let name = format!("{env}-node-{}", i + 1);
        must(
            c.create(build::node(&name, i, idx, ZONES[i % ZONES.len()])),
            &name,
        );
    }
    let replicas = [1, 2, 3][idx];
    for (name, ns, kind, versions, sidecar) in CATALOG {
        let mut svc = Service::new(name, versions[idx], ns, replicas);
        if *sidecar {
            svc = svc.with_envoy();
        }
        if env == "staging" && *name == "payments-api" {
            svc = svc.annotate(CRASHLOOP_ANNOTATION, "envoy");
        }
        if env == "prod" && *name == "search" {
            svc = svc.annotate(MAX_READY_ANNOTATION, "1");
        }
        let mut obj = match *kind {
            "deploy" => svc.deployment(ns),
            "sts" => svc.statefulset(ns, if *name == "redis" { 6379 } else { 5432 }),
            "ds" => svc.daemonset(ns, 9100),
            _ => svc.cronjob(ns, "0 2 * * *"),
        };
        scorecard_material(&mut obj, name, ns);
        must(c.create(build::applied(obj)), name);
        if *kind == "cronjob" {
            last_run(&c, ns, name);
        }
    }
    c.settle();
    rollout_history(&c, CATALOG_HISTORY, ns_of(CATALOG_HISTORY));
    backoff_events(&c);
    c
}

/// What kubeatlas's built-in scorecard reads, set on most services and missing on a few: an
/// `owner` label (not on notifications, fluent-bit) and a readiness probe on the main container
/// (not on redis, node-exporter).
fn scorecard_material(obj: &mut serde_json::Value, name: &str, ns: &str) {
    if !matches!(name, "notifications" | "fluent-bit")
        && let Some(labels) = obj.pointer_mut("/metadata/labels")
    {
        labels["owner"] = json!(format!("team-{ns}"));
    }
    if !matches!(name, "redis" | "node-exporter")
        && let Some(c) = obj.pointer_mut("/spec/template/spec/containers/0")
    {
        c["readinessProbe"] =
            json!({"httpGet": {"path": "/healthz", "port": "http"}, "periodSeconds": 10});
    }
}

/// Each crash-looping container's events, as a kubelet reports them: Started, then the
/// Warning `BackOff` (counted).
fn backoff_events(c: &SimCluster) {
    for pod in c.list(SimResource::Pods) {
        let statuses = pod
            .pointer("/status/containerStatuses")
            .and_then(|v| v.as_array())
            .cloned()
            .unwrap_or_default();
        for cs in statuses {
            if util::str_at(&cs, "/state/waiting/reason") != "CrashLoopBackOff" {
                continue;
            }
            let container = util::str_at(&cs, "/name");
            let restarts = cs["restartCount"].as_i64().unwrap_or(1).max(1);
            for (kind, reason, message, count) in [
                (
                    "Normal",
                    "Started",
                    format!("Started container {container}"),
                    restarts,
                ),
                (
                    "Warning",
                    "BackOff",
                    format!(
                        "Back-off restarting failed container {container} in pod {}",
                        util::str_at(&pod, "/metadata/name")
                    ),
                    restarts * 3,
                ),
            ] {
                must(
                    c.create(event(&pod, container, kind, reason, &message, count)),
                    reason,
                );
            }
        }
    }
}

/// A core/v1 Event about `pod`'s `container`.
pub(crate) fn event(
    pod: &serde_json::Value,
    container: &str,
    kind: &str,
    reason: &str,
    message: &str,
    count: i64,
) -> serde_json::Value {
    let name = util::str_at(pod, "/metadata/name");
    let now = util::now_rfc3339();
    json!({
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {
            "name": format!("{name}.{}", reason.to_lowercase()),
            "namespace": util::str_at(pod, "/metadata/namespace"),
        },
        "involvedObject": {
            "apiVersion": "v1",
            "kind": "Pod",
            "name": name,
            "namespace": util::str_at(pod, "/metadata/namespace"),
            "uid": util::str_at(pod, "/metadata/uid"),
            "fieldPath": format!("spec.containers{{{container}}}"),
        },
        "reason": reason,
        "message": message,
        "source": {"component": "kubelet", "host": util::str_at(pod, "/spec/nodeName")},
        "firstTimestamp": now,
        "lastTimestamp": now,
        "count": count,
        "type": kind,
        "reportingComponent": "kubelet",
        "reportingInstance": util::str_at(pod, "/spec/nodeName"),
    })
}

/// The demo's service with a rollout history (`u` in the TUI, `kubeatlas history`).
const CATALOG_HISTORY: &str = "frontend";

fn ns_of(service: &str) -> &'static str {
    CATALOG
        .iter()
        .find(|(n, ..)| *n == service)
        .map_or("default", |(_, ns, ..)| *ns)
}

/// Two earlier releases rolled out with a change-cause each, then the current one back (its
/// ReplicaSet becomes the newest revision, as on a real cluster).
fn rollout_history(c: &SimCluster, name: &str, ns: &str) {
    let Some(d) = c.get(SimResource::Deployments, Some(ns), name) else {
        return;
    };
    let labels = "/spec/template/metadata/labels/app.kubernetes.io~1version";
    let current = d
        .pointer(labels)
        .and_then(|v| v.as_str())
        .unwrap_or("0.0.0")
        .to_string();
    let image = crate::util::str_at(&d, "/spec/template/spec/containers/0/image");
    let repo = image.rsplit_once(':').map_or(image, |(r, _)| r).to_string();
    let steps = [
        ("5.1.0", "4121"),
        ("5.1.4", "4188"),
        (current.as_str(), "4203"),
    ];
    for (version, run) in steps {
        let patch = serde_json::json!({
            "metadata": {"annotations": {
                "kubernetes.io/change-cause": format!("ci: deploy {name} {version} (pipeline #{run})")
            }},
            "spec": {"template": {
                "metadata": {"labels": {"app.kubernetes.io/version": version}},
                "spec": {"containers": [{"name": "app", "image": format!("{repo}:{version}")}]}
            }}
        });
        let r = c.patch(
            SimResource::Deployments,
            Some(ns),
            name,
            crate::patch::PatchKind::Strategic,
            &patch,
        );
        must(r, name);
        c.settle();
    }
}

/// Gives a CronJob the Job of its last scheduled run (the controller runs it to completion).
fn last_run(c: &SimCluster, ns: &str, name: &str) {
    let Some(cj) = c.get(SimResource::CronJobs, Some(ns), name) else {
        return;
    };
    let now = jiff::Timestamp::now();
    let minutes = now.as_second() / 60 - 60;
    let scheduled = util::rfc3339(jiff::Timestamp::from_second(minutes * 60).unwrap_or(now));
    let mut spec = cj
        .pointer("/spec/jobTemplate/spec")
        .cloned()
        .unwrap_or(json!({}));
    if let Some(t) = spec.get_mut("template") {
        t["metadata"] =
            json!({"labels": cj.pointer("/metadata/labels").cloned().unwrap_or(json!({}))});
    }
    let job = json!({
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {
            "name": format!("{name}-{minutes}"),
            "namespace": ns,
            "labels": cj.pointer("/metadata/labels").cloned().unwrap_or(json!({})),
            "annotations": {"batch.kubernetes.io/job-tracking": "", "batch.kubernetes.io/cronjob-scheduled-timestamp": scheduled},
            "ownerReferences": [util::owner_ref(&cj)],
        },
        "spec": spec,
    });
    must(c.create(job), name);
    must(
        c.update(SimResource::CronJobs, Some(ns), name, |v| {
            v["status"] = json!({"lastScheduleTime": scheduled, "lastSuccessfulTime": scheduled});
        }),
        name,
    );
}

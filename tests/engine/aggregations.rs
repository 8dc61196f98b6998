//! Aggregations (`aggregations:` in a blueprint): values computed from the entities pointing
//! at one — a pod's Warning Events, a workload's autoscaler. Checked at load with their line;
//! the catalog's journal touches exactly the subject when a feeding entity moves; `get` shows
//! them; and over the simulator the values follow Events and autoscalers created, changed and
//! deleted through the watchers.

use crate::support::{Env, all_ready, start, start_with_blueprints};
use kubeatlas::blueprint::BlueprintSet;
use kubeatlas::catalog::{Aggregate, Catalog, Change, ClusterId, ClusterInfo, EntityRef, Since};
use kubeatlas::cli::args::Format;
use kubeatlas_sim::{SimFleet, SimResource};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

const T: Duration = Duration::from_secs(25);

fn user_error(yaml: &str) -> String {
    BlueprintSet::with_user_sources(vec![("mine/x.yaml".into(), yaml.into())])
        .map(|_| String::new())
        .unwrap_or_else(|e| e.to_string())
}

const GOOD: &str = "\
identifier: budget
title: Budget
sources:
  - { group: example.com, version: v1, kind: Budget }
properties:
  - { id: limit, path: .spec.limit, type: integer }
relations:
  - { id: owner, to: thing, via: field, path: .spec.thing }
  - { id: namespace, to: namespace, via: namespace }
---
identifier: thing
title: Thing
sources:
  - { group: example.com, version: v1, kind: Thing }
properties:
  - { id: phase, path: .status.phase }
";

#[test]
fn aggregations_are_checked_at_load_with_their_line() {
    assert_eq!(user_error(GOOD), "", "the blueprints themselves load");
    // The thing aggregating its budgets; each mistake is on the file's last line.
    let err = |agg: &str| {
        let text = format!("{GOOD}aggregations:\n  - {agg}\n");
        let line = text.lines().count();
        (user_error(&text), line)
    };
    let cases = [
        (
            "{ id: budgets, from: nope, relation: owner, count: true }",
            "aggregation \"budgets\": from: unknown blueprint \"nope\"",
        ),
        (
            "{ id: budgets, from: budget, relation: nope, count: true }",
            "aggregation \"budgets\": blueprint \"budget\" has no relation \"nope\" (its relations: owner, namespace)",
        ),
        (
            "{ id: budgets, from: budget, relation: namespace, count: true }",
            "aggregation \"budgets\": relation \"namespace\" of \"budget\" points at \"namespace\", not at this blueprint",
        ),
        (
            "{ id: budgets, from: budget, relation: owner }",
            "aggregation \"budgets\": needs count: true or a show template",
        ),
        (
            "{ id: budgets, from: budget, relation: owner, show: '{limit} of {total}' }",
            "aggregation \"budgets\": show: {total} is not a property of \"budget\"",
        ),
        (
            "{ id: budgets, from: budget, relation: owner, show: '{limit' }",
            "aggregation \"budgets\": show: unclosed { in \"{limit\"",
        ),
        (
            "{ id: budgets, from: budget, relation: owner, show: '{limit}', newest: limit }",
            "aggregation \"budgets\": newest: property \"limit\" of \"budget\" is not a timestamp",
        ),
        (
            "{ id: budgets, from: budget, relation: owner, show: '{limit}', mark: '!' }",
            "aggregation \"budgets\": mark is only read with count",
        ),
        (
            "{ id: phase, from: budget, relation: owner, count: true }",
            "aggregation \"phase\": a property has this id too",
        ),
    ];
    for (agg, want) in cases {
        let (got, line) = err(agg);
        assert!(
            got.starts_with(&format!("mine/x.yaml:{line}:")) && got.contains(want),
            "{agg}\n  got:  {got}\n  want: line {line}, {want}"
        );
    }
    let (ok, _) = err("{ id: budgets, from: budget, relation: owner, show: '{limit}' }");
    assert_eq!(ok, "");
}

fn fx() -> Catalog {
    let set = Arc::new(BlueprintSet::builtin().expect("built-ins"));
    Catalog::new(set, vec![ClusterInfo::new("prod", "http://x", None)])
}

fn apply(cat: &mut Catalog, obj: Value) {
    let set = cat.blueprints().clone();
    let kind = obj["kind"].as_str().unwrap_or_default();
    let group = obj["apiVersion"]
        .as_str()
        .and_then(|v| v.rsplit_once('/'))
        .map_or("", |(g, _)| g);
    let (bp, src) = set.source_for(group, kind).expect("a blueprint reads it");
    let record = set.get(bp).project(src, &obj).expect("projects");
    cat.apply(Change::Apply {
        cluster: ClusterId(0),
        record,
    });
}

fn pod(name: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": "shop", "uid": name},
        "spec": {"containers": [{"name": "app", "image": "x:1"}]}, "status": {"phase": "Running"}})
}

fn warning(uid: &str, pod: &str, reason: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Event",
        "metadata": {"name": format!("{pod}.{uid}"), "namespace": "shop", "uid": uid},
        "involvedObject": {"kind": "Pod", "name": pod, "namespace": "shop", "uid": pod},
        "type": "Warning", "reason": reason, "message": format!("{reason}!")})
}

/// The uids each step since `rev` touched.
fn touched(cat: &Catalog, rev: u64) -> Vec<String> {
    match cat.changes_since(rev) {
        Since::Steps(s) => s.entities().map(|e| e.uid.to_string()).collect(),
        Since::Everything => panic!("journal lost"),
    }
}

#[test]
fn a_warning_touches_exactly_its_pod_in_the_journal_and_get_shows_the_mark() {
    let mut cat = fx();
    apply(&mut cat, pod("p1"));
    apply(&mut cat, pod("p2"));
    let p1 = EntityRef {
        cluster: ClusterId(0),
        bp: cat.blueprints().by_identifier("pod").expect("pod"),
        uid: "p1".into(),
    };
    let rev = cat.revision();
    apply(&mut cat, warning("e1", "p1", "BackOff"));
    assert_eq!(touched(&cat, rev), ["e1", "p1"]);
    assert_eq!(
        cat.aggregate_named(&p1, "warnings"),
        Some(Aggregate::Count(1))
    );
    assert_eq!(
        cat.aggregate_named(&p1, "lastWarning"),
        Some(Aggregate::Text(Some("BackOff: BackOff!".into())))
    );
    // Moved to the other pod (an update naming another uid): both are touched.
    let rev = cat.revision();
    apply(&mut cat, warning("e1", "p2", "BackOff"));
    assert_eq!(touched(&cat, rev), ["e1", "p1", "p2"]);
    assert_eq!(
        cat.aggregate_named(&p1, "warnings"),
        Some(Aggregate::Count(0))
    );
    assert_eq!(
        cat.aggregate_named(&p1, "lastWarning"),
        Some(Aggregate::Text(None))
    );

    // `get pods`: the WARN column and the JSON's properties.
    let pods = cat.blueprints().by_identifier("pod").expect("pod");
    let table = kubeatlas::cli::output::render(&cat, pods, Format::Table).expect("table");
    let mut lines = table.lines();
    let head = lines.next().unwrap_or_default();
    assert!(head.contains("WARN"), "{table}");
    let p2 = table.lines().find(|l| l.contains("p2")).unwrap_or_default();
    let col = head.find("WARN").unwrap_or(0);
    assert_eq!(p2.get(col..col + 1), Some("1"), "{table}");
    let json = kubeatlas::cli::output::render(&cat, pods, Format::Json).expect("json");
    let v: Value = serde_json::from_str(&json).expect("json");
    let items = v["items"]
        .as_array()
        .or(v.as_array())
        .cloned()
        .unwrap_or_default();
    let p2 = items
        .iter()
        .find(|i| i["name"] == "p2")
        .unwrap_or_else(|| panic!("{json}"));
    assert_eq!(p2["properties"]["warnings"], 1);
    assert_eq!(p2["properties"]["lastWarning"], "BackOff: BackOff!");
}

fn pod_in(c: &Catalog, ctx: &str, count: i64) -> Option<EntityRef> {
    let cl = c.cluster_by_name(ctx)?;
    let bp = c.blueprints().by_identifier("pod")?;
    let mut pods: Vec<EntityRef> = c
        .entities_in(cl, bp)
        .map(|r| EntityRef {
            cluster: cl,
            bp,
            uid: r.uid.clone(),
        })
        .collect();
    pods.sort();
    pods.into_iter()
        .find(|e| c.aggregate_named(e, "warnings") == Some(Aggregate::Count(count as usize)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_the_simulator_a_warning_marks_its_pod_and_its_deletion_clears_it() {
    let mut env = start(SimFleet::demo(), &[]).await;
    assert!(env.pump_until(T, |c| all_ready(c, &["prod"])).await);
    let e = pod_in(&env.session.catalog, "prod", 0).expect("a prod pod without Warnings");
    let (ns, name) = env.ns_name(&e);
    let prod = env.sim.cluster("prod").expect("prod").clone();
    prod.create(json!({
        "apiVersion": "v1", "kind": "Event",
        "metadata": {"name": format!("{name}.marks"), "namespace": ns},
        "involvedObject": {"apiVersion": "v1", "kind": "Pod", "name": name, "namespace": ns,
                           "uid": &*e.uid},
        "type": "Warning", "reason": "FailedMount", "message": "MountVolume.SetUp failed",
        "count": 1,
    }))
    .expect("Event created");
    let e2 = e.clone();
    let ok = env
        .pump_until(T, move |c| {
            c.aggregate_named(&e2, "warnings") == Some(Aggregate::Count(1))
        })
        .await;
    assert!(ok, "the Warning reached the pod's mark");
    assert_eq!(
        env.session.catalog.aggregate_named(&e, "lastWarning"),
        Some(Aggregate::Text(Some(
            "FailedMount: MountVolume.SetUp failed".into()
        )))
    );
    // A Normal Event is never read (the source's field selector): no mark moves.
    prod.create(json!({
        "apiVersion": "v1", "kind": "Event",
        "metadata": {"name": format!("{name}.normal"), "namespace": ns},
        "involvedObject": {"apiVersion": "v1", "kind": "Pod", "name": name, "namespace": ns,
                           "uid": &*e.uid},
        "type": "Normal", "reason": "Pulled", "message": "pulled", "count": 1,
    }))
    .expect("Event created");
    prod.delete(SimResource::Events, Some(&ns), &format!("{name}.marks"))
        .expect("Event deleted");
    let e2 = e.clone();
    let ok = env
        .pump_until(T, move |c| {
            c.aggregate_named(&e2, "warnings") == Some(Aggregate::Count(0))
        })
        .await;
    assert!(ok, "the Event's deletion (its TTL) cleared the mark");
}

/// The simulator serves no autoscaling/v2: this `hpa` blueprint (replacing the built-in one,
/// same identifier and relation) reads its custom resource shaped like one.
const HPA_OVER_WORKERS: &str = "\
identifier: hpa
title: HorizontalPodAutoscaler
sources:
  - { group: demo.kubeatlas.dev, version: v1, kind: Worker, plural: workers }
properties:
  - { id: min, path: .spec.minReplicas, type: integer, default: 1 }
  - { id: max, path: .spec.maxReplicas, type: integer }
  - { id: current, path: .spec.currentReplicas, type: integer }
relations:
  - { id: namespace, to: namespace, via: namespace }
  - { id: cluster, to: cluster, via: cluster }
  - { id: workload, to: workload, via: field, path: .spec.scaleTargetRef.name }
";

fn workload(env: &Env, ctx: &str) -> Option<(EntityRef, String, String)> {
    let c = &env.session.catalog;
    let cl = c.cluster_by_name(ctx)?;
    let bp = c.workload_blueprint()?;
    let mut all: Vec<_> = c
        .entities_in(cl, bp)
        .map(|r| {
            (
                EntityRef {
                    cluster: cl,
                    bp,
                    uid: r.uid.clone(),
                },
                r.name.to_string(),
                r.namespace.as_deref().unwrap_or("").to_string(),
            )
        })
        .collect();
    all.sort();
    all.into_iter().next()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_the_simulator_an_autoscalers_cell_follows_creation_changes_and_deletion() {
    let mut env =
        start_with_blueprints(SimFleet::demo(), &[], &[("hpa.yaml", HPA_OVER_WORKERS)]).await;
    assert!(env.pump_until(T, |c| all_ready(c, &["prod"])).await);
    let (w, name, ns) = workload(&env, "prod").expect("a prod workload");
    assert_eq!(
        env.session.catalog.aggregate_named(&w, "autoscaler"),
        Some(Aggregate::Text(None))
    );
    let prod = env.sim.cluster("prod").expect("prod").clone();
    prod.create(json!({
        "apiVersion": "demo.kubeatlas.dev/v1", "kind": "Worker",
        "metadata": {"name": "scaler", "namespace": ns},
        "spec": {"scaleTargetRef": {"name": name}, "minReplicas": 2, "maxReplicas": 10,
                 "currentReplicas": 3},
    }))
    .expect("created");
    let cell = |want: Option<&'static str>| {
        let w = w.clone();
        move |c: &Catalog| {
            c.aggregate_named(&w, "autoscaler") == Some(Aggregate::Text(want.map(Into::into)))
        }
    };
    assert!(env.pump_until(T, cell(Some("2–10 (3)"))).await, "created");
    prod.update(SimResource::Workers, Some(&ns), "scaler", |v| {
        v["spec"]["currentReplicas"] = json!(7);
        v["spec"]["maxReplicas"] = json!(12);
    })
    .expect("changed");
    assert!(env.pump_until(T, cell(Some("2–12 (7)"))).await, "changed");
    prod.delete(SimResource::Workers, Some(&ns), "scaler")
        .expect("deleted");
    assert!(env.pump_until(T, cell(None)).await, "deleted");
}

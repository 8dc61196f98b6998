//! Blueprints end to end: built-ins load, real API objects project to the expected records,
//! malformed files give precise file:line errors, user files override, and property tests of
//! the path expression parser and evaluator.

use kubeatlas::blueprint::{
    ActionKind, BlueprintError, BlueprintSet, BpId, Link, PatchType, PathExpr, Record, Value,
    check_builtin, check_dir,
};
use serde_json::Value as Json;

fn builtin() -> BlueprintSet {
    BlueprintSet::builtin().unwrap_or_else(|e| panic!("built-ins load:\n{e}"))
}

fn wire(name: &str) -> Json {
    let path = format!(
        "{}/tests/fixtures/k8s-wire/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Project `obj` through blueprint `bp`, picking the source by the object's kind.
fn project(set: &BlueprintSet, bp: &str, obj: &Json) -> Record {
    let b = set.get(set.by_identifier(bp).expect("blueprint"));
    let kind = obj["kind"].as_str().expect("kind");
    let group = obj["apiVersion"]
        .as_str()
        .expect("apiVersion")
        .rsplit_once('/')
        .map_or("", |(g, _)| g);
    let source = b
        .source_index_for(group, kind)
        .unwrap_or_else(|| panic!("{bp} reads {group}/{kind}"));
    b.project(source, obj).expect("projects")
}

/// A record's properties by id, for readable assertions.
fn prop<'r>(set: &BlueprintSet, r: &'r Record, id: &str) -> &'r Value {
    let i = set
        .get(r.blueprint)
        .prop_index(id)
        .unwrap_or_else(|| panic!("property {id}"));
    &r.props[i]
}

fn link<'r>(set: &BlueprintSet, r: &'r Record, id: &str) -> &'r Link {
    let i = set
        .get(r.blueprint)
        .relation_index(id)
        .unwrap_or_else(|| panic!("relation {id}"));
    &r.links[i]
}

fn s(v: &str) -> Value {
    Value::from(v)
}

fn list(items: &[&str]) -> Value {
    Value::list(
        items
            .iter()
            .map(|i| Box::<str>::from(*i))
            .collect::<Vec<_>>(),
    )
}

fn int(i: i64) -> Value {
    Value::int(i)
}

/// 2026-11-23T20:22:43Z
const CREATED: i64 = 1_795_465_363;

#[test]
fn every_builtin_loads() {
    let set = builtin();
    let ids: Vec<&str> = set
        .all()
        .iter()
        .map(|b| b.spec.identifier.as_str())
        .collect();
    assert_eq!(
        ids,
        [
            "cluster",
            "node",
            "namespace",
            "workload",
            "replicaset",
            "controllerrevision",
            "pod",
            "event",
            "service",
            "environment",
            "running-service",
            "kube-service",
            "ingress",
            "httproute",
            "hpa",
            "pvc",
            "configmap",
            "secret",
            "pdb"
        ]
    );
    for (i, b) in set.all().iter().enumerate() {
        assert_eq!(b.id, BpId(i as u16));
        assert!(b.origin().builtin);
    }
    let lines = check_builtin().expect("check");
    assert_eq!(lines.len(), 19);
    assert!(
        lines[3].starts_with("ok workload: 5 source(s), "),
        "{}",
        lines[3]
    );
}

#[test]
fn resolves_names() {
    let set = builtin();
    let id = |s: &str| set.by_identifier(s);
    assert_eq!(set.resolve("pods"), id("pod"));
    assert_eq!(set.resolve("PO"), id("pod"));
    assert_eq!(set.resolve("pod"), id("pod"));
    assert_eq!(set.resolve("deploy"), id("workload"));
    assert_eq!(set.resolve("rs"), id("running-service"));
    assert_eq!(set.resolve("replicasets"), id("replicaset"));
    assert_eq!(set.resolve("nope"), None);
    let names = set.names();
    assert!(names.contains(&"pods") && names.contains(&"ns") && names.contains(&"ctx"));
    assert!(
        !names.contains(&"replicasets"),
        "hidden blueprints are not completed"
    );
    assert!(names.windows(2).all(|w| w[0] < w[1]));
    let sources: Vec<String> = set
        .sources()
        .map(|(bp, i, s)| format!("{}#{i}={}", set.get(bp).spec.identifier, s.gvk_string()))
        .collect();
    assert_eq!(sources.len(), 19);
    assert!(sources.contains(&"workload#2=apps/v1/DaemonSet".to_string()));
    assert_eq!(
        set.source_for("batch", "CronJob"),
        Some((set.by_identifier("workload").expect("wl"), 4))
    );
    assert_eq!(
        set.source_for("", "Pod"),
        Some((set.by_identifier("pod").expect("pod"), 0))
    );
}

#[test]
fn projects_a_crashlooping_pod() {
    let set = builtin();
    let r = project(&set, "pod", &wire("pod-running-crashloop.json"));
    assert_eq!(&*r.uid, "8da4e0fd-dac6-465e-b629-bdca296a3f17");
    assert_eq!(&*r.name, "checkout-798bccc6b9-6vzrd");
    assert_eq!(r.namespace.as_deref(), Some("shop"));
    assert_eq!(r.created, CREATED);
    assert_eq!(r.source, 0);
    let expect = [
        ("phase", s("Running")),
        ("node", s("node-a")),
        ("podIP", s("10.244.1.17")),
        ("hostIP", s("10.1.0.5")),
        ("readyContainers", int(1)),
        ("totalContainers", int(2)),
        ("restarts", int(7)),
        ("waitingReasons", list(&["CrashLoopBackOff"])),
        ("deleting", Value::NULL),
        (
            "images",
            list(&["registry.example/checkout:1.4.2", "envoy:1.30"]),
        ),
        ("containers", list(&["app", "envoy"])),
        ("containerStatusNames", list(&["app", "envoy"])),
        ("containerReady", list(&["true", "false"])),
        ("containerRestarts", list(&["0", "7"])),
        // Aligned with the container statuses (app, envoy): empty where a state is absent.
        ("containerWaiting", list(&["", "CrashLoopBackOff"])),
        ("containerRunningSince", list(&["2026-11-23T20:23:01Z", ""])),
        ("containerTerminated", list(&["", ""])),
        ("containerLastTerminated", list(&["", "Error"])),
        (
            "conditionTypes",
            list(&["Initialized", "Ready", "ContainersReady", "PodScheduled"]),
        ),
        (
            "conditionStatuses",
            list(&["True", "False", "False", "True"]),
        ),
        ("appName", s("checkout")),
        ("app", s("checkout")),
        ("version", Value::NULL),
    ];
    for (id, v) in &expect {
        assert_eq!(prop(&set, &r, id), v, "{id}");
    }
    assert_eq!(link(&set, &r, "namespace"), &Link::Name("shop".into()));
    assert_eq!(link(&set, &r, "cluster"), &Link::Cluster);
    assert_eq!(
        link(&set, &r, "workload"),
        &Link::Uid("f6daf0f0-a63d-415f-814d-36c2d8b28e9d".into())
    );
    assert_eq!(link(&set, &r, "node"), &Link::Name("node-a".into()));
}

#[test]
fn projects_workloads() {
    let set = builtin();
    let d = project(&set, "workload", &wire("deployment.json"));
    assert_eq!((&*d.name, d.source, d.created), ("checkout", 0, CREATED));
    assert_eq!(&*d.uid, "708fb10e-b191-4a05-bf3c-b6eeb733ea05");
    let expect = [
        ("desired", int(3)),
        ("ready", int(0)),
        ("updated", int(3)),
        ("available", int(0)),
        (
            "images",
            list(&["registry.example/checkout:1.4.2", "envoy:1.30"]),
        ),
        ("containers", list(&["app", "envoy"])),
        ("appName", s("checkout")),
        ("app", Value::NULL),
        ("templateAppName", s("checkout")),
        ("templateApp", s("checkout")),
        ("version", s("1.4.2")),
        ("templateVersion", Value::NULL),
        ("paused", Value::bool(false)),
        ("generation", int(1)),
        ("observedGeneration", int(1)),
    ];
    for (id, v) in &expect {
        assert_eq!(prop(&set, &d, id), v, "deployment {id}");
    }
    // The third link: the Deployment's selector (the workload's `claims` relation selects
    // claims by it, as a StatefulSet's volumeClaimTemplates label theirs).
    assert_eq!(
        &d.links.to_vec()[..2],
        [Link::Name("shop".into()), Link::Cluster]
    );
    let Link::Selector(sel) = &d.links[2] else {
        panic!("selector link: {:?}", d.links)
    };
    assert_eq!(sel.describe(), "app=checkout");

    let st = project(&set, "workload", &wire("statefulset.json"));
    assert_eq!((&*st.name, st.source), ("db", 1));
    assert_eq!(prop(&set, &st, "desired"), &int(2));
    assert_eq!(prop(&set, &st, "updated"), &int(1));
    assert_eq!(prop(&set, &st, "images"), &list(&["postgres:16"]));
    assert_eq!(prop(&set, &st, "templateApp"), &s("db"));

    // DaemonSet: desired/ready from its own status fields (the base `.spec.replicas` would
    // give the default 1).
    let mut ds = wire("daemonset.json");
    let r = project(&set, "workload", &ds);
    assert_eq!((&*r.name, r.source), ("agent", 2));
    assert_eq!(prop(&set, &r, "desired"), &int(0));
    assert_eq!(prop(&set, &r, "ready"), &int(0));
    assert_eq!(prop(&set, &r, "images"), &list(&["agent:2"]));
    ds["status"]["desiredNumberScheduled"] = 4.into();
    ds["status"]["numberReady"] = 3.into();
    ds["status"]["numberAvailable"] = 2.into();
    let r = project(&set, "workload", &ds);
    assert_eq!(
        [
            prop(&set, &r, "desired"),
            prop(&set, &r, "ready"),
            prop(&set, &r, "available")
        ],
        [&int(4), &int(3), &int(2)]
    );

    let cj = project(&set, "workload", &wire("cronjob.json"));
    assert_eq!((&*cj.name, cj.source), ("nightly", 4));
    assert_eq!(prop(&set, &cj, "images"), &list(&["busybox:1.36"]));
    assert_eq!(prop(&set, &cj, "containers"), &list(&["job"]));
    assert_eq!(prop(&set, &cj, "paused"), &Value::bool(false));
    assert_eq!(
        prop(&set, &cj, "desired"),
        &Value::NULL,
        "a CronJob has no replicas: not read (`~` override)"
    );
    assert_eq!(prop(&set, &cj, "ready"), &int(0));
}

#[test]
fn projects_replicasets_nodes_namespaces() {
    let set = builtin();
    let list_obj = wire("replicaset-list.json");
    let items = list_obj["items"].as_array().expect("items");
    assert!(!items.is_empty());
    let rs_bp = set.by_identifier("replicaset").expect("replicaset");
    for item in items {
        // List items carry no kind/apiVersion: the source is known from the watch.
        let r = set.get(rs_bp).project(0, item).expect("projects");
        assert_eq!(
            link(&set, &r, "workload"),
            &Link::Uid("708fb10e-b191-4a05-bf3c-b6eeb733ea05".into())
        );
        assert_eq!(link(&set, &r, "namespace"), &Link::Name("shop".into()));
    }
    let first = set.get(rs_bp).project(0, &items[0]).expect("projects");
    assert_eq!(prop(&set, &first, "revision"), &s("1"));
    assert_eq!(prop(&set, &first, "desired"), &int(3));

    let n = project(&set, "node", &wire("node.json"));
    assert_eq!((&*n.name, n.namespace.as_deref()), ("node-a", None));
    for (id, v) in [
        ("ready", s("True")),
        ("kubelet", s("v1.28.0")),
        ("internalIP", s("10.1.0.5")),
        ("unschedulable", Value::bool(false)),
        ("role", Value::NULL),
        ("cpu", s("8")),
        ("memory", s("32Gi")),
    ] {
        assert_eq!(prop(&set, &n, id), &v, "node {id}");
    }
    assert_eq!(n.links.to_vec(), [Link::Cluster]);

    let ns = project(&set, "namespace", &wire("namespace.json"));
    assert_eq!((&*ns.name, ns.namespace.as_deref()), ("shop", None));
    assert_eq!(&ns.props.to_vec()[..2], [s("Active"), s("staging")]);
    assert!(
        ns.props.iter().skip(2).all(Value::is_null),
        "no TTL annotations"
    );
    assert_eq!(ns.links.to_vec(), [Link::Cluster]);
}

#[test]
fn objects_without_identity_do_not_project() {
    let set = builtin();
    let pod = set.get(set.by_identifier("pod").expect("pod"));
    let mut obj = wire("pod-running-crashloop.json");
    assert!(pod.project(1, &obj).is_none(), "no such source");
    obj["metadata"]
        .as_object_mut()
        .expect("metadata")
        .remove("uid");
    assert!(pod.project(0, &obj).is_none());
    assert!(
        pod.project(0, &serde_json::json!({"metadata": {"uid": "u"}}))
            .is_none()
    );
    let minimal = pod
        .project(
            0,
            &serde_json::json!({"metadata": {"uid": "u", "name": "n"}}),
        )
        .expect("projects");
    assert_eq!(minimal.created, 0);
    assert_eq!(prop(&set, &minimal, "restarts"), &int(0));
    assert_eq!(prop(&set, &minimal, "images"), &Value::NULL);
    assert_eq!(link(&set, &minimal, "workload"), &Link::None);
    assert_eq!(link(&set, &minimal, "namespace"), &Link::None);
}

// ---- errors ----

fn user_error(files: &[(&str, &str)]) -> BlueprintError {
    let files = files
        .iter()
        .map(|(n, t)| (n.to_string(), t.to_string()))
        .collect();
    match BlueprintSet::with_user_sources(files) {
        Ok(_) => panic!("expected an error"),
        Err(e) => e,
    }
}

fn lines(e: &BlueprintError) -> Vec<String> {
    e.diagnostics.iter().map(ToString::to_string).collect()
}

const GOOD: &str = "\
identifier: job-run
title: Job run
plural: jobruns
sources:
  - { group: networking.k8s.io, version: v1, kind: IngressClass }
properties:
  - { id: phase, path: .status.phase }
relations:
  - { id: namespace, to: namespace, via: namespace }
";

#[test]
fn reports_bad_yaml() {
    let e = user_error(&[("my.yaml", "identifier: x\ntitle: [oops\nplural: y\n")]);
    assert_eq!(e.diagnostics.len(), 1, "{e}");
    let d = &e.diagnostics[0];
    assert_eq!((d.file.as_str(), d.line), ("my.yaml", Some(3)));
    assert!(
        d.message.contains("did not find expected ',' or ']'"),
        "{e}"
    );
    assert!(
        !d.message.contains(" at line 3 "),
        "location is not repeated: {e}"
    );
}

#[test]
fn reports_unknown_fields_in_every_document() {
    let text = format!(
        "{GOOD}propertise: []\n---\n# second\nidentifier: other\ntitle: O\nsources: [{{ version: v1, kind: Secret, kinf: x }}]\n"
    );
    let e = user_error(&[("my.yaml", &text)]);
    let l = lines(&e);
    assert_eq!(l.len(), 2, "{e}");
    assert!(
        l[0].starts_with("my.yaml:10:1: unknown field `propertise`, expected one of"),
        "{}",
        l[0]
    );
    assert!(l[1].starts_with("my.yaml:15:"), "{}", l[1]);
    assert!(
        l[1].contains("sources[0]: unknown field `kinf`"),
        "{}",
        l[1]
    );
}

#[test]
fn reports_bad_path_expression_with_position() {
    let text = GOOD.replace(
        "  - { id: phase, path: .status.phase }",
        "  - { id: phase, path: .status.phase }\n  - id: restarts\n    type: integer\n    reduce: sum\n    path: .status.containerStatuses[*.restartCount",
    );
    let e = user_error(&[("user/pod.yaml", &text)]);
    assert_eq!(
        lines(&e),
        [
            "user/pod.yaml:11:11: property \"restarts\": bad path expression \".status.containerStatuses[*.restartCount\": at column 28: expected ']'"
        ]
    );
}

#[test]
fn reports_unknown_relation_target() {
    let text = GOOD.replace("to: namespace", "to: namespaces");
    let e = user_error(&[("a.yaml", &text)]);
    let l = lines(&e);
    assert_eq!(l.len(), 1, "{e}");
    assert!(l[0].starts_with("a.yaml:9:26: relation \"namespace\": to: unknown blueprint \"namespaces\" (known: cluster, "), "{}", l[0]);
}

#[test]
fn reports_duplicates() {
    let dup_prop = GOOD.replace(
        "relations:",
        "  - { id: phase, path: .status.x }\nrelations:",
    );
    let e = user_error(&[("a.yaml", &dup_prop)]);
    assert_eq!(
        lines(&e),
        ["a.yaml:8:11: property \"phase\": duplicate property id"]
    );

    let e = user_error(&[
        ("a.yaml", GOOD),
        ("b.yaml", &GOOD.replace("jobruns", "runs")),
    ]);
    let l = lines(&e);
    assert_eq!(l.len(), 1, "{e}");
    assert_eq!(
        l[0],
        "b.yaml:1:13: duplicate blueprint identifier \"job-run\" (first defined at a.yaml:1:13)"
    );

    let dup_field = format!("{GOOD}---\nidentifier: b\ntitle: B\ntitle: C\n");
    let e = user_error(&[("a.yaml", &dup_field)]);
    assert_eq!(lines(&e), ["a.yaml:13:1: duplicate field `title`"]);

    let same_file = format!("{GOOD}---\n{}", GOOD.replace("jobruns", "runs"));
    let e = user_error(&[("a.yaml", &same_file)]);
    assert_eq!(
        lines(&e),
        ["a.yaml:11:13: duplicate blueprint identifier \"job-run\" (first defined at a.yaml:1:13)"]
    );
}

#[test]
fn reports_semantic_errors_at_their_fields() {
    let text = "\
identifier: thing
title: Thing
aliases: [t, rs]
sources:
  - group: apps
    version: v1
    kind: Widget
    properties:
      colour: .spec.colour
      size: '.spec[size'
properties:
  - id: size
    type: list
    reduce: count
  - { id: n, type: integer, default: many }
relations:
  - { id: owner, to: workload, via: controller, collapse: [node, nope] }
  - { id: host, to: node, via: field }
health: replicas
columns: [size, weight]
";
    let e = user_error(&[("t.yaml", text)]);
    let l = lines(&e);
    let expect = [
        "t.yaml:3:14: aliases: \"rs\" is already a name of blueprint \"running-service\"",
        "t.yaml:9:15: source apps/v1/Widget: property \"colour\": overrides a property the blueprint does not declare",
        "t.yaml:10:13: source apps/v1/Widget: property \"size\": bad path expression \".spec[size\": at column 7: expected a quoted key, an index, '*' or '?(' after '['",
        "t.yaml:14:13: property \"size\": reduce: count needs type: integer",
        "t.yaml:15:38: property \"n\": default \"many\" is not an integer",
        "t.yaml:17:60: relation \"owner\": collapse: blueprint \"node\" has no via: controller relation to pass through",
        "t.yaml:17:66: relation \"owner\": collapse: unknown blueprint \"nope\"",
        "t.yaml:18:32: relation \"host\": via: field needs a path",
        "t.yaml:19:9: health: replicas needs an integer property \"ready\"",
        "t.yaml:19:9: health: replicas needs an integer property \"desired\"",
        "t.yaml:20:17: columns: \"weight\" is not a property of this blueprint",
    ];
    for (got, want) in l.iter().zip(expect) {
        assert!(got.starts_with(want), "\n got: {got}\nwant: {want}");
    }
    assert_eq!(l.len(), expect.len(), "{e}");
}

#[test]
fn reports_derived_and_source_problems() {
    let text = "\
identifier: svc2
title: S
derived: { kind: service, from: workload, key: [appName, nope] }
---
identifier: svc3
title: S
derived:
  kind: service
  from: workloads
---
identifier: lonely
title: L
---
identifier: deploys
title: D
sources:
  - { group: apps, version: v1, kind: Deployment }
";
    let l = lines(&user_error(&[("d.yaml", text)]));
    let expect = [
        "d.yaml:3:58: derived: key: \"nope\" is not a property of blueprint \"workload\"",
        "d.yaml:9:9: derived: from: unknown blueprint \"workloads\"",
        "d.yaml:11:13: a blueprint needs sources (or derived); only cluster has neither",
        "d.yaml:17:39: source apps/v1/Deployment: this kind is already read by blueprint \"workload\"",
    ];
    assert_eq!(l, expect);
}

#[test]
fn user_files_override_and_extend() {
    let pod = "\
identifier: pod
title: Pod (mine)
plural: pods
sources:
  - { version: v1, kind: Pod }
properties:
  - { id: phase, path: .status.phase }
relations:
  - { id: node, to: node, via: field, path: .spec.nodeName }
columns: [phase]
";
    let set = BlueprintSet::with_user_sources(vec![
        ("mine/pod.yaml".into(), pod.into()),
        ("mine/job.yaml".into(), GOOD.into()),
    ])
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(set.len(), 20);
    let id = set.by_identifier("pod").expect("pod");
    let b = set.get(id);
    assert_eq!(b.spec.title, "Pod (mine)");
    assert_eq!(b.origin().file, "mine/pod.yaml");
    assert!(b.origin().overrides_builtin && !b.origin().builtin);
    assert_eq!(set.resolve("po"), None, "the override dropped the alias");
    let r = b
        .project(0, &wire("pod-running-crashloop.json"))
        .expect("projects");
    assert_eq!(r.props.to_vec(), [s("Running")]);
    assert_eq!(r.links[0], Link::Name("node-a".into()));
    // Built-in Services and PDBs still select pods: the override keeps its labels after its
    // own relations.
    assert_eq!(r.links.len(), 2);
    assert!(
        b.labels_of(&r)
            .is_some_and(|l| l.iter().any(|x| &**x == "app=checkout"))
    );
    let job = set.get(set.resolve("JOBRUNS").expect("new blueprint"));
    assert_eq!(job.id, BpId(19));
    assert!(!job.origin().overrides_builtin);
    // Built-ins relating to pods still resolve.
    assert!(set.by_identifier("running-service").is_some());
}

#[test]
fn loads_and_checks_a_directory() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("job.yaml"), GOOD).expect("write");
    std::fs::write(dir.path().join("notes.txt"), "not yaml: [").expect("write");
    let set = BlueprintSet::load(Some(dir.path())).unwrap_or_else(|e| panic!("{e}"));
    assert!(set.by_identifier("job-run").is_some());
    let lines = check_dir(dir.path()).unwrap_or_else(|e| panic!("{e}"));
    assert!(lines[0].ends_with(": 1 blueprint file(s)"), "{}", lines[0]);
    assert!(
        lines.iter().any(
            |l| l.starts_with("ok job-run: 1 source(s), 1 properties, 1 relations (")
                && l.ends_with("job.yaml, user)")
        ),
        "{lines:?}"
    );

    std::fs::write(dir.path().join("bad.yml"), "identifier: [").expect("write");
    let e = check_dir(dir.path()).expect_err("bad file");
    assert!(e.to_string().contains("bad.yml:"), "{e}");

    let missing = dir.path().join("nope");
    assert_eq!(
        BlueprintSet::load(Some(&missing)).map(|s| s.len()).ok(),
        Some(19)
    );
    assert!(check_dir(&missing).expect("ok")[0].contains("no such directory"));
}

#[test]
fn example_user_files_load() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/blueprints");
    let lines = check_dir(&dir).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("ok node:") && l.ends_with("user, replaces the built-in)")),
        "{lines:?}"
    );
    let set = BlueprintSet::load(Some(&dir)).unwrap_or_else(|e| panic!("{e}"));
    assert!(set.resolve("ing").is_some() && set.resolve("certs").is_some());
    let node = project(&set, "node", &wire("node.json"));
    assert_eq!(prop(&set, &node, "zone"), &s("eu-1a"));
}

// ---- property tests ----

mod props {
    use super::*;
    use kubeatlas::blueprint::path::{Filter, Literal, Segment, Test};
    use proptest::prelude::*;

    fn key() -> impl Strategy<Value = String> {
        prop_oneof!["[A-Za-z0-9_-]{1,8}", "[a-z./\"'\\\\ \\[\\]*?@é]{0,8}",]
    }

    fn literal() -> impl Strategy<Value = Literal> {
        prop_oneof![
            key().prop_map(|s| Literal::Str(s.into())),
            any::<i64>().prop_map(Literal::Int),
            any::<f64>()
                .prop_filter("finite", |x| x.is_finite())
                .prop_map(Literal::Float),
            any::<bool>().prop_map(Literal::Bool),
            Just(Literal::Null),
        ]
    }

    fn plain_segment() -> impl Strategy<Value = Segment> {
        prop_oneof![
            key().prop_map(|k| Segment::Field(k.into())),
            any::<i64>().prop_map(Segment::Index)
        ]
    }

    fn segment() -> impl Strategy<Value = Segment> {
        let filter = (
            prop::collection::vec(plain_segment(), 0..3),
            prop_oneof![
                Just(Test::Exists),
                literal().prop_map(Test::Eq),
                literal().prop_map(Test::Ne)
            ],
        )
            .prop_map(|(field, test)| {
                Segment::Filter(Filter {
                    field: field.into_boxed_slice(),
                    test,
                })
            });
        prop_oneof![plain_segment(), Just(Segment::All), filter]
    }

    fn json() -> impl Strategy<Value = Json> {
        let leaf = prop_oneof![
            Just(Json::Null),
            any::<bool>().prop_map(Json::Bool),
            any::<i64>().prop_map(Json::from),
            "[a-z]{0,3}".prop_map(Json::String),
        ];
        leaf.prop_recursive(4, 32, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Json::Array),
                prop::collection::btree_map("[a-c]", inner, 0..4)
                    .prop_map(|m| Json::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn parse_never_panics(text in "\\PC{0,40}") {
            let _ = PathExpr::parse(&text);
        }

        #[test]
        fn parse_never_panics_on_path_like_text(text in "[.\\[\\]?()@=!*'\"a-c0-9 -]{0,30}") {
            if let Ok(e) = PathExpr::parse(&text) {
                prop_assert_eq!(PathExpr::parse(&e.to_string()), Ok(e));
            }
        }

        #[test]
        fn display_round_trips(segs in prop::collection::vec(segment(), 0..6)) {
            let e = PathExpr::from_segments(segs);
            prop_assert_eq!(PathExpr::parse(&e.to_string()), Ok(e));
        }

        #[test]
        fn eval_never_panics(segs in prop::collection::vec(segment(), 0..6), v in json()) {
            let e = PathExpr::from_segments(segs);
            let all = e.all(&v);
            prop_assert_eq!(e.first(&v), all.first().copied());
        }

        #[test]
        fn projection_never_panics(v in json(), uid in "[a-z]{1,3}") {
            let set = builtin();
            let mut obj = serde_json::json!({"metadata": {"uid": uid, "name": "n"}, "status": v.clone(), "spec": v});
            for (bp, source, _) in set.sources() {
                prop_assert!(set.get(bp).project(source, &obj).is_some());
            }
            obj["metadata"] = Json::Null;
            for (bp, source, _) in set.sources() {
                prop_assert!(set.get(bp).project(source, &obj).is_none());
            }
        }
    }
}

/// The actions each built-in kind takes, by source kind.
fn kind_actions(set: &BlueprintSet, bp: &str, kind: &str) -> Vec<ActionKind> {
    let b = set.get(set.by_identifier(bp).expect("blueprint"));
    let source = b
        .spec
        .sources
        .iter()
        .position(|s| s.kind == kind)
        .unwrap_or_else(|| panic!("{bp} reads {kind}"));
    b.source_actions(source).iter().map(|r| r.kind).collect()
}

#[test]
fn each_builtin_kind_takes_only_the_actions_its_api_has() {
    use ActionKind::*;
    let set = builtin();
    assert_eq!(
        kind_actions(&set, "workload", "Deployment"),
        [Restart, Redeploy, Scale, Undo, Logs]
    );
    assert_eq!(
        kind_actions(&set, "workload", "StatefulSet"),
        [Restart, Redeploy, Scale, Undo, Logs]
    );
    assert_eq!(
        kind_actions(&set, "workload", "DaemonSet"),
        [Restart, Redeploy, Undo, Logs],
        "no scale subresource"
    );
    assert_eq!(kind_actions(&set, "workload", "Job"), [Logs]);
    assert!(kind_actions(&set, "workload", "CronJob").is_empty());
    assert_eq!(
        kind_actions(&set, "pod", "Pod"),
        [Delete, Logs, Exec, PortForward]
    );

    // The rules carry what the requests need: the template and the properties they read.
    let wl = set.get(set.by_identifier("workload").expect("workload"));
    let restart = wl.action_rule(0, Restart).expect("restart");
    assert_eq!(
        &*restart.template,
        [Box::from("spec"), Box::from("template")]
    );
    assert_eq!(restart.patch, PatchType::Strategic);
    assert_eq!(restart.paused, wl.prop_index("paused"));
    let redeploy = wl.action_rule(0, Redeploy).expect("redeploy");
    assert_eq!(
        (redeploy.containers, redeploy.images),
        (wl.prop_index("containers"), wl.prop_index("images"))
    );
    assert_eq!(
        wl.action_rule(0, Scale).expect("scale").replicas,
        wl.prop_index("desired")
    );

    // Roles are resolved once.
    let roles = set.roles();
    for (role, id) in [
        (roles.cluster, "cluster"),
        (roles.namespace, "namespace"),
        (roles.pod, "pod"),
        (roles.workload, "workload"),
        (roles.running_service, "running-service"),
    ] {
        assert_eq!(role, set.by_identifier(id), "{id}");
    }
}

#[test]
fn a_crd_blueprint_tunes_its_actions_per_kind() {
    let text = "\
identifier: jobset
title: JobSet
sources:
  - { group: example.com, version: v1, kind: JobSet, plural: jobsets }
  - group: example.com
    version: v1
    kind: JobSetTemplate
    actions:
      restart: { template: .spec.jobTemplate.spec.template }
properties:
  - { id: replicas, path: .spec.replicas, type: integer }
  - { id: frozen, path: .spec.frozen, type: boolean }
actions:
  restart: { patch: merge, paused: frozen }
  scale: { replicas: replicas }
";
    let set = BlueprintSet::with_user_sources(vec![("jobset.yaml".into(), text.into())])
        .unwrap_or_else(|e| panic!("{e}"));
    let b = set.get(set.by_identifier("jobset").expect("jobset"));
    assert_eq!(b.actions(), [ActionKind::Restart, ActionKind::Scale]);
    let r0 = b.action_rule(0, ActionKind::Restart).expect("restart");
    assert_eq!(r0.patch, PatchType::Merge);
    assert_eq!(r0.paused, b.prop_index("frozen"));
    assert_eq!(&*r0.template, [Box::from("spec"), Box::from("template")]);
    assert_eq!(
        b.action_rule(0, ActionKind::Scale).expect("scale").replicas,
        b.prop_index("replicas")
    );
    // The second kind takes only restart, with its own template, the rest inherited.
    let r1 = b.action_rule(1, ActionKind::Restart).expect("restart");
    assert_eq!(r1.template.len(), 4);
    assert_eq!(r1.patch, PatchType::Merge);
    assert!(b.action_rule(1, ActionKind::Scale).is_none());
    assert_eq!(set.roles().workload, set.by_identifier("workload"));
}

#[test]
fn reports_action_problems_at_their_fields() {
    let text = "\
identifier: widget
title: Widget
sources:
  - { group: example.com, version: v1, kind: Widget }
  - group: example.com
    version: v1
    kind: Gadget
    actions: { scale: { template: .spec.x } }
properties:
  - { id: size, path: .spec.size }
  - { id: names, path: '.spec.containers[*].name', type: list }
actions:
  scale: { replicas: size }
  restart: { template: '.spec.containers[0]', paused: nope }
  redeploy: { containers: names }
  logs: {}
---
identifier: cron
title: Cron
sources:
  - { group: example.com, version: v1, kind: Cron }
actions: [restart, restat]
";
    let l = lines(&user_error(&[("w.yaml", text)]));
    let expect = [
        "w.yaml:8:",
        "w.yaml:13:",
        "w.yaml:14:",
        "w.yaml:14:",
        "w.yaml:15:",
        "w.yaml:16:",
    ];
    let messages = [
        "action scale: `template` is not a setting of scale (its settings: replicas)",
        "action scale: replicas: property \"size\" must be type: integer",
        "action restart: template \".spec.containers[0]\" must be a plain field path like .spec.template",
        "action restart: paused: \"nope\" is not a property of this blueprint",
        "action redeploy needs a list property \"images\" (or name one with `images:`)",
        "action logs: no pods relate to this blueprint: the pod blueprint \"pod\" has no `via: controller` relation to \"widget\"",
    ];
    // The unknown action name is a parse error of the second document.
    assert!(
        l.iter()
            .any(|x| x.starts_with("w.yaml:22:20:") && x.contains("unknown variant `restat`")),
        "{l:#?}"
    );
    for (want_at, want) in expect.iter().zip(messages) {
        assert!(
            l.iter()
                .any(|x| x.starts_with(want_at) && x.ends_with(want)),
            "missing {want_at} {want}\n{l:#?}"
        );
    }
}

#[test]
fn a_role_is_claimed_once() {
    let text = "\
identifier: jobset
title: JobSet
role: workload
sources:
  - { group: example.com, version: v1, kind: JobSet }
";
    let l = lines(&user_error(&[("j.yaml", text)]));
    assert_eq!(
        l,
        ["j.yaml:3:7: role: workload is already the role of blueprint \"workload\""]
    );
}

#[test]
fn actions_on_blueprints_without_objects_are_refused_at_load() {
    let text = "\
identifier: region
title: Region
derived: { kind: environment, from: workload }
actions: [delete]
---
identifier: sky
title: Sky
role: cluster
actions: [scale]
";
    let l = lines(&user_error(&[("r.yaml", text)]));
    assert!(
        l.iter().any(|x| x.starts_with("r.yaml:4:")
            && x.ends_with(
                "action delete: blueprint \"workload\" (derived from) has no such action"
            )),
        "{l:#?}"
    );
    assert!(
        l.iter().any(|x| x.starts_with("r.yaml:9:")
            && x.ends_with("actions: this blueprint reads no API object to act on")),
        "{l:#?}"
    );
}

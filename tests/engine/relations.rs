//! Relations by label selector and by several names (`via: selector`, `via: field` with
//! `[*]`), kept incrementally in the catalog; what a running service exposes and depends on;
//! metadata-only Secrets — pure (built-in blueprints, projected objects) and over the
//! simulator.

use crate::support::related::related_names;
use crate::support::{Env, all_ready, start, start_with_blueprints};
use kubeatlas::blueprint::{BlueprintSet, BpId, Record};
use kubeatlas::catalog::{Catalog, Change, ClusterId, ClusterInfo, EntityRef};
use kubeatlas_sim::{SimFleet, SimResource};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

const C0: ClusterId = ClusterId(0);

struct Fx {
    set: Arc<BlueprintSet>,
    cat: Catalog,
}

impl Fx {
    fn new() -> Fx {
        let set = Arc::new(BlueprintSet::builtin().expect("built-in blueprints load"));
        let cat = Catalog::new(
            set.clone(),
            vec![ClusterInfo::new("prod", "http://x", None)],
        );
        Fx { set, cat }
    }
    fn bp(&self, id: &str) -> BpId {
        self.set.by_identifier(id).expect("blueprint")
    }
    /// Project `obj` (its `kind` picks the source) and apply it; returns the record.
    fn apply(&mut self, bp: &str, obj: Value) -> Record {
        let b = self.set.get(self.bp(bp));
        let kind = obj["kind"].as_str().unwrap_or_default();
        let src = b
            .spec
            .sources
            .iter()
            .position(|s| s.kind == kind)
            .expect("source kind");
        let r = b.project(src, &obj).expect("projects");
        self.cat.apply(Change::Apply {
            cluster: C0,
            record: r.clone(),
        });
        r
    }
    fn delete(&mut self, bp: &str, uid: &str) {
        let bp = self.bp(bp);
        self.cat.apply(Change::Delete {
            cluster: C0,
            bp,
            uid: uid.into(),
        });
    }
    fn entity(&self, bp: &str, uid: &str) -> EntityRef {
        EntityRef {
            cluster: C0,
            bp: self.bp(bp),
            uid: uid.into(),
        }
    }
    /// Names of the targets of relation `rel` of entity (`bp`, `uid`), sorted.
    fn targets(&self, bp: &str, uid: &str, rel: &str) -> Vec<String> {
        let e = self.entity(bp, uid);
        let r = self.cat.get(&e).expect("entity");
        let i = self
            .cat
            .blueprint(e.bp)
            .relation_index(rel)
            .expect("relation");
        let mut names: Vec<String> = self
            .cat
            .related_all(C0, r, i)
            .iter()
            .filter_map(|t| self.cat.get(t))
            .map(|t| t.name.to_string())
            .collect();
        names.sort();
        names
    }
    /// The entities whose selectors select pod `uid`, as `blueprint/name`.
    fn selecting(&self, uid: &str) -> Vec<String> {
        self.cat
            .selected_by(&self.entity("pod", uid))
            .iter()
            .filter_map(|(e, _)| {
                let r = self.cat.get(e)?;
                Some(format!(
                    "{}/{}",
                    self.cat.blueprint(e.bp).spec.identifier,
                    r.name
                ))
            })
            .collect()
    }
}

fn ns(name: &str) -> Value {
    json!({"kind": "Namespace", "metadata": {"name": name, "uid": format!("ns-{name}")}})
}

fn pod(name: &str, ns: &str, labels: Value) -> Value {
    json!({"kind": "Pod", "metadata": {"name": name, "namespace": ns, "uid": name, "labels": labels},
        "spec": {"containers": [{"name": "app", "image": "x:1"}]}, "status": {"phase": "Running"}})
}

fn service(name: &str, ns: &str, selector: Value) -> Value {
    json!({"kind": "Service", "metadata": {"name": name, "namespace": ns, "uid": format!("svc-{name}")},
        "spec": {"selector": selector, "ports": [{"port": 80}], "type": "ClusterIP"}})
}

fn pdb(name: &str, ns: &str, selector: Value) -> Value {
    json!({"kind": "PodDisruptionBudget", "metadata": {"name": name, "namespace": ns, "uid": format!("pdb-{name}")},
        "spec": {"selector": selector, "minAvailable": 2}, "status": {"disruptionsAllowed": 1, "currentHealthy": 3}})
}

#[test]
fn a_service_selects_the_pods_its_map_names_and_follows_relabels_selector_edits_and_deletions() {
    let mut fx = Fx::new();
    fx.apply("namespace", ns("shop"));
    fx.apply("namespace", ns("other"));
    fx.apply("pod", pod("p1", "shop", json!({"app": "cart"})));
    fx.apply(
        "pod",
        pod("p2", "shop", json!({"app": "cart", "tier": "web"})),
    );
    fx.apply("pod", pod("p3", "shop", json!({"app": "search"})));
    // Same labels in another namespace: a selector never reaches across namespaces.
    fx.apply("pod", pod("p4", "other", json!({"app": "cart"})));
    fx.apply(
        "kube-service",
        service("cart", "shop", json!({"app": "cart"})),
    );
    assert_eq!(fx.targets("kube-service", "svc-cart", "pods"), ["p1", "p2"]);
    assert_eq!(fx.selecting("p1"), ["kube-service/cart"]);
    assert!(fx.selecting("p4").is_empty());

    // A pod arriving after the Service joins its set; relabelled away, it leaves.
    fx.apply("pod", pod("p5", "shop", json!({"app": "cart"})));
    fx.apply("pod", pod("p3", "shop", json!({"app": "cart"})));
    fx.apply("pod", pod("p1", "shop", json!({"app": "cart-old"})));
    assert_eq!(
        fx.targets("kube-service", "svc-cart", "pods"),
        ["p2", "p3", "p5"]
    );
    assert!(fx.selecting("p1").is_empty());
    fx.delete("pod", "p2");
    assert_eq!(fx.targets("kube-service", "svc-cart", "pods"), ["p3", "p5"]);

    // The selector edited: matched again from scratch.
    fx.apply(
        "kube-service",
        service("cart", "shop", json!({"app": "cart-old"})),
    );
    assert_eq!(fx.targets("kube-service", "svc-cart", "pods"), ["p1"]);
    assert!(fx.selecting("p5").is_empty());
    // No selector selects nothing (a Service whose endpoints are managed elsewhere).
    fx.apply("kube-service", service("cart", "shop", Value::Null));
    assert!(fx.targets("kube-service", "svc-cart", "pods").is_empty());
    fx.apply(
        "kube-service",
        service("cart", "shop", json!({"app": "cart"})),
    );
    fx.delete("kube-service", "svc-cart");
    assert!(fx.selecting("p3").is_empty());
    assert_eq!(fx.cat.selection_count(C0), 0, "nothing left behind");
}

#[test]
fn a_disruption_budget_selects_with_set_based_requirements() {
    let mut fx = Fx::new();
    fx.apply("namespace", ns("shop"));
    let base = json!({"app": "cart", "team": "a"});
    let with = |extra: Value| {
        let mut l = base.clone();
        for (k, v) in extra.as_object().into_iter().flatten() {
            l[k] = v.clone();
        }
        l
    };
    fx.apply("pod", pod("web", "shop", with(json!({"tier": "web"}))));
    fx.apply(
        "pod",
        pod(
            "api",
            "shop",
            with(json!({"tier": "api", "track": "stable"})),
        ),
    );
    fx.apply(
        "pod",
        pod(
            "canary",
            "shop",
            with(json!({"tier": "api", "track": "canary"})),
        ),
    );
    fx.apply("pod", pod("db", "shop", with(json!({"tier": "db"}))));
    fx.apply(
        "pod",
        pod(
            "legacy",
            "shop",
            with(json!({"tier": "web", "legacy": "yes"})),
        ),
    );
    fx.apply(
        "pod",
        pod("no-team", "shop", json!({"app": "cart", "tier": "web"})),
    );
    fx.apply(
        "pdb",
        pdb(
            "cart",
            "shop",
            json!({
                "matchLabels": {"app": "cart"},
                "matchExpressions": [
                    {"key": "tier", "operator": "In", "values": ["web", "api"]},
                    {"key": "track", "operator": "NotIn", "values": ["canary"]},
                    {"key": "team", "operator": "Exists"},
                    {"key": "legacy", "operator": "DoesNotExist"},
                ]
            }),
        ),
    );
    assert_eq!(fx.targets("pdb", "pdb-cart", "pods"), ["api", "web"]);
    // Each requirement, moved by a relabel: NotIn (canary → stable), Exists (team added),
    // DoesNotExist (legacy removed), In (db → web) — and back out (web → batch).
    fx.apply(
        "pod",
        pod(
            "canary",
            "shop",
            with(json!({"tier": "api", "track": "stable"})),
        ),
    );
    fx.apply("pod", pod("no-team", "shop", with(json!({"tier": "web"}))));
    fx.apply("pod", pod("legacy", "shop", with(json!({"tier": "web"}))));
    fx.apply("pod", pod("db", "shop", with(json!({"tier": "web"}))));
    fx.apply("pod", pod("web", "shop", with(json!({"tier": "batch"}))));
    assert_eq!(
        fx.targets("pdb", "pdb-cart", "pods"),
        ["api", "canary", "db", "legacy", "no-team"]
    );
}

#[test]
fn a_selector_with_only_negative_requirements_matches_its_whole_namespace() {
    let mut fx = Fx::new();
    fx.apply("namespace", ns("shop"));
    fx.apply("pod", pod("a", "shop", json!({"app": "x"})));
    fx.apply("pod", pod("b", "shop", json!({"app": "y", "legacy": "1"})));
    fx.apply("pod", pod("c", "other", json!({"app": "x"})));
    let sel = json!({"matchExpressions": [{"key": "legacy", "operator": "DoesNotExist"}]});
    fx.apply("pdb", pdb("modern", "shop", sel));
    // `{}` selects every pod of the namespace.
    fx.apply("pdb", pdb("all", "shop", json!({})));
    assert_eq!(fx.targets("pdb", "pdb-modern", "pods"), ["a"]);
    assert_eq!(fx.targets("pdb", "pdb-all", "pods"), ["a", "b"]);
    fx.apply("pod", pod("d", "shop", json!({})));
    fx.apply("pod", pod("b", "shop", json!({"app": "y"})));
    assert_eq!(fx.targets("pdb", "pdb-modern", "pods"), ["a", "b", "d"]);
    assert_eq!(fx.selecting("d"), ["pdb/all", "pdb/modern"]);
}

fn deployment(name: &str) -> Value {
    json!({"kind": "Deployment", "metadata": {"name": name, "namespace": "shop", "uid": format!("d-{name}"),
            "labels": {"app.kubernetes.io/name": name}, "generation": 1},
        "spec": {"replicas": 3, "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "app", "image": format!("r/{name}:1.0")}]}}},
        "status": {"replicas": 3, "readyReplicas": 3, "updatedReplicas": 3, "availableReplicas": 3, "observedGeneration": 1}})
}

fn owned_pod(name: &str, rs: &str, app: &str) -> Value {
    json!({"kind": "Pod", "metadata": {"name": name, "namespace": "shop", "uid": name,
            "labels": {"app": app},
            "ownerReferences": [{"uid": format!("rs-{rs}"), "controller": true}]},
        "spec": {"containers": [{"name": "app", "image": "r/x:1.0",
                "envFrom": [{"configMapRef": {"name": "cart-env"}}, {"secretRef": {"name": "cart-db"}}]}],
            "volumes": [{"name": "cfg", "configMap": {"name": "cart-config"}},
                {"name": "tls", "secret": {"secretName": "cart-tls"}},
                {"name": "data", "persistentVolumeClaim": {"claimName": "cart-data"}}]},
        "status": {"phase": "Running"}})
}

/// A cart Deployment with 3 pods behind a Service, an Ingress and an HTTPRoute in front, an
/// HPA and a PDB on it, ConfigMaps, Secrets and a claim it uses.
fn shop() -> Fx {
    let mut fx = Fx::new();
    fx.apply("namespace", ns("shop"));
    fx.apply("workload", deployment("cart"));
    fx.apply(
        "replicaset",
        json!({"kind": "ReplicaSet", "metadata": {"name": "cart-1", "namespace": "shop", "uid": "rs-cart-1",
            "ownerReferences": [{"uid": "d-cart", "controller": true}]}, "spec": {"replicas": 3}}),
    );
    for p in ["cart-a", "cart-b", "cart-c"] {
        fx.apply("pod", owned_pod(p, "cart-1", "cart"));
    }
    fx.apply(
        "kube-service",
        service("cart", "shop", json!({"app": "cart"})),
    );
    fx.apply(
        "ingress",
        json!({"kind": "Ingress", "metadata": {"name": "shop", "namespace": "shop", "uid": "ing-shop"},
            "spec": {"rules": [{"host": "shop.example.com", "http": {"paths": [
                {"path": "/cart", "backend": {"service": {"name": "cart", "port": {"number": 80}}}},
                {"path": "/search", "backend": {"service": {"name": "search", "port": {"number": 80}}}}]}}]}}),
    );
    fx.apply(
        "httproute",
        json!({"kind": "HTTPRoute", "metadata": {"name": "cart", "namespace": "shop", "uid": "route-cart"},
            "spec": {"hostnames": ["cart.example.com"], "rules": [{"backendRefs": [{"name": "cart", "port": 80}]}]}}),
    );
    fx.apply(
        "hpa",
        json!({"kind": "HorizontalPodAutoscaler", "metadata": {"name": "cart", "namespace": "shop", "uid": "hpa-cart"},
            "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "cart"}, "minReplicas": 2, "maxReplicas": 10},
            "status": {"currentReplicas": 3, "desiredReplicas": 3}}),
    );
    fx.apply(
        "pdb",
        pdb("cart", "shop", json!({"matchLabels": {"app": "cart"}})),
    );
    for (bp, kind, name) in [
        ("configmap", "ConfigMap", "cart-config"),
        ("configmap", "ConfigMap", "cart-env"),
        ("secret", "Secret", "cart-db"),
        ("secret", "Secret", "cart-tls"),
        ("pvc", "PersistentVolumeClaim", "cart-data"),
    ] {
        fx.apply(
            bp,
            json!({"kind": kind, "metadata": {"name": name, "namespace": "shop", "uid": format!("{bp}-{name}")}}),
        );
    }
    fx
}

#[test]
fn a_running_service_says_how_it_is_reached_what_acts_on_it_and_what_it_uses() {
    let fx = shop();
    let rs = fx
        .cat
        .running_service("cart", "prod")
        .expect("cart in prod");
    let c = fx.cat.connections(&rs);
    assert_eq!(
        kubeatlas::tui::relations::lines(&c),
        [
            "reachable at HTTPRoute cart.example.com → Service cart:80 → 3 pods",
            "reachable at Ingress shop.example.com → Service cart:80 → 3 pods",
            "HorizontalPodAutoscaler cart 2–10 (now 3)",
            "PodDisruptionBudget cart minAvailable 2 allowed 1",
            "uses ConfigMap cart-config, ConfigMap cart-env, PersistentVolumeClaim cart-data, Secret cart-db, Secret cart-tls",
        ]
    );
    // Pods name what they mount or take env from; each of those finds its pods back.
    assert_eq!(fx.targets("pod", "cart-a", "configMaps"), ["cart-config"]);
    let cm = fx.entity("configmap", "configmap-cart-env");
    let pods = fx.cat.referrers(&cm, fx.bp("pod"));
    assert_eq!(pods.len(), 3);
    // The Ingress names two Services; only the one that exists resolves.
    assert_eq!(fx.targets("ingress", "ing-shop", "services"), ["cart"]);
    assert_eq!(fx.targets("hpa", "hpa-cart", "workload"), ["cart"]);
}

#[test]
fn get_running_services_json_carries_the_connections() {
    let fx = shop();
    let bp = fx.set.resolve("running-services").expect("blueprint");
    let out = kubeatlas::cli::output::render(&fx.cat, bp, kubeatlas::cli::args::Format::Json)
        .expect("renders");
    let v: Value = serde_json::from_str(&out).expect("json");
    let cart = v
        .as_array()
        .and_then(|a| a.iter().find(|r| r["service"] == "cart"))
        .expect("cart row");
    let c = &cart["connections"];
    let chains: Vec<Vec<&str>> = c["reachable"]
        .as_array()
        .expect("reachable")
        .iter()
        .map(|ch| {
            ch["via"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|n| n["kind"].as_str())
                .collect()
        })
        .collect();
    assert_eq!(chains, [["HTTPRoute", "Service"], ["Ingress", "Service"]]);
    assert_eq!(c["reachable"][1]["pods"], 3);
    assert_eq!(c["reachable"][1]["via"][0]["summary"], "shop.example.com");
    assert_eq!(c["reachable"][1]["via"][1]["text"], "Service cart:80");
    let governed: Vec<&str> = c["governed"]
        .as_array()
        .expect("governed")
        .iter()
        .filter_map(|n| n["summary"].as_str())
        .collect();
    assert_eq!(governed, ["2–10 (now 3)", "minAvailable 2 allowed 1"]);
    assert_eq!(c["uses"].as_array().map(Vec::len), Some(5));
    assert_eq!(c["uses"][0]["namespace"], "shop");
}

fn user_error(yaml: &str) -> String {
    BlueprintSet::with_user_sources(vec![("mine/x.yaml".into(), yaml.into())])
        .map(|_| String::new())
        .unwrap_or_else(|e| e.to_string())
}

#[test]
fn selector_relations_and_metadata_only_sources_are_checked_at_load_with_their_line() {
    let no_path = "\
identifier: budget
title: Budget
sources:
  - { group: example.com, version: v1, kind: Budget }
relations:
  - { id: pods, to: pod, via: selector }
";
    assert_eq!(
        user_error(no_path),
        "mine/x.yaml:6:31: relation \"pods\": via: selector needs a path to the label selector (e.g. path: .spec.selector)"
    );
    let bad_path = no_path.replace(
        "via: selector }",
        "via: selector, path: '.spec.selector[' }",
    );
    assert!(
        user_error(&bad_path)
            .starts_with("mine/x.yaml:6:47: relation \"pods\": bad path expression"),
        "{}",
        user_error(&bad_path)
    );
    let derived = no_path.replace(
        "to: pod, via: selector }",
        "to: environment, via: selector, path: .spec.selector }",
    );
    assert_eq!(
        user_error(&derived),
        "mine/x.yaml:6:21: relation \"pods\": via: selector matches the labels of objects read from the API, and blueprint \"environment\" has no sources"
    );
    let values = "\
identifier: vault
title: Vault
sources:
  - { group: example.com, version: v1, kind: Vault, metadataOnly: true }
properties:
  - { id: owner, path: '.metadata.labels.owner' }
  - { id: password, path: .data.password }
";
    assert_eq!(
        user_error(values),
        "mine/x.yaml:7:27: property \"password\": path \".data.password\" is outside .metadata, and a metadataOnly source is sent nothing else"
    );
}

/// The objects of `res` named `name` in `ns` of context `ctx`, created in the simulator.
fn create(env: &Env, ctx: &str, obj: Value) {
    env.sim
        .cluster(ctx)
        .expect("context")
        .create(obj)
        .unwrap_or_else(|e| panic!("create: {e:?}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_in_the_simulator_follows_its_pods_as_they_are_relabelled() {
    let mut env = start(SimFleet::demo(), &[]).await;
    create(
        &env,
        "prod",
        json!({"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "cart", "namespace": "shop"},
            "spec": {"selector": {"app.kubernetes.io/name": "cart"}, "ports": [{"port": 80}]}}),
    );
    // The Service and prod's pods synced (the fleet lists its kinds in no set order).
    let ok = env
        .pump_until(Duration::from_secs(20), |c| {
            all_ready(c, &["prod"])
                && c.blueprints()
                    .by_identifier("kube-service")
                    .and_then(|bp| c.entities(bp).find(|(_, r)| &*r.name == "cart"))
                    .is_some()
        })
        .await;
    assert!(ok, "the Service reached the catalog");
    let svc = env.entity("prod", "kube-service", "cart");
    let cart_pods: Vec<String> = {
        let c = &env.session.catalog;
        related_names(c, &svc, "pods")
    };
    assert_eq!(cart_pods.len(), 3, "{cart_pods:?}");
    let first = cart_pods[0].clone();
    env.sim
        .cluster("prod")
        .expect("prod")
        .update(SimResource::Pods, Some("shop"), &first, |v| {
            v["metadata"]["labels"]["app.kubernetes.io/name"] = json!("detached");
        })
        .expect("relabelled");
    let svc2 = svc.clone();
    let ok = env
        .pump_until(Duration::from_secs(20), move |c| {
            related_names(c, &svc2, "pods").len() == 2
        })
        .await;
    assert!(ok, "the relabelled pod left the Service");
    assert!(!related_names(&env.session.catalog, &svc, "pods").contains(&first));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_are_listed_and_watched_as_metadata_only() {
    let mut env = start(SimFleet::demo(), &[]).await;
    let cluster = env.sim.cluster("dev").expect("dev").clone();
    create(
        &env,
        "dev",
        json!({"apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": "cart-db", "namespace": "shop", "labels": {"app.kubernetes.io/managed-by": "helm"}},
            "data": {"password": "aHVudGVyMg=="}}),
    );
    let ok = env
        .pump_until(Duration::from_secs(20), |c| {
            c.blueprints()
                .by_identifier("secret")
                .and_then(|bp| c.entities(bp).find(|(_, r)| &*r.name == "cart-db"))
                .is_some()
        })
        .await;
    assert!(ok, "the Secret reached the catalog");
    // The watch follows the list (poll the journal a little while for it).
    let mut secret_requests = vec![];
    for _ in 0..50 {
        secret_requests = cluster
            .journal()
            .into_iter()
            .filter(|j| j.path.ends_with("/secrets"))
            .collect();
        if secret_requests
            .iter()
            .any(|j| j.query_param("watch").as_deref() == Some("true"))
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        secret_requests
            .iter()
            .any(|j| j.query_param("watch").as_deref() == Some("true")),
        "a watch: {secret_requests:?}"
    );
    assert!(secret_requests.len() >= 2, "{secret_requests:?}");
    for j in &secret_requests {
        let accept = j.accept.as_str();
        assert!(
            accept.starts_with("application/json;as=PartialObjectMetadata")
                && accept.contains("g=meta.k8s.io;v=v1"),
            "every Secret request asks for metadata only: {} {}?{} Accept: {accept}",
            j.method,
            j.path,
            j.query
        );
    }
    // What the catalog keeps of it: metadata-derived properties only.
    let e = env.entity("dev", "secret", "cart-db");
    let c = &env.session.catalog;
    let r = c.get(&e).expect("secret");
    let bp = c.blueprint(e.bp);
    let managed = bp.prop_index("managedBy").and_then(|i| r.props.get(i));
    assert_eq!(managed.and_then(|v| v.as_str()), Some("helm"));
    assert!(!format!("{r:?}").contains("aHVudGVyMg"), "no value kept");
}

/// A user blueprint over the simulator's custom resource: a set-based selector relation,
/// matched as pods change.
const POOL: &str = "\
identifier: pool
title: Pool
sources:
  - { group: demo.kubeatlas.dev, version: v1, kind: Worker, plural: workers }
relations:
  - { id: namespace, to: namespace, via: namespace }
  - { id: pods, to: pod, via: selector, path: .spec.selector }
";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_set_based_selector_over_the_simulator_follows_pod_changes() {
    let mut env = start_with_blueprints(SimFleet::demo(), &[], &[("pool.yaml", POOL)]).await;
    create(
        &env,
        "staging",
        json!({"apiVersion": "demo.kubeatlas.dev/v1", "kind": "Worker",
            "metadata": {"name": "shop-frontends", "namespace": "shop"},
            "spec": {"replicas": 1, "selector": {"matchExpressions": [
                {"key": "app.kubernetes.io/name", "operator": "In", "values": ["cart", "frontend"]},
                {"key": "kubeatlas.dev/drain", "operator": "DoesNotExist"}]}}}),
    );
    let ok = env
        .pump_until(Duration::from_secs(20), |c| {
            c.blueprints()
                .by_identifier("pool")
                .and_then(|bp| c.entities(bp).next())
                .is_some()
        })
        .await;
    assert!(ok, "the pool reached the catalog");
    let pool = env.entity("staging", "pool", "shop-frontends");
    let sim = env.sim.cluster("staging").expect("staging").clone();
    let truth = |drained: &str| -> Vec<String> {
        let mut v: Vec<String> = sim
            .list(SimResource::Pods)
            .iter()
            .filter(|p| p["metadata"]["namespace"] == "shop")
            .filter(|p| {
                let name = &p["metadata"]["labels"]["app.kubernetes.io/name"];
                (name == "cart" || name == "frontend") && p["metadata"]["name"] != drained
            })
            .filter_map(|p| p["metadata"]["name"].as_str().map(str::to_string))
            .collect();
        v.sort();
        v
    };
    let want = truth("");
    assert!(!want.is_empty());
    let (p2, w2) = (pool.clone(), want.clone());
    assert!(
        env.pump_until(Duration::from_secs(10), move |c| related_names(
            c, &p2, "pods"
        ) == w2)
            .await,
        "selected: {:?}, want {want:?}",
        related_names(&env.session.catalog, &pool, "pods")
    );
    // DoesNotExist: a drained pod leaves.
    let drained = want[0].clone();
    sim.update(SimResource::Pods, Some("shop"), &drained, |v| {
        v["metadata"]["labels"]["kubeatlas.dev/drain"] = json!("true");
    })
    .expect("labelled");
    let want = truth(&drained);
    let (p2, w2) = (pool.clone(), want.clone());
    assert!(
        env.pump_until(Duration::from_secs(10), move |c| related_names(
            c, &p2, "pods"
        ) == w2)
            .await,
        "selected: {:?}, want {want:?}",
        related_names(&env.session.catalog, &pool, "pods")
    );
}

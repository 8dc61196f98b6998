//! Any resource from discovery on the real server: a CRD created mid-session becomes
//! resolvable (the discovery task follows CRDs and discovers again), its objects list with the
//! server's Table columns, it is scaled through its scale subresource by the one executor,
//! the followers stop when the layer closes; `kubeatlas get` prints the same columns and
//! cells as `kubectl get` for a CRD with printer columns.

use crate::envtest::{self, get, post};
use crate::support::*;
use kubeatlas::actions::audit::AuditLog;
use kubeatlas::actions::{Action, Executor, ObjectAddress, Target};
use kubeatlas::catalog::ClusterId;
use kubeatlas::config::UserConfig;
use kubeatlas::fleet::ClientSet;
use kubeatlas::fleet::discovery::{Discovered, Source};
use kubeatlas::fleet::table::{self, Followed, Selectors};
use kubeatlas::tui::effects::Runner;
use kubeatlas::tui::msg::{Effect, Msg, Reply};
use serde_json::{Value, json};
use std::sync::Arc;
use tokio::sync::mpsc::{self, UnboundedReceiver};

const CTX: &str = "envtest-admin";

/// A CRD `{plural}.example.com` with printer columns and a scale subresource.
fn crd(plural: &str, kind: &str) -> Value {
    json!({
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": format!("{plural}.example.com")},
        "spec": {
            "group": "example.com", "scope": "Namespaced",
            "names": {"plural": plural, "singular": kind.to_lowercase(), "kind": kind,
                      "shortNames": [format!("{}x", &plural[..2])]},
            "versions": [{
                "name": "v1", "served": true, "storage": true,
                "schema": {"openAPIV3Schema": {"type": "object", "properties": {
                    "spec": {"type": "object", "properties": {
                        "replicas": {"type": "integer"}, "engine": {"type": "string"},
                        "size": {"type": "integer"}}},
                    "status": {"type": "object", "properties": {
                        "replicas": {"type": "integer"}}}}}},
                "subresources": {"status": {}, "scale": {
                    "specReplicasPath": ".spec.replicas", "statusReplicasPath": ".status.replicas"}},
                "additionalPrinterColumns": [
                    {"name": "Engine", "type": "string", "jsonPath": ".spec.engine"},
                    {"name": "Size", "type": "integer", "jsonPath": ".spec.size"},
                    {"name": "Replicas", "type": "integer", "jsonPath": ".spec.replicas", "priority": 1},
                    {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}
                ]
            }]
        }
    })
}

/// The next discovery answer that satisfies `ok`.
async fn discovered(
    rx: &mut UnboundedReceiver<Msg>,
    ok: impl Fn(&Discovered, bool) -> bool,
) -> (Arc<Discovered>, bool) {
    let deadline = tokio::time::Instant::now() + T;
    loop {
        let m = tokio::time::timeout_at(deadline, rx.recv())
            .await
            .expect("a discovery answer in time")
            .expect("open");
        if let Msg::EffectDone(Reply::Discovered {
            result, watching, ..
        }) = m
        {
            let d = result.expect("discovered");
            if ok(&d, watching) {
                return (d, watching);
            }
        }
    }
}

#[test]
fn a_crd_created_mid_session_becomes_openable_scalable_and_closing_it_leaves_no_watcher() {
    envtest::run(|cp| async move {
        let admin = cp.admin_client().await;
        let ns = "disco-gadgets";
        namespace(&admin, ns).await;
        let (tx, mut rx) = mpsc::unbounded_channel();
        let task = tokio::spawn(kubeatlas::tui::follow::discovery(
            admin.clone(),
            ClusterId(0),
            tx.clone(),
        ));
        let (first, watching) = discovered(&mut rx, |_, _| true).await;
        assert_eq!(
            first.source,
            Source::Aggregated("v2beta1"),
            "v1.28 serves v2beta1"
        );
        assert!(watching, "the admin may watch CRDs: discovery is followed");
        assert!(first.resolve("gadgets").is_none());

        post(
            &admin,
            "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
            crd("gadgets", "Gadget"),
        )
        .await
        .expect("CRD created");
        let (d, _) = discovered(&mut rx, |d, _| d.resolve("gadgets.example.com").is_some()).await;
        let res = d
            .resolve("gaX")
            .or_else(|| d.resolve("gax"))
            .expect("short name")
            .clone();
        assert_eq!(
            (res.kind.as_str(), res.plural.as_str()),
            ("Gadget", "gadgets")
        );
        assert!(res.scale && res.namespaced && res.listable());
        task.abort();

        let base = format!("/apis/example.com/v1/namespaces/{ns}/gadgets");
        post(
            &admin,
            &base,
            json!({"apiVersion": "example.com/v1", "kind": "Gadget",
                   "metadata": {"name": "g1"}, "spec": {"replicas": 1, "engine": "pg", "size": 3}}),
        )
        .await
        .expect("gadget");
        let t = table::list(&admin, &res, Some(ns), &Selectors::default())
            .await
            .expect("table");
        let names: Vec<&str> = t.columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, vec!["Name", "Engine", "Size", "Replicas", "Age"]);
        let row = t.rows.first().expect("row");
        assert_eq!(&row.cells[..3], &["g1", "pg", "3"]);

        // Scaled as every action: the one executor, its audit line.
        let dir = tempfile::tempdir().expect("tmp");
        let clients = ClientSet::new(1);
        clients.set(ClusterId(0), admin.clone());
        let ex = Executor::new(
            vec![CTX.to_string()],
            clients.clone(),
            false,
            UserConfig::default(),
            AuditLog::new(dir.path().join("audit.jsonl")),
        );
        let target = Target {
            object: ObjectAddress {
                cluster: ClusterId(0),
                context: CTX.into(),
                group: res.group.clone(),
                version: res.version.clone(),
                kind: res.kind.clone(),
                plural: res.plural.clone(),
                namespace: Some(ns.into()),
                name: "g1".into(),
                uid: row.uid.clone(),
            },
            rules: kubeatlas::tui::act::generic::rules(res.scale).into(),
            paused: false,
            history: None,
            lock: None,
            lock_override: false,
        };
        let out = ex.execute(&target, &Action::Scale { replicas: 4 }).await;
        assert!(out.ok, "{}", out.message);
        let scale = get(&admin, &format!("{base}/g1/scale"))
            .await
            .expect("scale");
        assert_eq!(scale["spec"]["replicas"], 4);
        let audit = std::fs::read_to_string(dir.path().join("audit.jsonl")).expect("audit");
        assert!(audit.contains("\"scale\""), "{audit}");

        // Followed while open (rows come), nothing once closed.
        let (rtx, mut rrx) = mpsc::unbounded_channel();
        let (ltx, _l) = mpsc::channel(1);
        let mut runner = Runner::new(clients, ex, rtx, ltx);
        runner.run(Effect::FollowResource {
            view: 1,
            targets: vec![Followed {
                cluster: ClusterId(0),
                context: CTX.into(),
                res: res.clone(),
                namespace: Some(ns.into()),
            }],
        });
        let m = tokio::time::timeout(T, rrx.recv())
            .await
            .expect("rows")
            .expect("open");
        assert!(
            matches!(&m, Msg::EffectDone(Reply::ResourceRows { change: table::Change::Reset(t), .. }) if t.rows.len() == 1),
            "{m:?}"
        );
        assert_eq!(runner.resource_followers(), 1);
        runner.run(Effect::StopResources);
        assert_eq!(runner.resource_followers(), 0);
        drop(runner);
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        while let Ok(m) = rrx.try_recv() {
            assert!(
                !matches!(
                    m,
                    Msg::EffectDone(Reply::ResourceRows {
                        change: table::Change::Upsert(..),
                        ..
                    })
                ),
                "{m:?}"
            );
        }
    });
}

/// Lines of `kubeatlas get` without its CONTEXT column (cut at the second column's start).
/// Two `get` tables whose last column is AGE: every line equal up to that column, and each
/// age (`8s`, `5m`, `3h`, `2d`) within `slack` seconds of the other's.
fn same_but_ages(a: &[String], b: &[String], slack: u64) -> bool {
    let secs = |t: &str| -> Option<u64> {
        let t = t.trim();
        let (n, unit) = t.split_at(t.find(|c: char| !c.is_ascii_digit())?);
        let n: u64 = n.parse().ok()?;
        Some(match unit {
            "s" => n,
            "m" => n * 60,
            "h" => n * 3600,
            "d" => n * 86_400,
            _ => return None,
        })
    };
    let col = |t: &[String]| t.first().and_then(|h| h.find("AGE"));
    let (Some(ca), Some(cb)) = (col(a), col(b)) else {
        return false;
    };
    a.len() == b.len()
        && a.iter().zip(b).skip(1).all(|(x, y)| {
            let (px, ax) = x.split_at(ca.min(x.len()));
            let (py, ay) = y.split_at(cb.min(y.len()));
            px.trim_end() == py.trim_end()
                && match (secs(ax), secs(ay)) {
                    (Some(p), Some(q)) => p.abs_diff(q) <= slack,
                    _ => false,
                }
        })
        && a[0].trim_end() == b[0].trim_end()
}

fn without_context(text: &str) -> Vec<String> {
    let mut lines = text.lines();
    let Some(head) = lines.next() else {
        return vec![];
    };
    let cut = head.find("NAME").unwrap_or(0);
    std::iter::once(head)
        .chain(lines)
        .map(|l| l.get(cut..).unwrap_or("").to_string())
        .collect()
}

#[test]
fn get_prints_the_same_columns_and_cells_as_kubectl_for_a_crd_with_printer_columns() {
    envtest::run(|cp| async move {
        let kubectl = std::path::Path::new("/usr/bin/kubectl");
        if !kubectl.exists() {
            eprintln!("skipped: /usr/bin/kubectl not found (needed for the kubectl parity check)");
            return;
        }
        let admin = cp.admin_client().await;
        let ns = "disco-databases";
        namespace(&admin, ns).await;
        match post(
            &admin,
            "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
            crd("databases", "Database"),
        )
        .await
        {
            Ok(_) => {}
            Err(e) if e.code == 409 => {}
            Err(e) => panic!("{e}"),
        }
        let base = format!("/apis/example.com/v1/namespaces/{ns}/databases");
        let deadline = tokio::time::Instant::now() + T;
        while get(&admin, &base).await.is_err() {
            assert!(
                tokio::time::Instant::now() < deadline,
                "databases not served"
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        for (name, spec) in [
            (
                "orders",
                json!({"engine": "postgres", "size": 20, "replicas": 2}),
            ),
            ("cache-with-a-long-name", json!({"size": 1})),
        ] {
            post(
                &admin,
                &base,
                json!({"apiVersion": "example.com/v1", "kind": "Database",
                       "metadata": {"name": name}, "spec": spec}),
            )
            .await
            .expect("database");
        }
        let kc = cp.kubeconfig();
        let run = move |kc: std::path::PathBuf| {
            let ours = std::process::Command::new(env!("CARGO_BIN_EXE_kubeatlas"))
                .arg("--kubeconfig")
                .arg(&kc)
                .args(["--context", CTX, "get", "databases", "-n", ns])
                .env("HOME", "/nonexistent-home")
                .output()
                .expect("kubeatlas runs");
            let theirs = std::process::Command::new(kubectl)
                .arg("--kubeconfig")
                .arg(&kc)
                .args(["--context", CTX, "get", "databases", "-n", ns])
                .output()
                .expect("kubectl runs");
            (ours, theirs)
        };
        // Ages tick: equal within a few tries; on a loaded machine the two commands may run
        // seconds apart, so the last try compares every cell but AGE exactly and the ages
        // within the seconds the round took.
        let mut last = (vec![], vec![]);
        for round in 0..3 {
            let kc = kc.clone();
            let t0 = std::time::Instant::now();
            let (a, b) = tokio::task::spawn_blocking(move || run(kc))
                .await
                .expect("ran");
            let took = t0.elapsed().as_secs() + 1;
            assert!(a.status.success(), "{}", String::from_utf8_lossy(&a.stderr));
            assert!(b.status.success(), "{}", String::from_utf8_lossy(&b.stderr));
            let a = String::from_utf8_lossy(&a.stdout).to_string();
            let b = String::from_utf8_lossy(&b.stdout).to_string();
            assert!(a.starts_with("CONTEXT"), "{a}");
            let mine = without_context(&a);
            let kubectl: Vec<String> = b.lines().map(str::to_string).collect();
            // The database without an engine: an empty cell, as kubectl prints it.
            assert!(b.contains("cache-with-a-long-name   "), "{b}");
            if mine == kubectl {
                return;
            }
            if round == 2 && same_but_ages(&mine, &kubectl, took) {
                return;
            }
            last = (mine, kubectl);
        }
        panic!("kubeatlas:\n{:#?}\nkubectl:\n{:#?}", last.0, last.1);
    });
}

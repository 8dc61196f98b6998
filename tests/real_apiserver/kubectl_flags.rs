//! `-n`/`-l`/`--field-selector` against the real apiserver: the fleet reads through the
//! namespaced path with the selectors as query parameters, so the SERVER filters — the
//! catalog must hold exactly what `kubectl get` (v1.32, /usr/bin/kubectl when present) lists
//! with the same flags on the same objects, and a selector the server cannot parse is refused
//! with the server's words without holding up the cluster.

use crate::envtest;
use crate::support::*;
use kubeatlas::catalog::{Catalog, SourceStatus};
use kubeatlas::cli::scope::{ScopeArgs, Unflagged};
use kubeatlas::cli::session::{self, Session};
use kubeatlas::config::{Paths, UserConfig};
use std::path::Path;

const CTX: &str = "envtest-admin";

async fn open_scoped(kubeconfig: &Path, home: &Path, flags: ScopeArgs) -> Session {
    session::open_scoped(
        session::Target::Files(vec![kubeconfig.to_path_buf()]),
        &[CTX.to_string()],
        UserConfig::default(),
        &Paths::under(home.to_path_buf()),
        true,
        |b, k, n| flags.resolve(Unflagged::AllNamespaces, None, b, k, n),
    )
    .await
    .expect("session opens")
}

/// (namespace, name) of every pod in the catalog.
fn pods(c: &Catalog) -> Vec<(String, String)> {
    let (Some(cluster), Some(bp)) = (c.cluster_by_name(CTX), c.blueprints().by_identifier("pod"))
    else {
        return vec![];
    };
    let mut v: Vec<(String, String)> = c
        .entities_in(cluster, bp)
        .map(|r| {
            (
                r.namespace.as_deref().unwrap_or_default().to_string(),
                r.name.to_string(),
            )
        })
        .collect();
    v.sort();
    v
}

/// `kubectl get pods ARGS -o name` on the same server: pod names, or None without kubectl.
fn kubectl_pods(kubeconfig: &Path, args: &[&str]) -> Option<Vec<String>> {
    let kubectl = Path::new("/usr/bin/kubectl");
    if !kubectl.exists() {
        eprintln!("kubectl parity skipped: /usr/bin/kubectl not present");
        return None;
    }
    let o = std::process::Command::new(kubectl)
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .args(["--context", CTX, "get", "pods", "-o", "name"])
        .args(args)
        .output()
        .expect("kubectl runs");
    assert!(
        o.status.success(),
        "kubectl: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let mut v: Vec<String> = String::from_utf8_lossy(&o.stdout)
        .lines()
        .filter_map(|l| l.strip_prefix("pod/").map(str::to_string))
        .collect();
    v.sort();
    Some(v)
}

#[test]
fn the_real_apiserver_filters_by_namespace_label_and_field_as_kubectl_sees_it() {
    envtest::run(|cp| async move {
        let admin = cp.admin_client().await;
        for ns in ["flags-a", "flags-b"] {
            namespace(&admin, ns).await;
        }
        create_deployment(&admin, "flags-a", deployment("web", 2, "nginx:1.25")).await;
        create_deployment(&admin, "flags-a", deployment("db", 1, "postgres:16")).await;
        create_deployment(&admin, "flags-b", deployment("web", 1, "nginx:1.25")).await;
        let dir = tempfile::tempdir().expect("tmp");
        let kc = cp.kubeconfig();

        // -n flags-a -l app=web: the two web pods of flags-a only (the controller-manager
        // makes them; wait until the server has them all).
        let flags = ScopeArgs {
            namespace: Some("flags-a".into()),
            selector: Some("app=web".into()),
            ..ScopeArgs::default()
        };
        let mut s = open_scoped(&kc, &dir.path().join("h1"), flags).await;
        assert!(
            pump_until(&mut s, T, |c| is_ready(c, CTX) && pods(c).len() == 2).await,
            "two web pods in flags-a: {:?}",
            pods(&s.catalog)
        );
        let got = pods(&s.catalog);
        assert!(
            got.iter()
                .all(|(ns, n)| ns == "flags-a" && n.starts_with("web-")),
            "{got:?}"
        );
        let names: Vec<String> = got.iter().map(|(_, n)| n.clone()).collect();
        if let Some(k) = kubectl_pods(&kc, &["-n", "flags-a", "-l", "app=web"]) {
            assert_eq!(names, k, "same pods as kubectl get -n flags-a -l app=web");
        }
        // Workloads with the label, namespaces narrowed by name.
        let wl = in_namespace(&s.catalog, CTX, "workload", "flags-a");
        assert_eq!(wl.len(), 1, "only Deployment web");
        assert!(find(&s.catalog, CTX, "namespace", "", "flags-a").is_some());
        assert!(find(&s.catalog, CTX, "namespace", "", "flags-b").is_none());
        s.fleet.shutdown().await;

        // --field-selector metadata.name=<one of them>, every namespace.
        let one = names[0].clone();
        let flags = ScopeArgs {
            field_selector: Some(format!("metadata.name={one}")),
            ..ScopeArgs::default()
        };
        let mut s = open_scoped(&kc, &dir.path().join("h2"), flags).await;
        assert!(pump_until(&mut s, T, |c| is_ready(c, CTX)).await);
        assert_eq!(pods(&s.catalog), vec![("flags-a".to_string(), one.clone())]);
        if let Some(k) = kubectl_pods(
            &kc,
            &["-A", "--field-selector", &format!("metadata.name={one}")],
        ) {
            assert_eq!(k, vec![one.clone()]);
        }
        // Every workload of both namespaces is still there (the field selector is the pods').
        assert_eq!(
            in_namespace(&s.catalog, CTX, "workload", "flags-b").len(),
            1
        );
        s.fleet.shutdown().await;

        // A selector the server cannot parse: refused in its words; the cluster is ready.
        let flags = ScopeArgs {
            selector: Some("app in (".into()),
            ..ScopeArgs::default()
        };
        let mut s = open_scoped(&kc, &dir.path().join("h3"), flags).await;
        assert!(
            pump_until(&mut s, T, |c| is_ready(c, CTX)).await,
            "not held up"
        );
        let refused = s.refused();
        assert!(
            refused.iter().any(|(ctx, _, m)| ctx == CTX
                && m.contains("400")
                && m.contains("unable to parse requirement")),
            "{refused:?}"
        );
        let c = &s.catalog;
        let info = c
            .cluster(c.cluster_by_name(CTX).expect("ctx"))
            .expect("info");
        assert!(
            info.sources
                .iter()
                .any(|(_, _, st)| matches!(st, SourceStatus::Refused(_)))
        );
        s.fleet.shutdown().await;
    });
}

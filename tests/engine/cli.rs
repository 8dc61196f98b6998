//! The binary's one-shot commands: `get` on the demo fleet in every format, and clear errors
//! (naming file, line, context) for bad kubeconfigs and blueprints.

use serde_json::Value;
use std::path::Path;
use std::process::Output;

pub fn kubeatlas(home: &Path, args: &[&str]) -> Output {
    crate::support::binary(home)
        .args(args)
        .output()
        .expect("binary runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn demo_get_running_services_in_every_format() {
    let home = tempfile::tempdir().expect("tmp");
    let o = kubeatlas(
        home.path(),
        &["--demo", "get", "running-services", "-o", "json"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let v: Value = serde_json::from_slice(&o.stdout).expect("json");
    let rows = v.as_array().expect("array");
    let envs: std::collections::BTreeSet<&str> = rows
        .iter()
        .filter_map(|r| r["environment"].as_str())
        .collect();
    assert_eq!(
        envs.into_iter().collect::<Vec<_>>(),
        vec!["dev", "prod", "staging"]
    );
    for r in rows {
        assert!(
            r["versions"].as_array().is_some_and(|v| !v.is_empty()),
            "{r}"
        );
        assert!(r["ready"].is_i64() && r["desired"].is_i64(), "{r}");
    }

    let o = kubeatlas(home.path(), &["--demo", "get", "rs", "-o", "yaml"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let y: serde_yaml::Value = serde_yaml::from_slice(&o.stdout).expect("yaml");
    assert_eq!(y.as_sequence().map(|s| s.len()), Some(rows.len()));

    let o = kubeatlas(home.path(), &["--demo", "get", "running-services"]);
    let table = String::from_utf8_lossy(&o.stdout);
    assert!(table.starts_with("SERVICE"), "{table}");
    assert!(
        table.contains("checkout-api") && table.contains("1.4.2"),
        "{table}"
    );
}

#[test]
fn demo_get_pods_json_relates_pods_to_workload_namespace_and_cluster() {
    let home = tempfile::tempdir().expect("tmp");
    let o = kubeatlas(home.path(), &["--demo", "get", "pods", "-o", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: Value = serde_json::from_slice(&o.stdout).expect("json");
    let pods = v.as_array().expect("array");
    assert!(pods.len() > 30);
    let p = pods
        .iter()
        .find(|p| {
            p["name"]
                .as_str()
                .is_some_and(|n| n.starts_with("checkout-api-"))
        })
        .expect("a checkout-api pod");
    assert_eq!(p["relations"]["workload"]["kind"], "Deployment");
    assert_eq!(p["relations"]["workload"]["name"], "checkout-api");
    assert_eq!(p["relations"]["namespace"]["name"], p["namespace"]);
    assert_eq!(p["relations"]["cluster"]["name"], p["cluster"]);
    assert!(p["relations"]["node"]["name"].as_str().is_some());
}

#[test]
fn malformed_kubeconfig_names_the_file_and_line() {
    let home = tempfile::tempdir().expect("tmp");
    let bad = home.path().join("bad-kubeconfig");
    std::fs::write(&bad, "apiVersion: v1\nclusters:\n- name: a\n  cluster: [\n").expect("write");
    let o = kubeatlas(
        home.path(),
        &["--kubeconfig", bad.to_str().expect("utf8"), "get", "pods"],
    );
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(e.contains("bad-kubeconfig") && e.contains("line"), "{e}");
    assert!(o.stdout.is_empty());
}

#[test]
fn unknown_context_and_missing_cert_file_are_named() {
    let home = tempfile::tempdir().expect("tmp");
    let kc = home.path().join("kubeconfig");
    std::fs::write(
        &kc,
        "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: 'https://127.0.0.1:1'}\nusers:\n- name: u\n  user: {client-certificate: /nonexistent/cert.pem, client-key: /nonexistent/key.pem}\ncontexts:\n- name: prod\n  context: {cluster: c, user: u}\ncurrent-context: prod\n",
    )
    .expect("write");
    let kcs = kc.to_str().expect("utf8");
    let o = kubeatlas(
        home.path(),
        &["--kubeconfig", kcs, "--context", "nope", "get", "pods"],
    );
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(e.contains("\"nope\"") && e.contains("prod"), "{e}");

    let o = kubeatlas(
        home.path(),
        &["--kubeconfig", kcs, "get", "pods", "--timeout", "5"],
    );
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert!(e.contains("\"prod\"") && e.contains("cert.pem"), "{e}");
}

#[test]
fn no_kubeconfig_at_all_says_so() {
    let home = tempfile::tempdir().expect("tmp");
    let o = kubeatlas(home.path(), &["get", "pods"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no kubeconfig found"), "{}", stderr(&o));
}

#[test]
fn malformed_blueprint_names_file_line_and_field() {
    let home = tempfile::tempdir().expect("tmp");
    let dir = home.path().join("bp");
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::write(
        dir.join("ingress.yaml"),
        "identifier: ingress\ntitle: Ingress\nsources:\n  - { group: networking.k8s.io, version: v1, kind: Ingress }\nproperties:\n  - { id: host, path: '.spec.rules[0.host' }\n",
    )
    .expect("write");
    let o = kubeatlas(
        home.path(),
        &["blueprints", "check", dir.to_str().expect("utf8")],
    );
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert!(e.contains("ingress.yaml:6"), "{e}");
    assert!(e.contains("host"), "{e}");

    std::fs::write(
        dir.join("ingress.yaml"),
        "identifier: ingress\ntitle: Ingress\nsourcse: []\n",
    )
    .expect("write");
    let o = kubeatlas(
        home.path(),
        &["blueprints", "check", dir.to_str().expect("utf8")],
    );
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert!(e.contains("ingress.yaml:3") && e.contains("sourcse"), "{e}");

    std::fs::write(
        dir.join("ingress.yaml"),
        "identifier: ingress\ntitle: Ingress\nsources:\n  - { group: networking.k8s.io, version: v1, kind: Ingress }\nproperties:\n  - { id: host, path: '.spec.rules[0].host' }\n",
    )
    .expect("write");
    let o = kubeatlas(
        home.path(),
        &["blueprints", "check", dir.to_str().expect("utf8")],
    );
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn a_relative_cert_path_from_kubeconfig_resolves_against_that_file_and_is_named_when_missing() {
    let home = tempfile::tempdir().expect("tmp");
    let kube = home.path().join("clusters/eu");
    std::fs::create_dir_all(kube.join("certs")).expect("dir");
    std::fs::write(kube.join("certs/user.key"), "key").expect("write");
    let kc = kube.join("config");
    std::fs::write(
        &kc,
        "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: 'https://127.0.0.1:1'}\nusers:\n- name: u\n  user: {client-certificate: certs/user.crt, client-key: certs/user.key}\ncontexts:\n- name: eu\n  context: {cluster: c, user: u}\n",
    )
    .expect("write");
    let missing = home.path().join("nowhere/config");
    let list = std::env::join_paths([&missing, &kc]).expect("join");
    let o = crate::support::binary(home.path())
        .args(["get", "pods", "--timeout", "5"])
        .env("KUBECONFIG", list)
        .output()
        .expect("binary runs");
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let e = stderr(&o);
    let cert = kube.join("certs/user.crt");
    assert!(e.contains("\"eu\""), "{e}");
    assert!(e.contains("client-certificate"), "{e}");
    assert!(e.contains(&cert.display().to_string()), "{e}");
    assert!(e.contains(&format!("set in {}", kc.display())), "{e}");
}

#[test]
fn a_bad_user_config_file_is_named_once_with_its_line() {
    let home = tempfile::tempdir().expect("tmp");
    let dir = home.path().join("config/kubeatlas");
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::write(dir.join("config.yaml"), "protected: []\nreadnoly: true\n").expect("write");
    let o = kubeatlas(home.path(), &["--demo", "get", "pods"]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(
        e.contains("config.yaml") && e.contains("readnoly") && e.contains("line 2"),
        "{e}"
    );
    assert_eq!(e.matches("readnoly").count(), 1, "said once: {e}");
}

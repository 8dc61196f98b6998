//! Kubeconfig auth forms against the real apiserver: client certificates by absolute path, by
//! relative path (against the file that names them, in merged files from different folders)
//! and as data; a static token; a token file; an exec credential plugin; a duplicate context
//! in a merged KUBECONFIG (the first file wins); dead contexts named without delaying the
//! others; and the `viewer` user under real RBAC.

use crate::envtest::{self, ControlPlane, get};
use crate::support::*;
use kubeatlas::actions::Action;
use kubeatlas::catalog::ClusterStatus;
use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

fn write(path: &Path, text: &str) {
    if let Some(d) = path.parent() {
        std::fs::create_dir_all(d).expect("mkdir");
    }
    std::fs::write(path, text).expect("write");
}

/// An exec credential plugin printing `token`.
fn plugin(path: &Path, token: &str) {
    write(
        path,
        &format!(
            "#!/bin/sh\nprintf '{{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":{{\"token\":\"%s\"}}}}' '{token}'\n"
        ),
    );
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

fn copy(cp: &ControlPlane, name: &str, to: &Path) {
    std::fs::create_dir_all(to.parent().expect("parent")).expect("mkdir");
    std::fs::copy(cp.pki(name), to).expect("copy");
}

fn b64(path: &Path) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(std::fs::read(path).expect("read"))
}

/// A port that accepts connections and never answers (a hung server), until dropped.
struct BlackHole {
    port: u16,
    stop: Arc<AtomicBool>,
}

impl BlackHole {
    fn start() -> BlackHole {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind");
        l.set_nonblocking(true).expect("nonblocking");
        let port = l.local_addr().expect("addr").port();
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        std::thread::spawn(move || {
            let mut held = vec![];
            while !flag.load(Ordering::Relaxed) {
                if let Ok((c, _)) = l.accept() {
                    held.push(c);
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        });
        BlackHole { port, stop }
    }
}

impl Drop for BlackHole {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

fn statuses(s: &kubeatlas::cli::session::Session) -> String {
    s.catalog
        .clusters()
        .iter()
        .map(|c| format!("{}: {:?}", c.name, c.status))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn every_auth_form_connects_and_dead_contexts_are_named_without_delaying_the_others() {
    envtest::run(|cp| async move {
        let dir = tempfile::tempdir().expect("tmp");
        let d = dir.path();
        let abs = |n: &str| cp.pki(n).display().to_string();
        write(&d.join("secrets/admin-token"), &cp.admin_token);
        plugin(&d.join("bin/credential-plugin"), &cp.admin_token);
        let hole = BlackHole::start();
        let closed = envtest::free_port();
        let a = d.join("a/kubeconfig");
        write(
            &a,
            &format!(
                "apiVersion: v1
kind: Config
clusters:
- name: by-path
  cluster: {{server: '{server}', certificate-authority: '{ca}'}}
- name: by-data
  cluster: {{server: '{server}', certificate-authority-data: '{ca_data}'}}
- name: closed
  cluster: {{server: 'https://127.0.0.1:{closed}', certificate-authority: '{ca}'}}
- name: hung
  cluster: {{server: 'https://127.0.0.1:{hung}', certificate-authority: '{ca}'}}
users:
- name: cert-abs
  user: {{client-certificate: '{crt}', client-key: '{key}'}}
- name: cert-data
  user: {{client-certificate-data: '{crt_data}', client-key-data: '{key_data}'}}
- name: token
  user: {{token: '{token}'}}
- name: token-file
  user: {{tokenFile: '{token_file}'}}
- name: exec
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: '{plugin}'
      interactiveMode: Never
contexts:
- {{name: cert-abs, context: {{cluster: by-path, user: cert-abs}}}}
- {{name: cert-data, context: {{cluster: by-data, user: cert-data}}}}
- {{name: token, context: {{cluster: by-data, user: token}}}}
- {{name: token-file, context: {{cluster: by-path, user: token-file}}}}
- {{name: exec, context: {{cluster: by-path, user: exec}}}}
- {{name: dup, context: {{cluster: by-data, user: token}}}}
- {{name: dead, context: {{cluster: closed, user: token}}}}
- {{name: hung, context: {{cluster: hung, user: token}}}}
current-context: cert-abs
",
                server = cp.server,
                ca = abs("ca.crt"),
                ca_data = b64(&cp.pki("ca.crt")),
                hung = hole.port,
                crt = abs("admin.crt"),
                key = abs("admin.key"),
                crt_data = b64(&cp.pki("admin.crt")),
                key_data = b64(&cp.pki("admin.key")),
                token = cp.admin_token,
                token_file = d.join("secrets/admin-token").display(),
                plugin = d.join("bin/credential-plugin").display(),
            ),
        );
        // A second file in another folder defines `dup` again, differently (a wrong token on a
        // dead server): the first file's definition wins, as with kubectl.
        let b = d.join("elsewhere/b/kubeconfig");
        write(
            &b,
            &format!(
                "apiVersion: v1
kind: Config
clusters:
- name: b-cluster
  cluster: {{server: 'https://127.0.0.1:{closed}', insecure-skip-tls-verify: true}}
users:
- name: b-user
  user: {{token: not-a-valid-token}}
contexts:
- {{name: dup, context: {{cluster: b-cluster, user: b-user}}}}
- {{name: from-b, context: {{cluster: by-data, user: token}}}}
"
            ),
        );
        let t0 = Instant::now();
        let mut s = open(vec![a, b], &[], &d.join("home")).await;
        let good = [
            "cert-abs",
            "cert-data",
            "token",
            "token-file",
            "exec",
            "dup",
            "from-b",
        ];
        let all_good = pump_until(&mut s, T, |c| good.iter().all(|g| is_ready(c, g))).await;
        let took = t0.elapsed();
        assert!(all_good, "every auth form syncs:\n{}", statuses(&s));
        assert!(
            !is_ready(&s.catalog, "hung"),
            "the hung server is not ready:\n{}",
            statuses(&s)
        );
        assert!(
            took < Duration::from_secs(15),
            "the hung and the dead context delayed the others: {took:?}"
        );
        // The dead one is reported, by its own name, with why.
        assert!(
            pump_until(&mut s, T, |c| matches!(
                status(c, "dead"),
                ClusterStatus::Unreachable(_)
            ))
            .await,
            "dead is unreachable:\n{}",
            statuses(&s)
        );
        let dead = s.catalog.cluster_by_name("dead").expect("dead");
        let info = s.catalog.cluster(dead).expect("info");
        assert_eq!(info.server, format!("https://127.0.0.1:{closed}"));
        let msg = info.status.message().unwrap_or_default().to_lowercase();
        assert!(
            msg.contains("refused") || msg.contains("connect"),
            "the reason is given: {msg}"
        );
        // First file wins for `dup`: its server is the real one.
        let dup = s.catalog.cluster_by_name("dup").expect("dup");
        assert_eq!(s.catalog.cluster(dup).expect("info").server, cp.server);
        assert_eq!(
            s.catalog
                .clusters()
                .iter()
                .filter(|c| c.name == "dup")
                .count(),
            1
        );
        // And what is synced is the server's truth, record for record.
        let admin = cp.admin_client().await;
        namespace(&admin, "auth-forms").await;
        create_deployment(&admin, "auth-forms", deployment("api", 2, "nginx:1.25")).await;
        assert!(
            pump_until(&mut s, T, |c| in_namespace(c, "exec", "pod", "auth-forms")
                .len()
                == 2)
            .await,
            "the pods made by the controller-manager reach the catalog"
        );
        for ctx in ["cert-abs", "cert-data", "token-file", "exec"] {
            converge(&mut s, ctx, &admin, Some("auth-forms"), T).await;
        }
        s.fleet.shutdown().await;
    });
}

#[test]
fn relative_paths_resolve_against_the_kubeconfig_file_that_names_them() {
    envtest::run(|cp| async move {
        let dir = tempfile::tempdir().expect("tmp");
        let d = dir.path();
        // File 1: certificate paths relative to its own folder.
        let one = d.join("team-a/kubeconfig");
        copy(cp, "ca.crt", &d.join("team-a/certs/ca.crt"));
        copy(cp, "admin.crt", &d.join("team-a/certs/user.crt"));
        copy(cp, "admin.key", &d.join("team-a/certs/user.key"));
        write(
            &one,
            &format!(
                "apiVersion: v1
kind: Config
clusters:
- name: real
  cluster: {{server: '{server}', certificate-authority: certs/ca.crt}}
users:
- name: rel-cert
  user: {{client-certificate: certs/user.crt, client-key: certs/user.key}}
contexts:
- {{name: rel-cert, context: {{cluster: real, user: rel-cert}}}}
",
                server = cp.server
            ),
        );
        // File 2, in another folder: a CA up one level, a token file, and an exec plugin
        // named by a relative path with a `/`.
        let two = d.join("team-b/conf/kubeconfig");
        copy(cp, "ca.crt", &d.join("team-b/ca/ca.crt"));
        write(
            &d.join("team-b/conf/secrets/token"),
            &format!("{}\n", cp.admin_token),
        );
        plugin(&d.join("team-b/conf/bin/login"), &cp.admin_token);
        write(
            &two,
            &format!(
                "apiVersion: v1
kind: Config
clusters:
- name: real-b
  cluster: {{server: '{server}', certificate-authority: ../ca/ca.crt}}
users:
- name: rel-token-file
  user: {{tokenFile: secrets/token}}
- name: rel-exec
  user:
    exec: {{apiVersion: client.authentication.k8s.io/v1, command: ./bin/login, interactiveMode: Never}}
contexts:
- {{name: rel-token-file, context: {{cluster: real-b, user: rel-token-file}}}}
- {{name: rel-exec, context: {{cluster: real-b, user: rel-exec}}}}
",
                server = cp.server
            ),
        );
        let mut s = open(vec![one, two], &[], &d.join("home")).await;
        let names = ["rel-cert", "rel-token-file", "rel-exec"];
        assert!(
            pump_until(&mut s, T, |c| names.iter().all(|n| is_ready(c, n))).await,
            "relative paths resolve as kubectl resolves them:\n{}",
            statuses(&s)
        );
        s.fleet.shutdown().await;
    });
}

#[test]
fn the_viewer_sees_forbidden_kinds_marked_the_rest_synced_and_cannot_restart() {
    envtest::run(|cp| async move {
        let admin = cp.admin_client().await;
        namespace(&admin, "viewer-shop").await;
        create_deployment(&admin, "viewer-shop", deployment("cart", 1, "nginx:1.25")).await;
        let dir = tempfile::tempdir().expect("tmp");
        let mut s = open(
            vec![cp.kubeconfig()],
            &["envtest-viewer"],
            &dir.path().join("home"),
        )
        .await;
        assert!(
            pump_until(&mut s, T, |c| is_ready(c, "envtest-viewer")
                && find(c, "envtest-viewer", "workload", "viewer-shop", "cart")
                    .is_some())
            .await,
            "the viewer's context syncs what it may list: {:?}",
            status(&s.catalog, "envtest-viewer")
        );
        let forbidden = s.forbidden();
        let kinds: Vec<&str> = forbidden.iter().map(|(_, k, _)| k.as_str()).collect();
        // What Kubernetes' own `view` role leaves out: nodes (cluster-scoped) and Secrets.
        assert_eq!(
            kinds,
            ["Node", "Secret"],
            "only nodes and secrets are forbidden: {forbidden:?}"
        );
        assert!(
            forbidden[0].2.contains("forbidden") || forbidden[0].2.contains("403"),
            "{}",
            forbidden[0].2
        );
        let viewer = cp.client("envtest-viewer").await;
        converge(&mut s, "envtest-viewer", &viewer, Some("viewer-shop"), T).await;

        // A restart as the viewer is refused by RBAC and changes nothing.
        let e = find(
            &s.catalog,
            "envtest-viewer",
            "workload",
            "viewer-shop",
            "cart",
        )
        .expect("cart");
        let path = "/apis/apps/v1/namespaces/viewer-shop/deployments/cart";
        let before = get(&admin, path).await.expect("cart");
        let out = executor(&s, dir.path())
            .execute(&target(&s, &e), &Action::Restart)
            .await;
        assert!(!out.ok, "{}", out.message);
        assert!(
            out.message.contains("forbidden") && out.message.contains("nothing was changed"),
            "{}",
            out.message
        );
        let after = get(&admin, path).await.expect("cart");
        assert_eq!(
            before["metadata"]["generation"],
            after["metadata"]["generation"]
        );
        s.fleet.shutdown().await;
    });
}

/// kubectl (client-go) trims whitespace around a token file's content, so a file written with
/// `echo TOKEN > file` works (kube alone sends the newline, which is no valid header value).
#[test]
fn a_token_file_ending_in_a_newline_works_as_with_kubectl() {
    envtest::run(|cp| async move {
        let dir = tempfile::tempdir().expect("tmp");
        let d = dir.path();
        write(&d.join("token"), &format!("{}\n", cp.admin_token));
        let kc = d.join("kubeconfig");
        write(
            &kc,
            &format!(
                "apiVersion: v1
kind: Config
clusters:
- name: real
  cluster: {{server: '{server}', certificate-authority: '{ca}'}}
users:
- name: file
  user: {{tokenFile: '{token}'}}
contexts:
- {{name: echo-token-file, context: {{cluster: real, user: file}}}}
",
                server = cp.server,
                ca = cp.pki("ca.crt").display(),
                token = d.join("token").display(),
            ),
        );
        let mut s = open(vec![kc], &[], &d.join("home")).await;
        assert!(
            pump_until(&mut s, T, |c| is_ready(c, "echo-token-file")).await,
            "a token file with a trailing newline works:\n{}",
            statuses(&s)
        );
        s.fleet.shutdown().await;
    });
}

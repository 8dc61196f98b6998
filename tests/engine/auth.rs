//! Credentials against the simulator: bearer tokens, exec credential plugins (working and
//! failing), an expired token that is fixed while running, token files and exec commands given
//! by paths relative to their kubeconfig (merged from two folders), a missing token file named
//! with its kubeconfig and context, and that no token reaches the log.

use crate::support::{all_ready, start};
use kubeatlas::catalog::ClusterStatus;
use kubeatlas::cli::session::{self, Target};
use kubeatlas::config::{Paths, UserConfig};
use kubeatlas_sim::SimFleet;
use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

const T: Duration = Duration::from_secs(20);

/// A kubeconfig for the started fleet whose users get their token from an exec plugin.
fn exec_kubeconfig(sim: &SimFleet, dir: &std::path::Path, script_body: &str) -> std::path::PathBuf {
    // Written aside and renamed into place: the fleet may be running the old one right now.
    let script = dir.join("credential-plugin.sh");
    let fresh = dir.join("credential-plugin.sh.new");
    std::fs::write(&fresh, format!("#!/bin/sh\n{script_body}\n")).expect("script");
    std::fs::set_permissions(&fresh, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    std::fs::rename(&fresh, &script).expect("rename");
    let mut y: serde_yaml::Value =
        serde_yaml::from_str(&sim.kubeconfig_yaml(&[]).expect("yaml")).expect("parse");
    let users = y["users"].as_sequence_mut().expect("users");
    for u in users.iter_mut() {
        let name = u["name"].as_str().expect("name").to_string();
        let cluster = name.trim_end_matches("-user").to_string();
        u["user"] = serde_yaml::from_str(&format!(
            "exec:\n  apiVersion: client.authentication.k8s.io/v1\n  command: {}\n  args: [{cluster}]\n  interactiveMode: Never\n",
            script.display()
        ))
        .expect("exec user");
    }
    let path = dir.join("kubeconfig-exec");
    std::fs::write(&path, serde_yaml::to_string(&y).expect("yaml")).expect("write");
    path
}

async fn open(path: std::path::PathBuf, dir: &std::path::Path) -> session::Session {
    session::open(
        Target::Files(vec![path]),
        &[],
        UserConfig::default(),
        &Paths::under(dir.join("home")),
        true,
    )
    .await
    .expect("session")
}

async fn pump_until(
    s: &mut session::Session,
    pred: impl Fn(&kubeatlas::catalog::Catalog) -> bool,
) -> bool {
    let deadline = tokio::time::Instant::now() + T;
    loop {
        if pred(&s.catalog) {
            return true;
        }
        match tokio::time::timeout_at(deadline, s.changes.recv()).await {
            Ok(Some(c)) => {
                s.catalog.apply(c);
            }
            _ => return pred(&s.catalog),
        }
    }
}

fn status(c: &kubeatlas::catalog::Catalog, name: &str) -> ClusterStatus {
    c.cluster(c.cluster_by_name(name).expect("ctx"))
        .expect("info")
        .status
        .clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exec_plugin_credentials_work_and_a_failing_plugin_is_named() {
    let mut sim = SimFleet::demo();
    sim.start().expect("start");
    let dir = tempfile::tempdir().expect("tmp");
    // The plugin prints an ExecCredential with the cluster's token (args: the cluster name).
    let good = exec_kubeconfig(
        &sim,
        dir.path(),
        r#"printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"sim-%s-token"}}' "$1""#,
    );
    let mut s = open(good, dir.path()).await;
    assert!(
        pump_until(&mut s, |c| all_ready(c, &["dev", "staging", "prod"])).await,
        "exec plugin tokens work"
    );
    s.fleet.shutdown().await;

    let bad = exec_kubeconfig(
        &sim,
        dir.path(),
        "echo 'error: login required: run corp-login' >&2; exit 1",
    );
    let mut s = open(bad, dir.path()).await;
    let failed = pump_until(&mut s, |c| {
        matches!(status(c, "dev"), ClusterStatus::Unauthorized(_))
    })
    .await;
    let st = status(&s.catalog, "dev");
    assert!(
        failed,
        "a failing plugin makes the cluster unauthorized: {st:?}"
    );
    let msg = st.message().unwrap_or_default().to_string();
    assert!(
        msg.contains("exec plugin credential-plugin.sh failed")
            && msg.contains("login required: run corp-login"),
        "{msg}"
    );

    // The user logs in (the plugin works again): the context recovers without a restart.
    exec_kubeconfig(
        &sim,
        dir.path(),
        r#"printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"sim-%s-token"}}' "$1""#,
    );
    assert!(
        pump_until(&mut s, |c| all_ready(c, &["dev", "staging", "prod"])).await,
        "recovered once the plugin works: {:?}",
        status(&s.catalog, "dev")
    );
    s.fleet.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_token_is_reported_and_recovers_once_fixed() {
    let mut env = start(SimFleet::demo(), &[]).await;
    assert!(
        env.pump_until(T, |c| all_ready(c, &["dev", "staging", "prod"]))
            .await
    );
    let staging = env.sim.cluster("staging").expect("staging").clone();
    staging.set_token_expired(true);
    staging.drop_watches();
    assert!(
        env.pump_until(T, |c| matches!(
            status(c, "staging"),
            ClusterStatus::Unauthorized(_)
        ))
        .await,
        "401 shows as unauthorized: {:?}",
        env.status("staging")
    );
    let msg = env
        .status("staging")
        .message()
        .unwrap_or_default()
        .to_string();
    assert!(msg.contains("401"), "{msg}");
    assert!(
        all_ready(&env.session.catalog, &["dev", "prod"]),
        "the others stay ready"
    );
    // Fixed on the server side (a refreshed token): the watchers retry and recover by themselves.
    staging.set_token_expired(false);
    assert!(
        env.pump_until(Duration::from_secs(40), |c| all_ready(c, &["staging"]))
            .await,
        "recovers without a restart: {:?}",
        env.status("staging")
    );
    env.converge(T).await;
}

/// The simulator's kubeconfig with every user's credentials replaced by `user(cluster)`.
fn kubeconfig_with_users(sim: &SimFleet, user: impl Fn(&str) -> String) -> serde_yaml::Value {
    let mut y: serde_yaml::Value =
        serde_yaml::from_str(&sim.kubeconfig_yaml(&[]).expect("yaml")).expect("parse");
    for u in y["users"].as_sequence_mut().expect("users").iter_mut() {
        let cluster = u["name"]
            .as_str()
            .expect("name")
            .trim_end_matches("-user")
            .to_string();
        u["user"] = serde_yaml::from_str(&user(&cluster)).expect("user");
    }
    y
}

fn write(path: &std::path::Path, text: &str) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relative_token_files_and_exec_commands_resolve_against_their_own_kubeconfig() {
    let mut sim = SimFleet::demo();
    sim.start().expect("start");
    let dir = tempfile::tempdir().expect("tmp");
    // Folder a: dev reads a token file, staging runs an exec plugin, both by relative path.
    let a = dir.path().join("a");
    write(&a.join("tokens/dev"), "sim-dev-token\n");
    let plugin = a.join("bin/plugin.sh");
    write(
        &plugin,
        r#"#!/bin/sh
printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"sim-%s-token"}}' "$1""#,
    );
    std::fs::set_permissions(&plugin, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let mut first = kubeconfig_with_users(&sim, |cluster| match cluster {
        "dev" => "tokenFile: tokens/dev".into(),
        _ => format!(
            "exec: {{apiVersion: client.authentication.k8s.io/v1, command: ./bin/plugin.sh, args: [{cluster}], interactiveMode: Never}}"
        ),
    });
    // prod is left to the second file: drop its entries here.
    for list in ["clusters", "users", "contexts"] {
        first[list]
            .as_sequence_mut()
            .expect("list")
            .retain(|e| !e["name"].as_str().is_some_and(|n| n.starts_with("prod")));
    }
    write(
        &a.join("config"),
        &serde_yaml::to_string(&first).expect("yaml"),
    );
    // Folder b: prod's token one folder up from its kubeconfig; its dev entries (a wrong token
    // file) lose to folder a's, as the first file wins.
    let b = dir.path().join("b/kube");
    write(&dir.path().join("b/prod-token"), "sim-prod-token");
    let second = kubeconfig_with_users(&sim, |cluster| match cluster {
        "prod" => "tokenFile: ../prod-token".into(),
        _ => "tokenFile: no-such-token".into(),
    });
    write(
        &b.join("config"),
        &serde_yaml::to_string(&second).expect("yaml"),
    );

    let mut s = session::open(
        Target::Files(vec![a.join("config"), b.join("config")]),
        &[],
        UserConfig::default(),
        &Paths::under(dir.path().join("home")),
        true,
    )
    .await
    .expect("session");
    assert!(
        pump_until(&mut s, |c| all_ready(c, &["dev", "staging", "prod"])).await,
        "every context reads its credentials relative to its own kubeconfig: dev {:?}, staging {:?}, prod {:?}",
        status(&s.catalog, "dev"),
        status(&s.catalog, "staging"),
        status(&s.catalog, "prod")
    );
    s.fleet.shutdown().await;

    // The token file is gone: the context is an error naming the file, its kubeconfig and the
    // context; the other contexts are not held up.
    std::fs::remove_file(a.join("tokens/dev")).expect("rm");
    let mut s = session::open(
        Target::Files(vec![a.join("config"), b.join("config")]),
        &[],
        UserConfig::default(),
        &Paths::under(dir.path().join("home")),
        true,
    )
    .await
    .expect("session");
    assert!(
        pump_until(&mut s, |c| matches!(
            status(c, "dev"),
            ClusterStatus::Error(_)
        ) && all_ready(c, &["staging", "prod"]))
        .await,
        "{:?}",
        status(&s.catalog, "dev")
    );
    let msg = status(&s.catalog, "dev")
        .message()
        .unwrap_or_default()
        .to_string();
    for part in [
        "\"dev\"".to_string(),
        "tokenFile".to_string(),
        a.join("tokens/dev").display().to_string(),
        a.join("config").display().to_string(),
    ] {
        assert!(msg.contains(&part), "{part} missing in: {msg}");
    }
    s.fleet.shutdown().await;
}

#[test]
fn tokens_never_reach_the_log_file() {
    let home = tempfile::tempdir().expect("tmp");
    let log = home.path().join("kubeatlas.log");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_kubeatlas"))
        .args([
            "--demo",
            "--log-file",
            log.to_str().expect("utf8"),
            "get",
            "pods",
        ])
        .env("HOME", home.path())
        .env("KUBEATLAS_LOG", "trace")
        .env_remove("KUBECONFIG")
        .output()
        .expect("runs");
    assert!(o.status.success());
    let text = std::fs::read_to_string(&log).expect("a log was written");
    assert!(text.len() > 100, "the log has content at trace level");
    for secret in [
        "sim-dev-token",
        "sim-staging-token",
        "sim-prod-token",
        "Bearer",
    ] {
        assert!(!text.contains(secret), "{secret} leaked into the log");
    }
}

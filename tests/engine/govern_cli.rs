//! `kubeatlas check`, `lock`, `unlock` and `reap` as a pipeline runs them: the real binary
//! against the simulator, one exit code per verdict (0 ok, 3 locked, 4 unhealthy, 5 not
//! found, 6 unreachable), one line of reason on stderr, `-o json`, `--wait`, and the reaper's
//! preview, read-only refusal and deletions.

use crate::support::{Env, all_ready, start};
use kubeatlas::govern::{LOCK_KEY, Lock};
use kubeatlas_sim::{PatchKind, SimFleet, SimResource};
use serde_json::{Value, json};
use std::path::Path;
use std::process::Output;
use std::time::Duration;

const T: Duration = Duration::from_secs(25);

async fn ready(unreachable: &[&str]) -> Env {
    let mut env = start(SimFleet::demo(), unreachable).await;
    assert!(
        env.pump_until(T, |c| all_ready(c, &["dev", "staging", "prod"]))
            .await
    );
    env
}

/// Run the binary on the environment's kubeconfig, with a home of its own.
async fn kubeatlas(env: &Env, args: &[&str]) -> Output {
    let home = env.dir.path().join("cli-home");
    let kc = env.kubeconfig.clone();
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    tokio::task::spawn_blocking(move || run(&home, &kc, &args))
        .await
        .expect("joined")
}

fn run(home: &Path, kubeconfig: &Path, args: &[String]) -> Output {
    crate::support::binary(home)
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .args(args)
        .output()
        .expect("binary runs")
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn annotate(env: &Env, ctx: &str, res: SimResource, ns: Option<&str>, name: &str, a: Value) {
    env.sim
        .cluster(ctx)
        .expect("cluster")
        .patch(
            res,
            ns,
            name,
            PatchKind::Merge,
            &json!({"metadata": {"annotations": a}}),
        )
        .expect("annotated");
}

fn now() -> i64 {
    jiff::Timestamp::now().as_second()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_exits_with_one_documented_code_per_verdict_and_one_line_of_reason() {
    let env = ready(&[]).await;
    let o = kubeatlas(&env, &["check", "cart", "prod"]).await;
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert_eq!(out(&o).trim(), "cart in prod: healthy 3/3 0.9.1, unlocked");

    let o = kubeatlas(&env, &["check", "search", "prod"]).await;
    assert_eq!(o.status.code(), Some(4), "{}", err(&o));
    let line = err(&o);
    assert!(
        line.trim().starts_with("search in prod is ") && line.trim().ends_with(" 1/3 1.11.3"),
        "{line}"
    );

    let o = kubeatlas(&env, &["check", "nosuch", "prod"]).await;
    assert_eq!(o.status.code(), Some(5), "{}", err(&o));
    assert_eq!(err(&o).trim(), "nosuch does not run in prod");

    let bob = Lock::new("bob", "release freeze", now(), 3600).to_annotation();
    annotate(
        &env,
        "prod",
        SimResource::Deployments,
        Some("shop"),
        "cart",
        json!({LOCK_KEY: bob}),
    );
    let o = kubeatlas(&env, &["check", "cart", "prod"]).await;
    assert_eq!(o.status.code(), Some(3), "{}", err(&o));
    let line = err(&o);
    assert_eq!(line.lines().count(), 1, "{line}");
    assert!(
        line.contains("locked by bob") && line.contains("release freeze"),
        "{line}"
    );

    // An expired lock counts as unlocked.
    let old = Lock::new("bob", "old freeze", now() - 7200, 3600).to_annotation();
    annotate(
        &env,
        "prod",
        SimResource::Deployments,
        Some("shop"),
        "cart",
        json!({LOCK_KEY: old}),
    );
    let o = kubeatlas(&env, &["check", "cart", "prod"]).await;
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));

    let o = kubeatlas(&env, &["check", "search", "prod", "-o", "json"]).await;
    assert_eq!(o.status.code(), Some(4), "{}", err(&o));
    let v: Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v["status"], "unhealthy");
    assert_eq!(v["exit"], 4);
    assert_eq!(
        (v["ready"].as_i64(), v["desired"].as_i64()),
        (Some(1), Some(3))
    );
    assert_eq!(v["versions"], json!(["1.11.3"]));
    assert!(
        v["health"] == "degraded" || v["health"] == "progressing",
        "{v}"
    );
    assert_eq!(v["lock"], Value::Null);
    assert_eq!(v["members"][0]["name"], "search");

    // --wait follows the catalog with a progress line, then gives up with the same code.
    let o = kubeatlas(&env, &["check", "search", "prod", "--wait", "2s"]).await;
    assert_eq!(o.status.code(), Some(4), "{}", err(&o));
    let e = err(&o);
    assert!(
        e.starts_with("check: search in prod is ") && e.contains("(waiting, "),
        "{e}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_says_unreachable_rather_than_not_found_when_a_context_cannot_be_read() {
    let env = ready(&["gone"]).await;
    let o = kubeatlas(&env, &["check", "cart", "gone", "--timeout", "10"]).await;
    assert_eq!(o.status.code(), Some(6), "{}", err(&o));
    assert!(
        err(&o).contains("context gone is unreachable"),
        "{}",
        err(&o)
    );
    // A service whose contexts are all readable still answers.
    let o = kubeatlas(&env, &["check", "cart", "prod", "--timeout", "10"]).await;
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lock_and_unlock_from_the_command_line_and_someone_elses_lock_is_kept() {
    let env = ready(&[]).await;
    let o = kubeatlas(
        &env,
        &[
            "lock",
            "cart",
            "staging",
            "--reason",
            "release freeze",
            "--for",
            "1h",
        ],
    )
    .await;
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert!(
        out(&o).starts_with("locked staging/shop/cart by "),
        "{}",
        out(&o)
    );
    let stored = env
        .sim
        .cluster("staging")
        .expect("staging")
        .get(SimResource::Deployments, Some("shop"), "cart")
        .expect("cart");
    let lock: Lock = serde_json::from_str(
        stored["metadata"]["annotations"][LOCK_KEY]
            .as_str()
            .expect("annotation"),
    )
    .expect("lock JSON");
    assert_eq!(lock.reason, "release freeze");
    assert_eq!(lock.who, "viewer", "the server's SelfSubjectReview answer");
    let o = kubeatlas(&env, &["check", "cart", "staging"]).await;
    assert_eq!(o.status.code(), Some(3), "{}", err(&o));
    let o = kubeatlas(&env, &["unlock", "cart", "staging"]).await;
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let o = kubeatlas(&env, &["check", "cart", "staging"]).await;
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));

    let bob = Lock::new("bob", "incident", now(), 3600).to_annotation();
    annotate(
        &env,
        "dev",
        SimResource::Deployments,
        Some("shop"),
        "cart",
        json!({LOCK_KEY: bob.clone()}),
    );
    let o = kubeatlas(&env, &["lock", "cart", "dev", "--reason", "mine"]).await;
    assert_eq!(o.status.code(), Some(3), "{}", err(&o));
    assert!(err(&o).contains("already locked by bob"), "{}", err(&o));
    let stored = env
        .sim
        .cluster("dev")
        .expect("dev")
        .get(SimResource::Deployments, Some("shop"), "cart")
        .expect("cart");
    assert_eq!(stored["metadata"]["annotations"][LOCK_KEY], bob);
    let o = kubeatlas(&env, &["--readonly", "unlock", "cart", "dev"]).await;
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(err(&o).contains("read-only"), "{}", err(&o));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reap_previews_refuses_in_read_only_and_deletes_exactly_the_preview() {
    let env = ready(&[]).await;
    let d = SimResource::Deployments;
    annotate(
        &env,
        "dev",
        d,
        Some("shop"),
        "frontend",
        json!({"janitor/expires": "2020-01-01"}),
    );
    annotate(
        &env,
        "dev",
        d,
        Some("shop"),
        "search",
        json!({"janitor/ttl": "soon"}),
    );
    let dev = env.sim.cluster("dev").expect("dev").clone();
    let o = kubeatlas(&env, &["reap", "--dry-run"]).await;
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let preview = out(&o);
    assert!(
        preview
            .lines()
            .any(|l| l.starts_with("dev") && l.contains("frontend")),
        "{preview}"
    );
    assert!(
        !preview.contains("search"),
        "an invalid TTL is never reaped: {preview}"
    );
    assert!(dev.get(d, Some("shop"), "frontend").is_some());

    let o = kubeatlas(&env, &["--readonly", "reap", "--yes"]).await;
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert!(out(&o).contains("read-only context dev"), "{}", out(&o));
    assert!(
        dev.get(d, Some("shop"), "frontend").is_some(),
        "nothing sent in read-only"
    );

    // A protected context needs its name: --yes alone deletes nothing there.
    let config = env.dir.path().join("cli-home/config/kubeatlas");
    std::fs::create_dir_all(&config).expect("config dir");
    std::fs::write(config.join("config.yaml"), "protected: [\"dev\"]\n").expect("config");
    let o = kubeatlas(&env, &["reap", "--yes"]).await;
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    assert!(err(&o).contains("dev is protected"), "{}", err(&o));
    assert!(
        dev.get(d, Some("shop"), "frontend").is_some(),
        "nothing deleted in dev"
    );

    dev.clear_journal();
    let o = kubeatlas(&env, &["reap", "--yes", "--confirm", "dev", "-o", "json"]).await;
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let deletes: Vec<_> = dev
        .journal()
        .into_iter()
        .filter(|j| j.method == "DELETE")
        .collect();
    assert_eq!(deletes.len(), 1, "{deletes:?}");
    assert_eq!(
        deletes[0].path,
        "/apis/apps/v1/namespaces/shop/deployments/frontend"
    );
    let body = deletes[0].body_json().expect("DeleteOptions");
    assert!(
        body["preconditions"]["uid"]
            .as_str()
            .is_some_and(|u| !u.is_empty())
    );
    assert!(dev.get(d, Some("shop"), "frontend").is_none());
    let audit = std::fs::read_to_string(env.dir.path().join("cli-home/data/kubeatlas/audit.jsonl"))
        .unwrap_or_default();
    assert!(
        audit
            .lines()
            .any(|l| l.contains("\"action\":\"reap\"") && l.contains("\"outcome\":\"ok\"")),
        "{audit}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_wait_follows_the_catalog_until_the_service_is_healthy() {
    let env = ready(&[]).await;
    let home = env.dir.path().join("cli-home");
    let kc = env.kubeconfig.clone();
    let args: Vec<String> = ["check", "search", "prod", "--wait", "60s"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let waiting = tokio::task::spawn_blocking(move || run(&home, &kc, &args));
    tokio::time::sleep(Duration::from_secs(3)).await;
    // The fix lands: one replica is all search needs.
    env.sim
        .cluster("prod")
        .expect("prod")
        .patch(
            SimResource::Deployments,
            Some("shop"),
            "search",
            PatchKind::Merge,
            &json!({"spec": {"replicas": 1}}),
        )
        .expect("scaled");
    let o = waiting.await.expect("joined");
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert!(
        err(&o).contains("(waiting, "),
        "a progress line: {}",
        err(&o)
    );
    assert!(
        out(&o).starts_with("search in prod: healthy 1/1"),
        "{}",
        out(&o)
    );
}

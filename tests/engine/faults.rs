//! The reliability matrix, outside the terminal: a slow context beside healthy ones, a graceful
//! shutdown that leaves no task running, and a kubeconfig loader that never panics.

use crate::support::{all_ready, start};
use kubeatlas::catalog::ClusterStatus;
use kubeatlas_sim::SimFleet;
use proptest::prelude::*;
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_context_does_not_hold_up_the_others() {
    let sim = SimFleet::demo();
    sim.cluster("prod")
        .expect("prod")
        .set_latency(Duration::from_secs(5));
    let t0 = Instant::now();
    let mut env = start(sim, &["dead"]).await;
    assert!(
        env.pump_until(Duration::from_secs(20), |c| all_ready(
            c,
            &["dev", "staging"]
        ))
        .await
    );
    let live = t0.elapsed();
    assert!(
        !all_ready(&env.session.catalog, &["prod"]),
        "prod (5 s per request) is not ready before the others"
    );
    assert!(
        live < Duration::from_secs(5),
        "dev and staging were ready in {live:?}, not held up by prod's 5 s latency"
    );
    // The slow one gets there too, and the dead one says why it is not.
    assert!(
        env.pump_until(Duration::from_secs(60), |c| all_ready(c, &["prod"]))
            .await,
        "prod syncs eventually: {:?}",
        env.status("prod")
    );
    assert!(matches!(env.status("dead"), ClusterStatus::Unreachable(m) if m.contains("onnect")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_stops_every_watcher() {
    let metrics = tokio::runtime::Handle::current().metrics();
    let before = metrics.num_alive_tasks();
    let mut env = start(SimFleet::demo(), &["dead"]).await;
    assert!(
        env.pump_until(Duration::from_secs(20), |c| all_ready(
            c,
            &["dev", "staging", "prod"]
        ))
        .await
    );
    let running = metrics.num_alive_tasks();
    assert!(running > before + 3 * 8, "watchers are running: {running}");
    let crate::support::Env { sim, session, .. } = env;
    let kubeatlas::cli::session::Session {
        fleet,
        clients,
        changes,
        ..
    } = session;
    fleet.shutdown().await;
    // The clients (and their pooled keep-alive connections) go with the session.
    drop((clients, changes));
    sim.shutdown().await;
    // Connection tasks of the client pools wind down once their last request is gone.
    let deadline = Instant::now() + Duration::from_secs(10);
    while metrics.num_alive_tasks() > before && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        metrics.num_alive_tasks(),
        before,
        "every task ended after shutdown"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Whatever bytes a kubeconfig file holds, loading it never panics, and a failure names the
    /// file.
    #[test]
    fn kubeconfig_loader_never_panics(text in ".{0,400}") {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("kubeconfig");
        std::fs::write(&path, &text).expect("write");
        match kubeatlas::config::kubeconfig::load(std::slice::from_ref(&path)) {
            Ok(l) => { let _ = l.select(&[]); }
            Err(e) => prop_assert!(e.to_string().contains(&*path.display().to_string())),
        }
    }

    /// Structured but wrong kubeconfigs (fields of the wrong type, missing pieces).
    #[test]
    fn kubeconfig_loader_survives_odd_structures(
        server in prop_oneof![Just("".to_string()), "[a-z:/0-9.]{0,30}"],
        ctx in "[a-z-]{0,12}",
        user_field in prop_oneof![Just("token: x"), Just("exec: 3"), Just("client-certificate: /nope"), Just("[]")],
    ) {
        let text = format!(
            "apiVersion: v1\nclusters:\n- name: c\n  cluster: {{server: '{server}'}}\nusers:\n- name: u\n  user: {{{user_field}}}\ncontexts:\n- name: '{ctx}'\n  context: {{cluster: c, user: u}}\n"
        );
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("kc");
        std::fs::write(&path, &text).expect("write");
        if let Ok(l) = kubeatlas::config::kubeconfig::load(std::slice::from_ref(&path)) {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("rt");
            for name in l.context_names() {
                let _ = rt.block_on(l.client_config(&name, true));
            }
        }
    }
}

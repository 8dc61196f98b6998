//! The effect runner against the simulator: log lines come back in batches on the bounded
//! channel and stop when the view closes (the streams are aborted); actions go through the
//! executor only, so read-only refuses them before anything reaches the server.

use crate::support::{Env, all_ready, start};
use kubeatlas::actions::logs::LogRequest;
use kubeatlas::actions::{Action, Target};
use kubeatlas::config::UserConfig;
use kubeatlas::tui::effects::Runner;
use kubeatlas::tui::msg::{Effect, Msg, Reply};
use kubeatlas_sim::SimFleet;
use std::time::Duration;
use tokio::sync::mpsc;

const T: Duration = Duration::from_secs(25);

async fn ready() -> Env {
    let mut env = start(SimFleet::demo(), &[]).await;
    assert!(
        env.pump_until(T, |c| all_ready(c, &["dev", "staging", "prod"]))
            .await
    );
    env
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_lines_arrive_in_batches_and_stop_when_the_view_closes() {
    let env = ready().await;
    let pod = env.entity("dev", "pod", "cart-");
    let name = env.session.catalog.get(&pod).expect("pod").name.to_string();
    let (tx, _replies) = mpsc::unbounded_channel();
    let (log_tx, mut lines) = mpsc::channel(4);
    let mut runner = Runner::new(
        env.session.clients.clone(),
        env.executor(false, UserConfig::default()),
        tx,
        log_tx,
    );
    let req = LogRequest {
        namespace: "shop".into(),
        pod: name.clone(),
        container: Some("app".into()),
        previous: false,
        tail: Some(5),
        follow: true,
        prefix: Some(format!("{name}/app")),
    };
    runner.run(Effect::Logs {
        view: 7,
        cluster: pod.cluster,
        streams: vec![req],
    });
    // The tail, then lines streaming in.
    let mut got = vec![];
    let deadline = tokio::time::Instant::now() + T;
    while got.len() < 8 {
        let m = tokio::time::timeout_at(deadline, lines.recv())
            .await
            .expect("log lines in time")
            .expect("channel open");
        match m {
            Msg::EffectDone(Reply::LogLines { view, lines }) => {
                assert_eq!(view, 7);
                got.extend(lines);
            }
            other => panic!("{other:?}"),
        }
    }
    assert!(
        got.iter().all(|l| l.starts_with(&format!("[{name}/app] "))),
        "{got:?}"
    );
    assert!(runner.log_streams() > 0);

    runner.run(Effect::StopLogs);
    assert_eq!(runner.log_streams(), 0);
    // What was already queued may still come; after that, nothing (lines come every 200 ms).
    tokio::time::sleep(Duration::from_millis(100)).await;
    while lines.try_recv().is_ok() {}
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert!(lines.try_recv().is_err(), "lines after the view closed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn actions_go_through_the_executor_and_read_only_sends_nothing() {
    let env = ready().await;
    let wl = env.entity("staging", "workload", "cart");
    let target = Target::of(&env.session.catalog, &wl).expect("target");
    let staging = env.sim.cluster("staging").expect("staging").clone();
    for readonly in [true, false] {
        staging.clear_journal();
        let (tx, mut replies) = mpsc::unbounded_channel();
        let (log_tx, _lines) = mpsc::channel(4);
        let mut runner = Runner::new(
            env.session.clients.clone(),
            env.executor(readonly, UserConfig::default()),
            tx,
            log_tx,
        );
        runner.run(Effect::Act {
            batch: 3,
            targets: vec![(wl.clone(), target.clone())],
            action: Action::Restart,
        });
        let m = tokio::time::timeout(T, replies.recv())
            .await
            .expect("an answer in time")
            .expect("open");
        let Msg::EffectDone(Reply::Acted {
            batch,
            entity,
            outcome,
        }) = m
        else {
            panic!("{m:?}")
        };
        assert_eq!((batch, &entity), (3, &wl));
        let muts = staging
            .journal()
            .into_iter()
            .filter(|j| j.is_mutating())
            .count();
        if readonly {
            assert!(
                !outcome.ok && outcome.message.contains("read-only"),
                "{outcome:?}"
            );
            assert_eq!(muts, 0, "read-only: nothing reached the server");
        } else {
            assert!(outcome.ok, "{outcome:?}");
            assert!(outcome.generation.is_some());
            assert_eq!(muts, 1);
        }
    }
    let audit = std::fs::read_to_string(env.dir.path().join("audit.jsonl")).expect("audit");
    let outcomes: Vec<String> = audit
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("json")["outcome"].to_string())
        .collect();
    assert_eq!(outcomes, ["\"refused\"", "\"ok\""]);
}

//! Degrade rules: the evaluator driven by an injected clock over observations of the
//! simulated fleet (held → one firing, a flap under the hold → none, the cooldown honoured),
//! hooks that hang or fail timed out and reported, an automatic action refused once and
//! recorded, never retried, config errors on their line, and `watch --rules` headless.

use crate::support::{Env, all_ready, start};
use kubeatlas::catalog::Health;
use kubeatlas::config::UserConfig;
use kubeatlas::config::rules::HookSpec;
use kubeatlas::rules::hook::{self, HookOutcome};
use kubeatlas::rules::{self, Evaluator, Observation, Rule, act, observe};
use kubeatlas_sim::{SimFleet, SimResource};
use std::time::{Duration, Instant};

const T: Duration = Duration::from_secs(25);
const S: i64 = 1000;

fn rules_of(yaml: &str) -> Vec<Rule> {
    let user = UserConfig::parse(yaml).unwrap_or_else(|e| panic!("{e}"));
    rules::compile(&user.rules, "config.yaml", yaml).unwrap_or_else(|e| panic!("{e}"))
}

async fn demo() -> Env {
    let mut env = start(SimFleet::demo().with_controller_tick(None), &[]).await;
    assert!(
        env.pump_until(T, |c| all_ready(c, &["dev", "staging", "prod"]))
            .await
    );
    env
}

/// One synthetic observation.
fn obs(health: Health, version: &str) -> Observation {
    Observation {
        service: "checkout-api".into(),
        environment: "prod".into(),
        health,
        ready: 3,
        desired: 3,
        restarts: 0,
        version: version.into(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_held_below_the_fraction_past_the_hold_fires_once_on_the_simulated_fleet() {
    let env = demo().await;
    // The demo's payments-api crash-loops in staging from the start: 0 of 2 ready.
    let now = observe::observe(&env.session.catalog, false);
    let mut eval = Evaluator::new(rules_of(
        "rules:\n  - name: half-ready-30s\n    environments: ['staging']\n    when: { readyBelow: 0.5, for: 30 }\n",
    ));
    let mut firings = vec![];
    for t in 0..=120 {
        firings.extend(eval.observe(t * S, &now));
    }
    assert_eq!(firings.len(), 1, "{firings:#?}");
    let f = &firings[0];
    assert_eq!(
        (
            f.service.as_str(),
            f.environment.as_str(),
            f.at_ms,
            f.since_ms
        ),
        ("payments-api", "staging", 30 * S, 0)
    );
    assert_eq!(f.text, "ready 0/2 below 50 % (no change seen before it)");
    assert_eq!(f.action, None);
}

#[test]
fn the_firing_names_the_last_change_before_it() {
    let mut eval = Evaluator::new(rules_of(
        "rules:\n  - name: degraded\n    when: { health: [degraded, failed], for: 10 }\n",
    ));
    assert!(eval.observe(0, &[obs(Health::Healthy, "1.4.2")]).is_empty());
    assert!(
        eval.observe(5 * S, &[obs(Health::Healthy, "1.4.3")])
            .is_empty()
    );
    assert!(
        eval.observe(45 * S, &[obs(Health::Degraded, "1.4.3")])
            .is_empty()
    );
    let f = eval.observe(55 * S, &[obs(Health::Degraded, "1.4.3")]);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].text, "degraded 40 s after version 1.4.3");
}

#[test]
fn a_flap_shorter_than_the_hold_never_fires() {
    let mut eval = Evaluator::new(rules_of(
        "rules:\n  - name: degraded-30s\n    when: { health: [degraded], for: 30 }\n",
    ));
    let mut n = 0;
    // 20 s degraded, 5 s healthy, for ten minutes.
    for t in 0..600 {
        let h = if t % 25 < 20 {
            Health::Degraded
        } else {
            Health::Healthy
        };
        n += eval.observe(t * S, &[obs(h, "1")]).len();
    }
    assert_eq!(n, 0);
}

#[test]
fn one_automatic_action_per_service_per_cooldown() {
    let mut eval = Evaluator::new(rules_of(
        "rules:\n  - name: restart-failed\n    when: { health: [failed], for: 10 }\n    action: restart\n    cooldown: 300\n",
    ));
    // Episodes: failed from 0, 100 and 400 s, each 20 s long.
    let mut fired = vec![];
    for t in 0..500 {
        let h = if [0, 100, 400].iter().any(|s| (*s..s + 20).contains(&t)) {
            Health::Failed
        } else {
            Health::Healthy
        };
        for f in eval.observe(t * S, &[obs(h, "1")]) {
            fired.push((f.at_ms / S, f.action, f.action_held.is_some()));
        }
    }
    assert_eq!(
        fired,
        [
            (10, Some("restart"), false),
            // 90 s after the first action: held back by the cooldown, still reported.
            (110, None, true),
            (410, Some("restart"), false),
        ]
    );
}

#[test]
fn restarts_growing_fires_once_per_burst() {
    let mut eval = Evaluator::new(rules_of(
        "rules:\n  - name: crashing\n    when: { restartsGrowing: 3, for: 60 }\n",
    ));
    let mut at = vec![];
    for t in 0..400 {
        // A burst of 5 restarts between 100 s and 105 s, then calm.
        let restarts = (t - 100).clamp(0, 5);
        let mut o = obs(Health::Healthy, "1");
        o.restarts = restarts;
        at.extend(eval.observe(t * S, &[o]).into_iter().map(|f| f.at_ms / S));
    }
    assert_eq!(at, [103]);
}

#[test]
fn bad_rules_are_named_with_their_line() {
    let text = "readonly: false\nrules:\n  - name: ok\n    when: { health: [failed] }\n  - name: wrong\n    when: { health: [broken] }\n";
    let user = UserConfig::parse(text).expect("parses");
    let e = rules::compile(&user.rules, "config.yaml", text).expect_err("unknown health");
    assert_eq!(e.line, 5, "{e}");
    assert!(e.to_string().contains("unknown health \"broken\""), "{e}");

    let text = "rules:\n  - name: scaler\n    when: { readyBelow: 0.5 }\n    action: scale\n";
    let user = UserConfig::parse(text).expect("parses");
    let e = rules::compile(&user.rules, "config.yaml", text).expect_err("scale needs input");
    assert!(
        e.to_string()
            .starts_with("config.yaml:2: rule \"scaler\": action: \"scale\" cannot run unattended"),
        "{e}"
    );

    let text = "rules:\n  - name: two\n    when: { readyBelow: 0.5, health: [failed] }\n";
    let user = UserConfig::parse(text).expect("parses");
    assert!(
        rules::compile(&user.rules, "config.yaml", text)
            .expect_err("two")
            .to_string()
            .contains("exactly one of")
    );
    // Unknown fields are the YAML parser's, with their line.
    let e = UserConfig::parse("rules:\n  - name: x\n    when: { healt: [failed] }\n")
        .expect_err("typo")
        .to_string();
    assert!(e.contains("healt") && e.contains("line 3"), "{e}");
}

fn hook_of(cmd: &[&str], timeout: u64) -> HookSpec {
    HookSpec {
        command: cmd.iter().map(|s| s.to_string()).collect(),
        timeout,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hook_gets_the_firing_on_stdin_and_a_hang_or_failure_is_reported() {
    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join("in.json");
    let cat = format!("cat > {}", file.display());
    let ok = hook::run(&hook_of(&["sh", "-c", &cat], 5), br#"{"rule":"r"}"#).await;
    assert_eq!(ok, HookOutcome::Ok);
    assert_eq!(
        std::fs::read_to_string(&file).expect("hook wrote its input"),
        r#"{"rule":"r"}"#
    );

    let failed = hook::run(&hook_of(&["sh", "-c", "echo boom >&2; exit 3"], 5), b"{}").await;
    assert_eq!(
        failed,
        HookOutcome::Failed {
            code: Some(3),
            stderr: "boom".into()
        }
    );
    assert_eq!(failed.describe(), "hook failed: exit 3: boom");

    // A hook that hangs is killed at its timeout; on its own task it holds up nothing: the
    // spawning side goes on at once.
    let started = Instant::now();
    let task = tokio::spawn(async { hook::run(&hook_of(&["sleep", "30"], 1), b"{}").await });
    assert!(!task.is_finished(), "the hook runs on its own task");
    let hung = task.await.expect("task");
    assert_eq!(hung, HookOutcome::TimedOut { secs: 1 });
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );

    let missing = hook::run(&hook_of(&["/nonexistent/hook"], 1), b"{}").await;
    assert!(
        matches!(missing, HookOutcome::NotStarted { .. }),
        "{missing:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_automatic_action_refused_by_rbac_is_recorded_once_and_not_retried() {
    let mut env = demo().await;
    let staging = env.sim.cluster("staging").expect("staging").clone();
    staging.forbid(SimResource::Deployments, &["patch"]);
    staging.clear_journal();
    let executor = env.executor(false, UserConfig::default());
    let mut eval = Evaluator::new(rules_of(
        "rules:\n  - name: restart-payments\n    services: ['payments-*']\n    environments: ['staging']\n    when: { readyBelow: 0.5, for: 5 }\n    action: restart\n    cooldown: 60\n",
    ));
    let mut outcomes = vec![];
    // Ten minutes of ticks; the service stays at 0/2 the whole time (its restart is refused).
    for t in 0..600 {
        env.pump_until(Duration::from_millis(1), |_| false).await;
        let now = observe::observe(&env.session.catalog, false);
        for f in eval.observe(t * S, &now) {
            let kind = f.action.and_then(|a| {
                rules::AUTOMATIC_ACTIONS
                    .iter()
                    .copied()
                    .find(|k| k.name() == a)
            });
            if let Some(kind) = kind {
                let p = act::prepare(&env.session.catalog, kind, &f.service, &f.environment)
                    .expect("targets");
                outcomes.extend(act::run(p, env.session.clients.clone(), executor.clone()).await);
            }
        }
    }
    assert_eq!(outcomes.len(), 1, "{outcomes:#?}");
    assert!(!outcomes[0].ok);
    assert!(
        outcomes[0].message.contains("not permitted"),
        "{}",
        outcomes[0].message
    );
    let audit = std::fs::read_to_string(env.dir.path().join("audit.jsonl")).unwrap_or_default();
    assert_eq!(audit.lines().count(), 1, "{audit}");
    assert!(audit.contains("\"outcome\":\"refused\""), "{audit}");
    // One access review asked (a POST that changes nothing), no patch sent.
    let posted: Vec<String> = staging
        .journal()
        .into_iter()
        .filter(|j| j.is_mutating())
        .map(|j| format!("{} {}", j.method, j.path))
        .collect();
    assert_eq!(
        posted,
        ["POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews"]
    );

    // Read-only: refused by the executor before any request, also recorded once.
    let readonly = env.executor(true, UserConfig::default());
    let p = act::prepare(
        &env.session.catalog,
        kubeatlas::blueprint::ActionKind::Restart,
        "payments-api",
        "staging",
    )
    .expect("targets");
    let o = act::run(p, env.session.clients.clone(), readonly).await;
    assert!(!o[0].ok && o[0].message.contains("read-only"), "{o:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_rules_runs_headless_and_logs_each_firing_and_hook_as_a_json_line() {
    use tokio::io::AsyncBufReadExt;
    let home = tempfile::tempdir().expect("tmp");
    let dir = home.path().join("config/kubeatlas");
    std::fs::create_dir_all(&dir).expect("dir");
    let sink = home.path().join("hook.jsonl");
    std::fs::write(
        dir.join("config.yaml"),
        format!(
            "rules:\n  - name: payments-half-ready\n    services: [payments-api]\n    environments: [staging]\n    when: {{ readyBelow: 0.5 }}\n    hook: {{ command: [sh, -c, 'cat >> {}'], timeout: 5 }}\n",
            sink.display()
        ),
    )
    .expect("config");
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_kubeatlas"))
        .args(["--demo", "watch", "--rules"])
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .env("XDG_STATE_HOME", home.path().join("state"))
        .env_remove("KUBECONFIG")
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("binary starts");
    let mut lines = tokio::io::BufReader::new(child.stdout.take().expect("stdout")).lines();
    let mut events: Vec<serde_json::Value> = vec![];
    let deadline = tokio::time::Instant::now() + Duration::from_secs(40);
    while events.len() < 2 {
        let line = tokio::time::timeout_at(deadline, lines.next_line())
            .await
            .expect("two events within 40 s")
            .expect("read")
            .expect("a line");
        events.push(serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}")));
    }
    let _ = child.kill().await;
    let firing = &events[0];
    assert_eq!(firing["event"], "firing");
    assert_eq!(firing["rule"], "payments-half-ready");
    assert_eq!(
        (&firing["service"], &firing["environment"]),
        (
            &serde_json::json!("payments-api"),
            &serde_json::json!("staging")
        )
    );
    assert_eq!(firing["ready"], 0);
    let hook = &events[1];
    assert_eq!(
        (hook["event"].as_str(), hook["ok"].as_bool()),
        (Some("hook"), Some(true)),
        "{hook}"
    );
    // The hook read the firing from stdin.
    let got: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&sink).expect("hook ran")).expect("json");
    assert_eq!(got["rule"], "payments-half-ready");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_automatic_undo_rolls_the_service_back_to_its_previous_revision_through_the_executor() {
    let env = demo().await;
    let prod = env.sim.cluster("prod").expect("prod").clone();
    let image = |c: &kubeatlas_sim::SimCluster| {
        c.get(SimResource::Deployments, Some("shop"), "frontend")
            .and_then(|d| {
                d.pointer("/spec/template/spec/containers/0/image")
                    .and_then(|v| v.as_str())
                    .map(str::to_string)
            })
            .expect("frontend's image")
    };
    assert_eq!(image(&prod), "registry.example/frontend:5.2.0");
    let executor = env.executor(false, UserConfig::default());
    let mut eval = Evaluator::new(rules_of(
        "rules:\n  - name: undo-frontend\n    services: [frontend]\n    environments: [prod]\n    when: { health: [healthy], for: 1 }\n    action: undo\n",
    ));
    let mut outcomes = vec![];
    for t in 0..5 {
        let now = observe::observe(&env.session.catalog, false);
        for f in eval.observe(t * S, &now) {
            assert_eq!(f.action, Some("undo"), "{f:?}");
            let kind = rules::AUTOMATIC_ACTIONS
                .iter()
                .copied()
                .find(|k| Some(k.name()) == f.action)
                .expect("undo is an automatic action");
            let p = act::prepare(&env.session.catalog, kind, &f.service, &f.environment)
                .expect("targets");
            outcomes.extend(act::run(p, env.session.clients.clone(), executor.clone()).await);
        }
    }
    assert_eq!(outcomes.len(), 1, "one firing, one action: {outcomes:#?}");
    assert!(outcomes[0].ok, "{outcomes:#?}");
    // The previous revision's template is back, as `kubectl rollout undo` leaves it.
    assert_eq!(image(&prod), "registry.example/frontend:5.1.4");
    let audit = std::fs::read_to_string(env.dir.path().join("audit.jsonl")).unwrap_or_default();
    assert_eq!(audit.lines().count(), 1, "{audit}");
    assert!(
        audit.contains("undo") && audit.contains("\"outcome\":\"ok\""),
        "{audit}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_firing_goes_into_the_change_timeline_once_per_workload_of_the_service() {
    use kubeatlas::timeline::{Query, Store, firing};
    let env = demo().await;
    let mut eval = Evaluator::new(rules_of(
        "rules:\n  - name: payments-half-ready\n    services: [payments-api]\n    environments: [staging]\n    when: { readyBelow: 0.5, for: 2 }\n",
    ));
    let mut firings = vec![];
    for t in 0..4 {
        let now = observe::observe(&env.session.catalog, false);
        firings.extend(eval.observe(t * S, &now));
    }
    assert_eq!(firings.len(), 1, "{firings:#?}");
    let entries = firing::entries(&env.session.catalog, &firings[0]);
    assert_eq!(entries.len(), 1, "payments-api has one workload in staging");
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = Store::open(&dir.path().join("timeline.db")).expect("store");
    store.insert(&entries).expect("insert");
    // Recorded twice (a replayed batch) it is still one entry.
    store.insert(&entries).expect("insert");
    let got = store
        .query(&Query {
            service: Some("payments-api".into()),
            env: Some("staging".into()),
            ..Query::default()
        })
        .expect("query");
    assert_eq!(got.len(), 1, "{got:#?}");
    let e = &got[0];
    assert_eq!(
        (e.change.as_str(), e.context.as_str(), e.namespace.as_str()),
        ("rule", "staging", "payments")
    );
    assert_eq!(
        (e.kind.as_str(), e.name.as_str()),
        ("Deployment", "payments-api")
    );
    assert!(
        e.text.starts_with("rule payments-half-ready: ") && e.text.contains(&firings[0].text),
        "{}",
        e.text
    );
    assert_eq!(e.who.as_deref(), Some("rule payments-half-ready"));
}

//! Actions over HTTP against the simulator: the exact request each action sends, what then
//! happens on the server (new ReplicaSet and pods, replicas, pod gone), precondition failures,
//! read-only refusing everything before it is sent, the audit log, and API errors in words.

use crate::support::{Env, ready_demo};
use kubeatlas::actions::progress::{RolloutState, progress};
use kubeatlas::actions::{Action, ActionError, ApiFailure, Refusal, Target};
use kubeatlas::catalog::EntityRef;
use kubeatlas::config::UserConfig;
use kubeatlas_sim::{JournalEntry, SimCluster, SimResource};
use serde_json::Value;
use std::collections::BTreeSet;
use std::time::Duration;

const T: Duration = Duration::from_secs(25);

fn target(env: &Env, e: &EntityRef) -> Target {
    Target::of(&env.session.catalog, e).expect("target")
}

/// The mutating requests the cluster received since its journal was last cleared.
fn mutations(cluster: &SimCluster) -> Vec<JournalEntry> {
    cluster
        .journal()
        .into_iter()
        .filter(|j| j.is_mutating())
        .collect()
}

fn replicaset_names(env: &Env, ctx: &str, ns: &str, owner: &str) -> BTreeSet<String> {
    env.sim
        .cluster(ctx)
        .expect("cluster")
        .list(SimResource::ReplicaSets)
        .iter()
        .filter(|rs| rs["metadata"]["namespace"] == ns)
        .filter(|rs| rs["metadata"]["ownerReferences"][0]["name"] == owner)
        .filter_map(|rs| rs["metadata"]["name"].as_str().map(str::to_string))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_sends_kubectls_patch_and_rolls_new_pods() {
    let mut env = ready_demo().await;
    let prod = env.sim.cluster("prod").expect("prod").clone();
    let e = env.entity("prod", "workload", "checkout-api");
    let t = target(&env, &e);
    let pod_bp = env
        .session
        .catalog
        .blueprints()
        .by_identifier("pod")
        .expect("pod");
    let old_pods: BTreeSet<Box<str>> = env
        .session
        .catalog
        .children(&e, pod_bp)
        .into_iter()
        .map(|p| p.uid)
        .collect();
    assert_eq!(old_pods.len(), 3);
    let old_rs = replicaset_names(&env, "prod", "shop", "checkout-api");
    prod.clear_journal();

    let out = env
        .executor(false, UserConfig::default())
        .execute(&t, &Action::Restart)
        .await;
    assert!(out.ok, "{}", out.message);

    let muts = mutations(&prod);
    assert_eq!(muts.len(), 1, "exactly one mutating request: {muts:?}");
    let req = &muts[0];
    assert_eq!(req.method, "PATCH");
    assert_eq!(
        req.path,
        "/apis/apps/v1/namespaces/shop/deployments/checkout-api"
    );
    assert_eq!(
        req.content_type.as_deref(),
        Some("application/strategic-merge-patch+json")
    );
    let body: Value = serde_json::from_str(&req.body).expect("json body");
    let at =
        body["spec"]["template"]["metadata"]["annotations"]["kubectl.kubernetes.io/restartedAt"]
            .as_str()
            .expect("restartedAt");
    assert!(at.parse::<jiff::Timestamp>().is_ok(), "RFC 3339: {at}");
    assert_eq!(
        body.as_object().map(|o| o.len()),
        Some(1),
        "nothing else is patched: {body}"
    );

    // The rollout: a new ReplicaSet, all pods replaced, progress reaches done in the catalog.
    let generation = out.generation;
    assert!(generation.is_some());
    let done = env
        .pump_until(T, |c| {
            progress(c, &e, generation).state == RolloutState::Done
        })
        .await;
    assert!(
        done,
        "rollout finished: {:?}",
        progress(&env.session.catalog, &e, generation)
    );
    let new_rs = replicaset_names(&env, "prod", "shop", "checkout-api");
    assert_eq!(new_rs.difference(&old_rs).count(), 1, "one new ReplicaSet");
    assert!(
        env.pump_until(T, |c| {
            let now: BTreeSet<Box<str>> =
                c.children(&e, pod_bp).into_iter().map(|p| p.uid).collect();
            now.len() == 3 && now.is_disjoint(&old_pods)
        })
        .await,
        "every pod was replaced"
    );
    let audit = env.audit_lines();
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0]["action"], "restart");
    assert_eq!(audit[0]["context"], "prod");
    assert_eq!(audit[0]["kind"], "Deployment");
    assert_eq!(audit[0]["name"], "checkout-api");
    assert_eq!(audit[0]["outcome"], "ok");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redeploy_changes_one_containers_image_and_rolls() {
    let mut env = ready_demo().await;
    let staging = env.sim.cluster("staging").expect("staging").clone();
    let e = env.entity("staging", "workload", "cart");
    let t = target(&env, &e);
    let old_rs = replicaset_names(&env, "staging", "shop", "cart");
    staging.clear_journal();
    let action = Action::SetImage {
        container: "app".into(),
        image: "registry.example/cart:0.9.3".into(),
    };
    let out = env
        .executor(false, UserConfig::default())
        .execute(&t, &action)
        .await;
    assert!(out.ok, "{}", out.message);
    let muts = mutations(&staging);
    assert_eq!(muts.len(), 1);
    assert_eq!(muts[0].method, "PATCH");
    assert_eq!(
        muts[0].path,
        "/apis/apps/v1/namespaces/shop/deployments/cart"
    );
    assert_eq!(
        muts[0].content_type.as_deref(),
        Some("application/strategic-merge-patch+json")
    );
    assert_eq!(
        muts[0].body,
        r#"{"spec":{"template":{"spec":{"containers":[{"image":"registry.example/cart:0.9.3","name":"app"}]}}}}"#
    );
    let done = env
        .pump_until(T, |c| {
            progress(c, &e, out.generation).state == RolloutState::Done
        })
        .await;
    assert!(done);
    assert_eq!(
        replicaset_names(&env, "staging", "shop", "cart")
            .difference(&old_rs)
            .count(),
        1
    );
    let wl = env.session.catalog.get(&e).expect("cart").clone();
    let images = env
        .session
        .catalog
        .blueprint(e.bp)
        .prop_index("images")
        .expect("images");
    assert_eq!(
        wl.props[images].as_list(),
        ["registry.example/cart:0.9.3".into()]
    );
    let pods = staging.list(SimResource::Pods);
    let cart_images: BTreeSet<&str> = pods
        .iter()
        .filter(|p| {
            p["metadata"]["name"]
                .as_str()
                .is_some_and(|n| n.starts_with("cart-"))
        })
        .filter(|p| p["metadata"]["deletionTimestamp"].is_null())
        .filter_map(|p| p["spec"]["containers"][0]["image"].as_str())
        .collect();
    assert_eq!(
        cart_images.into_iter().collect::<Vec<_>>(),
        vec!["registry.example/cart:0.9.3"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scale_goes_through_the_scale_subresource() {
    let mut env = ready_demo().await;
    let dev = env.sim.cluster("dev").expect("dev").clone();
    let e = env.entity("dev", "workload", "search");
    let t = target(&env, &e);
    dev.clear_journal();
    let out = env
        .executor(false, UserConfig::default())
        .execute(&t, &Action::Scale { replicas: 4 })
        .await;
    assert!(out.ok, "{}", out.message);
    let muts = mutations(&dev);
    assert_eq!(muts.len(), 1);
    assert_eq!(muts[0].method, "PATCH");
    assert_eq!(
        muts[0].path,
        "/apis/apps/v1/namespaces/shop/deployments/search/scale"
    );
    assert_eq!(
        muts[0].content_type.as_deref(),
        Some("application/merge-patch+json")
    );
    assert_eq!(muts[0].body, r#"{"spec":{"replicas":4}}"#);
    let pod_bp = env
        .session
        .catalog
        .blueprints()
        .by_identifier("pod")
        .expect("pod");
    assert!(
        env.pump_until(T, |c| c.children(&e, pod_bp).len() == 4
            && c.running_service("search", "dev")
                .is_some_and(|r| r.ready == 4 && r.desired == 4))
            .await,
        "4 pods ready"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_pod_carries_a_uid_precondition() {
    let mut env = ready_demo().await;
    let prod = env.sim.cluster("prod").expect("prod").clone();
    let wl = env.entity("prod", "workload", "frontend");
    let pod_bp = env
        .session
        .catalog
        .blueprints()
        .by_identifier("pod")
        .expect("pod");
    let pod = env.session.catalog.children(&wl, pod_bp).remove(0);
    let t = target(&env, &pod);
    let ex = env.executor(false, UserConfig::default());

    // A stale uid (the pod was recreated under the same name): 409, nothing deleted.
    let mut stale = t.clone();
    stale.uid = "00000000-0000-0000-0000-000000000000".into();
    prod.clear_journal();
    let out = ex.execute(&stale, &Action::Delete).await;
    assert!(!out.ok);
    assert!(
        out.message.contains("nothing was deleted"),
        "{}",
        out.message
    );
    assert!(
        prod.get(SimResource::Pods, Some("shop"), &t.name).is_some(),
        "pod still there"
    );

    let out = ex.execute(&t, &Action::Delete).await;
    assert!(out.ok, "{}", out.message);
    let muts = mutations(&prod);
    assert_eq!(muts.len(), 2);
    for m in &muts {
        assert_eq!(m.method, "DELETE");
        assert_eq!(m.path, format!("/api/v1/namespaces/shop/pods/{}", t.name));
    }
    let body: Value = serde_json::from_str(&muts[1].body).expect("json");
    assert_eq!(body["preconditions"]["uid"], t.uid.as_str());
    assert_eq!(muts[0].status, 409);
    let uid = t.uid.clone();
    assert!(
        env.pump_until(T, |c| c.get(&pod).is_none()).await,
        "the pod {uid} left the catalog"
    );
    let audit = env.audit_lines();
    assert_eq!(
        audit
            .iter()
            .map(|a| a["outcome"].as_str().unwrap_or(""))
            .collect::<Vec<_>>(),
        ["failed", "ok"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_sends_no_mutating_request_whatever_is_asked() {
    let env = ready_demo().await;
    let wl = env.entity("prod", "workload", "cart");
    let pod_bp = env
        .session
        .catalog
        .blueprints()
        .by_identifier("pod")
        .expect("pod");
    let pod = env.session.catalog.children(&wl, pod_bp).remove(0);
    let user = UserConfig::parse("contexts:\n  staging: {readonly: true}\n").expect("config");
    for (ex, ctx) in [
        (env.executor(true, UserConfig::default()), "prod"),
        (env.executor(false, user), "staging"),
    ] {
        let wl = env.entity(ctx, "workload", "cart");
        let pod = if ctx == "prod" {
            pod.clone()
        } else {
            env.session.catalog.children(&wl, pod_bp).remove(0)
        };
        let cluster = env.sim.cluster(ctx).expect("cluster").clone();
        cluster.clear_journal();
        for (e, a) in [
            (&wl, Action::Restart),
            (&wl, Action::Scale { replicas: 9 }),
            (
                &wl,
                Action::SetImage {
                    container: "app".into(),
                    image: "x:1".into(),
                },
            ),
            (&pod, Action::Delete),
        ] {
            let out = ex.execute(&target(&env, e), &a).await;
            assert!(
                !out.ok && out.message.contains("read-only"),
                "{}",
                out.message
            );
        }
        let muts = mutations(&cluster);
        assert!(
            muts.is_empty(),
            "{ctx}: mutating requests reached the server: {muts:?}"
        );
    }
    let audit = env.audit_lines();
    assert_eq!(audit.len(), 8);
    assert!(audit.iter().all(|a| a["outcome"] == "refused"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forbidden_and_missing_objects_are_explained() {
    let env = ready_demo().await;
    let prod = env.sim.cluster("prod").expect("prod").clone();
    prod.forbid(SimResource::Deployments, &["patch"]);
    let e = env.entity("prod", "workload", "auth");
    let ex = env.executor(false, UserConfig::default());
    let out = ex.execute(&target(&env, &e), &Action::Restart).await;
    assert!(!out.ok);
    assert!(
        out.message.starts_with("forbidden:") && out.message.contains("nothing was changed"),
        "{}",
        out.message
    );

    let mut gone = target(&env, &env.entity("dev", "workload", "auth"));
    gone.name = "no-such-deployment".into();
    let out = ex.execute(&gone, &Action::Restart).await;
    assert!(out.message.contains("no longer exists"), "{}", out.message);

    let mut paused = target(&env, &env.entity("dev", "workload", "auth"));
    paused.paused = true;
    let out = ex.execute(&paused, &Action::Restart).await;
    assert!(out.message.contains("paused"), "{}", out.message);

    // The same outcomes, typed.
    let err = ex
        .act(&target(&env, &e), &Action::Restart)
        .await
        .expect_err("forbidden");
    assert!(
        matches!(
            &err,
            ActionError::Api(ApiFailure::Forbidden {
                action: "restart",
                ..
            })
        ),
        "{err:?}"
    );
    let err = ex.act(&gone, &Action::Restart).await.expect_err("gone");
    assert!(
        matches!(&err, ActionError::Api(ApiFailure::NotFound { .. })),
        "{err:?}"
    );
    let err = ex.act(&paused, &Action::Restart).await.expect_err("paused");
    assert!(
        matches!(&err, ActionError::Refused(Refusal::Paused { .. })),
        "{err:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_and_cronjobs_are_not_restarted_or_scaled_and_nothing_is_sent() {
    let env = ready_demo().await;
    let prod = env.sim.cluster("prod").expect("prod").clone();
    let ex = env.executor(false, UserConfig::default());
    let cron = env.entity("prod", "workload", "nightly-report");
    let c = &env.session.catalog;
    let job = c
        .entities_in(cron.cluster, cron.bp)
        .find(|r| r.name.starts_with("nightly-report-"))
        .map(|r| EntityRef {
            cluster: cron.cluster,
            bp: cron.bp,
            uid: r.uid.clone(),
        })
        .expect("the cronjob's job");
    assert!(kubeatlas::actions::applicable(c, &cron).is_empty());
    assert_eq!(
        kubeatlas::actions::applicable(c, &job),
        [kubeatlas::blueprint::ActionKind::Logs]
    );
    prod.clear_journal();
    for e in [&cron, &job] {
        let t = target(&env, e);
        for a in [Action::Restart, Action::Scale { replicas: 2 }] {
            let err = ex.act(&t, &a).await.expect_err("refused");
            let ActionError::Refused(Refusal::NotOffered { kind, .. }) = &err else {
                panic!("{err:?}")
            };
            assert_eq!(kind, &t.kind);
            assert!(
                err.to_string().starts_with(&format!(
                    "{} does not apply to a {}",
                    a.kind().map(|k| k.name()).unwrap_or_default(),
                    t.kind
                )),
                "{err}"
            );
        }
    }
    assert!(mutations(&prod).is_empty());
    let audit = env.audit_lines();
    assert_eq!(audit.len(), 4);
    assert!(audit.iter().all(|a| a["outcome"] == "refused"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_errors_and_timeouts_never_claim_success() {
    let env = ready_demo().await;
    let staging = env.sim.cluster("staging").expect("staging").clone();
    let e = env.entity("staging", "workload", "auth");
    let ex = env.executor(false, UserConfig::default());
    staging.set_fail_all(true);
    let out = ex
        .execute(&target(&env, &e), &Action::Scale { replicas: 3 })
        .await;
    staging.set_fail_all(false);
    assert!(!out.ok);
    assert!(
        out.message.contains("500") && out.message.contains("may or may not"),
        "{}",
        out.message
    );

    // No answer in time: the outcome is unknown, and said so.
    staging.set_latency(Duration::from_secs(3));
    let out = ex
        .clone()
        .with_timeout(Duration::from_millis(500))
        .execute(&target(&env, &e), &Action::Scale { replicas: 3 })
        .await;
    staging.set_latency(Duration::ZERO);
    assert!(!out.ok);
    assert!(
        out.message.contains("outcome is unknown"),
        "{}",
        out.message
    );
    let audit = env.audit_lines();
    assert_eq!(audit.len(), 2);
    assert!(audit.iter().all(|a| a["outcome"] == "failed"));
}

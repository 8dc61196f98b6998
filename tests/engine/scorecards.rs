//! Scorecards: declared in blueprint YAML, checked at load (a bad check names file:line), and
//! evaluated live on the simulated demo fleet — levels per workload, a running service at its
//! workloads' worst, a change on the server moving the level, and `get -o json` carrying them.

use crate::support::{all_ready, start};
use kubeatlas::blueprint::{BlueprintError, BlueprintSet};
use kubeatlas::score;
use kubeatlas_sim::{PatchKind, SimFleet, SimResource};
use serde_json::json;
use std::time::Duration;

const T: Duration = Duration::from_secs(25);

/// A user blueprint (a CRD) with its own scorecard; `{checks}` is spliced in.
fn widget(checks: &str) -> String {
    format!(
        "identifier: widget
title: Widget
sources:
  - {{ group: example.com, version: v1, kind: Widget, optional: true }}
properties:
  - {{ id: size, path: .spec.size, type: integer }}
  - {{ id: images, path: '.spec.containers[*].image', type: list }}
  - {{ id: owner, path: .metadata.labels.owner }}
relations:
  - {{ id: namespace, to: namespace, via: namespace }}
scorecard:
  levels: [Basic, Bronze, Silver, Gold]
  checks:
{checks}"
    )
}

fn load_error(text: &str) -> Vec<String> {
    match BlueprintSet::with_user_sources(vec![("user/widget.yaml".into(), text.to_string())]) {
        Ok(_) => panic!("expected an error for:\n{text}"),
        Err(BlueprintError { diagnostics }) => {
            diagnostics.iter().map(ToString::to_string).collect()
        }
    }
}

#[test]
fn a_bad_scorecard_check_is_reported_at_its_file_and_line() {
    // Line 14 is the first check, 15 the second.
    let unknown_prop = widget(
        "    - { id: owner, level: Bronze, property: owner, present: true }\n    - { id: replicas, level: Gold, property: replicas, gte: 2 }\n",
    );
    let l = load_error(&unknown_prop);
    assert_eq!(l.len(), 1, "{l:?}");
    assert!(
        l[0].starts_with("user/widget.yaml:15:")
            && l[0].contains("check \"replicas\": \"replicas\" is not a property"),
        "{l:?}"
    );

    let gte_on_list = widget("    - { id: many, level: Silver, property: images, gte: 2 }\n");
    let l = load_error(&gte_on_list);
    assert!(
        l[0].starts_with("user/widget.yaml:14:") && l[0].contains("gte needs an integer property"),
        "{l:?}"
    );

    let unknown_level =
        widget("    - { id: owner, level: Platinum, property: owner, present: true }\n");
    let l = load_error(&unknown_level);
    assert!(
        l[0].starts_with("user/widget.yaml:14:")
            && l[0].contains("unknown level \"Platinum\" (levels: Basic, Bronze, Silver, Gold)"),
        "{l:?}"
    );

    let base_level = widget("    - { id: owner, level: Basic, property: owner, present: true }\n");
    assert!(load_error(&base_level)[0].contains("is the base level"));

    let two_tests = widget("    - { id: size, level: Gold, property: size, gte: 2, lte: 9 }\n");
    let l = load_error(&two_tests);
    assert!(
        l[0].starts_with("user/widget.yaml:14:") && l[0].contains("exactly one test"),
        "{l:?}"
    );

    let typo = widget("    - { id: size, level: Gold, property: size, gtee: 2 }\n");
    let l = load_error(&typo);
    assert!(l[0].contains("unknown field `gtee`"), "{l:?}");

    let derived = "identifier: running-service\ntitle: Running service\nderived: { kind: running-service, from: workload }\nscorecard:\n  checks: []\n";
    let l = load_error(derived);
    assert!(
        l[0].starts_with("user/widget.yaml:4:") && l[0].contains("a derived blueprint"),
        "{l:?}"
    );
}

#[test]
fn a_user_blueprint_brings_its_own_scorecard_and_levels_follow_the_checks() {
    let text = widget(
        "    - { id: owner, title: Owner set, level: Bronze, property: owner, present: true }
    - { id: pinned, level: Silver, property: images, pinnedTag: true }
    - { id: size, level: Gold, property: size, gte: 2, environments: ['prod*'] }
",
    );
    let set = BlueprintSet::with_user_sources(vec![("user/widget.yaml".into(), text)])
        .unwrap_or_else(|e| panic!("{e}"));
    let bp = set.get(set.by_identifier("widget").expect("widget"));
    let card = bp.scorecard.as_ref().expect("scorecard compiled");
    let project = |obj: serde_json::Value| bp.project(0, &obj).expect("projects");
    let obj = |owner: Option<&str>, image: &str, size: i64| {
        let mut o = json!({"metadata": {"name": "w", "namespace": "n", "uid": "u", "labels": {}},
                           "spec": {"size": size, "containers": [{"image": image}]}});
        if let Some(owner) = owner {
            o["metadata"]["labels"]["owner"] = json!(owner);
        }
        o
    };
    let all = |_| true;
    let s = card.evaluate(&project(obj(Some("team-a"), "app:1.2", 3)), "prod", all);
    assert_eq!((s.level.as_str(), s.passed, s.total), ("Gold", 3, 3));
    // The Gold check applies in prod only: elsewhere one replica is still Gold.
    let s = card.evaluate(&project(obj(Some("team-a"), "app:1.2", 1)), "dev", all);
    assert_eq!((s.level.as_str(), s.total), ("Gold", 2));
    let s = card.evaluate(&project(obj(Some("team-a"), "app:1.2", 1)), "prod", all);
    assert_eq!(s.level, "Silver");
    // A failing lower level caps the level even when higher checks pass.
    let s = card.evaluate(&project(obj(None, "app:1.2", 3)), "prod", all);
    assert_eq!(s.level, "Basic");
    assert_eq!(
        s.failing().map(|c| c.title.as_str()).collect::<Vec<_>>(),
        ["Owner set"]
    );
    let s = card.evaluate(&project(obj(Some("t"), "app:latest", 3)), "prod", all);
    assert_eq!((s.level.as_str(), s.passed), ("Bronze", 2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn running_services_on_the_demo_fleet_score_at_their_workloads_worst_and_follow_changes() {
    let mut env = start(SimFleet::demo(), &[]).await;
    assert!(
        env.pump_until(T, |c| all_ready(c, &["dev", "staging", "prod"]))
            .await
    );
    let cat = &env.session.catalog;
    let level = |svc: &str, envr: &str| {
        let rs = cat.running_service(svc, envr).expect("running service");
        score::of_running(cat, &rs).expect("scored")
    };
    // Everything set, 3 replicas in prod.
    assert_eq!(level("auth", "prod").level, "Gold");
    // The envoy sidecar has neither resource limits nor a readiness probe: Silver fails,
    // Bronze holds.
    let checkout = level("checkout-api", "prod");
    assert_eq!(checkout.level, "Bronze");
    assert_eq!(
        checkout
            .failing
            .iter()
            .map(|f| (f.workload.as_str(), f.check.id.as_str()))
            .collect::<Vec<_>>(),
        [
            ("prod/shop/checkout-api", "limits"),
            ("prod/shop/checkout-api", "readiness")
        ]
    );
    // No owner label: the base level.
    assert_eq!(level("fluent-bit", "staging").level, "Basic");

    // Scaling auth in prod to one replica on the server drops it to Silver.
    let prod = env.sim.cluster("prod").expect("prod").clone();
    prod.patch(
        SimResource::Deployments,
        Some("platform"),
        "auth",
        PatchKind::Merge,
        &json!({"spec": {"replicas": 1}}),
    )
    .expect("patched");
    let dropped = env
        .pump_until(T, |c| {
            c.running_service("auth", "prod")
                .and_then(|rs| score::of_running(c, &rs))
                .is_some_and(|s| s.level == "Silver")
        })
        .await;
    assert!(dropped, "auth in prod should drop to Silver at 1 replica");
}

#[test]
fn get_running_services_json_carries_each_score_and_its_failing_checks() {
    let home = tempfile::tempdir().expect("tmp");
    let o = crate::support::binary(home.path())
        .args(["--demo", "get", "running-services", "-o", "json"])
        .output()
        .expect("binary runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let rows: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let row = |svc: &str, envr: &str| {
        rows.as_array()
            .and_then(|a| {
                a.iter()
                    .find(|r| r["service"] == svc && r["environment"] == envr)
            })
            .cloned()
            .unwrap_or_else(|| panic!("{svc} in {envr}"))
    };
    let checkout = row("checkout-api", "dev");
    assert_eq!(checkout["score"]["level"], "Bronze");
    assert_eq!(checkout["score"]["failing"][0]["id"], "limits");
    assert_eq!(
        checkout["score"]["failing"][0]["workload"],
        "dev/shop/checkout-api"
    );
    assert_eq!(row("redis", "prod")["score"]["level"], "Bronze");
    assert_eq!(row("auth", "prod")["score"]["level"], "Gold");
}

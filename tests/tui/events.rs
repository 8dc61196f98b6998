//! Events in the detail view: opening a pod's detail follows its Events (one effect, nothing
//! kept in the catalog), they show as the EVENTS section (Warnings in the failed tone), leaving
//! the detail stops them; and the runner lists and then watches them on the simulator with
//! kubectl describe's field selector, a new Event arriving while the detail is open.

use crate::support::{all_ready, start};
use crossterm::event::KeyCode;
use kubeatlas::actions::ObjectAddress;
use kubeatlas::actions::events::{EventRow, field_selector};
use kubeatlas::catalog::Catalog;
use kubeatlas::config::UserConfig;
use kubeatlas::tui::effects::Runner;
use kubeatlas::tui::fixture::{self, app, press, type_text};
use kubeatlas::tui::msg::{Effect, Msg, Reply};
use kubeatlas::tui::{App, update};
use kubeatlas_sim::SimFleet;
use std::time::Duration;
use tokio::sync::mpsc;

const T: Duration = Duration::from_secs(25);

fn command(a: &mut App, cat: &Catalog, cmd: &str) {
    type_text(a, cat, &format!(":{cmd}"));
    press(a, cat, KeyCode::Enter);
}

#[test]
fn a_pods_detail_follows_its_events_and_stops_when_it_closes() {
    let cat = fixture::fleet();
    let mut a = app(&cat);
    command(&mut a, &cat, "pods prod");
    let fx = press(&mut a, &cat, KeyCode::Char('d'));
    let [Effect::FollowEvents { entity, target }] = fx.as_slice() else {
        panic!("one FollowEvents: {fx:?}")
    };
    assert!(!target.name.is_empty() && target.namespace.is_some());
    let rows = vec![EventRow {
        type_: "Warning".into(),
        reason: "BackOff".into(),
        count: 12,
        last_seen: Some(fixture::NOW - 30),
        message: "Back-off restarting failed container app".into(),
    }];
    update(
        &mut a,
        &cat,
        Msg::EffectDone(Reply::Events {
            entity: entity.clone(),
            result: Ok(rows),
        }),
    );
    let s = fixture::screen(&mut a, &cat, 120, 60);
    assert!(s.contains("EVENTS"), "{s}");
    let line = s
        .lines()
        .find(|l| l.contains("BackOff"))
        .unwrap_or_else(|| panic!("{s}"));
    assert!(
        line.contains("Warning") && line.contains("12") && line.contains("30s"),
        "{line}"
    );
    // On a short screen the detail scrolls down to its events.
    fixture::screen(&mut a, &cat, 120, 20);
    press(&mut a, &cat, KeyCode::Char('G'));
    let s = fixture::screen(&mut a, &cat, 120, 20);
    assert!(s.contains("BackOff"), "{s}");
    let fx = press(&mut a, &cat, KeyCode::Esc);
    assert_eq!(fx, [Effect::StopEvents]);
}

#[test]
fn the_field_selector_is_kubectl_describes() {
    let t = ObjectAddress {
        cluster: kubeatlas::catalog::ClusterId(0),
        context: "prod".into(),
        group: String::new(),
        version: "v1".into(),
        kind: "Pod".into(),
        plural: "pods".into(),
        namespace: Some("shop".into()),
        name: "web-1".into(),
        uid: "u-1".into(),
    };
    assert_eq!(
        field_selector(&t),
        "involvedObject.name=web-1,involvedObject.namespace=shop,involvedObject.kind=Pod,involvedObject.uid=u-1"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_runner_lists_then_watches_a_pods_events() {
    let mut env = start(SimFleet::demo(), &[]).await;
    assert!(
        env.pump_until(T, |c| all_ready(c, &["dev", "staging", "prod"]))
            .await
    );
    let pod = env.entity("staging", "pod", "payments-api-");
    let target = ObjectAddress::of(&env.session.catalog, &pod).expect("address");
    let (tx, mut replies) = mpsc::unbounded_channel();
    let (log_tx, _lines) = mpsc::channel(4);
    let mut runner = Runner::new(
        env.session.clients.clone(),
        env.executor(false, UserConfig::default()),
        tx,
        log_tx,
    );
    runner.run(Effect::FollowEvents {
        entity: pod.clone(),
        target: target.clone(),
    });
    let next = |replies: &mut mpsc::UnboundedReceiver<Msg>| {
        let r = replies.try_recv();
        r.ok()
    };
    let deadline = tokio::time::Instant::now() + T;
    let mut first = None;
    while first.is_none() && tokio::time::Instant::now() < deadline {
        if let Some(Msg::EffectDone(Reply::Events { entity, result })) = next(&mut replies) {
            assert_eq!(entity, pod);
            first = Some(result.expect("events"));
        } else {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    let first = first.expect("events listed");
    assert!(
        first
            .iter()
            .any(|e| e.is_warning() && e.reason == "BackOff"),
        "{first:?}"
    );

    // A new Event while the detail is open arrives through the watch.
    let staging = env.sim.cluster("staging").expect("staging");
    let obj = staging
        .get(
            kubeatlas_sim::SimResource::Pods,
            target.namespace.as_deref(),
            &target.name,
        )
        .expect("pod");
    let mut ev = serde_json::json!({
        "apiVersion": "v1", "kind": "Event",
        "metadata": {"name": format!("{}.unhealthy", target.name), "namespace": target.namespace},
        "involvedObject": {"apiVersion": "v1", "kind": "Pod", "name": target.name,
            "namespace": target.namespace, "uid": obj["metadata"]["uid"]},
        "reason": "Unhealthy", "message": "Readiness probe failed", "type": "Warning", "count": 1,
        "lastTimestamp": jiff::Timestamp::now().round(jiff::Unit::Second).expect("now").to_string(),
    });
    staging.create(ev.take()).expect("event created");
    let mut seen = false;
    let deadline = tokio::time::Instant::now() + T;
    while !seen && tokio::time::Instant::now() < deadline {
        match next(&mut replies) {
            Some(Msg::EffectDone(Reply::Events { result, .. })) => {
                seen = result
                    .expect("events")
                    .iter()
                    .any(|e| e.reason == "Unhealthy");
            }
            _ => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
    assert!(seen, "the new event arrived");
    assert!(runner.event_followers() > 0);
    runner.run(Effect::StopEvents);
    assert_eq!(runner.event_followers(), 0);
}

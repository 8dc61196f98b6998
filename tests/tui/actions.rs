//! Actions from the TUI, keys → dialogs → effects: restart/redeploy/scale/delete each emit
//! exactly one `Act` effect only after confirming; cancel emits nothing; protected contexts
//! need the typed name; matrix cells act on every workload; read-only refuses every mutating
//! key; refusals come before asking; outcomes and rollout progress; the blueprint's `actions`
//! list decides what is offered; the `:crash-test` hook.

use crate::keys::{act_of, command, message};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kubeatlas::actions::progress::RolloutState;
use kubeatlas::actions::{Action, Outcome};
use kubeatlas::blueprint::{ActionKind, ActionsSpec, BlueprintSet};
use kubeatlas::catalog::{Catalog, EntityRef};
use kubeatlas::tui::act::dialog::{Dialog, Step};
use kubeatlas::tui::fixture::{self, app, press, type_text};
use kubeatlas::tui::help::{self, Showing};
use kubeatlas::tui::layer::Layer;
use kubeatlas::tui::msg::{Effect, Msg, Reply};
use kubeatlas::tui::theme::Theme;
use kubeatlas::tui::view::RowKey;
use kubeatlas::tui::{App, update};

fn ctrl(a: &mut App, cat: &Catalog, c: char) -> Vec<Effect> {
    update(
        a,
        cat,
        Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)),
    )
}

fn dialog(a: &App) -> &Dialog {
    match a.layers().overlay() {
        Some(Layer::Dialog(d)) => d,
        other => panic!("no dialog: {other:?}; message {:?}", a.message()),
    }
}

fn selected(a: &App) -> EntityRef {
    match a.page().selected_key() {
        Some(RowKey::Entity(e)) => e.clone(),
        other => panic!("{other:?}"),
    }
}

fn ok(generation: Option<i64>, message: &str) -> Outcome {
    Outcome {
        ok: true,
        message: message.into(),
        generation,
    }
}

#[test]
fn restart_then_y_emits_exactly_one_restart_for_the_selected_workload() {
    let cat = fixture::fleet();
    let mut a = app(&cat);
    command(&mut a, &cat, "wl prod/payments");
    let wl = selected(&a);
    assert!(
        press(&mut a, &cat, KeyCode::Char('r')).is_empty(),
        "nothing before confirming"
    );
    assert_eq!(
        dialog(&a).question(),
        "Restart Deployment payments/checkout-api in context prod?"
    );
    let fx = press(&mut a, &cat, KeyCode::Char('y'));
    let (names, action) = act_of(&fx);
    assert_eq!(names, ["prod/payments/checkout-api"]);
    assert_eq!(action, Action::Restart);
    let Effect::Act { targets, .. } = &fx[0] else {
        unreachable!()
    };
    assert_eq!(targets[0].0, wl);
    assert_eq!(targets[0].1.kind, "Deployment");
    assert!(a.layers().overlay().is_none());
    // Enter confirms too.
    press(&mut a, &cat, KeyCode::Char('r'));
    let (_, action) = act_of(&press(&mut a, &cat, KeyCode::Enter));
    assert_eq!(action, Action::Restart);
}

#[test]
fn n_and_esc_cancel_and_emit_nothing() {
    let cat = fixture::fleet();
    let mut a = app(&cat);
    command(&mut a, &cat, "wl prod/payments");
    for cancel in [KeyCode::Char('n'), KeyCode::Esc] {
        press(&mut a, &cat, KeyCode::Char('r'));
        dialog(&a);
        // Unrelated keys do not confirm.
        for c in ['x', 'j', 'r', 'q'] {
            assert!(press(&mut a, &cat, KeyCode::Char(c)).is_empty());
        }
        assert!(press(&mut a, &cat, cancel).is_empty());
        assert!(a.layers().overlay().is_none());
        assert!(message(&a).contains("cancelled"), "{}", message(&a));
        assert!(!a.quit());
    }
}

#[test]
fn a_protected_context_needs_the_object_name_typed() {
    let cat = fixture::fleet();
    let mut a = app(&cat);
    a.set_policy(fixture::policy(false, "protected: ['*prod*']\n"));
    command(&mut a, &cat, "wl prod/payments");
    press(&mut a, &cat, KeyCode::Char('r'));
    let d = dialog(&a);
    assert!(d.protected);
    assert_eq!(d.name, "checkout-api");
    // y and Enter do not confirm: they are typed.
    assert!(press(&mut a, &cat, KeyCode::Char('y')).is_empty());
    assert!(press(&mut a, &cat, KeyCode::Enter).is_empty());
    assert!(dialog(&a).error.is_some(), "a wrong name is said so");
    ctrl(&mut a, &cat, 'u');
    assert!(type_text(&mut a, &cat, "checkout").is_empty());
    assert!(
        press(&mut a, &cat, KeyCode::Enter).is_empty(),
        "wrong name: nothing"
    );
    assert!(type_text(&mut a, &cat, "-api").is_empty());
    let (names, action) = act_of(&press(&mut a, &cat, KeyCode::Enter));
    assert_eq!(
        (names, action),
        (vec!["prod/payments/checkout-api".into()], Action::Restart)
    );
    // Esc still cancels a protected dialog.
    press(&mut a, &cat, KeyCode::Char('r'));
    type_text(&mut a, &cat, "checkout-api");
    assert!(press(&mut a, &cat, KeyCode::Esc).is_empty());
    assert!(a.layers().overlay().is_none());
    // Another context is not protected: y confirms.
    command(&mut a, &cat, "wl dev/payments");
    press(&mut a, &cat, KeyCode::Char('r'));
    assert!(!dialog(&a).protected);
    act_of(&press(&mut a, &cat, KeyCode::Char('y')));
}

#[test]
fn scale_is_prefilled_with_desired_and_validated() {
    let cat = fixture::fleet();
    let mut a = app(&cat);
    command(&mut a, &cat, "wl prod/payments");
    press(&mut a, &cat, KeyCode::Char('s'));
    assert_eq!(dialog(&a).step, Step::Replicas { input: "2".into() });
    press(&mut a, &cat, KeyCode::Backspace);
    type_text(&mut a, &cat, "-1");
    assert!(press(&mut a, &cat, KeyCode::Enter).is_empty());
    let e = dialog(&a).error.clone().unwrap_or_default();
    assert!(e.contains("0 or more"), "{e}");
    ctrl(&mut a, &cat, 'u');
    type_text(&mut a, &cat, "many");
    press(&mut a, &cat, KeyCode::Enter);
    assert!(
        dialog(&a)
            .error
            .as_deref()
            .is_some_and(|e| e.contains("whole number"))
    );
    ctrl(&mut a, &cat, 'u');
    type_text(&mut a, &cat, "5");
    assert!(press(&mut a, &cat, KeyCode::Enter).is_empty(), "asks first");
    assert_eq!(
        dialog(&a).question(),
        "Scale Deployment payments/checkout-api in context prod to 5 replicas?"
    );
    let (_, action) = act_of(&press(&mut a, &cat, KeyCode::Char('y')));
    assert_eq!(action, Action::Scale { replicas: 5 });
}

#[test]
fn redeploy_picks_a_container_first_when_there_are_several() {
    let mut cat = fixture::fleet();
    fixture::apply(
        &mut cat,
        2,
        "apps",
        "Deployment",
        fixture::with_sidecar(fixture::deployment(
            "checkout-api",
            "payments",
            "prod-dep-checkout",
            "1.4.2",
            2,
            2,
        )),
    );
    let mut a = app(&cat);
    command(&mut a, &cat, "wl prod/payments");
    press(&mut a, &cat, KeyCode::Char('i'));
    assert_eq!(
        dialog(&a).step,
        Step::PickContainer {
            choices: vec!["app".into(), "envoy".into()],
            cursor: 0
        }
    );
    press(&mut a, &cat, KeyCode::Char('j'));
    assert!(press(&mut a, &cat, KeyCode::Enter).is_empty());
    assert_eq!(
        dialog(&a).step,
        Step::Image {
            container: "envoy".into(),
            input: "envoyproxy/envoy:v1.30.1".into()
        }
    );
    ctrl(&mut a, &cat, 'u');
    assert!(press(&mut a, &cat, KeyCode::Enter).is_empty());
    assert!(
        dialog(&a)
            .error
            .as_deref()
            .is_some_and(|e| e.contains("empty"))
    );
    type_text(&mut a, &cat, "envoyproxy/envoy:v1.31.0");
    press(&mut a, &cat, KeyCode::Enter);
    assert!(
        dialog(&a)
            .question()
            .contains("envoy=envoyproxy/envoy:v1.31.0")
    );
    let (names, action) = act_of(&press(&mut a, &cat, KeyCode::Char('y')));
    assert_eq!(names, ["prod/payments/checkout-api"]);
    assert_eq!(
        action,
        Action::SetImage {
            container: "envoy".into(),
            image: "envoyproxy/envoy:v1.31.0".into()
        }
    );
    // One container: straight to the image prompt, prefilled.
    press(&mut a, &cat, KeyCode::Char('j'));
    press(&mut a, &cat, KeyCode::Char('i'));
    assert_eq!(
        dialog(&a).step,
        Step::Image {
            container: "app".into(),
            input: "registry.example/ledger:3.1.0".into()
        }
    );
}

#[test]
fn ctrl_d_deletes_a_pod_and_only_a_pod() {
    let cat = fixture::fleet();
    let mut a = app(&cat);
    command(&mut a, &cat, "pods dev/shop");
    assert!(ctrl(&mut a, &cat, 'd').is_empty());
    assert_eq!(
        dialog(&a).question(),
        "Delete Pod shop/cart-5c6d7e8f9-kkkkk in context dev?"
    );
    let (names, action) = act_of(&press(&mut a, &cat, KeyCode::Char('y')));
    assert_eq!(names, ["dev/shop/cart-5c6d7e8f9-kkkkk"]);
    assert_eq!(action, Action::Delete);
    // The pod blueprint lists no restart; the workload blueprint no delete.
    assert!(press(&mut a, &cat, KeyCode::Char('r')).is_empty());
    assert!(a.layers().overlay().is_none());
    assert!(
        message(&a).contains("restart does not apply to pods"),
        "{}",
        message(&a)
    );
    command(&mut a, &cat, "wl dev");
    assert!(ctrl(&mut a, &cat, 'd').is_empty());
    assert!(a.layers().overlay().is_none());
    assert!(message(&a).contains("delete does not apply to workloads"));
}

/// A second checkout-api workload in prod (a canary in `shop`), so the cell has two.
fn with_canary() -> Catalog {
    let mut cat = fixture::fleet();
    let mut canary = fixture::deployment(
        "checkout-api-canary",
        "shop",
        "prod-dep-canary",
        "1.4.2",
        1,
        1,
    );
    canary["metadata"]["labels"]["app.kubernetes.io/name"] = "checkout-api".into();
    fixture::apply(&mut cat, 2, "apps", "Deployment", canary);
    cat
}

#[test]
fn a_matrix_cell_acts_on_every_workload_of_the_service_there() {
    let cat = with_canary();
    let mut a = app(&cat);
    press(&mut a, &cat, KeyCode::Char('m'));
    press(&mut a, &cat, KeyCode::Char('j'));
    press(&mut a, &cat, KeyCode::Char('l'));
    press(&mut a, &cat, KeyCode::Char('l'));
    assert_eq!(a.page().cache.envs[a.page().column].as_ref(), "prod");
    press(&mut a, &cat, KeyCode::Char('r'));
    let d = dialog(&a);
    assert!(d.many);
    let listed: Vec<String> = d.targets.iter().map(|t| t.label()).collect();
    assert_eq!(
        listed,
        [
            "prod/payments/checkout-api",
            "prod/shop/checkout-api-canary"
        ]
    );
    assert_eq!(
        d.question(),
        "Restart running service checkout-api in prod (2 workloads)?"
    );
    let (names, action) = act_of(&press(&mut a, &cat, KeyCode::Char('y')));
    assert_eq!(
        names,
        [
            "prod/payments/checkout-api",
            "prod/shop/checkout-api-canary"
        ]
    );
    assert_eq!(action, Action::Restart);

    // Redeploy on the cell: one container name, one image, applied to each.
    press(&mut a, &cat, KeyCode::Char('i'));
    assert!(matches!(&dialog(&a).step, Step::Image { container, .. } if container == "app"));
    ctrl(&mut a, &cat, 'u');
    type_text(&mut a, &cat, "registry.example/checkout-api:1.5.0");
    press(&mut a, &cat, KeyCode::Enter);
    let (names, action) = act_of(&press(&mut a, &cat, KeyCode::Char('y')));
    assert_eq!(names.len(), 2);
    assert_eq!(
        action,
        Action::SetImage {
            container: "app".into(),
            image: "registry.example/checkout-api:1.5.0".into()
        }
    );
    // The running-service blueprint lists no scale; an empty cell says so.
    press(&mut a, &cat, KeyCode::Char('s'));
    assert!(a.layers().overlay().is_none());
    press(&mut a, &cat, KeyCode::Char('j'));
    press(&mut a, &cat, KeyCode::Char('h'));
    press(&mut a, &cat, KeyCode::Char('h'));
    assert!(press(&mut a, &cat, KeyCode::Char('r')).is_empty());
    assert!(a.layers().overlay().is_none());
    assert!(
        message(&a).contains("ledger does not run in dev"),
        "{}",
        message(&a)
    );
}

#[test]
fn a_cell_redeploy_skips_workloads_without_the_container() {
    let mut cat = with_canary();
    fixture::apply(
        &mut cat,
        2,
        "apps",
        "Deployment",
        fixture::with_sidecar(fixture::deployment(
            "checkout-api",
            "payments",
            "prod-dep-checkout",
            "1.4.2",
            2,
            2,
        )),
    );
    let mut a = app(&cat);
    press(&mut a, &cat, KeyCode::Char('m'));
    press(&mut a, &cat, KeyCode::Char('j'));
    press(&mut a, &cat, KeyCode::End);
    press(&mut a, &cat, KeyCode::Char('k'));
    press(&mut a, &cat, KeyCode::Right);
    press(&mut a, &cat, KeyCode::Right);
    press(&mut a, &cat, KeyCode::Char('i'));
    press(&mut a, &cat, KeyCode::Down);
    press(&mut a, &cat, KeyCode::Enter);
    let d = dialog(&a);
    assert_eq!(d.targets.len(), 1);
    assert_eq!(d.skipped[0].0, "prod/shop/checkout-api-canary");
    assert!(d.skipped[0].1.contains("no container envoy"));
    press(&mut a, &cat, KeyCode::Enter);
    let (names, _) = act_of(&press(&mut a, &cat, KeyCode::Char('y')));
    assert_eq!(names, ["prod/payments/checkout-api"]);
}

#[test]
fn read_only_refuses_every_mutating_key_and_hides_it_from_help() {
    let cat = fixture::fleet();
    let mut a = App::new(Theme { color: false }, false, true, fixture::NOW);
    update(&mut a, &cat, Msg::Catalog);
    command(&mut a, &cat, "wl prod/payments");
    for k in ['r', 'i', 's'] {
        assert!(press(&mut a, &cat, KeyCode::Char(k)).is_empty());
        assert!(a.layers().overlay().is_none(), "no dialog for {k}");
        assert!(message(&a).starts_with("read-only: "), "{}", message(&a));
        assert!(message(&a).contains("disabled in context prod"));
    }
    assert_eq!(message(&a), "read-only: scale is disabled in context prod");
    assert_eq!(a.offered(), [ActionKind::Logs]);
    // Logs only read: still offered.
    let fx = press(&mut a, &cat, KeyCode::Char('l'));
    assert!(matches!(fx.as_slice(), [Effect::Logs { .. }]), "{fx:?}");
    press(&mut a, &cat, KeyCode::Esc);
    command(&mut a, &cat, "pods prod");
    assert!(ctrl(&mut a, &cat, 'd').is_empty());
    assert!(message(&a).contains("read-only: delete is disabled in context prod"));
    press(&mut a, &cat, KeyCode::Char('m'));
    assert!(a.offered().is_empty());
    press(&mut a, &cat, KeyCode::Char('r'));
    assert!(a.layers().overlay().is_none());
    let s = fixture::screen(&mut a, &cat, 100, 30);
    assert!(s.contains("READ-ONLY"), "{s}");
}

#[test]
fn a_read_only_context_from_the_config_refuses_only_there() {
    let cat = fixture::fleet();
    let mut a = app(&cat);
    a.set_policy(fixture::policy(
        false,
        "contexts:\n  prod: {readonly: true}\n",
    ));
    command(&mut a, &cat, "wl prod/payments");
    assert!(press(&mut a, &cat, KeyCode::Char('r')).is_empty());
    assert_eq!(
        message(&a),
        "read-only: restart is disabled in context prod"
    );
    assert!(a.layers().overlay().is_none());
    assert!(fixture::screen(&mut a, &cat, 100, 30).contains("READ-ONLY"));
    command(&mut a, &cat, "wl dev/payments");
    press(&mut a, &cat, KeyCode::Char('r'));
    act_of(&press(&mut a, &cat, KeyCode::Char('y')));
    assert!(!fixture::screen(&mut a, &cat, 100, 30).contains("READ-ONLY"));
}

#[test]
fn refusals_are_shown_before_asking() {
    let mut cat = fixture::fleet();
    let mut paused = fixture::deployment("cart", "shop", "dev-dep-cart", "2.0.0", 2, 2);
    paused["spec"]["paused"] = true.into();
    fixture::apply(&mut cat, 0, "apps", "Deployment", paused);
    let ds = serde_json::json!({
        "apiVersion": "apps/v1", "kind": "DaemonSet",
        "metadata": {"name": "agent", "namespace": "shop", "uid": "dev-ds-agent", "creationTimestamp": "2025-01-01T00:00:00Z"},
        "spec": {"template": {"spec": {"containers": [{"name": "agent", "image": "agent:1"}]}}},
        "status": {"desiredNumberScheduled": 2, "numberReady": 2}
    });
    fixture::apply(&mut cat, 0, "apps", "DaemonSet", ds);
    let mut a = app(&cat);
    command(&mut a, &cat, "wl dev/shop");
    type_text(&mut a, &cat, "/cart");
    press(&mut a, &cat, KeyCode::Enter);
    assert!(press(&mut a, &cat, KeyCode::Char('r')).is_empty());
    assert!(a.layers().overlay().is_none());
    assert!(message(&a).contains("is paused"), "{}", message(&a));
    press(&mut a, &cat, KeyCode::Esc);
    type_text(&mut a, &cat, "/agent");
    press(&mut a, &cat, KeyCode::Enter);
    press(&mut a, &cat, KeyCode::Char('s'));
    assert!(a.layers().overlay().is_none());
    assert!(
        message(&a).contains("scale does not apply to a DaemonSet"),
        "{}",
        message(&a)
    );
    // A DaemonSet rolls: restart is asked.
    press(&mut a, &cat, KeyCode::Char('r'));
    dialog(&a);
}

#[test]
fn outcomes_reach_the_status_line_and_rollouts_follow_the_catalog() {
    let mut cat = fixture::fleet();
    let mut a = app(&cat);
    command(&mut a, &cat, "wl prod/payments");
    press(&mut a, &cat, KeyCode::Char('r'));
    let fx = press(&mut a, &cat, KeyCode::Char('y'));
    let Effect::Act { batch, targets, .. } = &fx[0] else {
        panic!()
    };
    let (batch, entity) = (*batch, targets[0].0.clone());
    assert!(a.spinning(&cat), "an action in flight animates");
    let done = "prod › payments › Deployment checkout-api: restart (rollout) done";
    update(
        &mut a,
        &cat,
        Msg::EffectDone(Reply::Acted {
            batch,
            entity: entity.clone(),
            outcome: ok(Some(2), done),
        }),
    );
    assert_eq!(message(&a), done);
    assert!(!a.message().is_some_and(|m| m.error));
    assert_eq!(a.rollouts().len(), 1);
    assert_eq!(a.rollouts()[0].progress.state, RolloutState::Pending);
    let status = |updated: i64, current: i64| {
        let mut d = fixture::deployment(
            "checkout-api",
            "payments",
            "prod-dep-checkout",
            "1.4.2",
            2,
            2,
        );
        d["metadata"]["generation"] = 2.into();
        d["status"]["observedGeneration"] = 2.into();
        d["status"]["updatedReplicas"] = updated.into();
        d["status"]["replicas"] = current.into();
        d
    };
    fixture::apply(&mut cat, 2, "apps", "Deployment", status(1, 3));
    update(&mut a, &cat, Msg::Catalog);
    assert_eq!(
        a.rollouts()[0].line(),
        "prod/payments/checkout-api: rolling out: 1/2 updated, 2/2 ready"
    );
    fixture::apply(&mut cat, 2, "apps", "Deployment", status(2, 2));
    update(&mut a, &cat, Msg::Catalog);
    assert_eq!(a.rollouts()[0].progress.state, RolloutState::Done);
    assert_eq!(
        a.rollouts()[0].line(),
        "prod/payments/checkout-api: rolled out: 2/2 ready"
    );
    assert!(a.next_tick(&cat).is_some(), "ticks to take the line away");
    update(
        &mut a,
        &cat,
        Msg::Tick {
            now: fixture::NOW + 2,
        },
    );
    assert_eq!(a.rollouts().len(), 1, "stays a few seconds");
    update(
        &mut a,
        &cat,
        Msg::Tick {
            now: fixture::NOW + 6,
        },
    );
    assert!(a.rollouts().is_empty());

    // A failure is an error in the status line, with the engine's words; no rollout.
    press(&mut a, &cat, KeyCode::Char('r'));
    let fx = press(&mut a, &cat, KeyCode::Char('y'));
    let Effect::Act { batch, .. } = &fx[0] else {
        panic!()
    };
    let failed = Outcome {
        ok: false,
        message: "forbidden: your credentials for context prod may not restart …".into(),
        generation: None,
    };
    update(
        &mut a,
        &cat,
        Msg::EffectDone(Reply::Acted {
            batch: *batch,
            entity: entity.clone(),
            outcome: failed,
        }),
    );
    assert!(
        a.message()
            .is_some_and(|m| m.error && m.text.starts_with("forbidden:"))
    );
    assert!(a.rollouts().is_empty());
    assert!(a.batches().is_empty());

    // x dismisses rollout lines.
    press(&mut a, &cat, KeyCode::Char('r'));
    let fx = press(&mut a, &cat, KeyCode::Char('y'));
    let Effect::Act { batch, .. } = &fx[0] else {
        panic!()
    };
    update(
        &mut a,
        &cat,
        Msg::EffectDone(Reply::Acted {
            batch: *batch,
            entity,
            outcome: ok(Some(3), "ok"),
        }),
    );
    assert_eq!(a.rollouts().len(), 1);
    press(&mut a, &cat, KeyCode::Char('x'));
    assert!(a.rollouts().is_empty());
}

#[test]
fn a_batch_sums_up_its_answers() {
    let cat = with_canary();
    let mut a = app(&cat);
    press(&mut a, &cat, KeyCode::Char('m'));
    press(&mut a, &cat, KeyCode::Char('j'));
    press(&mut a, &cat, KeyCode::End);
    press(&mut a, &cat, KeyCode::Char('k'));
    press(&mut a, &cat, KeyCode::Right);
    press(&mut a, &cat, KeyCode::Right);
    press(&mut a, &cat, KeyCode::Char('r'));
    let fx = press(&mut a, &cat, KeyCode::Char('y'));
    let Effect::Act { batch, targets, .. } = fx[0].clone() else {
        panic!()
    };
    update(
        &mut a,
        &cat,
        Msg::EffectDone(Reply::Acted {
            batch,
            entity: targets[0].0.clone(),
            outcome: ok(Some(2), "one"),
        }),
    );
    assert_eq!(message(&a), "restart (rollout): 1/2 answered…");
    let failed = Outcome {
        ok: false,
        message: "conflict".into(),
        generation: None,
    };
    update(
        &mut a,
        &cat,
        Msg::EffectDone(Reply::Acted {
            batch,
            entity: targets[1].0.clone(),
            outcome: failed,
        }),
    );
    assert_eq!(
        message(&a),
        "restart (rollout): 1 of 2 done; prod/shop/checkout-api-canary: conflict"
    );
    assert!(a.message().is_some_and(|m| m.error));
    assert_eq!(a.rollouts().len(), 1);
}

#[test]
fn the_blueprints_actions_list_decides_what_is_offered() {
    let cat = fixture::fleet();
    let mut a = app(&cat);
    assert!(a.offered().is_empty(), "the fleet has no actions");
    command(&mut a, &cat, "wl");
    assert_eq!(
        a.offered(),
        [
            ActionKind::Restart,
            ActionKind::Redeploy,
            ActionKind::Scale,
            ActionKind::Undo,
            ActionKind::Logs
        ]
    );
    let keys: Vec<&str> = help::bindings(Showing::View(&a.page().view), a.offered(), false)
        .into_iter()
        .flat_map(|(_, b)| b.into_iter().map(|(k, _)| k))
        .collect();
    for k in ["r", "i", "s", "u", "l"] {
        assert!(keys.contains(&k), "{k} in {keys:?}");
    }
    assert!(!keys.contains(&"^d"));
    command(&mut a, &cat, "pods");
    assert_eq!(
        a.offered(),
        [
            ActionKind::Delete,
            ActionKind::Logs,
            ActionKind::Exec,
            ActionKind::PortForward
        ]
    );
    press(&mut a, &cat, KeyCode::Char('m'));
    assert_eq!(
        a.offered(),
        [ActionKind::Restart, ActionKind::Redeploy, ActionKind::Undo]
    );

    // A user's workload blueprint that allows restart only: the other keys are refused.
    let workload = BlueprintSet::builtin()
        .expect("builtin")
        .all()
        .iter()
        .find(|b| b.spec.identifier == "workload")
        .map(|b| {
            let mut s = b.spec.clone();
            s.actions = ActionsSpec(vec![(ActionKind::Restart, Default::default())]);
            serde_yaml::to_string(&s).expect("yaml")
        })
        .expect("workload");
    let set = BlueprintSet::with_user_sources(vec![("workload.yaml".into(), workload)])
        .expect("user blueprint");
    let cat = fixture::fleet_over(set);
    let mut a = app(&cat);
    command(&mut a, &cat, "wl prod/payments");
    assert_eq!(a.offered(), [ActionKind::Restart]);
    for k in ['s', 'i', 'l'] {
        assert!(press(&mut a, &cat, KeyCode::Char(k)).is_empty());
        assert!(
            a.layers().overlay().is_none() && a.layers().logs().is_none(),
            "{k}"
        );
    }
    assert!(message(&a).contains("logs does not apply to workloads"));
    press(&mut a, &cat, KeyCode::Char('r'));
    dialog(&a);
}

#[test]
fn crash_test_panics_only_when_enabled() {
    let cat = fixture::fleet();
    let mut a = app(&cat);
    command(&mut a, &cat, "crash-test");
    assert!(message(&a).contains("unknown command"), "{}", message(&a));
    let mut a = a.with_crash_test(true);
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        command(&mut a, &cat, "crash-test");
    }));
    assert!(r.is_err(), ":crash-test panics when enabled");
}

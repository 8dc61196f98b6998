//! Exec and port-forward from the TUI, keys → effects: `s` on a pod asks for nothing more
//! when it has one container (on a workload it stays scale), `f` asks `[LOCAL:]REMOTE` and
//! sends exactly what was typed, a bad port is refused in words, read-only refuses both with
//! no effect, the `:pf` list follows the runner's replies and `d` stops a forward.

use crate::keys::{act_of, command, message};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kubeatlas::actions::Action;
use kubeatlas::blueprint::ActionKind;
use kubeatlas::tui::act::dialog::Step;
use kubeatlas::tui::fixture::{self, app, press, type_text};
use kubeatlas::tui::layer::Layer;
use kubeatlas::tui::msg::{Effect, Msg, Reply};
use kubeatlas::tui::portforward::ForwardRow;
use kubeatlas::tui::update;

#[test]
fn s_on_a_pod_with_one_container_opens_a_shell_at_once_and_stays_scale_on_workloads() {
    let cat = fixture::fleet();
    let mut a = app(&cat);
    command(&mut a, &cat, "pods prod/shop");
    assert_eq!(
        a.offered(),
        [
            ActionKind::Delete,
            ActionKind::Logs,
            ActionKind::Exec,
            ActionKind::PortForward
        ]
    );
    let (targets, action) = act_of(&press(&mut a, &cat, KeyCode::Char('s')));
    assert_eq!(targets.len(), 1);
    assert!(targets[0].starts_with("prod/shop/"), "{targets:?}");
    assert_eq!(
        action,
        Action::Exec {
            container: "app".into(),
            command: kubeatlas::actions::exec::shell_command(),
        }
    );
    assert!(
        message(&a).starts_with("exec: connecting to prod/shop/"),
        "{}",
        message(&a)
    );
    assert!(a.layers().overlay().is_none(), "nothing asked");

    command(&mut a, &cat, "wl prod/shop");
    press(&mut a, &cat, KeyCode::Char('s'));
    match a.layers().overlay() {
        Some(Layer::Dialog(d)) => {
            assert_eq!(d.kind, ActionKind::Scale);
            assert!(matches!(d.step, Step::Replicas { .. }));
        }
        other => panic!("scale on a workload: {other:?}"),
    }
}

#[test]
fn f_asks_local_and_remote_ports_and_sends_what_was_typed() {
    let cat = fixture::fleet();
    let mut a = app(&cat);
    command(&mut a, &cat, "pods dev/shop");
    assert!(press(&mut a, &cat, KeyCode::Char('f')).is_empty());
    let Some(Layer::Dialog(d)) = a.layers().overlay() else {
        panic!("no port prompt: {}", message(&a));
    };
    assert_eq!(d.kind, ActionKind::PortForward);
    assert!(matches!(d.step, Step::Ports { .. }));
    let s = fixture::screen(&mut a, &cat, 100, 30);
    assert!(s.contains("Forward [LOCAL:]REMOTE port"), "{s}");

    // Not a port: said so, the prompt stays.
    assert!(type_text(&mut a, &cat, "http").is_empty());
    assert!(press(&mut a, &cat, KeyCode::Enter).is_empty());
    assert!(
        fixture::screen(&mut a, &cat, 100, 30).contains("\"http\" is not a port number"),
        "{}",
        fixture::screen(&mut a, &cat, 100, 30)
    );
    for _ in 0..4 {
        press(&mut a, &cat, KeyCode::Backspace);
    }
    type_text(&mut a, &cat, "9000:8080");
    let (targets, action) = act_of(&press(&mut a, &cat, KeyCode::Enter));
    assert!(targets[0].starts_with("dev/shop/"), "{targets:?}");
    assert_eq!(
        action,
        Action::PortForward {
            remote: 8080,
            local: Some(9000)
        }
    );
    assert!(a.layers().overlay().is_none());
}

#[test]
fn read_only_refuses_exec_and_port_forward_without_an_effect() {
    let cat = fixture::fleet();
    let mut a = app(&cat);
    a.set_policy(fixture::policy(true, ""));
    command(&mut a, &cat, "pods prod/shop");
    assert_eq!(a.offered(), [ActionKind::Logs]);
    assert!(press(&mut a, &cat, KeyCode::Char('s')).is_empty());
    assert_eq!(message(&a), "read-only: exec is disabled in context prod");
    assert!(press(&mut a, &cat, KeyCode::Char('f')).is_empty());
    assert_eq!(
        message(&a),
        "read-only: port-forward is disabled in context prod"
    );
    assert!(a.layers().overlay().is_none());
}

#[test]
fn the_pf_view_lists_forwards_and_d_stops_one() {
    let cat = fixture::fleet();
    let mut a = app(&cat);
    command(&mut a, &cat, "pf");
    let s = fixture::screen(&mut a, &cat, 100, 30);
    assert!(
        s.contains("port-forwards[0]") && s.contains("no port-forward running"),
        "{s}"
    );
    let row = ForwardRow {
        id: 7,
        pod: "prod › shop › cart-1".into(),
        local: "127.0.0.1:9000".into(),
        remote: 8080,
        since: fixture::NOW,
    };
    update(&mut a, &cat, Msg::EffectDone(Reply::Forwarding(row)));
    let s = fixture::screen(&mut a, &cat, 100, 30);
    assert!(
        s.contains("port-forwards[1]") && s.contains("127.0.0.1:9000"),
        "{s}"
    );
    let fx = update(
        &mut a,
        &cat,
        Msg::Key(KeyEvent::new(KeyCode::Char('d'), KeyModifiers::CONTROL)),
    );
    assert_eq!(fx, vec![Effect::StopForward { id: 7 }]);
    update(
        &mut a,
        &cat,
        Msg::EffectDone(Reply::ForwardEnded {
            id: 7,
            message: "port-forward stopped".into(),
        }),
    );
    assert!(a.forwards().rows().is_empty());
    let s = fixture::screen(&mut a, &cat, 100, 30);
    assert!(s.contains("port-forwards[0]"), "{s}");
    assert!(press(&mut a, &cat, KeyCode::Esc).is_empty());
    assert!(a.layers().overlay().is_none());
}

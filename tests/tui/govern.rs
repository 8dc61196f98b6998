//! Locks and TTLs in the TUI: `L` asks the reason and the duration and emits one `Govern`
//! effect (unlock when locked), `e` sets a TTL from now or clears it, read-only refuses both,
//! an action on a locked workload needs the service name typed and carries the override, and
//! the LOCK / TTL columns and the matrix badges read the annotations.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kubeatlas::catalog::Catalog;
use kubeatlas::govern::LOCK_KEY;
use kubeatlas::tui::act::govern::Step;
use kubeatlas::tui::fixture::{self, CREATED, NOW, app, press, screen, type_text};
use kubeatlas::tui::layer::Layer;
use kubeatlas::tui::msg::{Effect, GovernWrite, Msg};
use kubeatlas::tui::{App, update};
use serde_json::json;

fn command(a: &mut App, cat: &Catalog, cmd: &str) {
    type_text(a, cat, &format!(":{cmd}"));
    press(a, cat, KeyCode::Enter);
}

fn step(a: &App) -> Step {
    match a.layers().overlay() {
        Some(Layer::Govern(g)) => g.step.clone(),
        other => panic!("no govern dialog: {other:?}; message {:?}", a.message()),
    }
}

/// The fleet with prod's checkout-api locked by alice (until CREATED + 5h) and a 3h TTL.
fn locked_fleet(until: bool) -> Catalog {
    let mut cat = fixture::fleet();
    let mut d = fixture::deployment(
        "checkout-api",
        "payments",
        "prod-dep-checkout",
        "1.4.2",
        2,
        2,
    );
    let lock = if until {
        json!({"who": "alice", "reason": "release freeze", "since": "2025-01-01T00:00:00Z", "until": "2025-01-01T05:00:00Z"})
    } else {
        json!({"who": "alice", "reason": "release freeze", "since": "2025-01-01T00:00:00Z"})
    };
    d["metadata"]["annotations"] = json!({LOCK_KEY: lock.to_string(), "janitor/ttl": "3h", "kubeatlas.io/expires": if until { json!(null) } else { json!("2999-01-01") }});
    fixture::apply(&mut cat, 2, "apps", "Deployment", d);
    cat
}

#[test]
fn capital_l_asks_reason_then_duration_and_emits_one_lock() {
    let cat = fixture::fleet();
    let mut a = app(&cat);
    command(&mut a, &cat, "wl prod/payments");
    assert!(press(&mut a, &cat, KeyCode::Char('L')).is_empty());
    assert_eq!(step(&a), Step::Reason(String::new()));
    assert!(
        press(&mut a, &cat, KeyCode::Enter).is_empty(),
        "no reason, no lock"
    );
    type_text(&mut a, &cat, "release freeze");
    press(&mut a, &cat, KeyCode::Enter);
    assert!(matches!(step(&a), Step::Duration { ref input, .. } if input == "2h"));
    update(
        &mut a,
        &cat,
        Msg::Key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL)),
    );
    type_text(&mut a, &cat, "90x");
    assert!(
        press(&mut a, &cat, KeyCode::Enter).is_empty(),
        "bad duration: said, kept"
    );
    press(&mut a, &cat, KeyCode::Backspace);
    type_text(&mut a, &cat, "m");
    let fx = press(&mut a, &cat, KeyCode::Enter);
    let [Effect::Govern { targets, write, .. }] = &fx[..] else {
        panic!("one Govern effect: {fx:?}");
    };
    assert_eq!(
        *write,
        GovernWrite::Lock {
            reason: "release freeze".into(),
            secs: 5400
        }
    );
    assert_eq!(targets.len(), 1);
    assert_eq!(
        (targets[0].context.as_str(), targets[0].name.as_str()),
        ("prod", "checkout-api")
    );
    assert!(fx[0].is_mutating());
    assert!(a.layers().overlay().is_none());
}

#[test]
fn capital_l_on_a_locked_workload_unlocks_after_confirming() {
    let cat = locked_fleet(false);
    let mut a = app(&cat);
    command(&mut a, &cat, "wl prod/payments");
    press(&mut a, &cat, KeyCode::Char('L'));
    assert_eq!(step(&a), Step::Unlock);
    let fx = press(&mut a, &cat, KeyCode::Char('y'));
    assert!(
        matches!(
            &fx[..],
            [Effect::Govern {
                write: GovernWrite::Unlock,
                ..
            }]
        ),
        "{fx:?}"
    );
}

#[test]
fn e_sets_a_ttl_from_now_and_empty_clears_it() {
    let cat = fixture::fleet();
    let mut a = app(&cat);
    command(&mut a, &cat, "ns prod");
    press(&mut a, &cat, KeyCode::Char('e'));
    type_text(&mut a, &cat, "7d");
    let fx = press(&mut a, &cat, KeyCode::Enter);
    assert!(
        matches!(&fx[..], [Effect::Govern { write: GovernWrite::Expiry { at: Some(at) }, .. }] if *at == NOW + 7 * 86_400),
        "{fx:?}"
    );
    press(&mut a, &cat, KeyCode::Char('e'));
    let fx = press(&mut a, &cat, KeyCode::Enter);
    assert!(
        matches!(
            &fx[..],
            [Effect::Govern {
                write: GovernWrite::Expiry { at: None },
                ..
            }]
        ),
        "{fx:?}"
    );
}

#[test]
fn read_only_refuses_lock_and_ttl_keys_with_nothing_sent() {
    let cat = fixture::fleet();
    let mut a = app(&cat);
    a.set_policy(fixture::policy(true, ""));
    command(&mut a, &cat, "wl prod/payments");
    assert!(press(&mut a, &cat, KeyCode::Char('L')).is_empty());
    assert!(a.layers().overlay().is_none());
    let m = a.message().map(|m| m.text.clone()).unwrap_or_default();
    assert!(m.contains("read-only"), "{m}");
    assert!(press(&mut a, &cat, KeyCode::Char('e')).is_empty());
    assert!(a.layers().overlay().is_none());
}

#[test]
fn an_action_on_a_locked_workload_needs_the_service_name_and_carries_the_override() {
    let cat = locked_fleet(false);
    let mut a = app(&cat);
    command(&mut a, &cat, "wl prod/payments");
    press(&mut a, &cat, KeyCode::Char('r'));
    let Some(Layer::Dialog(d)) = a.layers().overlay() else {
        panic!("dialog");
    };
    assert!(d.protected && d.name == "checkout-api");
    assert!(d.locks[0].contains("locked by alice") && d.locks[0].contains("release freeze"));
    assert!(
        press(&mut a, &cat, KeyCode::Char('y')).is_empty(),
        "y does not override"
    );
    press(&mut a, &cat, KeyCode::Backspace);
    type_text(&mut a, &cat, "checkout-api");
    let fx = press(&mut a, &cat, KeyCode::Enter);
    let [Effect::Act { targets, .. }] = &fx[..] else {
        panic!("{fx:?}");
    };
    assert!(targets.iter().all(|(_, t)| t.lock_override));
}

#[test]
fn lock_and_ttl_columns_count_down_and_the_matrix_shows_badges() {
    let cat = locked_fleet(true);
    let mut a = app(&cat);
    command(&mut a, &cat, "wl prod/payments");
    let s = screen(&mut a, &cat, 200, 20);
    assert!(s.contains("LOCK") && s.contains("TTL"), "{s}");
    assert!(s.contains("locked alice 4h"), "{s}");
    assert!(s.contains("expires in 2h"), "{s}");
    // Time passes: the same rows read differently.
    update(
        &mut a,
        &cat,
        Msg::Tick {
            now: CREATED + 6 * 3600,
        },
    );
    let s = screen(&mut a, &cat, 200, 20);
    assert!(
        s.contains("lock expired") && s.contains("expired 3h ago"),
        "{s}"
    );

    let cat = locked_fleet(false);
    let mut a = app(&cat);
    command(&mut a, &cat, "rs");
    let s = screen(&mut a, &cat, 200, 20);
    assert!(s.contains("[locked]") && s.contains("[ttl "), "{s}");
}

fn expired_fleet() -> Catalog {
    let mut cat = fixture::fleet();
    let mut d = fixture::deployment(
        "checkout-api",
        "payments",
        "dev-dep-checkout",
        "1.6.0",
        1,
        1,
    );
    d["metadata"]["annotations"] = json!({"janitor/expires": "2020-01-01"});
    fixture::apply(&mut cat, 0, "apps", "Deployment", d);
    let mut d = fixture::deployment(
        "checkout-api",
        "payments",
        "prod-dep-checkout",
        "1.4.2",
        2,
        2,
    );
    let lock = json!({"who": "alice", "reason": "keep", "since": "2025-01-01T00:00:00Z"});
    d["metadata"]["annotations"] = json!({"janitor/ttl": "1s", LOCK_KEY: lock.to_string()});
    fixture::apply(&mut cat, 2, "apps", "Deployment", d);
    cat
}

#[test]
fn colon_reap_lists_the_expired_set_and_deletes_exactly_it_after_confirming() {
    let cat = expired_fleet();
    let mut a = app(&cat);
    command(&mut a, &cat, "reap");
    let Some(Layer::Dialog(d)) = a.layers().overlay() else {
        panic!("reaper dialog; message {:?}", a.message());
    };
    assert_eq!(d.targets.len(), 1);
    assert_eq!(d.targets[0].label(), "dev/payments/checkout-api");
    assert_eq!(d.skipped.len(), 1, "{:?}", d.skipped);
    assert!(
        d.skipped[0].1.contains("locked by alice"),
        "{:?}",
        d.skipped
    );
    let fx = press(&mut a, &cat, KeyCode::Char('y'));
    let [
        Effect::Act {
            targets, action, ..
        },
    ] = &fx[..]
    else {
        panic!("{fx:?}");
    };
    assert_eq!(*action, kubeatlas::actions::Action::Reap);
    assert_eq!(targets.len(), 1);
    assert_eq!(targets[0].1.name, "checkout-api");
    assert_eq!(targets[0].1.context, "dev");

    // Read-only: shown as kept, nothing to send.
    let mut a = app(&cat);
    a.set_policy(fixture::policy(true, ""));
    command(&mut a, &cat, "reap");
    assert!(a.layers().overlay().is_none());
    let m = a.message().map(|m| m.text.clone()).unwrap_or_default();
    assert!(m.contains("nothing to delete"), "{m}");
}

#[test]
fn the_detail_words_the_lock_and_the_ttl() {
    let cat = locked_fleet(true);
    let mut a = app(&cat);
    command(&mut a, &cat, "wl prod/payments");
    press(&mut a, &cat, KeyCode::Char('d'));
    let s = screen(&mut a, &cat, 160, 30);
    assert!(
        s.contains("locked by alice until 2025-01-01T05:00:00Z (4h left): release freeze"),
        "{s}"
    );
    assert!(s.contains("expires in 2h (janitor/ttl=3h)"), "{s}");
    assert!(!s.contains("\"who\""), "the raw JSON is worded: {s}");
}

#[test]
fn deleting_a_pod_of_a_locked_workload_needs_the_service_name() {
    let cat = locked_fleet(false);
    let mut a = app(&cat);
    command(&mut a, &cat, "pods prod/payments");
    update(
        &mut a,
        &cat,
        Msg::Key(KeyEvent::new(KeyCode::Char('d'), KeyModifiers::CONTROL)),
    );
    let Some(Layer::Dialog(d)) = a.layers().overlay() else {
        panic!("dialog; message {:?}", a.message());
    };
    assert!(d.protected && d.name == "checkout-api", "{}", d.name);
    assert!(d.locks[0].contains("locked by alice"), "{:?}", d.locks);
}

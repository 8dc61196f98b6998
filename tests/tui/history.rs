//! The rollout history layer, keys → state → effects: `u` opens it and asks for the history
//! (fetched on demand, not from the catalog), rows newest first with the running revision
//! marked, Enter → the undo's confirmation → exactly one `Act` with that revision; the running
//! revision says "skipped" and sends nothing; read-only shows the history and refuses undo;
//! and the runner reads a real history from the simulator.

use crate::support::{all_ready, start};
use crossterm::event::KeyCode;
use kubeatlas::actions::Action;
use kubeatlas::actions::history::Revision;
use kubeatlas::catalog::Catalog;
use kubeatlas::config::UserConfig;
use kubeatlas::tui::effects::Runner;
use kubeatlas::tui::fixture::{self, app, press, type_text};
use kubeatlas::tui::layer::Layer;
use kubeatlas::tui::msg::{Effect, Msg, Reply};
use kubeatlas::tui::theme::Theme;
use kubeatlas::tui::{App, update};
use kubeatlas_sim::SimFleet;
use std::time::Duration;
use tokio::sync::mpsc;

fn command(a: &mut App, cat: &Catalog, cmd: &str) {
    type_text(a, cat, &format!(":{cmd}"));
    press(a, cat, KeyCode::Enter);
}

fn revision(n: i64, image: &str, cause: Option<&str>, current: bool) -> Revision {
    Revision {
        revision: n,
        name: format!("checkout-api-{n}"),
        created: Some(fixture::NOW - 3600 * n),
        change_cause: cause.map(str::to_string),
        images: vec![image.to_string()],
        replicas: Some(if current { 3 } else { 0 }),
        current,
        object: serde_json::Value::Null,
    }
}

/// `u` on the selected workload: the layer and the fetch it asked for.
fn open(a: &mut App, cat: &Catalog) -> Effect {
    let fx = press(a, cat, KeyCode::Char('u'));
    let [fetch @ Effect::FetchHistory { .. }] = fx.as_slice() else {
        panic!("one FetchHistory effect: {fx:?}; message {:?}", a.message())
    };
    assert!(matches!(a.layers().top(), Some(Layer::History(_))));
    fetch.clone()
}

fn arrive(a: &mut App, cat: &Catalog, fetch: &Effect) {
    let Effect::FetchHistory { entity, .. } = fetch else {
        unreachable!()
    };
    let revisions = vec![
        revision(1, "registry.example/checkout-api:1.3.9", None, false),
        revision(
            2,
            "registry.example/checkout-api:1.4.1",
            Some("ship 1.4.1"),
            false,
        ),
        revision(
            3,
            "registry.example/checkout-api:1.4.2",
            Some("ship 1.4.2"),
            true,
        ),
    ];
    update(
        a,
        cat,
        Msg::EffectDone(Reply::History {
            entity: entity.clone(),
            result: Ok(revisions),
        }),
    );
}

#[test]
fn u_opens_the_history_and_enter_on_a_revision_confirms_an_undo_to_it() {
    let cat = fixture::fleet();
    let mut a = app(&cat);
    command(&mut a, &cat, "wl prod/payments");
    let fetch = open(&mut a, &cat);
    let Effect::FetchHistory { target, .. } = &fetch else {
        unreachable!()
    };
    assert_eq!(
        (target.kind.as_str(), target.name.as_str()),
        ("Deployment", "checkout-api")
    );
    assert!(target.history.is_some(), "the blueprint's history rule");
    let s = fixture::screen(&mut a, &cat, 110, 20);
    assert!(s.contains("reading the revisions"), "{s}");

    arrive(&mut a, &cat, &fetch);
    let s = fixture::screen(&mut a, &cat, 110, 20);
    assert!(
        s.contains("history Deployment payments/checkout-api (prod)"),
        "{s}"
    );
    let rows: Vec<&str> = s.lines().filter(|l| l.contains("checkout-api:")).collect();
    assert_eq!(rows.len(), 3, "{s}");
    assert!(
        rows[0].contains("● 3") && rows[0].contains("ship 1.4.2"),
        "{s}"
    );
    assert!(
        rows[2].contains("1.3.9") && rows[2].contains("<none>"),
        "{s}"
    );

    // Enter on the running revision: nothing to do, nothing sent.
    assert!(press(&mut a, &cat, KeyCode::Enter).is_empty());
    assert!(
        a.message()
            .is_some_and(|m| m.text.contains("skipped rollback")),
        "{:?}",
        a.message()
    );
    // j, Enter: confirm, then exactly one Act with revision 2.
    press(&mut a, &cat, KeyCode::Char('j'));
    assert!(press(&mut a, &cat, KeyCode::Enter).is_empty());
    let Some(Layer::Dialog(d)) = a.layers().top() else {
        panic!("dialog: {:?}", a.layers().top())
    };
    assert_eq!(
        d.question(),
        "Roll Deployment payments/checkout-api in context prod back to revision 2?"
    );
    let fx = press(&mut a, &cat, KeyCode::Char('y'));
    let [
        Effect::Act {
            targets, action, ..
        },
    ] = fx.as_slice()
    else {
        panic!("one Act: {fx:?}")
    };
    assert_eq!(*action, Action::Undo { to_revision: 2 });
    assert_eq!(targets.len(), 1);
    assert_eq!(targets[0].1.name, "checkout-api");
    assert!(a.layers().top().is_none(), "dialog and history closed");
}

#[test]
fn read_only_shows_the_history_but_refuses_undo() {
    let cat = fixture::fleet();
    let mut a = App::new(Theme { color: false }, false, true, fixture::NOW);
    update(&mut a, &cat, Msg::Catalog);
    command(&mut a, &cat, "wl prod/payments");
    let fetch = open(&mut a, &cat);
    arrive(&mut a, &cat, &fetch);
    press(&mut a, &cat, KeyCode::Char('j'));
    assert!(press(&mut a, &cat, KeyCode::Enter).is_empty());
    assert!(matches!(a.layers().top(), Some(Layer::History(_))));
    assert_eq!(
        a.message().map(|m| m.text.as_str()),
        Some("read-only: undo is disabled in context prod")
    );
    let s = fixture::screen(&mut a, &cat, 110, 20);
    assert!(s.contains("read-only: undo is disabled"), "{s}");
    assert!(press(&mut a, &cat, KeyCode::Esc).is_empty());
    assert!(a.layers().top().is_none());
}

#[test]
fn u_in_the_matrix_opens_the_history_of_the_cells_workload() {
    let cat = fixture::fleet();
    let mut a = app(&cat);
    press(&mut a, &cat, KeyCode::Char('m'));
    let fetch = open(&mut a, &cat);
    let Effect::FetchHistory { target, .. } = &fetch else {
        unreachable!()
    };
    assert!(target.history.is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_runner_reads_the_history_from_the_server() {
    let mut env = start(SimFleet::demo(), &[]).await;
    assert!(
        env.pump_until(Duration::from_secs(25), |c| all_ready(
            c,
            &["dev", "staging", "prod"]
        ))
        .await
    );
    let wl = env.entity("prod", "workload", "checkout-api");
    let target = kubeatlas::actions::Target::of(&env.session.catalog, &wl).expect("target");
    let (tx, mut replies) = mpsc::unbounded_channel();
    let (log_tx, _lines) = mpsc::channel(4);
    let mut runner = Runner::new(
        env.session.clients.clone(),
        env.executor(false, UserConfig::default()),
        tx,
        log_tx,
    );
    runner.run(Effect::FetchHistory {
        entity: wl.clone(),
        target,
    });
    let m = tokio::time::timeout(Duration::from_secs(25), replies.recv())
        .await
        .expect("in time")
        .expect("open");
    let Msg::EffectDone(Reply::History { entity, result }) = m else {
        panic!("{m:?}")
    };
    assert_eq!(entity, wl);
    let revs = result.expect("history");
    assert_eq!(revs.len(), 1);
    assert!(revs[0].current);
    assert!(revs[0].images[0].ends_with(":1.4.2"), "{revs:?}");
}

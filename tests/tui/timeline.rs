//! The `t` layer: the timeline of a matrix row (every environment, `e` narrows to the cell's),
//! of a workload (its pods' entries too) and of a pod; the store's answer drawn newest first;
//! a store that is off answers with its reason and nothing else stops.

use crossterm::event::KeyCode;
use kubeatlas::catalog::Catalog;
use kubeatlas::timeline::{Entry, Query};
use kubeatlas::tui::fixture::{self, app, press, screen, type_text};
use kubeatlas::tui::layer::Layer;
use kubeatlas::tui::msg::{Effect, Msg, Reply};
use kubeatlas::tui::timeline::Shown;
use kubeatlas::tui::{App, update};

fn asked(fx: &[Effect]) -> (u64, Query) {
    let [Effect::Timeline { view, query }] = fx else {
        panic!("one timeline query: {fx:?}")
    };
    (*view, query.clone())
}

fn answer(a: &mut App, cat: &Catalog, view: u64, result: Result<Vec<Entry>, String>) {
    update(a, cat, Msg::EffectDone(Reply::Timeline { view, result }));
}

/// A table line's cells (split where two spaces or more part them).
fn cells(line: &str) -> Vec<&str> {
    line.split("  ")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect()
}

fn entry(env: &str, ago: i64, text: &str, who: Option<&str>) -> Entry {
    Entry {
        at: fixture::NOW - ago,
        context: env.into(),
        env: env.into(),
        service: "checkout-api".into(),
        namespace: "payments".into(),
        kind: "Deployment".into(),
        name: "checkout-api".into(),
        owner: "checkout-api".into(),
        uid: format!("{env}-u"),
        change: "image".into(),
        text: text.into(),
        version: None,
        who: who.map(String::from),
    }
}

#[test]
fn t_on_a_matrix_row_shows_the_service_in_every_environment_newest_first() {
    let cat = fixture::fleet();
    let mut a = app(&cat);
    press(&mut a, &cat, KeyCode::Char('m'));
    press(&mut a, &cat, KeyCode::Char('j'));
    press(&mut a, &cat, KeyCode::Char('l'));
    let (view, q) = asked(&press(&mut a, &cat, KeyCode::Char('t')));
    assert_eq!(
        q,
        Query {
            service: Some("checkout-api".into()),
            ..Query::default()
        }
    );
    let s = screen(&mut a, &cat, 100, 12);
    assert!(
        s.contains("timeline checkout-api in every environment"),
        "{s}"
    );
    assert!(s.contains("reading the timeline"), "{s}");
    // An answer to an older question is dropped.
    answer(
        &mut a,
        &cat,
        view + 99,
        Ok(vec![entry("dev", 1, "old", None)]),
    );
    answer(
        &mut a,
        &cat,
        view,
        Ok(vec![
            entry("prod", 120, "restart", Some("kubeatlas")),
            entry("staging", 3 * 86_400, "image 1.4.2 → 1.5.0", None),
        ]),
    );
    let s = screen(&mut a, &cat, 100, 12);
    let lines: Vec<&str> = s.lines().collect();
    let at = |needle: &str| lines.iter().position(|l| l.contains(needle));
    let (head, first, second) = (at("AGE"), at("2m"), at("3d"));
    assert!(head < first && first < second, "{s}");
    assert!(
        lines[first.expect("prod line")].contains("restart")
            && lines[first.expect("prod")].contains("kubeatlas"),
        "{s}"
    );
    assert!(
        lines[second.expect("staging line")].contains("Deployment payments/checkout-api"),
        "{s}"
    );
    assert!(
        lines[second.expect("staging")].contains("image 1.4.2 → 1.5.0"),
        "{s}"
    );
    // `e`: only the cell's environment (staging), again: every environment.
    let (_, q) = asked(&press(&mut a, &cat, KeyCode::Char('e')));
    assert_eq!(q.env.as_deref(), Some("staging"));
    let (_, q) = asked(&press(&mut a, &cat, KeyCode::Char('e')));
    assert_eq!(q.env, None);
    // Esc closes; the matrix keys work again.
    press(&mut a, &cat, KeyCode::Esc);
    assert!(a.layers().is_empty());
    press(&mut a, &cat, KeyCode::Char('k'));
    assert_eq!(fixture::rows(&a).len(), 3);
}

#[test]
fn t_on_a_workload_asks_for_it_and_its_pods_and_on_a_pod_for_the_pod() {
    let cat = fixture::fleet();
    let mut a = app(&cat);
    type_text(&mut a, &cat, ":wl prod/payments");
    press(&mut a, &cat, KeyCode::Enter);
    let (_, q) = asked(&press(&mut a, &cat, KeyCode::Char('t')));
    assert_eq!(
        (
            q.context.as_deref(),
            q.namespace.as_deref(),
            q.owner.as_deref(),
            q.name.as_deref()
        ),
        (Some("prod"), Some("payments"), Some("checkout-api"), None)
    );
    press(&mut a, &cat, KeyCode::Char('t'));
    assert!(a.layers().is_empty(), "t closes the timeline too");
    press(&mut a, &cat, KeyCode::Enter);
    let (_, q) = asked(&press(&mut a, &cat, KeyCode::Char('t')));
    assert!(
        q.name.is_some() && q.owner.is_none(),
        "a pod by name: {q:?}"
    );
}

#[test]
fn a_timeline_that_is_off_says_why_in_the_layer_and_the_tui_goes_on() {
    let cat = fixture::fleet();
    let mut a = app(&cat);
    press(&mut a, &cat, KeyCode::Char('m'));
    let (view, _) = asked(&press(&mut a, &cat, KeyCode::Char('t')));
    let why = "timeline /tmp/x/timeline.db: locked by another program (another kubeatlas?)";
    answer(&mut a, &cat, view, Err(why.into()));
    let Some(Layer::Timeline(v)) = a.layers().top() else {
        panic!("timeline layer")
    };
    assert_eq!(v.shown, Shown::Failed(why.into()));
    assert!(screen(&mut a, &cat, 120, 12).contains("locked by another program"));
    press(&mut a, &cat, KeyCode::Esc);
    press(&mut a, &cat, KeyCode::Char('j'));
    assert_eq!(a.page().index, 1, "keys reach the page again");
}

#[test]
fn c_on_the_matrix_shows_each_cells_last_change_and_follows_the_recorder() {
    let cat = fixture::fleet();
    let mut a = app(&cat);
    press(&mut a, &cat, KeyCode::Char('m'));
    press(&mut a, &cat, KeyCode::Char('j'));
    let before = screen(&mut a, &cat, 120, 12);
    let fx = press(&mut a, &cat, KeyCode::Char('c'));
    assert!(matches!(fx[..], [Effect::LastChanges]), "{fx:?}");
    assert!(screen(&mut a, &cat, 120, 12).contains("reading the timeline"));
    let mut staging = entry("staging", 3 * 86_400, "image 1.4.2 → 1.5.0", None);
    staging.change = "image".into();
    update(
        &mut a,
        &cat,
        Msg::EffectDone(Reply::LastChanges {
            result: Ok(vec![staging]),
        }),
    );
    let s = screen(&mut a, &cat, 120, 12);
    let row = s
        .lines()
        .find(|l| l.contains("checkout-api") && !l.contains("last change"))
        .unwrap_or_default();
    assert_eq!(
        cells(row)[2..5],
        ["—", "3d image", "—"],
        "dev and prod have none: {s}"
    );
    // The title says the cursor cell's change in words (the cursor is on the first env).
    press(&mut a, &cat, KeyCode::Char('l'));
    let s = screen(&mut a, &cat, 120, 12);
    assert!(
        s.contains("last change: checkout-api in staging: image 1.4.2 → 1.5.0, 3d ago"),
        "{s}"
    );
    // What the recorder files next replaces an older change of the cell.
    let mut prod = entry("prod", 120, "restart", Some("kubeatlas"));
    prod.change = "restart".into();
    a.drawn();
    a.recorded(&[prod]);
    assert!(a.dirty(), "a shown cell changed: redraw");
    let s = screen(&mut a, &cat, 120, 12);
    let row = s
        .lines()
        .find(|l| l.contains("checkout-api") && !l.contains("last change"))
        .unwrap_or_default();
    assert_eq!(cells(row)[2..5], ["—", "3d image", "2m restart"], "{s}");
    // `c` again: the versions are back, and nothing is asked.
    assert!(press(&mut a, &cat, KeyCode::Char('c')).is_empty());
    assert_eq!(screen(&mut a, &cat, 120, 12), before);
}

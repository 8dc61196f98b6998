//! Aggregations in rows (issues 11 and 15): a Warning Event marks its pod's row (`⚠ 1`), an
//! HorizontalPodAutoscaler shows in its workload's row (`2–10 (3)`). Guarded by counts, not
//! time: the catalog touches the subject when an entity feeding it moves, so a Warning for
//! one pod among thousands re-projects exactly that one row of a list kept warm, and an
//! Event update that changes nothing shown re-projects none.

use crossterm::event::KeyCode;
use kubeatlas::catalog::{Catalog, Change, ClusterId};
use kubeatlas::tui::build::projected_rows;
use kubeatlas::tui::fixture::{self, app, press, type_text};
use kubeatlas::tui::msg::Msg;
use kubeatlas::tui::page::Page;
use kubeatlas::tui::update;
use kubeatlas::tui::view::{Scope, View};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// Pods besides the fixture's: above `warm::WARM_MIN`, so the all-pods list is built ahead.
const PODS: usize = 3_000;

fn big() -> Catalog {
    let mut cat = fixture::fleet();
    for i in 0..PODS {
        let name = format!("bulk-{i:06}");
        let pod = fixture::pod(&name, "shop", &name, "none", "node-1", None);
        fixture::apply(&mut cat, (i % 3) as u16, "", "Pod", pod);
    }
    cat
}

/// A Warning Event `uid` about pod `pod` (its uid is its name, as the fixture makes them).
fn warning(uid: &str, pod: &str, reason: &str, created: &str) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Event",
        "metadata": {"name": format!("{pod}.{uid}"), "namespace": "shop", "uid": uid,
                     "creationTimestamp": created},
        "involvedObject": {"kind": "Pod", "namespace": "shop", "name": pod, "uid": pod},
        "type": "Warning", "reason": reason, "count": 1,
        "message": format!("{reason} on container app"),
        "firstTimestamp": created, "lastTimestamp": created,
    })
}

fn hpa(name: &str, ns: &str, target: &str, min: i64, max: i64, current: i64) -> Value {
    json!({
        "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": name, "namespace": ns, "uid": format!("hpa-{ns}-{name}"),
                     "creationTimestamp": "2024-05-01T12:00:00Z"},
        "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": target},
                 "minReplicas": min, "maxReplicas": max},
        "status": {"currentReplicas": current, "desiredReplicas": current},
    })
}

fn far() -> Instant {
    Instant::now() + Duration::from_secs(3600)
}

fn rebuilt(cat: &Catalog, view: View) -> Page {
    let mut p = Page::new(view);
    p.refresh(cat, fixture::NOW);
    p
}

/// The text of the row whose cells include `name`.
fn row_of(rows: &[String], name: &str) -> String {
    rows.iter()
        .find(|r| r.split_whitespace().any(|w| w == name))
        .cloned()
        .unwrap_or_else(|| panic!("no row {name} in {} rows", rows.len()))
}

#[test]
fn a_warning_for_one_pod_among_thousands_re_projects_that_row_only_and_marks_it() {
    let mut cat = big();
    let mut a = app(&cat);
    while a.warm(&cat, far()) {}
    assert!(a.warm_rows() >= PODS, "the pods list is held warm");

    // One Warning about one pod: one row re-projected, closed view or not.
    let before = projected_rows();
    let ev = fixture::apply(
        &mut cat,
        0,
        "",
        "Event",
        warning("ev-1", "bulk-000003", "BackOff", "2024-05-01T12:00:00Z"),
    );
    update(&mut a, &cat, Msg::Catalog);
    assert_eq!(projected_rows() - before, 1, "1 Warning, 1 row");

    // The same Event seen again (its count and lastTimestamp move, nothing this blueprint
    // keeps does): nothing re-projected.
    let before = projected_rows();
    let mut again = warning("ev-1", "bulk-000003", "BackOff", "2024-05-01T12:00:00Z");
    again["count"] = json!(7);
    again["lastTimestamp"] = json!("2024-05-01T12:30:00Z");
    fixture::apply(&mut cat, 0, "", "Event", again);
    update(&mut a, &cat, Msg::Catalog);
    assert_eq!(
        projected_rows() - before,
        0,
        "an unchanged Warning touches no row"
    );

    // A Warning about a pod the catalog does not hold touches nothing either.
    let before = projected_rows();
    fixture::apply(
        &mut cat,
        0,
        "",
        "Event",
        warning("ev-x", "gone-pod", "FailedMount", "2024-05-01T12:00:00Z"),
    );
    update(&mut a, &cat, Msg::Catalog);
    assert_eq!(projected_rows() - before, 0);

    // Opening the list: nothing projected, the row carries the mark, as a rebuild does.
    let before = projected_rows();
    type_text(&mut a, &cat, ":pods");
    press(&mut a, &cat, KeyCode::Enter);
    assert_eq!(projected_rows() - before, 0, "opening re-projects nothing");
    let pods = View::List {
        bp: cat.blueprints().by_identifier("pod").expect("pod"),
        scope: Scope::All,
    };
    let fresh = rebuilt(&cat, pods.clone());
    assert_eq!(a.page().cache.table.rows, fresh.cache.table.rows);
    let rows = fixture::rows(&a);
    assert!(row_of(&rows, "bulk-000003").contains("⚠ 1"), "{rows:?}");
    assert!(!row_of(&rows, "bulk-000006").contains('⚠'));

    // A second Warning for it, while the list is open: that row again, counting 2.
    let before = projected_rows();
    fixture::apply(
        &mut cat,
        0,
        "",
        "Event",
        warning("ev-2", "bulk-000003", "Unhealthy", "2024-05-01T12:05:00Z"),
    );
    update(&mut a, &cat, Msg::Catalog);
    assert_eq!(projected_rows() - before, 1);
    assert!(row_of(&fixture::rows(&a), "bulk-000003").contains("⚠ 2"));

    // Both Events gone (deleted, or aged out by the server's --event-ttl): the mark goes.
    let before = projected_rows();
    fixture::delete(&mut cat, 0, &ev);
    let ev2 = Change::Delete {
        cluster: ClusterId(0),
        bp: cat.blueprints().by_identifier("event").expect("event"),
        uid: "ev-2".into(),
    };
    cat.apply(ev2);
    update(&mut a, &cat, Msg::Catalog);
    assert_eq!(
        projected_rows() - before,
        1,
        "two deletions of one pod's Events: 1 row"
    );
    assert!(!row_of(&fixture::rows(&a), "bulk-000003").contains('⚠'));
    let fresh = rebuilt(&cat, pods);
    assert_eq!(a.page().cache.table.rows, fresh.cache.table.rows);
}

#[test]
fn an_autoscaler_shows_in_its_workloads_row_and_follows_changes_and_deletion() {
    let mut cat = fixture::fleet();
    let mut a = app(&cat);
    type_text(&mut a, &cat, ":workloads prod");
    press(&mut a, &cat, KeyCode::Enter);
    let before = projected_rows();
    let h = fixture::apply(
        &mut cat,
        2,
        "autoscaling",
        "HorizontalPodAutoscaler",
        hpa("cart", "shop", "cart", 2, 10, 3),
    );
    update(&mut a, &cat, Msg::Catalog);
    assert_eq!(
        projected_rows() - before,
        1,
        "the autoscaler re-projects its workload only"
    );
    let rows = fixture::rows(&a);
    assert!(row_of(&rows, "cart").contains("2–10 (3)"), "{rows:?}");
    assert!(!row_of(&rows, "checkout-api").contains('–'), "{rows:?}");

    // Scaled out: the cell follows.
    fixture::apply(
        &mut cat,
        2,
        "autoscaling",
        "HorizontalPodAutoscaler",
        hpa("cart", "shop", "cart", 2, 10, 7),
    );
    update(&mut a, &cat, Msg::Catalog);
    assert!(row_of(&fixture::rows(&a), "cart").contains("2–10 (7)"));
    // Retargeted at a workload that is not there: the old row loses it.
    let before = projected_rows();
    fixture::apply(
        &mut cat,
        2,
        "autoscaling",
        "HorizontalPodAutoscaler",
        hpa("cart", "shop", "cart-v2", 2, 10, 7),
    );
    update(&mut a, &cat, Msg::Catalog);
    assert_eq!(projected_rows() - before, 1);
    assert!(!row_of(&fixture::rows(&a), "cart").contains("2–10"));
    // A name reaches its own namespace only: an autoscaler of `cart` in payments is not
    // shop's cart's; checkout-api's own (in payments) is.
    let before = projected_rows();
    fixture::apply(
        &mut cat,
        2,
        "autoscaling",
        "HorizontalPodAutoscaler",
        hpa("cart", "payments", "cart", 1, 4, 1),
    );
    let other = fixture::apply(
        &mut cat,
        2,
        "autoscaling",
        "HorizontalPodAutoscaler",
        hpa("checkout", "payments", "checkout-api", 3, 6, 4),
    );
    update(&mut a, &cat, Msg::Catalog);
    assert_eq!(projected_rows() - before, 1);
    let rows = fixture::rows(&a);
    assert!(!row_of(&rows, "cart").contains('–'), "{rows:?}");
    assert!(
        row_of(&rows, "checkout-api").contains("3–6 (4)"),
        "{rows:?}"
    );
    // Deleted: the cell empties.
    fixture::delete(&mut cat, 2, &other);
    fixture::delete(&mut cat, 2, &h);
    update(&mut a, &cat, Msg::Catalog);
    assert!(!row_of(&fixture::rows(&a), "checkout-api").contains('–'));
}

/// The fixture fleet with a Warning about staging's crash-looping cart pod and an
/// autoscaler for prod's cart.
fn marked() -> Catalog {
    let mut cat = fixture::fleet();
    let pod = cat
        .blueprints()
        .by_identifier("pod")
        .and_then(|bp| {
            cat.entities_in(ClusterId(1), bp)
                .find(|r| r.name.starts_with("cart") && cat.health(r).is_unhealthy())
                .map(|r| (r.name.to_string(), r.uid.to_string()))
        })
        .expect("staging's crash-looping cart pod");
    let mut ev = warning("ev-1", &pod.0, "BackOff", "2024-05-01T11:58:00Z");
    ev["involvedObject"]["uid"] = json!(pod.1);
    fixture::apply(&mut cat, 1, "", "Event", ev);
    fixture::apply(
        &mut cat,
        2,
        "autoscaling",
        "HorizontalPodAutoscaler",
        hpa("cart", "shop", "cart", 2, 10, 3),
    );
    cat
}

#[test]
fn pods_list_with_a_warning_mark() {
    let cat = marked();
    let mut a = app(&cat);
    type_text(&mut a, &cat, ":pods staging");
    press(&mut a, &cat, KeyCode::Enter);
    insta::assert_snapshot!(fixture::screen(&mut a, &cat, 120, 20));
}

#[test]
fn workloads_list_with_an_autoscaler_cell() {
    let cat = marked();
    let mut a = app(&cat);
    type_text(&mut a, &cat, ":workloads prod");
    press(&mut a, &cat, KeyCode::Enter);
    insta::assert_snapshot!(fixture::screen(&mut a, &cat, 120, 20));
}

#[test]
fn a_marked_pods_detail_says_its_warnings_and_the_last_one() {
    let cat = marked();
    let mut a = app(&cat);
    type_text(&mut a, &cat, ":pods staging");
    press(&mut a, &cat, KeyCode::Enter);
    let rows = fixture::rows(&a);
    let at = rows
        .iter()
        .position(|r| r.contains('⚠'))
        .unwrap_or_else(|| panic!("a marked row: {rows:?}"));
    for _ in 0..at {
        press(&mut a, &cat, KeyCode::Down);
    }
    press(&mut a, &cat, KeyCode::Char('d'));
    let s = fixture::screen(&mut a, &cat, 120, 40);
    let line = |k: &str| {
        s.lines()
            .find(|l| l.contains(k))
            .unwrap_or_else(|| panic!("{k} in {s}"))
            .to_string()
    };
    assert!(line("Warn").contains("⚠ 1"), "{s}");
    assert!(
        line("Last warning").contains("BackOff: BackOff on container app"),
        "{s}"
    );
}

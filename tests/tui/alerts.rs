//! Degrade rules in the TUI: each firing counts in the status line's ALERTS badge, `:alerts`
//! lists firings and their hook/action outcomes in the text viewer, and a workload's detail
//! shows its scorecard with the failing checks first.

use crossterm::event::KeyCode;
use kubeatlas::catalog::Catalog;
use kubeatlas::tui::fixture::{self, app, press, screen, type_text};
use kubeatlas::tui::msg::Msg;
use kubeatlas::tui::{App, update};
use serde_json::json;

fn command(a: &mut App, cat: &Catalog, cmd: &str) {
    type_text(a, cat, &format!(":{cmd}"));
    press(a, cat, KeyCode::Enter);
}

#[test]
fn firings_show_as_a_badge_and_alerts_lists_them_with_their_outcomes() {
    let cat = fixture::fleet();
    let mut a = app(&cat);
    assert!(!screen(&mut a, &cat, 100, 30).contains("ALERT"));
    let who =
        json!({"rule": "checkout-degraded", "service": "checkout-api", "environment": "prod"});
    let mut firing = who.clone();
    firing["event"] = json!("firing");
    firing["at_ms"] = json!(1_700_000_000_000_i64);
    firing["text"] = json!("degraded 40 s after version 1.4.3");
    update(&mut a, &cat, Msg::Alert(firing));
    let mut hook = who.clone();
    hook["event"] = json!("hook");
    hook["message"] = json!("hook timed out after 10 s (killed)");
    update(&mut a, &cat, Msg::Alert(hook));
    let mut action = who;
    action["event"] = json!("action");
    action["action"] = json!("restart");
    action["workloads"] = json!([{"workload": "prod/shop/checkout-api", "ok": false,
        "message": "restart: refused: context \"prod\" is read-only"}]);
    update(&mut a, &cat, Msg::Alert(action));

    let s = screen(&mut a, &cat, 100, 30);
    assert!(s.contains(" 1 ALERT "), "{s}");
    command(&mut a, &cat, "alerts");
    let s = screen(&mut a, &cat, 100, 30);
    assert!(s.contains("alerts[1]"), "{s}");
    assert!(
        s.contains(
            "22:13:20 checkout-api in prod [checkout-degraded]: degraded 40 s after version 1.4.3"
        ),
        "{s}"
    );
    assert!(
        s.contains(
            "hook checkout-api in prod [checkout-degraded]: hook timed out after 10 s (killed)"
        ),
        "{s}"
    );
    assert!(
        s.contains("restart checkout-api in prod [checkout-degraded]: restart: refused"),
        "{s}"
    );
    // Esc closes it; the page is back.
    press(&mut a, &cat, KeyCode::Esc);
    assert!(!screen(&mut a, &cat, 100, 30).contains("alerts[1]"));
}

#[test]
fn without_rules_alerts_says_so() {
    let cat = fixture::fleet();
    let mut a = app(&cat);
    command(&mut a, &cat, "alerts");
    let s = screen(&mut a, &cat, 100, 30);
    assert!(s.contains("no rule has fired"), "{s}");
}

#[test]
fn a_workload_detail_lists_its_scorecard_failing_checks_first() {
    let cat = fixture::fleet();
    let wl = cat.workload_blueprint().expect("workload blueprint");
    let (cluster, r) = cat
        .entities(wl)
        .find(|(_, r)| &*r.name == "checkout-api")
        .expect("checkout-api");
    let e = kubeatlas::catalog::EntityRef {
        cluster,
        bp: wl,
        uid: r.uid.clone(),
    };
    let d = kubeatlas::tui::detail::build(&cat, &e, None, 0).expect("detail");
    let card = d
        .sections
        .iter()
        .find(|s| s.title.starts_with("Production readiness: "))
        .expect("scorecard section");
    assert_eq!(card.header, ["CHECK", "LEVEL", "RESULT"]);
    let results: Vec<&str> = card.rows.iter().map(|r| r[2].0.as_str()).collect();
    let first_pass = results
        .iter()
        .position(|r| *r == "pass")
        .unwrap_or(results.len());
    assert!(
        results[..first_pass].iter().all(|r| *r == "FAIL")
            && results[first_pass..].iter().all(|r| *r == "pass"),
        "{results:?}"
    );
    // The fixture's checkout-api names no owner: the Bronze check fails.
    assert!(
        card.rows
            .iter()
            .any(|r| r[0].0 == "Owner label set" && r[2].0 == "FAIL"),
        "{card:?}"
    );
}

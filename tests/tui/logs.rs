//! The logs view's state: which streams `l` asks for (a pod, a pod's chosen container, a
//! workload's pods merged with prefixes), container picker, previous, tail, the bounded
//! buffer, follow and scrolling, search, and closing (which stops the streams).

use crossterm::event::KeyCode;
use kubeatlas::actions::logs::LogRequest;
use kubeatlas::catalog::{Catalog, ClusterId};
use kubeatlas::tui::fixture::{self, app, press, type_text};
use kubeatlas::tui::logs::{self, LogView, MAX_LINES};
use kubeatlas::tui::msg::{Effect, Msg, Reply};
use kubeatlas::tui::{App, update};

fn command(a: &mut App, cat: &Catalog, cmd: &str) {
    type_text(a, cat, &format!(":{cmd}"));
    press(a, cat, KeyCode::Enter);
}

fn streams(fx: &[Effect]) -> (u64, ClusterId, Vec<LogRequest>) {
    match fx {
        [
            Effect::Logs {
                view,
                cluster,
                streams,
            },
        ] => (*view, *cluster, streams.clone()),
        other => panic!("expected one Logs effect: {other:?}"),
    }
}

fn view(a: &App) -> &LogView {
    a.layers().logs().expect("logs view open")
}

fn feed(a: &mut App, cat: &Catalog, id: u64, lines: impl IntoIterator<Item = String>) {
    update(
        a,
        cat,
        Msg::EffectDone(Reply::LogLines {
            view: id,
            lines: lines.into_iter().collect(),
        }),
    );
}

fn texts(a: &App) -> Vec<String> {
    view(a).lines.iter().map(|l| l.text.clone()).collect()
}

#[test]
fn l_on_a_pod_streams_its_container_and_esc_stops_it() {
    let cat = fixture::fleet();
    let mut a = app(&cat);
    command(&mut a, &cat, "pods dev/shop");
    let crumbs = a.page().path.clone();
    let (id, cluster, reqs) = streams(&press(&mut a, &cat, KeyCode::Char('l')));
    assert_eq!(cluster, ClusterId(0));
    assert_eq!(
        reqs,
        [LogRequest {
            namespace: "shop".into(),
            pod: "cart-5c6d7e8f9-kkkkk".into(),
            container: Some("app".into()),
            previous: false,
            tail: Some(200),
            follow: true,
            prefix: None,
        }]
    );
    feed(&mut a, &cat, id, ["one".to_string(), "two".to_string()]);
    // Lines of another (older) view are ignored.
    feed(&mut a, &cat, id + 100, ["stale".to_string()]);
    assert_eq!(texts(&a), ["one", "two"]);
    update(
        &mut a,
        &cat,
        Msg::EffectDone(Reply::LogEnd {
            view: id,
            stream: 0,
            error: Some("container \"app\" is waiting to start".into()),
        }),
    );
    assert!(view(&a).lines[2].note);
    assert!(texts(&a)[2].contains("cart-5c6d7e8f9-kkkkk/app: container"));
    assert_eq!(view(&a).open, 0);
    // Keys go to the view: j does not move the list under it.
    let idx = a.page().index;
    press(&mut a, &cat, KeyCode::Char('j'));
    assert_eq!(a.page().index, idx);
    assert_eq!(press(&mut a, &cat, KeyCode::Esc), vec![Effect::StopLogs]);
    assert!(a.layers().logs().is_none());
    assert_eq!(
        a.page().path.clone(),
        crumbs,
        "the page under the view is unchanged"
    );
    // q closes the view, not the program.
    press(&mut a, &cat, KeyCode::Char('l'));
    assert_eq!(
        press(&mut a, &cat, KeyCode::Char('q')),
        vec![Effect::StopLogs]
    );
    assert!(!a.quit());
}

#[test]
fn l_on_a_workload_merges_its_pods_with_prefixes() {
    let cat = fixture::fleet();
    let mut a = app(&cat);
    command(&mut a, &cat, "wl staging/shop");
    let (_, cluster, reqs) = streams(&press(&mut a, &cat, KeyCode::Char('l')));
    assert_eq!(cluster, ClusterId(1));
    let got: Vec<(String, Option<String>, Option<String>)> = reqs
        .iter()
        .map(|r| (r.pod.clone(), r.container.clone(), r.prefix.clone()))
        .collect();
    assert_eq!(
        got,
        [
            (
                "cart-5c6d7e8f9-kkkkk".into(),
                Some("app".into()),
                Some("cart-5c6d7e8f9-kkkkk/app".into())
            ),
            (
                "cart-5c6d7e8f9-lllll".into(),
                Some("app".into()),
                Some("cart-5c6d7e8f9-lllll/app".into())
            ),
        ]
    );
    assert_eq!(view(&a).title, "Deployment shop/cart (staging)");
}

/// dev/shop with a pod of two containers (`app`, `envoy`).
fn two_containers() -> Catalog {
    let mut cat = fixture::fleet();
    let mut pod = fixture::pod(
        "cart-5c6d7e8f9-kkkkk",
        "shop",
        "dev-pod-cart-kkkkk",
        "dev-rs-cart",
        "node-1",
        None,
    );
    if let Some(cs) = pod["spec"]["containers"].as_array_mut() {
        cs.push(serde_json::json!({"name": "envoy", "image": "envoy:1"}));
    }
    fixture::apply(&mut cat, 0, "", "Pod", pod);
    cat
}

#[test]
fn a_pod_with_several_containers_asks_which_and_c_switches() {
    let cat = two_containers();
    let mut a = app(&cat);
    command(&mut a, &cat, "pods dev/shop");
    assert!(
        press(&mut a, &cat, KeyCode::Char('l')).is_empty(),
        "asks first"
    );
    assert_eq!(view(&a).picking, Some(0));
    let labels: Vec<String> = view(&a).choices.iter().map(LogView::choice_label).collect();
    assert_eq!(labels, ["app", "envoy", "all containers"]);
    // Esc before choosing leaves the view (nothing was streaming).
    assert!(press(&mut a, &cat, KeyCode::Esc).is_empty());
    assert!(a.layers().logs().is_none());

    press(&mut a, &cat, KeyCode::Char('l'));
    press(&mut a, &cat, KeyCode::Char('j'));
    let (first, _, reqs) = streams(&press(&mut a, &cat, KeyCode::Enter));
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].container.as_deref(), Some("envoy"));
    assert_eq!(reqs[0].prefix, None);
    // c: every container, prefixed.
    assert!(press(&mut a, &cat, KeyCode::Char('c')).is_empty());
    assert_eq!(view(&a).picking, Some(1));
    press(&mut a, &cat, KeyCode::Char('j'));
    let (second, _, reqs) = streams(&press(&mut a, &cat, KeyCode::Enter));
    assert_ne!(first, second, "new streams, new id");
    let prefixes: Vec<Option<String>> = reqs.iter().map(|r| r.prefix.clone()).collect();
    assert_eq!(
        prefixes,
        [
            Some("cart-5c6d7e8f9-kkkkk/app".into()),
            Some("cart-5c6d7e8f9-kkkkk/envoy".into())
        ]
    );
    feed(&mut a, &cat, first, ["old stream".to_string()]);
    assert!(
        view(&a).lines.is_empty(),
        "lines of the replaced streams are dropped"
    );
    // p: the previous instance; t: the next tail size.
    let (_, _, reqs) = streams(&press(&mut a, &cat, KeyCode::Char('p')));
    assert!(reqs.iter().all(|r| r.previous));
    let (_, _, reqs) = streams(&press(&mut a, &cat, KeyCode::Char('t')));
    assert!(reqs.iter().all(|r| r.tail == Some(500) && r.previous));
    let (_, _, reqs) = streams(&press(&mut a, &cat, KeyCode::Char('t')));
    assert!(reqs.iter().all(|r| r.tail.is_none()));
    let (_, _, reqs) = streams(&press(&mut a, &cat, KeyCode::Char('t')));
    assert!(reqs.iter().all(|r| r.tail == Some(100)));
}

#[test]
fn the_buffer_is_bounded() {
    let cat = fixture::fleet();
    let mut a = app(&cat);
    command(&mut a, &cat, "pods dev/shop");
    let (id, _, _) = streams(&press(&mut a, &cat, KeyCode::Char('l')));
    type_text(&mut a, &cat, "/line 2499");
    press(&mut a, &cat, KeyCode::Enter);
    for batch in 0..50 {
        feed(
            &mut a,
            &cat,
            id,
            (0..500).map(|i| format!("line {}", batch * 500 + i)),
        );
    }
    let v = view(&a);
    assert_eq!(v.lines.len(), MAX_LINES);
    assert_eq!(v.dropped, 25_000 - MAX_LINES as u64);
    assert_eq!(v.lines.back().map(|l| l.text.as_str()), Some("line 24999"));
    assert_eq!(v.lines.front().map(|l| l.text.as_str()), Some("line 15000"));
    // Matches of dropped lines are gone; the kept ones are absolute line numbers.
    assert_eq!(
        v.matches.iter().copied().collect::<Vec<_>>(),
        [
            24_990, 24_991, 24_992, 24_993, 24_994, 24_995, 24_996, 24_997, 24_998, 24_999
        ]
    );
}

#[test]
fn follow_scroll_wrap_and_search() {
    let cat = fixture::fleet();
    let mut a = app(&cat);
    command(&mut a, &cat, "pods dev/shop");
    let (id, _, _) = streams(&press(&mut a, &cat, KeyCode::Char('l')));
    feed(&mut a, &cat, id, (0..100).map(|i| format!("line {i}")));
    let (cols, rows) = logs::viewport(a.size().0, a.size().1);
    assert_eq!((cols, rows), (98, 26));
    let v = view(&a);
    assert!(v.follow);
    assert_eq!(v.top(rows, cols), 100 - rows);
    // Scrolling up stops following; new lines do not move the view.
    press(&mut a, &cat, KeyCode::Char('k'));
    assert!(!view(&a).follow);
    assert_eq!(view(&a).top(rows, cols), 100 - rows - 1);
    feed(&mut a, &cat, id, ["new".to_string()]);
    assert_eq!(view(&a).top(rows, cols), 100 - rows - 1);
    press(&mut a, &cat, KeyCode::Char('g'));
    assert_eq!(view(&a).top(rows, cols), 0);
    press(&mut a, &cat, KeyCode::Char('G'));
    assert!(view(&a).follow);
    assert_eq!(view(&a).top(rows, cols), 101 - rows);
    press(&mut a, &cat, KeyCode::Char('f'));
    assert!(!view(&a).follow);
    assert_eq!(
        view(&a).top(rows, cols),
        101 - rows,
        "f keeps the view where it is"
    );
    press(&mut a, &cat, KeyCode::Char('f'));
    // Wrap: a long line takes several rows.
    feed(&mut a, &cat, id, ["x".repeat(cols * 3)]);
    press(&mut a, &cat, KeyCode::Char('w'));
    assert!(view(&a).wrap);
    assert_eq!(view(&a).top(rows, cols), 102 - (rows - 2));
    // Search: matches highlighted, n/N jump (and stop following).
    type_text(&mut a, &cat, "/LINE 1");
    press(&mut a, &cat, KeyCode::Enter);
    let m: Vec<u64> = view(&a).matches.iter().copied().collect();
    assert_eq!(m.len(), 11, "line 1 and line 10..19: {m:?}");
    press(&mut a, &cat, KeyCode::Char('g'));
    press(&mut a, &cat, KeyCode::Char('n'));
    assert_eq!(view(&a).current, Some(1));
    press(&mut a, &cat, KeyCode::Char('n'));
    assert_eq!(view(&a).current, Some(10));
    press(&mut a, &cat, KeyCode::Char('N'));
    press(&mut a, &cat, KeyCode::Char('N'));
    assert_eq!(view(&a).current, Some(19), "wraps around");
    assert!(!view(&a).follow);
    // Esc clears the search first, then closes.
    assert!(press(&mut a, &cat, KeyCode::Esc).is_empty());
    assert!(view(&a).search.is_empty());
    assert_eq!(press(&mut a, &cat, KeyCode::Esc), vec![Effect::StopLogs]);
}

#[test]
fn a_workload_without_pods_says_so() {
    let cat = fixture::fleet();
    let mut a = app(&cat);
    command(&mut a, &cat, "wl prod/payments");
    press(&mut a, &cat, KeyCode::Char('j'));
    assert!(press(&mut a, &cat, KeyCode::Char('l')).is_empty());
    assert!(a.layers().logs().is_none());
    assert!(
        a.message()
            .is_some_and(|m| m.text.contains("ledger has no pods"))
    );
}

#[test]
fn help_over_the_logs_lists_the_logs_keys_and_any_key_returns_to_the_streaming_view() {
    use kubeatlas::tui::layer::Layer;
    let cat = fixture::fleet();
    let mut a = app(&cat);
    command(&mut a, &cat, "pods dev/shop");
    let (id, _, _) = streams(&press(&mut a, &cat, KeyCode::Char('l')));
    assert!(press(&mut a, &cat, KeyCode::Char('?')).is_empty());
    let Some(Layer::Help(h)) = a.layers().top() else {
        panic!("help on top: {:?}", a.layers().top())
    };
    assert_eq!(h.groups.len(), 1);
    assert_eq!(h.groups[0].0, "Logs");
    // Lines still reach the view under the help.
    feed(&mut a, &cat, id, ["under the help".to_string()]);
    assert_eq!(texts(&a), ["under the help"]);
    let s = fixture::screen(&mut a, &cat, 100, 30);
    assert!(s.contains("follow on/off"), "{s}");
    // Esc closes the help only: no StopLogs, the view is back on top.
    assert!(press(&mut a, &cat, KeyCode::Esc).is_empty());
    assert!(matches!(a.layers().top(), Some(Layer::Logs(_))));
    assert_eq!(press(&mut a, &cat, KeyCode::Esc), vec![Effect::StopLogs]);
    assert!(a.layers().is_empty());
}

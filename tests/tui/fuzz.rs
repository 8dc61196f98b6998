//! Reliability (issue 6): 100,000 random keystrokes and resize events, with live catalog
//! changes, effect replies and ticks interleaved, through `update` against the fixture fleet.
//! No panic (drawing included), the state stays consistent (selection within the rows,
//! breadcrumb matching the view stack, overlays within bounds), and in read-only mode — global
//! or per context — no mutating effect is ever emitted.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kubeatlas::actions::Outcome;
use kubeatlas::catalog::{Catalog, Change, ClusterId, ClusterStatus};
use kubeatlas::tui::act::dialog::Step;
use kubeatlas::tui::layer::Layer;
use kubeatlas::tui::logs::MAX_LINES;
use kubeatlas::tui::msg::{Effect, Msg, Reply};
use kubeatlas::tui::page::Page;
use kubeatlas::tui::theme::Theme;
use kubeatlas::tui::view::{self, View};
use kubeatlas::tui::{App, update};
use kubeatlas::tui::{filter, fixture};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const EVENTS: usize = 100_000;

/// Keys weighted towards what reaches dialogs and confirms them.
const CHARS: &str = "riiisslyyyYnnjjjkkkhhllggGdxq/:0m!<>?cptwfNe-acr ";

fn random_key(rng: &mut StdRng) -> KeyEvent {
    let plain = |c| KeyEvent::new(c, KeyModifiers::NONE);
    let ctrl = |c| KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL);
    match rng.random_range(0..100) {
        0..55 => {
            let chars: Vec<char> = CHARS.chars().collect();
            plain(KeyCode::Char(chars[rng.random_range(0..chars.len())]))
        }
        55..65 => plain(KeyCode::Enter),
        65..72 => plain(KeyCode::Esc),
        72..76 => plain(KeyCode::Backspace),
        76..79 => plain(KeyCode::Tab),
        79..80 => plain(KeyCode::BackTab),
        80..88 => plain(
            [
                KeyCode::Up,
                KeyCode::Down,
                KeyCode::Left,
                KeyCode::Right,
                KeyCode::PageUp,
                KeyCode::PageDown,
                KeyCode::Home,
                KeyCode::End,
            ][rng.random_range(0..8)],
        ),
        88..92 => ctrl('d'),
        92..94 => ctrl('u'),
        94..96 => ctrl(['f', 'b'][rng.random_range(0..2)]),
        96..98 => plain(KeyCode::Char(rng.random_range('0'..='9'))),
        _ => plain(KeyCode::Char(rng.random_range('a'..='z'))),
    }
}

/// Fold a change into the catalog, as the runtime does (its journal lets lists patch rows).
fn put(cat: &mut Catalog, cluster: u16, group: &str, kind: &str, obj: serde_json::Value) {
    let record =
        fixture::record(cat.blueprints(), group, kind, &obj).expect("a blueprint reads it");
    cat.apply(Change::Apply {
        cluster: ClusterId(cluster),
        record,
    });
}

/// Change the catalog the way watchers do: pods come and go, deployments roll, clusters flap.
fn churn(cat: &mut Catalog, rng: &mut StdRng) {
    let c = rng.random_range(0..3u16);
    let ctx = ["dev", "staging", "prod"][c as usize];
    match rng.random_range(0..6) {
        0 | 1 => {
            let n = rng.random_range(0..20);
            let ns = ["shop", "payments"][rng.random_range(0..2)];
            let waiting = rng.random_bool(0.2).then_some("CrashLoopBackOff");
            put(
                cat,
                c,
                "",
                "Pod",
                fixture::pod(
                    &format!("cart-5c6d7e8f9-x{n}"),
                    ns,
                    &format!("{ctx}-fuzz-pod-{n}"),
                    &format!("{ctx}-rs-cart"),
                    "node-1",
                    waiting,
                ),
            );
        }
        2 => {
            let n = rng.random_range(0..20);
            let gone = fixture::record(
                cat.blueprints(),
                "",
                "Pod",
                &fixture::pod(
                    "x",
                    "shop",
                    &format!("{ctx}-fuzz-pod-{n}"),
                    "none",
                    "n",
                    None,
                ),
            );
            if let Some(r) = gone {
                cat.apply(Change::Delete {
                    cluster: ClusterId(c),
                    bp: r.blueprint,
                    uid: r.uid,
                });
            }
        }
        3 => {
            let desired = rng.random_range(0..5);
            let mut d = fixture::deployment(
                "checkout-api",
                "payments",
                &format!("{ctx}-dep-checkout"),
                "1.4.2",
                desired,
                rng.random_range(0..=desired),
            );
            let g = rng.random_range(1..4);
            d["metadata"]["generation"] = g.into();
            d["status"]["observedGeneration"] = rng.random_range(1..=g).into();
            if rng.random_bool(0.3) {
                d = fixture::with_sidecar(d);
            }
            put(cat, c, "apps", "Deployment", d);
        }
        // Services come, go and swap workloads (matrix rows appear, vanish and move).
        5 if rng.random_bool(0.3) => {
            let uid = format!("{ctx}-dep-fuzz-{}", rng.random_range(0..4));
            if rng.random_bool(0.3) {
                let bp = cat.blueprints().by_identifier("workload");
                if let Some(bp) = bp {
                    cat.apply(Change::Delete {
                        cluster: ClusterId(c),
                        bp,
                        uid: uid.into(),
                    });
                }
            } else {
                let name = ["search", "ledger", "cart", "zz-batch"][rng.random_range(0..4)];
                let version = ["1.0.0", "1.1.0"][rng.random_range(0..2)];
                let d =
                    fixture::deployment(name, "shop", &uid, version, 2, rng.random_range(0..=2));
                put(cat, c, "apps", "Deployment", d);
            }
        }
        _ => {
            let status = match rng.random_range(0..4) {
                0 => ClusterStatus::Syncing,
                1 => ClusterStatus::Unreachable("connection refused".into()),
                _ => ClusterStatus::Ready,
            };
            cat.apply(Change::Cluster {
                cluster: ClusterId(c),
                status,
            });
        }
    }
}

/// Answers the runner would give to what was asked (and some for things long gone).
fn reply(pending: &mut Vec<Effect>, rng: &mut StdRng) -> Option<Msg> {
    if pending.is_empty() {
        return None;
    }
    let i = rng.random_range(0..pending.len());
    let r = match pending[i].clone() {
        Effect::Act { batch, targets, .. } => {
            let (entity, _) = targets.first()?.clone();
            if targets.len() <= 1 {
                pending.swap_remove(i);
            }
            Reply::Acted {
                batch,
                entity,
                outcome: Outcome {
                    ok: rng.random_bool(0.7),
                    message: "answer".into(),
                    generation: Some(rng.random_range(1..5)),
                },
            }
        }
        Effect::Logs { view, streams, .. } => {
            if rng.random_bool(0.1) {
                pending.swap_remove(i);
                Reply::LogEnd {
                    view,
                    stream: rng.random_range(0..streams.len().max(1) + 1),
                    error: rng.random_bool(0.5).then(|| "gone".into()),
                }
            } else {
                let n = rng.random_range(1..400);
                Reply::LogLines {
                    view,
                    lines: (0..n)
                        .map(|k| format!("line {k} {}", "x".repeat(rng.random_range(0..200))))
                        .collect(),
                }
            }
        }
        Effect::FetchYaml { entity, .. } => {
            pending.swap_remove(i);
            Reply::Yaml {
                entity,
                result: Ok("a: 1\nb: 2\n".into()),
            }
        }
        _ => {
            pending.swap_remove(i);
            return None;
        }
    };
    Some(Msg::EffectDone(r))
}

/// The invariants that must hold after every event.
fn check(a: &App, cat: &Catalog, step: usize) {
    assert!(!a.stack().is_empty(), "step {step}: empty stack");
    for (i, p) in a.stack().iter().enumerate() {
        if i > 0 {
            assert_ne!(p.view, View::Fleet, "step {step}: fleet above the bottom");
        }
    }
    let p = a.page();
    if p.is_empty() {
        assert_eq!(p.index, 0, "step {step}");
        assert!(p.selected_key().is_none(), "step {step}");
    } else {
        assert!(
            p.index < p.len(),
            "step {step}: selection {} of {}",
            p.index,
            p.len()
        );
        let row = p.cache.filtered.rows()[p.index] as usize;
        assert_eq!(
            p.selected.as_ref(),
            Some(&p.cache.table.rows[row].key),
            "step {step}: selected key is the row at the index"
        );
        assert!(
            p.offset <= p.index,
            "step {step}: selection above the window"
        );
        assert!(
            p.index < p.offset + a.list_height(),
            "step {step}: selection below the window"
        );
    }
    // Rows patched from the change log are exactly what a full rebuild shows.
    if !matches!(p.view, View::Detail { .. }) {
        let mut fresh = Page::new(p.view.clone());
        fresh.sort = p.sort;
        fresh.filter = p.filter.clone();
        fresh.refresh(cat, a.now());
        assert_eq!(
            p.cache.table.rows, fresh.cache.table.rows,
            "step {step}: rows"
        );
        assert_eq!(
            p.cache.filtered, fresh.cache.filtered,
            "step {step}: filtered"
        );
        // The filter's contiguous row text matches as the cells do.
        let order = fresh.cache.table.order(fresh.sort);
        assert_eq!(
            p.cache.filtered,
            filter::apply(&fresh.cache.table, &order, &p.filter),
            "step {step}: filtered by cells"
        );
    }
    if p.view == View::Matrix && !p.cache.envs.is_empty() {
        assert!(p.column < p.cache.envs.len(), "step {step}: matrix column");
    }
    let crumbs = a.page().path.clone();
    assert!(!crumbs.is_empty(), "step {step}: empty breadcrumb");
    match &p.view {
        View::Fleet => assert_eq!(crumbs, ["fleet"], "step {step}"),
        View::Matrix => assert_eq!(crumbs, ["running services"], "step {step}"),
        View::List { scope, .. } => {
            assert_eq!(crumbs, view::scope_path(cat, scope), "step {step}")
        }
        View::Detail { entity } => {
            if cat.get(entity).is_some() {
                assert_eq!(crumbs, view::entity_path(cat, entity), "step {step}");
            }
        }
    }
    if let Some(l) = a.layers().logs() {
        assert!(l.lines.len() <= MAX_LINES, "step {step}: log buffer bound");
        assert!(l.picking.is_none_or(|c| c < l.choices.len()), "step {step}");
        assert!(l.choice < l.choices.len(), "step {step}");
    }
    if let Some(Layer::Dialog(d)) = a.layers().overlay() {
        assert!(
            !d.targets.is_empty(),
            "step {step}: a dialog with no target"
        );
        if let Step::PickContainer { choices, cursor } = &d.step {
            assert!(cursor < &choices.len(), "step {step}");
        }
    }
}

/// Run `EVENTS` events; return the mutating effects emitted (context of each target).
fn run(seed: u64, mut a: App, events: usize) -> (Vec<String>, usize) {
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
    update(&mut a, &cat, Msg::Catalog);
    let mut rng = StdRng::seed_from_u64(seed);
    let mut mutated = vec![];
    let mut refused = 0;
    let mut pending: Vec<Effect> = vec![];
    let mut now = fixture::NOW;
    for step in 0..events {
        let msg = match rng.random_range(0..100) {
            0..86 => Msg::Key(random_key(&mut rng)),
            86..91 => Msg::Resize(rng.random_range(0..250), rng.random_range(0..80)),
            91..95 => {
                churn(&mut cat, &mut rng);
                Msg::Catalog
            }
            95..98 => match reply(&mut pending, &mut rng) {
                Some(m) => m,
                None => Msg::Catalog,
            },
            _ => {
                now += rng.random_range(0..4);
                Msg::Tick { now }
            }
        };
        for e in update(&mut a, &cat, msg) {
            if let Effect::Act { targets, .. } = &e {
                mutated.extend(targets.iter().map(|(_, t)| t.context.clone()));
            }
            if !matches!(e, Effect::Quit | Effect::StopLogs) {
                pending.push(e);
            }
        }
        pending.truncate(64);
        if a.message()
            .is_some_and(|m| m.text.starts_with("read-only:"))
        {
            refused += 1;
            a.clear_message();
        }
        check(&a, &cat, step);
        if step % 97 == 0 {
            let (w, h) = (a.size().0.max(1), a.size().1.max(1));
            let mut term = Terminal::new(TestBackend::new(w, h)).unwrap_or_else(|e| match e {});
            term.draw(|f| kubeatlas::tui::render::draw(f, &a))
                .unwrap_or_else(|e| match e {});
        }
    }
    (mutated, refused)
}

fn new_app(readonly: bool) -> App {
    let mut a = App::new(Theme { color: false }, false, readonly, fixture::NOW);
    update(&mut a, &fixture::empty(&[]), Msg::Resize(100, 30));
    a
}

#[test]
fn random_keys_and_resizes_never_break_the_state_and_read_only_never_mutates() {
    let t0 = std::time::Instant::now();
    // Read-only everywhere: not a single mutating effect.
    let (mutated, refused) = run(0x6b75_6265, new_app(true), EVENTS);
    assert!(
        mutated.is_empty(),
        "read-only emitted actions on {mutated:?}"
    );
    assert!(refused > 100, "the keys reached the refusal: {refused}");

    // Read-only in prod only (the config's per-context setting): never an action on prod,
    // while the other contexts do get actions (the walk reaches confirmations).
    let mut a = new_app(false);
    a.set_policy(fixture::policy(
        false,
        "contexts:\n  prod: {readonly: true}\n",
    ));
    let (mutated, refused) = run(0x6174_6c61, a, EVENTS / 4);
    assert!(refused > 0);
    assert!(!mutated.is_empty(), "the walk confirms actions elsewhere");
    assert!(
        mutated.iter().all(|c| c != "prod"),
        "an action on read-only prod: {mutated:?}"
    );
    eprintln!(
        "{} events in {:?}; {} actions emitted outside prod",
        EVENTS + EVENTS / 4,
        t0.elapsed(),
        mutated.len()
    );
}

//! Unit tests of the TUI state machine: keys → state (drill, Esc, filter, command mode and
//! completion, sort, matrix), catalog changes → rows, and selection stability.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kubeatlas::catalog::{Catalog, Change, ClusterId, ClusterStatus, EntityRef};
use kubeatlas::tui::fixture::{self, app, press, rows, type_text};
use kubeatlas::tui::layer::Layer;
use kubeatlas::tui::msg::{Effect, Msg, Reply};
use kubeatlas::tui::prompt::Mode;
use kubeatlas::tui::view::{RowKey, Scope, View};
use kubeatlas::tui::yaml::Content;
use kubeatlas::tui::{App, update};
use std::time::Duration;

fn command(a: &mut App, cat: &Catalog, cmd: &str) -> Vec<Effect> {
    type_text(a, cat, &format!(":{cmd}"));
    press(a, cat, KeyCode::Enter)
}

fn bp(cat: &Catalog, name: &str) -> kubeatlas::blueprint::BpId {
    cat.blueprints().by_identifier(name).expect(name)
}

fn selected_name(a: &App, cat: &Catalog) -> String {
    match a.page().selected_key() {
        Some(RowKey::Entity(e)) => cat.get(e).map(|r| r.name.to_string()).unwrap_or_default(),
        Some(RowKey::Cluster(c)) => cat.cluster(*c).map(|i| i.name.clone()).unwrap_or_default(),
        Some(RowKey::Service(s)) => s.to_string(),
        None => String::new(),
    }
}

/// The NAME (or SERVICE) cell of every row, in display order.
fn names(a: &App) -> Vec<String> {
    let p = a.page();
    let t = &p.cache.table;
    let col = t
        .columns
        .iter()
        .position(|c| c.title == "NAME" || c.title == "SERVICE")
        .unwrap_or(0);
    p.cache
        .filtered
        .rows()
        .iter()
        .map(|&i| t.rows[i as usize].cells[col].text.to_string())
        .collect()
}

#[test]
fn drill_down_to_pod_detail_and_back_restores_selection() {
    let cat = fixture::fleet();
    let mut a = app(&cat);
    assert_eq!(a.page().view, View::Fleet);
    assert_eq!(names(&a), vec!["dev", "staging", "prod"]);
    press(&mut a, &cat, KeyCode::Char('j'));
    assert_eq!(selected_name(&a, &cat), "staging");

    press(&mut a, &cat, KeyCode::Enter);
    assert_eq!(
        a.page().view,
        View::List {
            bp: bp(&cat, "namespace"),
            scope: Scope::Cluster(ClusterId(1))
        }
    );
    assert_eq!(names(&a), vec!["payments", "shop"]);
    assert_eq!(a.page().path.clone(), vec!["staging"]);
    press(&mut a, &cat, KeyCode::Down);
    assert_eq!(selected_name(&a, &cat), "shop");

    press(&mut a, &cat, KeyCode::Enter);
    assert_eq!(
        a.page().view,
        View::List {
            bp: bp(&cat, "workload"),
            scope: Scope::Namespace(ClusterId(1), "shop".into())
        }
    );
    assert_eq!(a.page().path.clone(), vec!["staging", "shop"]);
    assert_eq!(names(&a), vec!["cart"]);
    assert_eq!(selected_name(&a, &cat), "cart");

    press(&mut a, &cat, KeyCode::Enter);
    assert!(matches!(
        &a.page().view,
        View::List {
            scope: Scope::Parent(_),
            ..
        }
    ));
    assert_eq!(a.page().path.clone(), vec!["staging", "shop", "cart"]);
    assert_eq!(
        names(&a),
        vec!["cart-5c6d7e8f9-kkkkk", "cart-5c6d7e8f9-lllll"]
    );
    press(&mut a, &cat, KeyCode::Char('G'));
    assert_eq!(selected_name(&a, &cat), "cart-5c6d7e8f9-lllll");

    press(&mut a, &cat, KeyCode::Enter);
    assert!(matches!(&a.page().view, View::Detail { .. }));
    assert_eq!(
        a.page().path.clone(),
        vec!["staging", "shop", "cart", "cart-5c6d7e8f9-lllll"]
    );
    let d = a.page().cache.detail.clone().expect("detail");
    assert_eq!(d.kind, "Pod");
    assert!(d.fields.iter().any(
        |(l, v, _)| l == "Owners" && v.contains("ReplicaSet cart-5c6d7e8f9 → Deployment cart")
    ));
    let containers = &d.sections[0];
    assert_eq!(containers.rows[0][2].0, "waiting");
    assert_eq!(containers.rows[0][3].0, "CrashLoopBackOff");

    for expected in ["cart-5c6d7e8f9-lllll", "cart", "shop", "staging"] {
        press(&mut a, &cat, KeyCode::Esc);
        assert_eq!(selected_name(&a, &cat), expected);
    }
    assert_eq!(a.page().view, View::Fleet);
    // Esc at the top stays there; q quits.
    press(&mut a, &cat, KeyCode::Esc);
    assert_eq!(a.stack().len(), 1);
    assert_eq!(press(&mut a, &cat, KeyCode::Char('q')), vec![Effect::Quit]);
    assert!(a.quit());
}

#[test]
fn ctrl_c_quits_from_anywhere() {
    let cat = fixture::fleet();
    let mut a = app(&cat);
    type_text(&mut a, &cat, ":po");
    let k = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
    assert_eq!(update(&mut a, &cat, Msg::Key(k)), vec![Effect::Quit]);
}

#[test]
fn filter_narrows_enter_keeps_esc_clears() {
    let cat = fixture::fleet();
    let mut a = app(&cat);
    command(&mut a, &cat, "pods");
    assert_eq!(rows(&a).len(), 12);
    type_text(&mut a, &cat, "/cart");
    assert_eq!(*a.mode(), Mode::Filter);
    assert_eq!(rows(&a).len(), 6);
    assert!(rows(&a).iter().all(|r| r.contains("cart-")));
    // Matched characters are recorded for highlighting.
    let p = a.page();
    let hl = kubeatlas::tui::filter::Highlighter::new(&p.filter);
    assert!(
        p.cache
            .filtered
            .rows()
            .iter()
            .all(|&i| hl.positions(&p.cache.table.rows[i as usize]).len() == 4)
    );
    press(&mut a, &cat, KeyCode::Enter);
    assert_eq!(*a.mode(), Mode::Normal);
    assert_eq!(a.page().filter, "cart");
    assert_eq!(rows(&a).len(), 6);
    // j moves within the filtered rows.
    press(&mut a, &cat, KeyCode::Char('j'));
    assert_eq!(selected_name(&a, &cat), "cart-5c6d7e8f9-lllll");
    // First Esc clears the filter (selection kept), the second goes back.
    press(&mut a, &cat, KeyCode::Esc);
    assert_eq!(a.page().filter, "");
    assert_eq!(rows(&a).len(), 12);
    assert_eq!(selected_name(&a, &cat), "cart-5c6d7e8f9-lllll");
    press(&mut a, &cat, KeyCode::Esc);
    assert_eq!(a.page().view, View::Fleet);
}

#[test]
fn esc_while_typing_a_filter_clears_it() {
    let cat = fixture::fleet();
    let mut a = app(&cat);
    type_text(&mut a, &cat, "/sta");
    assert_eq!(names(&a), vec!["staging"]);
    press(&mut a, &cat, KeyCode::Esc);
    assert_eq!(*a.mode(), Mode::Normal);
    assert_eq!(names(&a), vec!["dev", "staging", "prod"]);
    // A pattern matching across cells needs a space.
    type_text(&mut a, &cat, "/prod ready");
    assert_eq!(names(&a), vec!["prod"]);
}

#[test]
fn command_mode_completion_and_commands() {
    let cat = fixture::fleet();
    let mut a = app(&cat);
    type_text(&mut a, &cat, ":wor");
    press(&mut a, &cat, KeyCode::Tab);
    let Mode::Command(p) = &a.mode() else {
        panic!("{:?}", a.mode())
    };
    assert_eq!(p.input, "workload");
    press(&mut a, &cat, KeyCode::Tab);
    let Mode::Command(p) = &a.mode() else {
        panic!()
    };
    assert_eq!(p.input, "workloads");
    type_text(&mut a, &cat, " pr");
    press(&mut a, &cat, KeyCode::Tab);
    let Mode::Command(p) = &a.mode() else {
        panic!()
    };
    assert_eq!(p.input, "workloads prod");
    type_text(&mut a, &cat, "/p");
    press(&mut a, &cat, KeyCode::Tab);
    let Mode::Command(p) = &a.mode() else {
        panic!()
    };
    assert_eq!(p.input, "workloads prod/payments");
    press(&mut a, &cat, KeyCode::Enter);
    assert_eq!(
        a.page().view,
        View::List {
            bp: bp(&cat, "workload"),
            scope: Scope::Namespace(ClusterId(2), "payments".into())
        }
    );
    assert_eq!(names(&a), vec!["checkout-api", "ledger"]);
    // Esc from a command view goes to the fleet.
    press(&mut a, &cat, KeyCode::Esc);
    assert_eq!(a.stack().len(), 1);

    // Aliases resolve through the blueprint set.
    for (cmd, id) in [
        ("po", "pod"),
        ("deploy", "workload"),
        ("ns", "namespace"),
        ("no", "node"),
    ] {
        command(&mut a, &cat, cmd);
        assert_eq!(
            a.page().view,
            View::List {
                bp: bp(&cat, id),
                scope: Scope::All
            },
            "{cmd}"
        );
    }
    command(&mut a, &cat, "pods prod");
    assert_eq!(
        a.page().view,
        View::List {
            bp: bp(&cat, "pod"),
            scope: Scope::Cluster(ClusterId(2))
        }
    );
    command(&mut a, &cat, "rs");
    assert_eq!(a.page().view, View::Matrix);
    command(&mut a, &cat, "ctx");
    assert_eq!(a.page().view, View::Fleet);
    command(&mut a, &cat, "help");
    assert!(matches!(a.layers().overlay(), Some(Layer::Help(_))));
    press(&mut a, &cat, KeyCode::Char('x'));
    assert!(a.layers().overlay().is_none());

    command(&mut a, &cat, "pods nowhere");
    assert!(
        a.message()
            .is_some_and(|m| m.error && m.text.contains("nowhere"))
    );
    command(&mut a, &cat, "replicaset");
    assert!(
        a.message()
            .is_some_and(|m| m.error && m.text.contains("internal"))
    );
    command(&mut a, &cat, "bogus");
    assert!(
        a.message()
            .is_some_and(|m| m.error && m.text.contains("unknown command"))
    );
    assert_eq!(a.page().view, View::Fleet);
    assert_eq!(command(&mut a, &cat, "q"), vec![Effect::Quit]);
}

#[test]
fn backspace_on_empty_prompt_leaves_command_mode() {
    let cat = fixture::fleet();
    let mut a = app(&cat);
    type_text(&mut a, &cat, ":p");
    press(&mut a, &cat, KeyCode::Backspace);
    assert!(matches!(a.mode(), Mode::Command(_)));
    press(&mut a, &cat, KeyCode::Backspace);
    assert_eq!(*a.mode(), Mode::Normal);
}

#[test]
fn sort_by_column_and_reverse() {
    let cat = fixture::fleet();
    let mut a = app(&cat);
    command(&mut a, &cat, "pods");
    let cols: Vec<String> = a
        .page()
        .cache
        .table
        .columns
        .iter()
        .map(|c| c.title.clone())
        .collect();
    let restarts = cols
        .iter()
        .position(|c| c == "RESTARTS")
        .expect("RESTARTS column");
    for _ in 0..=restarts {
        press(&mut a, &cat, KeyCode::Char('>'));
    }
    assert_eq!(
        a.page().sort.map(|s| (s.column, s.reverse)),
        Some((restarts, false))
    );
    assert!(
        rows(&a)
            .last()
            .is_some_and(|r| r.contains("cart-5c6d7e8f9-lllll"))
    );
    press(&mut a, &cat, KeyCode::Char('!'));
    assert!(
        rows(&a)
            .first()
            .is_some_and(|r| r.contains("cart-5c6d7e8f9-lllll"))
    );
    press(&mut a, &cat, KeyCode::Char('<'));
    assert_eq!(a.page().sort.map(|s| s.column), Some(restarts - 1));
    // Back past the first column: natural order again.
    for _ in 0..restarts {
        press(&mut a, &cat, KeyCode::Char('<'));
    }
    assert_eq!(a.page().sort, None);
    assert!(rows(&a)[0].starts_with("dev payments checkout-api"));
}

#[test]
fn selection_stays_on_the_entity_when_rows_are_inserted_before_it() {
    let mut cat = fixture::fleet();
    let mut a = app(&cat);
    command(&mut a, &cat, "pods");
    press(&mut a, &cat, KeyCode::Char('G'));
    let before = a.page().selected_key().cloned();
    assert_eq!(selected_name(&a, &cat), "cart-5c6d7e8f9-lllll");
    let idx = a.page().index;
    // Two new pods sort before the selection (dev/…, and prod/payments/…).
    for (c, name) in [(0, "aaa-first"), (2, "checkout-api-new")] {
        fixture::apply(
            &mut cat,
            c,
            "",
            "Pod",
            fixture::pod(
                name,
                "payments",
                &format!("new-{c}"),
                "none",
                "node-1",
                None,
            ),
        );
    }
    a.drawn();
    update(&mut a, &cat, Msg::Catalog);
    assert!(a.dirty(), "a visible change marks the screen dirty");
    assert_eq!(rows(&a).len(), 14);
    assert_eq!(a.page().selected_key().cloned(), before);
    assert_eq!(a.page().index, idx + 2);
}

#[test]
fn deleted_selection_moves_to_its_neighbour() {
    let mut cat = fixture::fleet();
    let mut a = app(&cat);
    command(&mut a, &cat, "pods dev");
    assert_eq!(
        names(&a),
        vec![
            "checkout-api-7d9f8b6c5-abcde",
            "checkout-api-7d9f8b6c5-fghij",
            "cart-5c6d7e8f9-kkkkk",
            "cart-5c6d7e8f9-lllll"
        ]
    );
    press(&mut a, &cat, KeyCode::Char('j'));
    let gone = match a.page().selected_key() {
        Some(RowKey::Entity(e)) => cat.get(e).cloned().expect("record"),
        other => panic!("{other:?}"),
    };
    fixture::delete(&mut cat, 0, &gone);
    update(&mut a, &cat, Msg::Catalog);
    assert_eq!(rows(&a).len(), 3);
    assert_eq!(selected_name(&a, &cat), "cart-5c6d7e8f9-kkkkk");
    // The last row deleted: the selection moves up.
    press(&mut a, &cat, KeyCode::Char('G'));
    let last = match a.page().selected_key() {
        Some(RowKey::Entity(e)) => cat.get(e).cloned().expect("record"),
        other => panic!("{other:?}"),
    };
    fixture::delete(&mut cat, 0, &last);
    update(&mut a, &cat, Msg::Catalog);
    assert_eq!(selected_name(&a, &cat), "cart-5c6d7e8f9-kkkkk");
}

#[test]
fn catalog_changes_update_rows_and_counts() {
    let mut cat = fixture::fleet();
    let mut a = app(&cat);
    let dev_workloads = |a: &App| rows(a)[0].split_whitespace().nth(5).map(str::to_string);
    assert_eq!(dev_workloads(&a).as_deref(), Some("2"));
    fixture::apply(
        &mut cat,
        0,
        "apps",
        "Deployment",
        fixture::deployment("search", "shop", "dev-dep-search", "0.9.0", 1, 0),
    );
    update(&mut a, &cat, Msg::Catalog);
    assert_eq!(dev_workloads(&a).as_deref(), Some("3"));
    // Cluster status changes show in the fleet.
    cat.apply(Change::Cluster {
        cluster: ClusterId(2),
        status: ClusterStatus::Unreachable("connection refused".into()),
    });
    update(&mut a, &cat, Msg::Catalog);
    assert!(
        rows(&a)[2].contains("unreachable: connection refused"),
        "{:?}",
        rows(&a)
    );
}

#[test]
fn changes_elsewhere_do_not_dirty_the_screen() {
    let mut cat = fixture::fleet();
    let mut a = app(&cat);
    command(&mut a, &cat, "workloads dev/payments");
    a.drawn();
    update(&mut a, &cat, Msg::Catalog);
    assert!(!a.dirty(), "nothing changed");
    fixture::apply(
        &mut cat,
        2,
        "",
        "Pod",
        fixture::pod("p", "shop", "prod-extra", "none", "node-1", None),
    );
    update(&mut a, &cat, Msg::Catalog);
    assert!(!a.dirty(), "a pod in prod does not change dev's workloads");
    fixture::apply(
        &mut cat,
        0,
        "apps",
        "Deployment",
        fixture::deployment("ledger", "payments", "dev-dep-ledger", "3.0.0", 1, 1),
    );
    update(&mut a, &cat, Msg::Catalog);
    assert!(a.dirty());
}

#[test]
fn matrix_shows_environments_and_drift_and_drills_to_the_cell() {
    let cat = fixture::fleet();
    let mut a = app(&cat);
    press(&mut a, &cat, KeyCode::Char('m'));
    assert_eq!(a.page().view, View::Matrix);
    let envs: Vec<String> = a.page().cache.envs.iter().map(|e| e.to_string()).collect();
    assert_eq!(envs, vec!["dev", "staging", "prod"]);
    let r = rows(&a);
    assert_eq!(r.len(), 3);
    assert!(
        r[1].starts_with("≠ checkout-api 1.5.0 2/2 1.4.2 2/2 1.4.2 2/2"),
        "{r:?}"
    );
    assert_eq!(names(&a), vec!["cart", "checkout-api", "ledger"]);
    assert!(r[0].starts_with(" cart"), "{r:?}");
    // Cell cursor: l/→ and h/←, clamped.
    press(&mut a, &cat, KeyCode::Char('j'));
    press(&mut a, &cat, KeyCode::Char('l'));
    press(&mut a, &cat, KeyCode::Right);
    press(&mut a, &cat, KeyCode::Right);
    assert_eq!(a.page().column, 2);
    press(&mut a, &cat, KeyCode::Char('h'));
    press(&mut a, &cat, KeyCode::Left);
    assert_eq!(a.page().column, 0);
    // Enter on checkout-api × dev: one workload → its pods, above the namespace's workloads.
    press(&mut a, &cat, KeyCode::Enter);
    assert_eq!(
        a.page().path.clone(),
        vec!["dev", "payments", "checkout-api"]
    );
    assert_eq!(
        names(&a),
        vec![
            "checkout-api-7d9f8b6c5-abcde",
            "checkout-api-7d9f8b6c5-fghij"
        ]
    );
    press(&mut a, &cat, KeyCode::Esc);
    assert_eq!(
        a.page().view,
        View::List {
            bp: bp(&cat, "workload"),
            scope: Scope::Namespace(ClusterId(0), "payments".into())
        }
    );
    assert_eq!(selected_name(&a, &cat), "checkout-api");
    press(&mut a, &cat, KeyCode::Esc);
    assert_eq!(a.page().view, View::Matrix);
    // An empty cell says so.
    press(&mut a, &cat, KeyCode::Char('j'));
    press(&mut a, &cat, KeyCode::Enter);
    assert_eq!(a.page().view, View::Matrix);
    assert!(
        a.message()
            .is_some_and(|m| m.text.contains("ledger does not run in dev"))
    );
    // Tab goes back to the fleet and again to the matrix.
    press(&mut a, &cat, KeyCode::Tab);
    assert_eq!(a.page().view, View::Fleet);
    press(&mut a, &cat, KeyCode::Tab);
    assert_eq!(a.page().view, View::Matrix);
}

#[test]
fn zero_clears_narrowing_and_keeps_the_selection() {
    let cat = fixture::fleet();
    let mut a = app(&cat);
    command(&mut a, &cat, "pods prod/shop");
    assert_eq!(rows(&a).len(), 2);
    press(&mut a, &cat, KeyCode::Char('j'));
    let sel = a.page().selected_key().cloned();
    press(&mut a, &cat, KeyCode::Char('0'));
    assert_eq!(
        a.page().view,
        View::List {
            bp: bp(&cat, "pod"),
            scope: Scope::All
        }
    );
    assert_eq!(rows(&a).len(), 12);
    assert_eq!(a.page().selected_key().cloned(), sel);
}

#[test]
fn node_drills_to_its_pods() {
    let cat = fixture::fleet();
    let mut a = app(&cat);
    command(&mut a, &cat, "nodes");
    assert_eq!(rows(&a).len(), 6);
    press(&mut a, &cat, KeyCode::Enter);
    assert!(
        matches!(&a.page().view, View::List { scope: Scope::Parent(e), .. } if e.bp == bp(&cat, "node"))
    );
    assert_eq!(a.page().path.clone(), vec!["dev", "node-1"]);
    // Pods of several namespaces: NAMESPACE column shown.
    assert_eq!(rows(&a).len(), 3);
    assert!(
        a.page()
            .cache
            .table
            .columns
            .iter()
            .any(|c| c.title == "NAMESPACE")
    );
}

#[test]
fn d_opens_the_detail_of_any_entity() {
    let cat = fixture::fleet();
    let mut a = app(&cat);
    command(&mut a, &cat, "wl");
    press(&mut a, &cat, KeyCode::Char('d'));
    let d = a.page().cache.detail.clone().expect("detail");
    assert_eq!(
        (d.kind.as_str(), d.name.as_str()),
        ("Deployment", "checkout-api")
    );
    assert!(
        d.fields
            .iter()
            .any(|(l, v, _)| l == "Version" && v == "1.5.0")
    );
}

#[test]
fn yaml_is_fetched_on_demand_and_searchable() {
    let cat = fixture::fleet();
    let mut a = app(&cat);
    command(&mut a, &cat, "wl prod/payments");
    let fx = press(&mut a, &cat, KeyCode::Char('y'));
    let [Effect::FetchYaml { entity, target }] = fx.as_slice() else {
        panic!("{fx:?}")
    };
    assert_eq!(
        (
            target.group.as_str(),
            target.version.as_str(),
            target.kind.as_str()
        ),
        ("apps", "v1", "Deployment")
    );
    assert_eq!(
        (target.namespace.as_deref(), target.name.as_str()),
        (Some("payments"), "checkout-api")
    );
    assert_eq!(target.cluster, ClusterId(2));
    assert!(a.spinning(&cat), "the fetch animates");
    // A reply for another entity is ignored.
    let other = EntityRef {
        uid: "other".into(),
        ..entity.clone()
    };
    update(
        &mut a,
        &cat,
        Msg::EffectDone(Reply::Yaml {
            entity: other,
            result: Ok("x: 1".into()),
        }),
    );
    let Some(Layer::Yaml(y)) = a.layers().overlay() else {
        panic!()
    };
    assert_eq!(y.content, Content::Loading);
    update(
        &mut a,
        &cat,
        Msg::EffectDone(Reply::Yaml {
            entity: entity.clone(),
            result: Ok("a: 1\nimage: x\nb: 2\nimage: y\n".into()),
        }),
    );
    type_text(&mut a, &cat, "/image");
    press(&mut a, &cat, KeyCode::Enter);
    let Some(Layer::Yaml(y)) = a.layers().overlay() else {
        panic!()
    };
    assert_eq!(y.matches, vec![1, 3]);
    press(&mut a, &cat, KeyCode::Char('n'));
    let Some(Layer::Yaml(y)) = a.layers().overlay() else {
        panic!()
    };
    assert_eq!(y.current, 1);
    // q closes the viewer, not the program.
    assert!(press(&mut a, &cat, KeyCode::Char('q')).is_empty());
    assert!(a.layers().overlay().is_none());
    assert!(!a.quit());
    // Errors reach the status line.
    let fx = press(&mut a, &cat, KeyCode::Char('y'));
    let [Effect::FetchYaml { entity, .. }] = fx.as_slice() else {
        panic!()
    };
    update(
        &mut a,
        &cat,
        Msg::EffectDone(Reply::Yaml {
            entity: entity.clone(),
            result: Err("403 Forbidden: nope".into()),
        }),
    );
    assert!(
        a.message()
            .is_some_and(|m| m.error && m.text.contains("403"))
    );
}

#[test]
fn ticks_only_when_something_moves() {
    let mut cat = fixture::fleet();
    let mut a = app(&cat);
    command(&mut a, &cat, "pods");
    // Everything ready and an hour old (kubectl's "60m"): the next change is when it
    // becomes "61m".
    assert_eq!(a.next_tick(&cat), Some(Duration::from_secs(60)));
    cat.apply(Change::Cluster {
        cluster: ClusterId(1),
        status: ClusterStatus::Syncing,
    });
    assert_eq!(a.next_tick(&cat), Some(Duration::from_millis(150)));
    // The fleet view has no ages and nothing spins: no tick at all.
    let cat = fixture::empty(&["a"]);
    let mut b = app(&cat);
    let mut cat = cat;
    cat.apply(Change::Cluster {
        cluster: ClusterId(0),
        status: ClusterStatus::Ready,
    });
    update(&mut b, &cat, Msg::Catalog);
    assert_eq!(b.next_tick(&cat), None);
}

#[test]
fn paging_and_home_end() {
    let mut cat = fixture::fleet();
    for i in 0..100 {
        fixture::apply(
            &mut cat,
            0,
            "",
            "Pod",
            fixture::pod(
                &format!("bulk-{i:03}"),
                "shop",
                &format!("bulk-{i}"),
                "none",
                "node-1",
                None,
            ),
        );
    }
    let mut a = app(&cat);
    command(&mut a, &cat, "pods dev/shop");
    let h = a.list_height();
    press(&mut a, &cat, KeyCode::PageDown);
    assert_eq!(a.page().index, h - 1);
    press(&mut a, &cat, KeyCode::PageDown);
    assert_eq!(a.page().index, 2 * (h - 1));
    assert_eq!(
        a.page().offset,
        2 * (h - 1) + 1 - h,
        "the selection stays on screen"
    );
    press(&mut a, &cat, KeyCode::End);
    assert_eq!(a.page().index, 101);
    assert_eq!(a.page().offset, 102 - h);
    press(&mut a, &cat, KeyCode::PageUp);
    assert_eq!(a.page().index, 101 - (h - 1));
    press(&mut a, &cat, KeyCode::Home);
    assert_eq!((a.page().index, a.page().offset), (0, 0));
}

/// Issue 6: a 403 on one kind in one cluster shows that kind as forbidden (fleet status,
/// a notice above its list, the status line); the rest of the cluster works.
#[test]
fn forbidden_kind_is_shown_and_the_rest_works() {
    let mut cat = fixture::fleet();
    let node = bp(&cat, "node");
    let msg = "403 Forbidden: nodes is forbidden: User \"viewer\" cannot list resource \"nodes\"";
    cat.apply(Change::Source {
        cluster: ClusterId(2),
        bp: node,
        source: 0,
        status: kubeatlas::catalog::SourceStatus::Forbidden(msg.into()),
    });
    let mut a = app(&cat);
    let fleet = rows(&a);
    assert!(fleet[2].contains("ready · nodes forbidden"), "{fleet:?}");
    assert!(!fleet[0].contains("forbidden"), "{fleet:?}");
    let screen = fixture::screen(&mut a, &cat, 140, 30);
    assert!(screen.contains("prod ● ⚠ nodes forbidden"), "{screen}");

    // The flat list of nodes says which cluster cannot list them, and why.
    command(&mut a, &cat, "nodes");
    assert_eq!(a.notices().len(), 1);
    let screen = fixture::screen(&mut a, &cat, 140, 30);
    assert!(
        screen.contains(
            "⚠ prod: Node forbidden — 403 Forbidden: nodes is forbidden: User \"viewer\""
        ),
        "{screen}"
    );
    // The selection stays within the smaller window.
    assert_eq!(a.list_height(), 30 - 5 - 1);
    // Pods of prod are listed as usual, without a notice.
    command(&mut a, &cat, "pods prod");
    assert_eq!(a.notices().len(), 0);
    assert!(!rows(&a).is_empty());
    let screen = fixture::screen(&mut a, &cat, 140, 30);
    assert!(!screen.contains("Node forbidden"), "{screen}");
    // Nodes of dev: no notice either.
    command(&mut a, &cat, "nodes dev");
    assert_eq!(a.notices().len(), 0);
}

//! Render tests of every view on ratatui's TestBackend: insta snapshots of the screen text
//! (100×30 and 80×24), plus assertions on styles (health colours, NO_COLOR, selection).

use crossterm::event::KeyCode;
use kubeatlas::catalog::Catalog;
use kubeatlas::tui::fixture::{self, app, press, screen, type_text};
use kubeatlas::tui::msg::{Msg, Reply};
use kubeatlas::tui::theme::Theme;
use kubeatlas::tui::{App, update};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};

/// dev › payments › checkout-api pods (Enter ×3 from the fleet, first rows selected).
fn drill(a: &mut App, cat: &Catalog, levels: usize) {
    for _ in 0..levels {
        press(a, cat, KeyCode::Enter);
    }
}

fn buffer(a: &mut App, cat: &Catalog, w: u16, h: u16) -> Buffer {
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap_or_else(|e| match e {});
    update(a, cat, Msg::Resize(w, h));
    term.draw(|f| kubeatlas::tui::render::draw(f, a))
        .unwrap_or_else(|e| match e {});
    term.backend().buffer().clone()
}

/// (x, y) of the first occurrence of `text` on screen.
fn find(buf: &Buffer, text: &str) -> Option<(u16, u16)> {
    for y in 0..buf.area.height {
        let line: String = (0..buf.area.width)
            .map(|x| buf[(x, y)].symbol().to_string())
            .collect();
        if let Some(b) = line.find(text) {
            let x = line[..b].chars().count() as u16;
            return Some((x, y));
        }
    }
    None
}

#[test]
fn fleet_view() {
    let cat = fixture::fleet();
    let mut a = app(&cat);
    insta::assert_snapshot!(screen(&mut a, &cat, 100, 30));
}

#[test]
fn fleet_view_80x24() {
    let cat = fixture::fleet();
    let mut a = app(&cat);
    insta::assert_snapshot!(screen(&mut a, &cat, 80, 24));
}

#[test]
fn namespaces_view() {
    let cat = fixture::fleet();
    let mut a = app(&cat);
    drill(&mut a, &cat, 1);
    insta::assert_snapshot!(screen(&mut a, &cat, 100, 30));
}

#[test]
fn workloads_view() {
    let cat = fixture::fleet();
    let mut a = app(&cat);
    drill(&mut a, &cat, 2);
    insta::assert_snapshot!(screen(&mut a, &cat, 100, 30));
}

#[test]
fn pods_view_80x24() {
    let cat = fixture::fleet();
    let mut a = app(&cat);
    drill(&mut a, &cat, 3);
    insta::assert_snapshot!(screen(&mut a, &cat, 80, 24));
}

#[test]
fn pod_detail_view() {
    let cat = fixture::fleet();
    let mut a = app(&cat);
    drill(&mut a, &cat, 4);
    insta::assert_snapshot!(screen(&mut a, &cat, 100, 30));
}

#[test]
fn crashlooping_pod_detail_80x24() {
    let cat = fixture::fleet();
    let mut a = app(&cat);
    type_text(&mut a, &cat, ":pods staging/shop");
    press(&mut a, &cat, KeyCode::Enter);
    press(&mut a, &cat, KeyCode::Char('j'));
    press(&mut a, &cat, KeyCode::Enter);
    insta::assert_snapshot!(screen(&mut a, &cat, 80, 24));
}

#[test]
fn deleted_pod_detail_says_deleted() {
    let mut cat = fixture::fleet();
    let mut a = app(&cat);
    drill(&mut a, &cat, 4);
    let pod = fixture::record(
        cat.blueprints(),
        "",
        "Pod",
        &fixture::pod(
            "checkout-api-7d9f8b6c5-abcde",
            "payments",
            "dev-pod-checkout-abcde",
            "dev-rs-checkout",
            "node-1",
            None,
        ),
    )
    .expect("pod");
    fixture::delete(&mut cat, 0, &pod);
    update(&mut a, &cat, Msg::Catalog);
    let s = screen(&mut a, &cat, 100, 30);
    assert!(s.contains("deleted"), "{s}");
    assert!(s.contains("checkout-api-7d9f8b6c5-abcde"), "{s}");
    insta::assert_snapshot!(s);
}

#[test]
fn matrix_view() {
    let cat = fixture::fleet();
    let mut a = app(&cat);
    type_text(&mut a, &cat, ":rs");
    press(&mut a, &cat, KeyCode::Enter);
    insta::assert_snapshot!(screen(&mut a, &cat, 100, 30));
}

#[test]
fn matrix_view_80x24() {
    let cat = fixture::fleet();
    let mut a = app(&cat);
    press(&mut a, &cat, KeyCode::Char('m'));
    insta::assert_snapshot!(screen(&mut a, &cat, 80, 24));
}

#[test]
fn flat_pods_view_80x24() {
    let cat = fixture::fleet();
    let mut a = app(&cat);
    type_text(&mut a, &cat, ":pods");
    press(&mut a, &cat, KeyCode::Enter);
    insta::assert_snapshot!(screen(&mut a, &cat, 80, 24));
}

#[test]
fn flat_workloads_view() {
    let cat = fixture::fleet();
    let mut a = app(&cat);
    type_text(&mut a, &cat, ":wl");
    press(&mut a, &cat, KeyCode::Enter);
    insta::assert_snapshot!(screen(&mut a, &cat, 100, 30));
}

#[test]
fn nodes_view() {
    let cat = fixture::fleet();
    let mut a = app(&cat);
    type_text(&mut a, &cat, ":nodes");
    press(&mut a, &cat, KeyCode::Enter);
    insta::assert_snapshot!(screen(&mut a, &cat, 100, 30));
}

#[test]
fn filter_prompt_and_title() {
    let cat = fixture::fleet();
    let mut a = app(&cat);
    type_text(&mut a, &cat, ":pods");
    press(&mut a, &cat, KeyCode::Enter);
    type_text(&mut a, &cat, "/cart");
    insta::assert_snapshot!(screen(&mut a, &cat, 100, 30));
}

#[test]
fn command_prompt_shows_completion_hint() {
    let cat = fixture::fleet();
    let mut a = app(&cat);
    type_text(&mut a, &cat, ":wor");
    let s = screen(&mut a, &cat, 80, 24);
    assert!(s.contains(":workload"), "{s}");
    insta::assert_snapshot!(s);
}

#[test]
fn help_overlay() {
    let cat = fixture::fleet();
    let mut a = app(&cat);
    press(&mut a, &cat, KeyCode::Char('?'));
    insta::assert_snapshot!(screen(&mut a, &cat, 100, 30));
}

#[test]
fn yaml_viewer_with_search() {
    let cat = fixture::fleet();
    let mut a = app(&cat);
    drill(&mut a, &cat, 2);
    let fx = press(&mut a, &cat, KeyCode::Char('y'));
    let Some(kubeatlas::tui::Effect::FetchYaml { entity, .. }) = fx.first().cloned() else {
        panic!("{fx:?}")
    };
    let loading = screen(&mut a, &cat, 80, 24);
    assert!(loading.contains("fetching"), "{loading}");
    let text = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: checkout-api\n  namespace: payments\nspec:\n  replicas: 2\n  template:\n    spec:\n      containers:\n      - image: registry.example/checkout-api:1.5.0\n        name: app\n";
    update(
        &mut a,
        &cat,
        Msg::EffectDone(Reply::Yaml {
            entity,
            result: Ok(text.into()),
        }),
    );
    type_text(&mut a, &cat, "/image");
    press(&mut a, &cat, KeyCode::Enter);
    insta::assert_snapshot!(screen(&mut a, &cat, 80, 24));
}

#[test]
fn tiny_terminal_does_not_panic() {
    let cat = fixture::fleet();
    let mut a = app(&cat);
    for (w, h) in [(1, 1), (9, 2), (20, 5), (40, 8)] {
        let _ = screen(&mut a, &cat, w, h);
        drill(&mut a, &cat, 1);
    }
}

#[test]
fn health_is_coloured_and_no_color_keeps_selection() {
    let cat = fixture::fleet();
    let mut a = app(&cat);
    a.set_theme(Theme { color: true });
    type_text(&mut a, &cat, ":wl staging");
    press(&mut a, &cat, KeyCode::Enter);
    let buf = buffer(&mut a, &cat, 100, 30);
    let (x, y) = find(&buf, "degraded").expect("a degraded workload");
    assert_eq!(buf[(x, y)].fg, Color::Yellow);
    let (x, y) = find(&buf, "healthy").expect("a healthy workload");
    assert_eq!(buf[(x, y)].fg, Color::Green);

    a.set_theme(Theme { color: false });
    let buf = buffer(&mut a, &cat, 100, 30);
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            assert_eq!(
                buf[(x, y)].fg,
                Color::Reset,
                "colour at {x},{y} with NO_COLOR"
            );
            assert_eq!(
                buf[(x, y)].bg,
                Color::Reset,
                "colour at {x},{y} with NO_COLOR"
            );
        }
    }
    // The selected row (the first one) is still reversed.
    let (x, y) = find(&buf, "checkout-api").expect("first row");
    assert!(buf[(x, y)].modifier.contains(Modifier::REVERSED));
    let (x, y) = find(&buf, "cart").expect("second row");
    assert!(!buf[(x, y)].modifier.contains(Modifier::REVERSED));
}

#[test]
fn drifted_cells_are_magenta() {
    let cat = fixture::fleet();
    let mut a = app(&cat);
    a.set_theme(Theme { color: true });
    press(&mut a, &cat, KeyCode::Char('m'));
    let buf = buffer(&mut a, &cat, 100, 30);
    let (x, y) = find(&buf, "1.5.0").expect("dev's checkout version");
    assert_eq!(buf[(x, y)].fg, Color::Magenta);
    let (x, y) = find(&buf, "1.4.2").expect("staging's checkout version");
    assert_ne!(buf[(x, y)].fg, Color::Magenta);
}

/// `:wl prod/payments` with checkout-api selected.
fn prod_payments(cat: &Catalog) -> App {
    let mut a = app(cat);
    type_text(&mut a, cat, ":wl prod/payments");
    press(&mut a, cat, KeyCode::Enter);
    a
}

#[test]
fn confirm_dialog() {
    let cat = fixture::fleet();
    let mut a = prod_payments(&cat);
    press(&mut a, &cat, KeyCode::Char('r'));
    let s = screen(&mut a, &cat, 100, 30);
    assert!(
        s.contains("Restart Deployment payments/checkout-api in context prod?"),
        "{s}"
    );
    assert!(s.contains("y/Enter confirm · n/Esc cancel"), "{s}");
    insta::assert_snapshot!(s);
}

#[test]
fn confirm_dialog_protected() {
    let cat = fixture::fleet();
    let mut a = prod_payments(&cat);
    a.set_policy(fixture::policy(false, "protected: ['*prod*']\n"));
    press(&mut a, &cat, KeyCode::Char('r'));
    type_text(&mut a, &cat, "checkout");
    press(&mut a, &cat, KeyCode::Enter);
    let s = screen(&mut a, &cat, 80, 24);
    assert!(
        s.contains("prod is a protected context: type checkout-api to confirm"),
        "{s}"
    );
    assert!(s.contains("> checkout"), "{s}");
    assert!(s.contains("nothing was done"), "{s}");
    insta::assert_snapshot!(s);
}

#[test]
fn confirm_dialog_for_a_matrix_cell_lists_the_workloads() {
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
    let mut a = app(&cat);
    press(&mut a, &cat, KeyCode::Char('m'));
    for k in ['j', 'l', 'l', 'r'] {
        press(&mut a, &cat, KeyCode::Char(k));
    }
    let s = screen(&mut a, &cat, 100, 30);
    assert!(
        s.contains("• prod/payments/checkout-api (Deployment)"),
        "{s}"
    );
    assert!(
        s.contains("• prod/shop/checkout-api-canary (Deployment)"),
        "{s}"
    );
    insta::assert_snapshot!(s);
}

#[test]
fn image_prompt_with_container_picker() {
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
    let mut a = prod_payments(&cat);
    press(&mut a, &cat, KeyCode::Char('i'));
    press(&mut a, &cat, KeyCode::Char('j'));
    let picker = screen(&mut a, &cat, 80, 24);
    assert!(picker.contains("Which container?"), "{picker}");
    assert!(picker.contains("2. envoy"), "{picker}");
    insta::assert_snapshot!("image_prompt_container_picker", picker);
    press(&mut a, &cat, KeyCode::Enter);
    let prompt = screen(&mut a, &cat, 80, 24);
    assert!(
        prompt.contains("New image for container envoy:"),
        "{prompt}"
    );
    assert!(prompt.contains("> envoyproxy/envoy:v1.30.1"), "{prompt}");
    insta::assert_snapshot!("image_prompt_prefilled", prompt);
}

#[test]
fn rollout_progress_line() {
    let mut cat = fixture::fleet();
    let mut a = prod_payments(&cat);
    press(&mut a, &cat, KeyCode::Char('r'));
    let fx = press(&mut a, &cat, KeyCode::Char('y'));
    let Some(kubeatlas::tui::Effect::Act { batch, targets, .. }) = fx.first().cloned() else {
        panic!("{fx:?}")
    };
    update(
        &mut a,
        &cat,
        Msg::EffectDone(Reply::Acted {
            batch,
            entity: targets[0].0.clone(),
            outcome: kubeatlas::actions::Outcome {
                ok: true,
                message: "prod › payments › Deployment checkout-api: restart (rollout) done".into(),
                generation: Some(2),
            },
        }),
    );
    let mut d = fixture::deployment(
        "checkout-api",
        "payments",
        "prod-dep-checkout",
        "1.4.2",
        3,
        3,
    );
    d["metadata"]["generation"] = 2.into();
    d["status"]["observedGeneration"] = 2.into();
    d["status"]["updatedReplicas"] = 2.into();
    d["status"]["replicas"] = 4.into();
    fixture::apply(&mut cat, 2, "apps", "Deployment", d);
    update(&mut a, &cat, Msg::Catalog);
    let s = screen(&mut a, &cat, 100, 30);
    assert!(
        s.contains("prod/payments/checkout-api: rolling out: 2/3 updated, 3/3 ready"),
        "{s}"
    );
    insta::assert_snapshot!(s);
}

#[test]
fn logs_view() {
    let cat = fixture::fleet();
    let mut a = app(&cat);
    type_text(&mut a, &cat, ":wl staging/shop");
    press(&mut a, &cat, KeyCode::Enter);
    let fx = press(&mut a, &cat, KeyCode::Char('l'));
    let Some(kubeatlas::tui::Effect::Logs { view, .. }) = fx.first().cloned() else {
        panic!("{fx:?}")
    };
    let lines = (0..30)
        .map(|i| {
            let pod = if i % 2 == 0 { "kkkkk" } else { "lllll" };
            let level = if i % 7 == 3 { "ERROR" } else { "INFO" };
            format!(
                "[cart-5c6d7e8f9-{pod}/app] 2025-01-01T00:{:02}:00Z {level} GET /api/cart/{i} 200",
                i
            )
        })
        .collect();
    update(
        &mut a,
        &cat,
        Msg::EffectDone(Reply::LogLines { view, lines }),
    );
    type_text(&mut a, &cat, "/error");
    press(&mut a, &cat, KeyCode::Enter);
    let s = screen(&mut a, &cat, 100, 30);
    assert!(
        s.contains("logs Deployment shop/cart (staging) [app]"),
        "{s}"
    );
    assert!(
        s.contains("GET /api/cart/29 200"),
        "follows the newest line: {s}"
    );
    assert!(s.contains("/error"), "{s}");
    insta::assert_snapshot!(s);
    // Matches are highlighted.
    let mut color = a;
    color.set_theme(Theme { color: true });
    let buf = buffer(&mut color, &cat, 100, 30);
    let (x, y) = find(&buf, "ERROR").expect("a match on screen");
    assert!(buf[(x, y)].modifier.contains(Modifier::UNDERLINED));
    let (x, y) = find(&buf, "INFO").expect("a line without match");
    assert!(!buf[(x, y)].modifier.contains(Modifier::UNDERLINED));
}

#[test]
fn logs_container_picker() {
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
    let mut a = app(&cat);
    type_text(&mut a, &cat, ":pods dev/shop");
    press(&mut a, &cat, KeyCode::Enter);
    press(&mut a, &cat, KeyCode::Char('l'));
    let s = screen(&mut a, &cat, 80, 24);
    assert!(s.contains("all containers"), "{s}");
    insta::assert_snapshot!(s);
}

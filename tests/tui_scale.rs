//! Scale checks of the TUI's projections: a big fleet is projected once per revision, a frame
//! only formats the visible rows.

use crossterm::event::KeyCode;
use kubeatlas::catalog::Catalog;
use kubeatlas::tui::fixture::{self, app, press, type_text};
use kubeatlas::tui::msg::Msg;
use kubeatlas::tui::update;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::time::{Duration, Instant};

/// Extra pods in the big fleet (spread over the three clusters).
const PODS: usize = 5_000;

fn big(pods: usize) -> Catalog {
    let mut cat = fixture::fleet();
    for i in 0..pods {
        let c = (i % 3) as u16;
        let name = format!("bulk-{i:06}");
        fixture::apply(
            &mut cat,
            c,
            "",
            "Pod",
            fixture::pod(&name, "shop", &name, "none", "node-1", None),
        );
    }
    cat
}

/// Frames over a large list cost the visible rows only: with the rows cached, drawing 100
/// frames takes far less than rebuilding the list once per frame would.
#[test]
fn frames_do_not_reproject_the_catalog() {
    let cat = big(PODS);
    let mut a = app(&cat);
    type_text(&mut a, &cat, ":pods");
    press(&mut a, &cat, KeyCode::Enter);
    let t0 = Instant::now();
    update(&mut a, &cat, Msg::Catalog);
    let mut term = Terminal::new(TestBackend::new(200, 60)).unwrap_or_else(|e| match e {});
    let mut frames = Duration::ZERO;
    for _ in 0..100 {
        press(&mut a, &cat, KeyCode::Char('j'));
        let t = Instant::now();
        term.draw(|f| kubeatlas::tui::render::draw(f, &a, &cat))
            .unwrap_or_else(|e| match e {});
        frames += t.elapsed();
    }
    let build = {
        let t = Instant::now();
        let _ = kubeatlas::tui::build::list(
            &cat,
            cat.blueprints().by_identifier("pod").expect("pod"),
            &kubeatlas::tui::view::Scope::All,
        );
        t.elapsed()
    };
    eprintln!(
        "100 frames: {frames:?}; one projection of {} pods: {build:?}; first refresh {:?}",
        PODS,
        t0.elapsed()
    );
    assert!(
        frames < build * 20,
        "frames {frames:?} vs projection {build:?}"
    );
    assert_eq!(a.page().index, 100);
}

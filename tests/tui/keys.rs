//! Key-driving helpers the TUI tests share: a `:` command typed and run, the status line's
//! message, and the one `Act` effect a confirmed action emits, in words.

use crossterm::event::KeyCode;
use kubeatlas::actions::Action;
use kubeatlas::catalog::Catalog;
use kubeatlas::tui::App;
use kubeatlas::tui::fixture::{press, type_text};
use kubeatlas::tui::msg::Effect;

/// Type `:cmd` and Enter.
pub fn command(a: &mut App, cat: &Catalog, cmd: &str) {
    type_text(a, cat, &format!(":{cmd}"));
    press(a, cat, KeyCode::Enter);
}

/// The status line's message, or empty.
pub fn message(a: &App) -> String {
    a.message().map(|m| m.text.clone()).unwrap_or_default()
}

/// The single `Act` effect: (context/namespace/name of each target, action).
pub fn act_of(fx: &[Effect]) -> (Vec<String>, Action) {
    let [
        Effect::Act {
            targets, action, ..
        },
    ] = fx
    else {
        panic!("expected exactly one Act effect: {fx:?}")
    };
    let names = targets
        .iter()
        .map(|(_, t)| {
            format!(
                "{}/{}/{}",
                t.context,
                t.namespace.as_deref().unwrap_or("-"),
                t.name
            )
        })
        .collect();
    (names, action.clone())
}

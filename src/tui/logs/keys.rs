//! Keys of the logs view: scrolling and follow, wrap, tail, previous, the container picker,
//! search, and closing (which stops the streams).

use super::{LogView, TAILS, viewport};
use crate::tui::msg::Effect;
use crate::tui::outcome::{Ids, Outcome};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// A key while the logs view is open on a `width`×`height` terminal.
pub fn key(v: &mut LogView, k: KeyEvent, ids: &mut Ids, width: u16, height: u16) -> Outcome {
    let (cols, rows) = viewport(width, height);
    let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
    let page = rows.saturating_sub(1).max(1) as isize;
    let mut fx = vec![];
    if let Some(cursor) = v.picking {
        let n = v.choices.len().max(1);
        match k.code {
            KeyCode::Char('j') | KeyCode::Down => v.picking = Some((cursor + 1) % n),
            KeyCode::Char('k') | KeyCode::Up => v.picking = Some((cursor + n - 1) % n),
            KeyCode::Enter => {
                v.picking = None;
                v.choice = cursor.min(n - 1);
                fx.push(v.restart(ids.fresh()));
            }
            KeyCode::Esc | KeyCode::Char('q') => {
                v.picking = None;
                if v.id == 0 {
                    // Never started: Esc leaves the view.
                    return Outcome::none().close();
                }
            }
            _ => {}
        }
        return Outcome::effects(fx);
    }
    if v.typing {
        match k.code {
            KeyCode::Enter => v.typing = false,
            KeyCode::Esc => {
                v.typing = false;
                v.search.clear();
                v.research();
            }
            KeyCode::Backspace => {
                v.search.pop();
                v.research();
            }
            KeyCode::Char(c) if !ctrl => {
                v.search.push(c);
                v.research();
            }
            _ => {}
        }
        return Outcome::effects(fx);
    }
    match k.code {
        KeyCode::Esc if !v.search.is_empty() => {
            v.search.clear();
            v.research();
        }
        KeyCode::Esc | KeyCode::Char('q') => {
            return Outcome::effects(vec![Effect::StopLogs]).close();
        }
        KeyCode::Char('j') | KeyCode::Down => v.scroll_by(1, rows, cols),
        KeyCode::Char('k') | KeyCode::Up => v.scroll_by(-1, rows, cols),
        KeyCode::Char('f') if ctrl => v.scroll_by(page, rows, cols),
        KeyCode::Char('b') if ctrl => v.scroll_by(-page, rows, cols),
        KeyCode::PageDown | KeyCode::Char(' ') => v.scroll_by(page, rows, cols),
        KeyCode::PageUp => v.scroll_by(-page, rows, cols),
        KeyCode::Char('g') | KeyCode::Home => {
            v.follow = false;
            v.scroll = 0;
        }
        KeyCode::Char('G') | KeyCode::End => v.follow = true,
        KeyCode::Char('f') => {
            if v.follow {
                v.scroll = v.top(rows, cols);
            }
            v.follow = !v.follow;
        }
        KeyCode::Char('w') => v.wrap = !v.wrap,
        KeyCode::Char('t') => {
            v.tail = (v.tail + 1) % TAILS.len();
            fx.push(v.restart(ids.fresh()));
        }
        KeyCode::Char('p') => {
            v.previous = !v.previous;
            fx.push(v.restart(ids.fresh()));
        }
        KeyCode::Char('c') if v.choices.len() > 1 => v.picking = Some(v.choice),
        KeyCode::Char('c') => return Outcome::tell("only one container", false),
        KeyCode::Char('/') => {
            v.typing = true;
            v.search.clear();
            v.research();
        }
        KeyCode::Char('n') => v.step(true, rows, cols),
        KeyCode::Char('N') => v.step(false, rows, cols),
        KeyCode::Char('?') => {
            return Outcome {
                help: true,
                ..Outcome::none()
            };
        }
        _ => {}
    }
    Outcome::effects(fx)
}

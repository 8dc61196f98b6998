//! The port-forwards running (`f` starts one): their list, kept by the app from the runner's
//! replies, and the `:pf` layer that shows it — `j/k` move, `d` or `ctrl-d` stops the
//! selected forward, `Esc`/`q` close. Every forward stops on quit (the runner owns them).

use super::msg::Effect;
use super::outcome::Outcome;
pub use crate::actions::portforward::ForwardRow;
use crossterm::event::{KeyCode, KeyEvent};

/// The forwards running, in the order they started.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Forwards {
    rows: Vec<ForwardRow>,
}

impl Forwards {
    pub fn rows(&self) -> &[ForwardRow] {
        &self.rows
    }

    pub fn started(&mut self, row: ForwardRow) {
        self.rows.retain(|r| r.id != row.id);
        self.rows.push(row);
    }

    /// The forward `id` ended (stopped, or its listener failed).
    pub fn ended(&mut self, id: u64) -> Option<ForwardRow> {
        let i = self.rows.iter().position(|r| r.id == id)?;
        Some(self.rows.remove(i))
    }
}

/// The `:pf` layer: a snapshot of the list (refreshed by the app on every change) and the
/// selection.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ForwardsView {
    pub rows: Vec<ForwardRow>,
    pub cursor: usize,
}

impl ForwardsView {
    pub fn new(f: &Forwards) -> ForwardsView {
        ForwardsView {
            rows: f.rows.clone(),
            cursor: 0,
        }
    }

    /// The list changed.
    pub fn sync(&mut self, f: &Forwards) {
        self.rows = f.rows.clone();
        self.cursor = self.cursor.min(self.rows.len().saturating_sub(1));
    }

    pub fn key(&mut self, k: KeyEvent) -> Outcome {
        let ctrl = k
            .modifiers
            .contains(crossterm::event::KeyModifiers::CONTROL);
        match k.code {
            KeyCode::Esc | KeyCode::Char('q') if !ctrl => Outcome::none().close(),
            KeyCode::Char('j') | KeyCode::Down => {
                if self.cursor + 1 < self.rows.len() {
                    self.cursor += 1;
                }
                Outcome::none()
            }
            KeyCode::Char('k') | KeyCode::Up => {
                self.cursor = self.cursor.saturating_sub(1);
                Outcome::none()
            }
            KeyCode::Char('d') => match self.rows.get(self.cursor) {
                Some(r) => Outcome::effects(vec![Effect::StopForward { id: r.id }]),
                None => Outcome::tell("no port-forward running", false),
            },
            _ => Outcome::none(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::KeyModifiers;

    fn row(id: u64) -> ForwardRow {
        ForwardRow {
            id,
            pod: format!("prod › shop › p{id}"),
            local: format!("127.0.0.1:{}", 8000 + id),
            remote: 8080,
            since: 0,
        }
    }

    #[test]
    fn d_and_ctrl_d_stop_the_selected_forward_and_esc_closes() {
        let mut f = Forwards::default();
        f.started(row(1));
        f.started(row(2));
        let mut v = ForwardsView::new(&f);
        let key = |c, m| KeyEvent::new(KeyCode::Char(c), m);
        assert_eq!(v.key(key('j', KeyModifiers::NONE)), Outcome::none());
        assert_eq!(
            v.key(key('d', KeyModifiers::NONE)).effects,
            vec![Effect::StopForward { id: 2 }]
        );
        assert_eq!(
            v.key(key('d', KeyModifiers::CONTROL)).effects,
            vec![Effect::StopForward { id: 2 }]
        );
        assert_eq!(f.ended(2).map(|r| r.id), Some(2));
        v.sync(&f);
        assert_eq!(v.cursor, 0);
        assert!(v.key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)).close);
    }
}

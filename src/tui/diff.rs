//! The cross-environment diff layer (`D` on a matrix row): the cell's environment against
//! another one (the next in the pipeline; `h`/`l` pick another), field by field, differing
//! rows marked. The diff itself is computed in the catalog room (`catalog::diff`), again on
//! every update so it follows the fleet live.

use super::outcome::Outcome;
use super::page::Page;
use super::view::{RowKey, View};
use crate::catalog::Catalog;
use crate::catalog::diff::{self, Diff};
use crossterm::event::{KeyCode, KeyEvent};
use std::sync::Arc;

/// The open diff.
#[derive(Debug, Clone, PartialEq)]
pub struct DiffView {
    pub service: Arc<str>,
    pub envs: Vec<Arc<str>>,
    /// Index in `envs` of the left side (the cell's environment).
    pub a: usize,
    /// Index in `envs` of the right side.
    pub b: usize,
    pub diff: Diff,
    /// Only the rows that differ.
    pub only_differing: bool,
    pub scroll: usize,
}

/// The diff of the selected matrix row: its cell's environment against the next one (the
/// previous one from the last column).
pub fn open(cat: &Catalog, page: &Page) -> Result<DiffView, String> {
    let (View::Matrix, Some(RowKey::Service(s))) = (&page.view, page.selected_key()) else {
        return Err("D: select a running service in the matrix (m)".into());
    };
    let envs = page.cache.envs.clone();
    if envs.len() < 2 {
        return Err("D: the fleet has one environment, nothing to compare".into());
    }
    let a = page.column.min(envs.len() - 1);
    let b = if a + 1 < envs.len() { a + 1 } else { a - 1 };
    let diff = diff::diff(cat, s, &envs[a], &envs[b]);
    Ok(DiffView {
        service: s.clone(),
        envs,
        a,
        b,
        diff,
        only_differing: false,
        scroll: 0,
    })
}

impl DiffView {
    /// Compute the diff again from the catalog (on every update).
    pub fn refresh(&mut self, cat: &Catalog) -> bool {
        let d = diff::diff(cat, &self.service, &self.envs[self.a], &self.envs[self.b]);
        let changed = d != self.diff;
        self.diff = d;
        changed
    }

    /// The rows shown (all, or only the differing ones).
    pub fn rows(&self) -> impl Iterator<Item = &diff::Row> {
        self.diff
            .rows
            .iter()
            .filter(move |r| !self.only_differing || r.mark != diff::Mark::Same)
    }

    /// The right side moves to the next (`l`) or previous (`h`) environment, skipping the
    /// left one.
    fn step(&mut self, forward: bool) {
        let n = self.envs.len();
        let mut b = self.b;
        loop {
            b = if forward {
                (b + 1) % n
            } else {
                (b + n - 1) % n
            };
            if b != self.a {
                break;
            }
        }
        self.b = b;
        self.scroll = 0;
    }

    pub fn key(&mut self, k: KeyEvent, height: u16) -> Outcome {
        let page = height.saturating_sub(4).max(1) as usize;
        let len = self.rows().count();
        match k.code {
            KeyCode::Esc | KeyCode::Char('q') => return Outcome::none().close(),
            KeyCode::Char('l') | KeyCode::Right => self.step(true),
            KeyCode::Char('h') | KeyCode::Left => self.step(false),
            KeyCode::Char('s') => std::mem::swap(&mut self.a, &mut self.b),
            KeyCode::Char('d') => {
                self.only_differing = !self.only_differing;
                self.scroll = 0;
            }
            KeyCode::Char('j') | KeyCode::Down => {
                self.scroll = (self.scroll + 1).min(len.saturating_sub(1))
            }
            KeyCode::Char('k') | KeyCode::Up => self.scroll = self.scroll.saturating_sub(1),
            KeyCode::PageDown => self.scroll = (self.scroll + page).min(len.saturating_sub(1)),
            KeyCode::PageUp => self.scroll = self.scroll.saturating_sub(page),
            KeyCode::Char('g') | KeyCode::Home => self.scroll = 0,
            KeyCode::Char('G') | KeyCode::End => self.scroll = len.saturating_sub(1),
            _ => {}
        }
        Outcome::none()
    }
}

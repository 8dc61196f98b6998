//! The input line: typing a `:` command (with Tab completion and a greyed hint computed as
//! the input changes) or the `/` filter of the current page (the pattern itself lives in the
//! page). Keys fold here; a finished command goes back to the app to run.

use super::command;
use crate::catalog::Catalog;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// A one-line `:` command input.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Prompt {
    pub input: String,
    /// Tab completion in progress: the candidates and the one shown.
    pub completion: Option<(Vec<String>, usize)>,
    /// The rest of the first completion, shown greyed after the input.
    pub hint: Option<String>,
    /// Command words of discovered resources (no blueprint): completed too.
    pub kinds: Vec<String>,
}

/// What keys go to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    Normal,
    /// Typing a `:` command.
    Command(Prompt),
    /// Typing the `/` filter of the current page (kept in the page).
    Filter,
}

/// What a key did to the command prompt.
#[derive(Debug, PartialEq, Eq)]
pub enum Typed {
    /// Still typing (or left with Esc / Backspace on an empty input).
    Editing,
    /// Enter: run this command.
    Run(String),
}

impl Mode {
    /// Whether the input line is shown.
    pub fn shown(&self) -> bool {
        !matches!(self, Mode::Normal)
    }

    /// Fold a key of the `:` prompt (call only in [`Mode::Command`]).
    pub fn command_key(&mut self, cat: &Catalog, k: KeyEvent) -> Typed {
        let Mode::Command(mut p) = std::mem::replace(self, Mode::Normal) else {
            return Typed::Editing;
        };
        match k.code {
            KeyCode::Esc => {}
            KeyCode::Enter => return Typed::Run(p.input.trim().to_string()),
            KeyCode::Tab | KeyCode::BackTab => {
                let back = k.code == KeyCode::BackTab;
                match &mut p.completion {
                    Some((cands, i)) if !cands.is_empty() => {
                        let n = cands.len();
                        *i = if back { (*i + n - 1) % n } else { (*i + 1) % n };
                        p.input = cands[*i].clone();
                    }
                    _ => {
                        let cands = command::completions_with(cat, &p.kinds, &p.input);
                        if let Some(first) = cands.first() {
                            p.input = first.clone();
                            p.completion = Some((cands, 0));
                        }
                    }
                }
                *self = Mode::Command(p);
            }
            KeyCode::Backspace => {
                if p.input.pop().is_some() {
                    p.completion = None;
                    *self = Mode::Command(p);
                }
            }
            KeyCode::Char(c) if !k.modifiers.contains(KeyModifiers::CONTROL) => {
                // A space after a completed word accepts it and starts the argument.
                p.input.push(c);
                p.completion = None;
                *self = Mode::Command(p);
            }
            _ => *self = Mode::Command(p),
        }
        Typed::Editing
    }

    /// Recompute the completion hint against the catalog (its names may have changed).
    pub fn refresh(&mut self, cat: &Catalog) {
        let Mode::Command(p) = self else {
            return;
        };
        p.hint = None;
        if p.completion.is_none()
            && !p.input.is_empty()
            && let Some(first) = command::completions_with(cat, &p.kinds, &p.input)
                .into_iter()
                .next()
            && let Some(rest) = first.strip_prefix(&p.input)
        {
            p.hint = Some(rest.to_string());
        }
    }
}

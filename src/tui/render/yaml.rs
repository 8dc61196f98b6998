//! Drawing the YAML viewer over the page.

use super::super::app::App;
use super::super::yaml::{Content, YamlView};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

const SPINNER: [char; 4] = ['◐', '◓', '◑', '◒'];

pub fn draw(frame: &mut Frame, area: Rect, app: &App, y: &YamlView) {
    let theme = app.theme();
    let mut block = super::block(
        theme,
        Line::from(vec![
            Span::raw(" "),
            Span::styled(format!("YAML {}", y.title), theme.title()),
            Span::raw(" "),
        ]),
    );
    if y.typing || !y.search.is_empty() {
        let pos = if y.matches.is_empty() {
            "no match".to_string()
        } else {
            format!("{}/{}", y.current + 1, y.matches.len())
        };
        block = block.title_bottom(Line::from(vec![
            Span::styled(format!(" /{}", y.search), theme.key()),
            Span::raw(format!("  {pos} ")),
        ]));
    }
    let inner = super::boxed(frame, area, block);
    let buf = frame.buffer_mut();
    match &y.content {
        Content::Loading => {
            let s = SPINNER[app.frame() % SPINNER.len()];
            buf.set_line(
                inner.x + 1,
                inner.y,
                &Line::styled(format!("{s} fetching from the API server…"), theme.dim()),
                inner.width,
            );
        }
        Content::Failed(e) => {
            buf.set_line(
                inner.x + 1,
                inner.y,
                &Line::styled(e.clone(), theme.error()),
                inner.width.saturating_sub(1),
            );
        }
        Content::Lines(lines) => {
            let pat = y.search.to_lowercase();
            let scroll = y
                .scroll
                .min(lines.len().saturating_sub(inner.height as usize));
            for (i, l) in lines
                .iter()
                .skip(scroll)
                .take(inner.height as usize)
                .enumerate()
            {
                let n = scroll + i;
                let line = if !pat.is_empty() && y.matches.binary_search(&n).is_ok() {
                    highlight(l, &pat, theme.matched())
                } else {
                    Line::raw(l.clone())
                };
                buf.set_line(
                    inner.x + 1,
                    inner.y + i as u16,
                    &line,
                    inner.width.saturating_sub(1),
                );
            }
        }
    }
}

/// `l` with every case-insensitive occurrence of `pat` styled.
pub(super) fn highlight<'a>(l: &str, pat: &str, style: ratatui::style::Style) -> Line<'a> {
    let lower = l.to_lowercase();
    if lower.len() != l.len() {
        return Line::styled(l.to_string(), style);
    }
    let mut spans = vec![];
    let mut at = 0;
    while let Some(p) = lower[at..].find(pat) {
        let s = at + p;
        spans.push(Span::raw(l[at..s].to_string()));
        spans.push(Span::styled(l[s..s + pat.len()].to_string(), style));
        at = s + pat.len();
    }
    spans.push(Span::raw(l[at..].to_string()));
    Line::from(spans)
}

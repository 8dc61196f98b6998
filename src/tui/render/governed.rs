//! Drawing the lock / unlock / TTL dialog (`L`, `e`): what it acts on, the lock or TTL held
//! now, the input of the step, the error and the key hint.

use super::super::act::govern::GovernDialog;
use super::super::app::App;
use super::super::format;
use super::dialog::wrap;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};

/// Targets listed at most.
const LISTED: usize = 8;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, d: &GovernDialog) {
    let theme = app.theme();
    let w = area.width.min(76);
    let text_w = w.saturating_sub(4) as usize;
    let mut lines: Vec<Line> = vec![];
    for l in wrap(&d.title(), text_w) {
        lines.push(Line::styled(l, Style::new().add_modifier(Modifier::BOLD)));
    }
    for t in d.targets.iter().take(LISTED) {
        lines.push(Line::raw(format::truncate(
            &format!(
                "  • {}/{}/{} ({})",
                t.context,
                t.namespace.as_deref().unwrap_or("-"),
                t.name,
                t.kind
            ),
            text_w,
        )));
    }
    if let Some(held) = &d.now_held {
        lines.push(Line::default());
        for l in wrap(&format!("now: {held}"), text_w) {
            lines.push(Line::styled(l, theme.dim()));
        }
    }
    let mut cursor = None;
    if let Some((label, value)) = d.input() {
        lines.push(Line::default());
        let shown = format::truncate(value, text_w.saturating_sub(label.len() + 1));
        cursor = Some((lines.len(), format::width(label) + format::width(&shown)));
        lines.push(Line::from(vec![
            Span::styled(label, theme.key()),
            Span::raw(shown),
        ]));
    }
    if let Some(e) = &d.error {
        for l in wrap(e, text_w) {
            lines.push(Line::styled(l, theme.error()));
        }
    }
    lines.push(Line::default());
    lines.push(Line::styled(d.hint(), theme.dim()));
    super::dialog::window(frame, area, w, theme, "Govern".into(), &lines, cursor);
}

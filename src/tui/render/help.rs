//! Drawing the `?` overlay: the current view's keys, then the global ones.

use super::super::app::App;
use super::super::layer::HelpView;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

pub fn draw(frame: &mut Frame, area: Rect, app: &App, h: &HelpView) {
    let theme = app.theme();
    let groups = &h.groups;
    let key_w = groups
        .iter()
        .flat_map(|(_, b)| b.iter().map(|(k, _)| k.chars().count()))
        .max()
        .unwrap_or(0);
    let mut lines = vec![];
    for (title, bindings) in groups {
        lines.push(Line::styled(format!(" {title}"), theme.title()));
        for (k, what) in bindings {
            lines.push(Line::from(vec![
                Span::styled(format!("  {k:<key_w$}  "), theme.key()),
                Span::raw(what.to_string()),
            ]));
        }
        lines.push(Line::default());
    }
    // Actions the server does not allow here: who may not do what.
    if !h.denied.is_empty() {
        lines.push(Line::styled(" Not permitted", theme.title()));
        for (k, why) in &h.denied {
            lines.push(Line::from(vec![
                Span::styled(format!("  {k:<key_w$}  "), theme.dim()),
                Span::raw(why.clone()),
            ]));
        }
        lines.push(Line::default());
    }
    lines.push(Line::styled(" any key closes this help", theme.dim()));
    let w = lines.iter().map(|l| l.width()).max().unwrap_or(20) as u16 + 3;
    let h = lines.len() as u16 + 2;
    let w = w.min(area.width);
    let h = h.min(area.height);
    let rect = super::centered(area, w, h);
    let block = super::block(
        theme,
        Line::from(vec![
            Span::raw(" "),
            Span::styled("help", theme.title()),
            Span::raw(" "),
        ]),
    );
    let inner = super::boxed(frame, rect, block);
    let buf = frame.buffer_mut();
    for (i, l) in lines.iter().take(inner.height as usize).enumerate() {
        buf.set_line(inner.x, inner.y + i as u16, l, inner.width);
    }
}

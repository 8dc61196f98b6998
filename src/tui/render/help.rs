//! Drawing the `?` overlay: the current view's keys, then the global ones.

use super::super::act;
use super::super::app::App;
use super::super::help::{self, Showing};
use crate::catalog::Catalog;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

pub fn draw(frame: &mut Frame, area: Rect, app: &App, cat: &Catalog) {
    let theme = &app.theme;
    let showing = if app.logs.is_some() {
        Showing::Logs
    } else {
        Showing::View(&app.page().view)
    };
    let groups = help::bindings(showing, &act::offered(app, cat), !app.rollouts.is_empty());
    let key_w = groups
        .iter()
        .flat_map(|(_, b)| b.iter().map(|(k, _)| k.chars().count()))
        .max()
        .unwrap_or(0);
    let mut lines = vec![];
    for (title, bindings) in &groups {
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
    let denied = match showing {
        Showing::View(_) => act::access::denied(app, cat, &act::actions_here(app, cat)),
        _ => vec![],
    };
    if !denied.is_empty() {
        lines.push(Line::styled(" Not permitted", theme.title()));
        let matrix = matches!(showing, Showing::View(crate::tui::view::View::Matrix));
        for (kind, why) in denied {
            let (k, _) = help::action_binding(kind, matrix);
            lines.push(Line::from(vec![
                Span::styled(format!("  {k:<key_w$}  "), theme.dim()),
                Span::raw(format!("{}: {why}", act::word(kind))),
            ]));
        }
        lines.push(Line::default());
    }
    lines.push(Line::styled(" any key closes this help", theme.dim()));
    let w = lines.iter().map(|l| l.width()).max().unwrap_or(20) as u16 + 3;
    let h = lines.len() as u16 + 2;
    let w = w.min(area.width);
    let h = h.min(area.height);
    let rect = Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    };
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

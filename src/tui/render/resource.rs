//! Drawing the generic resource layer: CONTEXT, NAMESPACE (when every namespace is read) and
//! the columns the server prints, one row per object, the selection highlighted; contexts
//! that could not be read are named above the rows.

use super::super::app::App;
use super::super::format;
use super::super::resource::ResourceView;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

/// A column is at most this wide (the last takes the rest).
const MAX_WIDTH: usize = 48;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, v: &ResourceView) {
    let theme = app.theme();
    let total = v.rows.len();
    let count = if v.visible.len() == total {
        format!("[{total}]")
    } else {
        format!("[{}/{total}]", v.visible.len())
    };
    let mut title = vec![
        Span::raw(" "),
        Span::styled(format!("{}({}){count}", v.title, v.scope), theme.title()),
    ];
    if v.typing || !v.filter.is_empty() {
        title.push(Span::styled(format!(" </{}>", v.filter), theme.key()));
    }
    title.push(Span::raw(" "));
    let block = super::block(theme, Line::from(title)).title_bottom(Line::styled(
        " y yaml  d describe  s scale  ^d delete  / filter  : command  Esc close ",
        theme.dim(),
    ));
    let inner = super::boxed(frame, area, block);
    let buf = frame.buffer_mut();
    let w = inner.width.saturating_sub(1);
    let mut y = inner.y;
    for f in &v.followed {
        if let Some(e) = v.errors.get(&f.cluster) {
            let line = Line::styled(format!("{}: {e}", f.context), theme.error());
            buf.set_line(inner.x + 1, y, &line, w);
            y += 1;
        }
    }
    if v.rows.is_empty() {
        let text = if v.loading() {
            "reading…"
        } else {
            "no objects"
        };
        buf.set_line(inner.x + 1, y, &Line::styled(text, theme.dim()), w);
        return;
    }
    let names = v.shown_columns();
    let ns = v.shows_namespace();
    let mut header: Vec<String> = vec!["CONTEXT".into()];
    if ns {
        header.push("NAMESPACE".into());
    }
    header.extend(names.iter().map(|n| n.to_uppercase()));
    let height = inner.bottom().saturating_sub(y + 1) as usize;
    let shown: Vec<(bool, Vec<String>)> = v
        .visible
        .iter()
        .enumerate()
        .skip(v.offset)
        .take(height)
        .filter_map(|(pos, &i)| {
            let s = v.rows.get(i)?;
            let mut cells = vec![s.context.clone()];
            if ns {
                cells.push(s.row.namespace.clone().unwrap_or_default());
            }
            cells.extend(v.cells(s, &names));
            Some((pos == v.selected, cells))
        })
        .collect();
    let mut width: Vec<usize> = header.iter().map(|h| format::width(h)).collect();
    for (_, cells) in &shown {
        for (wd, c) in width.iter_mut().zip(cells) {
            *wd = (*wd).max(format::width(c)).min(MAX_WIDTH);
        }
    }
    let line = |cells: &[String], style| {
        let n = cells.len();
        let spans: Vec<Span> = cells
            .iter()
            .zip(&width)
            .enumerate()
            .map(|(i, (c, wd))| {
                if i + 1 == n {
                    Span::styled(c.clone(), style)
                } else {
                    let t = format::truncate(c, *wd);
                    let pad = " ".repeat(wd.saturating_sub(format::width(&t)) + 2);
                    Span::styled(format!("{t}{pad}"), style)
                }
            })
            .collect();
        Line::from(spans)
    };
    buf.set_line(inner.x + 1, y, &line(&header, theme.header()), w);
    for (i, (selected, cells)) in shown.iter().enumerate() {
        let style = if *selected {
            theme.selection()
        } else {
            ratatui::style::Style::default()
        };
        let row_y = y + 1 + i as u16;
        if *selected {
            buf.set_style(Rect::new(inner.x, row_y, inner.width, 1), style);
        }
        buf.set_line(inner.x + 1, row_y, &line(cells, style), w);
    }
}

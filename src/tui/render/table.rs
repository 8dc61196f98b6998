//! Drawing a [`Table`](crate::tui::table::Table) page (fleet, lists, the matrix): only the
//! visible window of the filtered rows, columns fitted to the width, matches highlighted.

use super::super::app::App;
use super::super::filter;
use super::super::format;
use super::super::matrix;
use super::super::table::{ColKind, Column, Table, Tone};
use super::super::theme::Theme;
use super::super::view::View;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

pub fn tone_style(theme: &Theme, tone: Tone) -> Style {
    match tone {
        Tone::Plain => Style::new(),
        Tone::Health(h) => theme.health(h),
        Tone::Drift(_) => theme.drift(),
        Tone::Dim => theme.dim(),
    }
}

/// One cell's text padded to `w`, as spans with matched chars highlighted.
fn cell_spans<'a>(
    text: &str,
    col: &Column,
    w: usize,
    style: Style,
    matched: &[usize],
    theme: &Theme,
) -> Vec<Span<'a>> {
    let t = format::truncate(text, w);
    let pad = w.saturating_sub(format::width(&t));
    let mut spans = vec![];
    if col.right_aligned() && pad > 0 {
        spans.push(Span::raw(" ".repeat(pad)));
    }
    if matched.is_empty() {
        spans.push(Span::styled(t, style));
    } else {
        let hl = style.patch(theme.matched());
        let mut cur = String::new();
        let mut cur_hl = false;
        for (i, ch) in t.chars().enumerate() {
            let m = matched.contains(&i);
            if m != cur_hl && !cur.is_empty() {
                spans.push(Span::styled(
                    std::mem::take(&mut cur),
                    if cur_hl { hl } else { style },
                ));
            }
            cur_hl = m;
            cur.push(ch);
        }
        if !cur.is_empty() {
            spans.push(Span::styled(cur, if cur_hl { hl } else { style }));
        }
    }
    if !col.right_aligned() && pad > 0 {
        spans.push(Span::raw(" ".repeat(pad)));
    }
    spans
}

pub fn draw(buf: &mut Buffer, area: Rect, app: &App) {
    let theme = app.theme();
    let page = app.page();
    let block = super::block(theme, super::list_title(app));
    let inner = block.inner(area);
    block.render(area, buf);
    if inner.height == 0 || inner.width == 0 {
        return;
    }
    let notices = app.notices();
    let n = notices.len().min(crate::tui::app::MAX_NOTICES) as u16;
    for (i, text) in notices.iter().take(n as usize).enumerate() {
        let line = Line::styled(
            format::truncate(&format!(" ⚠ {text}"), inner.width as usize),
            theme.error(),
        );
        buf.set_line(inner.x, inner.y + i as u16, &line, inner.width);
    }
    let inner = Rect {
        y: inner.y + n.min(inner.height),
        height: inner.height.saturating_sub(n),
        ..inner
    };
    if inner.height == 0 {
        return;
    }
    let t: &Table = &page.cache.table;
    let fit = t.fit(inner.width.saturating_sub(1) as usize);
    let is_matrix = page.view == View::Matrix;
    let envs = &page.cache.envs;
    let last_changes = app.last_changes().filter(|_| is_matrix);
    // Room in each environment's column for `10d revision`.
    let fit: Vec<(usize, usize)> = match last_changes {
        Some(_) => fit
            .into_iter()
            .map(|(ci, w)| {
                let env = ci > matrix::SERVICE_COL && ci <= matrix::SERVICE_COL + envs.len();
                (ci, if env { w.max(12) } else { w })
            })
            .collect(),
        None => fit,
    };
    let cursor_col = matrix::SERVICE_COL + 1 + page.column;

    // Header.
    let mut spans = vec![Span::raw(" ")];
    for (n, &(ci, w)) in fit.iter().enumerate() {
        if n > 0 {
            spans.push(Span::raw("  "));
        }
        let col = &t.columns[ci];
        let mut title = col.title.clone();
        if let Some(s) = page.sort.filter(|s| s.column == ci) {
            title.push(if s.reverse { '↓' } else { '↑' });
        }
        let mut style = theme.header();
        if is_matrix && ci == cursor_col {
            style = style.add_modifier(Modifier::UNDERLINED);
        }
        spans.extend(cell_spans(&title, col, w, style, &[], theme));
    }
    buf.set_line(inner.x, inner.y, &Line::from(spans), inner.width);

    let height = inner.height.saturating_sub(1) as usize;
    if page.is_empty() {
        let msg = if t.rows.is_empty() {
            match &page.view {
                View::Fleet => "no contexts",
                View::Matrix => "no running services yet",
                _ => "nothing here (yet)",
            }
        } else {
            "no row matches the filter"
        };
        if height > 0 {
            buf.set_line(
                inner.x + 1,
                inner.y + 1,
                &Line::styled(msg, theme.dim()),
                inner.width.saturating_sub(1),
            );
        }
        return;
    }
    let offset = page.offset.min(page.len().saturating_sub(height));
    let end = (offset + height).min(page.len());
    let f = &page.cache.filtered;
    let hl = filter::Highlighter::new(&page.filter);
    for (line, pos) in (offset..end).enumerate() {
        let Some(&ri) = f.rows().get(pos) else { break };
        let Some(row) = t.rows.get(ri as usize) else {
            continue;
        };
        let selected = pos == page.index;
        let matches = hl.positions(row);
        let text_starts = if matches.is_empty() {
            vec![]
        } else {
            Table::filter_text(row).1
        };
        let mut spans = vec![Span::raw(" ")];
        for (n, &(ci, w)) in fit.iter().enumerate() {
            if n > 0 {
                spans.push(Span::raw("  "));
            }
            let col = &t.columns[ci];
            let Some(cell) = row.cells.get(ci) else {
                spans.push(Span::raw(" ".repeat(w)));
                continue;
            };
            let last = last_changes
                .filter(|_| ci > matrix::SERVICE_COL && ci <= matrix::SERVICE_COL + envs.len());
            let text = if let Some(l) = last {
                // `c` on the matrix: the cell's newest change instead of its version.
                let svc = matrix::service(row).map_or("", |s| s);
                match (cell.num, l.get(svc, &envs[ci - matrix::SERVICE_COL - 1])) {
                    (None, _) => cell.text.to_string(),
                    (Some(_), Some(c)) => format!("{} {}", format::age(c.at, app.now()), c.change),
                    (Some(_), None) => "—".to_string(),
                }
            } else if col.kind == ColKind::Age {
                cell.num
                    .map(|c| format::age(c, app.now()))
                    .unwrap_or_default()
            } else if let (ColKind::Deadline, Some(at)) = (col.kind, cell.num) {
                format::deadline(&cell.text, at, app.now())
            } else {
                cell.text.to_string()
            };
            let mut style = tone_style(theme, cell.tone);
            if is_matrix && selected && ci == cursor_col {
                style = style.patch(theme.selection());
            }
            let m = if matches.is_empty() || last.is_some() {
                vec![]
            } else {
                filter::cell_matches(&matches, &text_starts, ci, format::width(&cell.text))
            };
            spans.extend(cell_spans(&text, col, w, style, &m, theme));
        }
        let y = inner.y + 1 + line as u16;
        let mut l = Line::from(spans);
        if selected && !is_matrix {
            l = l.patch_style(theme.selection());
            buf.set_style(
                Rect {
                    x: inner.x,
                    y,
                    width: inner.width,
                    height: 1,
                },
                theme.selection(),
            );
        } else if selected {
            buf.set_style(
                Rect {
                    x: inner.x,
                    y,
                    width: inner.width,
                    height: 1,
                },
                Style::new().add_modifier(Modifier::BOLD),
            );
        }
        buf.set_line(inner.x, y, &l, inner.width);
    }
}

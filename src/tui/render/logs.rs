//! Drawing the logs view over the page: the buffer's visible window (wrapped or cut), search
//! matches highlighted, state and keys in the borders, the container picker when open.

use super::super::app::App;
use super::super::format;
use super::super::logs::{LogView, TAILS, rows_of};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

pub fn draw(frame: &mut Frame, area: Rect, app: &App, v: &LogView) {
    let theme = app.theme();
    let mut title = vec![
        Span::raw(" "),
        Span::styled(format!("logs {}", v.title), theme.title()),
    ];
    if v.id != 0 {
        title.push(Span::styled(
            format!(" [{}]", v.container_label()),
            theme.title(),
        ));
    }
    if v.previous {
        title.push(Span::styled(" previous", theme.key()));
    }
    title.push(Span::raw(" "));
    let tail = match TAILS.get(v.tail).copied().flatten() {
        Some(n) => n.to_string(),
        None => "all".into(),
    };
    let on = |b: bool| if b { "on" } else { "off" };
    let bottom = if v.typing || !v.search.is_empty() {
        let pos = match (v.matches.len(), v.current) {
            (0, _) => "no match".to_string(),
            (n, Some(c)) => match v.matches.iter().position(|&m| m == c) {
                Some(i) => format!("{}/{n}", i + 1),
                None => format!("{n} matches"),
            },
            (n, None) => format!("{n} matches"),
        };
        Line::from(vec![
            Span::styled(format!(" /{}", v.search), theme.key()),
            Span::raw(format!("  {pos} · n/N next/previous ")),
        ])
    } else {
        let state = if v.id == 0 {
            "choose a container".to_string()
        } else if v.open > 0 {
            format!(
                "{} line{}",
                v.lines.len(),
                if v.lines.len() == 1 { "" } else { "s" }
            )
        } else {
            format!("{} lines · ended", v.lines.len())
        };
        Line::from(vec![
            Span::raw(format!(
                " {state} · follow {} · wrap {} · tail {tail} ",
                on(v.follow),
                on(v.wrap)
            )),
            Span::styled("f w t c p / Esc · ? keys ", theme.dim()),
        ])
    };
    let block = super::block(theme, Line::from(title)).title_bottom(bottom);
    let inner = super::boxed(frame, area, block);
    let rows = inner.height as usize;
    let cols = inner.width as usize;
    if rows == 0 || cols == 0 {
        return;
    }
    let pat = v.search.to_lowercase();
    let top = v.top(rows, cols);
    let buf = frame.buffer_mut();
    let mut y = 0usize;
    for (i, l) in v.lines.iter().enumerate().skip(top) {
        if y >= rows {
            break;
        }
        let abs = v.dropped + i as u64;
        let style = if l.note {
            theme.dim()
        } else {
            Default::default()
        };
        let hit = !pat.is_empty() && v.matches.binary_search(&abs).is_ok();
        let pieces: Vec<String> = if v.wrap {
            let chars: Vec<char> = l.text.chars().collect();
            let n = rows_of(&l.text, cols, true);
            (0..n)
                .map(|k| {
                    chars[(k * cols).min(chars.len())..((k + 1) * cols).min(chars.len())]
                        .iter()
                        .collect()
                })
                .collect()
        } else {
            vec![format::truncate(&l.text, cols)]
        };
        for p in pieces {
            if y >= rows {
                break;
            }
            let line = if hit {
                let mut hl = super::yaml::highlight(&p, &pat, theme.matched());
                if v.current == Some(abs) {
                    hl = hl.patch_style(
                        ratatui::style::Style::new()
                            .add_modifier(ratatui::style::Modifier::REVERSED),
                    );
                }
                hl
            } else {
                Line::styled(p, style)
            };
            buf.set_line(inner.x, inner.y + y as u16, &line, inner.width);
            y += 1;
        }
    }
    if v.lines.is_empty() && v.picking.is_none() {
        let text = if v.open > 0 {
            "waiting for log lines…"
        } else {
            "no log lines"
        };
        buf.set_line(
            inner.x,
            inner.y,
            &Line::styled(text, theme.dim()),
            inner.width,
        );
    }
    if let Some(cursor) = v.picking {
        picker(frame, inner, app, v, cursor);
    }
}

/// The container picker in the middle of the view.
fn picker(frame: &mut Frame, area: Rect, app: &App, v: &LogView, cursor: usize) {
    let theme = app.theme();
    let labels: Vec<String> = v.choices.iter().map(LogView::choice_label).collect();
    let w = (labels.iter().map(|l| format::width(l)).max().unwrap_or(10) + 8)
        .max(30)
        .min(area.width as usize) as u16;
    let h = (labels.len() as u16 + 2).min(area.height);
    let rect = super::centered(area, w, h);
    let title = Line::from(vec![
        Span::raw(" "),
        Span::styled("container", theme.title()),
        Span::raw(" "),
    ]);
    let block =
        super::block(theme, title).title_bottom(Line::styled(" j/k Enter Esc ", theme.dim()));
    let inner = super::boxed(frame, rect, block);
    let buf = frame.buffer_mut();
    for (i, l) in labels.iter().enumerate().take(inner.height as usize) {
        let text = format!(
            " {l:<width$}",
            width = inner.width.saturating_sub(1) as usize
        );
        let line = if i == cursor {
            Line::styled(text, theme.selection())
        } else {
            Line::raw(text)
        };
        buf.set_line(inner.x, inner.y + i as u16, &line, inner.width);
    }
}

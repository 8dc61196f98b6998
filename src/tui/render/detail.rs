//! Drawing an entity's detail: fields, then tables (containers, conditions), scrollable.

use super::super::app::App;
use super::super::detail::Detail;
use super::super::format;
use super::super::table::Tone;
use super::table::tone_style;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

pub fn draw(buf: &mut Buffer, area: Rect, app: &App) {
    let theme = app.theme();
    let page = app.page();
    let Some(d) = &page.cache.detail else {
        let block = super::block(theme, Line::from(" detail "));
        let inner = block.inner(area);
        block.render(area, buf);
        buf.set_line(
            inner.x + 1,
            inner.y,
            &Line::styled("not in the catalog", theme.dim()),
            inner.width,
        );
        return;
    };
    let mut title = vec![
        Span::raw(" "),
        Span::styled(format!("{} {}", d.kind, d.name), theme.title()),
        Span::raw(" "),
    ];
    if d.deleted {
        title.push(Span::styled(
            " deleted ",
            theme.error().add_modifier(Modifier::REVERSED),
        ));
        title.push(Span::raw(" "));
    }
    let block = super::block(theme, Line::from(title));
    let inner = block.inner(area);
    block.render(area, buf);

    let mut lines: Vec<Line> = vec![];
    if d.deleted {
        lines.push(Line::styled(
            " deleted: this is its last known state",
            theme.error(),
        ));
    }
    let label_w = d.label_width();
    let value_w = (inner.width as usize).saturating_sub(label_w + 3);
    let section_w = (inner.width as usize).saturating_sub(1);
    for (label, value, tone) in &d.fields {
        for (i, part) in Detail::wrap(value, value_w).into_iter().enumerate() {
            let label = if i == 0 { label.as_str() } else { "" };
            lines.push(Line::from(vec![
                Span::styled(format!(" {label:<label_w$}  "), theme.header()),
                Span::styled(part, tone_style(theme, *tone)),
            ]));
        }
    }
    let events = app.events().section(app.now());
    let metrics = app.metrics().section();
    for s in d.sections.iter().chain(metrics).chain(events.as_ref()) {
        lines.push(Line::default());
        lines.push(Line::styled(
            format!(" {}", s.title.to_uppercase()),
            theme.title(),
        ));
        if s.header.is_empty() {
            // Lines of words (the relations): each row's cells as one line, wrapped.
            for r in &s.rows {
                let text: Vec<&str> = r.iter().map(|(t, _)| t.as_str()).collect();
                let tone = r.first().map_or(Tone::Plain, |(_, t)| *t);
                for part in Detail::wrap(&text.join("  "), section_w) {
                    lines.push(Line::styled(format!(" {part}"), tone_style(theme, tone)));
                }
            }
            continue;
        }
        let mut widths: Vec<usize> = s.header.iter().map(|h| format::width(h)).collect();
        for r in &s.rows {
            for (i, (t, _)) in r.iter().enumerate() {
                if let Some(w) = widths.get_mut(i) {
                    *w = (*w).max(format::width(t)).min(60);
                }
            }
        }
        // Squeeze the widest columns until the table fits.
        let room = (inner.width as usize).saturating_sub(1 + 2 * widths.len());
        while widths.iter().sum::<usize>() > room {
            let Some(w) = widths.iter_mut().filter(|w| **w > 4).max_by_key(|w| **w) else {
                break;
            };
            *w -= 1;
        }
        let mut h = vec![Span::raw(" ")];
        for (i, t) in s.header.iter().enumerate() {
            h.push(Span::styled(
                format!("{:<w$}  ", t, w = widths[i]),
                theme.header(),
            ));
        }
        lines.push(Line::from(h));
        if s.rows.is_empty() {
            lines.push(Line::styled(" (none)", theme.dim()));
        }
        for r in &s.rows {
            let mut spans = vec![Span::raw(" ")];
            for (i, (t, tone)) in r.iter().enumerate() {
                let w = widths.get(i).copied().unwrap_or(0);
                spans.push(Span::styled(
                    format!("{:<w$}", format::truncate(t, w)),
                    tone_style(theme, *tone),
                ));
                spans.push(Span::raw("  "));
            }
            lines.push(Line::from(spans));
        }
    }
    let height = inner.height as usize;
    let scroll = page.scroll.min(lines.len().saturating_sub(height));
    for (i, l) in lines.into_iter().skip(scroll).take(height).enumerate() {
        buf.set_line(inner.x, inner.y + i as u16, &l, inner.width);
    }
}

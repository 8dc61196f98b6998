//! Drawing the timeline layer: newest first, one change a line — age, context (environment),
//! object, what changed, who when it was our own action.

use super::super::app::App;
use super::super::format;
use super::super::timeline::{Shown, TimelineView};
use crate::timeline::format as words;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

pub fn draw(frame: &mut Frame, area: Rect, app: &App, v: &TimelineView) {
    let theme = app.theme();
    let count = match &v.shown {
        Shown::Entries(e) => format!("[{}]", e.len()),
        _ => String::new(),
    };
    let block = super::block(
        theme,
        Line::from(vec![
            Span::raw(" "),
            Span::styled(format!("timeline {}", v.title), theme.title()),
            Span::raw(format!("{count} ")),
        ]),
    )
    .title_bottom(Line::styled(
        if v.cell_env.is_some() {
            " e environment / all  r reload  Esc close "
        } else {
            " r reload  Esc close "
        },
        theme.dim(),
    ));
    let inner = super::boxed(frame, area, block);
    let buf = frame.buffer_mut();
    let w = inner.width.saturating_sub(1);
    let say = |buf: &mut ratatui::buffer::Buffer, text: String, style| {
        buf.set_line(inner.x + 1, inner.y, &Line::styled(text, style), w);
    };
    let entries = match &v.shown {
        Shown::Loading => return say(buf, "reading the timeline…".into(), theme.dim()),
        Shown::Failed(e) => return say(buf, e.clone(), theme.error()),
        Shown::Entries(e) if e.is_empty() => {
            return say(
                buf,
                "no changes recorded yet (changes are recorded while kubeatlas runs)".into(),
                theme.dim(),
            );
        }
        Shown::Entries(e) => e,
    };
    let rows: Vec<[String; 5]> = entries
        .iter()
        .skip(v.scroll)
        .take(inner.height.saturating_sub(1) as usize)
        .map(|e| {
            let place = if e.env == e.context {
                e.context.clone()
            } else {
                format!("{} ({})", e.context, e.env)
            };
            [
                words::age(app.now() - e.at),
                place,
                words::object(e),
                e.text.clone(),
                e.who.clone().unwrap_or_default(),
            ]
        })
        .collect();
    let header = ["AGE", "CONTEXT", "OBJECT", "CHANGE", "WHO"];
    let mut width = header.map(|h| h.len());
    for r in &rows {
        for (w, c) in width.iter_mut().zip(r) {
            *w = (*w).max(format::width(c));
        }
    }
    // The object column at most 40 wide; what changed takes the rest (cut at the edge).
    width[2] = width[2].min(40);
    let fixed = width[0] + width[1] + width[2] + width[4] + 2 * 4;
    width[3] = width[3].min((w as usize).saturating_sub(fixed).max(12));
    let line = |cells: &[String], style| {
        let mut spans = vec![];
        for (i, (c, wd)) in cells.iter().zip(width).enumerate() {
            let text = if i + 1 == cells.len() || (i == 3 && cells[4].is_empty()) {
                c.clone()
            } else {
                let t = format::truncate(c, wd);
                format!("{t}{}  ", " ".repeat(wd.saturating_sub(format::width(&t))))
            };
            spans.push(Span::styled(text, style));
        }
        Line::from(spans)
    };
    let head: Vec<String> = header.iter().map(|s| s.to_string()).collect();
    buf.set_line(inner.x + 1, inner.y, &line(&head, theme.header()), w);
    for (i, r) in rows.iter().enumerate() {
        let style = if r[4].is_empty() {
            ratatui::style::Style::default()
        } else {
            theme.key()
        };
        buf.set_line(inner.x + 1, inner.y + 1 + i as u16, &line(r, style), w);
    }
}

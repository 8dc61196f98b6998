//! Drawing the cross-environment diff layer: one field a line, the two environments side by
//! side, `≠` on rows that differ and `@` where the same image runs with another digest.

use super::super::app::App;
use super::super::diff::DiffView;
use super::super::format;
use crate::catalog::diff::Mark;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

/// `text` cut or padded to `w` columns.
fn cell(text: &str, w: usize) -> String {
    let t = format::truncate(text, w);
    let pad = w.saturating_sub(format::width(&t));
    format!("{t}{}", " ".repeat(pad))
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App, v: &DiffView) {
    let theme = app.theme();
    let d = &v.diff;
    let block = super::block(
        theme,
        Line::from(vec![
            Span::raw(" "),
            Span::styled(
                format!("diff {}: {} ↔ {}", d.service, d.a, d.b),
                theme.title(),
            ),
            Span::raw(format!(" [{} differ] ", d.differing())),
        ]),
    )
    .title_bottom(Line::styled(
        if v.only_differing {
            " h/l other environment  s swap  d all rows  j/k scroll  Esc close "
        } else {
            " h/l other environment  s swap  d differing only  j/k scroll  Esc close "
        },
        theme.dim(),
    ));
    let inner = super::boxed(frame, area, block);
    let buf = frame.buffer_mut();
    let width = inner.width.saturating_sub(1) as usize;
    let field_w = v
        .rows()
        .map(|r| format::width(&r.field))
        .max()
        .unwrap_or(5)
        .clamp(5, 24);
    let side_w = width.saturating_sub(field_w + 5) / 2;
    let x = inner.x + 1;
    let header = format!(
        "  {}  {} {}",
        cell("FIELD", field_w),
        cell(&d.a.to_uppercase(), side_w),
        cell(&d.b.to_uppercase(), side_w)
    );
    buf.set_line(
        x,
        inner.y,
        &Line::styled(header, theme.header()),
        inner.width.saturating_sub(1),
    );
    let shown = inner.height.saturating_sub(1) as usize;
    for (i, r) in v.rows().skip(v.scroll).take(shown).enumerate() {
        let (mark, style) = match r.mark {
            Mark::Same => (" ", ratatui::style::Style::new()),
            Mark::Differs => ("≠", theme.drift()),
            Mark::DigestOnly => ("@", theme.drift()),
        };
        let line = Line::from(vec![
            Span::styled(format!("{mark} "), style),
            Span::raw(format!("{}  ", cell(&r.field, field_w))),
            Span::styled(format!("{} ", cell(&r.a, side_w)), style),
            Span::styled(cell(&r.b, side_w), style),
        ]);
        buf.set_line(
            x,
            inner.y + 1 + i as u16,
            &line,
            inner.width.saturating_sub(1),
        );
    }
}

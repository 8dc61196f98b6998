//! Drawing the `:pf` layer: the port-forwards running, one a line (local address, pod and
//! port, age), the selected one highlighted.

use super::super::app::App;
use super::super::format;
use super::super::portforward::ForwardsView;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

pub fn draw(frame: &mut Frame, area: Rect, app: &App, v: &ForwardsView) {
    let theme = app.theme();
    let block = super::block(
        theme,
        Line::from(vec![
            Span::raw(" "),
            Span::styled(format!("port-forwards[{}]", v.rows.len()), theme.title()),
            Span::raw(" "),
        ]),
    )
    .title_bottom(Line::styled(
        " d/^d stop  j/k move  Esc close ",
        theme.dim(),
    ));
    let h = (v.rows.len() as u16 + 4).clamp(6, area.height);
    let rect = super::centered(area, area.width.saturating_sub(4), h);
    let inner = super::boxed(frame, rect, block);
    let buf = frame.buffer_mut();
    let w = inner.width.saturating_sub(1);
    let x = inner.x + 1;
    let header = format!("{:<22} {:<6} {:<5} POD", "LOCAL", "REMOTE", "AGE");
    buf.set_line(x, inner.y, &Line::styled(header, theme.header()), w);
    if v.rows.is_empty() {
        let none = "no port-forward running (f on a pod starts one)";
        buf.set_line(x, inner.y + 1, &Line::styled(none, theme.dim()), w);
        return;
    }
    let shown = inner.height.saturating_sub(1) as usize;
    let skip = v.cursor.saturating_sub(shown.saturating_sub(1));
    for (i, r) in v.rows.iter().enumerate().skip(skip).take(shown) {
        let text = format!(
            "{:<22} {:<6} {:<5} {}",
            r.local,
            r.remote,
            format::age(r.since, app.now()),
            r.pod
        );
        let line = if i == v.cursor {
            Line::styled(
                format!("{text:<width$}", width = w as usize),
                theme.selection(),
            )
        } else {
            Line::raw(text)
        };
        buf.set_line(x, inner.y + 1 + (i - skip) as u16, &line, w);
    }
}

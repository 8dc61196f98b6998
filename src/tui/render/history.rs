//! Drawing the rollout history layer over the page: one row per revision, newest first, the
//! running one marked `●`, the cursor's row highlighted; what Enter does at the bottom.

use super::super::app::App;
use super::super::format;
use super::super::history::{Content, HistoryView};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

const SPINNER: [char; 4] = ['◐', '◓', '◑', '◒'];

pub fn draw(frame: &mut Frame, area: Rect, app: &App, h: &HistoryView) {
    let theme = app.theme();
    let hint = match &h.blocked {
        Some(why) => format!(" {why} · Esc close "),
        None => " Enter undo to the revision · j/k move · Esc close ".to_string(),
    };
    let block = super::block(
        theme,
        Line::from(vec![
            Span::raw(" "),
            Span::styled(format!("history {}", h.title), theme.title()),
            Span::raw(" "),
        ]),
    )
    .title_bottom(Line::styled(hint, theme.dim()));
    let inner = super::boxed(frame, area, block);
    let buf = frame.buffer_mut();
    let width = inner.width.saturating_sub(1);
    match &h.content {
        Content::Loading => {
            let s = SPINNER[app.frame() % SPINNER.len()];
            buf.set_line(
                inner.x + 1,
                inner.y,
                &Line::styled(format!("{s} reading the revisions…"), theme.dim()),
                width,
            );
        }
        Content::Failed(e) => {
            buf.set_line(
                inner.x + 1,
                inner.y,
                &Line::styled(e.clone(), theme.error()),
                width,
            );
        }
        Content::Revisions(_) => {
            let rows = h.rows();
            if rows.is_empty() {
                buf.set_line(
                    inner.x + 1,
                    inner.y,
                    &Line::styled("No rollout history found.", theme.dim()),
                    width,
                );
                return;
            }
            let cells: Vec<[String; 5]> = rows
                .iter()
                .map(|r| {
                    [
                        format!("{} {}", if r.current { "●" } else { " " }, r.revision),
                        r.created
                            .map(|c| format::age(c, app.now()))
                            .unwrap_or("-".into()),
                        r.replicas.map(|n| n.to_string()).unwrap_or("-".into()),
                        r.images.join(","),
                        r.change_cause.clone().unwrap_or("<none>".into()),
                    ]
                })
                .collect();
            let head = ["  REVISION", "AGE", "REPLICAS", "IMAGES", "CHANGE-CAUSE"];
            let widths: Vec<usize> = (0..4)
                .map(|i| {
                    cells
                        .iter()
                        .map(|c| format::width(&c[i]))
                        .chain([head[i].len()])
                        .max()
                        .unwrap_or(0)
                        .min(60)
                })
                .collect();
            let text = |c: [&str; 5]| {
                let mut l = String::new();
                for (i, s) in c.iter().enumerate() {
                    if i < 4 {
                        let s = format::truncate(s, widths[i]);
                        let pad = widths[i].saturating_sub(format::width(&s));
                        l.push_str(&s);
                        l.push_str(&" ".repeat(pad + 2));
                    } else {
                        l.push_str(s);
                    }
                }
                l
            };
            buf.set_line(
                inner.x + 1,
                inner.y,
                &Line::styled(text(head), theme.header()),
                width,
            );
            let room = inner.height.saturating_sub(1) as usize;
            let skip = h.cursor.saturating_sub(room.saturating_sub(1));
            for (i, c) in cells.iter().enumerate().skip(skip).take(room) {
                let line = text([&c[0], &c[1], &c[2], &c[3], &c[4]]);
                let style = if i == h.cursor {
                    theme.selection()
                } else {
                    ratatui::style::Style::new()
                };
                buf.set_line(
                    inner.x + 1,
                    inner.y + 1 + (i - skip) as u16,
                    &Line::styled(line, style),
                    width,
                );
            }
        }
    }
}

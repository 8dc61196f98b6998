//! Drawing the action dialog: the question, the targets of a running service, what is left
//! out, the current input (container picker, image, replicas, typed name) and the key hint.

use super::super::act::dialog::{Dialog, Step};
use super::super::app::App;
use super::super::format;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};

/// Targets listed at most; the rest are counted.
const LISTED: usize = 10;

/// `text` cut into lines of at most `width` columns, at spaces when possible.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut out = vec![];
    let mut cur = String::new();
    for word in text.split(' ') {
        let need = format::width(&cur) + usize::from(!cur.is_empty()) + format::width(word);
        if need > width && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(word);
        while format::width(&cur) > width {
            let head: String = cur.chars().take(width).collect();
            let rest: String = cur.chars().skip(width).collect();
            out.push(head);
            cur = rest;
        }
    }
    out.push(cur);
    out
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App, d: &Dialog) {
    let theme = app.theme();
    let w = area.width.min(76);
    let text_w = w.saturating_sub(4) as usize;
    let mut lines: Vec<Line> = vec![];
    let mut cursor: Option<(usize, usize)> = None;
    for l in wrap(&d.question(), text_w) {
        lines.push(Line::styled(l, Style::new().add_modifier(Modifier::BOLD)));
    }
    if d.many {
        lines.push(Line::default());
        for t in d.targets.iter().take(LISTED) {
            lines.push(Line::raw(format::truncate(
                &format!("  • {} ({})", t.label(), t.target.kind),
                text_w,
            )));
        }
        if d.targets.len() > LISTED {
            lines.push(Line::styled(
                format!("  … and {} more", d.targets.len() - LISTED),
                theme.dim(),
            ));
        }
    }
    if !d.skipped.is_empty() {
        lines.push(Line::default());
        lines.push(Line::styled("left out:", theme.dim()));
        for (who, why) in d.skipped.iter().take(LISTED) {
            for l in wrap(&format!("  • {who}: {why}"), text_w) {
                lines.push(Line::styled(l, theme.dim()));
            }
        }
    }
    let mut step: Vec<Line> = vec![];
    let mut input = |step: &mut Vec<Line>, label: String, value: &str| {
        for l in wrap(&label, text_w) {
            step.push(Line::raw(l));
        }
        let shown = format::truncate(value, text_w.saturating_sub(3));
        cursor = Some((step.len(), 2 + format::width(&shown)));
        step.push(Line::from(vec![
            Span::styled("> ", theme.key()),
            Span::raw(shown),
        ]));
    };
    match &d.step {
        Step::PickContainer {
            choices,
            cursor: at,
        } => {
            step.push(Line::raw("Which container?"));
            for (i, c) in choices.iter().enumerate() {
                let text = format!("  {}. {c}", i + 1);
                step.push(if i == *at {
                    Line::styled(format!("{text:<text_w$}"), theme.selection())
                } else {
                    Line::raw(text)
                });
            }
        }
        Step::Image {
            container,
            input: v,
        } => input(
            &mut step,
            format!("New image for container {container}:"),
            v,
        ),
        Step::Replicas { input: v } => input(&mut step, "Replicas:".into(), v),
        Step::Ports { input: v, declared } => {
            let ports = if declared.is_empty() {
                "none declared".to_string()
            } else {
                format!("declared: {}", declared.join(", "))
            };
            input(
                &mut step,
                format!("Forward [LOCAL:]REMOTE port ({ports}; LOCAL defaults to REMOTE):"),
                v,
            )
        }
        Step::Confirm { typed } if !d.locks.is_empty() => {
            for lock in &d.locks {
                for l in wrap(&format!("LOCKED: {lock}"), text_w) {
                    step.push(Line::styled(l, theme.error()));
                }
            }
            input(
                &mut step,
                format!("type {} (the service) to override the lock", d.name),
                typed,
            )
        }
        Step::Confirm { typed } if d.protected => input(
            &mut step,
            format!(
                "{} is a protected context: type {} to confirm",
                d.protected_contexts.join(", "),
                d.name
            ),
            typed,
        ),
        Step::Confirm { .. } => {}
    }
    if !step.is_empty() {
        lines.push(Line::default());
        let at = lines.len();
        cursor = cursor.map(|(row, col)| (row + at, col));
        lines.extend(step);
    }
    if let Some(e) = &d.error {
        for l in wrap(e, text_w) {
            lines.push(Line::styled(l, theme.error()));
        }
    }
    lines.push(Line::default());
    lines.push(Line::styled(d.hint(), theme.dim()));

    let verb = super::super::act::dialog::verb(d.kind).to_string();
    window(frame, area, w, theme, verb, &lines, cursor);
}

/// A dialog's window: `lines` in a bordered box titled `title`, centred in `area`, `w` wide
/// and as tall as the lines (at most the area), with the text cursor at `cursor` (line,
/// column) when it is inside.
pub fn window(
    frame: &mut Frame,
    area: Rect,
    w: u16,
    theme: &super::super::theme::Theme,
    title: String,
    lines: &[Line],
    cursor: Option<(usize, usize)>,
) {
    let h = (lines.len() as u16 + 2).min(area.height);
    let rect = super::centered(area, w, h);
    let title = Line::from(vec![
        Span::raw(" "),
        Span::styled(title, theme.title()),
        Span::raw(" "),
    ]);
    let inner = super::boxed(frame, rect, super::block(theme, title));
    let x = inner.x + 1;
    let width = inner.width.saturating_sub(2);
    let buf = frame.buffer_mut();
    for (i, l) in lines.iter().take(inner.height as usize).enumerate() {
        buf.set_line(x, inner.y + i as u16, l, width);
    }
    if let Some((row, col)) = cursor
        && row < inner.height as usize
    {
        let cx = (x + col as u16).min(inner.right().saturating_sub(1));
        frame.set_cursor_position((cx, inner.y + row as u16));
    }
}

//! Drawing: a pure function of the state and the catalog onto a ratatui frame. Only the rows
//! on screen are formatted; everything else was projected once per revision by the page cache.

mod detail;
pub mod dialog;
mod help;
mod logs;
mod rollouts;
mod status;
mod table;
mod yaml;

use super::app::{App, Mode, Overlay};
use super::format;
use super::theme::Theme;
use super::view::{self, Scope, View};
use crate::catalog::Catalog;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Widget};

/// Draw the whole screen.
pub fn draw(frame: &mut Frame, app: &App, cat: &Catalog) {
    let area = frame.area();
    if area.height < 3 || area.width < 10 {
        frame.render_widget(Line::raw("kubeatlas: terminal too small"), area);
        return;
    }
    let prompt = u16::from(!matches!(app.mode, Mode::Normal));
    let header = Rect { height: 1, ..area };
    let prompt_area = Rect {
        y: area.y + 1,
        height: prompt,
        ..area
    };
    let body = Rect {
        y: area.y + 1 + prompt,
        height: area.height.saturating_sub(2 + prompt),
        ..area
    };
    let footer = Rect {
        y: area.bottom() - 1,
        height: 1,
        ..area
    };

    frame.render_widget(breadcrumb(app, cat, area.width as usize), header);
    if prompt > 0 {
        let (line, cursor) = prompt_line(app, cat);
        frame.render_widget(line, prompt_area);
        frame.set_cursor_position((
            prompt_area.x + cursor.min(area.width.saturating_sub(1)),
            prompt_area.y,
        ));
    }
    let page = app.page();
    match (&app.logs, &page.view) {
        (Some(l), _) => logs::draw(frame, body, app, l),
        (None, View::Detail { .. }) => detail::draw(frame.buffer_mut(), body, app, cat),
        (None, _) => table::draw(frame.buffer_mut(), body, app, cat),
    }
    if app.logs.is_none() && !app.rollouts.is_empty() {
        rollouts::draw(frame, body, app, &app.rollouts);
    }
    match &app.overlay {
        Some(Overlay::Yaml(y)) => yaml::draw(frame, body, app, y),
        Some(Overlay::Help) => help::draw(frame, body, app, cat),
        Some(Overlay::Dialog(d)) => dialog::draw(frame, body, app, d),
        None => {}
    }
    frame.render_widget(status::line(app, cat, area.width as usize), footer);
}

/// The block around the page, with a title.
pub(super) fn block<'a>(theme: &Theme, title: Line<'a>) -> Block<'a> {
    Block::bordered().border_style(theme.border()).title(title)
}

/// Where the page is: `prod › payments › checkout-api`.
pub fn path(app: &App, cat: &Catalog) -> Vec<String> {
    let page = app.page();
    match &page.view {
        View::Fleet => vec!["fleet".into()],
        View::Matrix => vec!["running services".into()],
        View::List { scope, .. } => view::scope_path(cat, scope),
        View::Detail { entity } => {
            if cat.get(entity).is_some() {
                view::entity_path(cat, entity)
            } else {
                // Deleted: what the snapshot still says.
                let mut p = vec![
                    cat.cluster(entity.cluster)
                        .map(|c| c.name.clone())
                        .unwrap_or_default(),
                ];
                if let Some(r) = &page.snapshot {
                    p.extend(r.namespace.as_deref().map(str::to_string));
                    p.push(r.name.to_string());
                }
                p
            }
        }
    }
}

fn breadcrumb<'a>(app: &App, cat: &Catalog, width: usize) -> Line<'a> {
    let theme = &app.theme;
    let mut segs = path(app, cat);
    let sep = " › ";
    let total =
        |s: &[String]| s.iter().map(|x| format::width(x)).sum::<usize>() + sep.len() * s.len() + 12;
    // Shorten long segments, then drop leading ones, until the line fits.
    if total(&segs) > width {
        for s in segs.iter_mut() {
            if format::width(s) > 20 {
                *s = format::truncate(s, 20);
            }
        }
    }
    while segs.len() > 1 && total(&segs) > width {
        segs.remove(0);
    }
    let mut spans = vec![Span::styled(" kubeatlas ", theme.title()), Span::raw("│ ")];
    let n = segs.len();
    for (i, s) in segs.into_iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled(sep, theme.dim()));
        }
        let style = if i + 1 == n {
            Style::new().add_modifier(Modifier::BOLD)
        } else {
            Style::new()
        };
        spans.push(Span::styled(s, style));
    }
    Line::from(spans)
}

/// The prompt line and the cursor column.
fn prompt_line<'a>(app: &App, cat: &Catalog) -> (Line<'a>, u16) {
    let theme = &app.theme;
    match &app.mode {
        Mode::Command(p) => {
            let mut spans = vec![Span::styled(":", theme.key()), Span::raw(p.input.clone())];
            // Greyed suggestion: the rest of the first completion.
            if p.completion.is_none()
                && !p.input.is_empty()
                && let Some(first) = super::command::completions(cat, &p.input)
                    .into_iter()
                    .next()
                && let Some(rest) = first.strip_prefix(&p.input)
            {
                spans.push(Span::styled(rest.to_string(), theme.dim()));
            }
            (Line::from(spans), 1 + format::width(&p.input) as u16)
        }
        Mode::Filter => {
            let f = &app.page().filter;
            (
                Line::from(vec![Span::styled("/", theme.key()), Span::raw(f.clone())]),
                1 + format::width(f) as u16,
            )
        }
        Mode::Normal => (Line::default(), 0),
    }
}

/// Title of a list-like page: `pods(prod/payments)[12] </che> ↑AGE`.
pub(super) fn list_title<'a>(app: &App, cat: &Catalog) -> Line<'a> {
    let theme = &app.theme;
    let page = app.page();
    let (name, scope) = match &page.view {
        View::Fleet => ("contexts".to_string(), String::new()),
        View::Matrix => ("running services".to_string(), String::new()),
        View::List { bp, scope } => {
            let spec = &cat.blueprint(*bp).spec;
            let s = match scope {
                Scope::All => "all".to_string(),
                other => view::scope_path(cat, other).join("/"),
            };
            (
                spec.plural
                    .clone()
                    .unwrap_or_else(|| spec.identifier.clone()),
                s,
            )
        }
        View::Detail { .. } => (String::new(), String::new()),
    };
    let total = page.cache.table.rows.len();
    let shown = page.len();
    let count = if shown == total {
        format!("[{total}]")
    } else {
        format!("[{shown}/{total}]")
    };
    let mut spans = vec![Span::raw(" "), Span::styled(name, theme.title())];
    if !scope.is_empty() {
        spans.push(Span::styled(format!("({scope})"), theme.title()));
    }
    spans.push(Span::styled(count, theme.title()));
    if !page.filter.is_empty() {
        spans.push(Span::raw(" "));
        spans.push(Span::styled(format!("</{}>", page.filter), theme.key()));
    }
    spans.push(Span::raw(" "));
    Line::from(spans)
}

/// Clear an area and draw a bordered box in it.
pub(super) fn boxed<'a>(frame: &mut Frame, area: Rect, block: Block<'a>) -> Rect {
    Clear.render(area, frame.buffer_mut());
    let inner = block.inner(area);
    frame.render_widget(block, area);
    inner
}

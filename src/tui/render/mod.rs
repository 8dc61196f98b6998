//! Drawing: a pure function of the app's state onto a ratatui frame; it never sees the
//! catalog. Only the rows on screen are formatted; everything else (rows, paths, titles,
//! notices, the help's bindings, the prompt's hint, what is offered) was computed on update.

mod detail;
pub mod dialog;
mod diff;
mod governed;
mod help;
mod history;
mod logs;
mod portforward;
mod resource;
mod rollouts;
mod status;
mod table;
mod timeline;
mod yaml;

use super::app::App;
use super::format;
use super::layer::Layer;
use super::prompt::Mode;
use super::theme::Theme;
use super::view::View;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Widget};

/// Draw the whole screen.
pub fn draw(frame: &mut Frame, app: &App) {
    let area = frame.area();
    if area.height < 3 || area.width < 10 {
        frame.render_widget(Line::raw("kubeatlas: terminal too small"), area);
        return;
    }
    let prompt = u16::from(app.mode().shown());
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

    frame.render_widget(breadcrumb(app, area.width as usize), header);
    if prompt > 0 {
        let (line, cursor) = prompt_line(app);
        frame.render_widget(line, prompt_area);
        frame.set_cursor_position((
            prompt_area.x + cursor.min(area.width.saturating_sub(1)),
            prompt_area.y,
        ));
    }
    let page = app.page();
    let layers = app.layers();
    match (layers.logs(), &page.view) {
        (Some(l), _) => logs::draw(frame, body, app, l),
        (None, View::Detail { .. }) => detail::draw(frame.buffer_mut(), body, app),
        (None, _) => table::draw(frame.buffer_mut(), body, app),
    }
    if layers.logs().is_none() && !app.rollouts().is_empty() {
        rollouts::draw(frame, body, app, app.rollouts());
    }
    for layer in layers.iter() {
        match layer {
            Layer::Logs(_) => {}
            Layer::Yaml(y) => yaml::draw(frame, body, app, y),
            Layer::Help(h) => help::draw(frame, body, app, h),
            Layer::Dialog(d) => dialog::draw(frame, body, app, d),
            Layer::Timeline(v) => timeline::draw(frame, body, app, v),
            Layer::History(h) => history::draw(frame, body, app, h),
            Layer::Govern(g) => governed::draw(frame, body, app, g),
            Layer::Diff(d) => diff::draw(frame, body, app, d),
            Layer::Forwards(v) => portforward::draw(frame, body, app, v),
            Layer::Resource(v) => resource::draw(frame, body, app, v),
        }
    }
    frame.render_widget(status::line(app, area.width as usize), footer);
}

/// The block around the page, with a title.
/// A `w`×`h` rectangle in the middle of `area` (overlays: help, dialogs, logs); `w` and `h`
/// are at most `area`'s.
pub(super) fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let (w, h) = (w.min(area.width), h.min(area.height));
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

pub(super) fn block<'a>(theme: &Theme, title: Line<'a>) -> Block<'a> {
    Block::bordered().border_style(theme.border()).title(title)
}

fn breadcrumb<'a>(app: &App, width: usize) -> Line<'a> {
    let theme = app.theme();
    let mut segs = app.page().path.clone();
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
fn prompt_line<'a>(app: &App) -> (Line<'a>, u16) {
    let theme = app.theme();
    match app.mode() {
        Mode::Command(p) => {
            let mut spans = vec![Span::styled(":", theme.key()), Span::raw(p.input.clone())];
            // Greyed suggestion: the rest of the first completion.
            if let Some(rest) = &p.hint {
                spans.push(Span::styled(rest.clone(), theme.dim()));
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
pub(super) fn list_title<'a>(app: &App) -> Line<'a> {
    let theme = app.theme();
    let page = app.page();
    let (name, scope) = page.heading.clone();
    let total = page.cache.table.rows.len();
    let shown = page.len();
    let count = if let Some((done, of)) = page.building {
        format!("[building rows… {done}/{of}]")
    } else if shown == total {
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
    if let Some(l) = app.last_changes().filter(|_| page.view == View::Matrix) {
        spans.push(Span::styled(" last change: ", theme.title()));
        spans.push(Span::styled(last_change_words(app, l), theme.key()));
    }
    spans.push(Span::raw(" "));
    Line::from(spans)
}

/// The cursor cell's newest change in words, for the matrix's title while `c` shows them.
fn last_change_words(app: &App, l: &crate::tui::last_change::LastChanges) -> String {
    if l.reading() {
        return "reading the timeline…".into();
    }
    if let Some(e) = l.failed() {
        return e.to_string();
    }
    let page = app.page();
    let row = page
        .cache
        .filtered
        .rows()
        .get(page.index)
        .and_then(|&ri| page.cache.table.rows.get(ri as usize));
    let (Some(svc), Some(env)) = (
        row.and_then(crate::tui::matrix::service),
        page.cache.envs.get(page.column),
    ) else {
        return String::new();
    };
    match l.get(svc, env) {
        Some(c) => format!(
            "{svc} in {env}: {}, {} ago",
            c.text,
            format::age(c.at, app.now())
        ),
        None => format!("{svc} in {env}: no change seen"),
    }
}

/// Clear an area and draw a bordered box in it.
pub(super) fn boxed<'a>(frame: &mut Frame, area: Rect, block: Block<'a>) -> Rect {
    Clear.render(area, frame.buffer_mut());
    let inner = block.inner(area);
    frame.render_widget(block, area);
    inner
}

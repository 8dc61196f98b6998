//! The status line: a dot per cluster, badges (DEMO, READ-ONLY), what is loading, and the
//! last message.

use super::super::app::App;
use super::super::format;
use crate::catalog::ClusterStatus;
use ratatui::text::{Line, Span};

const SPINNER: [char; 4] = ['◐', '◓', '◑', '◒'];

/// The glyph of a cluster state.
pub fn glyph(s: &ClusterStatus, frame: usize) -> char {
    match s {
        ClusterStatus::Ready => '●',
        ClusterStatus::Connecting | ClusterStatus::Syncing => SPINNER[frame % SPINNER.len()],
        _ => '✖',
    }
}

pub fn line<'a>(app: &App, width: usize) -> Line<'a> {
    let theme = app.theme();
    let mut spans: Vec<Span> = vec![Span::raw(" ")];
    let push = |spans: &mut Vec<Span<'a>>, s: Span<'a>| spans.push(s);
    let used = |spans: &[Span]| {
        spans
            .iter()
            .map(|s| format::width(&s.content))
            .sum::<usize>()
    };
    for c in app.status().badges() {
        push(&mut spans, Span::raw(format!("{} ", c.name)));
        push(
            &mut spans,
            Span::styled(
                glyph(&c.status, app.frame()).to_string(),
                theme.cluster(&c.status),
            ),
        );
        if let Some(at) = c.polled {
            // Read through a hub by polling: how old the data is.
            push(
                &mut spans,
                Span::styled(format!(" {}", format::age(at, app.now())), theme.dim()),
            );
        }
        if c.status != ClusterStatus::Ready {
            push(
                &mut spans,
                Span::styled(format!(" {}", c.status.label()), theme.cluster(&c.status)),
            );
        }
        let forbidden = &c.forbidden;
        if !forbidden.is_empty() {
            push(
                &mut spans,
                Span::styled(
                    format!(" ⚠ {} forbidden", forbidden.join(",")),
                    theme.health(crate::catalog::Health::Degraded),
                ),
            );
        }
        push(&mut spans, Span::raw("  "));
    }
    if app.demo() {
        push(&mut spans, Span::styled(" DEMO ", theme.badge()));
        push(&mut spans, Span::raw(" "));
    }
    if app.alerts().firings() > 0 {
        let n = app.alerts().firings();
        push(
            &mut spans,
            Span::styled(
                format!(" {n} ALERT{} ", if n == 1 { "" } else { "S" }),
                theme.error(),
            ),
        );
        push(&mut spans, Span::raw(" "));
    }
    if app.readonly_badge() {
        push(&mut spans, Span::styled(" READ-ONLY ", theme.badge()));
        push(&mut spans, Span::raw(" "));
    }
    if let Some(b) = app.batches().values().next() {
        let s = SPINNER[app.frame() % SPINNER.len()];
        push(
            &mut spans,
            Span::styled(format!("{s} {}… ", b.action.verb()), theme.dim()),
        );
    }
    if app.layers().loading() {
        push(&mut spans, Span::styled("fetching YAML… ", theme.dim()));
    }
    if let Some(m) = app.message() {
        let room = width.saturating_sub(used(&spans) + 8);
        let style = if m.error {
            theme.error()
        } else {
            ratatui::style::Style::new()
        };
        push(
            &mut spans,
            Span::styled(format::truncate(&m.text, room), style),
        );
    }
    let help = "? help ";
    let n = used(&spans);
    if n + help.len() < width {
        spans.push(Span::raw(" ".repeat(width - n - help.len())));
        spans.push(Span::styled(help, theme.dim()));
    }
    Line::from(spans)
}

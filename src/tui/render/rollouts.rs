//! Drawing the rollout lines: a small box at the bottom of the page, one line per workload
//! being rolled out (or just finished).

use super::super::act::rollout::Rollout;
use super::super::app::App;
use super::super::format;
use crate::actions::progress::RolloutState;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

/// Lines shown at most.
const SHOWN: usize = 5;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, rollouts: &[Rollout]) {
    let theme = app.theme();
    let n = rollouts.len().min(SHOWN) as u16;
    let h = (n + 2).min(area.height);
    if h < 3 {
        return;
    }
    let rect = Rect {
        y: area.bottom() - h,
        height: h,
        ..area
    };
    let title = Line::from(vec![
        Span::raw(" "),
        Span::styled("rollouts", theme.title()),
        Span::styled(" · x dismisses ", theme.dim()),
    ]);
    let inner = super::boxed(frame, rect, super::block(theme, title));
    let buf = frame.buffer_mut();
    let skip = rollouts.len().saturating_sub(SHOWN);
    for (i, r) in rollouts.iter().skip(skip).enumerate() {
        let style = match r.progress.state {
            RolloutState::Done => theme.health(crate::catalog::Health::Healthy),
            RolloutState::Failed | RolloutState::Gone => theme.error(),
            _ => theme.health(crate::catalog::Health::Progressing),
        };
        let text = format::truncate(&r.line(), inner.width.saturating_sub(1) as usize);
        buf.set_line(
            inner.x + 1,
            inner.y + i as u16,
            &Line::styled(text, style),
            inner.width.saturating_sub(1),
        );
    }
}

//! Colours and styles, in one place so `NO_COLOR` turns every colour off (bold and reverse stay).

use crate::catalog::{ClusterStatus, Health};
use ratatui::style::{Color, Modifier, Style};

/// Styles used by the views.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    /// False when `NO_COLOR` is set: only modifiers are used.
    pub color: bool,
}

impl Theme {
    /// Colours on unless the `NO_COLOR` environment variable is set to a non-empty value.
    pub fn from_env() -> Theme {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Theme { color: !no_color }
    }

    fn fg(&self, c: Color) -> Style {
        if self.color {
            Style::new().fg(c)
        } else {
            Style::new()
        }
    }

    pub fn health(&self, h: Health) -> Style {
        match h {
            Health::Healthy => self.fg(Color::Green),
            Health::Paused => self.fg(Color::Cyan),
            Health::Progressing => self.fg(Color::Yellow),
            Health::Degraded => self.fg(Color::Yellow),
            Health::Failed => self.fg(Color::Red).add_modifier(Modifier::BOLD),
            Health::Unknown => Style::new(),
        }
    }

    pub fn cluster(&self, s: &ClusterStatus) -> Style {
        match s {
            ClusterStatus::Ready => self.fg(Color::Green),
            ClusterStatus::Connecting | ClusterStatus::Syncing => self.fg(Color::Yellow),
            _ => self.fg(Color::Red).add_modifier(Modifier::BOLD),
        }
    }

    /// A cell whose service version differs from the other environments.
    pub fn drift(&self) -> Style {
        self.fg(Color::Magenta).add_modifier(Modifier::BOLD)
    }

    /// Absent data (a service not running in an environment, `-`).
    pub fn dim(&self) -> Style {
        if self.color {
            Style::new().fg(Color::DarkGray)
        } else {
            Style::new().add_modifier(Modifier::DIM)
        }
    }

    pub fn header(&self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }

    pub fn title(&self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }

    pub fn border(&self) -> Style {
        self.fg(Color::Blue)
    }

    pub fn selection(&self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD)
    }

    /// Characters matched by the fuzzy filter.
    pub fn matched(&self) -> Style {
        self.fg(Color::Yellow)
            .add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
    }

    pub fn error(&self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::BOLD)
    }

    pub fn badge(&self) -> Style {
        if self.color {
            Style::new()
                .fg(Color::Black)
                .bg(Color::Yellow)
                .add_modifier(Modifier::BOLD)
        } else {
            Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD)
        }
    }

    pub fn key(&self) -> Style {
        self.fg(Color::Magenta).add_modifier(Modifier::BOLD)
    }
}

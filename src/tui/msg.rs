//! Messages into the state machine and effects out of it: the only ways the TUI's state
//! changes and the only ways it asks for I/O.

use crate::catalog::{ClusterId, EntityRef};
use crossterm::event::KeyEvent;

/// Something that happened.
#[derive(Debug, Clone)]
pub enum Msg {
    Key(KeyEvent),
    /// The terminal is now this many columns and rows.
    Resize(u16, u16),
    /// One or more changes were applied to the catalog (its revision moved).
    Catalog,
    /// An effect finished.
    EffectDone(Reply),
    /// Time passed: `now` is seconds since the epoch (ages, spinners).
    Tick {
        now: i64,
    },
}

/// The API object an effect reads or acts on: everything the runner needs, so it never looks
/// at the catalog (which only the TUI task owns).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectTarget {
    pub cluster: ClusterId,
    pub group: String,
    pub version: String,
    pub kind: String,
    /// Resource plural when the blueprint names it; guessed from the kind otherwise.
    pub plural: Option<String>,
    pub namespace: Option<String>,
    pub name: String,
}

/// Something the state machine wants done outside itself. The runner performs it without
/// blocking the input loop and answers with [`Msg::EffectDone`].
///
/// Extension point: actions (restart, scale, …) are added here as new variants, with a
/// matching [`Reply`] and a confirmation step in the state machine before they are emitted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// GET the object and show it as YAML.
    FetchYaml {
        entity: EntityRef,
        target: ObjectTarget,
    },
    /// Leave the program.
    Quit,
}

/// The outcome of an effect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// The sanitized YAML of an object, or why it could not be fetched.
    Yaml {
        entity: EntityRef,
        result: Result<String, String>,
    },
    /// A generic outcome for effects without their own reply: a message for the status line.
    Done { message: String, error: bool },
}

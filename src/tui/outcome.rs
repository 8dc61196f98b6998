//! What a feature hands back to the [`App`](super::App) that composes the features: effects
//! to run, a message for the status line, whether its layer closes, whether the help opens.
//! Features never reach into the app; the app folds their outcomes.

use super::msg::Effect;

/// The line at the bottom: the last thing worth telling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub text: String,
    pub error: bool,
}

impl Message {
    pub fn new(text: impl Into<String>, error: bool) -> Message {
        Message {
            text: text.into(),
            error,
        }
    }
}

/// The result of one key or reply in a feature.
#[derive(Debug, Default, PartialEq)]
pub struct Outcome {
    pub effects: Vec<Effect>,
    pub message: Option<Message>,
    /// The layer that handled the key is done: pop it.
    pub close: bool,
    /// Open the key help over what is shown.
    pub help: bool,
}

impl Outcome {
    /// Nothing to do.
    pub fn none() -> Outcome {
        Outcome::default()
    }

    /// Tell something in the status line.
    pub fn tell(text: impl Into<String>, error: bool) -> Outcome {
        Outcome {
            message: Some(Message::new(text, error)),
            ..Outcome::default()
        }
    }

    /// Run these effects.
    pub fn effects(effects: Vec<Effect>) -> Outcome {
        Outcome {
            effects,
            ..Outcome::default()
        }
    }

    /// Close the layer that handled the key.
    pub fn close(mut self) -> Outcome {
        self.close = true;
        self
    }
}

/// Hands out ids for action batches and log streams (never 0), so replies of an older batch
/// or stream can be told apart.
#[derive(Debug, Default)]
pub struct Ids(u64);

impl Ids {
    pub fn fresh(&mut self) -> u64 {
        self.0 += 1;
        self.0
    }
}

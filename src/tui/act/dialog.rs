//! The confirmation dialog of a mutating action and the inputs before it: a container picker
//! and the image prompt (redeploy), the replica count (scale), then y/n, or the object name
//! typed in a protected context. Pure state and keys; [`super::start`] builds it.

use crate::actions::plan::refusal;
use crate::actions::{Action, Target};
use crate::blueprint::ActionKind;
use crate::catalog::EntityRef;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// One object the action will be sent to, with what the prompts need to know of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Acted {
    pub entity: EntityRef,
    pub target: Target,
    /// Container names and their images, aligned (from the blueprint's `containers` and
    /// `images` properties).
    pub containers: Vec<String>,
    pub images: Vec<String>,
    /// Desired replicas, when the blueprint knows them.
    pub desired: Option<i64>,
    /// The ports the containers declare (port-forward), from the blueprint's `ports`.
    pub ports: Vec<String>,
}

impl Acted {
    /// `context/namespace/name`.
    pub fn label(&self) -> String {
        let t = &self.target;
        match &t.namespace {
            Some(ns) => format!("{}/{ns}/{}", t.context, t.name),
            None => format!("{}/{}", t.context, t.name),
        }
    }

    fn image_of(&self, container: &str) -> Option<&str> {
        let i = self.containers.iter().position(|c| c == container)?;
        self.images.get(i).map(String::as_str)
    }
}

/// Where the dialog stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Redeploy of something with several containers: which one.
    PickContainer { choices: Vec<String>, cursor: usize },
    /// The new image of `container` (prefilled with the current one).
    Image { container: String, input: String },
    /// The replica count (prefilled with the desired count).
    Replicas { input: String },
    /// Port-forward: `[LOCAL:]REMOTE` (prefilled with the first declared port).
    Ports {
        input: String,
        declared: Vec<String>,
    },
    /// Asking; `typed` is the name typed so far in a protected context.
    Confirm { typed: String },
}

/// What a key did to the dialog.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    Keep,
    Cancel,
    /// Confirmed: send `action` to these objects.
    Confirm(Vec<(EntityRef, Target)>, Action),
}

/// A modal dialog over the page.
#[derive(Debug, Clone, PartialEq)]
pub struct Dialog {
    pub kind: ActionKind,
    /// What is acted on: `Deployment shop/checkout-api in context prod`, or
    /// `running service checkout-api in prod`.
    pub subject: String,
    pub targets: Vec<Acted>,
    /// Objects left out, with why (refused, no such container).
    pub skipped: Vec<(String, String)>,
    /// A running service: list the targets one per line.
    pub many: bool,
    /// Some target context is protected: the name must be typed.
    pub protected: bool,
    /// The protected contexts, for the prompt.
    pub protected_contexts: Vec<String>,
    /// What must be typed to confirm in a protected context.
    pub name: String,
    pub step: Step,
    /// The action, once its inputs are in.
    pub action: Option<Action>,
    /// Why the last input was not accepted.
    pub error: Option<String>,
    /// Locks held by targets (who, until, why): the service name must be typed to override
    /// them, and the run is audited as an override.
    pub locks: Vec<String>,
}

/// Capitalized verb of an action kind.
pub fn verb(kind: ActionKind) -> &'static str {
    match kind {
        ActionKind::Restart => "Restart",
        ActionKind::Redeploy => "Redeploy",
        ActionKind::Scale => "Scale",
        ActionKind::Delete => "Delete",
        ActionKind::Logs => "Logs",
        ActionKind::Undo => "Undo",
        ActionKind::Exec => "Exec",
        ActionKind::PortForward => "Port-forward",
    }
}

impl Dialog {
    /// A dialog at its first step. Err when nothing can be asked (no container known).
    pub fn new(
        kind: ActionKind,
        subject: String,
        name: String,
        targets: Vec<Acted>,
        skipped: Vec<(String, String)>,
        many: bool,
        protected_contexts: Vec<String>,
    ) -> Result<Dialog, String> {
        let step = match kind {
            ActionKind::Redeploy => {
                let mut choices: Vec<String> = vec![];
                for t in &targets {
                    for c in &t.containers {
                        if !choices.contains(c) {
                            choices.push(c.clone());
                        }
                    }
                }
                match choices.len() {
                    0 => return Err(format!("no containers known for {subject}")),
                    1 => Step::Image {
                        input: first_image(&targets, &choices[0]),
                        container: choices.remove(0),
                    },
                    _ => Step::PickContainer { choices, cursor: 0 },
                }
            }
            ActionKind::Scale => Step::Replicas {
                input: targets
                    .first()
                    .and_then(|t| t.desired)
                    .map(|d| d.to_string())
                    .unwrap_or_default(),
            },
            _ => Step::Confirm {
                typed: String::new(),
            },
        };
        let action = match kind {
            ActionKind::Restart => Some(Action::Restart),
            ActionKind::Delete => Some(Action::Delete),
            _ => None,
        };
        Ok(Dialog {
            kind,
            subject,
            targets,
            skipped,
            many,
            protected: !protected_contexts.is_empty(),
            protected_contexts,
            name,
            step,
            action,
            error: None,
            locks: vec![],
        })
    }

    /// Some targets are locked: confirming needs `service` typed, and overrides the locks.
    pub fn with_locks(mut self, service: String, locks: Vec<String>) -> Dialog {
        if !locks.is_empty() {
            self.protected = true;
            self.name = service;
            self.locks = locks;
        }
        self
    }

    /// The first line: what will happen, a question once everything is known.
    pub fn question(&self) -> String {
        let v = verb(self.kind);
        let s = &self.subject;
        let n = self.targets.len();
        let noun = match self.action {
            Some(Action::Reap) => "object",
            _ => "workload",
        };
        let count = if self.many {
            format!(" ({n} {noun}{})", if n == 1 { "" } else { "s" })
        } else {
            String::new()
        };
        match (&self.step, &self.action) {
            (Step::Confirm { .. }, Some(Action::Scale { replicas })) => {
                format!("Scale {s} to {replicas} replicas{count}?")
            }
            (Step::Confirm { .. }, Some(Action::SetImage { container, image })) => {
                format!("Redeploy {s}{count} with {container}={image}?")
            }
            (Step::Confirm { .. }, Some(Action::Undo { to_revision })) => {
                format!("Roll {s} back to revision {to_revision}?")
            }
            (Step::Confirm { .. }, _) => format!("{v} {s}{count}?"),
            _ => format!("{v} {s}{count}"),
        }
    }

    /// The key hint at the bottom.
    pub fn hint(&self) -> &'static str {
        match &self.step {
            Step::PickContainer { .. } => "j/k move · Enter choose · Esc cancel",
            Step::Image { .. } | Step::Replicas { .. } => "Enter next · Esc cancel",
            Step::Ports { .. } => "Enter forward · Esc cancel",
            Step::Confirm { .. } if self.protected => "Enter confirm · Esc cancel",
            Step::Confirm { .. } => "y/Enter confirm · n/Esc cancel",
        }
    }

    /// Fold one key.
    pub fn key(&mut self, k: KeyEvent) -> Answer {
        if k.code == KeyCode::Esc {
            return Answer::Cancel;
        }
        let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
        let step = std::mem::replace(
            &mut self.step,
            Step::Confirm {
                typed: String::new(),
            },
        );
        let (step, answer) = match step {
            Step::PickContainer { choices, cursor } => self.pick_key(choices, cursor, k),
            Step::Image { container, input } => match edit(input, k, ctrl) {
                Edited::Typing(input) => (Step::Image { container, input }, Answer::Keep),
                Edited::Enter(input) => self.image_entered(container, input),
            },
            Step::Replicas { input } => match edit(input, k, ctrl) {
                Edited::Typing(input) => (Step::Replicas { input }, Answer::Keep),
                Edited::Enter(input) => self.replicas_entered(input),
            },
            Step::Ports { input, declared } => match edit(input, k, ctrl) {
                Edited::Typing(input) => (Step::Ports { input, declared }, Answer::Keep),
                Edited::Enter(input) => self.ports_entered(input, declared),
            },
            Step::Confirm { typed } => self.confirm_key(typed, k, ctrl),
        };
        self.step = step;
        answer
    }

    fn pick_key(&mut self, choices: Vec<String>, cursor: usize, k: KeyEvent) -> (Step, Answer) {
        let n = choices.len();
        let cursor = match k.code {
            KeyCode::Char('j') | KeyCode::Down | KeyCode::Tab => (cursor + 1) % n.max(1),
            KeyCode::Char('k') | KeyCode::Up | KeyCode::BackTab => (cursor + n - 1) % n.max(1),
            KeyCode::Char(c @ '1'..='9') if (c as usize - '1' as usize) < n => {
                c as usize - '1' as usize
            }
            KeyCode::Enter => {
                let Some(container) = choices.get(cursor).cloned() else {
                    return (Step::PickContainer { choices, cursor }, Answer::Cancel);
                };
                return self.container_chosen(container);
            }
            _ => cursor,
        };
        (Step::PickContainer { choices, cursor }, Answer::Keep)
    }

    /// Port-forward: the ports typed, `[LOCAL:]REMOTE` as kubectl reads them; sent at once.
    fn ports_entered(&mut self, input: String, declared: Vec<String>) -> (Step, Answer) {
        match crate::actions::portforward::parse_ports(&input) {
            Ok((remote, local)) => {
                let action = Action::PortForward { remote, local };
                if self.locks.is_empty() {
                    self.error = None;
                    self.action = Some(action);
                    self.confirmed(String::new())
                } else {
                    self.ready(action)
                }
            }
            Err(e) => {
                self.error = Some(e.to_string());
                (Step::Ports { input, declared }, Answer::Keep)
            }
        }
    }

    /// A container is chosen: targets without it are left out; the image prompt follows
    /// (exec: the shell starts).
    fn container_chosen(&mut self, container: String) -> (Step, Answer) {
        if self.kind == ActionKind::Exec {
            let action = Action::Exec {
                container,
                command: crate::actions::exec::shell_command(),
            };
            if !self.locks.is_empty() {
                return self.ready(action);
            }
            self.action = Some(action);
            return self.confirmed(String::new());
        }
        let (keep, drop): (Vec<Acted>, Vec<Acted>) = std::mem::take(&mut self.targets)
            .into_iter()
            .partition(|t| t.containers.contains(&container));
        for t in drop {
            self.skipped
                .push((t.label(), format!("has no container {container}")));
        }
        self.targets = keep;
        let input = first_image(&self.targets, &container);
        self.error = None;
        (Step::Image { container, input }, Answer::Keep)
    }

    fn image_entered(&mut self, container: String, input: String) -> (Step, Answer) {
        let action = Action::SetImage {
            container: container.clone(),
            image: input.trim().to_string(),
        };
        match self.refused(&action) {
            Some(why) => {
                self.error = Some(why);
                (Step::Image { container, input }, Answer::Keep)
            }
            None => self.ready(action),
        }
    }

    fn replicas_entered(&mut self, input: String) -> (Step, Answer) {
        let Ok(replicas) = input.trim().parse::<i64>() else {
            self.error = Some(format!(
                "replicas must be a whole number, not {:?}",
                input.trim()
            ));
            return (Step::Replicas { input }, Answer::Keep);
        };
        let action = Action::Scale { replicas };
        match self.refused(&action) {
            Some(why) => {
                self.error = Some(why);
                (Step::Replicas { input }, Answer::Keep)
            }
            None => self.ready(action),
        }
    }

    /// The first refusal of `action` by any target.
    fn refused(&self, action: &Action) -> Option<String> {
        self.targets
            .iter()
            .find_map(|t| refusal(&t.target, action).map(|r| r.to_string()))
    }

    fn ready(&mut self, action: Action) -> (Step, Answer) {
        self.action = Some(action);
        self.error = None;
        (
            Step::Confirm {
                typed: String::new(),
            },
            Answer::Keep,
        )
    }

    fn confirm_key(&mut self, typed: String, k: KeyEvent, ctrl: bool) -> (Step, Answer) {
        let keep = |typed| (Step::Confirm { typed }, Answer::Keep);
        if !self.protected {
            return match k.code {
                KeyCode::Char('y' | 'Y') | KeyCode::Enter if !ctrl => self.confirmed(typed),
                KeyCode::Char('n' | 'N') if !ctrl => (Step::Confirm { typed }, Answer::Cancel),
                _ => keep(typed),
            };
        }
        match edit(typed, k, ctrl) {
            Edited::Typing(typed) => keep(typed),
            Edited::Enter(typed) if typed.trim() == self.name => self.confirmed(typed),
            Edited::Enter(typed) => {
                self.error = Some(format!(
                    "{:?} is not {:?}: nothing was done; type the name or Esc",
                    typed.trim(),
                    self.name
                ));
                keep(typed)
            }
        }
    }

    fn confirmed(&mut self, typed: String) -> (Step, Answer) {
        let step = Step::Confirm { typed };
        match (&self.action, self.targets.is_empty()) {
            (Some(a), false) => {
                let overrides = !self.locks.is_empty();
                let targets = self
                    .targets
                    .iter()
                    .map(|t| {
                        let mut target = t.target.clone();
                        target.lock_override = overrides;
                        (t.entity.clone(), target)
                    })
                    .collect();
                (step, Answer::Confirm(targets, a.clone()))
            }
            _ => (step, Answer::Cancel),
        }
    }
}

/// The image `container` runs in the first target that has it.
fn first_image(targets: &[Acted], container: &str) -> String {
    targets
        .iter()
        .find_map(|t| t.image_of(container))
        .unwrap_or_default()
        .to_string()
}

enum Edited {
    Typing(String),
    Enter(String),
}

/// One key into a one-line input: characters, Backspace, ^u clears, Enter accepts.
fn edit(mut input: String, k: KeyEvent, ctrl: bool) -> Edited {
    match k.code {
        KeyCode::Enter => return Edited::Enter(input),
        KeyCode::Backspace => {
            input.pop();
        }
        KeyCode::Char('u') if ctrl => input.clear(),
        KeyCode::Char(c) if !ctrl && input.len() < 512 => input.push(c),
        _ => {}
    }
    Edited::Typing(input)
}

//! Sessions from the TUI, once read-only and the access review let them through
//! ([`super::Actions::start`]): exec (`s` on a pod) starts a shell at once in the pod's only
//! container, or asks which container first; port-forward (`f`) asks `[LOCAL:]REMOTE`,
//! prefilled with the first port the containers declare. Neither asks y/n beyond that, as
//! kubectl and k9s do not — except on a locked workload's pod, where the service name must be
//! typed to override the lock, as for every action.

use super::Started;
use super::dialog::{Acted, Dialog, Step};
use crate::actions::Action;
use crate::blueprint::ActionKind;
use crate::tui::outcome::Message;

/// `s` asks for a shell where the blueprint offers exec and not scale (pods, as in k9s).
pub fn key_kind(kind: ActionKind, offers: &[ActionKind]) -> ActionKind {
    let shell = !offers.contains(&ActionKind::Scale) && offers.contains(&ActionKind::Exec);
    if kind == ActionKind::Scale && shell {
        ActionKind::Exec
    } else {
        kind
    }
}

/// A session of `kind` with placeholder inputs, to ask about the target before anything.
pub fn probe(kind: ActionKind) -> Action {
    match kind {
        ActionKind::PortForward => Action::PortForward {
            remote: 1,
            local: None,
        },
        _ => Action::Exec {
            container: String::new(),
            command: vec![],
        },
    }
}

/// What the status line says while `action` goes to `labels` (`exec: connecting to …`).
pub fn sending(action: &Action, labels: &[(crate::catalog::EntityRef, String)]) -> String {
    let n = labels.len();
    match labels.first() {
        Some((_, l)) if action.is_session() => format!("{}: connecting to {l}…", action.verb()),
        _ => format!(
            "{}: sending to {n} object{}…",
            action.describe(),
            if n == 1 { "" } else { "s" }
        ),
    }
}

/// What `s` / `f` lead to for these targets (one pod).
pub fn start(
    kind: ActionKind,
    subject: String,
    name: String,
    targets: Vec<Acted>,
    skipped: Vec<(String, String)>,
    (service, locks): (String, Vec<String>),
) -> Started {
    let Some(first) = targets.first() else {
        return Started::Told(Message::new(format!("nothing to {}", kind.name()), true));
    };
    let containers = first.containers.clone();
    let ports = first.ports.clone();
    if kind == ActionKind::Exec && containers.len() == 1 && locks.is_empty() {
        let action = Action::Exec {
            container: containers[0].clone(),
            command: crate::actions::exec::shell_command(),
        };
        return Started::Run(vec![(first.entity.clone(), first.target.clone())], action);
    }
    if kind == ActionKind::Exec && containers.is_empty() {
        let m = format!("exec: no containers known for {subject}");
        return Started::Told(Message::new(m, true));
    }
    let d = match Dialog::new(kind, subject, name, targets, skipped, false, vec![]) {
        Ok(d) => d,
        Err(e) => return Started::Told(Message::new(e, true)),
    };
    let mut d = d.with_locks(service, locks);
    d.step = match kind {
        // A locked workload's pod with one container: only the service name to type.
        ActionKind::Exec if containers.len() == 1 => {
            d.action = Some(Action::Exec {
                container: containers[0].clone(),
                command: crate::actions::exec::shell_command(),
            });
            Step::Confirm {
                typed: String::new(),
            }
        }
        ActionKind::Exec => Step::PickContainer {
            choices: containers,
            cursor: 0,
        },
        _ => Step::Ports {
            input: ports.first().cloned().unwrap_or_default(),
            declared: ports,
        },
    };
    Started::Dialog(d)
}

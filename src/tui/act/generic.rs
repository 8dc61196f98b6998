//! Actions on an object that is not in the catalog (a row of the generic resource layer):
//! delete, and scale where discovery says the resource has a `scale` subresource. They take
//! the same road as every action — read-only refusal, the access review the server is asked
//! first, the dialog (the name typed in a protected context), then the one executor, which
//! refuses read-only contexts again and writes the audit line.

use super::access::{self, Gate};
use super::dialog::{Acted, Dialog};
use super::{Actions, Started, Subject, word};
use crate::actions::{ObjectAddress, Target};
use crate::blueprint::{ActionKind, ActionRule, PatchType};
use crate::catalog::{Catalog, EntityRef};
use crate::tui::outcome::Message;

fn rule(kind: ActionKind) -> ActionRule {
    ActionRule {
        kind,
        template: Box::new([]),
        patch: PatchType::Merge,
        paused: None,
        containers: None,
        images: None,
        replicas: None,
        ports: None,
    }
}

/// The rules of a discovered resource: delete always (with the uid precondition), scale
/// through its `scale` subresource when it has one.
pub fn rules(scale: bool) -> Vec<ActionRule> {
    let mut out = vec![rule(ActionKind::Delete)];
    if scale {
        out.push(rule(ActionKind::Scale));
    }
    out
}

impl Actions {
    /// A key asked for `kind` (delete or scale) on an uncataloged object: check, ask the
    /// server, then the dialog.
    pub fn start_uncataloged(
        &mut self,
        cat: &Catalog,
        kind: ActionKind,
        entity: EntityRef,
        object: ObjectAddress,
        scale: bool,
    ) -> Started {
        let tell = |text: String, error: bool| Started::Told(Message::new(text, error));
        if kind == ActionKind::Scale && !scale {
            return tell(
                format!("scale: {} has no scale subresource", object.kind),
                false,
            );
        }
        let ctx = object.context.clone();
        if self.readonly || self.policy.readonly(&ctx) {
            return tell(
                format!("read-only: {} is disabled in context {ctx}", word(kind)),
                true,
            );
        }
        let text = match &object.namespace {
            Some(ns) => format!("{} {ns}/{} in context {ctx}", object.kind, object.name),
            None => format!("{} {} in context {ctx}", object.kind, object.name),
        };
        let name = object.name.clone();
        let target = Target {
            object,
            rules: rules(scale).into(),
            paused: false,
            history: None,
            lock: None,
            lock_override: false,
        };
        let mut targets = vec![Acted {
            entity: entity.clone(),
            target,
            containers: vec![],
            images: vec![],
            ports: vec![],
            desired: None,
        }];
        let mut skipped = vec![];
        let subject = Subject::Entity(entity);
        match access::gate(
            &mut self.access,
            cat,
            kind,
            &subject,
            &mut targets,
            &mut skipped,
        ) {
            Gate::Go => {}
            Gate::Asking(fx) => {
                let m = Message::new(format!("{}: checking permissions…", word(kind)), false);
                return Started::Asking(m, fx);
            }
            Gate::Denied(why) => {
                return tell(format!("{}: not permitted — {why}", word(kind)), true);
            }
        }
        let protected = if self.policy.protected(&ctx) {
            vec![ctx]
        } else {
            vec![]
        };
        match Dialog::new(kind, text, name, targets, skipped, false, protected) {
            Ok(d) => Started::Dialog(d),
            Err(e) => tell(e, true),
        }
    }
}

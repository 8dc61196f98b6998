//! Actions from the TUI: which keys act ([`key_action`]), on what (the selected entity, the
//! detail's entity, or every workload of a matrix cell), what the blueprint allows (its
//! `actions` list, never a per-kind rule here), read-only refusal, the dialog before anything
//! is sent, the batches in flight and the rollouts they start. [`Actions`] owns that state;
//! it reads the current page and returns what the app must show or run.

pub mod access;
pub mod dialog;
pub mod generic;
pub mod govern;
pub mod policy;
pub mod rollout;
pub mod session;

use super::logs::{self, LogView};
use super::msg::Effect;
use super::outcome::{Ids, Message};
use super::page::Page;
use super::view::{RowKey, View};
use crate::actions::plan::refusal;
use crate::actions::{Action, Outcome, Target, applicable};
use crate::blueprint::{ActionKind, BpId};
use crate::catalog::{Catalog, EntityRef};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use dialog::{Acted, Dialog};
use policy::Policy;
use rollout::Rollout;
use std::collections::BTreeMap;
use std::sync::Arc;

/// What an action applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    Entity(EntityRef),
    /// A matrix cell: every workload of `service` in `env`.
    Cell {
        service: Arc<str>,
        env: Arc<str>,
    },
}

/// The action a key asks for: `r` restart, `i` redeploy, `s` scale (a shell where the
/// blueprint offers exec and not scale: pods), `^d` delete, `l` logs (in the matrix `l` moves
/// between environments), `f` port-forward.
pub fn key_action(k: &KeyEvent, is_matrix: bool) -> Option<ActionKind> {
    let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
    match k.code {
        KeyCode::Char('d') if ctrl => Some(ActionKind::Delete),
        _ if ctrl => None,
        KeyCode::Char('r') => Some(ActionKind::Restart),
        KeyCode::Char('i') => Some(ActionKind::Redeploy),
        KeyCode::Char('s') => Some(ActionKind::Scale),
        KeyCode::Char('l') if !is_matrix => Some(ActionKind::Logs),
        KeyCode::Char('u') => Some(ActionKind::Undo),
        KeyCode::Char('f') if !is_matrix => Some(ActionKind::PortForward),
        _ => None,
    }
}

/// Lower-case name of an action kind, for messages.
pub fn word(kind: ActionKind) -> &'static str {
    match kind {
        ActionKind::Restart => "restart",
        ActionKind::Redeploy => "redeploy",
        ActionKind::Scale => "scale",
        ActionKind::Delete => "delete",
        ActionKind::Logs => "logs",
        ActionKind::Undo => "undo",
        ActionKind::Exec => "exec",
        ActionKind::PortForward => "port-forward",
    }
}

/// Whether an action kind changes the cluster.
pub fn mutating(kind: ActionKind) -> bool {
    kind != ActionKind::Logs
}

/// The blueprint of running services (the matrix's rows), if the set has one.
pub fn running_service_blueprint(cat: &Catalog) -> Option<BpId> {
    cat.blueprints().roles().running_service
}

/// The blueprint whose `actions` apply on the page.
fn view_blueprint(page: &Page, cat: &Catalog) -> Option<BpId> {
    match &page.view {
        View::Fleet => None,
        View::Matrix => running_service_blueprint(cat),
        View::List { bp, .. } => Some(*bp),
        View::Detail { entity } => Some(entity.bp),
    }
}

/// What the selection is: the detail's entity, the selected row's entity, or the matrix cell.
pub fn subject(page: &Page) -> Option<Subject> {
    match &page.view {
        View::Detail { entity } => Some(Subject::Entity(entity.clone())),
        View::Matrix => match page.selected_key() {
            Some(RowKey::Service(s)) => Some(Subject::Cell {
                service: s.clone(),
                env: page.cache.envs.get(page.column)?.clone(),
            }),
            _ => None,
        },
        _ => match page.selected_key() {
            Some(RowKey::Entity(e)) => Some(Subject::Entity(e.clone())),
            _ => None,
        },
    }
}

/// The contexts a subject lives in (a cell may span several).
fn contexts(cat: &Catalog, s: &Subject) -> Vec<String> {
    let refs = match s {
        Subject::Entity(e) => vec![e.clone()],
        Subject::Cell { service, env } => cat
            .running_service(service, env)
            .map(|r| r.workloads)
            .unwrap_or_default(),
    };
    let mut out: Vec<String> = vec![];
    for e in refs {
        if let Some(c) = cat.cluster(e.cluster)
            && !out.contains(&c.name)
        {
            out.push(c.name.clone());
        }
    }
    out
}

/// An action run in flight: what was asked of whom, and the answers so far.
#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    pub action: Action,
    /// Each target with its `context/namespace/name`.
    pub labels: Vec<(EntityRef, String)>,
    pub pending: usize,
    pub ok: usize,
    pub failures: Vec<String>,
}

/// What a key asking for an action led to.
#[derive(Debug)]
pub enum Started {
    /// Refused or nothing to do, said in words.
    Told(Message),
    /// Nothing to say.
    Nothing,
    /// Ask first.
    Dialog(Dialog),
    /// The server is asked whether this is permitted; the key goes on when it answers.
    Asking(Message, Vec<Effect>),
    /// The logs view, with the effects that start its streams.
    Logs(LogView, Vec<Effect>),
    /// The rollout history (`undo`): the dialog waiting for a revision, and why undo is not
    /// possible here if it is not (read-only, not permitted) — the history still shows.
    History(Dialog, Option<String>),
    /// Send at once (a shell in a pod's only container).
    Run(Vec<(EntityRef, Target)>, Action),
}

/// The actions' state: who may act where, batches in flight, rollouts followed, and what
/// the current page offers (computed on update, read when drawing).
#[derive(Debug)]
pub struct Actions {
    /// `--readonly`: every context.
    readonly: bool,
    policy: Policy,
    batches: BTreeMap<u64, Batch>,
    rollouts: Vec<Rollout>,
    offered: Vec<ActionKind>,
    /// Actions the server denies on the selection, with who may not do what.
    denied: Vec<(ActionKind, String)>,
    readonly_here: Option<String>,
    /// What the server lets the user do (access reviews), asked before confirming.
    access: access::AccessState,
}

impl Actions {
    pub fn new(readonly: bool) -> Actions {
        Actions {
            readonly,
            policy: Policy::global(readonly),
            batches: BTreeMap::new(),
            rollouts: vec![],
            offered: vec![],
            denied: vec![],
            readonly_here: None,
            access: access::AccessState::default(),
        }
    }

    /// Who may act where (from the executor).
    pub fn set_policy(&mut self, policy: Policy) {
        self.policy = policy;
    }

    /// Ask the server before confirming (at runtime; fixtures have no server). `users`: the
    /// kubeconfig user of each context, named until the server says who the user is.
    pub fn enable_access(&mut self, users: impl IntoIterator<Item = (String, String)>) {
        self.access.enabled = true;
        for (context, user) in users {
            self.access.cache.set_fallback_user(&context, user);
        }
    }

    /// Access answers arrived: remember them; the action key that waited for them, if the
    /// selection is still the one it was pressed on ([`Actions::settle_access`] after it).
    pub fn answered(
        &mut self,
        page: &Page,
        context: String,
        user: Option<String>,
        answers: Vec<(
            crate::actions::access::Attributes,
            Result<crate::actions::access::Verdict, String>,
        )>,
    ) -> Option<ActionKind> {
        access::answered(&mut self.access, page, context, user, answers)
    }

    /// The key that waited for access answers went on: unanswered reviews are asked again
    /// next time.
    pub fn settle_access(&mut self) {
        access::settle(&mut self.access);
    }

    /// The help is open: ask ahead about the selection's mutating actions, so the help can say
    /// which are not permitted.
    pub fn prefetch(&mut self, page: &Page, cat: &Catalog) -> Vec<Effect> {
        let kinds = self.offered.clone();
        access::prefetch(&mut self.access, page, cat, &kinds)
    }

    /// The actions denied on the selection (as of the last [`Actions::sync`]).
    pub fn denied(&self) -> &[(ActionKind, String)] {
        &self.denied
    }

    pub fn batches(&self) -> &BTreeMap<u64, Batch> {
        &self.batches
    }

    pub fn rollouts(&self) -> &[Rollout] {
        &self.rollouts
    }

    /// The actions offered on the page (as of the last [`Actions::sync`]).
    pub fn offered(&self) -> &[ActionKind] {
        &self.offered
    }

    /// Whether the status line says READ-ONLY (as of the last [`Actions::sync`]).
    pub fn readonly_badge(&self) -> bool {
        self.readonly || self.readonly_here.is_some()
    }

    /// `x`: forget the rollout lines; false when there were none.
    pub fn dismiss(&mut self) -> bool {
        let any = !self.rollouts.is_empty();
        self.rollouts.clear();
        any
    }

    /// Bring the rollouts up to date; true when what is shown changed.
    pub fn refresh_rollouts(&mut self, cat: &Catalog, now: i64) -> bool {
        rollout::refresh(&mut self.rollouts, cat, now)
    }

    /// Recompute what the page offers and whether its context is read-only.
    pub fn sync(&mut self, page: &Page, cat: &Catalog) {
        self.readonly_here = self.readonly_at(page, cat);
        let Some(bp) = view_blueprint(page, cat) else {
            self.offered = vec![];
            self.denied = vec![];
            return;
        };
        let readonly = self.readonly || self.readonly_here.is_some();
        // For a selected entity, the actions its kind takes; else the blueprint's.
        let kinds = match subject(page) {
            Some(Subject::Entity(e)) if e.bp == bp => applicable(cat, &e),
            _ => cat.blueprint(bp).actions().to_vec(),
        };
        self.denied = access::denied(&self.access, page, cat, &kinds);
        self.offered = kinds
            .into_iter()
            .filter(|k| !(readonly && mutating(*k)))
            .filter(|k| !self.denied.iter().any(|(d, _)| d == k))
            .collect();
    }

    /// The read-only context where the page is (the selection's, else the page's cluster),
    /// if any: the status line says READ-ONLY, help hides mutating keys.
    fn readonly_at(&self, page: &Page, cat: &Catalog) -> Option<String> {
        let ctxs = match subject(page) {
            Some(s) => contexts(cat, &s),
            None => match &page.view {
                View::List { scope, .. } => scope
                    .cluster()
                    .and_then(|c| cat.cluster(c))
                    .map(|c| vec![c.name.clone()])
                    .unwrap_or_default(),
                _ => vec![],
            },
        };
        ctxs.into_iter().find(|c| self.policy.readonly(c))
    }

    /// A key asked for `kind` on the page's selection: check, then a dialog (or the logs).
    pub fn start(
        &mut self,
        page: &Page,
        cat: &Catalog,
        kind: ActionKind,
        ids: &mut Ids,
    ) -> Started {
        let tell = |text: String, error: bool| Started::Told(Message::new(text, error));
        let Some(bp) = view_blueprint(page, cat) else {
            return Started::Nothing;
        };
        let kind = session::key_kind(kind, cat.blueprint(bp).actions());
        let spec = &cat.blueprint(bp).spec;
        if !cat.blueprint(bp).actions().contains(&kind) {
            let what = spec.plural.as_deref().unwrap_or(&spec.identifier);
            return tell(format!("{} does not apply to {what}", word(kind)), false);
        }
        let Some(subject) = subject(page) else {
            return Started::Nothing;
        };
        if let Subject::Entity(e) = &subject
            && !applicable(cat, e).contains(&kind)
            && let Some(r) = cat.get(e)
        {
            let why = crate::actions::Refusal::NotOffered {
                action: kind.name(),
                kind: super::view::kind_of(cat, r).to_string(),
            };
            return tell(why.to_string(), false);
        }
        if kind == ActionKind::Logs {
            return match subject {
                Subject::Entity(e) => match logs::open(cat, &e, ids) {
                    Ok((v, fx)) => Started::Logs(v, fx),
                    Err(m) => Started::Told(m),
                },
                Subject::Cell { service, .. } => tell(
                    format!("logs: open a workload of {service} first (Enter)"),
                    false,
                ),
            };
        }
        let mut blocked = None;
        if let Some(ctx) = contexts(cat, &subject)
            .into_iter()
            .find(|c| self.policy.readonly(c))
        {
            let why = match self.policy.reason(&ctx) {
                Some(r) => format!(
                    "read-only: {} is disabled in context {ctx}: {r}",
                    word(kind)
                ),
                None => format!("read-only: {} is disabled in context {ctx}", word(kind)),
            };
            if kind != ActionKind::Undo {
                return tell(why, true);
            }
            // The history is a read: it shows, without undo.
            blocked = Some(why);
        }
        let (entities, text, name, many) = match &subject {
            Subject::Entity(e) => {
                let Some(t) = Target::of(cat, e) else {
                    return tell("that entity is gone from the catalog".into(), true);
                };
                let what = match &t.namespace {
                    Some(ns) => format!("{} {ns}/{} in context {}", t.kind, t.name, t.context),
                    None => format!("{} {} in context {}", t.kind, t.name, t.context),
                };
                (vec![e.clone()], what, t.name.clone(), false)
            }
            Subject::Cell { service, env } => {
                let Some(rs) = cat.running_service(service, env) else {
                    return tell(format!("{service} does not run in {env}"), false);
                };
                let what = format!("running service {service} in {env}");
                (rs.workloads, what, service.to_string(), true)
            }
        };
        let probe = probe(kind);
        let mut targets = vec![];
        let mut skipped = vec![];
        for e in entities {
            let Some(t) = Target::of(cat, &e) else {
                continue;
            };
            let a = acted(cat, e, t);
            match refusal(&a.target, &probe) {
                Some(why) => skipped.push((a.label(), why.to_string())),
                None => targets.push(a),
            }
        }
        targets.sort_by_key(|a| a.label());
        if targets.is_empty() {
            let why = skipped
                .first()
                .map(|(_, w)| w.clone())
                .unwrap_or_else(|| format!("nothing to {}", word(kind)));
            return tell(why, true);
        }
        let gate = if blocked.is_some() {
            access::Gate::Go
        } else {
            access::gate(
                &mut self.access,
                cat,
                kind,
                &subject,
                &mut targets,
                &mut skipped,
            )
        };
        match gate {
            access::Gate::Go => {}
            access::Gate::Asking(fx) => {
                let m = Message::new(format!("{}: checking permissions…", word(kind)), false);
                return Started::Asking(m, fx);
            }
            access::Gate::Denied(why) if kind == ActionKind::Undo => {
                blocked = Some(format!("{}: not permitted — {why}", word(kind)));
            }
            access::Gate::Denied(why) => {
                return tell(format!("{}: not permitted — {why}", word(kind)), true);
            }
        }
        let mut protected: Vec<String> = vec![];
        for a in &targets {
            let c = &a.target.context;
            if self.policy.protected(c) && !protected.contains(c) {
                protected.push(c.clone());
            }
        }
        let (service, locks) = govern::locks_of(cat, &subject, &targets);
        if matches!(kind, ActionKind::Exec | ActionKind::PortForward) {
            return session::start(kind, text, name, targets, skipped, (service, locks));
        }
        match Dialog::new(kind, text, name, targets, skipped, many, protected) {
            Ok(d) if kind == ActionKind::Undo => {
                Started::History(d.with_locks(service, locks), blocked)
            }
            Ok(d) => Started::Dialog(d.with_locks(service, locks)),
            Err(e) => tell(e, true),
        }
    }

    /// Hand a confirmed action to the runner, never for a read-only context.
    pub fn emit(
        &mut self,
        targets: Vec<(EntityRef, Target)>,
        action: Action,
        ids: &mut Ids,
    ) -> (Vec<Effect>, Option<Message>) {
        if let Some((_, t)) = targets
            .iter()
            .find(|(_, t)| self.policy.readonly(&t.context))
        {
            let m = format!(
                "read-only: {} is disabled in context {}",
                action.verb(),
                t.context
            );
            return (vec![], Some(Message::new(m, true)));
        }
        if targets.is_empty() {
            return (vec![], None);
        }
        let batch = ids.fresh();
        let labels: Vec<(EntityRef, String)> = targets
            .iter()
            .map(|(e, t)| {
                let l = match &t.namespace {
                    Some(ns) => format!("{}/{ns}/{}", t.context, t.name),
                    None => format!("{}/{}", t.context, t.name),
                };
                (e.clone(), l)
            })
            .collect();
        let n = labels.len();
        let m = Message::new(session::sending(&action, &labels), false);
        self.batches.insert(
            batch,
            Batch {
                action: action.clone(),
                labels,
                pending: n,
                ok: 0,
                failures: vec![],
            },
        );
        let fx = vec![Effect::Act {
            batch,
            targets,
            action,
        }];
        (fx, Some(m))
    }

    /// One target answered: the outcome to tell (summed up over a batch); follow the rollout.
    pub fn acted(&mut self, cat: &Catalog, batch: u64, entity: EntityRef, out: Outcome) -> Message {
        access::after(&mut self.access, cat, &entity, &out);
        let Some(b) = self.batches.get_mut(&batch) else {
            return Message::new(out.message, !out.ok);
        };
        b.pending = b.pending.saturating_sub(1);
        let label = b
            .labels
            .iter()
            .find(|(e, _)| *e == entity)
            .map(|(_, l)| l.clone())
            .unwrap_or_else(|| entity.uid.to_string());
        let rolls = matches!(
            b.action,
            Action::Restart | Action::SetImage { .. } | Action::Undo { .. }
        );
        if out.ok {
            b.ok += 1;
            if rolls {
                rollout::track(&mut self.rollouts, cat, entity, label, out.generation);
            }
        } else {
            b.failures.push(format!("{label}: {}", out.message));
        }
        let total = b.labels.len();
        let what = b.action.describe();
        let (text, error) = if total == 1 {
            (out.message, !out.ok)
        } else if b.pending > 0 {
            (
                format!("{what}: {}/{total} answered…", total - b.pending),
                false,
            )
        } else if b.failures.is_empty() {
            (format!("{what}: done on all {total}"), false)
        } else {
            (
                format!(
                    "{what}: {} of {total} done; {}",
                    b.ok,
                    b.failures.join("; ")
                ),
                true,
            )
        };
        if b.pending == 0 {
            self.batches.remove(&batch);
        }
        Message::new(text, error)
    }
}

/// An action of `kind` with placeholder inputs, to ask [`refusal`] about the kind and state
/// of a target before asking the user anything.
fn probe(kind: ActionKind) -> Action {
    match kind {
        ActionKind::Restart => Action::Restart,
        ActionKind::Redeploy => Action::SetImage {
            container: String::new(),
            image: "probe".into(),
        },
        ActionKind::Scale => Action::Scale { replicas: 0 },
        ActionKind::Delete | ActionKind::Logs => Action::Delete,
        ActionKind::Undo => Action::Undo { to_revision: 0 },
        ActionKind::Exec | ActionKind::PortForward => session::probe(kind),
    }
}

/// A target with its containers, images and desired replicas from the catalog: the
/// properties its kind's redeploy and scale rules name.
fn acted(cat: &Catalog, entity: EntityRef, target: Target) -> Acted {
    let r = cat.get(&entity);
    let prop = |i: Option<usize>| i.and_then(|i| r.and_then(|r| r.props.get(i)));
    let list = |i: Option<usize>| -> Vec<String> {
        prop(i)
            .map(|v| v.as_list().iter().map(|s| s.to_string()).collect())
            .unwrap_or_default()
    };
    let redeploy = target.rule(ActionKind::Redeploy);
    let scale = target.rule(ActionKind::Scale);
    let containers = redeploy
        .and_then(|x| x.containers)
        .or_else(|| target.rule(ActionKind::Exec).and_then(|x| x.containers));
    Acted {
        ports: list(target.rule(ActionKind::PortForward).and_then(|x| x.ports)),
        containers: list(containers),
        images: list(redeploy.and_then(|x| x.images)),
        desired: prop(scale.and_then(|x| x.replicas)).and_then(|v| v.as_int()),
        entity,
        target,
    }
}

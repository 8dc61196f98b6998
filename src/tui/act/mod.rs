//! Actions from the TUI: which keys act ([`key_action`]), on what (the selected entity, the
//! detail's entity, or every workload of a matrix cell), what the blueprint allows (its
//! `actions` list, never a per-kind rule here), read-only refusal, the dialog before anything
//! is sent, and the outcomes coming back.

pub mod access;
pub mod dialog;
pub mod policy;
pub mod rollout;

use super::app::{App, Overlay};
use super::logs;
use super::msg::Effect;
use super::view::{RowKey, View};
use crate::actions::plan::refusal;
use crate::actions::{Action, Outcome, Target, applicable};
use crate::blueprint::{ActionKind, BpId};
use crate::catalog::{Catalog, EntityRef};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use dialog::{Acted, Answer, Dialog};
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

/// The action a key asks for: `r` restart, `i` redeploy, `s` scale, `^d` delete, `l` logs
/// (in the matrix `l` moves between environments).
pub fn key_action(k: &KeyEvent, is_matrix: bool) -> Option<ActionKind> {
    let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
    match k.code {
        KeyCode::Char('d') if ctrl => Some(ActionKind::Delete),
        _ if ctrl => None,
        KeyCode::Char('r') => Some(ActionKind::Restart),
        KeyCode::Char('i') => Some(ActionKind::Redeploy),
        KeyCode::Char('s') => Some(ActionKind::Scale),
        KeyCode::Char('l') if !is_matrix => Some(ActionKind::Logs),
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

/// The blueprint whose `actions` apply on the current page.
fn view_blueprint(app: &App, cat: &Catalog) -> Option<BpId> {
    match &app.page().view {
        View::Fleet => None,
        View::Matrix => running_service_blueprint(cat),
        View::List { bp, .. } => Some(*bp),
        View::Detail { entity } => Some(entity.bp),
    }
}

/// The blueprint's actions on the current page (before read-only and access filtering).
pub fn actions_here(app: &App, cat: &Catalog) -> Vec<ActionKind> {
    view_blueprint(app, cat)
        .map(|bp| cat.blueprint(bp).actions().to_vec())
        .unwrap_or_default()
}

/// What the selection is: the detail's entity, the selected row's entity, or the matrix cell.
pub fn subject(app: &App) -> Option<Subject> {
    let page = app.page();
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

/// The read-only context where the current page is (the selection's, else the page's
/// cluster), if any: the status line says READ-ONLY, help hides mutating keys.
pub fn readonly_here(app: &App, cat: &Catalog) -> Option<String> {
    let ctxs = match subject(app) {
        Some(s) => contexts(cat, &s),
        None => match &app.page().view {
            View::List { scope, .. } => scope
                .cluster()
                .and_then(|c| cat.cluster(c))
                .map(|c| vec![c.name.clone()])
                .unwrap_or_default(),
            _ => vec![],
        },
    };
    ctxs.into_iter().find(|c| app.policy.readonly(c))
}

/// The actions offered on the current page: the blueprint's list (for a selected entity, those
/// its kind takes), without the mutating ones where the context is read-only.
pub fn offered(app: &App, cat: &Catalog) -> Vec<ActionKind> {
    let Some(bp) = view_blueprint(app, cat) else {
        return vec![];
    };
    let readonly = app.readonly || readonly_here(app, cat).is_some();
    let kinds = match subject(app) {
        Some(Subject::Entity(e)) if e.bp == bp => applicable(cat, &e),
        _ => cat.blueprint(bp).actions().to_vec(),
    };
    let denied: Vec<ActionKind> = access::denied(app, cat, &kinds)
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    kinds
        .into_iter()
        .filter(|k| !(readonly && mutating(*k)))
        .filter(|k| !denied.contains(k))
        .collect()
}

/// A key asked for `kind` on the selection: check, then open the dialog (or the logs view).
pub fn start(app: &mut App, cat: &Catalog, kind: ActionKind) -> Vec<Effect> {
    let Some(bp) = view_blueprint(app, cat) else {
        return vec![];
    };
    let spec = &cat.blueprint(bp).spec;
    if !cat.blueprint(bp).actions().contains(&kind) {
        let what = spec.plural.as_deref().unwrap_or(&spec.identifier);
        app.tell(format!("{} does not apply to {what}", word(kind)), false);
        return vec![];
    }
    let Some(subject) = subject(app) else {
        return vec![];
    };
    if let Subject::Entity(e) = &subject
        && !applicable(cat, e).contains(&kind)
        && let Some(r) = cat.get(e)
    {
        let why = crate::actions::Refusal::NotOffered {
            action: kind.name(),
            kind: super::view::kind_of(cat, r).to_string(),
        };
        app.tell(why.to_string(), false);
        return vec![];
    }
    if kind == ActionKind::Logs {
        return match subject {
            Subject::Entity(e) => logs::open(app, cat, &e),
            Subject::Cell { service, .. } => {
                app.tell(
                    format!("logs: open a workload of {service} first (Enter)"),
                    false,
                );
                vec![]
            }
        };
    }
    if let Some(ctx) = contexts(cat, &subject)
        .into_iter()
        .find(|c| app.policy.readonly(c))
    {
        app.tell(
            format!("read-only: {} is disabled in context {ctx}", word(kind)),
            true,
        );
        return vec![];
    }
    let (entities, text, name, many) = match &subject {
        Subject::Entity(e) => {
            let Some(t) = Target::of(cat, e) else {
                app.tell("that entity is gone from the catalog", true);
                return vec![];
            };
            let what = match &t.namespace {
                Some(ns) => format!("{} {ns}/{} in context {}", t.kind, t.name, t.context),
                None => format!("{} {} in context {}", t.kind, t.name, t.context),
            };
            (vec![e.clone()], what, t.name.clone(), false)
        }
        Subject::Cell { service, env } => {
            let Some(rs) = cat.running_service(service, env) else {
                app.tell(format!("{service} does not run in {env}"), false);
                return vec![];
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
        app.tell(why, true);
        return vec![];
    }
    if let Some(fx) = access::gate(app, cat, kind, &subject, &mut targets, &mut skipped) {
        return fx;
    }
    let mut protected: Vec<String> = vec![];
    for a in &targets {
        let c = &a.target.context;
        if app.policy.protected(c) && !protected.contains(c) {
            protected.push(c.clone());
        }
    }
    match Dialog::new(kind, text, name, targets, skipped, many, protected) {
        Ok(d) => app.overlay = Some(Overlay::Dialog(d)),
        Err(e) => app.tell(e, true),
    }
    vec![]
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
    Acted {
        containers: list(redeploy.and_then(|x| x.containers)),
        images: list(redeploy.and_then(|x| x.images)),
        desired: prop(scale.and_then(|x| x.replicas)).and_then(|v| v.as_int()),
        entity,
        target,
    }
}

/// A key while the dialog is open.
pub fn dialog_key(app: &mut App, mut d: Dialog, k: KeyEvent) -> Vec<Effect> {
    match d.key(k) {
        Answer::Keep => {
            app.overlay = Some(Overlay::Dialog(d));
            vec![]
        }
        Answer::Cancel => {
            app.tell(
                format!("{}: cancelled, nothing was sent", word(d.kind)),
                false,
            );
            vec![]
        }
        Answer::Confirm(targets, action) => emit(app, targets, action),
    }
}

/// Hand a confirmed action to the runner, never for a read-only context.
pub fn emit(app: &mut App, targets: Vec<(EntityRef, Target)>, action: Action) -> Vec<Effect> {
    if let Some((_, t)) = targets
        .iter()
        .find(|(_, t)| app.policy.readonly(&t.context))
    {
        let m = format!(
            "read-only: {} is disabled in context {}",
            action.verb(),
            t.context
        );
        app.tell(m, true);
        return vec![];
    }
    if targets.is_empty() {
        return vec![];
    }
    let batch = app.next_id();
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
    app.tell(
        format!(
            "{}: sending to {n} object{}…",
            action.describe(),
            if n == 1 { "" } else { "s" }
        ),
        false,
    );
    app.batches.insert(
        batch,
        Batch {
            action: action.clone(),
            labels,
            pending: n,
            ok: 0,
            failures: vec![],
        },
    );
    vec![Effect::Act {
        batch,
        targets,
        action,
    }]
}

/// One target answered: tell the outcome (summed up over a batch), follow the rollout.
pub fn acted_reply(app: &mut App, cat: &Catalog, batch: u64, entity: EntityRef, out: Outcome) {
    let Some(b) = app.batches.get_mut(&batch) else {
        app.tell(out.message, !out.ok);
        return;
    };
    b.pending = b.pending.saturating_sub(1);
    let label = b
        .labels
        .iter()
        .find(|(e, _)| *e == entity)
        .map(|(_, l)| l.clone())
        .unwrap_or_else(|| entity.uid.to_string());
    let rolls = matches!(b.action, Action::Restart | Action::SetImage { .. });
    if out.ok {
        b.ok += 1;
        if rolls {
            rollout::track(&mut app.rollouts, cat, entity, label, out.generation);
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
        app.batches.remove(&batch);
    }
    app.tell(text, error);
}

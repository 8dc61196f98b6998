//! The TUI's side of access reviews: before a confirmation, ask the server (asynchronously,
//! as an effect) whether the user may send the action's request; a denied action never
//! reaches a confirmation, and the help says who may not do what. The cache, request shapes
//! and wording live in [`crate::actions::access`].

use super::dialog::Acted;
use super::{Subject, mutating, probe, subject, word};
use crate::actions::access::{AccessCache, Attributes, Known, Verdict};
use crate::actions::{Outcome, Target};
use crate::blueprint::ActionKind;
use crate::catalog::{Catalog, EntityRef};
use crate::tui::app::App;
use crate::tui::msg::Effect;
use std::collections::HashSet;

/// Access reviews in the TUI: off without an API server to ask (fixtures), on at runtime.
#[derive(Debug, Clone, Default)]
pub struct AccessState {
    pub enabled: bool,
    pub cache: AccessCache,
    /// Contexts whose user was asked for.
    asked_user: HashSet<String>,
    /// An action key waiting for answers; it goes on if the selection is still the same.
    resume: Option<(ActionKind, Subject)>,
}

impl AccessState {
    /// Effects asking what is not known yet about `(context, attributes)` pairs.
    fn ask(&mut self, cat: &Catalog, wanted: &[(String, Attributes)]) -> Vec<Effect> {
        let mut contexts: Vec<&String> = wanted.iter().map(|(c, _)| c).collect();
        contexts.sort();
        contexts.dedup();
        let mut out = vec![];
        for ctx in contexts {
            // A context the catalog does not know has no client to ask: nothing is pending.
            let Some(cluster) = cat.cluster_by_name(ctx) else {
                continue;
            };
            let attrs: Vec<Attributes> = wanted
                .iter()
                .filter(|(c, _)| c == ctx)
                .map(|(_, a)| a.clone())
                .collect();
            let checks = self.cache.ask(ctx, &attrs);
            let whoami = self.asked_user.insert(ctx.clone());
            if !checks.is_empty() || whoami {
                out.push(Effect::CheckAccess {
                    cluster,
                    context: ctx.clone(),
                    checks,
                    whoami,
                });
            }
        }
        out
    }
}

/// The attributes of the request `kind` would send to `t`.
fn attributes(t: &Target, kind: ActionKind) -> Option<(String, Attributes)> {
    Attributes::of_action(t, &probe(kind)).map(|a| (t.context.clone(), a))
}

/// Before the dialog: with every answer in, moves the denied targets to `skipped` (with who
/// may not do what) and returns `None` to go on, or `Some(effects)` to stop here — asking the
/// server first (the key goes on when the answers arrive), or telling why nothing is allowed.
pub fn gate(
    app: &mut App,
    cat: &Catalog,
    kind: ActionKind,
    subject: &Subject,
    targets: &mut Vec<Acted>,
    skipped: &mut Vec<(String, String)>,
) -> Option<Vec<Effect>> {
    if !app.access.enabled || !mutating(kind) {
        return None;
    }
    let wanted: Vec<(String, Attributes)> = targets
        .iter()
        .filter_map(|a| attributes(&a.target, kind))
        .collect();
    let effects = app.access.ask(cat, &wanted);
    let waiting = wanted
        .iter()
        .any(|(c, a)| matches!(app.access.cache.get(c, a), Some(Known::Pending)));
    if waiting {
        app.access.resume = Some((kind, subject.clone()));
        app.tell(format!("{}: checking permissions…", word(kind)), false);
        return Some(effects);
    }
    let cache = &app.access.cache;
    let mut denied = vec![];
    targets.retain(|a| {
        let why = attributes(&a.target, kind).and_then(|(c, at)| cache.denial(&c, &at));
        match why {
            Some(why) => {
                denied.push((a.label(), why));
                false
            }
            None => true,
        }
    });
    if targets.is_empty()
        && let Some((_, why)) = denied.first()
    {
        app.tell(format!("{}: not permitted — {why}", word(kind)), true);
        return Some(vec![]);
    }
    skipped.extend(denied);
    None
}

/// Answers arrived: remember them, and go on with a key that waited for them.
pub fn answered(
    app: &mut App,
    cat: &Catalog,
    context: String,
    user: Option<String>,
    answers: Vec<(Attributes, Result<Verdict, String>)>,
) -> Vec<Effect> {
    if let Some(u) = user {
        app.access.cache.set_user(&context, u);
    }
    for (a, verdict) in answers {
        app.access.cache.answer(&context, a, verdict);
    }
    app.dirty = true;
    let fx = match app.access.resume.take() {
        Some((kind, s)) if app.overlay.is_none() && subject(app).as_ref() == Some(&s) => {
            super::start(app, cat, kind)
        }
        _ => vec![],
    };
    // A review that got no answer let this key go on (the server decides when the action is
    // sent); the next key asks again.
    app.access.cache.forget_unanswered();
    fx
}

/// An action failed: the server may have refused it, so the verdicts of its context and
/// namespace are asked again next time.
pub fn after(app: &mut App, cat: &Catalog, entity: &EntityRef, outcome: &Outcome) {
    if outcome.ok {
        return;
    }
    let (Some(c), Some(r)) = (cat.cluster(entity.cluster), cat.get(entity)) else {
        return;
    };
    let ns = r.namespace.as_deref().map(str::to_string);
    app.access.cache.forget(&c.name, ns.as_deref());
}

/// The targets of a subject (a cell: all its workloads).
fn targets(cat: &Catalog, s: &Subject) -> Vec<Target> {
    let refs = match s {
        Subject::Entity(e) => vec![e.clone()],
        Subject::Cell { service, env } => cat
            .running_service(service, env)
            .map(|r| r.workloads)
            .unwrap_or_default(),
    };
    refs.iter().filter_map(|e| Target::of(cat, e)).collect()
}

/// The actions of `kinds` denied on every target of the selection, with who may not do what.
pub fn denied(app: &App, cat: &Catalog, kinds: &[ActionKind]) -> Vec<(ActionKind, String)> {
    if !app.access.enabled {
        return vec![];
    }
    let Some(s) = subject(app) else {
        return vec![];
    };
    let ts = targets(cat, &s);
    kinds
        .iter()
        .filter(|k| mutating(**k))
        .filter_map(|&k| {
            let whys: Vec<Option<String>> = ts
                .iter()
                .filter_map(|t| attributes(t, k))
                .map(|(c, a)| app.access.cache.denial(&c, &a))
                .collect();
            if whys.is_empty() || whys.iter().any(Option::is_none) {
                return None;
            }
            whys.into_iter().flatten().next().map(|w| (k, w))
        })
        .collect()
}

/// Ask ahead (the help is open): the selection's mutating actions, so the help can say which
/// are not permitted.
pub fn prefetch(app: &mut App, cat: &Catalog, kinds: &[ActionKind]) -> Vec<Effect> {
    if !app.access.enabled {
        return vec![];
    }
    let Some(s) = subject(app) else {
        return vec![];
    };
    let ts = targets(cat, &s);
    let wanted: Vec<(String, Attributes)> = kinds
        .iter()
        .filter(|k| mutating(**k))
        .flat_map(|&k| ts.iter().filter_map(move |t| attributes(t, k)))
        .collect();
    app.access.ask(cat, &wanted)
}

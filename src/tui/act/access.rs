//! The TUI's side of access reviews: before a confirmation, ask the server (asynchronously,
//! as an effect) whether the user may send the action's request; a denied action never
//! reaches a confirmation, and the help says who may not do what. The cache, request shapes
//! and wording live in [`crate::actions::access`].

use super::dialog::Acted;
use super::{Subject, mutating, probe, subject};
use crate::actions::access::{AccessCache, Attributes, Known, Verdict};
use crate::actions::{Outcome, Target};
use crate::blueprint::ActionKind;
use crate::catalog::{Catalog, EntityRef};
use crate::tui::msg::Effect;
use crate::tui::page::Page;
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

/// What the access check says before a dialog.
#[derive(Debug)]
pub enum Gate {
    /// Every answer is in; denied targets were moved to the skipped ones.
    Go,
    /// Asking the server first (these effects); the key goes on when the answers arrive.
    Asking(Vec<Effect>),
    /// Nothing is permitted: who may not do what.
    Denied(String),
}

/// Before the dialog: with every answer in, moves the denied targets to `skipped` (with who
/// may not do what) and goes on; else asks the server first, or says why nothing is allowed.
pub fn gate(
    st: &mut AccessState,
    cat: &Catalog,
    kind: ActionKind,
    subject: &Subject,
    targets: &mut Vec<Acted>,
    skipped: &mut Vec<(String, String)>,
) -> Gate {
    if !st.enabled || !mutating(kind) {
        return Gate::Go;
    }
    let wanted: Vec<(String, Attributes)> = targets
        .iter()
        .filter_map(|a| attributes(&a.target, kind))
        .collect();
    let effects = st.ask(cat, &wanted);
    let waiting = wanted
        .iter()
        .any(|(c, a)| matches!(st.cache.get(c, a), Some(Known::Pending)));
    if waiting {
        st.resume = Some((kind, subject.clone()));
        return Gate::Asking(effects);
    }
    let cache = &st.cache;
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
        return Gate::Denied(why.clone());
    }
    skipped.extend(denied);
    Gate::Go
}

/// Answers arrived: remember them; the action key that waited for them, if the selection is
/// still the one it was pressed on. Call [`settle`] once that key went on.
pub fn answered(
    st: &mut AccessState,
    page: &Page,
    context: String,
    user: Option<String>,
    answers: Vec<(Attributes, Result<Verdict, String>)>,
) -> Option<ActionKind> {
    if let Some(u) = user {
        st.cache.set_user(&context, u);
    }
    for (a, verdict) in answers {
        st.cache.answer(&context, a, verdict);
    }
    match st.resume.take() {
        Some((kind, s)) if subject(page).as_ref() == Some(&s) => Some(kind),
        _ => None,
    }
}

/// After the key that waited went on: a review that got no answer let it go on (the server
/// decides when the action is sent); the next key asks again.
pub fn settle(st: &mut AccessState) {
    st.cache.forget_unanswered();
}

/// An action failed: the server may have refused it, so the verdicts of its context and
/// namespace are asked again next time.
pub fn after(st: &mut AccessState, cat: &Catalog, entity: &EntityRef, outcome: &Outcome) {
    if outcome.ok {
        return;
    }
    let (Some(c), Some(r)) = (cat.cluster(entity.cluster), cat.get(entity)) else {
        return;
    };
    let ns = r.namespace.as_deref().map(str::to_string);
    st.cache.forget(&c.name, ns.as_deref());
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
pub fn denied(
    st: &AccessState,
    page: &Page,
    cat: &Catalog,
    kinds: &[ActionKind],
) -> Vec<(ActionKind, String)> {
    if !st.enabled {
        return vec![];
    }
    let Some(s) = subject(page) else {
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
                .map(|(c, a)| st.cache.denial(&c, &a))
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
pub fn prefetch(
    st: &mut AccessState,
    page: &Page,
    cat: &Catalog,
    kinds: &[ActionKind],
) -> Vec<Effect> {
    if !st.enabled {
        return vec![];
    }
    let Some(s) = subject(page) else {
        return vec![];
    };
    let ts = targets(cat, &s);
    let wanted: Vec<(String, Attributes)> = kinds
        .iter()
        .filter(|k| mutating(**k))
        .flat_map(|&k| ts.iter().filter_map(move |t| attributes(t, k)))
        .collect();
    st.ask(cat, &wanted)
}

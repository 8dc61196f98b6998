//! Degrade rules: the config file's `rules:` compiled ([`compile`]) and an [`Evaluator`] that
//! turns observations of running services at injected times into [`Firing`]s — pure, no clock,
//! no I/O. A firing happens once per episode (the condition entered and held); a flap shorter
//! than the hold never fires; an automatic action is allowed at most once per running service
//! per cooldown, refused or not, so nothing loops. What runs a firing: [`hook`] (a command
//! with the firing on stdin, on its own task, timed out) and [`act`] (the action through the
//! same plan → access review → executor path as a person's).
//!
//! "The last change before it" comes from the versions the evaluator saw change; the change
//! timeline can replace that by implementing [`ChangeSource`].

pub mod act;
pub mod hook;
pub mod observe;
pub mod run;

use crate::blueprint::ActionKind;
use crate::catalog::Health;
use crate::config::rules::{HookSpec, RuleSpec};
use crate::config::user::glob_match;
use serde::Serialize;
use std::collections::{HashMap, VecDeque};

/// A rule the config file got wrong: which rule, on which line, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: rule {rule:?}: {message}")]
pub struct RuleError {
    pub file: String,
    pub line: usize,
    pub rule: String,
    pub message: String,
}

/// What makes a rule fire.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    Health(Vec<Health>),
    ReadyBelow(f64),
    RestartsGrowing(i64),
}

/// A compiled rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub name: String,
    pub services: Vec<String>,
    pub environments: Vec<String>,
    pub condition: Condition,
    /// Milliseconds the condition must hold (the window for restarts).
    pub hold_ms: i64,
    pub hook: Option<HookSpec>,
    pub action: Option<ActionKind>,
    pub cooldown_ms: i64,
}

impl Rule {
    fn matches(&self, service: &str, env: &str) -> bool {
        let any =
            |pats: &[String], s: &str| pats.is_empty() || pats.iter().any(|p| glob_match(p, s));
        any(&self.services, service) && any(&self.environments, env)
    }
}

/// The actions a rule may run: those that need nothing typed by a person (`undo` rolls back to
/// the previous revision, as `kubectl rollout undo` without `--to-revision`).
pub const AUTOMATIC_ACTIONS: [ActionKind; 2] = [ActionKind::Restart, ActionKind::Undo];

const HEALTHS: [Health; 6] = [
    Health::Unknown,
    Health::Healthy,
    Health::Paused,
    Health::Progressing,
    Health::Degraded,
    Health::Failed,
];

/// Check and compile the rules of the config file `file` (its `text` places errors on lines).
pub fn compile(specs: &[RuleSpec], file: &str, text: &str) -> Result<Vec<Rule>, RuleError> {
    let mut out = Vec::new();
    for (i, s) in specs.iter().enumerate() {
        let line = rule_line(text, &s.name, i);
        let err = |message: String| RuleError {
            file: file.to_string(),
            line,
            rule: s.name.clone(),
            message,
        };
        if specs[..i].iter().any(|o| o.name == s.name) {
            return Err(err("duplicate rule name".into()));
        }
        let w = &s.when;
        let mut conditions = Vec::new();
        if !w.health.is_empty() {
            let mut hs = Vec::new();
            for h in &w.health {
                match HEALTHS.iter().find(|x| x.label() == h) {
                    Some(x) => hs.push(*x),
                    None => {
                        return Err(err(format!(
                            "when: health: unknown health {h:?} (one of {})",
                            HEALTHS.map(Health::label).join(", ")
                        )));
                    }
                }
            }
            conditions.push(Condition::Health(hs));
        }
        if let Some(f) = w.ready_below {
            if !(f > 0.0 && f <= 1.0) {
                return Err(err(format!(
                    "when: readyBelow: {f} is not a fraction in (0, 1]"
                )));
            }
            conditions.push(Condition::ReadyBelow(f));
        }
        if let Some(n) = w.restarts_growing {
            if n < 1 {
                return Err(err(format!(
                    "when: restartsGrowing: {n} must be at least 1"
                )));
            }
            conditions.push(Condition::RestartsGrowing(n));
        }
        if conditions.len() != 1 {
            return Err(err(format!(
                "when: exactly one of health, readyBelow, restartsGrowing (found {})",
                conditions.len()
            )));
        }
        let condition = conditions.remove(0);
        let action = match &s.action {
            None => None,
            Some(a) => Some(
                AUTOMATIC_ACTIONS
                    .iter()
                    .copied()
                    .find(|k| k.name() == a)
                    .ok_or_else(|| {
                        err(format!(
                            "action: {a:?} cannot run unattended (automatic actions: {})",
                            AUTOMATIC_ACTIONS.map(ActionKind::name).join(", ")
                        ))
                    })?,
            ),
        };
        if let Some(h) = &s.hook
            && (h.command.is_empty() || h.timeout == 0)
        {
            return Err(err(
                "hook: needs a command and a timeout of at least 1 s".into()
            ));
        }
        let hold_s = match (&condition, w.hold) {
            (Condition::RestartsGrowing(_), 0) => 60,
            (_, h) => h,
        };
        out.push(Rule {
            name: s.name.clone(),
            services: s.services.clone(),
            environments: s.environments.clone(),
            condition,
            hold_ms: secs_ms(hold_s),
            hook: s.hook.clone(),
            action,
            cooldown_ms: secs_ms(s.cooldown),
        });
    }
    Ok(out)
}

fn secs_ms(s: u64) -> i64 {
    i64::try_from(s)
        .unwrap_or(i64::MAX / 1000)
        .saturating_mul(1000)
}

/// The 1-based line of the `i`-th rule's `name:` (the `rules:` line, else 1, when not found).
fn rule_line(text: &str, name: &str, i: usize) -> usize {
    let named = text.lines().position(|l| {
        let t = l.trim_start().trim_start_matches("- ").trim_start();
        t.strip_prefix("name:")
            .map(|v| v.trim().trim_matches(['"', '\'']) == name)
            .unwrap_or(false)
            || l.contains(&format!("name: {name},"))
            || l.contains(&format!("name: {name} "))
    });
    named
        .or_else(|| {
            text.lines()
                .enumerate()
                .filter(|(_, l)| l.trim_start().starts_with("- "))
                .nth(i)
                .map(|(n, _)| n)
        })
        .map_or(1, |n| n + 1)
}

/// One running service as the rules see it at one moment.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    pub service: String,
    pub environment: String,
    pub health: Health,
    pub ready: i64,
    pub desired: i64,
    /// Container restarts summed over the service's pods.
    pub restarts: i64,
    /// The versions it runs, joined (`1.4.3`).
    pub version: String,
}

/// A change that came before a firing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LastChange {
    /// When, in milliseconds of the evaluator's clock.
    pub at_ms: i64,
    /// What: `version 1.4.3`.
    pub what: String,
}

/// Where the last change before a moment comes from. The evaluator's own version tracking
/// implements it; the change timeline, once merged, is the richer source.
pub trait ChangeSource {
    fn last_change(&self, service: &str, environment: &str, before_ms: i64) -> Option<LastChange>;
}

/// One rule firing on one running service.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Firing {
    pub rule: String,
    pub service: String,
    pub environment: String,
    /// When the condition started to hold, and when the rule fired (ms of the clock).
    pub since_ms: i64,
    pub at_ms: i64,
    /// `degraded 40 s after version 1.4.3`.
    pub text: String,
    pub last_change: Option<LastChange>,
    pub health: Health,
    pub ready: i64,
    pub desired: i64,
    #[serde(skip)]
    pub hook: Option<HookSpec>,
    /// The action to run now (None: none configured, or held back by the cooldown).
    pub action: Option<&'static str>,
    /// Why a configured action is not run.
    pub action_held: Option<String>,
}

#[derive(Debug, Clone, Copy)]
struct Episode {
    since: i64,
    fired: bool,
}

/// Versions seen per running service, with when they changed.
#[derive(Debug, Default)]
struct Versions(HashMap<(String, String), (String, Option<i64>)>);

impl ChangeSource for Versions {
    fn last_change(&self, service: &str, env: &str, before_ms: i64) -> Option<LastChange> {
        let (v, at) = self.0.get(&(service.to_string(), env.to_string()))?;
        let at = (*at)?;
        (at <= before_ms).then(|| LastChange {
            at_ms: at,
            what: format!("version {v}"),
        })
    }
}

/// Evaluates rules over observations at the times it is given.
#[derive(Debug)]
pub struct Evaluator {
    rules: Vec<Rule>,
    episodes: HashMap<(usize, String, String), Episode>,
    restarts: HashMap<(usize, String, String), VecDeque<(i64, i64)>>,
    last_action: HashMap<(String, String), i64>,
    versions: Versions,
}

impl Evaluator {
    pub fn new(rules: Vec<Rule>) -> Evaluator {
        Evaluator {
            rules,
            episodes: HashMap::new(),
            restarts: HashMap::new(),
            last_action: HashMap::new(),
            versions: Versions::default(),
        }
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// Whether any rule reads restarts (observing them walks the pods).
    pub fn needs_restarts(&self) -> bool {
        self.rules
            .iter()
            .any(|r| matches!(r.condition, Condition::RestartsGrowing(_)))
    }

    /// Observe every running service at `now_ms`; the firings this moment produces.
    pub fn observe(&mut self, now_ms: i64, obs: &[Observation]) -> Vec<Firing> {
        self.observe_with(now_ms, obs, None)
    }

    /// As [`Evaluator::observe`], the last change taken from `changes` when given.
    pub fn observe_with(
        &mut self,
        now_ms: i64,
        obs: &[Observation],
        changes: Option<&dyn ChangeSource>,
    ) -> Vec<Firing> {
        for o in obs {
            let key = (o.service.clone(), o.environment.clone());
            match self.versions.0.get_mut(&key) {
                Some((v, at)) if *v != o.version => {
                    *v = o.version.clone();
                    *at = Some(now_ms);
                }
                Some(_) => {}
                None => {
                    self.versions.0.insert(key, (o.version.clone(), None));
                }
            }
        }
        let mut out = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for (ri, rule) in self.rules.iter().enumerate() {
            for o in obs
                .iter()
                .filter(|o| rule.matches(&o.service, &o.environment))
            {
                let key = (ri, o.service.clone(), o.environment.clone());
                seen.insert(key.clone());
                let (bad, immediate) = match &rule.condition {
                    Condition::Health(hs) => (hs.contains(&o.health), false),
                    Condition::ReadyBelow(f) => (
                        o.desired > 0 && (o.ready as f64) < f * (o.desired as f64),
                        false,
                    ),
                    Condition::RestartsGrowing(n) => {
                        let q = self.restarts.entry(key.clone()).or_default();
                        q.push_back((now_ms, o.restarts));
                        while q.front().is_some_and(|(t, _)| now_ms - t > rule.hold_ms) {
                            q.pop_front();
                        }
                        let low = q.iter().map(|(_, r)| *r).min().unwrap_or(o.restarts);
                        (o.restarts - low >= *n, true)
                    }
                };
                if !bad {
                    self.episodes.remove(&key);
                    continue;
                }
                let ep = self.episodes.entry(key.clone()).or_insert(Episode {
                    since: now_ms,
                    fired: false,
                });
                if ep.fired || !(immediate || now_ms - ep.since >= rule.hold_ms) {
                    continue;
                }
                ep.fired = true;
                let since = ep.since;
                let source: &dyn ChangeSource = changes.unwrap_or(&self.versions);
                let last = source.last_change(&o.service, &o.environment, since);
                let what = match &rule.condition {
                    Condition::Health(_) => o.health.label().to_string(),
                    Condition::ReadyBelow(f) => {
                        format!("ready {}/{} below {:.0} %", o.ready, o.desired, f * 100.0)
                    }
                    Condition::RestartsGrowing(n) => {
                        format!("restarts grew by {n}+ within {} s", rule.hold_ms / 1000)
                    }
                };
                let text = match &last {
                    Some(c) => format!("{what} {} s after {}", (since - c.at_ms) / 1000, c.what),
                    None => format!("{what} (no change seen before it)"),
                };
                let (action, action_held) = match rule.action {
                    None => (None, None),
                    Some(kind) => {
                        let k = (o.service.clone(), o.environment.clone());
                        match self.last_action.get(&k) {
                            Some(t) if now_ms - t < rule.cooldown_ms => (
                                None,
                                Some(format!(
                                    "{}: cooldown, the last automatic action was {} s ago",
                                    kind.name(),
                                    (now_ms - t) / 1000
                                )),
                            ),
                            _ => {
                                self.last_action.insert(k, now_ms);
                                (Some(kind.name()), None)
                            }
                        }
                    }
                };
                out.push(Firing {
                    rule: rule.name.clone(),
                    service: o.service.clone(),
                    environment: o.environment.clone(),
                    since_ms: since,
                    at_ms: now_ms,
                    text,
                    last_change: last,
                    health: o.health,
                    ready: o.ready,
                    desired: o.desired,
                    hook: rule.hook.clone(),
                    action,
                    action_held,
                });
            }
        }
        // Running services gone (or no longer matched): their episodes end.
        self.episodes.retain(|k, _| seen.contains(k));
        self.restarts.retain(|k, _| seen.contains(k));
        out
    }
}

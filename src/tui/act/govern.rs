//! `L` locks or unlocks, `e` extends or clears a TTL: on the selected workload (list or
//! detail), namespace (TTL), or every workload of a matrix cell. A dialog asks the reason and
//! the duration (lock), a confirmation (unlock) or the new lifetime (TTL), then hands the
//! runner one [`Effect::Govern`]: the writes go through the executor with a resourceVersion
//! precondition (`actions::govern`). Refused at once in a read-only context.

use super::{Actions, Subject, subject};
use crate::actions::Target;
use crate::catalog::Catalog;
use crate::govern::{Clock, props, read, ttl};
use crate::tui::msg::{Effect, GovernWrite};
use crate::tui::outcome::{Message, Outcome};
use crate::tui::page::Page;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Where the dialog stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Lock: why.
    Reason(String),
    /// Lock: for how long (`2h`).
    Duration { reason: String, input: String },
    /// Unlock: y/n.
    Unlock,
    /// TTL: the new lifetime from now (`7d`), or empty to clear.
    Ttl(String),
}

/// The lock / unlock / TTL dialog.
#[derive(Debug, Clone, PartialEq)]
pub struct GovernDialog {
    /// `running service cart in prod`, `Deployment shop/cart in context prod`.
    pub subject: String,
    pub targets: Vec<Target>,
    /// The lock held now, in words (unlock), or the TTL now (TTL).
    pub now_held: Option<String>,
    /// The user, when the server has said (else the runner asks it).
    pub who: Option<String>,
    pub step: Step,
    pub error: Option<String>,
}

impl GovernDialog {
    pub fn title(&self) -> String {
        match self.step {
            Step::Reason(_) | Step::Duration { .. } => format!("Lock {}", self.subject),
            Step::Unlock => format!("Unlock {}?", self.subject),
            Step::Ttl(_) => format!("TTL of {}", self.subject),
        }
    }

    /// The prompt and its input, if the step takes one.
    pub fn input(&self) -> Option<(&'static str, &str)> {
        match &self.step {
            Step::Reason(i) => Some(("reason: ", i)),
            Step::Duration { input, .. } => Some(("for (30m, 2h, 1d, 1w): ", input)),
            Step::Ttl(i) => Some(("expires in (7d; empty clears): ", i)),
            Step::Unlock => None,
        }
    }

    pub fn hint(&self) -> &'static str {
        match self.step {
            Step::Unlock => "y/Enter unlock · n/Esc cancel",
            _ => "Enter next · Esc cancel",
        }
    }

    /// Fold one key: keep going, close, or close with the write to run.
    pub fn key(&mut self, k: KeyEvent, now: i64) -> Outcome {
        if k.code == KeyCode::Esc {
            return Outcome::tell("cancelled, nothing was sent", false).close();
        }
        let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
        let write = match &mut self.step {
            Step::Unlock => match k.code {
                KeyCode::Char('y' | 'Y') | KeyCode::Enter => GovernWrite::Unlock,
                KeyCode::Char('n' | 'N') => {
                    return Outcome::tell("cancelled, nothing was sent", false).close();
                }
                _ => return Outcome::none(),
            },
            Step::Reason(input) | Step::Ttl(input) | Step::Duration { input, .. }
                if k.code != KeyCode::Enter =>
            {
                match k.code {
                    KeyCode::Backspace => {
                        input.pop();
                    }
                    KeyCode::Char('u') if ctrl => input.clear(),
                    KeyCode::Char(c) if !ctrl && input.len() < 256 => input.push(c),
                    _ => {}
                }
                return Outcome::none();
            }
            Step::Reason(input) => {
                if input.trim().is_empty() {
                    self.error = Some("say why: the reason is shown to whoever is refused".into());
                    return Outcome::none();
                }
                let reason = input.trim().to_string();
                self.step = Step::Duration {
                    reason,
                    input: "2h".into(),
                };
                self.error = None;
                return Outcome::none();
            }
            Step::Duration { reason, input } => match ttl::parse_duration(input) {
                Ok(secs) if secs > 0 => GovernWrite::Lock {
                    reason: reason.clone(),
                    secs,
                },
                Ok(_) => {
                    self.error = Some("the lock must last longer than 0s".into());
                    return Outcome::none();
                }
                Err(e) => {
                    self.error = Some(e.to_string());
                    return Outcome::none();
                }
            },
            Step::Ttl(input) if input.trim().is_empty() => GovernWrite::Expiry { at: None },
            Step::Ttl(input) => match ttl::parse_duration(input) {
                Ok(secs) => GovernWrite::Expiry {
                    at: Some(now.saturating_add(secs)),
                },
                Err(e) => {
                    self.error = Some(e.to_string());
                    return Outcome::none();
                }
            },
        };
        let n = self.targets.len();
        let mut out = Outcome::effects(vec![Effect::Govern {
            targets: std::mem::take(&mut self.targets),
            write: write.clone(),
            who: self.who.clone(),
        }]);
        out.message = Some(Message::new(
            format!(
                "{}: sending to {n} object{}…",
                write.verb(),
                if n == 1 { "" } else { "s" }
            ),
            false,
        ));
        out.close()
    }
}

/// Which write a key asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ask {
    /// `L`: lock, or unlock what is locked.
    Lock,
    /// `e`: extend or clear the TTL.
    Ttl,
}

impl Actions {
    /// `L` / `e` on the page's selection: the dialog, or why not.
    pub fn start_govern(
        &self,
        page: &Page,
        cat: &Catalog,
        ask: Ask,
        now: i64,
    ) -> Result<GovernDialog, Message> {
        let no = |t: String| Err(Message::new(t, false));
        let Some(s) = subject(page) else {
            return no("select a workload, namespace or matrix cell first".into());
        };
        let (refs, text) = match &s {
            Subject::Entity(e) => {
                let Some(r) = cat.get(e) else {
                    return no("that entity is gone from the catalog".into());
                };
                let what = format!(
                    "{} {}",
                    super::super::view::kind_of(cat, r),
                    match &r.namespace {
                        Some(ns) => format!("{ns}/{}", r.name),
                        None => r.name.to_string(),
                    }
                );
                (vec![e.clone()], what)
            }
            Subject::Cell { service, env } => match cat.running_service(service, env) {
                Some(rs) => (rs.workloads, format!("running service {service} in {env}")),
                None => return no(format!("{service} does not run in {env}")),
            },
        };
        let prop = match ask {
            Ask::Lock => props::LOCK,
            Ask::Ttl => props::EXPIRES,
        };
        let records: Vec<_> = refs.iter().filter_map(|e| Some((e, cat.get(e)?))).collect();
        if records
            .iter()
            .any(|(e, _)| cat.blueprint(e.bp).prop_index(prop).is_none())
        {
            let what = match ask {
                Ask::Lock => "locks apply to workloads",
                Ask::Ttl => "TTLs apply to workloads and namespaces",
            };
            return no(format!("{what} (their blueprints read the annotation)"));
        }
        let targets: Vec<Target> = records
            .iter()
            .filter_map(|(e, _)| Target::of(cat, e))
            .collect();
        if let Some(t) = targets.iter().find(|t| self.policy.readonly(&t.context)) {
            let m = format!(
                "read-only: {} is disabled in context {}",
                ask_word(ask),
                t.context
            );
            return Err(Message::new(m, true));
        }
        let who = targets
            .first()
            .and_then(|t| self.access.cache.user(&t.context))
            .map(str::to_string);
        let held: Vec<String> = records
            .iter()
            .filter_map(|(_, r)| read::lock(cat, r, now).refusal(now))
            .collect();
        let step = match ask {
            Ask::Lock if !held.is_empty() => Step::Unlock,
            Ask::Lock => Step::Reason(String::new()),
            Ask::Ttl => Step::Ttl(String::new()),
        };
        let now_held = match ask {
            Ask::Lock => held.first().cloned(),
            Ask::Ttl => records
                .iter()
                .map(|(_, r)| read::expiry(cat, r).words(now))
                .find(|w| !w.is_empty()),
        };
        Ok(GovernDialog {
            subject: text,
            targets,
            now_held,
            who,
            step,
            error: None,
        })
    }
}

fn ask_word(a: Ask) -> &'static str {
    match a {
        Ask::Lock => "lock",
        Ask::Ttl => "ttl",
    }
}

/// The service an override must name, and the locks the targets hold now (each in words).
pub fn locks_of(
    cat: &Catalog,
    s: &Subject,
    targets: &[super::dialog::Acted],
) -> (String, Vec<String>) {
    let now = crate::govern::SystemClock.now();
    let locks = targets
        .iter()
        .filter_map(|a| {
            let why = crate::govern::LockState::read(a.target.lock.as_deref(), now).refusal(now)?;
            Some(format!("{}: {why}", a.label()))
        })
        .collect();
    let service = match s {
        Subject::Cell { service, .. } => service.to_string(),
        // A pod's service is its workload's.
        Subject::Entity(e) => {
            let wl = cat.workload_blueprint();
            let owner = match (cat.get(e), wl) {
                (Some(r), Some(wl)) if e.bp != wl => cat
                    .relation_to(e.bp, wl)
                    .and_then(|rel| cat.related(e.cluster, r, rel)),
                _ => Some(e.clone()),
            };
            owner
                .and_then(|o| cat.get(&o))
                .map(|r| cat.service_of(r).to_string())
                .unwrap_or_default()
        }
    };
    (service, locks)
}

impl Actions {
    /// `:reap`: the expired set (by context, as `kubeatlas reap` lists it) in the delete
    /// dialog; kept objects (locked, read-only context) are listed as left out. Confirming
    /// sends one `Reap` (DELETE with a uid precondition) per object through the executor.
    pub fn start_reap(&self, cat: &Catalog, now: i64) -> super::Started {
        use super::Started;
        use super::dialog::{Acted, Dialog};
        let list = crate::govern::reap::expired(cat, now);
        if list.is_empty() {
            return Started::Told(Message::new("reap: nothing has expired", false));
        }
        let mut targets = vec![];
        let mut skipped = vec![];
        for x in list {
            let kept = x.kept.clone().or_else(|| {
                self.policy
                    .readonly(&x.context)
                    .then(|| format!("read-only context {}", x.context))
            });
            match (kept, Target::of(cat, &x.entity)) {
                (Some(why), _) => skipped.push((x.label(), format!("{} — kept: {why}", x.expired))),
                (None, Some(t)) => targets.push(Acted {
                    entity: x.entity.clone(),
                    target: t,
                    containers: vec![],
                    images: vec![],
                    desired: None,
                    ports: vec![],
                }),
                (None, None) => {}
            }
        }
        if targets.is_empty() {
            let why = skipped
                .first()
                .map(|(l, w)| format!("reap: nothing to delete ({l}: {w})"))
                .unwrap_or_default();
            return Started::Told(Message::new(why, false));
        }
        let mut protected: Vec<String> = vec![];
        for a in &targets {
            let c = &a.target.context;
            if self.policy.protected(c) && !protected.contains(c) {
                protected.push(c.clone());
            }
        }
        let name = protected.first().cloned().unwrap_or_default();
        let subject = "the objects whose TTL expired".to_string();
        match Dialog::new(
            crate::blueprint::ActionKind::Delete,
            subject,
            name,
            targets,
            skipped,
            true,
            protected,
        ) {
            Ok(mut d) => {
                d.action = Some(crate::actions::Action::Reap);
                Started::Dialog(d)
            }
            Err(e) => Started::Told(Message::new(e, true)),
        }
    }
}

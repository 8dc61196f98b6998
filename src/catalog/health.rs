//! Health: judged from an entity's properties by its blueprint's rule; worst-of for groups.

use crate::blueprint::{Blueprint, HealthRule, Record, Value};
use serde::Serialize;

/// Health of an entity or group, ordered from best to worst.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Health {
    /// Nothing to judge (no rule, or no data yet).
    #[default]
    Unknown,
    Healthy,
    /// Rolling out, starting, terminating.
    Progressing,
    /// Running below what was asked (some replicas or containers not ready).
    Degraded,
    /// Down: nothing ready, crash-looping, failed.
    Failed,
}

impl Health {
    pub fn label(self) -> &'static str {
        match self {
            Health::Unknown => "unknown",
            Health::Healthy => "healthy",
            Health::Progressing => "progressing",
            Health::Degraded => "degraded",
            Health::Failed => "failed",
        }
    }
    /// Worst of two, where `Unknown` loses to anything known.
    pub fn worst(self, other: Health) -> Health {
        self.max(other)
    }
    pub fn is_unhealthy(self) -> bool {
        matches!(self, Health::Degraded | Health::Failed)
    }
}

/// Container waiting reasons that mean the pod is broken, not just starting.
const BAD_WAITING: &[&str] = &[
    "CrashLoopBackOff",
    "ImagePullBackOff",
    "ErrImagePull",
    "CreateContainerConfigError",
    "CreateContainerError",
    "InvalidImageName",
    "RunContainerError",
];

/// The property indices health rules read, resolved once per blueprint (judging runs for
/// every row of every view: no name lookups per record).
#[derive(Debug, Clone, Default)]
pub struct HealthProps {
    desired: Option<usize>,
    ready: Option<usize>,
    updated: Option<usize>,
    generation: Option<usize>,
    observed: Option<usize>,
    waiting: Option<usize>,
    deleting: Option<usize>,
    phase: Option<usize>,
    total: Option<usize>,
    ready_containers: Option<usize>,
    active: Option<usize>,
    succeeded: Option<usize>,
    failed: Option<usize>,
}

impl HealthProps {
    pub fn of(bp: &Blueprint) -> HealthProps {
        let i = |id: &str| bp.prop_index(id);
        HealthProps {
            desired: i("desired"),
            ready: i("ready"),
            updated: i("updated"),
            generation: i("generation"),
            observed: i("observedGeneration"),
            waiting: i("waitingReasons"),
            deleting: i("deleting"),
            phase: i("phase"),
            total: i("totalContainers"),
            ready_containers: i("readyContainers"),
            active: i("active"),
            succeeded: i("succeeded"),
            failed: i("failed"),
        }
    }
}

fn prop(r: &Record, i: Option<usize>) -> &Value {
    i.and_then(|i| r.props.get(i)).unwrap_or(&Value::Null)
}

fn int(r: &Record, i: Option<usize>) -> Option<i64> {
    prop(r, i).as_int()
}

/// Judge one record by its source kind's health rule, else its blueprint's.
pub fn judge(bp: &Blueprint, r: &Record) -> Health {
    judge_with(bp, &HealthProps::of(bp), r)
}

/// [`judge`] with the blueprint's property indices already resolved.
pub fn judge_with(bp: &Blueprint, p: &HealthProps, r: &Record) -> Health {
    let rule = bp
        .spec
        .sources
        .get(r.source as usize)
        .and_then(|s| s.health)
        .unwrap_or(bp.spec.health);
    match rule {
        HealthRule::None => Health::Unknown,
        HealthRule::Replicas => {
            let desired = int(r, p.desired).unwrap_or(0);
            let ready = int(r, p.ready).unwrap_or(0);
            let updated = int(r, p.updated).unwrap_or(desired);
            let generation = int(r, p.generation).unwrap_or(0);
            let observed = int(r, p.observed).unwrap_or(generation);
            if desired <= 0 {
                Health::Healthy
            } else if ready <= 0 {
                Health::Failed
            } else if ready < desired {
                Health::Degraded
            } else if updated < desired || observed < generation {
                Health::Progressing
            } else {
                Health::Healthy
            }
        }
        HealthRule::Pod => {
            let reasons = prop(r, p.waiting).as_list();
            if reasons.iter().any(|w| BAD_WAITING.contains(&&**w)) {
                return Health::Failed;
            }
            if !prop(r, p.deleting).is_null() {
                return Health::Progressing;
            }
            match prop(r, p.phase).as_str() {
                Some("Succeeded") => Health::Healthy,
                Some("Failed") => Health::Failed,
                Some("Pending") => Health::Progressing,
                Some("Running") => {
                    let total = int(r, p.total).unwrap_or(0);
                    let ready = int(r, p.ready_containers).unwrap_or(0);
                    if ready >= total {
                        Health::Healthy
                    } else {
                        Health::Degraded
                    }
                }
                _ => Health::Unknown,
            }
        }
        HealthRule::Job => {
            let (active, succeeded, failed) = (
                int(r, p.active).unwrap_or(0),
                int(r, p.succeeded).unwrap_or(0),
                int(r, p.failed).unwrap_or(0),
            );
            if active > 0 {
                Health::Progressing
            } else if succeeded > 0 {
                Health::Healthy
            } else if failed > 0 {
                Health::Failed
            } else {
                Health::Unknown
            }
        }
        HealthRule::Condition => match prop(r, p.ready).as_str() {
            Some("True") => Health::Healthy,
            Some("False") => Health::Failed,
            _ => Health::Unknown,
        },
    }
}

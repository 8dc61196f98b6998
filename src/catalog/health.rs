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

fn prop<'a>(bp: &Blueprint, r: &'a Record, id: &str) -> &'a Value {
    bp.prop_index(id)
        .and_then(|i| r.props.get(i))
        .unwrap_or(&Value::Null)
}

fn int(bp: &Blueprint, r: &Record, id: &str) -> Option<i64> {
    prop(bp, r, id).as_int()
}

/// Judge one record by its source kind's health rule, else its blueprint's.
pub fn judge(bp: &Blueprint, r: &Record) -> Health {
    let rule = bp
        .spec
        .sources
        .get(r.source as usize)
        .and_then(|s| s.health)
        .unwrap_or(bp.spec.health);
    match rule {
        HealthRule::None => Health::Unknown,
        HealthRule::Replicas => {
            let desired = int(bp, r, "desired").unwrap_or(0);
            let ready = int(bp, r, "ready").unwrap_or(0);
            let updated = int(bp, r, "updated").unwrap_or(desired);
            let generation = int(bp, r, "generation").unwrap_or(0);
            let observed = int(bp, r, "observedGeneration").unwrap_or(generation);
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
            let reasons = prop(bp, r, "waitingReasons").as_list();
            if reasons.iter().any(|w| BAD_WAITING.contains(&&**w)) {
                return Health::Failed;
            }
            if !prop(bp, r, "deleting").is_null() {
                return Health::Progressing;
            }
            match prop(bp, r, "phase").as_str() {
                Some("Succeeded") => Health::Healthy,
                Some("Failed") => Health::Failed,
                Some("Pending") => Health::Progressing,
                Some("Running") => {
                    let total = int(bp, r, "totalContainers").unwrap_or(0);
                    let ready = int(bp, r, "readyContainers").unwrap_or(0);
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
                int(bp, r, "active").unwrap_or(0),
                int(bp, r, "succeeded").unwrap_or(0),
                int(bp, r, "failed").unwrap_or(0),
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
        HealthRule::Condition => match prop(bp, r, "ready").as_str() {
            Some("True") => Health::Healthy,
            Some("False") => Health::Failed,
            _ => Health::Unknown,
        },
    }
}

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
    /// A rollout held on purpose (`spec.paused`): nothing is wrong, nothing moves either.
    Paused,
    /// Rolling out, starting, terminating.
    Progressing,
    /// Running below what was asked (some replicas or containers not ready).
    Degraded,
    /// Failed: a rollout past its progress deadline, a crash loop, a failed Job.
    Failed,
}

impl Health {
    pub fn label(self) -> &'static str {
        match self {
            Health::Unknown => "unknown",
            Health::Healthy => "healthy",
            Health::Paused => "paused",
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
/// every row of every view: no name lookups per record). The ids are the rules' vocabulary;
/// a blueprint declares them with the paths of its kinds (see `blueprints/workload.yaml`).
#[derive(Debug, Clone, Default)]
pub struct HealthProps {
    desired: Option<usize>,
    ready: Option<usize>,
    updated: Option<usize>,
    available: Option<usize>,
    current: Option<usize>,
    generation: Option<usize>,
    observed: Option<usize>,
    paused: Option<usize>,
    progressing: Option<usize>,
    stalled: Option<usize>,
    rolled_out: Option<usize>,
    partition: Option<usize>,
    current_revision: Option<usize>,
    update_revision: Option<usize>,
    waiting: Option<usize>,
    deleting: Option<usize>,
    phase: Option<usize>,
    total: Option<usize>,
    ready_containers: Option<usize>,
    active: Option<usize>,
    succeeded: Option<usize>,
    failed: Option<usize>,
    complete_condition: Option<usize>,
    failed_condition: Option<usize>,
}

impl HealthProps {
    pub fn of(bp: &Blueprint) -> HealthProps {
        let i = |id: &str| bp.prop_index(id);
        HealthProps {
            desired: i("desired"),
            ready: i("ready"),
            updated: i("updated"),
            available: i("available"),
            current: i("current"),
            generation: i("generation"),
            observed: i("observedGeneration"),
            paused: i("paused"),
            progressing: i("progressing"),
            stalled: i("stalled"),
            rolled_out: i("rolledOut"),
            partition: i("partition"),
            current_revision: i("currentRevision"),
            update_revision: i("updateRevision"),
            waiting: i("waitingReasons"),
            deleting: i("deleting"),
            phase: i("phase"),
            total: i("totalContainers"),
            ready_containers: i("readyContainers"),
            active: i("active"),
            succeeded: i("succeeded"),
            failed: i("failed"),
            complete_condition: i("completeCondition"),
            failed_condition: i("failedCondition"),
        }
    }
}

fn prop(r: &Record, i: Option<usize>) -> &Value {
    i.and_then(|i| r.props.get(i)).unwrap_or(Value::null_ref())
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
        HealthRule::Replicas => replicas(p, r),
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
        HealthRule::Job => job(p, r),
        HealthRule::Condition => match prop(r, p.ready).as_str() {
            Some("True") => Health::Healthy,
            Some("False") => Health::Failed,
            _ => Health::Unknown,
        },
    }
}

/// A workload with replicas, the way `kubectl rollout status` and Argo CD judge it, plus what
/// they miss: a finished rollout that lost replicas is degraded, not "progressing" forever.
///
/// In order: paused → `Paused`; the controller has not yet seen the latest spec → `Progressing`;
/// the controller gave up (`stalled`: a progress deadline exceeded) → `Failed`; new replicas
/// still to create, old ones still to retire, revisions still apart → `Progressing`; fewer
/// available than desired → `Degraded` once the rollout is over (`rolledOut`: the controller
/// said so, and then a scale-up or a lost replica leaves it short), `Progressing` while the
/// controller still reports one under way (`progressing`); else `Healthy`.
/// Kinds with no rollout verdict (`rolledOut` not read: StatefulSets, DaemonSets) stay
/// `Progressing` below their count, as `kubectl rollout status` waits: a fresh one and one
/// that lost a replica look the same. A kind with verdicts but no condition yet (no progress
/// deadline) is `Degraded` below its count.
fn replicas(p: &HealthProps, r: &Record) -> Health {
    let n = |i| int(r, i).unwrap_or(0);
    if prop(r, p.paused).as_bool() == Some(true) {
        return Health::Paused;
    }
    let desired = n(p.desired);
    let generation = n(p.generation);
    if generation > 0 && n(p.observed) < generation {
        return Health::Progressing;
    }
    if n(p.stalled) > 0 {
        return Health::Failed;
    }
    if desired <= 0 {
        return Health::Healthy;
    }
    let updated = int(r, p.updated).unwrap_or(desired);
    let current = int(r, p.current).unwrap_or(updated);
    let partition = n(p.partition).max(0);
    let available = int(r, p.available).or_else(|| int(r, p.ready)).unwrap_or(0);
    let rolled_out = n(p.rolled_out) > 0;
    let rolling = if partition > 0 {
        // A partitioned rollout is done once the replicas above the partition are updated.
        updated < desired - partition
    } else if rolled_out {
        // The controller says the rollout finished; old replicas still running mean a new one
        // (a rollback to an older ReplicaSet) began before it said so.
        current > updated
    } else {
        let revisions_apart = match (
            prop(r, p.current_revision).as_str(),
            prop(r, p.update_revision).as_str(),
        ) {
            (Some(c), Some(u)) => c != u,
            _ => false,
        };
        updated < desired || current > updated || current < desired || revisions_apart
    };
    if rolling {
        return Health::Progressing;
    }
    // Whether this kind reports a verdict at all (`rolledOut: ~` says it does not).
    let verdicts = !prop(r, p.rolled_out).is_null();
    if available >= desired {
        Health::Healthy
    } else if rolled_out || (verdicts && prop(r, p.progressing).is_null()) {
        Health::Degraded
    } else {
        Health::Progressing
    }
}

/// A Job: its `Failed` / `Complete` conditions when it has them, else its pod counts.
fn job(p: &HealthProps, r: &Record) -> Health {
    let is_true = |i| prop(r, i).as_str() == Some("True");
    if is_true(p.failed_condition) {
        return Health::Failed;
    }
    if is_true(p.complete_condition) {
        return Health::Healthy;
    }
    let n = |i| int(r, i).unwrap_or(0);
    let (active, succeeded, failed) = (n(p.active), n(p.succeeded), n(p.failed));
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

//! The verdict `kubeatlas check SERVICE ENV` gives a pipeline: the running service exists, is
//! unlocked and healthy — or which of those it is not, with a distinct exit code each.

use super::{Lock, LockState, read};
use crate::catalog::{Catalog, ClusterStatus, Health};
use serde::Serialize;

/// The verdict, each with its exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// 0: exists, unlocked, healthy.
    Ok,
    /// 3: a workload of it holds an unexpired lock.
    Locked,
    /// 4: progressing, degraded, failed or paused.
    Unhealthy,
    /// 5: the service does not run in that environment.
    NotFound,
    /// 6: a context it runs in (or might run in) cannot be read.
    Unreachable,
}

impl Status {
    /// The process exit code (1 and 2 stay kubeatlas's generic errors).
    pub fn code(self) -> u8 {
        match self {
            Status::Ok => 0,
            Status::Locked => 3,
            Status::Unhealthy => 4,
            Status::NotFound => 5,
            Status::Unreachable => 6,
        }
    }
}

/// One workload of the service, as the JSON output lists it.
#[derive(Debug, Clone, Serialize)]
pub struct MemberReport {
    pub context: String,
    pub namespace: String,
    pub name: String,
    pub version: String,
    pub health: Health,
    pub lock: Option<Lock>,
    pub locked: bool,
}

/// Everything `check -o json` prints.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub service: String,
    pub environment: String,
    pub status: Status,
    pub exit: u8,
    /// One line: why (or that all is well).
    pub reason: String,
    pub versions: Vec<String>,
    pub ready: i64,
    pub desired: i64,
    pub health: Option<Health>,
    /// The first unexpired lock, if any.
    pub lock: Option<Lock>,
    pub members: Vec<MemberReport>,
}

fn unready(cat: &Catalog, cluster: crate::catalog::ClusterId) -> Option<String> {
    let c = cat.cluster(cluster)?;
    match &c.status {
        ClusterStatus::Ready => None,
        s => Some(format!(
            "context {} is {}{}",
            c.name,
            s.label(),
            s.message().map(|m| format!(" ({m})")).unwrap_or_default()
        )),
    }
}

/// The verdict on `service` in `env` as of `now`.
pub fn check(cat: &Catalog, service: &str, env: &str, now: i64) -> Report {
    let mut report = Report {
        service: service.to_string(),
        environment: env.to_string(),
        status: Status::Ok,
        exit: 0,
        reason: String::new(),
        versions: vec![],
        ready: 0,
        desired: 0,
        health: None,
        lock: None,
        members: vec![],
    };
    let Some(rs) = cat.running_service(service, env) else {
        // Not found is only a verdict when every context could be read.
        let down: Vec<String> = cat.cluster_ids().filter_map(|c| unready(cat, c)).collect();
        let (status, reason) = if down.is_empty() {
            let known = cat.environments().iter().any(|e| &**e == env);
            let why = if known {
                format!("{service} does not run in {env}")
            } else {
                format!("{service} does not run in {env} (no environment {env} is known)")
            };
            (Status::NotFound, why)
        } else {
            (
                Status::Unreachable,
                format!("{service} not found in {env}, but {}", down.join("; ")),
            )
        };
        return finish(report, status, reason);
    };
    report.versions = rs.versions.clone();
    report.ready = rs.ready;
    report.desired = rs.desired;
    report.health = Some(rs.health);
    let mut down = vec![];
    let mut refusal = None;
    for e in &rs.workloads {
        if let Some(d) = unready(cat, e.cluster)
            && !down.contains(&d)
        {
            down.push(d);
        }
        let Some(r) = cat.get(e) else { continue };
        let lock = read::lock(cat, r, now);
        if refusal.is_none()
            && let Some(why) = lock.refusal(now)
        {
            refusal = Some(format!(
                "{}/{}: {why}",
                r.namespace.as_deref().unwrap_or("-"),
                r.name
            ));
            report.lock = lock.lock().cloned();
        }
        report.members.push(MemberReport {
            context: cat
                .cluster(e.cluster)
                .map(|c| c.name.clone())
                .unwrap_or_default(),
            namespace: r.namespace.as_deref().unwrap_or_default().to_string(),
            name: r.name.to_string(),
            version: cat.version_of(r),
            health: cat.health(r),
            locked: lock.is_locked(),
            lock: match lock {
                LockState::Active(l) | LockState::Expired(l) => Some(l),
                _ => None,
            },
        });
    }
    let summary = format!(
        "{} {}/{} {}",
        rs.health.label(),
        rs.ready,
        rs.desired,
        rs.versions.join(",")
    );
    let (status, reason) = if !down.is_empty() {
        (
            Status::Unreachable,
            format!("{service} in {env}: {}", down.join("; ")),
        )
    } else if let Some(why) = refusal {
        (Status::Locked, format!("{service} in {env} is {why}"))
    } else if matches!(rs.health, Health::Healthy | Health::Unknown) {
        (
            Status::Ok,
            format!("{service} in {env}: {summary}, unlocked"),
        )
    } else {
        (
            Status::Unhealthy,
            format!("{service} in {env} is {summary}"),
        )
    };
    finish(report, status, reason)
}

fn finish(mut r: Report, status: Status, reason: String) -> Report {
    r.status = status;
    r.exit = status.code();
    r.reason = reason.trim_end().to_string();
    r
}

//! `kubeatlas lock SERVICE ENV --reason R --for 2h` and `kubeatlas unlock SERVICE ENV`: the
//! lock annotation on every workload of the running service, each write with a
//! resourceVersion precondition. Exit codes as `check`'s: 0 done, 3 someone else holds the
//! lock, 5 no such running service; 1 other failures, 2 usage, read-only and errors.

use crate::actions::govern::{self as write, GovernError};
use crate::actions::{Executor, Target};
use crate::catalog::{Catalog, EntityRef};
use crate::cli::out;
use crate::govern::check::Status;
use crate::govern::{LOCK_KEY, Lock, LockState, ttl};
use std::process::ExitCode;

/// The workloads of `service` in `env`, or the exit for "not found".
fn workloads(
    cat: &Catalog,
    service: &str,
    env: &str,
) -> Result<Vec<(EntityRef, Target)>, ExitCode> {
    let Some(rs) = cat.running_service(service, env) else {
        eprintln!("kubeatlas: {service} does not run in {env}");
        return Err(ExitCode::from(Status::NotFound.code()));
    };
    Ok(rs
        .workloads
        .iter()
        .filter_map(|e| Some((e.clone(), Target::of(cat, e)?)))
        .collect())
}

fn label(t: &Target) -> String {
    format!(
        "{}/{}/{}",
        t.context,
        t.namespace.as_deref().unwrap_or("-"),
        t.name
    )
}

/// Refused everywhere when any context of the service is read-only (nothing sent).
fn readonly(ex: &Executor, targets: &[(EntityRef, Target)], what: &str) -> Option<ExitCode> {
    let t = targets.iter().find(|(_, t)| ex.is_readonly(&t.context))?;
    eprintln!(
        "kubeatlas: read-only: {what} refused in context {}; nothing was sent",
        t.1.context
    );
    Some(ExitCode::from(2))
}

/// `lock`.
pub async fn lock(
    cat: &Catalog,
    ex: &Executor,
    users: &std::collections::BTreeMap<String, String>,
    (service, env): (&str, &str),
    reason: &str,
    duration: &str,
) -> ExitCode {
    let secs = match ttl::parse_duration(duration) {
        Ok(s) if s > 0 => s,
        Ok(_) => {
            eprintln!("kubeatlas: --for must be longer than 0s");
            return ExitCode::from(2);
        }
        Err(e) => {
            eprintln!("kubeatlas: --for: {e}");
            return ExitCode::from(2);
        }
    };
    if reason.trim().is_empty() {
        eprintln!("kubeatlas: --reason must say why");
        return ExitCode::from(2);
    }
    let targets = match workloads(cat, service, env) {
        Ok(t) => t,
        Err(code) => return code,
    };
    if let Some(code) = readonly(ex, &targets, "lock") {
        return code;
    }
    // Someone else's lock on any workload refuses the whole lock before anything is written.
    let now = ex.now();
    let mut who_of = std::collections::BTreeMap::new();
    for (_, t) in &targets {
        if !who_of.contains_key(&t.context) {
            let who =
                write::whoami(ex, &t.context, users.get(&t.context).map(String::as_str)).await;
            who_of.insert(t.context.clone(), who);
        }
        let cur = match write::current(ex, t).await {
            Ok(c) => c,
            Err(e) => {
                eprintln!("kubeatlas: {e}");
                return ExitCode::from(1);
            }
        };
        let held = LockState::read(cur.annotations.get(LOCK_KEY).map(String::as_str), now);
        if let Some(why) = held.refusal(now)
            && held
                .lock()
                .is_none_or(|l| Some(&l.who) != who_of.get(&t.context))
        {
            eprintln!(
                "kubeatlas: {} is already {why}; nothing was written",
                label(t)
            );
            return ExitCode::from(Status::Locked.code());
        }
    }
    let mut code = ExitCode::SUCCESS;
    for (_, t) in &targets {
        let who = who_of
            .get(&t.context)
            .map(String::as_str)
            .unwrap_or("unknown");
        let l = Lock::new(who, reason.trim(), ex.now(), secs);
        match write::lock(ex, t, &l).await {
            Ok(_) => out::note(format_args!(
                "locked {} by {who} until {}: {}",
                label(t),
                l.until.as_deref().unwrap_or("-"),
                l.reason
            )),
            Err(e) => {
                eprintln!("kubeatlas: {e}");
                code = ExitCode::from(if e.is_locked() {
                    Status::Locked.code()
                } else {
                    1
                });
            }
        }
    }
    code
}

/// `unlock`.
pub async fn unlock(cat: &Catalog, ex: &Executor, (service, env): (&str, &str)) -> ExitCode {
    let targets = match workloads(cat, service, env) {
        Ok(t) => t,
        Err(code) => return code,
    };
    if let Some(code) = readonly(ex, &targets, "unlock") {
        return code;
    }
    let mut code = ExitCode::SUCCESS;
    for (_, t) in &targets {
        match write::unlock(ex, t).await {
            Ok(Some(_)) => out::note(format_args!("unlocked {}", label(t))),
            Ok(None) => out::note(format_args!("{} was not locked", label(t))),
            Err(e @ GovernError::LockedJustNow { .. }) => {
                eprintln!("kubeatlas: {e}");
                code = ExitCode::from(Status::Locked.code());
            }
            Err(e) => {
                eprintln!("kubeatlas: {e}");
                code = ExitCode::from(1);
            }
        }
    }
    code
}

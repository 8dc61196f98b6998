//! `kubeatlas check SERVICE ENV [-o json] [--wait 5m]`: the question a pipeline asks before
//! (or after) it deploys. Exit 0 when the running service exists, is unlocked and healthy;
//! 3 locked, 4 unhealthy, 5 not found, 6 unreachable (1 and 2 stay kubeatlas's generic
//! errors). One line of reason on stderr (on stdout when all is well); `-o json` prints the
//! details. `--wait` follows the catalog until healthy (a rollout finishing), with a progress
//! line each time the state changes; a lock ends the wait at once.

use super::args::Format;
use super::session::Session;
use crate::cli::out;
use crate::govern::check::{Report, Status, check};
use crate::govern::{Clock, ttl};
use std::process::ExitCode;
use std::time::Duration;

/// Run `check`; `wait` is a janitor duration (`5m`).
pub async fn run(
    s: &mut Session,
    clock: &dyn Clock,
    (service, env): (&str, &str),
    output: Option<Format>,
    wait: Option<&str>,
) -> ExitCode {
    let wait = match wait.map(ttl::parse_duration) {
        None => None,
        Some(Ok(secs)) => Some(Duration::from_secs(secs.max(0) as u64)),
        Some(Err(e)) => {
            eprintln!("kubeatlas: --wait: {e}");
            return ExitCode::from(2);
        }
    };
    let mut report = check(&s.catalog, service, env, clock.now());
    if let Some(wait) = wait {
        let deadline = tokio::time::Instant::now() + wait;
        let mut said = String::new();
        while matches!(
            report.status,
            Status::Unhealthy | Status::NotFound | Status::Unreachable
        ) {
            if report.reason != said {
                let left = deadline.saturating_duration_since(tokio::time::Instant::now());
                eprintln!(
                    "check: {} (waiting, {} left)",
                    report.reason,
                    crate::govern::span(left.as_secs() as i64)
                );
                said = report.reason.clone();
            }
            // Watch, don't poll: the next catalog change (or the deadline) wakes the check.
            match tokio::time::timeout_at(deadline, s.changes.recv()).await {
                Ok(Some(c)) => {
                    s.catalog.apply(c);
                    while let Ok(c) = s.changes.try_recv() {
                        s.catalog.apply(c);
                    }
                }
                Ok(None) | Err(_) => break,
            }
            report = check(&s.catalog, service, env, clock.now());
        }
    }
    print(&report, output)
}

fn print(report: &Report, output: Option<Format>) -> ExitCode {
    match output {
        Some(Format::Json) => match serde_json::to_string_pretty(report) {
            Ok(j) => out::note(&j),
            Err(e) => eprintln!("kubeatlas: cannot write JSON: {e}"),
        },
        Some(Format::Yaml) => match serde_yaml::to_string(report) {
            Ok(y) => out::note(y.trim_end()),
            Err(e) => eprintln!("kubeatlas: cannot write YAML: {e}"),
        },
        Some(Format::Table) | None => {
            if report.status == Status::Ok {
                out::note(&report.reason);
            }
        }
    }
    if report.status != Status::Ok {
        eprintln!("{}", report.reason);
    }
    ExitCode::from(report.exit)
}

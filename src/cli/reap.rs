//! `kubeatlas reap [--dry-run] [--yes] [--confirm CONTEXT]…`: delete every object whose TTL
//! has expired — exactly the set the preview lists, each DELETE with a uid precondition (an
//! object recreated under the same name is never the one deleted), each audited. Locked
//! objects are kept; read-only contexts send nothing; a protected context needs its name typed
//! (or `--confirm CONTEXT` for unattended runs); `--yes` answers the question.

use super::args::Format;
use crate::actions::{Action, Executor, Target};
use crate::catalog::Catalog;
use crate::cli::out;
use crate::govern::reap::{Expired, expired};
use std::process::ExitCode;

/// Options of one run.
pub struct Options<'a> {
    pub dry_run: bool,
    pub yes: bool,
    /// Protected contexts confirmed up front.
    pub confirm: &'a [String],
    pub output: Option<Format>,
}

fn preview(list: &[Expired]) -> String {
    let mut rows = vec![[
        "CONTEXT".to_string(),
        "KIND".into(),
        "NAMESPACE".into(),
        "NAME".into(),
        "EXPIRED".into(),
        "KEPT".into(),
    ]];
    for e in list {
        rows.push([
            e.context.clone(),
            e.kind.clone(),
            e.namespace.clone().unwrap_or_else(|| "-".into()),
            e.name.clone(),
            e.expired.clone(),
            e.kept.clone().unwrap_or_default(),
        ]);
    }
    let widths: Vec<usize> = (0..6)
        .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for r in rows {
        let line: Vec<String> = r
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        out.push_str(line.join("   ").trim_end());
        out.push('\n');
    }
    out
}

async fn ask(prompt: String) -> String {
    eprint!("{prompt}");
    tokio::task::spawn_blocking(|| {
        let mut line = String::new();
        let _ = std::io::stdin().read_line(&mut line);
        line.trim().to_string()
    })
    .await
    .unwrap_or_default()
}

/// Run the reaper at `now`.
pub async fn run(cat: &Catalog, ex: &Executor, now: i64, o: Options<'_>) -> ExitCode {
    let mut list = expired(cat, now);
    // Read-only contexts are shown and kept: nothing is sent there.
    for e in &mut list {
        if e.kept.is_none() && ex.is_readonly(&e.context) {
            e.kept = Some(format!("read-only context {}", e.context));
        }
    }
    let shown = match o.output {
        Some(Format::Json) => out::line(serde_json::to_string_pretty(&list).unwrap_or_default()),
        Some(Format::Yaml) => out::text(serde_yaml::to_string(&list).unwrap_or_default()),
        _ if list.is_empty() => out::line("nothing has expired"),
        _ => out::text(preview(&list)),
    };
    // Nothing is deleted that was not shown (the reader went away: `| head`).
    if shown.is_err() {
        return ExitCode::from(1);
    }
    let doomed: Vec<&Expired> = list.iter().filter(|e| e.kept.is_none()).collect();
    if o.dry_run || doomed.is_empty() {
        return ExitCode::SUCCESS;
    }
    // Confirmation: once for all, and each protected context by its typed name.
    if !o.yes {
        let a = ask(format!("delete these {} objects? [y/N] ", doomed.len())).await;
        if !matches!(a.as_str(), "y" | "Y" | "yes") {
            eprintln!("kubeatlas: reap cancelled; nothing was deleted");
            return ExitCode::from(1);
        }
    }
    let mut protected: Vec<&str> = doomed
        .iter()
        .map(|e| e.context.as_str())
        .filter(|c| ex.is_protected(c))
        .collect();
    protected.dedup();
    let mut refused: Vec<String> = vec![];
    for ctx in protected {
        if o.confirm.iter().any(|c| c == ctx) {
            continue;
        }
        let n = doomed.iter().filter(|e| e.context == ctx).count();
        let typed = if o.yes {
            String::new()
        } else {
            ask(format!(
                "{ctx} is protected: type {ctx} to delete its {n} objects: "
            ))
            .await
        };
        if typed != ctx {
            eprintln!(
                "kubeatlas: {ctx} is protected and its name was not typed (--confirm {ctx}): nothing deleted there"
            );
            refused.push(ctx.to_string());
        }
    }
    let mut failed = !refused.is_empty();
    for e in doomed.into_iter().filter(|e| !refused.contains(&e.context)) {
        let Some(t) = Target::of(cat, &e.entity) else {
            continue;
        };
        match ex.act(&t, &Action::Reap).await {
            Ok(d) => out::note(format_args!("{}: {}", e.label(), d.message)),
            Err(err) => {
                failed = true;
                eprintln!("kubeatlas: {}: {err}", e.label());
            }
        }
    }
    if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

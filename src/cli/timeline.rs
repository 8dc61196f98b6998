//! `kubeatlas timeline`: read the change timeline's store (no cluster is contacted, so it
//! answers at once, with or without a kubeatlas running) and print it.

use super::args::Format;
use crate::cli::out;
use crate::config::{Paths, UserConfig};
use crate::timeline::{Query, Store, format, parse_since};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The store's file: `--timeline-db`, else the config's `timeline.file`, else the state dir's
/// (`timeline-demo.db` for the demo fleet, whose changes never mix with real ones).
pub fn db_path(flag: Option<&Path>, user: &UserConfig, paths: &Paths, demo: bool) -> PathBuf {
    if let Some(f) = flag {
        return f.to_path_buf();
    }
    if demo {
        return paths.timeline_db.with_file_name("timeline-demo.db");
    }
    user.timeline
        .file
        .clone()
        .unwrap_or_else(|| paths.timeline_db.clone())
}

/// What was asked on the command line.
#[derive(Debug, Clone)]
pub struct Ask {
    pub service: Option<String>,
    pub env: Option<String>,
    pub since: Option<String>,
    pub reached: Option<String>,
    pub limit: usize,
    /// `--context` (repeatable): only these contexts.
    pub contexts: Vec<String>,
}

pub async fn print(db: &Path, ask: Ask, output: Format) -> anyhow::Result<ExitCode> {
    let now = jiff::Timestamp::now().as_second();
    let since = match &ask.since {
        Some(s) => Some(now - parse_since(s).map_err(|e| anyhow::anyhow!("--since {e}"))?),
        None => None,
    };
    if !db.exists() {
        eprintln!(
            "kubeatlas: no timeline yet at {} (it is recorded while kubeatlas runs)",
            db.display()
        );
        if output == Format::Json {
            out::line("[]")?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    let db = db.to_path_buf();
    let text = tokio::task::spawn_blocking(move || -> anyhow::Result<String> {
        let store = Store::open(&db)?;
        if let (Some(service), Some(version)) = (&ask.service, &ask.reached) {
            let r = store.reached(service, version)?;
            return Ok(match output {
                Format::Json => serde_json::to_string_pretty(&r)? + "\n",
                Format::Yaml => serde_yaml::to_string(&r)?,
                Format::Table => format::reached(version, &r, now) + "\n",
            });
        }
        let one = match ask.contexts.as_slice() {
            [c] => Some(c.clone()),
            _ => None,
        };
        let q = Query {
            service: ask.service,
            env: ask.env,
            context: one,
            since,
            limit: if ask.contexts.len() > 1 {
                1_000_000
            } else {
                ask.limit
            },
            ..Query::default()
        };
        let mut entries = store.query(&q)?;
        if ask.contexts.len() > 1 {
            entries.retain(|e| ask.contexts.contains(&e.context));
            entries.truncate(ask.limit);
        }
        Ok(match output {
            Format::Json => serde_json::to_string_pretty(&entries)? + "\n",
            Format::Yaml => serde_yaml::to_string(&entries)?,
            Format::Table => format::table(&entries, now),
        })
    })
    .await??;
    out::text(&text)?;
    Ok(ExitCode::SUCCESS)
}

//! `kubeatlas export --format port|backstage|json [-o FILE]`: wait for the initial sync, write
//! the catalog in the chosen format (see `crate::export`), name failed contexts on stderr and
//! exit 1 when any failed (the others are still written).

use super::args::ExportFormat;
use super::session::Session;
use crate::cli::out;
use crate::export::{self, Format};
use anyhow::Context as _;
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

/// Run the export on an open session.
pub async fn run(
    mut s: Session,
    format: ExportFormat,
    output: Option<&Path>,
    timeout: Duration,
) -> anyhow::Result<ExitCode> {
    let failed = s.wait_synced(timeout).await;
    let format = match format {
        ExportFormat::Port => Format::Port,
        ExportFormat::Backstage => Format::Backstage,
        ExportFormat::Json => Format::Json,
    };
    let text = export::render(&s.catalog, format)?;
    match output {
        Some(path) => std::fs::write(path, text)
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => out::text(&text)?,
    }
    for (ctx, kind, msg) in s.forbidden() {
        eprintln!("kubeatlas: context {ctx:?}: {kind} forbidden: {msg}");
    }
    for (ctx, why) in &failed {
        eprintln!("kubeatlas: context {ctx:?}: {why}");
    }
    s.fleet.shutdown().await;
    Ok(if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

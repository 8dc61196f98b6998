//! `kubeatlas blueprints check`: validate blueprint files and summarize what they define.

use super::BlueprintSet;
use super::load::read_dir;
use super::{Blueprint, BlueprintError};
use std::path::Path;

/// Validate the user files in `dir` together with the built-ins. On success, one summary line
/// for the directory, then one per blueprint in effect.
pub fn check_dir(dir: &Path) -> Result<Vec<String>, BlueprintError> {
    let (head, files) = match read_dir(dir)? {
        None => (
            format!(
                "{}: no such directory; built-in blueprints only",
                dir.display()
            ),
            Vec::new(),
        ),
        Some(files) => (
            format!("{}: {} blueprint file(s)", dir.display(), files.len()),
            files,
        ),
    };
    let set = BlueprintSet::with_user_sources(files)?;
    Ok(std::iter::once(head)
        .chain(set.all().iter().map(summary))
        .collect())
}

/// Validate the built-in blueprints; one summary line per blueprint.
pub fn check_builtin() -> Result<Vec<String>, BlueprintError> {
    Ok(BlueprintSet::builtin()?.all().iter().map(summary).collect())
}

/// `workload: 5 sources, 15 properties, 2 relations (blueprints/workload.yaml, built-in)`.
fn summary(b: &Blueprint) -> String {
    let s = &b.spec;
    let what = match &s.derived {
        Some(d) => format!("derived from {}", d.from),
        None => format!("{} source(s)", s.sources.len()),
    };
    let o = b.origin();
    let origin = match (o.builtin, o.overrides_builtin) {
        (true, _) => "built-in".to_string(),
        (false, true) => "user, replaces the built-in".to_string(),
        (false, false) => "user".to_string(),
    };
    let hidden = if s.hidden { ", hidden" } else { "" };
    format!(
        "ok {}: {what}, {} properties, {} relations ({}, {origin}{hidden})",
        s.identifier,
        s.properties.len(),
        s.relations.len(),
        o.file
    )
}

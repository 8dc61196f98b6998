//! Loading blueprint files: reading a directory, parsing YAML documents, merging layers by
//! identifier, then validating and compiling, collecting every problem as a [`Diagnostic`].

use super::compile::Compiler;
use super::compiled::Origin;
use super::error::{BlueprintError, Diagnostic};
use super::locate::{Locator, Step, duplicate_top_level_key};
use super::roles::{self, Roles};
use super::{Blueprint, BlueprintSpec, BpId, actions, validate};
use serde::Deserialize;
use std::collections::HashMap;
use std::path::Path;

/// The `*.yaml`/`*.yml` files of `dir`, sorted by name: `None` when `dir` does not exist.
pub(super) fn read_dir(dir: &Path) -> Result<Option<Vec<(String, String)>>, BlueprintError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(Diagnostic::file(
                dir.display().to_string(),
                format!("cannot read directory: {e}"),
            )
            .into());
        }
    };
    let mut paths = Vec::new();
    let mut diags = Vec::new();
    for entry in entries {
        match entry {
            Ok(e) => paths.push(e.path()),
            Err(e) => diags.push(Diagnostic::file(
                dir.display().to_string(),
                format!("cannot read directory: {e}"),
            )),
        }
    }
    paths.retain(|p| {
        let yaml = p
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"));
        yaml && p.is_file()
    });
    paths.sort();
    let mut files = Vec::new();
    for p in paths {
        let name = p.display().to_string();
        match std::fs::read_to_string(&p) {
            Ok(text) => files.push((name, text)),
            Err(e) => diags.push(Diagnostic::file(name, format!("cannot read: {e}"))),
        }
    }
    if diags.is_empty() {
        Ok(Some(files))
    } else {
        Err(BlueprintError { diagnostics: diags })
    }
}

/// One document of one file.
struct Parsed {
    spec: BlueprintSpec,
    file: usize,
    /// Earlier documents of the same file with the same identifier.
    occurrence: usize,
    /// Load order across all layers (later wins, and is the one reported on conflicts).
    seq: usize,
    overrides_builtin: bool,
}

struct File {
    name: String,
    text: String,
    builtin: bool,
}

/// Load `layers` (built-ins, then user files): later layers replace blueprints of earlier ones
/// by identifier; within a layer an identifier may appear once. Also resolves the roles.
pub(super) fn build(
    layers: Vec<Vec<(String, String)>>,
) -> Result<(Vec<Blueprint>, Roles), BlueprintError> {
    let builtin_layers = usize::from(layers.len() > 1);
    let mut files = Vec::new();
    let mut diags = Vec::new();
    let mut merged: Vec<Parsed> = Vec::new();
    let mut seq = 0;
    for (layer_no, layer) in layers.into_iter().enumerate() {
        let builtin = layer_no < builtin_layers;
        let mut seen: HashMap<String, usize> = HashMap::new(); // identifier → file
        for (name, text) in layer {
            let file = files.len();
            files.push(File {
                name,
                text,
                builtin,
            });
            let mut occurrences: HashMap<String, usize> = HashMap::new();
            for spec in parse_file(&files[file], &mut diags) {
                let occurrence = {
                    let n = occurrences.entry(spec.identifier.clone()).or_insert(0);
                    *n += 1;
                    *n - 1
                };
                if let Some(&first) = seen.get(&spec.identifier) {
                    let loc = Locator::new(
                        &files[file].name,
                        &files[file].text,
                        &spec.identifier,
                        occurrence,
                    );
                    let first_at = {
                        let f = &files[first];
                        let l = Locator::new(&f.name, &f.text, &spec.identifier, 0);
                        l.at(&[], "").location()
                    };
                    let msg = format!(
                        "duplicate blueprint identifier {:?} (first defined at {first_at})",
                        spec.identifier
                    );
                    diags.push(loc.at(&[Step::Key("identifier")], msg));
                    continue;
                }
                seen.insert(spec.identifier.clone(), file);
                let parsed = Parsed {
                    spec,
                    file,
                    occurrence,
                    seq,
                    overrides_builtin: false,
                };
                seq += 1;
                match merged
                    .iter()
                    .position(|p| p.spec.identifier == parsed.spec.identifier)
                {
                    Some(i) => {
                        let overrides_builtin = files[merged[i].file].builtin;
                        merged[i] = Parsed {
                            overrides_builtin,
                            ..parsed
                        };
                    }
                    None => merged.push(parsed),
                }
            }
        }
    }
    if merged.len() > usize::from(u16::MAX) {
        diags.push(Diagnostic::file(
            "blueprints",
            format!("{} blueprints: at most {}", merged.len(), u16::MAX),
        ));
        return Err(BlueprintError { diagnostics: diags });
    }

    let locs: Vec<Locator<'_>> = merged
        .iter()
        .map(|p| {
            let f = &files[p.file];
            Locator::new(&f.name, &f.text, &p.spec.identifier, p.occurrence)
        })
        .collect();
    let specs: HashMap<&str, &BlueprintSpec> = merged
        .iter()
        .map(|p| (p.spec.identifier.as_str(), &p.spec))
        .collect();
    for (p, loc) in merged.iter().zip(&locs) {
        validate::check_blueprint(&p.spec, loc, &specs, &mut diags);
        super::via_check::check(&p.spec, loc, &specs, &mut diags);
    }
    let mut by_seq: Vec<usize> = (0..merged.len()).collect();
    by_seq.sort_by_key(|&i| merged[i].seq);
    let ordered: Vec<(&BlueprintSpec, &Locator<'_>)> = by_seq
        .iter()
        .map(|&i| (&merged[i].spec, &locs[i]))
        .collect();
    validate::check_set(&ordered, &mut diags);
    let by_id: Vec<(&BlueprintSpec, &Locator<'_>)> =
        merged.iter().map(|p| &p.spec).zip(&locs).collect();
    let roles = roles::resolve(&by_id, &mut diags);
    let with_origin: Vec<(&BlueprintSpec, &Locator<'_>, bool)> = merged
        .iter()
        .zip(&locs)
        .map(|(p, l)| (&p.spec, l, files[p.file].builtin))
        .collect();
    let dropped = actions::check_set(&with_origin, &roles, &mut diags);

    let index: HashMap<String, BpId> = merged
        .iter()
        .enumerate()
        .map(|(i, p)| (p.spec.identifier.clone(), bp_id(i)))
        .collect();
    let selected = super::via_check::selected(merged.iter().map(|p| &p.spec));
    let mut blueprints = Vec::with_capacity(merged.len());
    for (i, (p, loc)) in merged.into_iter().zip(&locs).enumerate() {
        let f = &files[p.file];
        let origin = Origin {
            file: f.name.clone(),
            line: loc.identifier_line(),
            builtin: f.builtin,
            overrides_builtin: p.overrides_builtin,
        };
        let mut compiler = Compiler {
            loc,
            index: &index,
            diags: Vec::new(),
            dropped: &dropped,
            selected: &selected,
        };
        let compiled = compiler.compile(bp_id(i), p.spec, origin);
        diags.append(&mut compiler.diags);
        blueprints.extend(compiled);
    }

    if !diags.is_empty() {
        // Group by file (load order), then by line; each check's order is kept within a line.
        let order: HashMap<&str, usize> = files
            .iter()
            .enumerate()
            .map(|(i, f)| (f.name.as_str(), i))
            .collect();
        diags.sort_by_key(|d| {
            (
                order.get(d.file.as_str()).copied().unwrap_or(usize::MAX),
                d.line.unwrap_or(0),
            )
        });
        diags.dedup();
        return Err(BlueprintError { diagnostics: diags });
    }
    Ok((blueprints, roles))
}

fn bp_id(i: usize) -> BpId {
    BpId(u16::try_from(i).unwrap_or(u16::MAX))
}

/// The blueprints of one file (several YAML documents allowed; empty ones skipped).
fn parse_file(file: &File, diags: &mut Vec<Diagnostic>) -> Vec<BlueprintSpec> {
    // Syntax first: after a syntax error serde_yaml repeats it for every further document,
    // and reports a confusing type error for the broken one.
    for doc in serde_yaml::Deserializer::from_str(&file.text) {
        if let Err(e) = serde::de::IgnoredAny::deserialize(doc) {
            diags.push(yaml_diagnostic(file, &e));
            return Vec::new();
        }
    }
    let mut out = Vec::new();
    let mut last: Option<Diagnostic> = None;
    for doc in serde_yaml::Deserializer::from_str(&file.text) {
        match Option::<BlueprintSpec>::deserialize(doc) {
            Ok(Some(spec)) => out.push(spec),
            Ok(None) => {}
            Err(e) => {
                let d = yaml_diagnostic(file, &e);
                if last.as_ref() == Some(&d) {
                    break;
                }
                diags.push(d.clone());
                last = Some(d);
            }
        }
    }
    out
}

/// A serde_yaml error as a diagnostic: its location moved from the message to the fields.
fn yaml_diagnostic(file: &File, e: &serde_yaml::Error) -> Diagnostic {
    let mut message = e.to_string();
    let (mut line, mut column) = match e.location() {
        Some(l) => {
            let at = format!(" at line {} column {}", l.line(), l.column());
            message = message.replacen(&at, "", 1);
            (Some(l.line()), Some(l.column()))
        }
        None => (None, None),
    };
    // serde_yaml places a duplicate top-level field at the start of its document.
    if let Some(key) = message
        .strip_prefix("duplicate field `")
        .and_then(|m| m.strip_suffix('`'))
        && let Some(dup) = duplicate_top_level_key(&file.text, key, line.unwrap_or(1))
    {
        (line, column) = (Some(dup), Some(1));
    }
    Diagnostic {
        file: file.name.clone(),
        line,
        column,
        message,
    }
}

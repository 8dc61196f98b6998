//! Load-time checks of the relation forms of [`super::via`] and of metadata-only sources:
//! a `via: selector` relation must target a blueprint read from the API (it has labels), and
//! a `metadataOnly` source can only read `.metadata` (the server sends nothing else, which is
//! the point: a Secret's values never leave the server). Each problem names file:line.

use super::error::Diagnostic;
use super::locate::{Locator, Step, nth_of};
use super::{BlueprintSpec, RelationVia};
use std::collections::{HashMap, HashSet};

/// Identifiers of the blueprints some `via: selector` relation targets.
pub(super) fn selected<'a>(specs: impl Iterator<Item = &'a BlueprintSpec>) -> HashSet<String> {
    specs
        .flat_map(|s| s.relations.iter())
        .filter(|r| r.via == RelationVia::Selector)
        .map(|r| r.to.clone())
        .collect()
}

/// Whether a path expression's text stays under `.metadata`.
fn metadata_path(text: &str) -> bool {
    let t = text.trim();
    t == ".metadata"
        || t.starts_with(".metadata.")
        || t.starts_with(".metadata[")
        || t.starts_with("metadata.")
}

pub(super) fn check(
    spec: &BlueprintSpec,
    loc: &Locator<'_>,
    all: &HashMap<&str, &BlueprintSpec>,
    diags: &mut Vec<Diagnostic>,
) {
    let rels = &spec.relations;
    for (i, r) in rels.iter().enumerate() {
        if r.via != RelationVia::Selector {
            continue;
        }
        let nth = nth_of(rels, i, |r| &r.id);
        let Some(target) = all.get(r.to.as_str()) else {
            continue; // an unknown target is reported by the compiler
        };
        if target.sources.is_empty() {
            let steps = [
                Step::Key("relations"),
                Step::Item("id", &r.id, nth),
                Step::Key("to"),
            ];
            diags.push(loc.at(
                &steps,
                format!(
                    "relation {:?}: via: selector matches the labels of objects read from the API, and blueprint {:?} has no sources",
                    r.id, r.to
                ),
            ));
        }
    }
    let metadata_only = spec.sources.iter().any(|s| s.metadata_only);
    if !metadata_only {
        return;
    }
    let props = &spec.properties;
    for (i, p) in props.iter().enumerate() {
        let Some(path) = p.path.as_deref() else {
            continue;
        };
        if metadata_path(path) {
            continue;
        }
        let nth = nth_of(props, i, |p| &p.id);
        let steps = [
            Step::Key("properties"),
            Step::Item("id", &p.id, nth),
            Step::Key("path"),
        ];
        diags.push(loc.at(
            &steps,
            format!(
                "property {:?}: path {path:?} is outside .metadata, and a metadataOnly source is sent nothing else",
                p.id
            ),
        ));
    }
    for (s, src) in spec.sources.iter().enumerate() {
        if !src.metadata_only {
            continue;
        }
        let nth = nth_of(&spec.sources, s, |x| &x.kind);
        for (prop, text) in &src.properties {
            if text.as_deref().is_none_or(metadata_path) {
                continue;
            }
            let steps = [
                Step::Key("sources"),
                Step::Item("kind", &src.kind, nth),
                Step::Key("properties"),
                Step::Key(prop),
            ];
            diags.push(loc.at(
                &steps,
                format!(
                    "source {}: property {prop:?} is read outside .metadata, and this source is metadataOnly",
                    src.gvk_string()
                ),
            ));
        }
    }
    for (i, r) in rels.iter().enumerate() {
        let Some(path) = r.path.as_deref() else {
            continue;
        };
        if metadata_path(path) {
            continue;
        }
        let nth = nth_of(rels, i, |r| &r.id);
        let steps = [
            Step::Key("relations"),
            Step::Item("id", &r.id, nth),
            Step::Key("path"),
        ];
        diags.push(loc.at(
            &steps,
            format!(
                "relation {:?}: path {path:?} is outside .metadata, and a metadataOnly source is sent nothing else",
                r.id
            ),
        ));
    }
}

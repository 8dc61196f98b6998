//! A blueprint's `aggregations:`: values computed from the entities that point at this one
//! (the Warning Events about a pod, the autoscaler of a workload), shown like properties in
//! columns, the detail and `get`. Checked when blueprints load: the blueprint they come from,
//! its relation (which must point at this blueprint and name its targets), the properties a
//! `show` template or `newest` names — each problem with its file and line.
//!
//! The catalog computes the values from its reverse index when a row is projected and
//! records a touch of the subject whenever an entity feeding it changes, so a list of 100k
//! rows re-projects only the rows whose value moved (`crate::catalog::aggregate`).

use super::locate::{Step, nth_of};
use super::{BlueprintSpec, PropType, RelationVia};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// One aggregation, as written.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AggregationSpec {
    pub id: String,
    #[serde(default)]
    pub title: Option<String>,
    /// The blueprint whose entities point at this one.
    pub from: String,
    /// The relation of `from` that points here.
    pub relation: String,
    /// The value is how many entities point here.
    #[serde(default)]
    pub count: bool,
    /// The value is this text, from one of them: `{property}` of `from` in braces
    /// (`"{min}–{max} ({current})"`); absent values show as `-`.
    #[serde(default)]
    pub show: Option<String>,
    /// With `show`: the timestamp property of `from` that picks which one (the newest);
    /// default: the newest by creation time.
    #[serde(default)]
    pub newest: Option<String>,
    /// With `count`: a sign shown before a count that is not zero (`⚠ 2`), in the warning
    /// tone; a zero count then shows nothing.
    #[serde(default)]
    pub mark: Option<String>,
}

impl AggregationSpec {
    /// The title, else the id.
    pub fn title(&self) -> &str {
        self.title.as_deref().unwrap_or(&self.id)
    }
}

/// One piece of a `show` template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    Text(String),
    /// `{id}`: a property of the `from` blueprint.
    Prop(String),
}

/// Parse a `show` template: text with `{property}` placeholders.
pub fn parse_template(t: &str) -> Result<Vec<Piece>, String> {
    let mut out = vec![];
    let mut text = String::new();
    let mut chars = t.chars();
    while let Some(c) = chars.next() {
        match c {
            '{' => {
                let mut id = String::new();
                loop {
                    match chars.next() {
                        Some('}') => break,
                        Some('{') | None => return Err(format!("unclosed {{ in {t:?}")),
                        Some(c) => id.push(c),
                    }
                }
                let id = id.trim();
                if id.is_empty() {
                    return Err(format!("empty {{}} in {t:?}"));
                }
                if !text.is_empty() {
                    out.push(Piece::Text(std::mem::take(&mut text)));
                }
                out.push(Piece::Prop(id.to_string()));
            }
            '}' => return Err(format!("unmatched }} in {t:?}")),
            c => text.push(c),
        }
    }
    if !text.is_empty() {
        out.push(Piece::Text(text));
    }
    Ok(out)
}

/// The aggregations `columns:` names, each with where it goes: before the property column
/// at that index of [`super::Blueprint::columns`] (its length: after the last).
pub fn column_slots(spec: &BlueprintSpec) -> Vec<(usize, usize)> {
    let mut out = vec![];
    let mut props = 0;
    for c in &spec.columns {
        if let Some(a) = spec.aggregations.iter().position(|a| a.id == *c) {
            out.push((props, a));
        } else {
            props += 1;
        }
    }
    out
}

/// Check every aggregation of `spec` against the blueprints of the set (`all`).
pub(crate) fn check(
    spec: &BlueprintSpec,
    all: &HashMap<&str, &BlueprintSpec>,
    err: &mut impl FnMut(&[Step<'_>], String),
) {
    let aggs = &spec.aggregations;
    for (i, a) in aggs.iter().enumerate() {
        let nth = nth_of(aggs, i, |a| &a.id);
        let at = |key| {
            [
                Step::Key("aggregations"),
                Step::Item("id", &a.id, nth),
                Step::Key(key),
            ]
        };
        let what = format!("aggregation {:?}", a.id);
        if nth > 0 {
            err(&at("id"), format!("{what}: duplicate aggregation id"));
        }
        if spec.properties.iter().any(|p| p.id == a.id) {
            err(&at("id"), format!("{what}: a property has this id too"));
        }
        match (a.count, &a.show) {
            (true, Some(_)) => err(
                &at("show"),
                format!("{what}: count and show exclude each other"),
            ),
            (false, None) => err(
                &at("id"),
                format!("{what}: needs count: true or a show template"),
            ),
            _ => {}
        }
        if a.mark.is_some() && !a.count {
            err(&at("mark"), format!("{what}: mark is only read with count"));
        }
        if a.newest.is_some() && a.show.is_none() {
            err(
                &at("newest"),
                format!("{what}: newest is only read with show"),
            );
        }
        let Some(from) = all.get(a.from.as_str()) else {
            let mut known: Vec<&str> = all.keys().copied().collect();
            known.sort_unstable();
            err(
                &at("from"),
                format!(
                    "{what}: from: unknown blueprint {:?} (known: {})",
                    a.from,
                    known.join(", ")
                ),
            );
            continue;
        };
        match from.relations.iter().find(|r| r.id == a.relation) {
            None => {
                let ids: Vec<&str> = from.relations.iter().map(|r| r.id.as_str()).collect();
                err(
                    &at("relation"),
                    format!(
                        "{what}: blueprint {:?} has no relation {:?} (its relations: {})",
                        a.from,
                        a.relation,
                        ids.join(", ")
                    ),
                );
            }
            Some(r) if r.to != spec.identifier => err(
                &at("relation"),
                format!(
                    "{what}: relation {:?} of {:?} points at {:?}, not at this blueprint",
                    a.relation, a.from, r.to
                ),
            ),
            Some(r) if matches!(r.via, RelationVia::Namespace | RelationVia::Cluster) => err(
                &at("relation"),
                format!(
                    "{what}: relation {:?} of {:?} is via: namespace or cluster; aggregations read relations that name their targets (field, uid, controller, selector)",
                    a.relation, a.from
                ),
            ),
            Some(r) if !r.collapse.is_empty() => err(
                &at("relation"),
                format!(
                    "{what}: relation {:?} of {:?} passes through other blueprints (collapse), which aggregations do not follow",
                    a.relation, a.from
                ),
            ),
            Some(_) => {}
        }
        let prop = |id: &str| from.properties.iter().find(|p| p.id == id);
        if let Some(t) = &a.show {
            match parse_template(t) {
                Err(e) => err(&at("show"), format!("{what}: show: {e}")),
                Ok(pieces) => {
                    for p in pieces {
                        if let Piece::Prop(id) = p
                            && prop(&id).is_none()
                        {
                            err(
                                &at("show"),
                                format!("{what}: show: {{{id}}} is not a property of {:?}", a.from),
                            );
                        }
                    }
                }
            }
        }
        if let Some(n) = &a.newest {
            match prop(n) {
                Some(p) if p.ty == PropType::Timestamp => {}
                Some(_) => err(
                    &at("newest"),
                    format!(
                        "{what}: newest: property {n:?} of {:?} is not a timestamp",
                        a.from
                    ),
                ),
                None => err(
                    &at("newest"),
                    format!("{what}: newest: {n:?} is not a property of {:?}", a.from),
                ),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_read_text_and_properties() {
        assert_eq!(
            parse_template("{min}–{max} ({current})"),
            Ok(vec![
                Piece::Prop("min".into()),
                Piece::Text("–".into()),
                Piece::Prop("max".into()),
                Piece::Text(" (".into()),
                Piece::Prop("current".into()),
                Piece::Text(")".into()),
            ])
        );
        assert!(parse_template("{min").is_err());
        assert!(parse_template("min}").is_err());
        assert!(parse_template("{}").is_err());
    }
}

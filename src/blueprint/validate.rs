//! Semantic checks of blueprints beyond what compiling them catches: duplicates, health rule
//! requirements, reductions, derived references, collapse, and name/kind collisions between
//! blueprints.

use super::error::Diagnostic;
use super::locate::nth_of;
use super::locate::{Locator, Step};
use super::{BlueprintSpec, HealthRule, PropType, Reduce, RelationVia};
use std::collections::HashMap;

/// Checks of one blueprint; `all` maps every identifier of the set to its spec.
pub(crate) fn check_blueprint(
    spec: &BlueprintSpec,
    loc: &Locator<'_>,
    all: &HashMap<&str, &BlueprintSpec>,
    diags: &mut Vec<Diagnostic>,
) {
    let mut err = |steps: &[Step<'_>], msg: String| diags.push(loc.at(steps, msg));
    if spec.identifier.trim().is_empty() || spec.identifier.contains(char::is_whitespace) {
        err(
            &[Step::Key("identifier")],
            format!("identifier {:?} must be one word", spec.identifier),
        );
    }

    let props = &spec.properties;
    for (i, p) in props.iter().enumerate() {
        let nth = nth_of(props, i, |p| &p.id);
        if nth > 0 {
            err(
                &[Step::Key("properties"), Step::Item("id", &p.id, nth)],
                format!("property {:?}: duplicate property id", p.id),
            );
        }
        if p.reduce != Reduce::First && p.ty != PropType::Integer {
            let reduce = if p.reduce == Reduce::Sum {
                "sum"
            } else {
                "count"
            };
            err(
                &[
                    Step::Key("properties"),
                    Step::Item("id", &p.id, nth),
                    Step::Key("reduce"),
                ],
                format!("property {:?}: reduce: {reduce} needs type: integer", p.id),
            );
        }
    }

    let rels = &spec.relations;
    for (i, r) in rels.iter().enumerate() {
        let nth = nth_of(rels, i, |r| &r.id);
        if nth > 0 {
            err(
                &[Step::Key("relations"), Step::Item("id", &r.id, nth)],
                format!("relation {:?}: duplicate relation id", r.id),
            );
        }
        for c in &r.collapse {
            let passes = all
                .get(c.as_str())
                .is_none_or(|t| t.relations.iter().any(|x| x.via == RelationVia::Controller));
            if !passes {
                err(
                    &[
                        Step::Key("relations"),
                        Step::Item("id", &r.id, nth),
                        Step::Key("collapse"),
                        Step::Value(c),
                    ],
                    format!(
                        "relation {:?}: collapse: blueprint {c:?} has no via: controller relation to pass through",
                        r.id
                    ),
                );
            }
        }
    }

    check_sources(spec, &mut err);
    check_health(spec, &mut err);
    check_derived(spec, all, &mut err);
    super::timeline::check_timeline(spec, &mut err);
    super::aggregate::check(spec, all, &mut err);
}

fn check_sources(spec: &BlueprintSpec, err: &mut impl FnMut(&[Step<'_>], String)) {
    let has_derived = spec.derived.is_some();
    let cluster = super::roles::claimed(spec) == Some(super::Role::Cluster);
    if spec.sources.is_empty() && !has_derived && !cluster {
        err(
            &[Step::Key("identifier")],
            "a blueprint needs sources (or derived); only cluster has neither".into(),
        );
    }
    if cluster && (has_derived || !spec.sources.is_empty()) {
        err(
            &[Step::Key("identifier")],
            "the cluster blueprint is filled from the connection: no sources, no derived".into(),
        );
    }
    if !spec.sources.is_empty() && has_derived {
        err(
            &[Step::Key("sources")],
            "a derived blueprint is computed, it has no sources".into(),
        );
    }
    if spec.sources.len() > usize::from(u8::MAX) + 1 {
        err(
            &[Step::Key("sources")],
            format!("{} sources: at most 256", spec.sources.len()),
        );
    }
    for (i, s) in spec.sources.iter().enumerate() {
        let nth = nth_of(&spec.sources, i, |s| &s.kind);
        let steps = [Step::Key("sources"), Step::Item("kind", &s.kind, nth)];
        if s.kind.trim().is_empty() || s.version.trim().is_empty() {
            err(
                &steps,
                format!("source {}: kind and version must not be empty", i + 1),
            );
        }
        if spec.sources[..i]
            .iter()
            .any(|t| t.group == s.group && t.kind == s.kind)
        {
            err(
                &steps,
                format!("source {}: duplicate source kind", s.gvk_string()),
            );
        }
    }
}

fn check_health(spec: &BlueprintSpec, err: &mut impl FnMut(&[Step<'_>], String)) {
    let rules = std::iter::once(spec.health).chain(spec.sources.iter().filter_map(|s| s.health));
    for rule in rules {
        check_health_rule(spec, rule, err);
    }
}

fn check_health_rule(
    spec: &BlueprintSpec,
    health: HealthRule,
    err: &mut impl FnMut(&[Step<'_>], String),
) {
    let (rule, needs): (&str, &[(&str, Option<PropType>)]) = match health {
        HealthRule::None => return,
        HealthRule::Replicas => (
            "replicas",
            &[
                ("ready", Some(PropType::Integer)),
                ("desired", Some(PropType::Integer)),
            ],
        ),
        HealthRule::Pod => ("pod", &[("phase", None)]),
        HealthRule::Condition => ("condition", &[("ready", None)]),
        HealthRule::Job => (
            "job",
            &[
                ("active", Some(PropType::Integer)),
                ("succeeded", Some(PropType::Integer)),
                ("failed", Some(PropType::Integer)),
            ],
        ),
    };
    // Optional properties a rule reads when the blueprint declares them: typed when present.
    let optional: &[(&str, PropType)] = match health {
        HealthRule::Replicas => &[
            ("updated", PropType::Integer),
            ("available", PropType::Integer),
            ("current", PropType::Integer),
            ("generation", PropType::Integer),
            ("observedGeneration", PropType::Integer),
            ("stalled", PropType::Integer),
            ("rolledOut", PropType::Integer),
            ("partition", PropType::Integer),
            ("paused", PropType::Boolean),
        ],
        _ => &[],
    };
    for (id, ty) in optional {
        if let Some(p) = spec.properties.iter().find(|p| p.id == *id)
            && p.ty != *ty
        {
            let want = if *ty == PropType::Boolean {
                "boolean"
            } else {
                "integer"
            };
            err(
                &[Step::Key("health")],
                format!("health: {rule} reads property {id:?}: it must be type: {want}"),
            );
        }
    }
    for (id, ty) in needs {
        match (spec.properties.iter().find(|p| p.id == *id), ty) {
            (None, Some(_)) => err(
                &[Step::Key("health")],
                format!("health: {rule} needs an integer property {id:?}"),
            ),
            (None, None) => err(
                &[Step::Key("health")],
                format!("health: {rule} needs a property {id:?}"),
            ),
            (Some(p), Some(ty)) if p.ty != *ty => err(
                &[Step::Key("health")],
                format!("health: {rule} needs property {id:?} to be type: integer"),
            ),
            _ => {}
        }
    }
}

fn check_derived(
    spec: &BlueprintSpec,
    all: &HashMap<&str, &BlueprintSpec>,
    err: &mut impl FnMut(&[Step<'_>], String),
) {
    let Some(d) = &spec.derived else { return };
    let Some(from) = all.get(d.from.as_str()) else {
        err(
            &[Step::Key("derived"), Step::Key("from")],
            format!("derived: from: unknown blueprint {:?}", d.from),
        );
        return;
    };
    for (field, ids) in [("key", &d.key), ("version", &d.version)] {
        for id in ids
            .iter()
            .filter(|id| !from.properties.iter().any(|p| p.id == **id))
        {
            err(
                &[Step::Key("derived"), Step::Key(field), Step::Value(id)],
                format!(
                    "derived: {field}: {id:?} is not a property of blueprint {:?}",
                    d.from
                ),
            );
        }
    }
}

/// Checks across blueprints: every name (identifier, plural, alias; case-insensitive) names
/// one blueprint, and every source kind feeds one blueprint. `specs` are in precedence order
/// (built-ins first), so the later definition is the one reported.
pub(crate) fn check_set(specs: &[(&BlueprintSpec, &Locator<'_>)], diags: &mut Vec<Diagnostic>) {
    let mut names: HashMap<String, &str> = HashMap::new();
    let mut kinds: HashMap<(&str, &str), &str> = HashMap::new();
    for (spec, loc) in specs {
        let id = spec.identifier.as_str();
        let mut own: Vec<String> = Vec::new();
        let candidates = std::iter::once((Step::Key("identifier"), id, "identifier"))
            .chain(
                spec.plural
                    .as_deref()
                    .map(|p| (Step::Key("plural"), p, "plural")),
            )
            .chain(
                spec.aliases
                    .iter()
                    .map(|a| (Step::Value(a), a.as_str(), "aliases")),
            );
        for (step, name, field) in candidates {
            let key = name.to_lowercase();
            if own.contains(&key) {
                continue;
            }
            own.push(key.clone());
            match names.get(&key) {
                Some(other) => {
                    let steps: Vec<Step<'_>> = match step {
                        Step::Value(_) => vec![Step::Key("aliases"), step],
                        _ => vec![step],
                    };
                    diags.push(loc.at(
                        &steps,
                        format!("{field}: {name:?} is already a name of blueprint {other:?}"),
                    ));
                }
                None => {
                    names.insert(key, id);
                }
            }
        }
        for (i, s) in spec.sources.iter().enumerate() {
            match kinds.get(&(s.group.as_str(), s.kind.as_str())) {
                Some(other) if *other != id => {
                    let nth = nth_of(&spec.sources, i, |s| &s.kind);
                    diags.push(loc.at(
                        &[Step::Key("sources"), Step::Item("kind", &s.kind, nth)],
                        format!(
                            "source {}: this kind is already read by blueprint {other:?}",
                            s.gvk_string()
                        ),
                    ));
                }
                _ => {
                    kinds.insert((&s.group, &s.kind), id);
                }
            }
        }
    }
}

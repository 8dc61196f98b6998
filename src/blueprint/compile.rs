//! Compiling a blueprint spec: parse every path, convert defaults, resolve relation targets
//! and columns, reporting each problem at its place in the file.

use super::actions::ActionCompiler;
use super::compiled::{Blueprint, LinkRule, Origin};
use super::convert::{PropRule, convert_default};
use super::error::Diagnostic;
use super::locate::{Locator, Step, nth_of};
use super::path::PathExpr;
use super::{BlueprintSpec, BpId, RelationVia, SourceSpec, Value};
use std::collections::HashMap;

/// Per relation: the target blueprint, and the `collapse` blueprints.
type Targets = (Box<[BpId]>, Box<[Box<[BpId]>]>);

/// Compiles a blueprint: parses every path, converts defaults, resolves relation targets and
/// columns. Every problem becomes a [`Diagnostic`] placed by `loc`.
pub(crate) struct Compiler<'a> {
    pub loc: &'a Locator<'a>,
    /// Identifier → id, for relation targets.
    pub index: &'a HashMap<String, BpId>,
    pub diags: Vec<Diagnostic>,
    /// (blueprint index, action) not offered after all (see `actions::check_set`).
    pub dropped: &'a [(usize, super::ActionKind)],
    /// Identifiers of the blueprints a `via: selector` relation targets (they keep labels).
    pub selected: &'a std::collections::HashSet<String>,
}

impl Compiler<'_> {
    pub fn compile(&mut self, id: BpId, spec: BlueprintSpec, origin: Origin) -> Option<Blueprint> {
        let before = self.diags.len();
        let rules = self.rules(&spec);
        let base = self.base_paths(&spec);
        let paths = spec
            .sources
            .iter()
            .enumerate()
            .map(|(s, src)| self.source_paths(&spec, s, src, &base))
            .collect();
        let links = self.links(&spec);
        let (targets, collapse) = self.targets(&spec);
        let columns = self.columns(&spec);
        let (action_kinds, action_rules) = ActionCompiler {
            spec: &spec,
            loc: self.loc,
            diags: &mut self.diags,
            dropped: self
                .dropped
                .iter()
                .filter(|(i, _)| *i == usize::from(id.0))
                .map(|(_, k)| *k)
                .collect(),
        }
        .compile();
        let labels = self.selected.contains(&spec.identifier);
        let scorecard = super::scorecard::compile(&spec, self.loc, &mut self.diags);
        let history = super::history::compile(&spec, self.loc, &mut self.diags, |i| {
            super::history::takes_undo(&action_rules, i)
        });
        (self.diags.len() == before).then(|| Blueprint {
            id,
            spec,
            origin,
            rules,
            paths,
            links,
            targets,
            collapse,
            columns,
            action_kinds,
            action_rules,
            scorecard,
            history,
            labels,
        })
    }

    fn error(&mut self, steps: &[Step<'_>], message: String) {
        self.diags.push(self.loc.at(steps, message));
    }

    /// Parse `text`, reporting a syntax error at `steps` as `{what}: bad path expression …`.
    fn path(&mut self, text: &str, steps: &[Step<'_>], what: &str) -> Option<PathExpr> {
        match PathExpr::parse(text) {
            Ok(p) => Some(p),
            Err(e) => {
                self.error(steps, format!("{what}: bad path expression {text:?}: {e}"));
                None
            }
        }
    }

    fn rules(&mut self, spec: &BlueprintSpec) -> Box<[PropRule]> {
        let props = &spec.properties;
        (0..props.len())
            .map(|i| {
                let p = &props[i];
                let default = match &p.default {
                    None => Value::NULL,
                    Some(d) => convert_default(p.ty, d).unwrap_or_else(|msg| {
                        let nth = nth_of(props, i, |p| &p.id);
                        let steps = [
                            Step::Key("properties"),
                            Step::Item("id", &p.id, nth),
                            Step::Key("default"),
                        ];
                        self.error(&steps, format!("property {:?}: {msg}", p.id));
                        Value::NULL
                    }),
                };
                let each = p.each.as_deref().and_then(|text| {
                    let nth = nth_of(props, i, |p| &p.id);
                    let steps = [
                        Step::Key("properties"),
                        Step::Item("id", &p.id, nth),
                        Step::Key("each"),
                    ];
                    if p.ty != super::PropType::List {
                        self.error(
                            &steps,
                            format!("property {:?}: `each` needs `type: list`", p.id),
                        );
                    }
                    self.path(text, &steps, &format!("property {:?}", p.id))
                });
                PropRule {
                    ty: p.ty,
                    reduce: p.reduce,
                    default,
                    each,
                }
            })
            .collect()
    }

    fn base_paths(&mut self, spec: &BlueprintSpec) -> Vec<Option<PathExpr>> {
        let props = &spec.properties;
        (0..props.len())
            .map(|i| {
                let p = &props[i];
                let text = p.path.as_deref()?;
                let nth = nth_of(props, i, |p| &p.id);
                let steps = [
                    Step::Key("properties"),
                    Step::Item("id", &p.id, nth),
                    Step::Key("path"),
                ];
                self.path(text, &steps, &format!("property {:?}", p.id))
            })
            .collect()
    }

    /// The paths of source `s`: the base paths with the source's overrides applied.
    fn source_paths(
        &mut self,
        spec: &BlueprintSpec,
        s: usize,
        src: &SourceSpec,
        base: &[Option<PathExpr>],
    ) -> Box<[Option<PathExpr>]> {
        let mut paths = base.to_vec();
        let nth = nth_of(&spec.sources, s, |x| &x.kind);
        for (prop, text) in &src.properties {
            let steps = [
                Step::Key("sources"),
                Step::Item("kind", &src.kind, nth),
                Step::Key("properties"),
                Step::Key(prop),
            ];
            let what = format!("source {}: property {prop:?}", src.gvk_string());
            match spec.properties.iter().position(|p| p.id == *prop) {
                Some(i) => {
                    paths[i] = match text {
                        Some(text) => self.path(text, &steps, &what),
                        None => None,
                    }
                }
                None => self.error(
                    &steps,
                    format!("{what}: overrides a property the blueprint does not declare"),
                ),
            }
        }
        paths.into_boxed_slice()
    }

    fn links(&mut self, spec: &BlueprintSpec) -> Box<[LinkRule]> {
        let rels = &spec.relations;
        (0..rels.len())
            .map(|i| {
                let r = &rels[i];
                let nth = nth_of(rels, i, |r| &r.id);
                let item = |key| {
                    [
                        Step::Key("relations"),
                        Step::Item("id", &r.id, nth),
                        Step::Key(key),
                    ]
                };
                let what = format!("relation {:?}", r.id);
                let pathed = matches!(
                    r.via,
                    RelationVia::Field | RelationVia::Uid | RelationVia::Selector
                );
                if !pathed && r.path.is_some() {
                    self.error(
                        &item("path"),
                        format!("{what}: path is only read with via: field, uid or selector"),
                    );
                }
                if r.via != RelationVia::Controller && !r.collapse.is_empty() {
                    self.error(
                        &item("collapse"),
                        format!("{what}: collapse is only read with via: controller"),
                    );
                }
                match r.via {
                    RelationVia::Namespace => LinkRule::Namespace,
                    RelationVia::Cluster => LinkRule::Cluster,
                    RelationVia::Controller => LinkRule::Controller,
                    RelationVia::Field | RelationVia::Uid => match &r.path {
                        Some(text) => {
                            self.path(text, &item("path"), &what)
                                .map_or(LinkRule::Cluster, |p| match r.via {
                                    RelationVia::Uid => LinkRule::Uid(p),
                                    _ => LinkRule::Field(p),
                                })
                        }
                        None => {
                            let via = if r.via == RelationVia::Uid {
                                "uid"
                            } else {
                                "field"
                            };
                            self.error(&item("via"), format!("{what}: via: {via} needs a path"));
                            LinkRule::Cluster
                        }
                    },
                    RelationVia::Selector => match &r.path {
                        Some(text) => self
                            .path(text, &item("path"), &what)
                            .map_or(LinkRule::Cluster, LinkRule::Selector),
                        None => {
                            self.error(
                                &item("via"),
                                format!(
                                    "{what}: via: selector needs a path to the label selector (e.g. path: .spec.selector)"
                                ),
                            );
                            LinkRule::Cluster
                        }
                    },
                }
            })
            .collect()
    }

    fn targets(&mut self, spec: &BlueprintSpec) -> Targets {
        let rels = &spec.relations;
        let mut targets = Vec::with_capacity(rels.len());
        let mut collapse = Vec::with_capacity(rels.len());
        for (i, r) in rels.iter().enumerate() {
            let nth = nth_of(rels, i, |r| &r.id);
            let what = format!("relation {:?}", r.id);
            let to = self.index.get(r.to.as_str()).copied();
            if to.is_none() {
                let steps = [
                    Step::Key("relations"),
                    Step::Item("id", &r.id, nth),
                    Step::Key("to"),
                ];
                let msg = format!(
                    "{what}: to: unknown blueprint {:?} (known: {})",
                    r.to,
                    self.known()
                );
                self.error(&steps, msg);
            }
            targets.push(to.unwrap_or(BpId(u16::MAX)));
            let mut through = Vec::new();
            for c in &r.collapse {
                match self.index.get(c.as_str()) {
                    Some(id) => through.push(*id),
                    None => {
                        let steps = [
                            Step::Key("relations"),
                            Step::Item("id", &r.id, nth),
                            Step::Key("collapse"),
                            Step::Value(c),
                        ];
                        let msg = format!(
                            "{what}: collapse: unknown blueprint {c:?} (known: {})",
                            self.known()
                        );
                        self.error(&steps, msg);
                    }
                }
            }
            collapse.push(through.into_boxed_slice());
        }
        (targets.into_boxed_slice(), collapse.into_boxed_slice())
    }

    /// The known identifiers, sorted, for messages.
    fn known(&self) -> String {
        let mut ids: Vec<&str> = self.index.keys().map(String::as_str).collect();
        ids.sort_unstable();
        ids.join(", ")
    }

    fn columns(&mut self, spec: &BlueprintSpec) -> Box<[usize]> {
        if spec.columns.is_empty() {
            return (0..spec.properties.len()).collect();
        }
        let mut out = Vec::with_capacity(spec.columns.len());
        for c in &spec.columns {
            match spec.properties.iter().position(|p| p.id == *c) {
                Some(i) => out.push(i),
                // Placed by `aggregate::column_slots`.
                None if spec.aggregations.iter().any(|a| a.id == *c) => {}
                None => self.error(
                    &[Step::Key("columns"), Step::Value(c)],
                    format!("columns: {c:?} is not a property of this blueprint"),
                ),
            }
        }
        out.into_boxed_slice()
    }
}

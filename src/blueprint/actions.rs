//! Actions as blueprint data: each source kind's [`ActionRule`]s (pod template path, patch type,
//! the properties an action reads), compiled and checked at load time so that an unknown
//! property, a setting of another action or an action a kind cannot take is an error naming
//! file:line, never a refusal at run time.

use super::error::Diagnostic;
use super::locate::nth_of;
use super::locate::{Locator, Step};
use super::roles::Roles;
use super::{ActionKind, ActionSettings, ActionsSpec, BlueprintSpec, PatchType, PropType};
use std::collections::HashMap;

/// The default pod template path of `restart` and `redeploy`.
const TEMPLATE: &str = ".spec.template";

/// How one action is sent for one source kind: everything [`crate::actions::plan`] needs
/// besides the object's address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionRule {
    pub kind: ActionKind,
    /// `restart`, `redeploy`: the pod template's field names (`["spec", "template"]`).
    pub template: Box<[Box<str>]>,
    /// `restart`: the patch type.
    pub patch: PatchType,
    /// `restart`: the boolean property saying the object is paused.
    pub paused: Option<usize>,
    /// `redeploy`, `logs`: the list property of container names.
    pub containers: Option<usize>,
    /// `redeploy`: the list property of images, aligned with `containers`.
    pub images: Option<usize>,
    /// `scale`: the integer property of the desired replicas.
    pub replicas: Option<usize>,
    /// `port-forward`: the list property of the containers' declared ports.
    pub ports: Option<usize>,
}

/// The settings each action reads; anything else written under it is an error.
fn accepts(kind: ActionKind) -> &'static [&'static str] {
    match kind {
        ActionKind::Restart => &["template", "patch", "paused"],
        ActionKind::Redeploy => &["template", "containers", "images"],
        ActionKind::Scale => &["replicas"],
        ActionKind::Delete => &[],
        ActionKind::Logs => &["containers"],
        ActionKind::Undo => &[],
        ActionKind::Exec => &["containers"],
        ActionKind::PortForward => &["ports"],
    }
}

/// The settings written, by name.
fn written(s: &ActionSettings) -> Vec<&'static str> {
    let fields = [
        ("template", s.template.is_some()),
        ("patch", s.patch.is_some()),
        ("paused", s.paused.is_some()),
        ("containers", s.containers.is_some()),
        ("images", s.images.is_some()),
        ("replicas", s.replicas.is_some()),
        ("ports", s.ports.is_some()),
    ];
    fields
        .iter()
        .filter(|(_, on)| *on)
        .map(|(n, _)| *n)
        .collect()
}

/// `.spec.jobTemplate.spec.template` → its field names; `None` unless a plain field path.
fn field_path(text: &str) -> Option<Box<[Box<str>]>> {
    let rest = text.strip_prefix('.')?;
    let parts: Vec<Box<str>> = rest.split('.').map(Into::into).collect();
    let plain = |p: &str| {
        !p.is_empty()
            && p.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    };
    parts.iter().all(|p| plain(p)).then(|| parts.into())
}

/// A blueprint's action kinds, and per source its rules.
pub(crate) type Compiled = (Box<[ActionKind]>, Box<[Box<[ActionRule]>]>);

/// Compiles the actions of one blueprint, reporting every problem at its place.
pub(crate) struct ActionCompiler<'a> {
    pub spec: &'a BlueprintSpec,
    pub loc: &'a Locator<'a>,
    pub diags: &'a mut Vec<Diagnostic>,
    /// Actions not offered after all (a built-in a user file broke, see [`check_set`]).
    pub dropped: Vec<ActionKind>,
}

impl ActionCompiler<'_> {
    fn error(&mut self, steps: &[Step<'_>], message: String) {
        self.diags.push(self.loc.at(steps, message));
    }

    /// The blueprint's action kinds, and per source its rules.
    pub fn compile(&mut self) -> Compiled {
        let spec = self.spec;
        let mut kinds = self.kinds(&spec.actions, &[Step::Key("actions")]);
        kinds.retain(|k| !self.dropped.contains(k));
        if !kinds.is_empty() && spec.sources.is_empty() {
            if spec.derived.is_none() {
                self.error(
                    &[Step::Key("actions")],
                    "actions: this blueprint reads no API object to act on".into(),
                );
            } else if let Some((k, _)) = spec.actions.0.iter().find(|(_, s)| !written(s).is_empty())
            {
                self.error(
                    &[Step::Key("actions"), Step::Value(k.name())],
                    format!(
                        "action {}: a derived blueprint acts on the entities it is derived from; settings belong to that blueprint",
                        k.name()
                    ),
                );
            }
        }
        for (k, s) in &spec.actions.0 {
            self.check_settings(*k, s, &[Step::Key("actions"), Step::Value(k.name())]);
        }
        if !spec.sources.is_empty() {
            for k in &kinds {
                let s = spec.actions.get(*k).cloned().unwrap_or_default();
                self.check_required(*k, &s, &[Step::Key("actions"), Step::Value(k.name())]);
            }
        }
        let rules = (0..spec.sources.len())
            .map(|i| self.source_rules(i, &kinds))
            .collect();
        (kinds.into(), rules)
    }

    /// The kinds of an actions list, each once (a repeat is an error).
    fn kinds(&mut self, a: &ActionsSpec, at: &[Step<'_>]) -> Vec<ActionKind> {
        let mut out: Vec<ActionKind> = Vec::new();
        for k in a.kinds() {
            if out.contains(&k) {
                let mut steps = at.to_vec();
                steps.push(Step::Value(k.name()));
                self.error(&steps, format!("action {}: listed twice", k.name()));
            } else {
                out.push(k);
            }
        }
        out
    }

    fn source_rules(&mut self, i: usize, kinds: &[ActionKind]) -> Box<[ActionRule]> {
        let spec = self.spec;
        let src = &spec.sources[i];
        let nth = nth_of(&spec.sources, i, |s| &s.kind);
        let base = [
            Step::Key("sources"),
            Step::Item("kind", &src.kind, nth),
            Step::Key("actions"),
        ];
        let Some(own) = &src.actions else {
            return kinds
                .iter()
                .filter_map(|k| self.rule(*k, &ActionSettings::default()))
                .collect();
        };
        let own_kinds = self.kinds(own, &base);
        let mut rules = Vec::new();
        for k in own_kinds {
            let mut steps = base.to_vec();
            steps.push(Step::Value(k.name()));
            let s = own.get(k).cloned().unwrap_or_default();
            self.check_settings(k, &s, &steps);
            // The kind can take `k`; it is offered when the blueprint lists it too.
            if kinds.contains(&k) {
                rules.extend(self.rule(k, &s));
            }
        }
        rules.into()
    }

    /// The settings written for `kind` are its own, and name properties of the right type.
    fn check_settings(&mut self, kind: ActionKind, s: &ActionSettings, at: &[Step<'_>]) {
        let name = kind.name();
        for field in written(s) {
            let mut steps = at.to_vec();
            steps.push(Step::Key(field));
            if !accepts(kind).contains(&field) {
                let known = accepts(kind).join(", ");
                let known = if known.is_empty() {
                    "none".into()
                } else {
                    known
                };
                self.error(
                    &steps,
                    format!("action {name}: `{field}` is not a setting of {name} (its settings: {known})"),
                );
            }
        }
        if let Some(t) = &s.template
            && field_path(t).is_none()
        {
            let mut steps = at.to_vec();
            steps.push(Step::Key("template"));
            self.error(
                &steps,
                format!("action {name}: template {t:?} must be a plain field path like {TEMPLATE}"),
            );
        }
        let refs = [
            ("paused", &s.paused, PropType::Boolean),
            ("containers", &s.containers, PropType::List),
            ("images", &s.images, PropType::List),
            ("replicas", &s.replicas, PropType::Integer),
            ("ports", &s.ports, PropType::List),
        ];
        for (field, id, ty) in refs {
            let Some(id) = id else { continue };
            let mut steps = at.to_vec();
            steps.push(Step::Key(field));
            match self.spec.properties.iter().find(|p| p.id == *id) {
                None => self.error(
                    &steps,
                    format!("action {name}: {field}: {id:?} is not a property of this blueprint"),
                ),
                Some(p) if p.ty != ty => self.error(
                    &steps,
                    format!(
                        "action {name}: {field}: property {id:?} must be type: {}",
                        type_name(ty)
                    ),
                ),
                Some(_) => {}
            }
        }
    }

    /// What an action cannot do without: redeploy needs the containers and their images.
    fn check_required(&mut self, kind: ActionKind, s: &ActionSettings, at: &[Step<'_>]) {
        if kind != ActionKind::Redeploy {
            return;
        }
        for (field, set) in [("containers", &s.containers), ("images", &s.images)] {
            if set.is_some() {
                continue;
            }
            let declared = self
                .spec
                .properties
                .iter()
                .any(|p| p.id == field && p.ty == PropType::List);
            if !declared {
                self.error(
                    at,
                    format!(
                        "action redeploy needs a list property {field:?} (or name one with `{field}:`)"
                    ),
                );
            }
        }
    }

    /// The rule of `kind` for one source: its settings over the blueprint's, then defaults.
    /// `None` when a setting names no property of the right type (already reported).
    fn rule(&mut self, kind: ActionKind, own: &ActionSettings) -> Option<ActionRule> {
        let spec = self.spec;
        let base = spec.actions.get(kind).cloned().unwrap_or_default();
        let pick = |o: &Option<String>, b: &Option<String>| o.clone().or_else(|| b.clone());
        let template = pick(&own.template, &base.template);
        let template = field_path(template.as_deref().unwrap_or(TEMPLATE))?;
        let prop = |id: Option<String>, default: &str, ty: PropType| -> Result<Option<usize>, ()> {
            let explicit = id.is_some();
            let id = id.unwrap_or_else(|| default.to_string());
            match spec.properties.iter().position(|p| p.id == id) {
                Some(i) if spec.properties[i].ty == ty => Ok(Some(i)),
                _ if explicit => Err(()),
                _ => Ok(None),
            }
        };
        let uses = accepts(kind);
        let pick_prop = |field: &str, o: &Option<String>, b: &Option<String>, ty| {
            if uses.contains(&field) {
                prop(pick(o, b), field_default(field), ty)
            } else {
                Ok(None)
            }
        };
        Some(ActionRule {
            kind,
            template,
            patch: own.patch.or(base.patch).unwrap_or_default(),
            paused: pick_prop("paused", &own.paused, &base.paused, PropType::Boolean).ok()?,
            containers: pick_prop(
                "containers",
                &own.containers,
                &base.containers,
                PropType::List,
            )
            .ok()?,
            images: pick_prop("images", &own.images, &base.images, PropType::List).ok()?,
            replicas: pick_prop("replicas", &own.replicas, &base.replicas, PropType::Integer)
                .ok()?,
            ports: pick_prop("ports", &own.ports, &base.ports, PropType::List).ok()?,
        })
    }
}

/// The property a setting names when not written.
fn field_default(field: &str) -> &str {
    match field {
        "replicas" => "desired",
        other => other,
    }
}

fn type_name(ty: PropType) -> &'static str {
    match ty {
        PropType::String => "string",
        PropType::Integer => "integer",
        PropType::Boolean => "boolean",
        PropType::Timestamp => "timestamp",
        PropType::List => "list",
    }
}

/// Checks across blueprints: `logs` on a blueprint other than the pod one needs pods that
/// relate to it by controller; a derived blueprint's actions must be actions of the blueprint
/// it is derived from. A user file is told so; a built-in that a user file broke this way (by
/// replacing the pod or the from blueprint) just stops offering the action: the (blueprint
/// index, action) pairs returned.
pub(crate) fn check_set(
    specs: &[(&BlueprintSpec, &Locator<'_>, bool)],
    roles: &Roles,
    diags: &mut Vec<Diagnostic>,
) -> Vec<(usize, ActionKind)> {
    let mut dropped = Vec::new();
    let by_id: HashMap<&str, &BlueprintSpec> = specs
        .iter()
        .map(|(s, _, _)| (s.identifier.as_str(), *s))
        .collect();
    let pod = roles.pod.and_then(|p| specs.get(usize::from(p.0)));
    for (i, (spec, loc, builtin)) in specs.iter().enumerate() {
        let steps = |k: ActionKind| [Step::Key("actions"), Step::Value(k.name())];
        if let Some(d) = &spec.derived {
            let from = by_id.get(d.from.as_str());
            for k in spec.actions.kinds() {
                if from.is_some_and(|f| f.actions.get(k).is_none()) {
                    if *builtin {
                        dropped.push((i, k));
                        continue;
                    }
                    diags.push(loc.at(
                        &steps(k),
                        format!(
                            "action {}: blueprint {:?} (derived from) has no such action",
                            k.name(),
                            d.from
                        ),
                    ));
                }
            }
            continue;
        }
        let is_pod = roles.pod.is_some_and(|p| usize::from(p.0) == i);
        for k in [ActionKind::Exec, ActionKind::PortForward] {
            if is_pod || spec.actions.get(k).is_none() {
                continue;
            }
            if *builtin {
                dropped.push((i, k));
            } else {
                diags.push(loc.at(
                    &steps(k),
                    format!(
                        "action {}: only the pod blueprint (role: pod) takes it",
                        k.name()
                    ),
                ));
            }
        }
        if spec.actions.get(ActionKind::Logs).is_none() || is_pod {
            continue;
        }
        let related = pod.is_some_and(|(p, _, _)| {
            p.relations
                .iter()
                .any(|r| r.via == super::RelationVia::Controller && r.to == spec.identifier)
        });
        if !related && *builtin {
            dropped.push((i, ActionKind::Logs));
        } else if !related {
            let why = match pod {
                Some((p, _, _)) => format!(
                    "the pod blueprint {:?} has no `via: controller` relation to {:?}",
                    p.identifier, spec.identifier
                ),
                None => "no blueprint has role: pod".to_string(),
            };
            diags.push(loc.at(
                &steps(ActionKind::Logs),
                format!("action logs: no pods relate to this blueprint: {why}"),
            ));
        }
    }
    dropped
}

//! Rollout history as blueprint data: per source kind, which owned kind holds one revision
//! each (a Deployment's ReplicaSets, a StatefulSet's ControllerRevisions), where a revision's
//! number, change-cause, pod template and replicas are, and how `undo` restores one — the
//! way `kubectl rollout history` / `rollout undo` read and send them. Compiled and checked at
//! load time: a bad path, an unknown setting, or `undo` offered on a kind with no `history:`
//! is an error naming file:line.

use super::error::Diagnostic;
use super::locate::{Locator, Step, nth_of};
use super::path::PathExpr;
use super::{ActionKind, BlueprintSpec};
use serde::{Deserialize, Serialize};

/// The `history:` section of a source, as written.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct HistorySpec {
    /// The kind holding the revisions: objects in the owner's namespace matching its label
    /// selector and controlled by it (`ownerReferences` with `controller: true`, by uid).
    pub owned: OwnedSpec,
    /// The owner's label selector (default `.spec.selector`).
    #[serde(default)]
    pub selector: Option<String>,
    /// On a revision object: its revision number (an integer, or a string of digits).
    pub revision: String,
    /// On a revision object: the change-cause.
    #[serde(default)]
    pub change_cause: Option<String>,
    /// On a revision object: the pod template it restores.
    pub template: String,
    /// On a revision object: its replicas.
    #[serde(default)]
    pub replicas: Option<String>,
    /// On the owner: its current pod template, a plain field path (default `.spec.template`).
    #[serde(default)]
    pub current: Option<String>,
    /// On the owner: a boolean; true refuses `undo` (a paused rollout).
    #[serde(default)]
    pub paused: Option<String>,
    /// How `undo` sends a revision back.
    pub undo: UndoSpec,
}

/// The kind revisions are read from.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct OwnedSpec {
    #[serde(default)]
    pub group: String,
    pub version: String,
    pub kind: String,
    /// Resource plural; kube's pluralization of the kind when absent.
    #[serde(default)]
    pub plural: Option<String>,
}

/// How `undo` restores a revision.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct UndoSpec {
    /// `json`: a JSON patch replacing the owner's pod template (the revision's, minus
    /// `ignoreLabels`) and its annotations (the revision's, except `keepAnnotations`, which
    /// stay the owner's) — kubectl's Deployment rollback. `strategic`: the revision's stored
    /// patch (`data`) as a strategic-merge patch — kubectl's StatefulSet/DaemonSet rollback.
    pub patch: UndoPatch,
    /// Labels ignored when comparing templates and removed from the restored one.
    #[serde(default)]
    pub ignore_labels: Vec<String>,
    /// `json`: owner annotations kept as they are (never copied from the revision).
    #[serde(default)]
    pub keep_annotations: Vec<String>,
    /// `strategic`: where the revision's patch is (default `.data`).
    #[serde(default)]
    pub data: Option<String>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub enum UndoPatch {
    Json,
    Strategic,
}

/// One source's history, compiled.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryRule {
    pub group: String,
    pub version: String,
    pub kind: String,
    pub plural: String,
    pub selector: PathExpr,
    pub revision: PathExpr,
    pub change_cause: Option<PathExpr>,
    pub template: PathExpr,
    pub replicas: Option<PathExpr>,
    /// The owner's pod template, as field names (`["spec", "template"]`).
    pub current: Box<[Box<str>]>,
    pub paused: Option<PathExpr>,
    pub patch: UndoPatch,
    pub ignore_labels: Box<[String]>,
    pub keep_annotations: Box<[String]>,
    /// `strategic`: the revision's stored patch.
    pub data: PathExpr,
}

/// `.spec.template` → its field names; `None` unless a plain field path.
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

/// Compile every source's `history:`; check that `undo` is offered only where there is one.
/// `undo_offered(i)`: whether source `i` takes `undo`.
pub(crate) fn compile(
    spec: &BlueprintSpec,
    loc: &Locator<'_>,
    diags: &mut Vec<Diagnostic>,
    undo_offered: impl Fn(usize) -> bool,
) -> Box<[Option<HistoryRule>]> {
    spec.sources
        .iter()
        .enumerate()
        .map(|(i, src)| {
            let nth = nth_of(&spec.sources, i, |s| &s.kind);
            let base = [Step::Key("sources"), Step::Item("kind", &src.kind, nth)];
            let Some(h) = &src.history else {
                if undo_offered(i) {
                    diags.push(loc.at(
                        &base,
                        format!(
                            "action undo: source {} has no `history:` to roll back to",
                            src.gvk_string()
                        ),
                    ));
                }
                return None;
            };
            let mut ok = true;
            let mut path = |key: &'static str, text: Option<&str>, default: &str| {
                let text = text.unwrap_or(default);
                match PathExpr::parse(text) {
                    Ok(p) => Some(p),
                    Err(e) => {
                        let mut steps = base.to_vec();
                        steps.extend([Step::Key("history"), Step::Key(key)]);
                        diags.push(loc.at(
                            &steps,
                            format!("history: {key}: bad path expression {text:?}: {e}"),
                        ));
                        ok = false;
                        None
                    }
                }
            };
            let selector = path("selector", h.selector.as_deref(), ".spec.selector");
            let revision = path("revision", Some(&h.revision), "");
            let change_cause = h
                .change_cause
                .as_deref()
                .and_then(|t| path("changeCause", Some(t), ""));
            let template = path("template", Some(&h.template), "");
            let replicas = h
                .replicas
                .as_deref()
                .and_then(|t| path("replicas", Some(t), ""));
            let paused = h.paused.as_deref().and_then(|t| path("paused", Some(t), ""));
            let data = path("data", h.undo.data.as_deref(), ".data");
            let current_text = h.current.as_deref().unwrap_or(".spec.template");
            let current = field_path(current_text);
            if current.is_none() {
                let mut steps = base.to_vec();
                steps.extend([Step::Key("history"), Step::Key("current")]);
                diags.push(loc.at(
                    &steps,
                    format!(
                        "history: current {current_text:?} must be a plain field path like .spec.template"
                    ),
                ));
                ok = false;
            }
            if h.owned.kind.is_empty() || h.owned.version.is_empty() {
                let mut steps = base.to_vec();
                steps.extend([Step::Key("history"), Step::Key("owned")]);
                diags.push(loc.at(&steps, "history: owned needs a version and a kind"));
                ok = false;
            }
            if !ok {
                return None;
            }
            let plural = h.owned.plural.clone().unwrap_or_else(|| {
                let gvk = kube::api::GroupVersionKind::gvk(
                    &h.owned.group,
                    &h.owned.version,
                    &h.owned.kind,
                );
                kube::api::ApiResource::from_gvk(&gvk).plural
            });
            Some(HistoryRule {
                group: h.owned.group.clone(),
                version: h.owned.version.clone(),
                kind: h.owned.kind.clone(),
                plural,
                selector: selector?,
                revision: revision?,
                change_cause,
                template: template?,
                replicas,
                current: current?,
                paused,
                patch: h.undo.patch,
                ignore_labels: h.undo.ignore_labels.clone().into(),
                keep_annotations: h.undo.keep_annotations.clone().into(),
                data: data?,
            })
        })
        .collect()
}

/// Whether source `i`'s compiled action rules include `undo`.
pub(crate) fn takes_undo(rules: &[Box<[super::ActionRule]>], i: usize) -> bool {
    rules
        .get(i)
        .is_some_and(|r| r.iter().any(|x| x.kind == ActionKind::Undo))
}

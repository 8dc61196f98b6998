//! `kubectl rollout undo`, planned: from a fetched [`History`] and the revision asked for (0:
//! the one before the newest), the exact request kubectl's rollbacker sends — for a `json`
//! rule (Deployments) a JSON patch replacing the pod template (the revision's, minus the
//! ignored labels) and the annotations (the revision's, the kept ones the owner's); for a
//! `strategic` rule (StatefulSets, DaemonSets) the revision's stored patch — or nothing at
//! all when the owner already runs that revision. Pure: the executor fetches and sends.

use super::ObjectAddress;
use super::history::{History, Revision, matches_owner};
use super::plan::{Planned, STRATEGIC};
use crate::blueprint::history::{HistoryRule, UndoPatch};
use serde_json::{Map, Value, json};

pub use super::error::UndoError;
pub use super::plan::JSON_PATCH;

/// What undo does.
#[derive(Debug, Clone, PartialEq)]
pub enum UndoPlan {
    /// Send this request; `revision` is the one restored.
    Send { request: Planned, revision: i64 },
    /// The owner already runs it: `skipped rollback (current template already matches
    /// revision N)`; nothing is sent.
    Skip(String),
}

/// The revision to restore: `to` itself, or for 0 the second newest (kubectl's
/// `deploymentRevision` / `findHistory`).
fn pick<'h>(
    rule: &HistoryRule,
    t: &ObjectAddress,
    h: &'h History,
    to: i64,
) -> Result<&'h Revision, UndoError> {
    if to < 0 {
        return Err(UndoError::RevisionNotFound(to));
    }
    if to > 0 {
        return h.get(to).ok_or(UndoError::RevisionNotFound(to));
    }
    let n = h.revisions.len();
    if n < 2 {
        return Err(match rule.patch {
            UndoPatch::Json => UndoError::NoHistory {
                kind: t.kind.to_lowercase(),
                name: t.name.clone(),
            },
            UndoPatch::Strategic => UndoError::NoLastRevision,
        });
    }
    Ok(&h.revisions[n - 2])
}

/// Plan `kubectl rollout undo --to-revision=to` of `t`.
pub fn plan(
    rule: &HistoryRule,
    t: &ObjectAddress,
    h: &History,
    to: i64,
) -> Result<UndoPlan, UndoError> {
    let rev = pick(rule, t, h, to)?;
    let paused = rule
        .paused
        .as_ref()
        .and_then(|p| p.first(&h.owner))
        .and_then(Value::as_bool)
        .unwrap_or(false);
    if paused {
        return Err(UndoError::Paused {
            kind: t.kind.to_lowercase(),
            name: t.name.clone(),
        });
    }
    let template = rule
        .template
        .first(&rev.object)
        .cloned()
        .unwrap_or_default();
    if matches_owner(rule, &h.owner, &template) {
        return Ok(UndoPlan::Skip(format!(
            "skipped rollback (current template already matches revision {to})"
        )));
    }
    let request = match rule.patch {
        UndoPatch::Json => json_patch(rule, t, h, rev, template),
        UndoPatch::Strategic => Planned {
            method: http::Method::PATCH,
            path: t.path(),
            content_type: STRATEGIC,
            body: rule.data.first(&rev.object).cloned().unwrap_or_default(),
        },
    };
    Ok(UndoPlan::Send {
        request,
        revision: rev.revision,
    })
}

/// kubectl's `getDeploymentPatch`: replace the template and the annotations.
fn json_patch(
    rule: &HistoryRule,
    t: &ObjectAddress,
    h: &History,
    rev: &Revision,
    mut template: Value,
) -> Planned {
    if let Some(labels) = template
        .pointer_mut("/metadata/labels")
        .and_then(Value::as_object_mut)
    {
        for l in rule.ignore_labels.iter() {
            labels.remove(l);
        }
    }
    let keep = |k: &str| rule.keep_annotations.iter().any(|x| x == k);
    let mut annotations = Map::new();
    if let Some(own) = h
        .owner
        .pointer("/metadata/annotations")
        .and_then(Value::as_object)
    {
        for (k, v) in own.iter().filter(|(k, _)| keep(k)) {
            annotations.insert(k.clone(), v.clone());
        }
    }
    if let Some(theirs) = rev
        .object
        .pointer("/metadata/annotations")
        .and_then(Value::as_object)
    {
        for (k, v) in theirs.iter().filter(|(k, _)| !keep(k)) {
            annotations.insert(k.clone(), v.clone());
        }
    }
    let pointer: String = rule.current.iter().map(|k| format!("/{k}")).collect();
    Planned {
        method: http::Method::PATCH,
        path: t.path(),
        content_type: JSON_PATCH,
        body: json!([
            {"op": "replace", "path": pointer, "value": template},
            {"op": "replace", "path": "/metadata/annotations", "value": annotations},
        ]),
    }
}

//! Revision history of StatefulSets and DaemonSets, as their real controllers keep it: one
//! ControllerRevision per pod template, `<name>-<hash>`, controlled by the workload, its
//! `data` the patch that restores the template (`{"spec":{"template":{…,"$patch":"replace"}}}`)
//! and its `revision` the newest number when that template is (again) the current one —
//! which is what `kubectl rollout history` / `rollout undo` read.

use serde_json::{Value, json};

use super::{World, create, update};
use crate::cluster::SimCluster;
use crate::resource::SimResource;
use crate::util::{self, str_at};

const HASH_LABEL: &str = "controller-revision-hash";

/// The ControllerRevision holding `owner`'s current template.
pub(crate) fn revision_object(owner: &Value, hash: &str, revision: i64) -> Value {
    let mut template = owner
        .pointer("/spec/template")
        .cloned()
        .unwrap_or(json!({}));
    let mut labels = template
        .pointer("/metadata/labels")
        .cloned()
        .unwrap_or(json!({}));
    if let Some(l) = labels.as_object_mut() {
        l.insert(HASH_LABEL.into(), json!(hash));
    }
    if let Some(t) = template.as_object_mut() {
        t.insert("$patch".into(), json!("replace"));
    }
    json!({
        "apiVersion": "apps/v1",
        "kind": "ControllerRevision",
        "metadata": {
            "name": format!("{}-{hash}", str_at(owner, "/metadata/name")),
            "namespace": str_at(owner, "/metadata/namespace"),
            "labels": labels,
            // The workload's annotations (a change-cause among them), as the real ones copy.
            "annotations": owner.pointer("/metadata/annotations").cloned().unwrap_or(json!({})),
            "ownerReferences": [util::owner_ref(owner)],
        },
        "data": {"spec": {"template": template}},
        "revision": revision,
    })
}

pub(super) fn reconcile(cluster: &SimCluster, world: &World) {
    for res in [SimResource::StatefulSets, SimResource::DaemonSets] {
        for owner in world.of(res) {
            if owner.is_terminating() || owner.meta.facts.template_hash.is_empty() {
                continue;
            }
            let hash = &owner.meta.facts.template_hash;
            let name = format!("{}-{hash}", owner.name());
            let owned = world.owned_by(SimResource::ControllerRevisions, owner.uid());
            let max = owned
                .iter()
                .map(|r| r.meta.facts.revision)
                .max()
                .unwrap_or(0);
            match owned.iter().find(|r| r.name() == name) {
                // Rolled back to an older template: its revision becomes the newest.
                Some(r) if r.meta.facts.revision < max => {
                    update(cluster, r, |v| v["revision"] = json!(max + 1));
                }
                Some(_) => {}
                None => create(cluster, revision_object(&owner.value(), hash, max + 1)),
            }
        }
    }
}

//! A blueprint's `timeline:` section: which changes of its entities the change timeline
//! records (properties, health transitions read as rollouts, states entered and left,
//! creation and deletion, past revisions to seed from, Events about other entities), checked
//! against its properties and relations.

use super::BlueprintSpec;
use super::locate::Step;
use serde::{Deserialize, Serialize};

/// What the change timeline records of a blueprint's entities.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TimelineSpec {
    /// Record creation (at the object's creation time) and deletion.
    #[serde(default)]
    pub lifecycle: bool,
    /// Record health transitions as rollouts: started (to progressing), completed (from
    /// progressing to healthy), failed (to failed).
    #[serde(default)]
    pub rollouts: bool,
    /// Properties whose changes are recorded.
    #[serde(default)]
    pub properties: Vec<TimelineProperty>,
    /// Values entered and left in these properties (a pod's CrashLoopBackOff, OOMKilled).
    #[serde(default)]
    pub states: Option<TimelineStates>,
    /// Each entity is a revision of the entity its `relation` names, live from its creation
    /// time: seeds the timeline on first sight of a fleet (ReplicaSets of a Deployment).
    #[serde(default)]
    pub revision: Option<TimelineRevision>,
    /// Each entity is an Event about the entity one of its relations names (a Warning about a
    /// pod): recorded once, at its first occurrence, as a change of that entity.
    #[serde(default)]
    pub events: Option<TimelineEvents>,
}

/// One recorded property.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TimelineProperty {
    /// The property id.
    pub property: String,
    /// The change's kind in the timeline (`image`, `replicas`, `restart`); default: the id.
    #[serde(default)]
    pub change: Option<String>,
    /// How it is named in the text (default: `change`).
    #[serde(default)]
    pub label: Option<String>,
    /// Show image tags instead of whole references (`image 1.4.2 → 1.4.3`).
    #[serde(default)]
    pub tags: bool,
    /// Said instead when the new value is 0 and the old one was not (`scaled to zero`).
    #[serde(default)]
    pub zero: Option<String>,
    /// Said instead of `label old → new` (`restarted`).
    #[serde(default)]
    pub say: Option<String>,
}

impl TimelineProperty {
    pub fn change(&self) -> &str {
        self.change.as_deref().unwrap_or(&self.property)
    }
    pub fn label(&self) -> &str {
        self.label.as_deref().unwrap_or_else(|| self.change())
    }
}

/// States entered and left: any of `values` appearing in any of `properties`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TimelineStates {
    pub properties: Vec<String>,
    pub values: Vec<String>,
}

/// How a revision entity names what it ran.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TimelineRevision {
    /// The relation to the entity this is a revision of.
    pub relation: String,
    /// A list property: the images of the revision.
    pub images: String,
    /// A property: the revision number.
    #[serde(default)]
    pub number: Option<String>,
}

/// How an event entity names what it is about and what it says.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TimelineEvents {
    /// Relations to what the event may be about, tried in order (pod, workload, …).
    pub subjects: Vec<String>,
    /// Properties: the event's reason and message (`BackOff: Back-off restarting …`).
    pub reason: String,
    pub message: String,
    /// A timestamp property: its first occurrence (default: the object's creation).
    #[serde(default)]
    pub first: Option<String>,
    /// The change's kind in the timeline.
    #[serde(default = "warning")]
    pub change: String,
}

fn warning() -> String {
    "warning".into()
}

/// Every property the section names must be declared; the relations too.
pub(crate) fn check_timeline(spec: &BlueprintSpec, err: &mut impl FnMut(&[Step<'_>], String)) {
    let Some(t) = &spec.timeline else { return };
    let declared = |id: &str| spec.properties.iter().any(|p| p.id == id);
    let mut named: Vec<&str> = t.properties.iter().map(|p| p.property.as_str()).collect();
    if let Some(s) = &t.states {
        named.extend(s.properties.iter().map(String::as_str));
    }
    if let Some(r) = &t.revision {
        named.push(&r.images);
        named.extend(r.number.as_deref());
    }
    let mut relations: Vec<(&str, &str)> = vec![];
    if let Some(r) = &t.revision {
        relations.push(("revision", &r.relation));
    }
    if let Some(e) = &t.events {
        named.extend([e.reason.as_str(), e.message.as_str()]);
        named.extend(e.first.as_deref());
        relations.extend(e.subjects.iter().map(|s| ("events", s.as_str())));
    }
    for (section, rel) in relations {
        if !spec.relations.iter().any(|x| x.id == rel) {
            err(
                &[Step::Key("timeline"), Step::Key(section)],
                format!("timeline: {section}: no relation {rel:?}"),
            );
        }
    }
    for id in named {
        if !declared(id) {
            err(
                &[Step::Key("timeline"), Step::Value(id)],
                format!("timeline: property {id:?} is not declared"),
            );
        }
    }
}

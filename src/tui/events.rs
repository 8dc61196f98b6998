//! The Events of the open detail (a pod or a workload): followed from the moment the detail
//! opens (list, then watch, by the effect runner) and dropped when it closes; shown as the
//! detail's EVENTS section (type, reason, count, age, message), Warnings in the failed tone.

use super::detail::Section;
use super::format;
use super::msg::Effect;
use super::page::Page;
use super::table::Tone;
use super::view::View;
use crate::actions::ObjectAddress;
use crate::actions::events::EventRow;
use crate::catalog::{Catalog, EntityRef, Health};

/// What is followed and what arrived.
#[derive(Debug, Default)]
pub struct Events {
    followed: Option<EntityRef>,
    /// `None` until the first answer.
    rows: Option<Result<Vec<EventRow>, String>>,
}

impl Events {
    /// Follow the detail's entity when it is a pod or a workload; stop when the detail closes
    /// or shows something else.
    pub fn sync(&mut self, page: &Page, cat: &Catalog) -> Vec<Effect> {
        let roles = cat.blueprints().roles();
        let want = match &page.view {
            View::Detail { entity }
                if Some(entity.bp) == roles.pod || Some(entity.bp) == roles.workload =>
            {
                Some(entity.clone())
            }
            _ => None,
        };
        if want == self.followed {
            return vec![];
        }
        self.rows = None;
        self.followed = None;
        let Some(entity) = want else {
            return vec![Effect::StopEvents];
        };
        let Some(target) = ObjectAddress::of(cat, &entity) else {
            return vec![Effect::StopEvents];
        };
        self.followed = Some(entity.clone());
        vec![Effect::FollowEvents { entity, target }]
    }

    /// Events arrived; true when they are the followed entity's.
    pub fn arrived(&mut self, entity: &EntityRef, result: Result<Vec<EventRow>, String>) -> bool {
        if self.followed.as_ref() != Some(entity) {
            return false;
        }
        self.rows = Some(result);
        true
    }

    /// Lines the EVENTS section takes (for scrolling the detail).
    pub fn lines(&self) -> usize {
        match &self.rows {
            _ if self.followed.is_none() => 0,
            Some(Ok(r)) => 3 + r.len().max(1),
            _ => 4,
        }
    }

    /// The entity followed, if any.
    pub fn followed(&self) -> Option<&EntityRef> {
        self.followed.as_ref()
    }

    /// The detail's EVENTS section, once something is followed.
    pub fn section(&self, now: i64) -> Option<Section> {
        self.followed.as_ref()?;
        let header = ["TYPE", "REASON", "COUNT", "AGE", "MESSAGE"]
            .map(str::to_string)
            .to_vec();
        let rows = match &self.rows {
            None => vec![vec![("reading…".to_string(), Tone::Dim)]],
            Some(Err(e)) => vec![vec![(e.clone(), Tone::Health(Health::Failed))]],
            Some(Ok(rows)) => rows
                .iter()
                .map(|r| {
                    let tone = if r.is_warning() {
                        Tone::Health(Health::Failed)
                    } else {
                        Tone::Plain
                    };
                    vec![
                        (r.type_.clone(), tone),
                        (r.reason.clone(), tone),
                        (r.count.to_string(), Tone::Plain),
                        (
                            r.last_seen
                                .map(|t| format::age(t, now))
                                .unwrap_or("-".into()),
                            Tone::Plain,
                        ),
                        (r.message.clone(), Tone::Plain),
                    ]
                })
                .collect(),
        };
        Some(Section {
            title: "Events".into(),
            header,
            rows,
        })
    }
}

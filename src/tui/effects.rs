//! The effect runner: performs [`Effect`]s on tokio tasks with the clusters' clients and
//! answers through a channel, so the input loop never waits for the network.

use super::msg::{Effect, Msg, ObjectTarget, Reply};
use super::yaml;
use kube::api::{Api, DynamicObject};
use kube::core::{ApiResource, GroupVersionKind};
use std::time::Duration;
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::JoinSet;

/// How long one request may take before it is reported as failed.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);

/// Runs effects. Dropping it aborts whatever is still in flight.
pub struct Runner {
    /// Indexed by `ClusterId`; `None` for a context whose client could not be built.
    clients: Vec<Option<kube::Client>>,
    replies: UnboundedSender<Msg>,
    tasks: JoinSet<()>,
}

impl Runner {
    pub fn new(clients: Vec<Option<kube::Client>>, replies: UnboundedSender<Msg>) -> Runner {
        Runner {
            clients,
            replies,
            tasks: JoinSet::new(),
        }
    }

    fn client(&self, t: &ObjectTarget) -> Result<kube::Client, String> {
        self.clients
            .get(t.cluster.0 as usize)
            .and_then(Option::clone)
            .ok_or_else(|| "no API client for this context".to_string())
    }

    /// Start one effect. `Quit` is the caller's business and ignored here.
    pub fn run(&mut self, effect: Effect) {
        // Reap finished tasks so the set does not grow.
        while self.tasks.try_join_next().is_some() {}
        match effect {
            Effect::FetchYaml { entity, target } => {
                let replies = self.replies.clone();
                let client = self.client(&target);
                self.tasks.spawn(async move {
                    let result = match client {
                        Ok(c) => fetch_yaml(c, &target).await,
                        Err(e) => Err(e),
                    };
                    let _ = replies.send(Msg::EffectDone(Reply::Yaml { entity, result }));
                });
            }
            Effect::Quit => {}
        }
    }
}

/// The `ApiResource` of a target (plural from the blueprint, else guessed from the kind).
pub fn api_resource(t: &ObjectTarget) -> ApiResource {
    let gvk = GroupVersionKind::gvk(&t.group, &t.version, &t.kind);
    match &t.plural {
        Some(p) => ApiResource::from_gvk_with_plural(&gvk, p),
        None => ApiResource::from_gvk(&gvk),
    }
}

/// GET one object and render it as sanitized YAML.
pub async fn fetch_yaml(client: kube::Client, t: &ObjectTarget) -> Result<String, String> {
    let ar = api_resource(t);
    let api: Api<DynamicObject> = match &t.namespace {
        Some(ns) => Api::namespaced_with(client, ns, &ar),
        None => Api::all_with(client, &ar),
    };
    let obj = match tokio::time::timeout(REQUEST_TIMEOUT, api.get(&t.name)).await {
        Ok(Ok(o)) => o,
        Ok(Err(e)) => {
            let f = crate::fleet::status::classify(&e);
            return Err(format!("{} {}: {}", t.kind, t.name, f.message()));
        }
        Err(_) => {
            return Err(format!(
                "{} {}: no answer within {} s",
                t.kind,
                t.name,
                REQUEST_TIMEOUT.as_secs()
            ));
        }
    };
    let mut value =
        serde_json::to_value(&obj).map_err(|e| format!("cannot read the object: {e}"))?;
    // DynamicObject does not always carry apiVersion/kind back; the viewer shows them.
    if let Some(m) = value.as_object_mut() {
        m.entry("apiVersion")
            .or_insert_with(|| ar.api_version.clone().into());
        m.entry("kind").or_insert_with(|| t.kind.clone().into());
    }
    yaml::render(value)
}

//! The effect runner: performs [`Effect`]s on tokio tasks with the clusters' clients and
//! answers through a channel, so the input loop never waits for the network. Actions go
//! through the [`Executor`] only; log lines come back in batches over a bounded channel, so a
//! chatty pod slows its own stream down instead of growing memory.

use super::msg::{Effect, Msg, Reply};
use super::yaml;
use crate::actions::access::{self, Attributes, Verdict};
use crate::actions::logs::{self, LogEvent, LogRequest};
use crate::actions::{Executor, ObjectAddress};
use crate::fleet::ClientSet;
use kube::api::{Api, DynamicObject};
use std::time::Duration;
use tokio::sync::mpsc::{self, Sender, UnboundedSender};
use tokio::task::JoinSet;

/// Why timeline questions have no answer when the store was not started.
const TIMELINE_OFF: &str = "the timeline is off (timeline.enabled: false)";

/// Lines sent to the UI in one message at most.
const LOG_BATCH: usize = 500;
/// Events buffered per log stream before the stream waits.
const LOG_BUFFER: usize = 256;

/// How long one request may take before it is reported as failed.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);

/// Runs effects. Dropping it aborts whatever is still in flight.
pub struct Runner {
    /// Indexed by `ClusterId`; empty for a context whose client is not built (yet).
    clients: ClientSet,
    executor: Executor,
    replies: UnboundedSender<Msg>,
    /// Log lines: bounded, so streams wait when the UI is behind.
    log_replies: Sender<Msg>,
    tasks: JoinSet<()>,
    /// The streams of the logs view; dropping the set aborts them.
    logs: JoinSet<()>,
    /// The change timeline's store, when it is on.
    timeline: Option<crate::timeline::Timeline>,
    /// The Events followed for the open detail; dropping the set aborts them.
    events: JoinSet<()>,
    /// The metrics pollers of the clusters a view shows.
    metrics: super::metrics::polls::Polls,
    /// Where connected exec sessions go for the loop to hand the terminal over (None: no
    /// terminal, as in tests of the runner: exec is refused).
    sessions: Option<UnboundedSender<super::shell::Handover>>,
    /// The port-forwards running; dropping the set (on quit) stops them all.
    forwards: JoinSet<()>,
    forward_ids: std::collections::HashMap<u64, tokio::task::AbortHandle>,
    /// Discovery of each context, kept current (src/tui/follow.rs).
    discovery: JoinSet<()>,
    discovery_of: std::collections::HashMap<crate::catalog::ClusterId, tokio::task::AbortHandle>,
    /// The rows of the generic resource layer.
    resources: super::follow::Followers,
}

impl Runner {
    pub fn new(
        clients: ClientSet,
        executor: Executor,
        replies: UnboundedSender<Msg>,
        log_replies: Sender<Msg>,
    ) -> Runner {
        Runner {
            clients,
            executor,
            replies,
            log_replies,
            tasks: JoinSet::new(),
            logs: JoinSet::new(),
            timeline: None,
            events: JoinSet::new(),
            metrics: Default::default(),
            sessions: None,
            forwards: JoinSet::new(),
            forward_ids: Default::default(),
            discovery: JoinSet::new(),
            discovery_of: Default::default(),
            resources: Default::default(),
        }
    }

    /// Poll metrics every `every` instead of metrics-server's 15 s (tests).
    pub fn set_metrics_interval(&mut self, every: Duration) {
        self.metrics.set_interval(every);
    }

    /// Per cluster, the namespace the fleet reads (`-n`): metrics are read no wider.
    pub fn set_metrics_namespaces(&mut self, namespaces: Vec<Option<String>>) {
        self.metrics.set_namespaces(namespaces);
    }

    /// Clusters whose metrics are being polled (for tests of the runner).
    pub fn metrics_polled(&self) -> Vec<crate::catalog::ClusterId> {
        self.metrics.clusters()
    }

    /// Hand connected exec sessions to the loop that owns the terminal.
    pub fn set_sessions(&mut self, tx: UnboundedSender<super::shell::Handover>) {
        self.sessions = Some(tx);
    }

    /// Port-forwards running (for tests of the runner).
    pub fn forwards_running(&self) -> usize {
        self.forward_ids.len()
    }

    /// Answer [`Effect::Timeline`] from this store.
    pub fn set_timeline(&mut self, timeline: crate::timeline::Timeline) {
        self.timeline = Some(timeline);
    }

    fn client_of(&self, cluster: crate::catalog::ClusterId) -> Result<kube::Client, String> {
        self.clients
            .get(cluster)
            .ok_or_else(|| "no API client for this context (yet)".to_string())
    }

    fn client(&self, t: &ObjectAddress) -> Result<kube::Client, String> {
        self.client_of(t.cluster)
    }

    /// Event followers running (for tests of the runner).
    pub fn event_followers(&self) -> usize {
        self.events.len()
    }

    /// Generic resource followers running (for tests: none once the layer closed).
    pub fn resource_followers(&self) -> usize {
        self.resources.len()
    }

    /// Log streams running (for tests of the runner).
    pub fn log_streams(&self) -> usize {
        self.logs.len()
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
            Effect::Act {
                batch,
                targets,
                action,
            } if action.is_session() => {
                for (entity, target) in targets {
                    self.session(batch, entity, target, action.clone());
                }
            }
            Effect::StopForward { id } => {
                let message = match self.forward_ids.remove(&id) {
                    Some(h) => {
                        h.abort();
                        "port-forward stopped".to_string()
                    }
                    None => "that port-forward had already stopped".to_string(),
                };
                let _ = self
                    .replies
                    .send(Msg::EffectDone(Reply::ForwardEnded { id, message }));
            }
            Effect::Act {
                batch,
                targets,
                action,
            } => {
                for (entity, target) in targets {
                    let ex = self.executor.clone();
                    let action = action.clone();
                    let replies = self.replies.clone();
                    self.tasks.spawn(async move {
                        let outcome = ex.execute(&target, &action).await;
                        let _ = replies.send(Msg::EffectDone(Reply::Acted {
                            batch,
                            entity,
                            outcome,
                        }));
                    });
                }
            }
            Effect::Logs {
                view,
                cluster,
                streams,
            } => {
                // One logs view at a time: the old streams stop here.
                self.logs = JoinSet::new();
                let client = self.client_of(cluster);
                for (i, req) in streams.into_iter().enumerate() {
                    self.stream(view, i, client.clone(), req);
                }
            }
            Effect::StopLogs => self.logs = JoinSet::new(),
            Effect::LastChanges => {
                let replies = self.replies.clone();
                let timeline = self.timeline.clone();
                self.tasks.spawn(async move {
                    let result = match timeline {
                        Some(t) => t.last_changes().await.map_err(|e| e.to_string()),
                        None => Err(TIMELINE_OFF.into()),
                    };
                    let _ = replies.send(Msg::EffectDone(Reply::LastChanges { result }));
                });
            }
            Effect::Timeline { view, query } => {
                let replies = self.replies.clone();
                let timeline = self.timeline.clone();
                self.tasks.spawn(async move {
                    let result = match timeline {
                        Some(t) => t.query(query).await.map_err(|e| e.to_string()),
                        None => Err(TIMELINE_OFF.into()),
                    };
                    let _ = replies.send(Msg::EffectDone(Reply::Timeline { view, result }));
                });
            }
            Effect::CheckAccess {
                cluster,
                context,
                checks,
                whoami,
            } => {
                let replies = self.replies.clone();
                let client = self.client_of(cluster);
                self.tasks.spawn(async move {
                    let (user, answers) = match client {
                        Ok(c) => access_reviews(&c, whoami, checks).await,
                        Err(e) => (
                            None,
                            checks.into_iter().map(|a| (a, Err(e.clone()))).collect(),
                        ),
                    };
                    let reply = Reply::Access {
                        context,
                        user,
                        answers,
                    };
                    let _ = replies.send(Msg::EffectDone(reply));
                });
            }
            Effect::FetchHistory { entity, target } => {
                let replies = self.replies.clone();
                let client = self.client(&target);
                self.tasks.spawn(async move {
                    let result = match (client, &target.history) {
                        (Ok(c), Some(rule)) => crate::actions::history::fetch(&c, &target, rule)
                            .await
                            .map(|h| h.revisions)
                            .map_err(|e| e.to_string()),
                        (Err(e), _) => Err(e),
                        (_, None) => Err(format!("{}: no rollout history", target.what())),
                    };
                    let _ = replies.send(Msg::EffectDone(Reply::History { entity, result }));
                });
            }
            Effect::FollowEvents { entity, target } => {
                self.events = JoinSet::new();
                let replies = self.replies.clone();
                match self.client(&target) {
                    Ok(c) => {
                        let (tx, mut rx) = mpsc::channel(16);
                        self.events
                            .spawn(crate::actions::events::follow(c, target, tx));
                        self.events.spawn(async move {
                            while let Some(result) = rx.recv().await {
                                let reply = Reply::Events {
                                    entity: entity.clone(),
                                    result,
                                };
                                if replies.send(Msg::EffectDone(reply)).is_err() {
                                    return;
                                }
                            }
                        });
                    }
                    Err(e) => {
                        let _ = replies.send(Msg::EffectDone(Reply::Events {
                            entity,
                            result: Err(e),
                        }));
                    }
                }
            }
            Effect::StopEvents => self.events = JoinSet::new(),
            Effect::Govern {
                targets,
                write,
                who,
            } => {
                let ex = self.executor.clone();
                let replies = self.replies.clone();
                self.tasks.spawn(async move {
                    let (message, error) = super::governed::run(&ex, targets, write, who).await;
                    let _ = replies.send(Msg::EffectDone(Reply::Done { message, error }));
                });
            }
            Effect::Metrics { clusters } => {
                self.metrics.set(clusters, &self.clients, &self.replies)
            }
            Effect::Discover { cluster } => {
                if let Some(old) = self.discovery_of.remove(&cluster) {
                    old.abort();
                }
                while self.discovery.try_join_next().is_some() {}
                let replies = self.replies.clone();
                match self.client_of(cluster) {
                    Ok(c) => {
                        let h = self
                            .discovery
                            .spawn(super::follow::discovery(c, cluster, replies));
                        self.discovery_of.insert(cluster, h);
                    }
                    Err(e) => {
                        let _ = replies.send(Msg::EffectDone(Reply::Discovered {
                            cluster,
                            result: Err(e),
                            watching: false,
                        }));
                    }
                }
            }
            Effect::FollowResource { view, targets } => {
                let clients: Vec<_> = targets.iter().map(|f| self.client_of(f.cluster)).collect();
                self.resources.follow(view, targets, clients, &self.replies);
            }
            Effect::StopResources => self.resources.stop(),
            Effect::FetchObject {
                entity,
                target,
                metadata_only,
                describe,
            } => {
                let replies = self.replies.clone();
                let client = self.client(&target);
                self.tasks.spawn(async move {
                    let yaml = match client {
                        Ok(c) if metadata_only => super::follow::metadata_yaml(c, &target).await,
                        Ok(c) => fetch_yaml(c, &target).await,
                        Err(e) => Err(e),
                    };
                    let result = yaml.map(|y| match describe {
                        Some(head) => super::resource::describe(&head, &y),
                        None => y,
                    });
                    let _ = replies.send(Msg::EffectDone(Reply::Yaml { entity, result }));
                });
            }
            Effect::Quit => {}
        }
    }

    /// An exec or port-forward: connect through the executor; a shell goes to the loop
    /// (which hands the terminal over and answers [`Reply::Acted`] when it ends), a forward
    /// runs here until stopped.
    fn session(
        &mut self,
        batch: u64,
        entity: crate::catalog::EntityRef,
        target: crate::actions::Target,
        action: crate::actions::Action,
    ) {
        let ex = self.executor.clone();
        let replies = self.replies.clone();
        let fail = move |replies: &UnboundedSender<Msg>, entity, message: String| {
            let outcome = crate::actions::Outcome {
                ok: false,
                message,
                generation: None,
            };
            let _ = replies.send(Msg::EffectDone(Reply::Acted {
                batch,
                entity,
                outcome,
            }));
        };
        if let crate::actions::Action::PortForward { .. } = action {
            let h = self.forwards.spawn(async move {
                let fwd = match ex.port_forward(&target, &action).await {
                    Ok(f) => f,
                    Err(e) => return fail(&replies, entity, e.to_string()),
                };
                let row = crate::actions::portforward::ForwardRow {
                    id: batch,
                    pod: fwd.label.clone(),
                    local: fwd.local.to_string(),
                    remote: fwd.remote(),
                    since: jiff::Timestamp::now().as_second(),
                };
                let message = format!(
                    "port-forward: {} → {}:{} (:pf lists and stops)",
                    fwd.local,
                    fwd.label,
                    fwd.remote()
                );
                let _ = replies.send(Msg::EffectDone(Reply::Forwarding(row)));
                let outcome = crate::actions::Outcome {
                    ok: true,
                    message,
                    generation: None,
                };
                let _ = replies.send(Msg::EffectDone(Reply::Acted {
                    batch,
                    entity,
                    outcome,
                }));
                fwd.serve().await;
            });
            self.forward_ids.insert(batch, h);
            return;
        }
        let Some(sessions) = self.sessions.clone() else {
            return fail(&replies, entity, "exec: no terminal to hand over".into());
        };
        self.tasks.spawn(async move {
            match ex.exec(&target, &action, true).await {
                Ok(session) => {
                    let h = super::shell::Handover {
                        batch,
                        entity,
                        session,
                    };
                    if let Err(e) = sessions.send(h) {
                        let h = e.0;
                        fail(&replies, h.entity, "exec: the terminal is gone".into());
                    }
                }
                Err(e) => fail(&replies, entity, e.to_string()),
            }
        });
    }

    /// One log stream and the task forwarding its lines, in batches, to the UI.
    fn stream(
        &mut self,
        view: u64,
        stream: usize,
        client: Result<kube::Client, String>,
        req: LogRequest,
    ) {
        let out = self.log_replies.clone();
        let client = match client {
            Ok(c) => c,
            Err(e) => {
                self.logs.spawn(async move {
                    let end = Reply::LogEnd {
                        view,
                        stream,
                        error: Some(e),
                    };
                    let _ = out.send(Msg::EffectDone(end)).await;
                });
                return;
            }
        };
        let (tx, mut rx) = mpsc::channel::<LogEvent>(LOG_BUFFER);
        self.logs.spawn(logs::stream(client, req, tx));
        self.logs.spawn(async move {
            while let Some(ev) = rx.recv().await {
                let mut lines = vec![];
                let mut end = None;
                let mut next = Some(ev);
                while let Some(ev) = next.take() {
                    match ev {
                        LogEvent::Line(l) => lines.push(l),
                        LogEvent::End(e) => {
                            end = Some(e);
                            break;
                        }
                    }
                    if lines.len() < LOG_BATCH {
                        next = rx.try_recv().ok();
                    }
                }
                if !lines.is_empty()
                    && out
                        .send(Msg::EffectDone(Reply::LogLines { view, lines }))
                        .await
                        .is_err()
                {
                    return;
                }
                if let Some(error) = end {
                    let _ = out
                        .send(Msg::EffectDone(Reply::LogEnd {
                            view,
                            stream,
                            error,
                        }))
                        .await;
                    return;
                }
            }
        });
    }
}

/// GET one object and render it as sanitized YAML.
pub async fn fetch_yaml(client: kube::Client, t: &ObjectAddress) -> Result<String, String> {
    let ar = t.api_resource();
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

/// POST a review body and read the answer.
async fn post_review(
    client: &kube::Client,
    path: &str,
    body: &serde_json::Value,
) -> Result<serde_json::Value, String> {
    let bytes = serde_json::to_vec(body).map_err(|e| e.to_string())?;
    let req = http::Request::builder()
        .method(http::Method::POST)
        .uri(path)
        .header(http::header::CONTENT_TYPE, "application/json")
        .header(http::header::ACCEPT, "application/json")
        .body(bytes)
        .map_err(|e| e.to_string())?;
    match tokio::time::timeout(REQUEST_TIMEOUT, client.request::<serde_json::Value>(req)).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(crate::fleet::status::classify(&e).message().to_string()),
        Err(_) => Err(format!("no answer within {} s", REQUEST_TIMEOUT.as_secs())),
    }
}

/// Who the user is (when asked; `None` when the server has no `SelfSubjectReview`) and the
/// server's verdict on each set of attributes, as `kubectl auth whoami` / `auth can-i` ask.
async fn access_reviews(
    client: &kube::Client,
    whoami: bool,
    checks: Vec<Attributes>,
) -> (Option<String>, Vec<(Attributes, Result<Verdict, String>)>) {
    // All at once: a slow context costs one round trip, not one per question.
    let user = async {
        if !whoami {
            return None;
        }
        post_review(client, access::WHOAMI_PATH, &access::whoami_body())
            .await
            .ok()
            .and_then(|v| access::parse_whoami(&v))
    };
    let answers = futures::future::join_all(checks.into_iter().map(|a| async move {
        let verdict = post_review(client, access::REVIEW_PATH, &access::review_body(&a))
            .await
            .and_then(|v| access::parse_review(&v).map_err(|e| e.to_string()));
        (a, verdict)
    }));
    futures::future::join(user, answers).await
}

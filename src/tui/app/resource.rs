//! The app's side of discovery and the generic resource layer: opening any discovered
//! resource from `:` (when no blueprint has the name), its keys (`y` YAML, `d`/Enter
//! describe, `s` scale, `ctrl-d` delete, `:` another command over it), following its rows
//! exactly while it is open, and folding discovery answers.

use super::App;
use crate::blueprint::ActionKind;
use crate::catalog::Catalog;
use crate::tui::act::Started;
use crate::tui::layer::Layer;
use crate::tui::msg::{Effect, Reply};
use crate::tui::outcome::Message;
use crate::tui::prompt::{Mode, Prompt, Typed};
use crate::tui::resource::{Followed, ResourceView};
use crate::tui::yaml::YamlView;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

impl App {
    /// Discovery as it stands (for `:` completion and tests).
    pub fn kinds(&self) -> &crate::tui::kinds::Kinds {
        &self.kinds
    }

    /// `-n`: each context's one namespace (by `ClusterId`; `None` or absent: all), which the
    /// generic resource layer reads namespaced resources from, as kubectl does.
    pub fn with_namespaces(mut self, namespaces: Vec<Option<String>>) -> App {
        self.scope_namespaces = namespaces;
        self
    }

    /// A `:` prompt that completes discovered resources too; asks discovery again where it
    /// is stale.
    pub(super) fn open_prompt(&mut self) -> Vec<Effect> {
        self.mode = Mode::Command(Prompt {
            kinds: self.kinds.words(),
            ..Prompt::default()
        });
        self.kinds.on_prompt(self.now)
    }

    /// Keys while the generic resource layer is on top; `None`: the layer's own keys.
    pub(super) fn resource_key(&mut self, cat: &Catalog, k: KeyEvent) -> Option<Vec<Effect>> {
        let v = match self.layers.top() {
            Some(Layer::Resource(v)) => v,
            _ => return None,
        };
        if let Mode::Command(_) = self.mode {
            return Some(match self.mode.command_key(cat, k) {
                Typed::Editing => vec![],
                Typed::Run(input) => self.run_command(cat, &input),
            });
        }
        if v.typing {
            return None;
        }
        let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
        Some(match k.code {
            KeyCode::Char('d') if ctrl => self.resource_action(cat, ActionKind::Delete),
            _ if ctrl => return None,
            KeyCode::Char(':') => self.open_prompt(),
            KeyCode::Char('y') => self.resource_object(false),
            KeyCode::Char('d') | KeyCode::Enter => self.resource_object(true),
            KeyCode::Char('s') => self.resource_action(cat, ActionKind::Scale),
            _ => return None,
        })
    }

    /// `:NAME [ctx[/ns]]` where NAME is no blueprint: the discovered resource of that name in
    /// every context serving it. `None` when no context serves such a resource.
    pub(super) fn open_resource(
        &mut self,
        cat: &Catalog,
        input: &str,
    ) -> Option<Result<(), String>> {
        let mut parts = input.split_whitespace();
        let word = parts.next()?;
        let arg = parts.next();
        let found = self.kinds.resolve(word);
        let first = found.first()?.1.clone();
        let (ctx, ns) = match arg.map(|a| a.split_once('/').unwrap_or((a, ""))) {
            Some((c, n)) => (Some(c), Some(n).filter(|n| !n.is_empty())),
            None => (None, None),
        };
        if ns.is_some() && !first.namespaced {
            return Some(Err(format!("{} are not namespaced", first.plural)));
        }
        // A namespace typed wins; else the context's `-n` (read on the server:
        // `namespaces/NS/…`, as kubectl's list path).
        let scoped = |cluster: crate::catalog::ClusterId| {
            self.scope_namespaces
                .get(cluster.0 as usize)
                .cloned()
                .flatten()
        };
        let targets: Vec<Followed> = found
            .into_iter()
            .filter_map(|(cluster, res)| {
                let context = cat.cluster(cluster)?.name.clone();
                if ctx.is_some_and(|c| c != context) {
                    return None;
                }
                let namespace = ns.map(str::to_string).or_else(|| scoped(cluster));
                Some(Followed {
                    cluster,
                    context,
                    namespace: namespace.filter(|_| res.namespaced),
                    res,
                })
            })
            .collect();
        if targets.is_empty() {
            return Some(Err(format!(
                "context {:?} does not serve {}",
                ctx.unwrap_or(""),
                first.qualified()
            )));
        }
        let ns = ns.map(str::to_string).or_else(|| {
            targets
                .iter()
                .find_map(|t| t.namespace.clone())
                .filter(|_| first.namespaced)
        });
        let scope = match (ctx, ns) {
            (Some(c), Some(n)) => format!("{c}/{n}"),
            (Some(c), None) => c.to_string(),
            (None, Some(n)) => format!("all/{n}"),
            (None, None) => "all".into(),
        };
        self.layers.close_resources();
        let view = ResourceView::new(self.ids.fresh(), first.qualified(), scope, targets);
        self.layers.push(Layer::Resource(view));
        Some(Ok(()))
    }

    /// Follow the open resource layer's rows; stop when it closed (no watcher, no rows left).
    pub(super) fn sync_resources(&mut self) -> Vec<Effect> {
        let want = self.layers.resource().map(|v| (v.id, v.followed.clone()));
        match want {
            Some((id, targets)) if self.resource_followed != Some(id) => {
                self.resource_followed = Some(id);
                vec![Effect::FollowResource { view: id, targets }]
            }
            None if self.resource_followed.is_some() => {
                self.resource_followed = None;
                vec![Effect::StopResources]
            }
            _ => vec![],
        }
    }

    /// Discovery answers and resource rows.
    pub(super) fn resource_reply(&mut self, r: Reply) {
        match r {
            Reply::Discovered {
                cluster,
                result,
                watching,
            } => {
                if let Err(e) = &result {
                    tracing::warn!(cluster = cluster.0, "{e}");
                }
                if self.kinds.arrived(cluster, result, watching, self.now)
                    && let Mode::Command(p) = &mut self.mode
                {
                    p.kinds = self.kinds.words();
                }
            }
            Reply::ResourceRows {
                view,
                cluster,
                change,
            } => {
                let height = self.list_height();
                if let Some(v) = self.layers.resource_mut()
                    && v.apply(view, cluster, change)
                {
                    v.follow(height);
                    self.dirty = true;
                }
            }
            _ => {}
        }
    }

    /// `y` (the object) or `d` (describe: the printed columns, then the object). A resource
    /// whose values are never fetched (Secrets) is read as metadata only.
    fn resource_object(&mut self, describe: bool) -> Vec<Effect> {
        let Some(v) = self.layers.resource() else {
            return vec![];
        };
        let Some((entity, target, f)) = v.address() else {
            return vec![];
        };
        let metadata_only = f.res.values_never_fetched();
        let head = describe.then(|| v.described());
        let what = if describe { "describe " } else { "" };
        let title = match &target.namespace {
            Some(ns) => format!(
                "{what}{} {ns}/{} ({})",
                target.kind, target.name, target.context
            ),
            None => format!("{what}{} {} ({})", target.kind, target.name, target.context),
        };
        self.layers
            .push(Layer::Yaml(YamlView::loading(entity.clone(), title)));
        vec![Effect::FetchObject {
            entity,
            target,
            metadata_only,
            describe: head,
        }]
    }

    /// `s` / `ctrl-d` on the selected row: the same checks, review and dialog as every action.
    fn resource_action(&mut self, cat: &Catalog, kind: ActionKind) -> Vec<Effect> {
        let Some((entity, target, f)) = self.layers.resource().and_then(|v| v.address()) else {
            return vec![];
        };
        let scale = f.res.scale;
        match self
            .actions
            .start_uncataloged(cat, kind, entity, target, scale)
        {
            Started::Dialog(d) => self.layers.push(Layer::Dialog(d)),
            Started::Told(m) => self.tell(m),
            Started::Asking(m, fx) => {
                self.resource_waiting = Some(kind);
                self.tell(m);
                return fx;
            }
            _ => {}
        }
        vec![]
    }

    /// Access answers arrived while an action on a resource row waited for them: go on.
    pub(super) fn resource_resume(&mut self, cat: &Catalog) -> Vec<Effect> {
        match self.resource_waiting.take() {
            Some(kind) if matches!(self.layers.top(), Some(Layer::Resource(_))) => {
                self.resource_action(cat, kind)
            }
            _ => vec![],
        }
    }

    /// A command word that is no blueprint: a discovered resource, or why not.
    pub(super) fn run_resource(&mut self, cat: &Catalog, input: &str, error: String) {
        match self.open_resource(cat, input) {
            Some(Ok(())) => {}
            Some(Err(e)) => self.tell(Message::new(e, true)),
            None if self.kinds.words().is_empty() => self.tell(Message::new(
                format!("{error} (the contexts' resources are still being discovered)"),
                true,
            )),
            None => self.tell(Message::new(error, true)),
        }
    }
}

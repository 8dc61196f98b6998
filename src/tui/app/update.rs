//! The state machine: `update(app, catalog, msg) -> effects`. Pure apart from the effects it
//! returns, so every key binding is unit-testable against a catalog built in memory. Keys go
//! to the top layer, else the input line, else the page; each feature answers with an
//! [`Outcome`] that is folded here.

use super::App;
use crate::catalog::Catalog;
use crate::tui::act::{self, Started};
use crate::tui::command::{self, Command};
use crate::tui::layer::Layer;
use crate::tui::msg::{Effect, Msg, Reply};
use crate::tui::outcome::{Message, Outcome};
use crate::tui::prompt::{Mode, Typed};
use crate::tui::view::View;
use crate::tui::yaml::{self, Content};
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

/// Fold one message into the state; return what must be done outside.
pub fn update(app: &mut App, cat: &Catalog, msg: Msg) -> Vec<Effect> {
    let effects = match msg {
        Msg::Key(k) if k.kind == KeyEventKind::Release => vec![],
        Msg::Key(k) => {
            app.dirty = true;
            app.key(cat, k)
        }
        Msg::Resize(w, h) => {
            app.width = w;
            app.height = h;
            app.dirty = true;
            vec![]
        }
        Msg::Catalog => vec![],
        Msg::EffectDone(r) => app.reply(cat, r),
        Msg::Tick { now } => {
            app.now = now;
            app.frame = app.frame.wrapping_add(1);
            app.dirty = true;
            vec![]
        }
        Msg::Clock { now } => {
            app.now = now;
            vec![]
        }
        Msg::Alert(v) => {
            app.alerts.push(&v);
            app.dirty = true;
            vec![]
        }
    };
    if app.actions.refresh_rollouts(cat, app.now) {
        app.dirty = true;
    }
    app.refresh(cat);
    let mut effects = effects;
    if !app.quit {
        effects.extend(app.events.sync(app.nav.page(), cat));
        effects.extend(app.metrics.sync(app.nav.page(), cat));
        effects.extend(app.kinds.sync(cat));
        effects.extend(app.sync_resources());
    }
    effects
}

fn ctrl(k: &KeyEvent, c: char) -> bool {
    k.modifiers.contains(KeyModifiers::CONTROL) && k.code == KeyCode::Char(c)
}

impl App {
    fn reply(&mut self, cat: &Catalog, r: Reply) -> Vec<Effect> {
        match r {
            Reply::Access {
                context,
                user,
                answers,
            } => {
                self.dirty = true;
                let page = self.nav.page();
                let resume = self.actions.answered(page, context, user, answers);
                // The key that waited goes on, unless something was opened meanwhile.
                let fx = match resume {
                    Some(kind) if self.layers.is_empty() => self.start_action(cat, kind),
                    _ => self.resource_resume(cat),
                };
                self.actions.settle_access();
                return fx;
            }
            Reply::Yaml { entity, result } => {
                let Some(y) = self.layers.yaml_mut().filter(|y| y.entity == entity) else {
                    return vec![];
                };
                let failed = match result {
                    Ok(text) => {
                        y.set_text(&text);
                        None
                    }
                    Err(e) => {
                        y.content = Content::Failed(e.clone());
                        Some(e)
                    }
                };
                if let Some(e) = failed {
                    self.tell(Message::new(e, true));
                }
                self.dirty = true;
            }
            Reply::Acted {
                batch,
                entity,
                outcome,
            } => {
                let m = self.actions.acted(cat, batch, entity, outcome);
                self.tell(m);
            }
            Reply::LogLines { view, lines } => {
                if self.layers.logs_mut().is_some_and(|v| v.lines(view, lines)) {
                    self.dirty = true;
                }
            }
            Reply::LogEnd {
                view,
                stream,
                error,
            } => {
                if self
                    .layers
                    .logs_mut()
                    .is_some_and(|v| v.ended(view, stream, error))
                {
                    self.dirty = true;
                }
            }
            Reply::LastChanges { result } => {
                self.last.answered(result);
                self.dirty = true;
            }
            Reply::Timeline { view, result } => {
                if self
                    .layers
                    .timeline_mut()
                    .is_some_and(|v| v.answered(view, result))
                {
                    self.dirty = true;
                }
            }
            Reply::History { entity, result } => {
                if let Some(h) = self.layers.history_mut().filter(|h| h.entity == entity) {
                    if let Err(e) = &result {
                        let e = e.clone();
                        h.arrived(result);
                        self.tell(Message::new(e, true));
                    } else {
                        h.arrived(result);
                    }
                    self.dirty = true;
                }
            }
            Reply::Events { entity, result } => {
                if self.events.arrived(&entity, result) {
                    self.dirty = true;
                }
            }
            Reply::Metrics { cluster, result } => {
                let height = self.list_height();
                if self
                    .metrics
                    .arrived(cat, cluster, result, self.nav.page(), height)
                {
                    self.dirty = true;
                }
            }
            Reply::Forwarding(row) => {
                self.forwards.started(row);
                self.layers.sync_forwards(&self.forwards);
                self.dirty = true;
            }
            Reply::ForwardEnded { id, message } => {
                self.forwards.ended(id);
                self.layers.sync_forwards(&self.forwards);
                self.tell(Message::new(message, false));
            }
            Reply::Done { message, error } => self.tell(Message::new(message, error)),
            r @ (Reply::Discovered { .. } | Reply::ResourceRows { .. }) => self.resource_reply(r),
        }
        vec![]
    }

    /// An action key: check, then a dialog, the logs, or the server asked first.
    fn start_action(&mut self, cat: &Catalog, kind: crate::blueprint::ActionKind) -> Vec<Effect> {
        match self
            .actions
            .start(self.nav.page(), cat, kind, &mut self.ids)
        {
            Started::Nothing => vec![],
            Started::Told(m) => {
                self.tell(m);
                vec![]
            }
            Started::Asking(m, fx) => {
                self.tell(m);
                fx
            }
            Started::Dialog(d) => {
                self.layers.push(Layer::Dialog(d));
                vec![]
            }
            Started::History(d, blocked) => {
                match crate::tui::history::HistoryView::open(d, blocked) {
                    Some((view, fx)) => {
                        self.layers.push(Layer::History(view));
                        vec![fx]
                    }
                    None => vec![],
                }
            }
            Started::Logs(v, fx) => {
                self.layers.push(Layer::Logs(v));
                fx
            }
            Started::Run(targets, action) => {
                let (fx, m) = self.actions.emit(targets, action, &mut self.ids);
                if let Some(m) = m {
                    self.tell(m);
                }
                fx
            }
        }
    }

    fn key(&mut self, cat: &Catalog, k: KeyEvent) -> Vec<Effect> {
        if ctrl(&k, 'c') {
            self.quit = true;
            return vec![Effect::Quit];
        }
        if let Some(fx) = self.resource_key(cat, k) {
            return fx;
        }
        let size = (self.width, self.height);
        if let Some((out, confirmed)) = self.layers.key(k, &mut self.ids, size, self.now) {
            let mut fx = self.fold(out);
            if let Some((targets, action)) = confirmed {
                let (more, m) = self.actions.emit(targets, action, &mut self.ids);
                fx.extend(more);
                if let Some(m) = m {
                    self.tell(m);
                }
            }
            return fx;
        }
        match &self.mode {
            Mode::Command(_) => match self.mode.command_key(cat, k) {
                Typed::Editing => vec![],
                Typed::Run(input) => self.run_command(cat, &input),
            },
            Mode::Filter => {
                let room = self.room();
                if !self.nav.filter_key(k, room) {
                    self.mode = Mode::Normal;
                }
                vec![]
            }
            Mode::Normal => self.normal_key(cat, k),
        }
    }

    /// Run a `:` command.
    pub(super) fn run_command(&mut self, cat: &Catalog, input: &str) -> Vec<Effect> {
        if input.is_empty() {
            return vec![];
        }
        #[cfg(any(test, feature = "test-support"))]
        if input == "crash-test" && self.crash_test {
            panic!("crash test requested with :crash-test");
        }
        let parsed = command::parse(cat, input);
        if matches!(
            parsed,
            Ok(Command::Fleet | Command::Matrix | Command::List { .. })
        ) {
            self.layers.close_resources();
        }
        match parsed {
            Ok(Command::Quit) => {
                self.quit = true;
                return vec![Effect::Quit];
            }
            Ok(Command::Help) => self.layers.push(Layer::Help(Default::default())),
            Ok(Command::Alerts) => self.layers.push(Layer::Yaml(self.alerts.view())),
            Ok(Command::Fleet) => self.nav.to_first(),
            Ok(Command::Matrix) => self.nav.open_top(View::Matrix),
            Ok(Command::List { bp, scope }) => self.nav.open_top(View::List { bp, scope }),
            Ok(Command::Forwards) => {
                self.layers
                    .push(Layer::Forwards(crate::tui::portforward::ForwardsView::new(
                        &self.forwards,
                    )))
            }
            Ok(Command::Reap) => match self.actions.start_reap(cat, self.now) {
                Started::Dialog(d) => self.layers.push(Layer::Dialog(d)),
                Started::Told(m) => self.tell(m),
                _ => {}
            },
            Err(e) => self.run_resource(cat, input, e),
        }
        vec![]
    }

    fn normal_key(&mut self, cat: &Catalog, k: KeyEvent) -> Vec<Effect> {
        let room = self.room();
        if ctrl(&k, 'f') || ctrl(&k, 'b') {
            let out = self.nav.key(cat, k, room);
            return self.fold(out);
        }
        let is_matrix = self.page().view == View::Matrix;
        if let Some(kind) = act::key_action(&k, is_matrix) {
            return self.start_action(cat, kind);
        }
        if k.modifiers.contains(KeyModifiers::CONTROL) {
            return vec![];
        }
        let is_detail = matches!(self.page().view, View::Detail { .. });
        match k.code {
            KeyCode::Char('q') => {
                self.quit = true;
                vec![Effect::Quit]
            }
            KeyCode::Char(':') => self.open_prompt(),
            KeyCode::Char('/') if !is_detail => {
                self.mode = Mode::Filter;
                vec![]
            }
            KeyCode::Char('?') => {
                self.layers.push(Layer::Help(Default::default()));
                self.actions.prefetch(self.nav.page(), cat)
            }
            KeyCode::Esc => {
                self.nav.back();
                vec![]
            }
            KeyCode::Char('y') => self.yaml(cat),
            KeyCode::Char('t') => self.timeline(cat),
            KeyCode::Char('c') if is_matrix => {
                self.dirty = true;
                self.last.toggle().into_iter().collect()
            }
            KeyCode::Char('D') => {
                match crate::tui::diff::open(cat, self.nav.page()) {
                    Ok(v) => self.layers.push(Layer::Diff(v)),
                    Err(m) => self.tell(Message::new(m, false)),
                }
                vec![]
            }
            KeyCode::Char('L') => self.govern(cat, act::govern::Ask::Lock),
            KeyCode::Char('e') => self.govern(cat, act::govern::Ask::Ttl),
            KeyCode::Char('x') if !self.actions.rollouts().is_empty() => {
                self.actions.dismiss();
                self.tell(Message::new("rollout lines dismissed", false));
                vec![]
            }
            _ => {
                let out = self.nav.key(cat, k, room);
                self.fold(out)
            }
        }
    }

    /// `t`: open the change timeline of the selection and ask the store.
    fn timeline(&mut self, cat: &Catalog) -> Vec<Effect> {
        match crate::tui::timeline::open(cat, self.nav.page(), &mut self.ids) {
            Ok((view, fx)) => {
                self.layers.push(Layer::Timeline(view));
                vec![fx]
            }
            Err(m) => {
                self.tell(Message::new(m, false));
                vec![]
            }
        }
    }

    /// `L` / `e`: the lock or TTL dialog (src/tui/act/govern.rs).
    fn govern(&mut self, cat: &Catalog, ask: act::govern::Ask) -> Vec<Effect> {
        match self
            .actions
            .start_govern(self.nav.page(), cat, ask, self.now)
        {
            Ok(d) => self.layers.push(Layer::Govern(d)),
            Err(m) => self.tell(m),
        }
        vec![]
    }

    /// `y`: open the YAML viewer and ask for the object.
    fn yaml(&mut self, cat: &Catalog) -> Vec<Effect> {
        let Some(entity) = self.nav.entity() else {
            return vec![];
        };
        match yaml::open(cat, entity) {
            Ok((view, fx)) => {
                self.layers.push(Layer::Yaml(view));
                vec![fx]
            }
            Err(m) => self.fold(Outcome {
                message: Some(m),
                ..Outcome::none()
            }),
        }
    }
}

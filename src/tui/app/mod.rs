//! The TUI's state, composed of features that each own theirs: the navigation stack of
//! pages ([`Nav`]), the input line ([`Mode`]), the layers over the page ([`Layers`]: logs,
//! YAML, dialogs, help), actions and rollouts ([`Actions`]) and the status line
//! ([`Status`]). [`update`] is the only way in: it routes a message to the feature it
//! concerns and folds what the feature returns; nothing is computed while drawing.

mod resource;
mod update;

pub use update::update;

use super::act::Actions;
use super::act::Batch;
use super::act::policy::Policy;
use super::act::rollout::Rollout;
use super::format;
use super::layer::Layers;
use super::nav::{Nav, Room};
use super::outcome::{Ids, Message, Outcome};
use super::page::Page;
use super::prompt::Mode;
use super::status::Status;
use super::table::ColKind;
use super::theme::Theme;
use super::view::View;
use crate::blueprint::ActionKind;
use crate::catalog::{Catalog, ClusterStatus};
use std::collections::BTreeMap;
use std::time::Duration;

/// Rows of the screen that are not list rows: header, status line, the block's two borders
/// and the column header.
pub const CHROME_ROWS: u16 = 5;
/// Notice lines drawn above a list at most.
pub const MAX_NOTICES: usize = 3;

/// The whole TUI state. One owner: the TUI task.
#[derive(Debug)]
pub struct App {
    theme: Theme,
    demo: bool,
    nav: Nav,
    mode: Mode,
    layers: Layers,
    actions: Actions,
    status: Status,
    /// Degrade rule firings and outcomes (`:alerts`, the status badge).
    alerts: super::alerts::Alerts,
    /// The Events of the open detail.
    events: super::events::Events,
    /// CPU and memory of what the page shows (polled only while shown).
    metrics: super::metrics::Metrics,
    /// The port-forwards running (`:pf`).
    forwards: super::portforward::Forwards,
    /// The newest change of each matrix cell (`c` on the matrix).
    last: super::last_change::LastChanges,
    /// What each context serves (discovery), for `:` and the generic resource layer.
    kinds: super::kinds::Kinds,
    /// The generic resource layer whose rows the runner follows.
    resource_followed: Option<u64>,
    /// An action on a resource row waiting for access answers.
    resource_waiting: Option<ActionKind>,
    /// `-n`: the one namespace of each context (by `ClusterId`), for the generic layer.
    scope_namespaces: Vec<Option<String>>,
    ids: Ids,
    /// `:crash-test` panics (only when `KUBEATLAS_CRASH_TEST=1`).
    #[cfg(any(test, feature = "test-support"))]
    crash_test: bool,
    /// Seconds since the epoch, for ages.
    now: i64,
    width: u16,
    height: u16,
    /// Animation frame counter (spinners).
    frame: usize,
    /// Set by updates that changed what is drawn; cleared when drawn.
    dirty: bool,
    quit: bool,
}

impl App {
    pub fn new(theme: Theme, demo: bool, readonly: bool, now: i64) -> App {
        App {
            theme,
            demo,
            nav: Nav::default(),
            mode: Mode::Normal,
            layers: Layers::default(),
            actions: Actions::new(readonly),
            status: Status::default(),
            alerts: Default::default(),
            events: Default::default(),
            metrics: Default::default(),
            forwards: Default::default(),
            last: Default::default(),
            kinds: Default::default(),
            resource_followed: None,
            resource_waiting: None,
            scope_namespaces: vec![],
            ids: Ids::default(),
            #[cfg(any(test, feature = "test-support"))]
            crash_test: false,
            now,
            width: 80,
            height: 24,
            frame: 0,
            dirty: true,
            quit: false,
        }
    }

    /// Who may act where (the executor's answers).
    pub fn with_policy(mut self, policy: Policy) -> App {
        self.actions.set_policy(policy);
        self
    }

    /// Ask the server before confirming an action (access reviews), with each context's
    /// kubeconfig user named until the server says who the user is.
    pub fn with_access(mut self, users: impl IntoIterator<Item = (String, String)>) -> App {
        self.actions.enable_access(users);
        self
    }

    /// Let `:crash-test` panic (the crash handling tests).
    #[cfg(any(test, feature = "test-support"))]
    pub fn with_crash_test(mut self, on: bool) -> App {
        self.crash_test = on;
        self
    }

    /// Who may act where, from now on.
    pub fn set_policy(&mut self, policy: Policy) {
        self.actions.set_policy(policy);
    }

    pub fn set_theme(&mut self, theme: Theme) {
        self.theme = theme;
        self.dirty = true;
    }

    /// Forget the status line's message (tests counting messages).
    #[cfg(any(test, feature = "test-support"))]
    pub fn clear_message(&mut self) {
        self.status.clear();
    }

    pub fn theme(&self) -> &Theme {
        &self.theme
    }

    /// Show the DEMO badge.
    pub fn demo(&self) -> bool {
        self.demo
    }

    /// The degrade rules' firings and outcomes.
    pub fn alerts(&self) -> &super::alerts::Alerts {
        &self.alerts
    }

    pub fn page(&self) -> &Page {
        self.nav.page()
    }

    /// The pages, the fleet first.
    pub fn stack(&self) -> &[Page] {
        self.nav.stack()
    }

    pub fn mode(&self) -> &Mode {
        &self.mode
    }

    pub fn layers(&self) -> &Layers {
        &self.layers
    }

    pub fn message(&self) -> Option<&Message> {
        self.status.message()
    }

    pub fn status(&self) -> &Status {
        &self.status
    }

    /// The port-forwards running.
    pub fn forwards(&self) -> &super::portforward::Forwards {
        &self.forwards
    }

    /// The Events of the open detail (followed while it is open).
    pub fn events(&self) -> &super::events::Events {
        &self.events
    }

    /// CPU and memory of what the page shows.
    pub fn metrics(&self) -> &super::metrics::Metrics {
        &self.metrics
    }

    pub fn batches(&self) -> &BTreeMap<u64, Batch> {
        self.actions.batches()
    }

    pub fn rollouts(&self) -> &[Rollout] {
        self.actions.rollouts()
    }

    /// The actions offered on the current page (as of the last update).
    pub fn offered(&self) -> &[ActionKind] {
        self.actions.offered()
    }

    /// Whether the status line says READ-ONLY (as of the last update).
    /// The actions the server denies on the selection, with who may not do what.
    pub fn denied(&self) -> &[(ActionKind, String)] {
        self.actions.denied()
    }

    pub fn readonly_badge(&self) -> bool {
        self.actions.readonly_badge()
    }

    pub fn now(&self) -> i64 {
        self.now
    }

    pub fn size(&self) -> (u16, u16) {
        (self.width, self.height)
    }

    pub fn frame(&self) -> usize {
        self.frame
    }

    pub fn quit(&self) -> bool {
        self.quit
    }

    /// Whether something visible changed since the last [`App::drawn`].
    pub fn dirty(&self) -> bool {
        self.dirty
    }

    /// The matrix cells' last changes, when the matrix shows them (`c`).
    pub fn last_changes(&self) -> Option<&super::last_change::LastChanges> {
        self.last.shown().then_some(&self.last)
    }

    /// What the timeline's recorder filed this frame (the matrix's last changes follow it).
    pub fn recorded(&mut self, entries: &[crate::timeline::Entry]) {
        if self.last.fold(entries) && self.page().view == View::Matrix {
            self.dirty = true;
        }
    }

    /// The screen shows the current state.
    pub fn drawn(&mut self) {
        self.dirty = false;
    }

    /// Notice lines above the current list.
    pub fn notices(&self) -> &[String] {
        &self.page().notices
    }

    /// List rows that fit on the screen.
    pub fn list_height(&self) -> usize {
        let prompt = u16::from(self.mode.shown());
        let notices = self.notices().len().min(MAX_NOTICES) as u16;
        self.height
            .saturating_sub(CHROME_ROWS + prompt + notices)
            .max(1) as usize
    }

    /// The current page's room on screen.
    fn room(&self) -> Room {
        Room {
            below: self.events.lines() + self.metrics.lines(),
            height: self.list_height(),
            width: self.width.saturating_sub(2) as usize,
        }
    }

    /// Push a page and bring it up to date (benchmarks and tests open pages directly).
    pub fn push(&mut self, page: Page, cat: &Catalog) {
        self.nav.push(page);
        self.refresh(cat);
        self.dirty = true;
    }

    /// While the loop is idle: build the rows of the biggest views ahead (the matrix, every
    /// all-clusters list of [`super::warm::WARM_MIN`] rows or more) until `deadline`, so that
    /// opening one costs a patch, not a projection of every row. True when there is more to
    /// do; the runtime calls it again only when no input, change or reply is waiting.
    pub fn warm(&mut self, cat: &Catalog, deadline: std::time::Instant) -> bool {
        let more = self.nav.warm(cat, deadline);
        if self.nav.page().building.is_some() {
            // The open page waits for these rows: show how far, or the rows once built.
            self.refresh(cat);
            self.dirty = true;
        }
        more
    }

    /// Build a big view opened before its rows were built ahead in slices, the page saying
    /// how far, rather than in one go on the key (the program does; see `Nav::adopt`).
    pub fn slice_opens(&mut self, on: bool) {
        self.nav.slice_opens = on;
    }

    /// Whether [`App::warm`] has work (cheap; false while a cluster still syncs).
    pub fn warming(&mut self, cat: &Catalog) -> bool {
        self.nav.warming(cat)
    }

    /// Rows held warm for views not on screen (benchmarks and tests).
    pub fn warm_rows(&self) -> usize {
        self.nav.shelf.rows()
    }

    /// Refresh every feature from the catalog: the current page, what it offers, the help,
    /// the prompt's hint, the status line; mark dirty on change.
    fn refresh(&mut self, cat: &Catalog) {
        let now = self.now;
        self.nav.shelf.refresh(cat);
        self.nav.adopt(cat);
        let changed = self.nav.page_mut().refresh(cat, now);
        let changed = self.metrics.refresh(self.nav.page_mut(), cat) || changed;
        let height = self.list_height();
        self.nav.page_mut().follow(height);
        self.actions.sync(self.nav.page(), cat);
        self.layers.sync_help(
            &self.nav.page().view,
            self.actions.offered(),
            self.actions.denied(),
            !self.actions.rollouts().is_empty(),
        );
        self.mode.refresh(cat);
        let changed = self.layers.refresh_diff(cat) || changed;
        if self.status.refresh_at(cat, now) || changed {
            self.dirty = true;
        }
    }

    /// Fold what a feature returned; the effects go out.
    fn fold(&mut self, out: Outcome) -> Vec<super::msg::Effect> {
        if let Some(m) = out.message {
            self.tell(m);
        }
        if out.help {
            self.layers
                .push(super::layer::Layer::Help(Default::default()));
        }
        out.effects
    }

    /// Show a message in the status line.
    fn tell(&mut self, m: Message) {
        self.status.tell(m);
        self.dirty = true;
    }

    /// Something animates: a cluster connecting or syncing, a YAML fetch or an action in
    /// flight.
    pub fn spinning(&self, cat: &Catalog) -> bool {
        self.layers.loading()
            || !self.actions.batches().is_empty()
            || cat
                .clusters()
                .iter()
                .any(|c| matches!(c.status, ClusterStatus::Connecting | ClusterStatus::Syncing))
    }

    /// When the screen next changes by itself: a spinner frame, or an age shown on screen
    /// turning into another text. None when nothing on screen moves.
    pub fn next_tick(&self, cat: &Catalog) -> Option<Duration> {
        if self.spinning(cat) {
            return Some(Duration::from_millis(150));
        }
        if !self.actions.rollouts().is_empty() {
            // Finished rollouts leave the screen after a few seconds.
            return Some(Duration::from_secs(1));
        }
        let page = self.page();
        let c = &page.cache;
        let mut soonest: Option<i64> = None;
        let mut note = |created: i64| {
            if let Some(s) = format::age_changes_in(created, self.now) {
                soonest = Some(soonest.map_or(s, |x| x.min(s)));
            }
        };
        // The data age of clusters read through a hub, in the status line.
        for b in self.status.badges() {
            if let Some(at) = b.polled {
                note(at);
            }
        }
        if let View::Detail { .. } = page.view {
            if let Some(r) = &page.snapshot {
                note(r.created);
            }
        } else {
            let ages: Vec<usize> = c
                .table
                .columns
                .iter()
                .enumerate()
                .filter(|(_, col)| col.kind == ColKind::Age)
                .map(|(i, _)| i)
                .collect();
            if !ages.is_empty() {
                let end = (page.offset + self.list_height()).min(page.len());
                for &ri in c.filtered.rows().get(page.offset..end).unwrap_or_default() {
                    let Some(row) = c.table.rows.get(ri as usize) else {
                        continue;
                    };
                    for &a in &ages {
                        if let Some(n) = row.cells.get(a).and_then(|x| x.num) {
                            note(n);
                        }
                    }
                }
            }
        }
        soonest.map(|s| Duration::from_secs(s.max(1) as u64))
    }
}

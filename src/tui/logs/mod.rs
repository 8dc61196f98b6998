//! The logs view: one pod (a container picked when it has several) or a workload's pods
//! merged with `[pod/container]` prefixes, streamed by the runner and kept in a bounded buffer.
//! Keys: `c` container, `p` previous instance, `t` tail size, `w` wrap, `f` follow,
//! `/` `n` `N` search, `j/k PgUp/PgDn g/G` scroll, Esc closes (and stops the streams).

mod keys;

pub use keys::key;

use super::app::App;
use super::msg::Effect;
use super::view;
use crate::actions::logs::LogRequest;
use crate::catalog::{Catalog, ClusterId, EntityRef};
use std::collections::VecDeque;

/// Lines kept; older ones are dropped (memory stays flat on a chatty pod).
pub const MAX_LINES: usize = 10_000;
/// Tail sizes `t` cycles through (None: everything the server keeps).
pub const TAILS: [Option<i64>; 4] = [Some(100), Some(200), Some(500), None];
/// The tail a view starts with (200 lines).
const DEFAULT_TAIL: usize = 1;
/// Streams opened at most for one view (a big DaemonSet would open hundreds).
pub const MAX_STREAMS: usize = 32;

/// A pod whose log is shown, and its containers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodLogs {
    pub name: String,
    pub containers: Vec<String>,
}

/// One line of the buffer; `note`s are the view's own (a stream ended, an error).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    pub text: String,
    pub note: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LogView {
    /// Id of the current streams (replies of older ones are ignored); 0 before any.
    pub id: u64,
    pub cluster: ClusterId,
    pub namespace: String,
    /// `Pod shop/cart-1 (dev)`.
    pub title: String,
    pub pods: Vec<PodLogs>,
    /// Container choices: a name, or None for every container.
    pub choices: Vec<Option<String>>,
    pub choice: usize,
    /// The container picker is open, with its cursor.
    pub picking: Option<usize>,
    /// A workload's pods: lines are always prefixed.
    pub merged: bool,
    /// The previous (crashed) instance of the containers.
    pub previous: bool,
    /// Index into [`TAILS`].
    pub tail: usize,
    pub wrap: bool,
    /// Keep the newest line in view.
    pub follow: bool,
    pub lines: VecDeque<LogLine>,
    /// Lines dropped from the front so far (absolute line number of `lines[0]`).
    pub dropped: u64,
    /// First line shown when not following (index into `lines`).
    pub scroll: usize,
    pub search: String,
    pub typing: bool,
    /// Absolute numbers of the lines matching `search`, ascending.
    pub matches: VecDeque<u64>,
    /// The match `n`/`N` last jumped to.
    pub current: Option<u64>,
    /// `pod/container` of each running stream.
    pub streams: Vec<String>,
    /// Streams still open.
    pub open: usize,
    /// Streams not opened because of [`MAX_STREAMS`].
    pub capped: usize,
}

/// Columns and rows of log text for a terminal of `width`×`height` (header, status line and
/// the block's borders taken off).
pub fn viewport(width: u16, height: u16) -> (usize, usize) {
    (
        width.saturating_sub(2).max(1) as usize,
        height.saturating_sub(4).max(1) as usize,
    )
}

/// Rows a line takes.
pub fn rows_of(text: &str, cols: usize, wrap: bool) -> usize {
    if wrap {
        text.chars().count().div_ceil(cols.max(1)).max(1)
    } else {
        1
    }
}

impl LogView {
    pub fn new(
        cluster: ClusterId,
        namespace: String,
        title: String,
        pods: Vec<PodLogs>,
        merged: bool,
    ) -> LogView {
        let mut names: Vec<String> = vec![];
        for p in &pods {
            for c in &p.containers {
                if !names.contains(c) {
                    names.push(c.clone());
                }
            }
        }
        let several = names.len() > 1;
        let mut choices: Vec<Option<String>> = names.into_iter().map(Some).collect();
        if several || choices.is_empty() {
            choices.push(None);
        }
        // A workload starts with every container; a pod with several asks first.
        let choice = if merged { choices.len() - 1 } else { 0 };
        LogView {
            id: 0,
            cluster,
            namespace,
            title,
            pods,
            picking: (several && !merged).then_some(0),
            choices,
            choice,
            merged,
            previous: false,
            tail: DEFAULT_TAIL,
            wrap: false,
            follow: true,
            lines: VecDeque::new(),
            dropped: 0,
            scroll: 0,
            search: String::new(),
            typing: false,
            matches: VecDeque::new(),
            current: None,
            streams: vec![],
            open: 0,
            capped: 0,
        }
    }

    /// The chosen container, or `all containers`.
    pub fn container_label(&self) -> String {
        match self.choices.get(self.choice) {
            Some(Some(c)) => c.clone(),
            _ => "all containers".into(),
        }
    }

    /// A choice's name in the picker.
    pub fn choice_label(c: &Option<String>) -> String {
        c.clone().unwrap_or_else(|| "all containers".into())
    }

    /// The streams of the current choice: (`pod/container`, request).
    pub fn requests(&self) -> Vec<(String, LogRequest)> {
        let chosen = self.choices.get(self.choice).cloned().flatten();
        let mut out = vec![];
        for p in &self.pods {
            let containers: Vec<Option<String>> = match &chosen {
                Some(c) if p.containers.is_empty() || p.containers.contains(c) => {
                    vec![Some(c.clone())]
                }
                Some(_) => vec![],
                None if p.containers.is_empty() => vec![None],
                None => p.containers.iter().cloned().map(Some).collect(),
            };
            for c in containers {
                let label = match &c {
                    Some(c) => format!("{}/{c}", p.name),
                    None => p.name.clone(),
                };
                out.push((
                    label,
                    LogRequest {
                        namespace: self.namespace.clone(),
                        pod: p.name.clone(),
                        container: c,
                        previous: self.previous,
                        tail: TAILS.get(self.tail).copied().flatten(),
                        follow: true,
                        prefix: None,
                    },
                ));
            }
        }
        let prefixed = self.merged || out.len() > 1;
        for (label, r) in out.iter_mut() {
            if prefixed {
                r.prefix = Some(label.clone());
            }
        }
        out
    }

    /// Start (or restart) the streams under a new id: the buffer starts empty, following.
    pub fn restart(&mut self, id: u64) -> Effect {
        let mut reqs = self.requests();
        self.capped = reqs.len().saturating_sub(MAX_STREAMS);
        reqs.truncate(MAX_STREAMS);
        self.id = id;
        self.lines.clear();
        self.matches.clear();
        self.current = None;
        self.dropped = 0;
        self.scroll = 0;
        self.follow = true;
        self.streams = reqs.iter().map(|(l, _)| l.clone()).collect();
        self.open = reqs.len();
        if self.capped > 0 {
            self.push(
                format!(
                    "── showing {MAX_STREAMS} streams; {} more not opened (pick a container with c)",
                    self.capped
                ),
                true,
            );
        }
        Effect::Logs {
            view: id,
            cluster: self.cluster,
            streams: reqs.into_iter().map(|(_, r)| r).collect(),
        }
    }

    /// Append a line, dropping the oldest past [`MAX_LINES`].
    pub fn push(&mut self, text: String, note: bool) {
        if self.lines.len() >= MAX_LINES {
            self.lines.pop_front();
            self.dropped += 1;
            self.scroll = self.scroll.saturating_sub(1);
            while self.matches.front().is_some_and(|&m| m < self.dropped) {
                self.matches.pop_front();
            }
        }
        let abs = self.dropped + self.lines.len() as u64;
        if !self.search.is_empty() && matches(&text, &self.search) {
            self.matches.push_back(abs);
        }
        self.lines.push_back(LogLine { text, note });
    }

    /// Recompute the matches after the pattern changed.
    pub fn research(&mut self) {
        self.current = None;
        self.matches.clear();
        if self.search.is_empty() {
            return;
        }
        let pat = self.search.to_lowercase();
        for (i, l) in self.lines.iter().enumerate() {
            if l.text.to_lowercase().contains(&pat) {
                self.matches.push_back(self.dropped + i as u64);
            }
        }
    }

    /// The first line shown when following: the newest lines that fill `rows`.
    pub fn tail_start(&self, rows: usize, cols: usize) -> usize {
        let mut used = 0;
        let mut start = self.lines.len();
        while start > 0 {
            let h = rows_of(&self.lines[start - 1].text, cols, self.wrap);
            if used + h > rows && used > 0 {
                break;
            }
            used += h;
            start -= 1;
            if used >= rows {
                break;
            }
        }
        start
    }

    /// The first line shown.
    pub fn top(&self, rows: usize, cols: usize) -> usize {
        let tail = self.tail_start(rows, cols);
        if self.follow {
            tail
        } else {
            self.scroll.min(tail)
        }
    }

    fn scroll_by(&mut self, delta: isize, rows: usize, cols: usize) {
        let top = self.top(rows, cols);
        if delta < 0 {
            self.follow = false;
        }
        self.scroll = top
            .saturating_add_signed(delta)
            .min(self.tail_start(rows, cols));
    }

    /// Jump to the next (or previous) match, wrapping around.
    fn step(&mut self, forward: bool, rows: usize, cols: usize) {
        if self.matches.is_empty() {
            return;
        }
        let from = self
            .current
            .unwrap_or_else(|| self.dropped + self.top(rows, cols) as u64);
        let next = if forward {
            self.matches
                .iter()
                .find(|&&m| m > from || (self.current.is_none() && m == from))
                .or(self.matches.front())
        } else {
            self.matches
                .iter()
                .rev()
                .find(|&&m| m < from)
                .or(self.matches.back())
        };
        let Some(&m) = next else { return };
        self.current = Some(m);
        self.follow = false;
        let idx = m.saturating_sub(self.dropped) as usize;
        self.scroll = idx.saturating_sub(3).min(self.tail_start(rows, cols));
    }
}

fn matches(text: &str, pat: &str) -> bool {
    text.to_lowercase().contains(&pat.to_lowercase())
}

/// The pods blueprint: the one with role `pod` (the only objects with logs).
fn pod_blueprint(cat: &Catalog) -> Option<crate::blueprint::BpId> {
    cat.blueprints().roles().pod
}

/// `l`: the logs of a pod, or of every pod of a workload.
pub fn open(app: &mut App, cat: &Catalog, e: &EntityRef) -> Vec<Effect> {
    let Some(r) = cat.get(e) else {
        app.tell("that entity is gone from the catalog", true);
        return vec![];
    };
    let Some(ns) = r.namespace.as_deref() else {
        app.tell(format!("{} has no pods with logs", r.name), false);
        return vec![];
    };
    let kind = view::kind_of(cat, r).to_string();
    let ctx = cat.cluster(e.cluster).map_or("", |c| c.name.as_str());
    let pod_bp = pod_blueprint(cat);
    let is_pod = Some(e.bp) == pod_bp;
    let refs = match (is_pod, pod_bp) {
        (true, _) => vec![e.clone()],
        (false, Some(pb)) => cat.children(e, pb),
        (false, None) => vec![],
    };
    let mut pods: Vec<PodLogs> = refs
        .iter()
        .filter_map(|p| cat.get(p))
        .map(|p| {
            let bp = cat.blueprint(p.blueprint);
            let containers = bp
                .action_rule(p.source as usize, crate::blueprint::ActionKind::Logs)
                .and_then(|rule| rule.containers)
                .and_then(|i| p.props.get(i))
                .map(|v| v.as_list().iter().map(|s| s.to_string()).collect())
                .unwrap_or_default();
            PodLogs {
                name: p.name.to_string(),
                containers,
            }
        })
        .collect();
    pods.sort_by(|a, b| a.name.cmp(&b.name));
    if pods.is_empty() {
        app.tell(format!("{kind} {ns}/{} has no pods", r.name), false);
        return vec![];
    }
    let title = format!("{kind} {ns}/{} ({ctx})", r.name);
    let mut v = LogView::new(e.cluster, ns.to_string(), title, pods, !is_pod);
    let fx = if v.picking.is_some() {
        vec![]
    } else {
        vec![v.restart(app.next_id())]
    };
    app.logs = Some(v);
    fx
}

/// Lines from the streams of view `id`.
pub fn lines(app: &mut App, id: u64, lines: Vec<String>) {
    let Some(v) = app.logs.as_mut().filter(|v| v.id == id) else {
        return;
    };
    for l in lines {
        v.push(l, false);
    }
    app.dirty = true;
}

/// Stream `stream` of view `id` ended.
pub fn ended(app: &mut App, id: u64, stream: usize, error: Option<String>) {
    let Some(v) = app.logs.as_mut().filter(|v| v.id == id) else {
        return;
    };
    v.open = v.open.saturating_sub(1);
    let who = v.streams.get(stream).cloned().unwrap_or_default();
    let text = match error {
        Some(e) => format!("── {who}: {e}"),
        None => format!("── {who}: log ended"),
    };
    v.push(text, true);
    app.dirty = true;
}

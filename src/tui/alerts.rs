//! Degrade rules in the TUI: the firings and the outcomes of their hooks and actions, kept as
//! lines (newest last, at most [`KEEP`]), counted by the status line's badge and shown by
//! `:alerts` in the text viewer. The rules themselves run in the runtime ([`Rules`]): evaluated
//! once a second over the catalog, hooks and actions on their own tasks (`crate::rules::run`),
//! so keys and frames never wait for them.

use super::yaml::{Content, YamlView};
use crate::actions::Executor;
use crate::blueprint::BpId;
use crate::catalog::{Catalog, ClusterId, EntityRef};
use crate::fleet::ClientSet;
use crate::rules::run::dispatch;
use crate::rules::{Evaluator, Rule, observe};
use serde_json::Value;
use tokio::sync::mpsc;

/// Alerts kept in memory.
pub const KEEP: usize = 500;

/// The alerts seen this session.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Alerts {
    lines: Vec<String>,
    firings: usize,
}

impl Alerts {
    /// Add one event (a firing, or a hook/action outcome) as its line.
    pub fn push(&mut self, v: &Value) {
        if v["event"] == "firing" {
            self.firings += 1;
        }
        self.lines.push(line(v));
        if self.lines.len() > KEEP {
            self.lines.remove(0);
        }
    }

    /// Firings so far (the status badge).
    pub fn firings(&self) -> usize {
        self.firings
    }

    pub fn lines(&self) -> &[String] {
        &self.lines
    }

    /// The `:alerts` viewer (the text viewer; it belongs to no entity).
    pub fn view(&self) -> YamlView {
        let nobody = EntityRef {
            cluster: ClusterId(u16::MAX),
            bp: BpId(u16::MAX),
            uid: "".into(),
        };
        let mut v = YamlView::loading(nobody, format!("alerts[{}]", self.firings));
        v.content = Content::Lines(if self.lines.is_empty() {
            vec!["no rule has fired (rules: in the config file)".into()]
        } else {
            self.lines.clone()
        });
        v
    }
}

/// One event in words: `HH:MM:SS checkout-api in prod: degraded 40 s after version 1.4.3
/// [checkout-degraded]`, `… hook ok`, `… restart: not permitted …`.
pub fn line(v: &Value) -> String {
    let at = v["at_ms"]
        .as_i64()
        .and_then(|ms| jiff::Timestamp::from_millisecond(ms).ok())
        .map(|t| t.strftime("%H:%M:%S").to_string())
        .unwrap_or_else(|| "        ".into());
    let who = format!(
        "{} in {} [{}]",
        v["service"].as_str().unwrap_or(""),
        v["environment"].as_str().unwrap_or(""),
        v["rule"].as_str().unwrap_or("")
    );
    match v["event"].as_str() {
        Some("firing") => {
            let mut s = format!("{at} {who}: {}", v["text"].as_str().unwrap_or(""));
            if let Some(held) = v["action_held"].as_str() {
                s.push_str(&format!("; {held}"));
            }
            s
        }
        Some("hook") => format!("{at}   hook {who}: {}", v["message"].as_str().unwrap_or("")),
        Some("action") => {
            let detail: Vec<String> = v["workloads"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|w| w["message"].as_str().unwrap_or("").to_string())
                .chain(v["message"].as_str().map(str::to_string))
                .collect();
            format!(
                "{at}   {} {who}: {}",
                v["action"].as_str().unwrap_or("action"),
                detail.join("; ")
            )
        }
        _ => format!("{at} {v}"),
    }
}

/// The rules as the runtime runs them.
pub struct Rules {
    eval: Evaluator,
    executor: Executor,
    clients: ClientSet,
    tx: mpsc::UnboundedSender<Value>,
}

impl Rules {
    /// `None` when there are no rules (then nothing ticks). Events arrive on the receiver.
    pub fn new(
        rules: Vec<Rule>,
        executor: Executor,
        clients: ClientSet,
    ) -> Option<(Rules, mpsc::UnboundedReceiver<Value>)> {
        if rules.is_empty() {
            return None;
        }
        let (tx, rx) = mpsc::unbounded_channel();
        Some((
            Rules {
                eval: Evaluator::new(rules),
                executor,
                clients,
                tx,
            },
            rx,
        ))
    }

    /// Evaluate at `now_ms`: each firing is sent as an event, its hook and action started;
    /// the firings are returned (for the change timeline).
    pub fn tick(&mut self, cat: &Catalog, now_ms: i64) -> Vec<crate::rules::Firing> {
        let obs = observe::observe(cat, self.eval.needs_restarts());
        let firings = self.eval.observe(now_ms, &obs);
        for f in &firings {
            let _ = self.tx.send(crate::rules::run::firing_json(f));
            dispatch(f, cat, &self.executor, &self.clients, &self.tx);
        }
        firings
    }
}

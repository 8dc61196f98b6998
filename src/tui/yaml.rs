//! The YAML viewer: an object fetched on demand, made safe to show (no `managedFields`, no
//! Secret values), scrollable and searchable with `/`, `n`, `N`.

use super::msg::Effect;
use super::outcome::Message;
use crate::actions::ObjectAddress;
use crate::catalog::{Catalog, EntityRef};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// What replaces every Secret value.
pub const REDACTED: &str = "***";
const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// Strip `metadata.managedFields`; for a Secret replace every value under `data` and
/// `stringData` (and the last-applied annotation, which repeats them) with `***`.
pub fn sanitize(obj: &mut serde_json::Value) {
    // A safety rule, not a kind rule: Secret values are never shown, whatever the blueprints.
    let is_secret = obj.get("kind").and_then(|k| k.as_str()) == Some("Secret"); // kind-literal: masking
    if let Some(md) = obj.get_mut("metadata").and_then(|m| m.as_object_mut()) {
        md.remove("managedFields");
        if is_secret
            && let Some(a) = md.get_mut("annotations").and_then(|a| a.as_object_mut())
            && let Some(v) = a.get_mut(LAST_APPLIED)
        {
            *v = REDACTED.into();
        }
    }
    if is_secret {
        for key in ["data", "stringData"] {
            match obj.get_mut(key) {
                Some(serde_json::Value::Object(m)) => {
                    for v in m.values_mut() {
                        *v = REDACTED.into();
                    }
                }
                Some(v) if !v.is_null() => *v = REDACTED.into(),
                _ => {}
            }
        }
    }
}

/// The sanitized object as YAML.
pub fn render(mut obj: serde_json::Value) -> Result<String, String> {
    sanitize(&mut obj);
    serde_yaml::to_string(&obj).map_err(|e| format!("cannot render YAML: {e}"))
}

/// Lines shown above a search match.
const CONTEXT: usize = 3;

/// What the viewer holds.
#[derive(Debug, Clone, PartialEq)]
pub enum Content {
    Loading,
    Lines(Vec<String>),
    Failed(String),
}

/// The viewer's state.
#[derive(Debug, Clone, PartialEq)]
pub struct YamlView {
    pub entity: EntityRef,
    /// `Deployment payments/checkout-api (prod)`.
    pub title: String,
    pub content: Content,
    /// First line shown.
    pub scroll: usize,
    /// The search pattern (case-insensitive substring).
    pub search: String,
    /// Typing a search pattern.
    pub typing: bool,
    /// Lines matching the search.
    pub matches: Vec<usize>,
    /// Index into `matches` of the current match.
    pub current: usize,
}

impl YamlView {
    pub fn loading(entity: EntityRef, title: String) -> YamlView {
        YamlView {
            entity,
            title,
            content: Content::Loading,
            scroll: 0,
            search: String::new(),
            typing: false,
            matches: vec![],
            current: 0,
        }
    }

    pub fn lines(&self) -> &[String] {
        match &self.content {
            Content::Lines(l) => l,
            _ => &[],
        }
    }

    pub fn set_text(&mut self, text: &str) {
        self.content = Content::Lines(text.lines().map(str::to_string).collect());
        self.research();
    }

    /// Recompute matches after the pattern or the text changed; jump to the first match at or
    /// after the current scroll position.
    pub fn research(&mut self) {
        let p = self.search.to_lowercase();
        self.matches = if p.is_empty() {
            vec![]
        } else {
            self.lines()
                .iter()
                .enumerate()
                .filter(|(_, l)| l.to_lowercase().contains(&p))
                .map(|(i, _)| i)
                .collect()
        };
        self.current = self
            .matches
            .iter()
            .position(|&m| m >= self.scroll)
            .unwrap_or(0);
        if let Some(&m) = self.matches.get(self.current) {
            self.scroll = m.saturating_sub(CONTEXT);
        }
    }

    /// Go to the next (or previous) match, wrapping around.
    pub fn step(&mut self, forward: bool) {
        if self.matches.is_empty() {
            return;
        }
        let n = self.matches.len();
        self.current = if forward {
            (self.current + 1) % n
        } else {
            (self.current + n - 1) % n
        };
        self.scroll = self.matches[self.current].saturating_sub(CONTEXT);
    }

    /// Scroll by `delta` lines within `height` visible lines.
    pub fn scroll_by(&mut self, delta: isize, height: usize) {
        let max = self.lines().len().saturating_sub(height.max(1));
        self.scroll = self.scroll.saturating_add_signed(delta).min(max);
    }
}

/// `y`: the viewer, loading, and the effect that asks for the object; or why not.
pub fn open(cat: &Catalog, entity: EntityRef) -> Result<(YamlView, Effect), Message> {
    let Some(target) = ObjectAddress::of(cat, &entity) else {
        return Err(Message::new("that entity is gone from the catalog", true));
    };
    let ctx = cat.cluster(entity.cluster).map_or("", |c| c.name.as_str());
    let title = match &target.namespace {
        Some(ns) => format!("{} {ns}/{} ({ctx})", target.kind, target.name),
        None => format!("{} {} ({ctx})", target.kind, target.name),
    };
    let view = YamlView::loading(entity.clone(), title);
    // A metadata-only source (Secrets): the object is fetched as metadata, never its values.
    let metadata_only = cat.get(&entity).is_some_and(|r| {
        cat.blueprint(entity.bp)
            .spec
            .sources
            .get(r.source as usize)
            .is_some_and(|s| s.metadata_only)
    });
    let effect = if metadata_only {
        Effect::FetchObject {
            entity,
            target,
            metadata_only: true,
            describe: None,
        }
    } else {
        Effect::FetchYaml { entity, target }
    };
    Ok((view, effect))
}

impl YamlView {
    /// Keys of the viewer on a terminal `height` rows high; false closes it.
    pub fn key(&mut self, k: KeyEvent, height: u16) -> bool {
        let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
        let height = height.saturating_sub(4).max(1) as usize;
        if self.typing {
            match k.code {
                KeyCode::Enter => self.typing = false,
                KeyCode::Esc => {
                    self.typing = false;
                    self.search.clear();
                    self.research();
                }
                KeyCode::Backspace => {
                    self.search.pop();
                    self.research();
                }
                KeyCode::Char(c) if !ctrl => {
                    self.search.push(c);
                    self.research();
                }
                _ => {}
            }
            return true;
        }
        match k.code {
            KeyCode::Esc | KeyCode::Char('q') => {
                if !self.search.is_empty() && k.code == KeyCode::Esc {
                    self.search.clear();
                    self.research();
                    return true;
                }
                return false;
            }
            KeyCode::Char('j') | KeyCode::Down => self.scroll_by(1, height),
            KeyCode::Char('k') | KeyCode::Up => self.scroll_by(-1, height),
            KeyCode::PageDown | KeyCode::Char(' ') => self.scroll_by(height as isize, height),
            KeyCode::PageUp => self.scroll_by(-(height as isize), height),
            KeyCode::Char('f') if ctrl => self.scroll_by(height as isize, height),
            KeyCode::Char('b') if ctrl => self.scroll_by(-(height as isize), height),
            KeyCode::Char('g') | KeyCode::Home => self.scroll = 0,
            KeyCode::Char('G') | KeyCode::End => self.scroll_by(isize::MAX / 2, height),
            KeyCode::Char('/') => {
                self.typing = true;
                self.search.clear();
                self.research();
            }
            KeyCode::Char('n') => self.step(true),
            KeyCode::Char('N') => self.step(false),
            _ => {}
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn secrets_are_redacted_and_managed_fields_dropped() {
        let obj = json!({
            "apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": "db", "managedFields": [{"manager": "kubectl"}],
                "annotations": {LAST_APPLIED: "{\"data\":{\"password\":\"aHVudGVyMg==\"}}"}},
            "data": {"password": "aHVudGVyMg==", "user": "YWRtaW4="},
            "stringData": {"token": "plain"}
        });
        let y = render(obj).expect("yaml");
        assert!(!y.contains("aHVudGVyMg=="), "{y}");
        assert!(!y.contains("plain"), "{y}");
        assert!(!y.contains("managedFields"), "{y}");
        assert!(
            y.contains("password: '***'") || y.contains("password: \"***\""),
            "{y}"
        );
    }

    #[test]
    fn other_kinds_keep_their_data() {
        let obj = json!({"kind": "ConfigMap", "metadata": {"name": "c", "managedFields": []}, "data": {"k": "v"}});
        let y = render(obj).expect("yaml");
        assert!(y.contains("k: v"));
        assert!(!y.contains("managedFields"));
    }

    #[test]
    fn search_steps_through_matches() {
        let e = EntityRef {
            cluster: crate::catalog::ClusterId(0),
            bp: crate::blueprint::BpId(0),
            uid: "u".into(),
        };
        let mut v = YamlView::loading(e, "t".into());
        v.set_text("a: 1\nimage: x\nb: 2\nimage: y\n");
        v.search = "IMAGE".into();
        v.research();
        assert_eq!(v.matches, vec![1, 3]);
        assert_eq!((v.current, v.scroll), (0, 0));
        v.step(true);
        assert_eq!(v.current, 1);
        v.step(true);
        assert_eq!(v.current, 0);
        v.step(false);
        assert_eq!(v.current, 1);
    }
}

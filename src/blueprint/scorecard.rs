//! Scorecards: checks over an entity's properties, each at a level (Port's Bronze / Silver /
//! Gold), declared in a blueprint as data (`scorecard:`), validated and compiled at load, and
//! evaluated per record: the level an entity reaches is the highest one whose checks, and those
//! of every level below, all pass.

use super::error::Diagnostic;
use super::locate::{Locator, Step, nth_of};
use super::{BlueprintSpec, PropType, Record, Value, ValueRef};
use crate::config::user::glob_match;
use serde::{Deserialize, Serialize};

/// The levels when a scorecard names none (Port's defaults): the first is where every entity
/// starts, checks sit at the others.
pub const DEFAULT_LEVELS: [&str; 4] = ["Basic", "Bronze", "Silver", "Gold"];

/// `scorecard:` in a blueprint.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ScorecardSpec {
    /// Shown in the detail (default `Scorecard`).
    #[serde(default)]
    pub title: Option<String>,
    /// Ordered from the base level up (default `[Basic, Bronze, Silver, Gold]`).
    #[serde(default)]
    pub levels: Vec<String>,
    pub checks: Vec<CheckSpec>,
}

/// One check: a property, exactly one test, a level, and optionally the environments it
/// applies in.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CheckSpec {
    pub id: String,
    #[serde(default)]
    pub title: Option<String>,
    pub level: String,
    /// The property tested (a `list` is tested item by item: every item must pass).
    pub property: String,
    /// Environment patterns (`prod*`); default: every environment.
    #[serde(default)]
    pub environments: Vec<String>,
    /// The value is set (a list: not empty, and no item empty).
    #[serde(default)]
    pub present: Option<bool>,
    /// An integer at least this.
    #[serde(default)]
    pub gte: Option<i64>,
    /// An integer at most this.
    #[serde(default)]
    pub lte: Option<i64>,
    /// The value (each item) equals this text.
    #[serde(default)]
    pub equals: Option<String>,
    /// The value (each item) matches this pattern (`*`, `?`).
    #[serde(default, rename = "match")]
    pub matches: Option<String>,
    /// The value (each item) does not match this pattern.
    #[serde(default)]
    pub not_match: Option<String>,
    /// Each item is an image reference pinned to a tag other than `latest`, or to a digest.
    #[serde(default)]
    pub pinned_tag: Option<bool>,
}

/// A compiled test.
#[derive(Debug, Clone, PartialEq)]
pub enum Test {
    Present(bool),
    Gte(i64),
    Lte(i64),
    Equals(String),
    Match(String),
    NotMatch(String),
    PinnedTag(bool),
}

/// A compiled check.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    pub id: String,
    pub title: String,
    /// Index into the scorecard's levels (≥ 1).
    pub level: usize,
    /// Index into the blueprint's properties.
    pub prop: usize,
    pub environments: Vec<String>,
    pub test: Test,
}

/// A blueprint's compiled scorecard.
#[derive(Debug, Clone, PartialEq)]
pub struct Scorecard {
    pub title: String,
    pub levels: Vec<String>,
    pub checks: Vec<Check>,
}

/// One check's outcome on one entity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckResult {
    pub id: String,
    pub title: String,
    pub level: String,
    pub passed: bool,
}

/// A scorecard evaluated on one entity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Score {
    /// The level reached (one of the scorecard's levels).
    pub level: String,
    /// Its index in the levels (0: the base level).
    #[serde(skip)]
    pub rank: usize,
    pub passed: usize,
    pub total: usize,
    /// Every check that applied, in declaration order.
    pub checks: Vec<CheckResult>,
}

impl Score {
    /// `Silver 4/5`.
    pub fn label(&self) -> String {
        format!("{} {}/{}", self.level, self.passed, self.total)
    }

    /// The checks that failed.
    pub fn failing(&self) -> impl Iterator<Item = &CheckResult> {
        self.checks.iter().filter(|c| !c.passed)
    }
}

impl Scorecard {
    /// Evaluate on `r` in environment `env`. `read(prop)` says whether the record's source
    /// reads the property at all (a check of a property its kind does not have — a Job's
    /// replicas — does not apply).
    pub fn evaluate(&self, r: &Record, env: &str, read: impl Fn(usize) -> bool) -> Score {
        let mut fails_at = self.levels.len(); // lowest level with a failing check
        let mut checks = Vec::new();
        for c in &self.checks {
            if !c.applies(env, &read) {
                continue;
            }
            let passed = c
                .test
                .passes(r.props.get(c.prop).unwrap_or(Value::null_ref()));
            if !passed {
                fails_at = fails_at.min(c.level);
            }
            checks.push(CheckResult {
                id: c.id.clone(),
                title: c.title.clone(),
                level: self.levels[c.level].clone(),
                passed,
            });
        }
        let rank = fails_at.saturating_sub(1);
        Score {
            level: self.levels[rank].clone(),
            rank,
            passed: checks.iter().filter(|c| c.passed).count(),
            total: checks.len(),
            checks,
        }
    }

    /// The level and counts [`Scorecard::evaluate`] gives, without the per-check results:
    /// what a SCORE cell shows, computed without allocating (lists and the matrix score every
    /// row they project).
    pub fn tally(&self, r: &Record, env: &str, read: impl Fn(usize) -> bool) -> Tally {
        let mut fails_at = self.levels.len();
        let (mut passed, mut total) = (0, 0);
        for c in &self.checks {
            if !c.applies(env, &read) {
                continue;
            }
            total += 1;
            if c.test
                .passes(r.props.get(c.prop).unwrap_or(Value::null_ref()))
            {
                passed += 1;
            } else {
                fails_at = fails_at.min(c.level);
            }
        }
        Tally {
            rank: fails_at.saturating_sub(1),
            passed,
            total,
        }
    }
}

/// A score without its checks: the level's index, checks passed and applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tally {
    pub rank: usize,
    pub passed: usize,
    pub total: usize,
}

impl Check {
    /// Whether the check applies to a record of a source that reads (`read`) its property,
    /// in environment `env`.
    fn applies(&self, env: &str, read: &impl Fn(usize) -> bool) -> bool {
        read(self.prop)
            && (self.environments.is_empty()
                || self.environments.iter().any(|p| glob_match(p, env)))
    }
}

impl Test {
    /// Whether `v` passes (a list: every item passes, and it is not empty).
    pub fn passes(&self, v: &Value) -> bool {
        match self {
            Test::Present(want) => present(v) == *want,
            Test::Gte(n) => v.as_int().is_some_and(|x| x >= *n),
            Test::Lte(n) => v.as_int().is_some_and(|x| x <= *n),
            Test::Equals(s) => each(v, |x| x == s),
            Test::Match(p) => each(v, |x| glob_match(p, x)),
            Test::NotMatch(p) => each(v, |x| !glob_match(p, x)),
            Test::PinnedTag(want) => each(v, |x| pinned(x) == *want),
        }
    }
}

fn present(v: &Value) -> bool {
    match v.view() {
        ValueRef::Null => false,
        ValueRef::List(l) => !l.is_empty() && l.iter().all(|i| !i.is_empty()),
        ValueRef::Str(s) => !s.is_empty(),
        _ => true,
    }
}

/// `f` holds for the value's text, or for every item of a non-empty list.
fn each(v: &Value, f: impl Fn(&str) -> bool) -> bool {
    match v.view() {
        ValueRef::Null => false,
        ValueRef::List(l) => !l.is_empty() && l.iter().all(|i| f(i)),
        _ => f(&v.to_string()),
    }
}

/// `repo/app:1.2` and `app@sha256:…` are pinned; `app`, `app:latest` and
/// `registry:5000/app` are not.
pub fn pinned(image: &str) -> bool {
    if image.contains('@') {
        return true;
    }
    let last = image.rsplit('/').next().unwrap_or(image);
    matches!(last.rsplit_once(':'), Some((_, tag)) if !tag.is_empty() && tag != "latest")
}

/// Validate and compile `spec.scorecard`, each problem placed at its field.
pub(crate) fn compile(
    spec: &BlueprintSpec,
    loc: &Locator<'_>,
    diags: &mut Vec<Diagnostic>,
) -> Option<Scorecard> {
    let sc = spec.scorecard.as_ref()?;
    let before = diags.len();
    let mut err = |steps: &[Step<'_>], msg: String| diags.push(loc.at(steps, msg));
    let top = Step::Key("scorecard");
    if spec.derived.is_some() {
        err(
            &[top],
            "scorecard: a derived blueprint has no properties to check; a running service is scored by its workloads' scorecard".into(),
        );
    }
    let levels: Vec<String> = if sc.levels.is_empty() {
        DEFAULT_LEVELS.iter().map(|s| (*s).to_string()).collect()
    } else {
        sc.levels.clone()
    };
    for (i, l) in levels.iter().enumerate() {
        if levels[..i].contains(l) || l.trim().is_empty() {
            err(
                &[top, Step::Key("levels"), Step::Value(l)],
                format!("scorecard: levels: {l:?} must be a unique, non-empty name"),
            );
        }
    }
    if levels.len() < 2 {
        err(
            &[top, Step::Key("levels")],
            "scorecard: levels: at least two (the base level, then one to reach)".into(),
        );
    }
    let mut checks = Vec::new();
    for (i, c) in sc.checks.iter().enumerate() {
        let nth = nth_of(&sc.checks, i, |c| &c.id);
        let at = |k: &'static str| {
            [
                top,
                Step::Key("checks"),
                Step::Item("id", &c.id, nth),
                Step::Key(k),
            ]
        };
        let item = [top, Step::Key("checks"), Step::Item("id", &c.id, nth)];
        let id = &c.id;
        if nth > 0 {
            err(
                &item,
                format!("scorecard: check {id:?}: duplicate check id"),
            );
        }
        let level = levels.iter().position(|l| *l == c.level);
        match level {
            None => err(
                &at("level"),
                format!(
                    "scorecard: check {id:?}: unknown level {:?} (levels: {})",
                    c.level,
                    levels.join(", ")
                ),
            ),
            Some(0) => err(
                &at("level"),
                format!(
                    "scorecard: check {id:?}: {:?} is the base level every entity has; a check sits at a level above it",
                    c.level
                ),
            ),
            Some(_) => {}
        }
        let prop = spec.properties.iter().position(|p| p.id == c.property);
        let Some(prop) = prop else {
            err(
                &at("property"),
                format!(
                    "scorecard: check {id:?}: {:?} is not a property of this blueprint",
                    c.property
                ),
            );
            continue;
        };
        let ty = spec.properties[prop].ty;
        let mut tests = Vec::new();
        if let Some(b) = c.present {
            tests.push(("present", Test::Present(b)));
        }
        if let Some(n) = c.gte {
            tests.push(("gte", Test::Gte(n)));
        }
        if let Some(n) = c.lte {
            tests.push(("lte", Test::Lte(n)));
        }
        if let Some(s) = &c.equals {
            tests.push(("equals", Test::Equals(s.clone())));
        }
        if let Some(s) = &c.matches {
            tests.push(("match", Test::Match(s.clone())));
        }
        if let Some(s) = &c.not_match {
            tests.push(("notMatch", Test::NotMatch(s.clone())));
        }
        if let Some(b) = c.pinned_tag {
            tests.push(("pinnedTag", Test::PinnedTag(b)));
        }
        if tests.len() != 1 {
            err(
                &item,
                format!(
                    "scorecard: check {id:?}: exactly one test of present, gte, lte, equals, match, notMatch, pinnedTag (found {})",
                    tests.len()
                ),
            );
            continue;
        }
        let (name, test) = tests.remove(0);
        let integer = matches!(test, Test::Gte(_) | Test::Lte(_));
        if integer && ty != PropType::Integer {
            err(
                &at(name),
                format!(
                    "scorecard: check {id:?}: {name} needs an integer property; {:?} is not type: integer",
                    c.property
                ),
            );
        }
        if matches!(test, Test::PinnedTag(_)) && !matches!(ty, PropType::List | PropType::String) {
            err(
                &at(name),
                format!(
                    "scorecard: check {id:?}: pinnedTag reads image references: {:?} must be type: string or list",
                    c.property
                ),
            );
        }
        if let (Some(level), true) = (level, level.is_some_and(|l| l > 0)) {
            checks.push(Check {
                id: id.clone(),
                title: c.title.clone().unwrap_or_else(|| id.clone()),
                level,
                prop,
                environments: c.environments.clone(),
                test,
            });
        }
    }
    (diags.len() == before).then(|| Scorecard {
        title: sc.title.clone().unwrap_or_else(|| "Scorecard".into()),
        levels,
        checks,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pinned_images_name_a_tag_other_than_latest_or_a_digest() {
        assert!(pinned("registry.example/app:1.2.3"));
        assert!(pinned("app@sha256:abcd"));
        assert!(pinned("registry:5000/app:2"));
        assert!(!pinned("app"));
        assert!(!pinned("app:latest"));
        assert!(!pinned("registry:5000/app"));
    }

    #[test]
    fn a_list_passes_when_every_item_does() {
        let l =
            |x: &[&str]| Value::list(x.iter().map(|s| Box::<str>::from(*s)).collect::<Vec<_>>());
        assert!(Test::Present(true).passes(&l(&["{\"cpu\":\"1\"}", "{}"])));
        assert!(!Test::Present(true).passes(&l(&["{\"cpu\":\"1\"}", ""])));
        assert!(!Test::Present(true).passes(&Value::NULL));
        assert!(Test::PinnedTag(true).passes(&l(&["a:1", "b:2"])));
        assert!(!Test::PinnedTag(true).passes(&l(&["a:1", "b:latest"])));
        assert!(Test::Gte(2).passes(&Value::int(3)));
        assert!(!Test::Gte(2).passes(&Value::NULL));
    }
}

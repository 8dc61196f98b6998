//! Relations by label selector (`via: selector`) and by several names (`via: field` with a
//! `[*]` path): reading the selector an object carries, the labels its targets carry, and
//! matching one against the other with Kubernetes' label-selector semantics.
//!
//! Two selector forms are read, as the API has them:
//! - the plain map a Service (or a ReplicationController) carries, `{app: cart}`: every pair
//!   must be present; an absent one selects nothing (a Service without a selector has its
//!   endpoints managed elsewhere; the API omits an empty map);
//! - a `LabelSelector` (`matchLabels` AND `matchExpressions` with `In`, `NotIn`, `Exists`,
//!   `DoesNotExist`): an empty one (`{}`) selects everything in the namespace, an absent one
//!   nothing. A selector with an unknown operator selects nothing (the server refuses them).
//!
//! Labels are kept as one interned list of `key=value` items sorted by key, so the pods of
//! one template share a single allocation.

use super::convert::to_cow;
use super::intern;
use super::tree::Tree;
use super::value::List;
use std::borrow::Cow;
use std::sync::Arc;

/// A compiled label selector: every requirement must hold.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Selector {
    reqs: Box<[Requirement]>,
}

/// One requirement of a [`Selector`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Requirement {
    pub key: Box<str>,
    pub op: Op,
}

/// A requirement's operator. A `matchLabels` pair (or a plain map's) is `Equals`, kept apart
/// from a one-value `In` only so that it is written back as kubectl writes it (`k=v` against
/// `k in (v)`); both select the same.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Op {
    Equals(Box<str>),
    In(Box<[Box<str>]>),
    NotIn(Box<[Box<str>]>),
    Exists,
    DoesNotExist,
}

/// Where a selector can be found fast: the labels one of its requirements needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Anchor<'a> {
    /// A target must carry one of these `key=value` pairs.
    Pairs(&'a str, &'a [Box<str>]),
    /// A target must carry this key.
    Key(&'a str),
    /// Only negative requirements (or none): every target of the namespace is a candidate.
    Everything,
}

impl Selector {
    /// A selector from its requirements.
    pub fn new(mut reqs: Vec<Requirement>) -> Selector {
        reqs.sort();
        reqs.dedup();
        Selector { reqs: reqs.into() }
    }

    pub fn requirements(&self) -> &[Requirement] {
        &self.reqs
    }

    /// Whether `labels` (a [`labels`] list) satisfy every requirement.
    pub fn matches(&self, labels: &[Box<str>]) -> bool {
        self.reqs.iter().all(|r| {
            let v = label(labels, &r.key);
            match &r.op {
                Op::Equals(x) => v == Some(&**x),
                Op::In(vals) => v.is_some_and(|v| vals.iter().any(|x| **x == *v)),
                Op::NotIn(vals) => v.is_none_or(|v| vals.iter().all(|x| **x != *v)),
                Op::Exists => v.is_some(),
                Op::DoesNotExist => v.is_none(),
            }
        })
    }

    /// The requirement an index finds candidates by: the `In` with the fewest values, else an
    /// `Exists`, else none.
    pub fn anchor(&self) -> Anchor<'_> {
        let best_in = self
            .reqs
            .iter()
            .filter_map(|r| match &r.op {
                Op::Equals(x) => Some((&*r.key, std::slice::from_ref(x))),
                Op::In(v) => Some((&*r.key, &**v)),
                _ => None,
            })
            .min_by_key(|(_, v)| v.len());
        if let Some((k, v)) = best_in {
            return Anchor::Pairs(k, v);
        }
        match self.reqs.iter().find(|r| r.op == Op::Exists) {
            Some(r) => Anchor::Key(&r.key),
            None => Anchor::Everything,
        }
    }

    /// kubectl's rendering: `app=cart,tier in (api,web),!legacy`.
    pub fn describe(&self) -> String {
        let mut out = Vec::with_capacity(self.reqs.len());
        for r in self.reqs.iter() {
            out.push(match &r.op {
                Op::Equals(v) => format!("{}={v}", r.key),
                Op::In(v) => format!("{} in ({})", r.key, v.join(",")),
                Op::NotIn(v) => format!("{} notin ({})", r.key, v.join(",")),
                Op::Exists => r.key.to_string(),
                Op::DoesNotExist => format!("!{}", r.key),
            });
        }
        if out.is_empty() {
            "<everything>".into()
        } else {
            out.join(",")
        }
    }
}

/// The value of label `key` in a [`labels`] list.
pub fn label<'a>(labels: &'a [Box<str>], key: &str) -> Option<&'a str> {
    let i = labels.binary_search_by(|item| key_of(item).cmp(key)).ok()?;
    labels[i].split_once('=').map(|(_, v)| v)
}

fn key_of(item: &str) -> &str {
    item.split_once('=').map_or(item, |(k, _)| k)
}

/// An object's `metadata.labels` as the shared list of `key=value` items sorted by key.
pub fn labels<J: Tree>(meta: &J) -> List {
    let mut items: Vec<String> = meta
        .get("labels")
        .and_then(|l| l.members())
        .map(|m| {
            m.filter_map(|(k, v)| to_cow(v).map(|v| format!("{k}={v}")))
                .collect()
        })
        .unwrap_or_default();
    items.sort_by(|a, b| key_of(a).cmp(key_of(b)));
    intern::list(&items)
}

/// The selector found at a `via: selector` path, or `None` when there is none (absent, an
/// empty map, an unknown operator).
pub fn read_selector<J: Tree>(found: Option<&J>) -> Option<Arc<Selector>> {
    let obj = found?;
    let mut members = obj.members()?.peekable();
    // A LabelSelector's members are objects and arrays; a plain map's are strings. `{}` is an
    // empty LabelSelector (everything): the API never sends an empty plain map (omitempty).
    let structured = members.peek().is_none()
        || members
            .any(|(k, v)| (k == "matchLabels" || k == "matchExpressions") && v.as_str().is_none());
    let mut reqs = Vec::new();
    if structured {
        if let Some(m) = obj.get("matchLabels").and_then(|m| m.members()) {
            for (k, v) in m {
                reqs.push(eq(k, &to_cow(v)?));
            }
        }
        let exprs = obj.get("matchExpressions").and_then(|e| e.as_array());
        for e in exprs.into_iter().flatten() {
            reqs.push(expression(e)?);
        }
    } else {
        for (k, v) in obj.members()? {
            reqs.push(eq(k, &to_cow(v)?));
        }
        if reqs.is_empty() {
            return None;
        }
    }
    Some(Arc::new(Selector::new(reqs)))
}

fn eq(key: &str, value: &str) -> Requirement {
    Requirement {
        key: key.into(),
        op: Op::Equals(value.into()),
    }
}

/// One `matchExpressions` item; `None` for an operator the API does not have.
fn expression<J: Tree>(e: &J) -> Option<Requirement> {
    let key = e.get("key")?.as_str()?;
    let values = || -> Box<[Box<str>]> {
        let mut v: Vec<Box<str>> = e
            .get("values")
            .and_then(|v| v.as_array())
            .into_iter()
            .flatten()
            .filter_map(|v| to_cow(v).map(|c| Box::from(&*c)))
            .collect();
        v.sort();
        v.dedup();
        v.into()
    };
    let op = match e.get("operator")?.as_str()? {
        "In" => Op::In(values()),
        "NotIn" => Op::NotIn(values()),
        "Exists" => Op::Exists,
        "DoesNotExist" => Op::DoesNotExist,
        _ => return None,
    };
    Some(Requirement {
        key: key.into(),
        op,
    })
}

/// The names a `via: field` path's matches give: the non-empty ones, sorted, each once.
pub fn read_names<'a>(found: impl Iterator<Item = Cow<'a, str>>) -> Vec<Cow<'a, str>> {
    let mut names: Vec<Cow<'a, str>> = found.filter(|s| !s.is_empty()).collect();
    names.sort();
    names.dedup();
    names
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value as Json, json};

    fn sel(v: Json) -> Arc<Selector> {
        read_selector(Some(&v)).unwrap_or_else(|| panic!("not a selector: {v}"))
    }

    fn pod(labels: Json) -> List {
        labels_of(&json!({ "labels": labels }))
    }

    fn labels_of(meta: &Json) -> List {
        labels(meta)
    }

    #[test]
    fn a_plain_map_selects_pods_carrying_every_pair() {
        let s = sel(json!({"app": "cart", "tier": "api"}));
        assert!(s.matches(&pod(json!({"app": "cart", "tier": "api", "x": "1"}))));
        assert!(!s.matches(&pod(json!({"app": "cart"}))));
        assert!(!s.matches(&pod(json!({"app": "cart", "tier": "web"}))));
        assert_eq!(s.describe(), "app=cart,tier=api");
        assert_eq!(read_selector::<Json>(None), None, "no selector");
        assert_eq!(read_selector(Some(&Json::Null)), None, "no selector");
    }

    #[test]
    fn set_based_requirements_follow_kubernetes_semantics() {
        let s = sel(json!({
            "matchLabels": {"app": "cart"},
            "matchExpressions": [
                {"key": "tier", "operator": "In", "values": ["api", "web"]},
                {"key": "track", "operator": "NotIn", "values": ["canary"]},
                {"key": "team", "operator": "Exists"},
                {"key": "legacy", "operator": "DoesNotExist"},
            ]
        }));
        let ok = json!({"app": "cart", "tier": "web", "team": "a"});
        assert!(s.matches(&pod(ok)));
        // NotIn holds when the key is absent, fails on a listed value.
        assert!(!s.matches(&pod(
            json!({"app": "cart", "tier": "web", "team": "a", "track": "canary"})
        )));
        assert!(s.matches(&pod(
            json!({"app": "cart", "tier": "api", "team": "a", "track": "stable"})
        )));
        assert!(!s.matches(&pod(json!({"app": "cart", "tier": "db", "team": "a"}))));
        assert!(
            !s.matches(&pod(json!({"app": "cart", "tier": "web"}))),
            "no team"
        );
        assert!(!s.matches(&pod(
            json!({"app": "cart", "tier": "web", "team": "a", "legacy": "y"})
        )));
        assert!(
            !s.matches(&pod(json!({"tier": "web", "team": "a"}))),
            "matchLabels"
        );
        assert_eq!(
            s.describe(),
            "app=cart,!legacy,team,tier in (api,web),track notin (canary)"
        );
        assert_eq!(s.anchor(), Anchor::Pairs("app", &[Box::from("cart")]));
    }

    #[test]
    fn a_one_value_in_is_written_as_kubectl_writes_it_and_selects_like_a_match_label() {
        // kubectl (metav1.FormatLabelSelector): matchLabels pairs as `k=v`, an `In` expression
        // as `k in (v)` even with one value; requirements sorted by key.
        let s = sel(json!({
            "matchLabels": {"tier": "api"},
            "matchExpressions": [{"key": "app", "operator": "In", "values": ["cart"]}]
        }));
        assert_eq!(s.describe(), "app in (cart),tier=api");
        let same = sel(json!({"matchLabels": {"app": "cart", "tier": "api"}}));
        for labels in [
            json!({"app": "cart", "tier": "api"}),
            json!({"app": "cart"}),
            json!({"app": "shop", "tier": "api"}),
        ] {
            let l = pod(labels);
            assert_eq!(s.matches(&l), same.matches(&l), "{l:?}");
        }
    }

    #[test]
    fn an_empty_label_selector_selects_everything_and_a_bad_operator_nothing() {
        let all = sel(json!({"matchLabels": {}, "matchExpressions": []}));
        assert!(all.matches(&pod(json!({}))));
        assert_eq!(all.anchor(), Anchor::Everything);
        let bad = json!({"matchExpressions": [{"key": "a", "operator": "Near"}]});
        assert_eq!(read_selector(Some(&bad)), None);
        let exists = sel(json!({"matchExpressions": [{"key": "a", "operator": "Exists"}]}));
        assert_eq!(exists.anchor(), Anchor::Key("a"));
    }

    #[test]
    fn labels_are_sorted_by_key_and_shared() {
        let a = pod(json!({"b": "2", "a.b": "1", "a": "0"}));
        assert_eq!(label(&a, "a"), Some("0"));
        assert_eq!(label(&a, "a.b"), Some("1"));
        assert_eq!(label(&a, "b"), Some("2"));
        assert_eq!(label(&a, "c"), None);
        let b = pod(json!({"a": "0", "b": "2", "a.b": "1"}));
        assert!(a.same(&b));
    }

    #[test]
    fn several_names_become_one_sorted_list() {
        let names = ["b", "a", "", "b"].map(Cow::Borrowed);
        assert_eq!(read_names(names.into_iter()), ["a", "b"]);
        assert!(read_names(std::iter::empty()).is_empty());
    }
}

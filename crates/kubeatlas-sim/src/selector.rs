//! Label selectors (equality and set-based) and field selectors, parsed and matched.

use serde_json::Value;

use super::resource::SimResource;
use super::util;

#[derive(Clone, Debug, PartialEq)]
enum LabelOp {
    Exists,
    DoesNotExist,
    Equals(String),
    NotEquals(String),
    In(Vec<String>),
    NotIn(Vec<String>),
    Gt(i64),
    Lt(i64),
}

/// A parsed `labelSelector`; the empty selector matches everything.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LabelSelector {
    reqs: Vec<(String, LabelOp)>,
}

/// A parsed `fieldSelector` (`field=value`, `field==value`, `field!=value`, comma-separated).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FieldSelector {
    reqs: Vec<(String, bool, String)>,
}

fn parse_err(detail: impl std::fmt::Display) -> String {
    format!("unable to parse requirement: {detail}")
}

/// Splits on commas that are not inside parentheses.
fn split_top_level(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

fn is_key_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '/')
}

fn valid_value(v: &str) -> bool {
    v.len() <= 63
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

fn parse_set(rest: &str, term: &str) -> Result<Vec<String>, String> {
    let rest = rest.trim();
    let inner = rest
        .strip_prefix('(')
        .and_then(|r| r.strip_suffix(')'))
        .ok_or_else(|| {
            parse_err(format!(
                "expected a parenthesized set of values in {term:?}"
            ))
        })?;
    let values: Vec<String> = inner.split(',').map(|v| v.trim().to_string()).collect();
    if let Some(bad) = values.iter().find(|v| !valid_value(v)) {
        return Err(parse_err(format!(
            "invalid label value {bad:?} in {term:?}"
        )));
    }
    Ok(values)
}

impl LabelSelector {
    /// Parses the Kubernetes label selector syntax; errors carry the server's message wording.
    pub fn parse(s: &str) -> Result<LabelSelector, String> {
        let mut reqs = Vec::new();
        if s.trim().is_empty() {
            return Ok(LabelSelector { reqs });
        }
        for term in split_top_level(s) {
            let term = term.trim();
            if term.is_empty() {
                return Err(parse_err("found ',', expected: identifier"));
            }
            if let Some(key) = term.strip_prefix('!') {
                let key = key.trim();
                if key.is_empty() || !key.chars().all(is_key_char) {
                    return Err(parse_err(format!("invalid label key {key:?}")));
                }
                reqs.push((key.to_string(), LabelOp::DoesNotExist));
                continue;
            }
            let key_end = term.find(|c| !is_key_char(c)).unwrap_or(term.len());
            let key = &term[..key_end];
            if key.is_empty() {
                return Err(parse_err(format!("invalid label key in {term:?}")));
            }
            let rest = term[key_end..].trim_start();
            let op = if rest.is_empty() {
                LabelOp::Exists
            } else if let Some(v) = rest.strip_prefix("==").or_else(|| rest.strip_prefix('=')) {
                let v = v.trim();
                if !valid_value(v) {
                    return Err(parse_err(format!("invalid label value {v:?}")));
                }
                LabelOp::Equals(v.to_string())
            } else if let Some(v) = rest.strip_prefix("!=") {
                let v = v.trim();
                if !valid_value(v) {
                    return Err(parse_err(format!("invalid label value {v:?}")));
                }
                LabelOp::NotEquals(v.to_string())
            } else if let Some(v) = rest.strip_prefix("notin") {
                LabelOp::NotIn(parse_set(v, term)?)
            } else if let Some(v) = rest.strip_prefix("in") {
                LabelOp::In(parse_set(v, term)?)
            } else if let Some(v) = rest.strip_prefix('>') {
                LabelOp::Gt(
                    v.trim()
                        .parse()
                        .map_err(|_| parse_err(format!("invalid integer in {term:?}")))?,
                )
            } else if let Some(v) = rest.strip_prefix('<') {
                LabelOp::Lt(
                    v.trim()
                        .parse()
                        .map_err(|_| parse_err(format!("invalid integer in {term:?}")))?,
                )
            } else {
                return Err(parse_err(format!("unknown operator in {term:?}")));
            };
            reqs.push((key.to_string(), op));
        }
        Ok(LabelSelector { reqs })
    }

    /// Builds a selector from a `metav1.LabelSelector` object (matchLabels + matchExpressions).
    pub fn from_label_selector_object(sel: &Value) -> LabelSelector {
        let mut reqs = Vec::new();
        if let Some(m) = sel.get("matchLabels").and_then(Value::as_object) {
            for (k, v) in m {
                reqs.push((
                    k.clone(),
                    LabelOp::Equals(v.as_str().unwrap_or("").to_string()),
                ));
            }
        }
        if let Some(exprs) = sel.get("matchExpressions").and_then(Value::as_array) {
            for e in exprs {
                let key = util::str_at(e, "/key").to_string();
                let values: Vec<String> = e
                    .get("values")
                    .and_then(Value::as_array)
                    .map(|a| {
                        a.iter()
                            .filter_map(|v| v.as_str().map(String::from))
                            .collect()
                    })
                    .unwrap_or_default();
                let op = match util::str_at(e, "/operator") {
                    "In" => LabelOp::In(values),
                    "NotIn" => LabelOp::NotIn(values),
                    "Exists" => LabelOp::Exists,
                    "DoesNotExist" => LabelOp::DoesNotExist,
                    _ => continue,
                };
                reqs.push((key, op));
            }
        }
        LabelSelector { reqs }
    }

    /// Whether the selector has no requirements.
    pub fn is_empty(&self) -> bool {
        self.reqs.is_empty()
    }

    /// Matches against the labels of `obj` (`metadata.labels`).
    pub fn matches(&self, obj: &Value) -> bool {
        let labels = obj.pointer("/metadata/labels").and_then(Value::as_object);
        self.matches_with(|k| labels.and_then(|l| l.get(k)).and_then(Value::as_str))
    }

    /// Matches against labels looked up by `get`.
    pub fn matches_with<'a>(&self, get: impl Fn(&str) -> Option<&'a str>) -> bool {
        self.reqs.iter().all(|(k, op)| match op {
            LabelOp::Exists => get(k).is_some(),
            LabelOp::DoesNotExist => get(k).is_none(),
            LabelOp::Equals(v) => get(k) == Some(v.as_str()),
            LabelOp::NotEquals(v) => get(k) != Some(v.as_str()),
            LabelOp::In(vs) => get(k).is_some_and(|x| vs.iter().any(|v| v == x)),
            LabelOp::NotIn(vs) => get(k).is_none_or(|x| vs.iter().all(|v| v != x)),
            LabelOp::Gt(n) => get(k)
                .and_then(|x| x.parse::<i64>().ok())
                .is_some_and(|x| x > *n),
            LabelOp::Lt(n) => get(k)
                .and_then(|x| x.parse::<i64>().ok())
                .is_some_and(|x| x < *n),
        })
    }

    /// The selector in its string form (`a=b,c in (d,e)`), as the Scale subresource reports it.
    pub fn to_selector_string(&self) -> String {
        let mut parts: Vec<String> = self
            .reqs
            .iter()
            .map(|(k, op)| match op {
                LabelOp::Exists => k.clone(),
                LabelOp::DoesNotExist => format!("!{k}"),
                LabelOp::Equals(v) => format!("{k}={v}"),
                LabelOp::NotEquals(v) => format!("{k}!={v}"),
                LabelOp::In(vs) => format!("{k} in ({})", vs.join(",")),
                LabelOp::NotIn(vs) => format!("{k} notin ({})", vs.join(",")),
                LabelOp::Gt(n) => format!("{k}>{n}"),
                LabelOp::Lt(n) => format!("{k}<{n}"),
            })
            .collect();
        parts.sort();
        parts.join(",")
    }
}

impl FieldSelector {
    /// Parses a field selector, rejecting fields the resource does not index (like the server).
    pub fn parse(s: &str, res: SimResource) -> Result<FieldSelector, String> {
        let mut reqs = Vec::new();
        if s.trim().is_empty() {
            return Ok(FieldSelector { reqs });
        }
        for term in s.split(',') {
            let term = term.trim();
            let (field, eq, value) = if let Some((f, v)) = term.split_once("!=") {
                (f, false, v)
            } else if let Some((f, v)) = term.split_once("==") {
                (f, true, v)
            } else if let Some((f, v)) = term.split_once('=') {
                (f, true, v)
            } else {
                return Err(format!(
                    "invalid selector: '{s}'; can't understand '{term}'"
                ));
            };
            let field = field.trim();
            let known = field == "metadata.name"
                || (field == "metadata.namespace" && res.namespaced())
                || res.info().extra_fields.contains(&field);
            if !known {
                return Err(format!("field label not supported: {field}"));
            }
            reqs.push((field.to_string(), eq, value.trim().to_string()));
        }
        Ok(FieldSelector { reqs })
    }

    /// Whether the selector has no requirements.
    pub fn is_empty(&self) -> bool {
        self.reqs.is_empty()
    }

    /// The value a field selector `metadata.name=x` of this form pins down, if any.
    pub fn pinned_name(&self) -> Option<&str> {
        self.reqs
            .iter()
            .find(|(f, eq, _)| *eq && f == "metadata.name")
            .map(|(_, _, v)| v.as_str())
    }

    /// Matches against `obj` (missing fields compare as their Go zero value).
    pub fn matches(&self, obj: &Value) -> bool {
        self.matches_with(|f| field_value(obj, f))
    }

    /// Matches against field values looked up by `get`.
    pub fn matches_with<S: AsRef<str>>(&self, get: impl Fn(&str) -> S) -> bool {
        self.reqs
            .iter()
            .all(|(field, eq, want)| (get(field).as_ref() == want) == *eq)
    }
}

/// The string value a field selector compares for `field` (Go zero value when missing).
pub(crate) fn field_value(obj: &Value, field: &str) -> String {
    let pointer = format!("/{}", field.replace('.', "/"));
    match obj.pointer(&pointer) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Bool(b)) => b.to_string(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Null) | None => match field {
            "spec.hostNetwork" | "spec.unschedulable" => "false".into(),
            "status.replicas" | "status.successful" => "0".into(),
            _ => String::new(),
        },
        Some(other) => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod(labels: Value) -> Value {
        json!({"metadata": {"name": "p1", "namespace": "shop", "labels": labels}, "spec": {"nodeName": "n1"}})
    }

    #[test]
    fn equality_and_set_based() {
        let p = pod(json!({"app": "web", "tier": "front"}));
        for (sel, want) in [
            ("", true),
            ("app=web", true),
            ("app==web", true),
            ("app!=web", false),
            ("app=web,tier=front", true),
            ("app=web,tier=back", false),
            ("app in (web, api)", true),
            ("app notin (web)", false),
            ("tier,app", true),
            ("!tier", false),
            ("!missing", true),
            ("missing notin (x)", true),
            ("app in (a,b),tier", false),
        ] {
            let s = LabelSelector::parse(sel).unwrap_or_default();
            assert_eq!(s.matches(&p), want, "{sel}");
        }
        assert!(LabelSelector::parse("app in web").is_err());
        assert!(LabelSelector::parse("app=a b").is_err());
        assert!(LabelSelector::parse(",").is_err());
    }

    #[test]
    fn fields() {
        let p = pod(json!({}));
        let ok = |s: &str| FieldSelector::parse(s, SimResource::Pods).unwrap_or_default();
        assert!(ok("metadata.name=p1").matches(&p));
        assert!(ok("spec.nodeName=n1,metadata.namespace=shop").matches(&p));
        assert!(!ok("spec.nodeName!=n1").matches(&p));
        assert!(ok("status.phase=").matches(&p));
        assert_eq!(
            FieldSelector::parse("spec.foo=x", SimResource::Pods).err(),
            Some("field label not supported: spec.foo".to_string())
        );
        assert!(FieldSelector::parse("spec.nodeName=x", SimResource::Deployments).is_err());
    }

    #[test]
    fn selector_object_to_string() {
        let s = LabelSelector::from_label_selector_object(
            &json!({"matchLabels": {"b": "2", "a": "1"}}),
        );
        assert_eq!(s.to_selector_string(), "a=1,b=2");
    }
}

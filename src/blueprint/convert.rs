//! Converting matched JSON values (and YAML defaults) to compact [`Value`]s by property type.
//!
//! Rules, per [`PropType`] and [`Reduce`]:
//! - matches that are JSON `null` are ignored everywhere;
//! - `string`: the first match, numbers and booleans stringified (objects/arrays as compact
//!   JSON);
//! - `integer`: the first match that is an integer (`3`, `3.0`, or a string `"3"`);
//!   `reduce: sum` adds every integer match, `reduce: count` counts the matches;
//! - `boolean`: the first JSON boolean or string `true`/`false` (any case, so a condition's
//!   `"True"` is a boolean too);
//! - `timestamp`: the first RFC 3339 string (or integer seconds), as seconds since the epoch;
//! - `list`: every match as a string.
//!
//! When nothing converts, the property's `default` (converted once at load time) is used, else
//! [`Value::NULL`]; `sum`/`count` without a default yield `0`. A `list` with no match is
//! [`Value::NULL`] (never an empty list), so "no value" looks the same for every type.

use super::intern;
use super::path::PathExpr;
use super::tree::Tree;
use super::{PropType, Reduce, Value};
use std::borrow::Cow;
use std::ops::ControlFlow;

/// How one property is converted: its type, reduction and default, shared by all sources.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PropRule {
    pub ty: PropType,
    pub reduce: Reduce,
    pub default: Value,
    /// For lists: evaluated on each match, one (possibly empty) item per match.
    pub each: Option<PathExpr>,
}

impl PropRule {
    /// The property's value in `obj` through `expr` (`None`: the source has no path for it).
    pub fn extract<J: Tree>(&self, expr: Option<&PathExpr>, obj: &J) -> Value {
        let Some(expr) = expr else {
            return self.default.clone();
        };
        let found = match (self.ty, self.reduce) {
            (PropType::List, _) => {
                let mut items: Vec<Cow<'_, str>> = Vec::new();
                match &self.each {
                    Some(each) => expr.for_each(obj, |v| {
                        items.push(each.first(v).and_then(to_cow).unwrap_or_default())
                    }),
                    None => expr.for_each(obj, |v| items.extend(to_cow(v))),
                }
                (!items.is_empty()).then(|| Value::list(intern::list(&items)))
            }
            (_, Reduce::Count) => {
                let mut n: i64 = 0;
                expr.for_each(obj, |v| n += i64::from(!v.is_null()));
                Some(Value::int(n)).filter(|_| n > 0 || self.default.is_null())
            }
            (_, Reduce::Sum) => {
                let mut sum: Option<i64> = None;
                expr.for_each(obj, |v| {
                    if let Some(i) = to_int(v) {
                        sum = Some(sum.unwrap_or(0).saturating_add(i));
                    }
                });
                sum.or_else(|| self.default.is_null().then_some(0))
                    .map(Value::int)
            }
            (PropType::String, Reduce::First) => {
                first(expr, obj, |v| to_cow(v).map(|s| intern::str(&s))).map(Value::str)
            }
            (PropType::Integer, Reduce::First) => first(expr, obj, to_int).map(Value::int),
            (PropType::Boolean, Reduce::First) => first(expr, obj, to_bool).map(Value::bool),
            (PropType::Timestamp, Reduce::First) => first(expr, obj, to_time).map(Value::time),
        };
        found.unwrap_or_else(|| self.default.clone())
    }
}

/// The first match that converts.
fn first<T, J: Tree>(expr: &PathExpr, obj: &J, convert: impl Fn(&J) -> Option<T>) -> Option<T> {
    let mut out = None;
    let _ = expr.try_for_each(obj, |v| match convert(v) {
        Some(x) => {
            out = Some(x);
            ControlFlow::Break(())
        }
        None => ControlFlow::Continue(()),
    });
    out
}

/// [`to_string`], borrowing the JSON string when it is one.
pub(crate) fn to_cow<J: Tree>(v: &J) -> Option<Cow<'_, str>> {
    if let Some(s) = v.as_str() {
        return Some(Cow::Borrowed(s));
    }
    if let Some(b) = v.as_bool() {
        return Some(Cow::Borrowed(if b { "true" } else { "false" }));
    }
    to_string(v).map(|s| Cow::Owned(s.into_string()))
}

/// A scalar as a string (objects and arrays as compact JSON); `None` for null.
pub(crate) fn to_string<J: Tree>(v: &J) -> Option<Box<str>> {
    if v.is_null() {
        None
    } else if let Some(s) = v.as_str() {
        Some(s.into())
    } else if let Some(b) = v.as_bool() {
        Some(if b { "true" } else { "false" }.into())
    } else if let Some(n) = v.as_number() {
        Some(n.to_string().into_boxed_str())
    } else {
        v.compact().map(String::into_boxed_str)
    }
}

/// An integer: a JSON integer, a float without fraction, or a string holding an integer.
pub(crate) fn to_int<J: Tree>(v: &J) -> Option<i64> {
    if let Some(n) = v.as_number() {
        return n.as_i64().or_else(|| {
            let x = n.as_f64()?;
            (x.fract() == 0.0 && x.abs() < 9.2e18).then_some(x as i64)
        });
    }
    v.as_str().and_then(|s| s.trim().parse().ok())
}

/// A boolean: JSON `true`/`false`, or a string `true`/`false` in any case.
pub(crate) fn to_bool<J: Tree>(v: &J) -> Option<bool> {
    v.as_bool().or_else(|| v.as_str().and_then(parse_bool))
}

fn parse_bool(s: &str) -> Option<bool> {
    if s.eq_ignore_ascii_case("true") {
        Some(true)
    } else if s.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// Seconds since the epoch: an RFC 3339 string, or an integer taken as seconds.
pub(crate) fn to_time<J: Tree>(v: &J) -> Option<i64> {
    match v.as_str() {
        Some(s) => parse_time(s),
        None => v.as_number().and_then(|n| n.as_i64()),
    }
}

/// RFC 3339 → seconds since the epoch.
pub(crate) fn parse_time(s: &str) -> Option<i64> {
    s.parse::<jiff::Timestamp>().ok().map(|t| t.as_second())
}

/// A property's YAML `default`, converted to its type once at load time.
pub(crate) fn convert_default(ty: PropType, v: &serde_yaml::Value) -> Result<Value, String> {
    use serde_yaml::Value as Y;
    let scalar = |v: &Y| -> Option<Box<str>> {
        match v {
            Y::String(s) => Some(s.as_str().into()),
            Y::Bool(b) => Some(b.to_string().into()),
            Y::Number(n) => Some(n.to_string().into()),
            _ => None,
        }
    };
    let bad = |what: &str| Err(format!("default {} is not {what}", describe(v)));
    match (ty, v) {
        (_, Y::Null) => Ok(Value::NULL),
        (PropType::String, v) => scalar(v)
            .map(Value::str)
            .map_or_else(|| bad("a string"), Ok),
        (PropType::Integer, Y::Number(n)) => n
            .as_i64()
            .map(Value::int)
            .map_or_else(|| bad("an integer"), Ok),
        (PropType::Integer, Y::String(s)) => s
            .trim()
            .parse()
            .map(Value::int)
            .or_else(|_| bad("an integer")),
        (PropType::Integer, _) => bad("an integer"),
        (PropType::Boolean, Y::Bool(b)) => Ok(Value::bool(*b)),
        (PropType::Boolean, Y::String(s)) => parse_bool(s)
            .map(Value::bool)
            .map_or_else(|| bad("a boolean"), Ok),
        (PropType::Boolean, _) => bad("a boolean"),
        (PropType::Timestamp, Y::String(s)) => parse_time(s)
            .map(Value::time)
            .map_or_else(|| bad("an RFC 3339 timestamp"), Ok),
        (PropType::Timestamp, Y::Number(n)) => n
            .as_i64()
            .map(Value::time)
            .map_or_else(|| bad("a timestamp"), Ok),
        (PropType::Timestamp, _) => bad("an RFC 3339 timestamp"),
        (PropType::List, Y::Sequence(items)) => {
            let list: Option<Vec<Box<str>>> = items.iter().map(scalar).collect();
            list.map(Value::list)
                .map_or_else(|| bad("a list of strings"), Ok)
        }
        (PropType::List, v) => scalar(v)
            .map(|s| Value::list(vec![s]))
            .map_or_else(|| bad("a list of strings"), Ok),
    }
}

/// A short rendering of a YAML value for messages.
fn describe(v: &serde_yaml::Value) -> String {
    match serde_yaml::to_string(v) {
        Ok(s) if !s.trim().contains('\n') => format!("{:?}", s.trim()),
        _ => "(a mapping or sequence)".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value as Json, json};

    fn rule(ty: PropType, reduce: Reduce) -> PropRule {
        PropRule {
            ty,
            reduce,
            default: Value::NULL,
            each: None,
        }
    }

    fn get(ty: PropType, reduce: Reduce, path: &str, obj: &Json) -> Value {
        let expr = PathExpr::parse(path).ok();
        rule(ty, reduce).extract(expr.as_ref(), obj)
    }

    #[test]
    fn converts_by_type() {
        let o =
            json!({"a": [1, "2", 3.0, null, true, "x"], "s": "True", "t": "2026-11-23T20:22:43Z"});
        assert_eq!(
            get(PropType::String, Reduce::First, ".a[*]", &o),
            Value::from("1")
        );
        assert_eq!(
            get(PropType::String, Reduce::First, ".a[4]", &o),
            Value::from("true")
        );
        assert_eq!(
            get(PropType::Integer, Reduce::First, ".a[1]", &o),
            Value::int(2)
        );
        assert_eq!(
            get(PropType::Integer, Reduce::Sum, ".a[*]", &o),
            Value::int(6)
        );
        assert_eq!(
            get(PropType::Integer, Reduce::Count, ".a[*]", &o),
            Value::int(5)
        );
        assert_eq!(
            get(PropType::Integer, Reduce::Count, ".nope[*]", &o),
            Value::int(0)
        );
        assert_eq!(
            get(PropType::Integer, Reduce::Sum, ".nope[*]", &o),
            Value::int(0)
        );
        assert_eq!(
            get(PropType::Boolean, Reduce::First, ".s", &o),
            Value::bool(true)
        );
        assert_eq!(
            get(PropType::Timestamp, Reduce::First, ".t", &o),
            Value::time(1795465363)
        );
        let list = get(PropType::List, Reduce::First, ".a[*]", &o);
        assert_eq!(list.as_list().len(), 5);
        assert_eq!(
            get(PropType::List, Reduce::First, ".nope[*]", &o),
            Value::NULL
        );
        assert_eq!(
            get(PropType::String, Reduce::First, ".nope", &o),
            Value::NULL
        );
        assert_eq!(
            rule(PropType::String, Reduce::First).extract(None, &o),
            Value::NULL
        );
    }

    #[test]
    fn defaults() {
        let y = |s: &str| serde_yaml::from_str::<serde_yaml::Value>(s).unwrap_or_default();
        assert_eq!(
            convert_default(PropType::Integer, &y("3")),
            Ok(Value::int(3))
        );
        assert_eq!(
            convert_default(PropType::Integer, &y("'3'")),
            Ok(Value::int(3))
        );
        assert!(convert_default(PropType::Integer, &y("abc")).is_err());
        assert_eq!(
            convert_default(PropType::Boolean, &y("false")),
            Ok(Value::bool(false))
        );
        assert_eq!(
            convert_default(PropType::String, &y("1")),
            Ok(Value::from("1"))
        );
        assert_eq!(
            convert_default(PropType::List, &y("[a, b]")).map(|v| v.as_list().len()),
            Ok(2)
        );
        assert!(convert_default(PropType::Timestamp, &y("yesterday")).is_err());
        let with_default = PropRule {
            ty: PropType::Integer,
            reduce: Reduce::First,
            default: Value::int(1),
            each: None,
        };
        let expr = PathExpr::parse(".x").ok();
        assert_eq!(
            with_default.extract(expr.as_ref(), &json!({})),
            Value::int(1)
        );
    }
}

//! Path expression evaluation over `serde_json::Value`: every match, borrowed, never an error.

use super::{Filter, Literal, PathExpr, Segment, Test};
use serde_json::Value as Json;
use std::ops::ControlFlow;

impl PathExpr {
    /// Call `f` with every value the expression selects in `v`, in document order.
    pub fn for_each<'a>(&self, v: &'a Json, mut f: impl FnMut(&'a Json)) {
        let _ = walk(&self.segments, v, &mut |x| {
            f(x);
            ControlFlow::Continue(())
        });
    }

    /// Like [`PathExpr::for_each`], stopping as soon as `f` breaks.
    pub fn try_for_each<'a>(
        &self,
        v: &'a Json,
        mut f: impl FnMut(&'a Json) -> ControlFlow<()>,
    ) -> ControlFlow<()> {
        walk(&self.segments, v, &mut f)
    }

    /// The first value the expression selects, if any.
    pub fn first<'a>(&self, v: &'a Json) -> Option<&'a Json> {
        let mut found = None;
        let _ = walk(&self.segments, v, &mut |x| {
            found = Some(x);
            ControlFlow::Break(())
        });
        found
    }

    /// Every value the expression selects (a convenience for tests and tools; the projection
    /// uses [`PathExpr::for_each`]).
    pub fn all<'a>(&self, v: &'a Json) -> Vec<&'a Json> {
        let mut out = Vec::new();
        self.for_each(v, |x| out.push(x));
        out
    }
}

fn walk<'a, F>(segs: &[Segment], v: &'a Json, f: &mut F) -> ControlFlow<()>
where
    F: FnMut(&'a Json) -> ControlFlow<()>,
{
    let Some((seg, rest)) = segs.split_first() else {
        return f(v);
    };
    match seg {
        Segment::Field(_) | Segment::Index(_) => match step(seg, v) {
            Some(x) => walk(rest, x, f),
            None => ControlFlow::Continue(()),
        },
        Segment::All => match v {
            Json::Array(items) => items.iter().try_for_each(|x| walk(rest, x, f)),
            Json::Object(map) => map.values().try_for_each(|x| walk(rest, x, f)),
            _ => ControlFlow::Continue(()),
        },
        Segment::Filter(flt) => match v {
            Json::Array(items) => items
                .iter()
                .filter(|x| flt.matches(x))
                .try_for_each(|x| walk(rest, x, f)),
            _ => ControlFlow::Continue(()),
        },
    }
}

/// One single-valued step (a field or an index); `None` for the other segments.
fn step<'a>(seg: &Segment, v: &'a Json) -> Option<&'a Json> {
    match (seg, v) {
        (Segment::Field(k), Json::Object(map)) => map.get(&**k),
        (Segment::Index(i), Json::Array(items)) => {
            let i = if *i < 0 {
                items
                    .len()
                    .checked_sub(usize::try_from(i.unsigned_abs()).ok()?)?
            } else {
                usize::try_from(*i).ok()?
            };
            items.get(i)
        }
        _ => None,
    }
}

impl Filter {
    /// Whether an array element passes this filter.
    pub fn matches(&self, element: &Json) -> bool {
        let mut v = element;
        for seg in self.field.iter() {
            match step(seg, v) {
                Some(x) => v = x,
                None => return false,
            }
        }
        match &self.test {
            Test::Exists => !v.is_null(),
            Test::Eq(lit) => lit.equals(v),
            Test::Ne(lit) => !lit.equals(v),
        }
    }
}

impl Literal {
    /// Typed equality with a JSON value (`1` equals `1.0`; a string never equals a number).
    pub fn equals(&self, v: &Json) -> bool {
        match (self, v) {
            (Literal::Str(s), Json::String(t)) => **s == **t,
            (Literal::Int(i), Json::Number(n)) => match n.as_i64() {
                Some(j) => *i == j,
                None => n.as_f64() == Some(*i as f64) && n.is_f64(),
            },
            (Literal::Float(x), Json::Number(n)) => n.as_f64() == Some(*x),
            (Literal::Bool(b), Json::Bool(c)) => b == c,
            (Literal::Null, Json::Null) => true,
            _ => false,
        }
    }
}

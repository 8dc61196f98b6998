//! Path expression evaluation over any JSON [`Tree`] (a `serde_json::Value` or a decoded
//! [`crate::blueprint::doc::Doc`]): every match, borrowed, never an error.

use super::{Filter, Literal, PathExpr, Segment, Test};
use crate::blueprint::tree::Tree;
use std::ops::ControlFlow;

impl PathExpr {
    /// Call `f` with every value the expression selects in `v`, in document order.
    pub fn for_each<'a, J: Tree>(&self, v: &'a J, mut f: impl FnMut(&'a J)) {
        let _ = walk(&self.segments, v, &mut |x| {
            f(x);
            ControlFlow::Continue(())
        });
    }

    /// Like [`PathExpr::for_each`], stopping as soon as `f` breaks.
    pub fn try_for_each<'a, J: Tree>(
        &self,
        v: &'a J,
        mut f: impl FnMut(&'a J) -> ControlFlow<()>,
    ) -> ControlFlow<()> {
        walk(&self.segments, v, &mut f)
    }

    /// The first value the expression selects, if any.
    pub fn first<'a, J: Tree>(&self, v: &'a J) -> Option<&'a J> {
        let mut found = None;
        let _ = walk(&self.segments, v, &mut |x| {
            found = Some(x);
            ControlFlow::Break(())
        });
        found
    }

    /// Every value the expression selects (a convenience for tests and tools; the projection
    /// uses [`PathExpr::for_each`]).
    pub fn all<'a, J: Tree>(&self, v: &'a J) -> Vec<&'a J> {
        let mut out = Vec::new();
        self.for_each(v, |x| out.push(x));
        out
    }
}

fn walk<'a, J: Tree, F>(segs: &[Segment], v: &'a J, f: &mut F) -> ControlFlow<()>
where
    F: FnMut(&'a J) -> ControlFlow<()>,
{
    let Some((seg, rest)) = segs.split_first() else {
        return f(v);
    };
    match seg {
        Segment::Field(_) | Segment::Index(_) => match step(seg, v) {
            Some(x) => walk(rest, x, f),
            None => ControlFlow::Continue(()),
        },
        Segment::All => {
            if let Some(items) = v.as_array() {
                items.iter().try_for_each(|x| walk(rest, x, f))
            } else if let Some(mut members) = v.members() {
                members.try_for_each(|(_, x)| walk(rest, x, f))
            } else {
                ControlFlow::Continue(())
            }
        }
        Segment::Filter(flt) => match v.as_array() {
            Some(items) => items
                .iter()
                .filter(|x| flt.matches(*x))
                .try_for_each(|x| walk(rest, x, f)),
            None => ControlFlow::Continue(()),
        },
    }
}

/// One single-valued step (a field or an index); `None` for the other segments.
fn step<'a, J: Tree>(seg: &Segment, v: &'a J) -> Option<&'a J> {
    match seg {
        Segment::Field(k) => v.get(k),
        Segment::Index(i) => {
            let items = v.as_array()?;
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
    pub fn matches<J: Tree>(&self, element: &J) -> bool {
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
    pub fn equals<J: Tree>(&self, v: &J) -> bool {
        match self {
            Literal::Str(s) => v.as_str().is_some_and(|t| **s == *t),
            Literal::Int(i) => v.as_number().is_some_and(|n| match n.as_i64() {
                Some(j) => *i == j,
                None => n.as_f64() == Some(*i as f64) && n.is_f64(),
            }),
            Literal::Float(x) => v.as_number().is_some_and(|n| n.as_f64() == Some(*x)),
            Literal::Bool(b) => v.as_bool() == Some(*b),
            Literal::Null => v.is_null(),
        }
    }
}

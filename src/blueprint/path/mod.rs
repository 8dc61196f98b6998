//! Path expressions: a small, kubectl-JSONPath-like language selecting values in a JSON object.
//!
//! # Grammar
//!
//! ```text
//! path     := "." ( first segment* )?          a bare "." is the root (the object itself)
//! first    := ident | "*" | bracket            the segment right after the leading "."
//! segment  := "." ident                        member of an object: .metadata
//!           | ".*"                             same as [*]
//!           | bracket
//! bracket  := "[" ws string ws "]"             member with any key: ["app.kubernetes.io/name"]
//!           | "[" ws int ws "]"                array element; negative counts from the end: [-1]
//!           | "[" ws "*" ws "]"                every array element (or every object value)
//!           | "[" ws "?(" ws "@" sub* ws test? ws ")" ws "]"   filter on array elements
//! sub      := "." ident | "[" ws string ws "]" | "[" ws int ws "]"
//! test     := ("==" | "!=") ws literal         no test: the field exists (and is not null)
//! literal  := string | number | "true" | "false" | "null"
//! string   := '"' … '"' | "'" … "'"            a backslash escapes the next character
//! ident    := [A-Za-z0-9_-]+
//! ws       := " "*
//! ```
//!
//! Examples: `.status.phase`, `.metadata.labels["app.kubernetes.io/name"]`,
//! `.spec.containers[*].image`, `.status.conditions[?(@.type=="Ready")].status`,
//! `.status.containerStatuses[?(@.ready==true)].name`.
//!
//! # Evaluation
//!
//! An expression yields every value it selects, in document order, borrowing from the input
//! (nothing is cloned). A missing member, an index out of range or a segment applied to the
//! wrong JSON type yields no match: evaluation never fails. A filter keeps the array elements
//! whose field (`@…`) exists and compares equal (`==`) or unequal (`!=`) to the literal;
//! comparison is typed (`"3"` never equals `3`; `1` equals `1.0`). Elements without the field
//! are dropped for both operators, as kubectl does. Filters apply to arrays only.

mod eval;
mod parse;
#[cfg(test)]
mod tests;

use std::fmt;

/// A parsed path expression. Parse with [`PathExpr::parse`]; print with `Display` (the printed
/// form parses back to an equal expression).
#[derive(Debug, Clone, PartialEq)]
pub struct PathExpr {
    segments: Box<[Segment]>,
}

/// One step of a path.
#[derive(Debug, Clone, PartialEq)]
pub enum Segment {
    /// `.name` or `["name"]`: the member of an object.
    Field(Box<str>),
    /// `[N]`: element N of an array; negative counts from the end (`[-1]` is the last).
    Index(i64),
    /// `[*]` or `.*`: every element of an array or every value of an object.
    All,
    /// `[?(@.field==literal)]`: the elements of an array that pass the filter.
    Filter(Filter),
}

/// The condition of a `[?(…)]` segment.
#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    /// The path from the element (`@`) to the compared field: only [`Segment::Field`] and
    /// [`Segment::Index`]; empty means the element itself.
    pub field: Box<[Segment]>,
    pub test: Test,
}

/// What a filter checks about the field of an element.
#[derive(Debug, Clone, PartialEq)]
pub enum Test {
    /// `[?(@.field)]`: the field exists and is not null.
    Exists,
    /// `==`
    Eq(Literal),
    /// `!=`
    Ne(Literal),
}

/// A literal a filter compares against.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Str(Box<str>),
    Int(i64),
    /// Always finite.
    Float(f64),
    Bool(bool),
    Null,
}

/// A syntax error in a path expression.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("at column {}: {message}", offset + 1)]
pub struct PathError {
    /// Offset of the offending character, in characters from the start (0-based; the
    /// message shows it as a 1-based column).
    pub offset: usize,
    pub message: String,
}

impl PathExpr {
    /// Parse an expression (see the module documentation for the grammar).
    pub fn parse(text: &str) -> Result<PathExpr, PathError> {
        parse::parse(text)
    }

    /// The root expression `.`: selects the object itself.
    pub fn root() -> PathExpr {
        PathExpr {
            segments: Box::new([]),
        }
    }

    /// An expression from segments (a filter's field must hold only fields and indices).
    pub fn from_segments(segments: Vec<Segment>) -> PathExpr {
        PathExpr {
            segments: segments.into_boxed_slice(),
        }
    }

    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// True for the root expression `.`.
    pub fn is_root(&self) -> bool {
        self.segments.is_empty()
    }
}

/// True when `key` can be printed as `.key` (non-empty, only `[A-Za-z0-9_-]`).
pub(crate) fn is_ident(key: &str) -> bool {
    !key.is_empty() && key.chars().all(is_ident_char)
}

pub(crate) fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

fn write_quoted(f: &mut fmt::Formatter<'_>, s: &str) -> fmt::Result {
    f.write_str("\"")?;
    for c in s.chars() {
        if c == '"' || c == '\\' {
            f.write_str("\\")?;
        }
        write!(f, "{c}")?;
    }
    f.write_str("\"")
}

/// Print one segment; `dot_before_bracket` is set for the first segment of a path, which
/// must follow the leading `.`.
fn write_segment(f: &mut fmt::Formatter<'_>, seg: &Segment, first: bool) -> fmt::Result {
    if first && !matches!(seg, Segment::Field(k) if is_ident(k)) {
        f.write_str(".")?;
    }
    match seg {
        Segment::Field(k) if is_ident(k) => write!(f, ".{k}"),
        Segment::Field(k) => {
            f.write_str("[")?;
            write_quoted(f, k)?;
            f.write_str("]")
        }
        Segment::Index(i) => write!(f, "[{i}]"),
        Segment::All => f.write_str("[*]"),
        Segment::Filter(flt) => write!(f, "[?({flt})]"),
    }
}

impl fmt::Display for PathExpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.segments.is_empty() {
            return f.write_str(".");
        }
        for (i, seg) in self.segments.iter().enumerate() {
            write_segment(f, seg, i == 0)?;
        }
        Ok(())
    }
}

impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("@")?;
        for seg in self.field.iter() {
            write_segment(f, seg, false)?;
        }
        match &self.test {
            Test::Exists => Ok(()),
            Test::Eq(lit) => write!(f, "=={lit}"),
            Test::Ne(lit) => write!(f, "!={lit}"),
        }
    }
}

impl fmt::Display for Literal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Literal::Str(s) => write_quoted(f, s),
            Literal::Int(i) => write!(f, "{i}"),
            // `{:?}` keeps a fraction or exponent ("2.0", "1e20"), so it parses back as a float.
            Literal::Float(x) => write!(f, "{x:?}"),
            Literal::Bool(b) => write!(f, "{b}"),
            Literal::Null => f.write_str("null"),
        }
    }
}

impl std::str::FromStr for PathExpr {
    type Err = PathError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PathExpr::parse(s)
    }
}

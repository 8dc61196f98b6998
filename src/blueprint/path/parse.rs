//! The path expression parser: text → [`PathExpr`], with the character offset of any error.

use super::{Filter, Literal, PathError, PathExpr, Segment, Test, is_ident_char};

pub(super) fn parse(text: &str) -> Result<PathExpr> {
    let mut p = Parser {
        chars: text.chars().collect(),
        pos: 0,
    };
    let segments = p.path()?;
    Ok(PathExpr {
        segments: segments.into_boxed_slice(),
    })
}

struct Parser {
    chars: Vec<char>,
    pos: usize,
}

type Result<T> = std::result::Result<T, PathError>;

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn peek_at(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.pos + ahead).copied()
    }

    fn err<T>(&self, message: impl Into<String>) -> Result<T> {
        Err(PathError {
            offset: self.pos,
            message: message.into(),
        })
    }

    /// An error naming what was found at the current position.
    fn expected<T>(&self, what: &str) -> Result<T> {
        match self.peek() {
            None => self.err(format!("expected {what}, found end of path")),
            Some(_) => self.err(format!("expected {what}")),
        }
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, c: char) -> Result<()> {
        if self.eat(c) {
            Ok(())
        } else {
            self.expected(&format!("'{c}'"))
        }
    }

    fn skip_ws(&mut self) {
        while self.peek() == Some(' ') {
            self.pos += 1;
        }
    }

    fn path(&mut self) -> Result<Vec<Segment>> {
        if self.peek().is_none() {
            return self.err("empty path: a path starts with '.'");
        }
        if !self.eat('.') {
            return self.err("a path starts with '.'");
        }
        let mut segments = Vec::new();
        // Right after the leading dot: a field, `*`, a bracket, or nothing (the root).
        match self.peek() {
            None | Some('[') => {}
            Some('*') => {
                self.pos += 1;
                segments.push(Segment::All);
            }
            Some(c) if is_ident_char(c) => segments.push(Segment::Field(self.ident())),
            Some(_) => return self.expected("a field name, '[' or the end of the path after '.'"),
        }
        while let Some(c) = self.peek() {
            match c {
                '.' => {
                    self.pos += 1;
                    match self.peek() {
                        Some('*') => {
                            self.pos += 1;
                            segments.push(Segment::All);
                        }
                        Some(c) if is_ident_char(c) => segments.push(Segment::Field(self.ident())),
                        _ => return self.expected("a field name after '.'"),
                    }
                }
                '[' => segments.push(self.bracket()?),
                _ => return self.err(format!("unexpected '{c}': expected '.' or '['")),
            }
        }
        Ok(segments)
    }

    /// `[A-Za-z0-9_-]+`; the caller checked the first character.
    fn ident(&mut self) -> Box<str> {
        let start = self.pos;
        while self.peek().is_some_and(is_ident_char) {
            self.pos += 1;
        }
        self.chars[start..self.pos].iter().collect()
    }

    /// A bracket segment, from its `[`.
    fn bracket(&mut self) -> Result<Segment> {
        self.expect('[')?;
        self.skip_ws();
        let seg = match self.peek() {
            Some('"' | '\'') => Segment::Field(self.string()?),
            Some('*') => {
                self.pos += 1;
                Segment::All
            }
            Some('?') => {
                self.pos += 1;
                Segment::Filter(self.filter()?)
            }
            Some(c) if c == '-' || c.is_ascii_digit() => Segment::Index(self.index()?),
            _ => return self.expected("a quoted key, an index, '*' or '?(' after '['"),
        };
        self.skip_ws();
        self.expect(']')?;
        Ok(seg)
    }

    /// A quoted string, from its opening quote; a backslash escapes the next character.
    fn string(&mut self) -> Result<Box<str>> {
        let start = self.pos;
        let Some(quote) = self.peek() else {
            return self.expected("a quoted string");
        };
        self.pos += 1;
        let mut out = String::new();
        loop {
            match self.peek() {
                None => {
                    self.pos = start;
                    return self.err(format!("unterminated string: missing closing {quote}"));
                }
                Some(c) if c == quote => {
                    self.pos += 1;
                    return Ok(out.into_boxed_str());
                }
                Some('\\') => {
                    self.pos += 1;
                    match self.peek() {
                        Some(c) => {
                            out.push(c);
                            self.pos += 1;
                        }
                        None => return self.expected("a character after '\\'"),
                    }
                }
                Some(c) => {
                    out.push(c);
                    self.pos += 1;
                }
            }
        }
    }

    /// An array index: `-?[0-9]+`.
    fn index(&mut self) -> Result<i64> {
        let start = self.pos;
        self.eat('-');
        if !self.peek().is_some_and(|c| c.is_ascii_digit()) {
            return self.expected("a digit");
        }
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
        let text: String = self.chars[start..self.pos].iter().collect();
        text.parse().or_else(|_| {
            self.pos = start;
            self.err("index out of range")
        })
    }

    /// A filter, after `[?`: `(@… op literal)`.
    fn filter(&mut self) -> Result<Filter> {
        self.expect('(')?;
        self.skip_ws();
        self.expect('@')?;
        let mut field = Vec::new();
        loop {
            match self.peek() {
                Some('.') => {
                    self.pos += 1;
                    match self.peek() {
                        Some(c) if is_ident_char(c) => field.push(Segment::Field(self.ident())),
                        _ => return self.expected("a field name after '.'"),
                    }
                }
                Some('[') => {
                    self.pos += 1;
                    self.skip_ws();
                    match self.peek() {
                        Some('"' | '\'') => field.push(Segment::Field(self.string()?)),
                        Some(c) if c == '-' || c.is_ascii_digit() => {
                            field.push(Segment::Index(self.index()?))
                        }
                        _ => {
                            return self.expected(
                                "a quoted key or an index (a filter's field is a plain path)",
                            );
                        }
                    }
                    self.skip_ws();
                    self.expect(']')?;
                }
                _ => break,
            }
        }
        self.skip_ws();
        let test = match (self.peek(), self.peek_at(1)) {
            (Some(')'), _) => Test::Exists,
            (Some('='), Some('=')) => {
                self.pos += 2;
                self.skip_ws();
                Test::Eq(self.literal()?)
            }
            (Some('!'), Some('=')) => {
                self.pos += 2;
                self.skip_ws();
                Test::Ne(self.literal()?)
            }
            _ => return self.expected("'==', '!=' or ')'"),
        };
        self.skip_ws();
        self.expect(')')?;
        Ok(Filter {
            field: field.into_boxed_slice(),
            test,
        })
    }

    /// A literal: a quoted string, a number, `true`, `false` or `null`.
    fn literal(&mut self) -> Result<Literal> {
        match self.peek() {
            Some('"' | '\'') => Ok(Literal::Str(self.string()?)),
            Some(c) if c == '-' || c.is_ascii_digit() => self.number(),
            Some(c) if c.is_ascii_alphabetic() => {
                let start = self.pos;
                let word = self.ident();
                match &*word {
                    "true" => Ok(Literal::Bool(true)),
                    "false" => Ok(Literal::Bool(false)),
                    "null" => Ok(Literal::Null),
                    _ => {
                        self.pos = start;
                        self.err(format!(
                            "unknown literal '{word}': expected a quoted string, a number, true, false or null"
                        ))
                    }
                }
            }
            _ => self.expected("a literal (a quoted string, a number, true, false or null)"),
        }
    }

    /// `-?digits(.digits)?([eE][+-]?digits)?`: an integer, or a float when it has a fraction or
    /// an exponent (or does not fit an i64).
    fn number(&mut self) -> Result<Literal> {
        let start = self.pos;
        self.eat('-');
        let digits = |p: &mut Parser| -> Result<()> {
            if !p.peek().is_some_and(|c| c.is_ascii_digit()) {
                return p.expected("a digit");
            }
            while p.peek().is_some_and(|c| c.is_ascii_digit()) {
                p.pos += 1;
            }
            Ok(())
        };
        digits(self)?;
        let mut float = false;
        if self.peek() == Some('.') {
            self.pos += 1;
            digits(self)?;
            float = true;
        }
        if matches!(self.peek(), Some('e' | 'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some('+' | '-')) {
                self.pos += 1;
            }
            digits(self)?;
            float = true;
        }
        let text: String = self.chars[start..self.pos].iter().collect();
        if !float && let Ok(i) = text.parse::<i64>() {
            return Ok(Literal::Int(i));
        }
        match text.parse::<f64>() {
            Ok(x) if x.is_finite() => Ok(Literal::Float(x)),
            _ => {
                self.pos = start;
                self.err("number out of range")
            }
        }
    }
}

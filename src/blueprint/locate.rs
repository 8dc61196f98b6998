//! Finding the line and column of a field in a blueprint file, for error messages.
//!
//! `serde_yaml::Value` carries no positions, so semantic errors are placed by scanning the text:
//! find the document whose top-level `identifier:` names the blueprint, then follow a short
//! list of [`Step`]s (a key, a sequence item by its `id:`/`kind:`, a value in a list). This
//! handles block and flow style; when a step cannot be found the last position found is used
//! (at worst the `identifier:` line), so a message always names at least the file.

use super::error::Diagnostic;
use std::ops::Range;

/// One step towards the offending field.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Step<'a> {
    /// The least-indented `key:` in the current range; the range becomes its block.
    Key(&'a str),
    /// The `nth` (0-based) `key: value` in the current range; the range becomes the sequence
    /// item (`- …`) holding it.
    Item(&'a str, &'a str, usize),
    /// The first occurrence of the word `value` in the current range.
    Value(&'a str),
}

/// Places diagnostics inside one blueprint's YAML document.
pub(crate) struct Locator<'t> {
    file: &'t str,
    lines: Vec<&'t str>,
    /// The document's lines; the whole file when it could not be told apart.
    doc: Range<usize>,
}

/// A 0-based (line, column-in-bytes) position.
type Pos = (usize, usize);

impl<'t> Locator<'t> {
    /// A locator for the `occurrence`-th (0-based) document of `text` whose top-level
    /// `identifier:` is `identifier`.
    pub fn new(file: &'t str, text: &'t str, identifier: &str, occurrence: usize) -> Self {
        let lines: Vec<&str> = text.lines().collect();
        let mut loc = Locator {
            file,
            doc: 0..lines.len(),
            lines,
        };
        let docs = loc.documents();
        let found = docs
            .into_iter()
            .filter(|d| {
                loc.find_item(d.clone(), "identifier", identifier, 0)
                    .is_some_and(|(l, _)| loc.lines[l].starts_with("identifier"))
            })
            .nth(occurrence);
        if let Some(doc) = found {
            loc.doc = doc;
        }
        loc
    }

    /// A diagnostic at the field reached by `steps` (see [`Step`]).
    pub fn at(&self, steps: &[Step<'_>], message: impl Into<String>) -> Diagnostic {
        let pos = self.find(steps);
        Diagnostic {
            file: self.file.to_string(),
            line: pos.map(|(l, _)| l + 1),
            column: pos.map(|(l, c)| self.lines[l][..c].chars().count() + 1),
            message: message.into(),
        }
    }

    /// The 1-based line of the `identifier:` key, for "defined at" notes.
    pub fn identifier_line(&self) -> Option<usize> {
        self.find(&[Step::Key("identifier")]).map(|(l, _)| l + 1)
    }

    fn find(&self, steps: &[Step<'_>]) -> Option<Pos> {
        let mut range = self.doc.clone();
        let mut best = self
            .find_key(range.clone(), "identifier")
            .map(|(pos, _)| pos)
            .or_else(|| (self.doc.start < self.lines.len()).then_some((self.doc.start, 0)));
        for step in steps {
            let found = match *step {
                Step::Key(key) => self.find_key(range.clone(), key),
                Step::Item(key, value, nth) => self
                    .find_item(range.clone(), key, value, nth)
                    .map(|pos| (pos, self.item_range(range.clone(), pos))),
                Step::Value(value) => self
                    .find_value(range.clone(), value)
                    .map(|pos| (pos, pos.0..pos.0 + 1)),
            };
            match found {
                Some((pos, r)) => {
                    best = Some(pos);
                    range = r;
                }
                None => break,
            }
        }
        best
    }

    /// Line ranges of the YAML documents (split at `---` / `...` lines).
    fn documents(&self) -> Vec<Range<usize>> {
        let mut docs = Vec::new();
        let mut start = 0;
        for (i, line) in self.lines.iter().enumerate() {
            let marker = ["---", "..."].iter().any(|m| {
                line.strip_prefix(m)
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t']))
            });
            if marker {
                docs.push(start..i);
                start = i + 1;
            }
        }
        docs.push(start..self.lines.len());
        docs
    }

    /// The least-indented `key:` in `range`: the position of its value (or of the key when the
    /// value is on the next lines) and the key's block.
    fn find_key(&self, range: Range<usize>, key: &str) -> Option<(Pos, Range<usize>)> {
        let mut best: Option<(usize, usize)> = None; // (line, byte col of key)
        for l in range.clone() {
            if let Some(col) = key_positions(self.lines[l], key).next()
                && best.is_none_or(|(_, bc)| col < bc)
            {
                best = Some((l, col));
            }
        }
        let (l, col) = best?;
        let value_col = value_start(self.lines[l], col + key.len() + 1).unwrap_or(col);
        Some(((l, value_col), l..self.block_end(l, col, range.end)))
    }

    /// The `nth` `key: value` (value optionally quoted) in `range`: the position of the value.
    fn find_item(&self, range: Range<usize>, key: &str, value: &str, nth: usize) -> Option<Pos> {
        range
            .flat_map(|l| {
                key_positions(self.lines[l], key).filter_map(move |col| {
                    let line = self.lines[l];
                    let v = value_start(line, col + key.len() + 1)?;
                    value_matches(&line[v..], value).then_some((l, v))
                })
            })
            .nth(nth)
    }

    /// The first whole-word `value` in `range`.
    fn find_value(&self, range: Range<usize>, value: &str) -> Option<Pos> {
        range.into_iter().find_map(|l| {
            let line = self.lines[l];
            if is_comment(line) {
                return None;
            }
            line.match_indices(value).find_map(|(i, _)| {
                let before = line[..i].chars().next_back();
                let after = line[i + value.len()..].chars().next();
                (!before.is_some_and(is_word_char) && !after.is_some_and(is_word_char))
                    .then_some((l, i))
            })
        })
    }

    /// The sequence item holding position `pos`: from its `-` line to the next line indented
    /// no deeper than that `-`.
    fn item_range(&self, range: Range<usize>, pos: Pos) -> Range<usize> {
        let (line, col) = pos;
        let marker = (range.start..=line).rev().find_map(|l| {
            let text = self.lines[l];
            let dash = indent(text);
            (text[dash..].starts_with('-') && (l < line || dash < col)).then_some((l, dash))
        });
        match marker {
            Some((l, dash)) => l..self.item_end(l, dash, range.end),
            None => line..line + 1,
        }
    }

    fn item_end(&self, marker: usize, dash: usize, end: usize) -> usize {
        (marker + 1..end)
            .find(|&l| {
                let t = self.lines[l];
                !is_blank(t) && !is_comment(t) && indent(t) <= dash
            })
            .unwrap_or(end)
    }

    /// End of the block of a key at (`line`, `col`): the first later line indented less, or as
    /// much without being a `- ` item of a compact sequence.
    fn block_end(&self, line: usize, col: usize, end: usize) -> usize {
        (line + 1..end)
            .find(|&l| {
                let t = self.lines[l];
                if is_blank(t) || is_comment(t) {
                    return false;
                }
                let i = indent(t);
                i < col || (i == col && !t[i..].starts_with('-'))
            })
            .unwrap_or(end)
    }
}

/// The 1-based line of the second top-level `key:` of the document starting at or after the
/// 1-based line `from` (serde_yaml reports a duplicate field at the start of the document).
pub(crate) fn duplicate_top_level_key(text: &str, key: &str, from: usize) -> Option<usize> {
    let mut seen = false;
    for (i, line) in text.lines().enumerate().skip(from.saturating_sub(1)) {
        if line.starts_with("---") || line.starts_with("...") {
            seen = false;
        } else if key_positions(line, key).any(|col| col == 0) {
            if seen {
                return Some(i + 1);
            }
            seen = true;
        }
    }
    None
}

/// Byte columns where `key:` appears as a mapping key in `line` (block or flow style).
fn key_positions<'l>(line: &'l str, key: &'l str) -> impl Iterator<Item = usize> + 'l {
    let skip = is_comment(line);
    line.match_indices(key).filter_map(move |(i, _)| {
        if skip {
            return None;
        }
        let rest = &line[i + key.len()..];
        let colon = rest.strip_prefix(':')?;
        if !(colon.is_empty() || colon.starts_with([' ', '\t'])) {
            return None;
        }
        let before = line[..i].trim_end_matches([' ', '\t']);
        let ok = before.is_empty()
            || before.ends_with(['{', ','])
            || before.trim_start().chars().all(|c| c == '-' || c == ' ');
        ok.then_some(i)
    })
}

/// Byte column of the first non-blank character at or after `from`, if any before a comment.
fn value_start(line: &str, from: usize) -> Option<usize> {
    let rest = line.get(from..)?;
    let skipped = rest.len() - rest.trim_start_matches([' ', '\t']).len();
    let v = from + skipped;
    (v < line.len() && !line[v..].starts_with('#')).then_some(v)
}

/// Whether the text at a value's start is `value`, bare or quoted, followed by a delimiter.
fn value_matches(text: &str, value: &str) -> bool {
    let (body, quote) = match text.chars().next() {
        Some(q @ ('"' | '\'')) => (&text[1..], Some(q)),
        _ => (text, None),
    };
    let Some(rest) = body.strip_prefix(value) else {
        return false;
    };
    let rest = match quote {
        Some(q) => match rest.strip_prefix(q) {
            Some(r) => r,
            None => return false,
        },
        None => rest,
    };
    rest.is_empty() || rest.starts_with([' ', '\t', ',', '}', ']', '#'])
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

fn is_blank(line: &str) -> bool {
    line.trim().is_empty()
}

fn is_comment(line: &str) -> bool {
    line.trim_start().starts_with('#')
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '/')
}

/// How many earlier items of `items` have the same key as item `i` (for [`Step::Item`]).
pub(crate) fn nth_of<T>(items: &[T], i: usize, key: impl Fn(&T) -> &str) -> usize {
    items[..i]
        .iter()
        .filter(|x| key(x) == key(&items[i]))
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "# leading comment\n---\nidentifier: a\nproperties:\n  - { id: x, path: .a }\n---\nidentifier: pod\ntitle: Pod\nsources:\n  - group: apps\n    version: v1\n    kind: DaemonSet\n    properties:\n      desired: .status.x\nproperties:\n  - id: phase\n    title: Phase\n    path: .status.phase\n  - { id: node, path: .spec.nodeName }\ncolumns: [phase, node]\n";

    fn pos(steps: &[Step<'_>]) -> (Option<usize>, Option<usize>) {
        let d = Locator::new("f.yaml", TEXT, "pod", 0).at(steps, "m");
        (d.line, d.column)
    }

    #[test]
    fn finds_fields() {
        assert_eq!(pos(&[]), (Some(7), Some(13)));
        assert_eq!(pos(&[Step::Key("title")]), (Some(8), Some(8)));
        assert_eq!(
            pos(&[
                Step::Key("properties"),
                Step::Item("id", "phase", 0),
                Step::Key("path")
            ]),
            (Some(18), Some(11))
        );
        assert_eq!(
            pos(&[
                Step::Key("properties"),
                Step::Item("id", "node", 0),
                Step::Key("path")
            ]),
            (Some(19), Some(23))
        );
        assert_eq!(
            pos(&[
                Step::Key("sources"),
                Step::Item("kind", "DaemonSet", 0),
                Step::Key("properties"),
                Step::Key("desired")
            ]),
            (Some(14), Some(16))
        );
        assert_eq!(
            pos(&[Step::Key("columns"), Step::Value("node")]),
            (Some(20), Some(18))
        );
        // A missing field falls back to the last position found.
        assert_eq!(
            pos(&[
                Step::Key("properties"),
                Step::Item("id", "phase", 0),
                Step::Key("nope")
            ]),
            (Some(16), Some(9))
        );
        assert_eq!(pos(&[Step::Key("nope")]), (Some(7), Some(13)));
    }

    #[test]
    fn finds_first_document() {
        let d = Locator::new("f.yaml", TEXT, "a", 0).at(
            &[
                Step::Key("properties"),
                Step::Item("id", "x", 0),
                Step::Key("path"),
            ],
            "m",
        );
        assert_eq!((d.line, d.column), (Some(5), Some(20)));
    }
}

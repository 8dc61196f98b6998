//! The `/` filter: fuzzy matching (skim's algorithm) of a pattern against each row's text,
//! keeping the display order and the matched character positions for highlighting.

use super::table::{Row, Table};
use fuzzy_matcher::FuzzyMatcher;
use fuzzy_matcher::skim::SkimMatcherV2;

/// Rows that pass the filter, in display order.
#[derive(Debug, Clone, Default)]
pub struct Filtered {
    /// Indices into the table's rows.
    rows: Vec<u32>,
    /// Where each row's match ended in its encoded text ([`Texts`]), aligned with `rows`;
    /// empty when unknown. A longer pattern resumes each match from there instead of reading
    /// the row again from its start ([`apply_resuming`]).
    ends: Vec<u32>,
}

impl Filtered {
    pub fn new(rows: Vec<u32>) -> Filtered {
        Filtered { rows, ends: vec![] }
    }

    /// Indices into the table's rows, in display order.
    pub fn rows(&self) -> &[u32] {
        &self.rows
    }

    /// The rows to change in place (rows patched, moved or removed): where their matches
    /// ended is forgotten.
    pub fn rows_mut(&mut self) -> &mut Vec<u32> {
        self.ends.clear();
        &mut self.rows
    }
}

/// The same rows (where the matches ended is a cache, not part of the result).
impl PartialEq for Filtered {
    fn eq(&self, other: &Filtered) -> bool {
        self.rows == other.rows
    }
}

/// A pattern prepared for matching many rows. Matching is skim's own acceptance test (every
/// pattern char, in order, ASCII case-insensitive unless the pattern has an uppercase letter:
/// `SkimMatcherV2` accepts exactly these and only scores them); since the filter keeps the
/// display order, no score is computed, and the matched positions are computed by skim only
/// for rows on screen ([`Highlighter`]).
pub struct Pattern {
    chars: Vec<char>,
    /// ASCII pattern: its bytes, lowercased unless case-sensitive (see [`Pattern::matches_text`]).
    bytes: Vec<u8>,
    /// ASCII pattern: compare bytes (a non-ASCII char never equals an ASCII one).
    ascii: bool,
    case_sensitive: bool,
    across: bool,
    /// The [`mask`] of the pattern's bytes.
    mask: u64,
}

impl Pattern {
    pub fn new(pattern: &str) -> Pattern {
        let pattern = pattern.trim();
        let case_sensitive = pattern.chars().any(|c| c.is_ascii_uppercase());
        Pattern {
            chars: pattern.chars().collect(),
            bytes: if case_sensitive {
                pattern.as_bytes().to_vec()
            } else {
                pattern.as_bytes().to_ascii_lowercase()
            },
            ascii: pattern.is_ascii(),
            case_sensitive,
            across: pattern.contains(' '),
            mask: mask(pattern.as_bytes()),
        }
    }

    fn eq(&self, a: char, b: char) -> bool {
        if self.case_sensitive {
            a == b
        } else {
            a.eq_ignore_ascii_case(&b)
        }
    }

    /// How many pattern chars are matched after `text`, starting with `k` matched.
    fn advance(&self, text: &str, mut k: usize) -> usize {
        let n = self.chars.len();
        if self.ascii {
            for &b in text.as_bytes() {
                if k == n {
                    break;
                }
                if self.eq(b as char, self.chars[k]) {
                    k += 1;
                }
            }
        } else {
            for c in text.chars() {
                if k == n {
                    break;
                }
                if self.eq(c, self.chars[k]) {
                    k += 1;
                }
            }
        }
        k
    }

    /// Whether a row matches: one cell holds the whole pattern, or (a pattern with a space)
    /// the cells joined by spaces do.
    pub fn matches(&self, row: &Row) -> bool {
        let n = self.chars.len();
        if n == 0 || row.cells.iter().any(|c| self.advance(&c.text, 0) == n) {
            return true;
        }
        if !self.across {
            return false;
        }
        let mut k = 0;
        for (i, c) in row.cells.iter().enumerate() {
            if i > 0 {
                k = self.advance(" ", k);
            }
            k = self.advance(&c.text, k);
        }
        k == n
    }
    /// [`Pattern::matches`] on a row's encoded text ([`Texts`]); None when the pattern is not
    /// ASCII (then only [`Pattern::matches`] applies). An ASCII pattern compares bytes: the
    /// bytes of a multi-byte char and the separator never equal an ASCII one. The text is not
    /// walked byte by byte: `memchr` jumps to the next byte that can advance the match (the
    /// next pattern char in either case, or a cell's end), so a keystroke over 100k rows reads
    /// them at memory speed.
    pub fn matches_text(&self, text: &[u8]) -> Option<bool> {
        self.ascii.then(|| self.match_from(text, 0, 0).is_some())
    }

    /// Both ways a text byte can equal pattern byte `k`.
    fn either(&self, k: usize) -> (u8, u8) {
        let b = self.bytes[k];
        if self.case_sensitive {
            (b, b)
        } else {
            (b, b.to_ascii_uppercase())
        }
    }

    /// The match of an ASCII pattern in `text`, continued from byte `at` with the first `k`
    /// pattern bytes matched (`0, 0`: from the start): where it ends (the byte after its last),
    /// or None. The match is greedy, so a longer pattern's match passes through the same state
    /// where a prefix's match ended: it may resume from there.
    fn match_from(&self, text: &[u8], mut at: usize, mut k: usize) -> Option<usize> {
        let n = self.bytes.len();
        if k >= n {
            return Some(at);
        }
        if self.across {
            // Cells joined by one space: the separator reads as a space; a row any one cell
            // of which holds the pattern matches this way too.
            while k < n {
                let (a, b) = self.either(k);
                let rest = text.get(at..)?;
                let i = if a == b' ' {
                    memchr::memchr2(b' ', SEP, rest)
                } else {
                    memchr::memchr2(a, b, rest)
                }?;
                at += i + 1;
                k += 1;
            }
            return Some(at);
        }
        // One cell holds the whole pattern: the match restarts at each separator.
        loop {
            let (a, b) = self.either(k);
            let rest = text.get(at..)?;
            let i = if k == 0 {
                memchr::memchr2(a, b, rest)
            } else {
                memchr::memchr3(a, b, SEP, rest)
            }?;
            let byte = rest[i];
            at += i + 1;
            if byte == SEP {
                k = 0;
            } else {
                k += 1;
                if k == n {
                    return Some(at);
                }
            }
        }
    }

    /// Whether a match of `self` may resume where one of `old` ended: both compare bytes the
    /// same way, and `self` is `old` with more after it.
    fn resumes(&self, old: &Pattern) -> bool {
        self.ascii
            && old.ascii
            && self.case_sensitive == old.case_sensitive
            && (self.across == old.across || old.bytes.is_empty())
            && self.bytes.starts_with(&old.bytes)
    }
}

/// Separator of cells in [`Texts`]: never a byte of UTF-8 text.
const SEP: u8 = 0xFF;

/// The bit of byte `b` in a [`mask`]: letters by their lowercase (so a mask serves both
/// cases), digits, the space (and [`SEP`], which reads as one when matching across cells),
/// every other byte folded onto the rest.
const fn bit(b: u8) -> u64 {
    let n = match b.to_ascii_lowercase() {
        l @ b'a'..=b'z' => l - b'a',
        d @ b'0'..=b'9' => 26 + d - b'0',
        b' ' | SEP => 36,
        other => 37 + other % 27,
    };
    1 << n
}

/// [`bit`] of every byte.
static BITS: [u64; 256] = {
    let mut t = [0; 256];
    let mut b = 0;
    while b < 256 {
        t[b] = bit(b as u8);
        b += 1;
    }
    t
};

/// Which bytes a text holds, as bits: a row whose mask lacks a bit of the pattern's cannot
/// match (every pattern byte must occur in it, in either case), so it is passed over without
/// reading its text.
fn mask(text: &[u8]) -> u64 {
    text.iter().fold(0, |m, &b| m | BITS[b as usize])
}

/// The text of every row of a table, contiguous (cells separated by [`SEP`]), so filtering
/// scans one buffer instead of a dozen allocations per row. Rows patched in place are
/// re-encoded at the end of the buffer; the buffer is compacted when mostly garbage.
#[derive(Debug, Clone, Default)]
pub struct Texts {
    buf: Vec<u8>,
    /// Start and end in `buf` of each table row's text, and the [`mask`] of its bytes.
    spans: Vec<(usize, usize, u64)>,
}

impl Texts {
    pub fn build(rows: &[Row]) -> Texts {
        let mut t = Texts {
            buf: Vec::with_capacity(rows.len() * 64),
            spans: Vec::with_capacity(rows.len()),
        };
        for r in rows {
            t.push(r);
        }
        t
    }

    /// Room for `rows` more rows' text.
    pub fn reserve(&mut self, rows: usize) {
        self.buf.reserve(rows * 64);
        self.spans.reserve(rows);
    }

    /// Append the text of the next row (a table built a chunk at a time, in row order).
    pub fn push(&mut self, row: &Row) {
        let s = self.encode(row);
        self.spans.push(s);
    }

    fn encode(&mut self, row: &Row) -> (usize, usize, u64) {
        #[cfg(any(test, feature = "test-support"))]
        ENCODED.with(|n| n.set(n.get() + 1));
        let start = self.buf.len();
        for (i, c) in row.cells.iter().enumerate() {
            if i > 0 {
                self.buf.push(SEP);
            }
            self.buf.extend_from_slice(c.text.as_bytes());
        }
        (start, self.buf.len(), mask(&self.buf[start..]))
    }

    /// Whether this holds the text of each of `rows` rows.
    pub fn covers(&self, rows: usize) -> bool {
        self.spans.len() == rows
    }

    pub fn get(&self, i: usize) -> &[u8] {
        let (a, b, _) = self.spans[i];
        &self.buf[a..b]
    }

    /// The [`mask`] of row `i`'s text.
    pub fn mask(&self, i: usize) -> u64 {
        self.spans[i].2
    }

    /// Row `i` now reads `row`.
    pub fn set(&mut self, i: usize, row: &Row) {
        if i < self.spans.len() {
            self.spans[i] = self.encode(row);
        }
    }

    /// Rows moved: old row `i` is now `remap[i]` (`u32::MAX`: removed); `fresh` (new
    /// indices) are new rows of `rows`, the table's rows after the move.
    pub fn remap(&mut self, remap: &[u32], fresh: &[u32], rows: &[Row]) {
        if self.spans.len() != remap.len() {
            return;
        }
        let mut spans = vec![(0, 0, 0); rows.len()];
        for (i, &to) in remap.iter().enumerate() {
            if let Some(s) = spans.get_mut(to as usize) {
                *s = self.spans[i];
            }
        }
        for &f in fresh {
            if let Some(r) = rows.get(f as usize) {
                spans[f as usize] = self.encode(r);
            }
        }
        self.spans = spans;
    }

    /// Re-encode all rows when most of the buffer is text of replaced rows.
    pub fn compact(&mut self, rows: &[Row]) {
        let live: usize = self.spans.iter().map(|(a, b, _)| b - a).sum();
        if self.covers(rows.len()) && self.buf.len() > 2 * live + (1 << 20) {
            *self = Texts::build(rows);
        }
    }
}

#[cfg(any(test, feature = "test-support"))]
thread_local! {
    static ENCODED: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// Rows whose text was encoded for the filter so far on this thread: a work counter for
/// tests (finishing a big list built ahead must not encode every row in one go).
#[cfg(any(test, feature = "test-support"))]
pub fn encoded_rows() -> u64 {
    ENCODED.with(|n| n.get())
}

/// Whether every row matching `new` also matches `old`, so filtering for `new` only needs the
/// rows that matched `old` (the pattern grew; a space appearing makes cross-cell matches
/// possible that `old` could not make, unless `old` had one).
pub fn narrows(old: &str, new: &str) -> bool {
    let (old, new) = (old.trim(), new.trim());
    new.starts_with(old) && (old.is_empty() || old.contains(' ') || !new.contains(' '))
}

/// Keep the rows of `candidates` (in display order) that match `pattern` (all of them when it
/// is empty). A row matches when one of its cells fuzzy-matches the whole pattern (so `cart`
/// does not match `checkout-api … Running … healthy` through scattered letters); a pattern
/// with a space may also match across cells (`prod cart`).
pub fn apply(table: &Table, candidates: &[u32], pattern: &str) -> Filtered {
    apply_with(table, &Texts::default(), candidates, pattern)
}

/// [`apply`], reading the rows' text from `texts` when it covers the table.
pub fn apply_with(table: &Table, texts: &Texts, candidates: &[u32], pattern: &str) -> Filtered {
    filter_rows(table, texts, candidates, None, &Pattern::new(pattern))
}

/// Narrow `prev`, the rows that matched `old`, to those matching `pattern` (which
/// [`narrows`] `old`). Where `prev` knows where each match of `old` ended, each row's match
/// resumes there: a keystroke that lengthens the pattern reads each remaining row from where
/// the last one stopped, not from its start (what "node-0" costs no longer grows with its
/// length over rows that all hold it).
pub fn narrow_with(
    table: &Table,
    texts: &Texts,
    prev: &Filtered,
    old: &str,
    pattern: &str,
) -> Filtered {
    let p = Pattern::new(pattern);
    let o = Pattern::new(old);
    let resume = (prev.ends.len() == prev.rows.len() && p.resumes(&o))
        .then_some((&prev.ends[..], o.bytes.len()));
    filter_rows(table, texts, &prev.rows, resume, &p)
}

/// The `candidates` matching `p`; with `resume` (where each candidate's match of a prefix of
/// `p` ended, and that prefix's length), each match continues from there.
fn filter_rows(
    table: &Table,
    texts: &Texts,
    candidates: &[u32],
    resume: Option<(&[u32], usize)>,
    p: &Pattern,
) -> Filtered {
    if p.ascii && texts.covers(table.rows.len()) {
        let (mut rows, mut ends) = (vec![], vec![]);
        for (j, &i) in candidates.iter().enumerate() {
            let (at, k) = resume
                .and_then(|(ends, k)| Some((*ends.get(j)? as usize, k)))
                .unwrap_or((0, 0));
            let u = i as usize;
            if u >= table.rows.len() || texts.mask(u) & p.mask != p.mask {
                continue;
            }
            if let Some(end) = p.match_from(texts.get(u), at, k) {
                rows.push(i);
                ends.push(end as u32);
            }
        }
        return Filtered { rows, ends };
    }
    Filtered::new(
        candidates
            .iter()
            .copied()
            .filter(|&i| table.rows.get(i as usize).is_some_and(|r| p.matches(r)))
            .collect(),
    )
}

/// Matched char positions of on-screen rows, for highlighting: every matching cell.
pub struct Highlighter<'a> {
    matcher: SkimMatcherV2,
    pattern: &'a str,
}

impl<'a> Highlighter<'a> {
    pub fn new(pattern: &'a str) -> Highlighter<'a> {
        Highlighter {
            matcher: SkimMatcherV2::default().smart_case(),
            pattern: pattern.trim(),
        }
    }

    /// Positions in [`Table::filter_text`] of the row (empty without a pattern).
    pub fn positions(&self, row: &Row) -> Vec<u32> {
        let mut hits: Vec<u32> = vec![];
        if self.pattern.is_empty() {
            return hits;
        }
        let mut start = 0usize;
        for cell in &row.cells {
            if let Some((_, idx)) = self.matcher.fuzzy_indices(&cell.text, self.pattern) {
                hits.extend(idx.into_iter().map(|x| (start + x) as u32));
            }
            start += cell.text.chars().count() + 1;
        }
        if hits.is_empty() && self.pattern.contains(' ') {
            let (text, _) = Table::filter_text(row);
            if let Some((_, idx)) = self.matcher.fuzzy_indices(&text, self.pattern) {
                hits.extend(idx.into_iter().map(|x| x as u32));
            }
        }
        hits
    }
}

/// Char positions matched inside cell `cell` of a row (relative to the cell's start).
pub fn cell_matches(matches: &[u32], starts: &[usize], cell: usize, len: usize) -> Vec<usize> {
    let Some(&start) = starts.get(cell) else {
        return vec![];
    };
    matches
        .iter()
        .map(|&m| m as usize)
        .filter(|&m| m >= start && m < start + len)
        .map(|m| m - start)
        .collect()
}

#[cfg(test)]
#[path = "filter_tests.rs"]
mod tests;

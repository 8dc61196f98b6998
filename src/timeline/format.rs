//! The timeline in words: ages, the object column, and the `kubeatlas timeline` table.

use super::{Entry, Reached};

pub use crate::catalog::age::human as age;

/// `Deployment shop/cart`.
pub fn object(e: &Entry) -> String {
    if e.namespace.is_empty() {
        format!("{} {}", e.kind, e.name)
    } else {
        format!("{} {}/{}", e.kind, e.namespace, e.name)
    }
}

/// The time of an entry, to the second, UTC.
pub fn time(at: i64) -> String {
    jiff::Timestamp::from_second(at)
        .map(|t| t.strftime("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_default()
}

/// The aligned table `kubeatlas timeline` prints, newest first.
pub fn table(entries: &[Entry], now: i64) -> String {
    let header = [
        "TIME", "AGE", "CONTEXT", "ENV", "SERVICE", "OBJECT", "CHANGE", "WHO",
    ];
    let rows: Vec<[String; 8]> = entries
        .iter()
        .map(|e| {
            [
                time(e.at),
                age(now - e.at),
                e.context.clone(),
                e.env.clone(),
                e.service.clone(),
                object(e),
                e.text.clone(),
                e.who.clone().unwrap_or_default(),
            ]
        })
        .collect();
    let mut width = header.map(str::len);
    for r in &rows {
        for (w, c) in width.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cells: Vec<&str>| {
        let mut l = String::new();
        for (i, (c, w)) in cells.iter().zip(width).enumerate() {
            if i + 1 == cells.len() {
                l.push_str(c);
            } else {
                l.push_str(c);
                l.push_str(&" ".repeat(w - c.chars().count() + 2));
            }
        }
        out.push_str(l.trim_end());
        out.push('\n');
    };
    line(header.to_vec());
    for r in &rows {
        line(r.iter().map(String::as_str).collect());
    }
    out
}

/// `1.4.2 reached: staging 3d ago, prod 2d ago`.
pub fn reached(version: &str, r: &[Reached], now: i64) -> String {
    let parts: Vec<String> = r
        .iter()
        .map(|x| format!("{} {} ago", x.env, age(now - x.at)))
        .collect();
    format!("{version} reached: {}", parts.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_read_like_kubectl() {
        assert_eq!(age(5), "5s");
        assert_eq!(age(125), "2m5s");
        assert_eq!(age(7300), "121m");
        assert_eq!(age(3 * 86_400 + 5), "3d");
    }
}

//! Our own actions in the timeline: the executor's audit log (`audit.jsonl`, one JSON line
//! per action run, see `actions::audit`) read from where the last read stopped.

use super::Entry;
use serde::Deserialize;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

/// The fields of an audit line the timeline reads.
#[derive(Debug, Clone, Deserialize)]
pub struct Line {
    pub time: String,
    pub context: String,
    #[serde(default)]
    pub namespace: Option<String>,
    pub kind: String,
    pub name: String,
    #[serde(default)]
    pub uid: String,
    pub action: String,
    #[serde(default)]
    pub parameters: serde_json::Value,
    pub outcome: String,
    #[serde(default)]
    pub message: String,
}

/// The complete lines after byte `offset` and the offset after the last one. A file shorter
/// than `offset` was replaced: read from its start. Lines that are not audit entries are
/// skipped.
pub fn read_from(path: &Path, offset: u64) -> std::io::Result<(Vec<Line>, u64)> {
    let mut f = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((vec![], 0)),
        Err(e) => return Err(e),
    };
    let len = f.metadata()?.len();
    let start = if len < offset { 0 } else { offset };
    if len == start {
        return Ok((vec![], start));
    }
    f.seek(SeekFrom::Start(start))?;
    let mut buf = Vec::with_capacity((len - start) as usize);
    f.take(len - start).read_to_end(&mut buf)?;
    // Only whole lines: a line being appended right now is read next time.
    let end = buf.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
    let lines = buf[..end]
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .filter_map(|l| serde_json::from_slice::<Line>(l).ok())
        .collect();
    Ok((lines, start + end as u64))
}

/// What the action did, in words: `restart`, `set image app=…:1.4.3`, `scale to 0`.
pub fn describe(l: &Line) -> String {
    let p = &l.parameters;
    let s = |k: &str| p.get(k).and_then(|v| v.as_str()).unwrap_or_default();
    let what = match l.action.as_str() {
        "set-image" => format!("set image {}={}", s("container"), s("image")),
        "scale" => format!(
            "scale to {}",
            p.get("replicas")
                .and_then(|v| v.as_i64())
                .unwrap_or_default()
        ),
        other => other.to_string(),
    };
    if l.outcome == "ok" {
        what
    } else if l.message.is_empty() {
        format!("{what} — {}", l.outcome)
    } else {
        format!("{what} — {}: {}", l.outcome, l.message)
    }
}

/// The timeline entry of one audit line, filed under `place` (service, environment) when
/// known, else under the context.
pub fn entry(l: &Line, place: Option<(String, String)>) -> Option<Entry> {
    let at = l.time.parse::<jiff::Timestamp>().ok()?.as_second();
    let (service, env) = place.unwrap_or_else(|| (String::new(), l.context.clone()));
    Some(Entry {
        at,
        context: l.context.clone(),
        env,
        service,
        namespace: l.namespace.clone().unwrap_or_default(),
        kind: l.kind.clone(),
        name: l.name.clone(),
        owner: l.name.clone(),
        uid: l.uid.clone(),
        change: "action".into(),
        text: describe(l),
        version: None,
        who: Some("kubeatlas".into()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_whole_audit_lines_are_read_and_the_offset_moves_past_them() {
        let dir = tempfile::tempdir().expect("temp dir");
        let p = dir.path().join("audit.jsonl");
        let line = r#"{"time":"2026-11-24T10:00:00Z","context":"prod","namespace":"shop","kind":"Deployment","name":"cart","uid":"u1","action":"scale","parameters":{"action":"scale","replicas":0},"outcome":"ok","message":""}"#;
        std::fs::write(&p, format!("{line}\nnot json\n{{\"time\":")).expect("write");
        let (lines, off) = read_from(&p, 0).expect("read");
        assert_eq!(lines.len(), 1);
        assert_eq!(describe(&lines[0]), "scale to 0");
        let e = entry(&lines[0], None).expect("entry");
        assert_eq!(
            (e.env.as_str(), e.who.as_deref()),
            ("prod", Some("kubeatlas"))
        );
        let (again, off2) = read_from(&p, off).expect("read again");
        assert!(again.is_empty() && off2 == off, "the half line waits");
    }
}

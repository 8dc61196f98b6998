//! The `meta.k8s.io/v1 Table` form of objects (`Accept: application/json;as=Table;…`), as
//! `kubectl get` reads them: the columns the server prints (Name and Age — a custom
//! resource's default columns — plus Replicas for the `workers` custom resource, as its
//! `additionalPrinterColumns` would give) and one row per object carrying its metadata only
//! (the server's default `includeObject=PartialObjectMetadata`).

use serde_json::{Value, json};

use crate::object::StoredObject;
use crate::resource::SimResource;

/// The response content type.
pub(crate) const CONTENT_TYPE: &str = "application/json;as=Table;v=v1;g=meta.k8s.io";

/// `duration.HumanDuration` of the apiserver (the Age cell).
pub(crate) fn human(secs: i64) -> String {
    let s = secs.max(0);
    let (m, h, d) = (s / 60, s / 3600, s / 86400);
    if s < 120 {
        format!("{s}s")
    } else if m < 10 {
        match s % 60 {
            0 => format!("{m}m"),
            r => format!("{m}m{r}s"),
        }
    } else if h < 3 {
        format!("{m}m")
    } else if h < 8 {
        match m % 60 {
            0 => format!("{h}h"),
            r => format!("{h}h{r}m"),
        }
    } else if h < 48 {
        format!("{h}h")
    } else if h < 24 * 8 {
        match h % 24 {
            0 => format!("{d}d"),
            r => format!("{d}d{r}h"),
        }
    } else if d < 365 * 2 {
        format!("{d}d")
    } else {
        format!("{}y", d / 365)
    }
}

fn columns(res: SimResource) -> Vec<Value> {
    let mut cols = vec![
        json!({"name": "Name", "type": "string", "format": "name", "description": "Name must be unique within a namespace.", "priority": 0}),
    ];
    if res == SimResource::Workers {
        cols.push(json!({"name": "Replicas", "type": "integer", "format": "", "description": "desired replicas", "priority": 0}));
    }
    cols.push(json!({"name": "Age", "type": "date", "format": "", "description": "CreationTimestamp is a timestamp representing the server time when this object was created.", "priority": 0}));
    cols
}

fn row(o: &StoredObject, now: jiff::Timestamp) -> Value {
    let v = o.value();
    let age = crate::util::parse_time(&o.meta.created)
        .map(|t| human(now.as_second() - t.as_second()))
        .unwrap_or_else(|| "<unknown>".into());
    let mut cells = vec![json!(o.name())];
    if o.res == SimResource::Workers {
        cells.push(v.pointer("/spec/replicas").cloned().unwrap_or(Value::Null));
    }
    cells.push(json!(age));
    json!({
        "cells": cells,
        "object": {
            "kind": "PartialObjectMetadata",
            "apiVersion": "meta.k8s.io/v1",
            "metadata": v.get("metadata").cloned().unwrap_or(json!({})),
        }
    })
}

/// Appends a Table of `items`; `list` carries a list's (resourceVersion, continue,
/// remainingItemCount), `None` for one object (a GET or a watch event).
pub(crate) fn write<'a>(
    res: SimResource,
    items: impl Iterator<Item = &'a StoredObject>,
    list: Option<(u64, Option<&str>, Option<u64>)>,
    out: &mut Vec<u8>,
) {
    let now = jiff::Timestamp::now();
    let mut meta = serde_json::Map::new();
    if let Some((rv, cont, remaining)) = list {
        meta.insert("resourceVersion".into(), json!(rv.to_string()));
        if let Some(c) = cont {
            meta.insert("continue".into(), json!(c));
        }
        if let Some(n) = remaining {
            meta.insert("remainingItemCount".into(), json!(n));
        }
    }
    let table = json!({
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": meta,
        "columnDefinitions": columns(res),
        "rows": items.map(|o| row(o, now)).collect::<Vec<_>>(),
    });
    if let Ok(bytes) = serde_json::to_vec(&table) {
        out.extend_from_slice(&bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::human;

    #[test]
    fn ages_read_like_the_apiservers() {
        assert_eq!(human(5), "5s");
        assert_eq!(human(150), "2m30s");
        assert_eq!(human(3600), "60m");
        assert_eq!(human(4 * 3600 + 60), "4h1m");
        assert_eq!(human(3 * 86400), "3d");
    }
}

//! Small helpers: timestamps, uids, name suffixes, hashing and JSON accessors.

use rand::Rng;
use serde_json::{Map, Value};

/// The alphabet Kubernetes uses for generated name suffixes and template hashes.
const SAFE_ALPHANUMS: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

/// `metadata.managedFields` as the real server records a create: one `Update` entry by
/// `manager` owning every field the request set (lists owned whole: a simplification of
/// FieldsV1's keyed list items). Real objects always carry it; clients must cope with its size.
pub(crate) fn managed_fields(obj: &Value, api_version: &str, manager: &str, time: &str) -> Value {
    fn tree(v: &Value) -> Value {
        match v {
            Value::Object(m) => {
                Value::Object(m.iter().map(|(k, v)| (format!("f:{k}"), tree(v))).collect())
            }
            _ => Value::Object(Map::new()),
        }
    }
    let mut fields = Map::new();
    for (k, v) in obj.as_object().into_iter().flatten() {
        match k.as_str() {
            "apiVersion" | "kind" => {}
            "metadata" => {
                let owned: Map<String, Value> = v
                    .as_object()
                    .into_iter()
                    .flatten()
                    .filter(|(k, _)| {
                        matches!(
                            k.as_str(),
                            "labels" | "annotations" | "ownerReferences" | "finalizers"
                        )
                    })
                    .map(|(k, v)| (format!("f:{k}"), tree(v)))
                    .collect();
                if !owned.is_empty() {
                    fields.insert("f:metadata".into(), Value::Object(owned));
                }
            }
            _ => {
                fields.insert(format!("f:{k}"), tree(v));
            }
        }
    }
    serde_json::json!([{
        "manager": manager, "operation": "Update", "apiVersion": api_version, "time": time,
        "fieldsType": "FieldsV1", "fieldsV1": fields,
    }])
}

/// Formats a timestamp the way the API server does (`2026-11-23T20:22:43Z`).
pub(crate) fn rfc3339(ts: jiff::Timestamp) -> String {
    ts.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// The current time as an API timestamp string.
pub(crate) fn now_rfc3339() -> String {
    rfc3339(jiff::Timestamp::now())
}

/// Parses an API timestamp; `None` when absent or malformed.
pub(crate) fn parse_time(s: &str) -> Option<jiff::Timestamp> {
    s.parse().ok()
}

/// A random RFC 4122 version-4 uid.
pub(crate) fn uuid_v4(rng: &mut impl Rng) -> String {
    let mut b: [u8; 16] = rng.random();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// A random `generateName` suffix of `n` characters (`q85gr`).
pub(crate) fn random_suffix(rng: &mut impl Rng, n: usize) -> String {
    (0..n)
        .map(|_| SAFE_ALPHANUMS[rng.random_range(0..SAFE_ALPHANUMS.len())] as char)
        .collect()
}

/// 32-bit FNV-1a, the hash Kubernetes uses for pod-template-hash.
pub(crate) fn fnv32a(data: &[u8]) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for b in data {
        h ^= u32::from(*b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

/// 64-bit FNV-1a, used to seed deterministic generators.
pub(crate) fn fnv64a(data: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in data {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// Hex digest-looking string derived deterministically from `seed` (64 chars).
pub(crate) fn pseudo_sha256(seed: &str) -> String {
    let mut out = String::with_capacity(64);
    let mut h = fnv64a(seed.as_bytes());
    for _ in 0..4 {
        h = splitmix64(h);
        out.push_str(&format!("{h:016x}"));
    }
    out
}

/// One step of the splitmix64 generator (deterministic pseudo-randomness).
pub(crate) fn splitmix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// Kubernetes' `rand.SafeEncodeString` of the decimal hash, padded to 10 characters.
pub(crate) fn template_hash(template: &Value, collision_count: u32) -> String {
    let mut bytes = serde_json::to_vec(template).unwrap_or_default();
    if collision_count > 0 {
        bytes.extend_from_slice(collision_count.to_string().as_bytes());
    }
    let decimal = format!("{:010}", fnv32a(&bytes));
    decimal
        .bytes()
        .map(|b| SAFE_ALPHANUMS[usize::from(b) % SAFE_ALPHANUMS.len()] as char)
        .collect()
}

/// `obj.metadata` as a map, created if missing.
pub(crate) fn meta_mut(obj: &mut Value) -> &mut Map<String, Value> {
    let map = ensure_object(obj);
    ensure_object(
        map.entry("metadata")
            .or_insert_with(|| Value::Object(Map::new())),
    )
}

/// Turns `v` into an object if it is not one and returns its map.
pub(crate) fn ensure_object(v: &mut Value) -> &mut Map<String, Value> {
    if !v.is_object() {
        *v = Value::Object(Map::new());
    }
    match v {
        Value::Object(m) => m,
        _ => unreachable!("just made an object"),
    }
}

/// Child object `key` of `map`, created (or replaced by an object) if missing.
pub(crate) fn child<'a>(map: &'a mut Map<String, Value>, key: &str) -> &'a mut Map<String, Value> {
    ensure_object(
        map.entry(key.to_string())
            .or_insert_with(|| Value::Object(Map::new())),
    )
}

/// String at a JSON pointer, or `""`.
pub(crate) fn str_at<'a>(v: &'a Value, pointer: &str) -> &'a str {
    v.pointer(pointer).and_then(Value::as_str).unwrap_or("")
}

/// Integer at a JSON pointer, or `default`.
pub(crate) fn i64_at(v: &Value, pointer: &str, default: i64) -> i64 {
    v.pointer(pointer)
        .and_then(Value::as_i64)
        .unwrap_or(default)
}

/// Labels of an object as `(key, value)` pairs.
pub(crate) fn labels(v: &Value) -> impl Iterator<Item = (&str, &str)> {
    v.pointer("/metadata/labels")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.as_str(), v.as_str()?)))
        })
}

/// Annotation `key` of an object.
pub(crate) fn annotation<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.pointer("/metadata/annotations")
        .and_then(|a| a.get(key))
        .and_then(Value::as_str)
}

/// Uid of the controlling owner reference, if any.
pub(crate) fn controller_uid(v: &Value) -> Option<&str> {
    v.pointer("/metadata/ownerReferences")
        .and_then(Value::as_array)?
        .iter()
        .find(|r| r.get("controller").and_then(Value::as_bool) == Some(true))
        .and_then(|r| r.get("uid"))
        .and_then(Value::as_str)
}

/// An owner reference with controller and blockOwnerDeletion set, as controllers write it.
pub(crate) fn owner_ref(owner: &Value) -> Value {
    let api_version = str_at(owner, "/apiVersion");
    serde_json::json!({
        "apiVersion": api_version,
        "kind": str_at(owner, "/kind"),
        "name": str_at(owner, "/metadata/name"),
        "uid": str_at(owner, "/metadata/uid"),
        "controller": true,
        "blockOwnerDeletion": true,
    })
}

/// Sets `map[key] = n` when `n != 0` and removes it otherwise (Go `omitempty` ints).
pub(crate) fn set_count(map: &mut Map<String, Value>, key: &str, n: i64) {
    if n == 0 {
        map.remove(key);
    } else {
        map.insert(key.to_string(), Value::from(n));
    }
}

/// Resolves an int-or-percent (`1`, `"25%"`) against `total`, rounding up or down.
pub(crate) fn int_or_percent(v: Option<&Value>, total: i64, round_up: bool, default: i64) -> i64 {
    match v {
        Some(Value::Number(n)) => n.as_i64().unwrap_or(default),
        Some(Value::String(s)) => match s.strip_suffix('%').and_then(|p| p.parse::<i64>().ok()) {
            Some(p) if round_up => (p * total + 99) / 100,
            Some(p) => p * total / 100,
            None => s.parse().unwrap_or(default),
        },
        _ => default,
    }
}

/// `(maxSurge, maxUnavailable)` resolved against `desired`, never both zero.
pub(crate) fn surge_unavailable(d: &Value, desired: i64) -> (i64, i64) {
    if str_at(d, "/spec/strategy/type") == "Recreate" {
        return (0, desired);
    }
    let ru = d.pointer("/spec/strategy/rollingUpdate");
    let surge = int_or_percent(ru.and_then(|r| r.get("maxSurge")), desired, true, 1);
    let unavailable = int_or_percent(ru.and_then(|r| r.get("maxUnavailable")), desired, false, 0);
    if surge == 0 && unavailable == 0 {
        (1, 0)
    } else {
        (surge, unavailable)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn int_or_percent_rounds_percentages_against_the_total() {
        use serde_json::json;
        assert_eq!(int_or_percent(Some(&json!("25%")), 3, true, 0), 1);
        assert_eq!(int_or_percent(Some(&json!("25%")), 3, false, 0), 0);
        assert_eq!(int_or_percent(Some(&json!(2)), 3, false, 0), 2);
        assert_eq!(int_or_percent(None, 3, false, 7), 7);
    }
    use rand::SeedableRng;

    #[test]
    fn uid_and_suffix_shapes() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let u = uuid_v4(&mut rng);
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        assert!(matches!(&u[19..20], "8" | "9" | "a" | "b"));
        let s = random_suffix(&mut rng, 5);
        assert_eq!(s.len(), 5);
        assert!(s.bytes().all(|b| SAFE_ALPHANUMS.contains(&b)));
    }

    #[test]
    fn template_hash_is_stable_and_ten_chars() {
        let t = serde_json::json!({"metadata": {"labels": {"app": "x"}}});
        let a = template_hash(&t, 0);
        assert_eq!(a, template_hash(&t, 0));
        assert_eq!(a.len(), 10);
        assert_ne!(a, template_hash(&t, 1));
    }

    #[test]
    fn timestamps_round_trip() {
        let s = now_rfc3339();
        assert!(s.ends_with('Z') && s.len() == 20, "{s}");
        assert!(parse_time(&s).is_some());
    }
}

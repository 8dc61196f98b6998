//! Projecting while decoding gives the records the whole-object projection gives: every
//! built-in blueprint's every source, over the simulator's demo objects and the real
//! apiserver objects recorded in tests/fixtures/k8s-wire.

use super::Projector;
use crate::blueprint::BlueprintSet;
use crate::blueprint::doc::Doc;
use crate::blueprint::tree::Tree;
use serde_json::{Value as Json, json};
use std::sync::Arc;

fn wire(name: &str) -> Json {
    let path = format!(
        "{}/tests/fixtures/k8s-wire/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Every object recorded from a real apiserver (list items and watch event objects too).
fn real_objects() -> Vec<Json> {
    let mut out = Vec::new();
    for f in [
        "cronjob.json",
        "daemonset.json",
        "deployment.json",
        "namespace.json",
        "node.json",
        "pod-running-crashloop.json",
        "statefulset.json",
        "patch-restart-response.json",
    ] {
        out.push(wire(f));
    }
    for f in [
        "pod-list-page1.json",
        "pod-list-page2.json",
        "replicaset-list.json",
        "replicaset-list-after-restart.json",
    ] {
        if let Some(items) = wire(f)["items"].as_array() {
            out.extend(items.iter().cloned());
        }
    }
    for f in ["watch-pods.jsonl", "watch-deployments.jsonl"] {
        let path = format!("{}/tests/fixtures/k8s-wire/{f}", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let ev: Json = serde_json::from_str(line).unwrap_or_else(|e| panic!("{path}: {e}"));
            out.push(ev["object"].clone());
        }
    }
    out
}

/// Every object of the simulator's demo fleet.
fn sim_objects() -> Vec<Json> {
    let fleet = kubeatlas_sim::SimFleet::demo();
    let mut out = Vec::new();
    for c in fleet.clusters() {
        for r in kubeatlas_sim::SimResource::ALL {
            out.extend(c.list(r));
        }
    }
    out
}

/// Decode `text` pruned into a [`Doc`] for `projector` and project it.
fn decode(projector: &Projector, text: &str) -> super::Projected {
    let mut d = serde_json::Deserializer::from_str(text);
    projector
        .decode(&mut d)
        .unwrap_or_else(|e| panic!("{e}: {text}"))
}

fn assert_same_records(objects: &[Json], what: &str) {
    let set = Arc::new(BlueprintSet::builtin().unwrap_or_else(|e| panic!("{e}")));
    let mut compared = 0;
    for bp in set.all() {
        for s in 0..bp.spec.sources.len() {
            let projector = Projector::new(set.clone(), bp.id, s);
            let tree = bp.field_tree(s);
            for obj in objects {
                let text = obj.to_string();
                let got = decode(&projector, &text);
                let whole = bp.project(s, obj);
                assert_eq!(
                    got.record, whole,
                    "{what}: {} source {s}, object {}",
                    bp.spec.identifier, obj["metadata"]["name"]
                );
                compared += usize::from(whole.is_some());
                // The compact document is the pruned Value, member for member.
                let mut d = serde_json::Deserializer::from_str(&text);
                let doc = tree.decode_doc(&mut d).unwrap_or(Doc::Null);
                let mut d = serde_json::Deserializer::from_str(&text);
                let pruned = tree.decode(&mut d).unwrap_or(Json::Null);
                assert_eq!(doc.to_json(), pruned, "{what}: {}", bp.spec.identifier);
            }
        }
    }
    assert!(compared > 0, "{what}: no object projected to a record");
}

#[test]
fn records_decoded_from_the_simulators_objects_equal_their_whole_object_projections() {
    let objects = sim_objects();
    assert!(objects.len() > 50, "demo objects: {}", objects.len());
    assert_same_records(&objects, "simulator");
}

#[test]
fn records_decoded_from_a_real_apiservers_objects_equal_their_whole_object_projections() {
    let objects = real_objects();
    assert!(objects.len() > 10, "real objects: {}", objects.len());
    assert_same_records(&objects, "k8s-wire");
}

#[test]
fn escaped_unsorted_and_repeated_members_read_as_serde_json_reads_them() {
    let text = r#"{"metadata":{"uid":"u\u0031","name":"p\"q","namespace":"ns",
        "labels":{"z":"1","a":"2","a":"3","m\/n":"4"}},"status":{"phase":"Run\nning"}}"#;
    let whole: Json = serde_json::from_str(text).unwrap_or(Json::Null);
    let mut d = serde_json::Deserializer::from_str(text);
    let doc = crate::blueprint::prune::FieldTree::everything()
        .decode_doc(&mut d)
        .unwrap_or(Doc::Null);
    assert_eq!(doc.to_json(), whole);
    let labels: Vec<(&str, Option<&str>)> = doc
        .get("metadata")
        .and_then(|m| m.get("labels"))
        .and_then(|l| l.members())
        .map(|m| m.map(|(k, v)| (k, v.as_str())).collect())
        .unwrap_or_default();
    assert_eq!(
        labels,
        [("a", Some("3")), ("m/n", Some("4")), ("z", Some("1"))]
    );
    assert_eq!(
        whole["metadata"]["labels"],
        json!({"a": "3", "m/n": "4", "z": "1"})
    );
}

#[test]
fn an_object_without_a_name_keeps_its_uid_for_a_delete() {
    let set = Arc::new(BlueprintSet::builtin().unwrap_or_else(|e| panic!("{e}")));
    let pod = set.by_identifier("pod").unwrap_or_else(|| panic!("pod"));
    let p = Projector::new(set, pod, 0);
    let got = decode(&p, r#"{"metadata":{"uid":"u1","resourceVersion":"7"}}"#);
    assert!(got.record.is_none());
    assert_eq!(got.uid(), Some("u1"));
    assert_eq!(
        kube::Resource::meta(&got).resource_version.as_deref(),
        Some("7")
    );
}

#[test]
fn decoding_outside_a_watcher_is_an_error_not_a_panic() {
    let r: Result<super::Projected, _> = serde_json::from_str(r#"{"metadata":{}}"#);
    assert!(r.is_err());
}

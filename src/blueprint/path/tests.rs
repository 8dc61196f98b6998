//! Unit tests of the path parser (every grammar form, error positions) and of evaluation on
//! real Kubernetes objects.

use super::*;
use serde_json::{Value as Json, json};

fn p(text: &str) -> PathExpr {
    match PathExpr::parse(text) {
        Ok(e) => e,
        Err(e) => panic!("{text:?}: {e}"),
    }
}

fn err(text: &str) -> String {
    match PathExpr::parse(text) {
        Ok(e) => panic!("{text:?} parsed as {e:?}"),
        Err(e) => e.to_string(),
    }
}

fn field(k: &str) -> Segment {
    Segment::Field(k.into())
}

fn segs(text: &str) -> Vec<Segment> {
    p(text).segments().to_vec()
}

#[test]
fn parses_every_form() {
    assert!(p(".").is_root());
    assert_eq!(segs(".status.phase"), [field("status"), field("phase")]);
    assert_eq!(segs(".a_b-c.D9"), [field("a_b-c"), field("D9")]);
    assert_eq!(
        segs(r#".metadata.labels["app.kubernetes.io/name"]"#),
        [
            field("metadata"),
            field("labels"),
            field("app.kubernetes.io/name")
        ]
    );
    assert_eq!(segs(".labels['a b']"), [field("labels"), field("a b")]);
    assert_eq!(segs(r#".["it's \"q\" \\"]"#), [field(r#"it's "q" \"#)]);
    assert_eq!(segs(".items[0]"), [field("items"), Segment::Index(0)]);
    assert_eq!(segs(".items[-1]"), [field("items"), Segment::Index(-1)]);
    assert_eq!(segs(".[2]"), [Segment::Index(2)]);
    assert_eq!(
        segs(".items[*].name"),
        [field("items"), Segment::All, field("name")]
    );
    assert_eq!(
        segs(".items.*.name"),
        [field("items"), Segment::All, field("name")]
    );
    assert_eq!(segs(".*"), [Segment::All]);
    assert_eq!(segs(".a[ * ]"), [field("a"), Segment::All]);
    let filter = |field_path: &[&str], test: Test| {
        Segment::Filter(Filter {
            field: field_path.iter().map(|k| field(k)).collect(),
            test,
        })
    };
    assert_eq!(
        segs(r#".c[?(@.type=="Ready")]"#)[1],
        filter(&["type"], Test::Eq(Literal::Str("Ready".into())))
    );
    assert_eq!(
        segs(r#".c[ ?( @.type != 'Ready' ) ]"#)[1],
        filter(&["type"], Test::Ne(Literal::Str("Ready".into())))
    );
    assert_eq!(
        segs(".c[?(@.ready==true)]")[1],
        filter(&["ready"], Test::Eq(Literal::Bool(true)))
    );
    assert_eq!(
        segs(".c[?(@.ready==false)]")[1],
        filter(&["ready"], Test::Eq(Literal::Bool(false)))
    );
    assert_eq!(
        segs(".c[?(@.n==-3)]")[1],
        filter(&["n"], Test::Eq(Literal::Int(-3)))
    );
    assert_eq!(
        segs(".c[?(@.n==2.5)]")[1],
        filter(&["n"], Test::Eq(Literal::Float(2.5)))
    );
    assert_eq!(
        segs(".c[?(@.n==1e3)]")[1],
        filter(&["n"], Test::Eq(Literal::Float(1000.0)))
    );
    assert_eq!(
        segs(".c[?(@.n==null)]")[1],
        filter(&["n"], Test::Eq(Literal::Null))
    );
    assert_eq!(
        segs(".c[?(@.a.b==1)]")[1],
        filter(&["a", "b"], Test::Eq(Literal::Int(1)))
    );
    assert_eq!(segs(".c[?(@.name)]")[1], filter(&["name"], Test::Exists));
    assert_eq!(
        segs(r#".c[?(@=="x")]"#)[1],
        filter(&[], Test::Eq(Literal::Str("x".into())))
    );
    let Segment::Filter(f) = &segs(r#".c[?(@["a.b"][0]==1)]"#)[1] else {
        panic!("not a filter")
    };
    assert_eq!(&*f.field, [field("a.b"), Segment::Index(0)]);
}

#[test]
fn reports_errors_with_columns() {
    assert_eq!(
        err(".status.containerStatuses[*.restartCount"),
        "at column 28: expected ']'"
    );
    assert_eq!(err(""), "at column 1: empty path: a path starts with '.'");
    assert_eq!(err("status"), "at column 1: a path starts with '.'");
    assert_eq!(
        err(".a."),
        "at column 4: expected a field name after '.', found end of path"
    );
    assert_eq!(err(".a..b"), "at column 4: expected a field name after '.'");
    assert_eq!(
        err(".a b"),
        "at column 3: unexpected ' ': expected '.' or '['"
    );
    assert_eq!(
        err(".a["),
        "at column 4: expected a quoted key, an index, '*' or '?(' after '[', found end of path"
    );
    assert_eq!(
        err(".a[x]"),
        "at column 4: expected a quoted key, an index, '*' or '?(' after '['"
    );
    assert_eq!(
        err(r#".a["x]"#),
        "at column 4: unterminated string: missing closing \""
    );
    assert_eq!(err(".a[-]"), "at column 5: expected a digit");
    assert_eq!(
        err(".a[99999999999999999999]"),
        "at column 4: index out of range"
    );
    assert_eq!(err(".a[?@.x]"), "at column 5: expected '('");
    assert_eq!(err(".a[?(.x)]"), "at column 6: expected '@'");
    assert_eq!(
        err(".a[?(@.x=1)]"),
        "at column 9: expected '==', '!=' or ')'"
    );
    assert_eq!(
        err(".a[?(@.x==)]"),
        "at column 11: expected a literal (a quoted string, a number, true, false or null)"
    );
    assert_eq!(
        err(".a[?(@.x==yes)]"),
        "at column 11: unknown literal 'yes': expected a quoted string, a number, true, false or null"
    );
    assert_eq!(
        err(".a[?(@.x==1e999)]"),
        "at column 11: number out of range"
    );
    assert_eq!(
        err(".a[?(@.x==1"),
        "at column 12: expected ')', found end of path"
    );
    assert_eq!(
        err(".a[?(@[*]==1)]"),
        "at column 8: expected a quoted key or an index (a filter's field is a plain path)"
    );
    assert_eq!(
        err(".a[?(@.x==1)"),
        "at column 13: expected ']', found end of path"
    );
    // Columns count characters, not bytes.
    assert_eq!(
        err(".é ."),
        "at column 2: expected a field name, '[' or the end of the path after '.'"
    );
    assert_eq!(
        err(r#".["é"] x"#),
        "at column 7: unexpected ' ': expected '.' or '['"
    );
}

#[test]
fn displays_canonically() {
    for (text, shown) in [
        (".", "."),
        (".a.b", ".a.b"),
        (".a['x.y']", r#".a["x.y"]"#),
        (r#".["q\"\\"]"#, r#".["q\"\\"]"#),
        (".[0][-1]", ".[0][-1]"),
        (".*.a", ".[*].a"),
        (".a[ ?( @.b == 'c' ) ]", r#".a[?(@.b=="c")]"#),
        (".a[?(@.n!=2.0)]", ".a[?(@.n!=2.0)]"),
        (".a[?(@.n==1e20)]", ".a[?(@.n==1e20)]"),
        (".a[?(@.x)]", ".a[?(@.x)]"),
        (r#".a[?(@["k"][1]==null)]"#, r#".a[?(@.k[1]==null)]"#),
    ] {
        assert_eq!(p(text).to_string(), shown, "{text}");
        assert_eq!(p(shown), p(text), "{text}");
    }
}

fn wire(name: &str) -> Json {
    let text = match name {
        "node" => include_str!("../../../tests/fixtures/k8s-wire/node.json"),
        "pod" => include_str!("../../../tests/fixtures/k8s-wire/pod-running-crashloop.json"),
        "deployment" => include_str!("../../../tests/fixtures/k8s-wire/deployment.json"),
        _ => "null",
    };
    serde_json::from_str(text).unwrap_or(Json::Null)
}

fn strings(expr: &str, v: &Json) -> Vec<String> {
    p(expr)
        .all(v)
        .iter()
        .map(|x| x.as_str().map_or_else(|| x.to_string(), str::to_string))
        .collect()
}

#[test]
fn evaluates_real_objects() {
    let node = wire("node");
    assert_eq!(
        strings(r#".status.conditions[?(@.type=="Ready")].status"#, &node),
        ["True"]
    );
    assert_eq!(
        strings(
            r#".status.addresses[?(@.type=="InternalIP")].address"#,
            &node
        ),
        ["10.1.0.5"]
    );
    assert_eq!(
        strings(
            r#".status.addresses[?(@.type!="InternalIP")].address"#,
            &node
        ),
        ["node-a"]
    );
    assert_eq!(
        strings(r#".metadata.labels["topology.kubernetes.io/zone"]"#, &node),
        ["eu-1a"]
    );
    assert_eq!(strings(".status.capacity.cpu", &node), ["8"]);
    assert!(strings(".spec.unschedulable", &node).is_empty());

    let pod = wire("pod");
    assert_eq!(
        strings(".status.containerStatuses[*].restartCount", &pod),
        ["0", "7"]
    );
    assert_eq!(
        strings(".status.containerStatuses[?(@.ready==true)].name", &pod),
        ["app"]
    );
    assert_eq!(
        strings(".status.containerStatuses[*].state.waiting.reason", &pod),
        ["CrashLoopBackOff"]
    );
    assert_eq!(
        strings(".spec.containers[*].image", &pod),
        ["registry.example/checkout:1.4.2", "envoy:1.30"]
    );
    assert_eq!(strings(".spec.containers[-1].name", &pod), ["envoy"]);
    assert_eq!(
        strings(".spec.containers[2].name", &pod),
        Vec::<String>::new()
    );
    assert_eq!(
        strings(".spec.containers[-3].name", &pod),
        Vec::<String>::new()
    );
    assert_eq!(
        strings(".status.containerStatuses[?(@.restartCount==7)].name", &pod),
        ["envoy"]
    );
    assert_eq!(
        strings(".status.containerStatuses[?(@.state.running)].name", &pod),
        ["app"]
    );
    assert_eq!(
        strings(
            ".metadata.ownerReferences[?(@.controller==true)].kind",
            &pod
        ),
        ["ReplicaSet"]
    );
    assert_eq!(
        p(".metadata.name").first(&pod),
        Some(&json!("checkout-798bccc6b9-6vzrd"))
    );
    assert_eq!(p(".").first(&pod), Some(&pod));

    let deploy = wire("deployment");
    assert_eq!(
        strings(
            r#".spec.template.metadata.labels["app.kubernetes.io/name"]"#,
            &deploy
        ),
        ["checkout"]
    );
    assert_eq!(
        strings(".spec.template.spec.containers[*].name", &deploy),
        ["app", "envoy"]
    );
    assert_eq!(
        strings(".metadata.labels.*", &deploy),
        ["checkout", "1.4.2"]
    );
}

#[test]
fn missing_or_mistyped_matches_nothing() {
    let v = json!({"a": {"b": [1, {"c": 2}, "s"]}, "n": null});
    for expr in [
        ".x",
        ".a.x",
        ".a.b.c",
        ".a.b[5]",
        ".a[0]",
        ".a.b[1][0]",
        ".n.x",
        ".a.b[?(@.c==3)]",
        ".a[?(@.c==2)]",
    ] {
        assert!(p(expr).all(&v).is_empty(), "{expr}");
    }
    // Typed comparison; missing fields are dropped for both operators.
    assert_eq!(p(".a.b[?(@.c==2)]").all(&v), [&json!({"c": 2})]);
    assert_eq!(p(".a.b[?(@.c==2.0)]").all(&v).len(), 1);
    assert!(p(r#".a.b[?(@.c=="2")]"#).all(&v).is_empty());
    assert!(p(".a.b[?(@.c!=2)]").all(&v).is_empty());
    assert_eq!(p(r#".a.b[?(@=="s")]"#).all(&v), [&json!("s")]);
    assert_eq!(p(".a.b[?(@==1)]").all(&v), [&json!(1)]);
    // first() stops at the first match.
    assert_eq!(p(".a.b[*]").first(&v), Some(&json!(1)));
    assert_eq!(p(".n").all(&v), [&Json::Null]);
}

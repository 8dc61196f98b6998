//! The `D` layer: a matrix row's cell environment against the next one, field by field, with
//! the differing rows marked; the matrix's `@` mark for one image tag running with different
//! digests; `h`/`l` pick the other environment; Esc closes.

use crossterm::event::KeyCode;
use kubeatlas::catalog::Catalog;
use kubeatlas::catalog::diff::Mark;
use kubeatlas::tui::fixture::{self, app, press, rows, screen};
use kubeatlas::tui::layer::Layer;
use serde_json::json;

/// The fixture fleet, its checkout-api pods reporting the digest their runtime pulled: one
/// image reference (`registry.example/app:1.0`), another digest in prod than elsewhere.
fn fleet_with_digests() -> Catalog {
    let mut cat = fixture::fleet();
    for (c, env) in ["dev", "staging", "prod"].iter().enumerate() {
        for n in ["abcde", "fghij"] {
            let mut p = fixture::pod(
                &format!("checkout-api-7d9f8b6c5-{n}"),
                "payments",
                &format!("{env}-pod-checkout-{n}"),
                &format!("{env}-rs-checkout"),
                "node-1",
                None,
            );
            let hex = if *env == "prod" { "b" } else { "a" };
            p["status"]["containerStatuses"][0]["imageID"] =
                json!(format!("registry.example/app@sha256:{}", hex.repeat(64)));
            fixture::apply(&mut cat, c as u16, "", "Pod", p);
        }
    }
    cat
}

#[test]
fn d_on_a_matrix_cell_diffs_its_environment_against_the_next_and_marks_what_differs() {
    let cat = fleet_with_digests();
    let mut a = app(&cat);
    press(&mut a, &cat, KeyCode::Char('m'));
    // One tag, two digests: the row carries the version drift mark and the digest mark.
    let r = rows(&a);
    let checkout = r
        .iter()
        .find(|l| l.contains("checkout-api"))
        .expect("checkout-api row");
    assert!(checkout.starts_with("≠@"), "{r:?}");
    let cart = r.iter().find(|l| l.contains("cart")).expect("cart row");
    assert!(!cart.contains('@'), "{r:?}");

    press(&mut a, &cat, KeyCode::Char('j'));
    press(&mut a, &cat, KeyCode::Char('l'));
    press(&mut a, &cat, KeyCode::Char('D'));
    let Some(Layer::Diff(v)) = a.layers().top() else {
        panic!("the diff layer is open: {:?}", a.layers().top())
    };
    let d = &v.diff;
    assert_eq!(
        (d.service.as_str(), d.a.as_str(), d.b.as_str()),
        ("checkout-api", "staging", "prod")
    );
    // Staging and prod run the same version: the image is equal, the digest is not.
    let image = d.row("app image").expect("image row");
    assert_eq!(image.mark, Mark::Same);
    assert_eq!(image.a, "registry.example/checkout-api:1.4.2");
    let digest = d.row("app digest").expect("digest row");
    assert_eq!(digest.mark, Mark::DigestOnly);
    assert_eq!(
        (digest.a.as_str(), digest.b.as_str()),
        ("sha256:aaaaaaaaaaaa", "sha256:bbbbbbbbbbbb")
    );
    assert_eq!(d.row("replicas").map(|r| r.mark), Some(Mark::Same));
    assert_eq!(d.row("workloads").map(|r| r.mark), Some(Mark::Same));
    assert_eq!(d.differing(), 1, "{:?}", d.rows);

    let s = screen(&mut a, &cat, 110, 24);
    assert!(s.contains("diff checkout-api: staging ↔ prod"), "{s}");
    let line = s
        .lines()
        .find(|l| l.contains("app digest"))
        .expect("digest line");
    assert!(line.contains("@ app digest"), "{s}");

    // `l`: the other side moves on (wrapping past the cell's own environment) to dev, where
    // the version differs too.
    press(&mut a, &cat, KeyCode::Char('l'));
    let Some(Layer::Diff(v)) = a.layers().top() else {
        panic!("still open")
    };
    assert_eq!(v.diff.b, "dev");
    let image = v.diff.row("app image").expect("image row");
    assert_eq!(image.mark, Mark::Differs);
    assert_eq!(image.b, "registry.example/checkout-api:1.5.0");
    assert_eq!(
        v.diff
            .row("version label")
            .map(|r| (r.a.as_str(), r.b.as_str())),
        Some(("1.4.2", "1.5.0"))
    );
    press(&mut a, &cat, KeyCode::Esc);
    assert!(a.layers().is_empty());
}

#[test]
fn d_outside_the_matrix_says_what_to_select() {
    let cat = fixture::fleet();
    let mut a = app(&cat);
    press(&mut a, &cat, KeyCode::Char('D'));
    assert!(a.layers().is_empty());
    let s = screen(&mut a, &cat, 100, 12);
    assert!(
        s.contains("D: select a running service in the matrix"),
        "{s}"
    );
}

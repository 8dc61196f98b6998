//! Catalog benches at 100k pods / 20k workloads: folding pod updates, deriving running
//! services. `cargo bench --bench catalog`.

#[path = "common/fleet.rs"]
mod fleet;

use criterion::{Criterion, criterion_group, criterion_main};
use kubeatlas::blueprint::Value;
use kubeatlas::catalog::Change;
use std::hint::black_box;
use std::time::Duration;

fn benches(c: &mut Criterion) {
    let (mut cat, pods) = fleet::build();
    let restarts = cat
        .blueprints()
        .by_identifier("pod")
        .and_then(|bp| cat.blueprint(bp).prop_index("restarts"))
        .unwrap_or(0);
    // 1,000 pod status updates folded into the catalog holding 100k pods.
    let mut round = 0i64;
    c.bench_function("fold 1000 pod updates (100k pods)", |b| {
        b.iter_batched(
            || {
                round += 1;
                pods.iter()
                    .skip((round as usize * 1000) % pods.len())
                    .take(1000)
                    .map(|(cluster, r)| {
                        let mut r = r.clone();
                        r.props.set(restarts, Value::int(round));
                        Change::Apply {
                            cluster: *cluster,
                            record: r,
                        }
                    })
                    .collect::<Vec<_>>()
            },
            |changes| {
                for ch in changes {
                    black_box(cat.apply(ch));
                }
            },
            criterion::BatchSize::LargeInput,
        )
    });
    c.bench_function("running_services (20k workloads)", |b| {
        b.iter(|| black_box(cat.running_services().len()))
    });
}

criterion_group! {
    name = catalog;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(2));
    targets = benches
}
criterion_main!(catalog);

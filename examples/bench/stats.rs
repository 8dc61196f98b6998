//! Latency samples and their percentiles.

use serde_json::{Value, json};
use std::time::Duration;

#[derive(Debug, Clone, Default)]
pub struct Samples(Vec<Duration>);

impl Samples {
    pub fn push(&mut self, d: Duration) {
        self.0.push(d);
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// The `p`-th percentile (nearest rank), in milliseconds.
    pub fn pct(&self, p: f64) -> f64 {
        if self.0.is_empty() {
            return f64::NAN;
        }
        let mut v = self.0.clone();
        v.sort();
        let rank = ((p / 100.0) * v.len() as f64).ceil() as usize;
        ms(v[rank.clamp(1, v.len()) - 1])
    }

    pub fn p50(&self) -> f64 {
        self.pct(50.0)
    }

    pub fn p99(&self) -> f64 {
        self.pct(99.0)
    }

    pub fn json(&self) -> Value {
        json!({"n": self.len(), "p50_ms": round3(self.p50()), "p99_ms": round3(self.p99())})
    }
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

pub fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

//! The last few samples of what is on screen, for the detail's sparkline: a ring of
//! [`SAMPLES`] CPU and memory values per entity, kept only for entities shown when a result
//! arrives (the list's visible rows, the open detail) and for at most [`TRACKED`] of them, the
//! least recently shown dropped first — bounded whatever the size of the fleet.

use crate::catalog::EntityRef;
use crate::metrics::Usage;
use std::collections::{HashMap, VecDeque};

/// Samples kept per entity: 20 at metrics-server's 15 s are the last 5 minutes.
pub const SAMPLES: usize = 20;
/// Entities with a history at most.
pub const TRACKED: usize = 512;

#[derive(Debug, Default)]
struct Ring {
    /// The tick of the last sample.
    last: u64,
    cpu: VecDeque<u64>,
    mem: VecDeque<u64>,
}

/// Histories of the entities shown lately.
#[derive(Debug, Default)]
pub struct History {
    tick: u64,
    rings: HashMap<EntityRef, Ring>,
}

impl History {
    /// A new round of samples begins (one result arrived).
    pub fn tick(&mut self) {
        self.tick += 1;
    }

    /// One sample of `e`.
    pub fn record(&mut self, e: &EntityRef, u: Usage) {
        let tick = self.tick;
        let ring = self.rings.entry(e.clone()).or_default();
        ring.last = tick;
        for (q, v) in [(&mut ring.cpu, u.millicores), (&mut ring.mem, u.bytes)] {
            if q.len() == SAMPLES {
                q.pop_front();
            }
            q.push_back(v);
        }
        if self.rings.len() > TRACKED {
            // Drop the least recently shown (a batch, so this runs rarely).
            let mut lasts: Vec<u64> = self.rings.values().map(|r| r.last).collect();
            lasts.sort_unstable();
            let cut = lasts[self.rings.len() - TRACKED * 3 / 4];
            self.rings.retain(|_, r| r.last >= cut);
        }
    }

    /// The CPU (millicores) and memory (bytes) samples of `e`, oldest first.
    pub fn get(&self, e: &EntityRef) -> Option<(Vec<u64>, Vec<u64>)> {
        let r = self.rings.get(e)?;
        Some((
            r.cpu.iter().copied().collect(),
            r.mem.iter().copied().collect(),
        ))
    }

    /// Entities with a history.
    pub fn len(&self) -> usize {
        self.rings.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rings.is_empty()
    }
}

/// Values as a sparkline, one block character each, scaled from 0 to the largest.
pub fn sparkline(values: &[u64]) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let max = values.iter().copied().max().unwrap_or(0);
    values
        .iter()
        .map(|&v| {
            if max == 0 {
                BARS[0]
            } else {
                BARS[((v as u128 * 7 + max as u128 / 2) / max as u128) as usize]
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::blueprint::BpId;
    use crate::catalog::ClusterId;

    fn e(i: usize) -> EntityRef {
        EntityRef {
            cluster: ClusterId(0),
            bp: BpId(0),
            uid: i.to_string().into(),
        }
    }

    #[test]
    fn a_sparkline_scales_to_the_largest_sample() {
        assert_eq!(sparkline(&[0, 50, 100]), "▁▅█");
        assert_eq!(sparkline(&[7, 7]), "██");
        assert_eq!(sparkline(&[0, 0]), "▁▁");
        assert_eq!(sparkline(&[]), "");
    }

    #[test]
    fn each_ring_keeps_the_last_samples_and_the_entities_are_bounded() {
        let mut h = History::default();
        for i in 0..(SAMPLES as u64 + 5) {
            h.tick();
            h.record(
                &e(0),
                Usage {
                    millicores: i,
                    bytes: i * 2,
                },
            );
        }
        let (cpu, mem) = h.get(&e(0)).expect("kept");
        assert_eq!(cpu.len(), SAMPLES);
        assert_eq!(cpu.first(), Some(&5));
        assert_eq!(mem.last(), Some(&((SAMPLES as u64 + 4) * 2)));
        for i in 1..=(TRACKED * 3) {
            h.tick();
            h.record(&e(i), Usage::default());
            assert!(h.len() <= TRACKED, "{}", h.len());
        }
        // The most recently shown are the ones kept.
        assert!(h.get(&e(TRACKED * 3)).is_some());
        assert!(h.get(&e(0)).is_none());
    }
}

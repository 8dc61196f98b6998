//! What usage is measured against: a pod's requests and limits (summed over its containers,
//! as `kubectl describe node` and k9s's `%CPU/R` `%MEM/L` do), a node's allocatable, and the
//! percentage of one in the other with the thresholds the columns are coloured by.

use super::{Usage, quantity};
use std::ops::AddAssign;

/// Percent from which a usage is shown as a warning (k9s's default `threshold.cpu.warn`).
pub const WARN: u64 = 70;
/// Percent from which a usage is shown as critical (k9s's default `threshold.cpu.critical`).
pub const CRITICAL: u64 = 90;

/// Requests and limits, summed over containers: millicores and bytes, 0 where no container
/// sets one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Resources {
    pub cpu_request: u64,
    pub cpu_limit: u64,
    pub memory_request: u64,
    pub memory_limit: u64,
}

impl AddAssign for Resources {
    fn add_assign(&mut self, o: Resources) {
        self.cpu_request += o.cpu_request;
        self.cpu_limit += o.cpu_limit;
        self.memory_request += o.memory_request;
        self.memory_limit += o.memory_limit;
    }
}

/// The sum of one key (`cpu`, `memory`) over per-container resource maps written as compact
/// JSON (`{"cpu":"100m","memory":"128Mi"}`, empty when a container sets none), as the
/// blueprints' `requests` / `limits` list properties hold them.
fn sum_key(containers: &[Box<str>], key: &str, parse: fn(&str) -> Option<u64>) -> u64 {
    containers
        .iter()
        .filter(|c| !c.is_empty())
        .filter_map(|c| serde_json::from_str::<serde_json::Value>(c).ok())
        .filter_map(|m| m.get(key).and_then(|q| q.as_str()).and_then(parse))
        .sum()
}

fn cpu(q: &str) -> Option<u64> {
    quantity::millicores(q).ok()
}

fn memory(q: &str) -> Option<u64> {
    quantity::bytes(q).ok()
}

impl Resources {
    /// From per-container `requests` and `limits` maps (see [`sum_key`]).
    pub fn from_containers(requests: &[Box<str>], limits: &[Box<str>]) -> Resources {
        Resources {
            cpu_request: sum_key(requests, "cpu", cpu),
            cpu_limit: sum_key(limits, "cpu", cpu),
            memory_request: sum_key(requests, "memory", memory),
            memory_limit: sum_key(limits, "memory", memory),
        }
    }

    /// A node's allocatable (or capacity) quantities as the denominator of both percentages.
    pub fn allocatable(cpu_q: Option<&str>, memory_q: Option<&str>) -> Resources {
        let c = cpu_q.and_then(cpu).unwrap_or(0);
        let m = memory_q.and_then(memory).unwrap_or(0);
        Resources {
            cpu_request: c,
            cpu_limit: c,
            memory_request: m,
            memory_limit: m,
        }
    }
}

/// Usage of what was measured, with what it is measured against; `pods`: how many pods had
/// metrics (a workload's sum).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Measured {
    pub usage: Usage,
    pub resources: Resources,
    pub pods: u32,
}

impl AddAssign for Measured {
    fn add_assign(&mut self, o: Measured) {
        self.usage += o.usage;
        self.resources += o.resources;
        self.pods += o.pods;
    }
}

/// `used` as a percentage of `of`, rounded down (k9s's `ToPercentage`); None when `of` is not
/// set (shown `n/a`).
pub fn percent(used: u64, of: u64) -> Option<u64> {
    (of > 0).then(|| used.saturating_mul(100) / of)
}

/// How alarming a percentage is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Normal,
    Warn,
    Critical,
}

/// The level of a percentage: [`WARN`] and [`CRITICAL`] and above.
pub fn level(p: u64) -> Level {
    if p >= CRITICAL {
        Level::Critical
    } else if p >= WARN {
        Level::Warn
    } else {
        Level::Normal
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(v: &[&str]) -> Vec<Box<str>> {
        v.iter().map(|s| Box::from(*s)).collect()
    }

    #[test]
    fn requests_and_limits_are_summed_over_the_containers_that_set_them() {
        let r = Resources::from_containers(
            &b(&[r#"{"cpu":"100m","memory":"128Mi"}"#, "", r#"{"cpu":"0.5"}"#]),
            &b(&[r#"{"memory":"256Mi"}"#, r#"{"cpu":"1","memory":"1Gi"}"#]),
        );
        assert_eq!(
            r,
            Resources {
                cpu_request: 600,
                cpu_limit: 1000,
                memory_request: 128 << 20,
                memory_limit: (256 << 20) + (1 << 30),
            }
        );
        assert_eq!(
            Resources::from_containers(&b(&["not json"]), &[]),
            Resources::default()
        );
        let mut sum = Measured {
            usage: Usage {
                millicores: 10,
                bytes: 1,
            },
            resources: r,
            pods: 1,
        };
        sum += sum;
        assert_eq!(sum.pods, 2);
        assert_eq!(sum.usage.millicores, 20);
        assert_eq!(sum.resources.cpu_request, 1200);
    }

    #[test]
    fn percentages_round_down_and_say_nothing_without_a_denominator() {
        assert_eq!(percent(50, 100), Some(50));
        assert_eq!(percent(199, 200), Some(99));
        assert_eq!(percent(300, 100), Some(300));
        assert_eq!(percent(5, 0), None);
        assert_eq!(level(69), Level::Normal);
        assert_eq!(level(70), Level::Warn);
        assert_eq!(level(89), Level::Warn);
        assert_eq!(level(90), Level::Critical);
        assert_eq!(level(250), Level::Critical);
    }

    #[test]
    fn a_node_is_measured_against_its_allocatable() {
        let r = Resources::allocatable(Some("3800m"), Some("15Gi"));
        assert_eq!((r.cpu_request, r.memory_limit), (3800, 15 << 30));
        assert_eq!(
            Resources::allocatable(None, Some("x")),
            Resources::default()
        );
    }
}

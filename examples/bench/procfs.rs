//! This process's resident memory and CPU time, read from `/proc/self` (Linux only; zeros
//! elsewhere).

use std::time::Duration;

/// A `kB` field of `/proc/self/status` (`VmRSS`, `VmHWM`), in bytes.
pub fn status_bytes(field: &str) -> u64 {
    let Ok(text) = std::fs::read_to_string("/proc/self/status") else {
        return 0;
    };
    text.lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

/// Resident memory now.
pub fn rss() -> u64 {
    status_bytes("VmRSS")
}

/// Peak resident memory since the start (or the last [`reset_peak`]).
pub fn peak() -> u64 {
    status_bytes("VmHWM")
}

/// Reset `VmHWM` to the current RSS (`echo 5 > /proc/self/clear_refs`, Linux ≥ 4.0).
pub fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// User + system CPU time of the whole process (all threads), from `/proc/self/stat`.
pub fn cpu_time() -> Duration {
    cpu_time_of("self")
}

/// [`cpu_time`] of process `pid` (`"self"`, or a child's id such as the simulator's).
pub fn cpu_time_of(pid: &str) -> Duration {
    let Ok(text) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return Duration::ZERO;
    };
    // Fields after the command name (which may hold spaces) start at field 3 (`state`);
    // utime and stime are fields 14 and 15, in clock ticks (USER_HZ, 100 on Linux).
    let Some((_, rest)) = text.rsplit_once(')') else {
        return Duration::ZERO;
    };
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    Duration::from_millis((ticks(11) + ticks(12)) * 10)
}

/// Bytes as MiB with one decimal.
pub fn mib(b: u64) -> f64 {
    (b as f64 / (1024.0 * 1024.0) * 10.0).round() / 10.0
}

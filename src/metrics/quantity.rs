//! Kubernetes resource quantities as metrics-server writes them: CPU in cores with a decimal
//! suffix (`250m`, `12345678n`, `1`, `1.5`), memory in bytes with a binary or decimal suffix
//! (`1048576Ki`, `512Mi`, `1G`, `123456`, `1e3`). Parsed to millicores and bytes.

use thiserror::Error;

/// A quantity that is not one.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("not a quantity: {0:?}")]
pub struct BadQuantity(pub String);

/// The value in base units (cores, bytes).
fn parse(q: &str) -> Result<f64, BadQuantity> {
    let bad = || BadQuantity(q.to_string());
    let q = q.trim();
    let split = q
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '+' || c == '-'))
        .unwrap_or(q.len());
    let (num, suffix) = q.split_at(split);
    let n: f64 = num.parse().map_err(|_| bad())?;
    let factor = match suffix {
        "" => 1.0,
        "n" => 1e-9,
        "u" => 1e-6,
        "m" => 1e-3,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        "Ki" => 1024.0,
        "Mi" => 1024f64.powi(2),
        "Gi" => 1024f64.powi(3),
        "Ti" => 1024f64.powi(4),
        "Pi" => 1024f64.powi(5),
        "Ei" => 1024f64.powi(6),
        s if s.starts_with(['e', 'E']) => {
            let exp: i32 = s[1..].parse().map_err(|_| bad())?;
            10f64.powi(exp)
        }
        _ => return Err(bad()),
    };
    let v = n * factor;
    if v.is_finite() && v >= 0.0 {
        Ok(v)
    } else {
        Err(bad())
    }
}

/// CPU in millicores (rounded up, as `kubectl top` shows a non-zero usage as at least 1m).
pub fn millicores(q: &str) -> Result<u64, BadQuantity> {
    parse(q).map(|cores| ceil(cores * 1000.0))
}

/// Memory in bytes.
pub fn bytes(q: &str) -> Result<u64, BadQuantity> {
    parse(q).map(ceil)
}

/// Rounded up, but not for the float noise of a suffix (`211000000n` is 211m, not 212m).
fn ceil(v: f64) -> u64 {
    let r = v.round();
    (if (v - r).abs() < 1e-6 { r } else { v.ceil() }) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_and_memory_quantities_in_every_suffix_metrics_server_writes() {
        assert_eq!(millicores("250m"), Ok(250));
        assert_eq!(millicores("12345678n"), Ok(13));
        assert_eq!(millicores("1"), Ok(1000));
        assert_eq!(millicores("1.5"), Ok(1500));
        assert_eq!(millicores("211000000n"), Ok(211));
        assert_eq!(millicores("500u"), Ok(1));
        assert_eq!(bytes("1Ki"), Ok(1024));
        assert_eq!(bytes("512Mi"), Ok(512 << 20));
        assert_eq!(bytes("1G"), Ok(1_000_000_000));
        assert_eq!(bytes("123456"), Ok(123_456));
        assert_eq!(bytes("1e3"), Ok(1000));
        assert!(bytes("12Qi").is_err());
        assert!(millicores("").is_err());
        assert!(millicores("-1").is_err());
    }
}

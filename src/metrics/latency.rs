//! A latency histogram that costs a few atomic adds per observation, for
//! what is measured on every call (the dial's set-up delay): fixed buckets
//! in microseconds, no lock, no allocation.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Upper bounds of the set-up delay buckets, in seconds: fine around one
/// FreeSWITCH frame (20 ms), where a pipelined set-up lands, and up to 10 s
/// so an overloaded node's delays are still told apart.
pub(super) const SETUP_BUCKETS: [f64; 14] = [
    0.001, 0.0025, 0.005, 0.01, 0.015, 0.02, 0.025, 0.03, 0.05, 0.1, 0.25, 1.0, 2.5, 10.0,
];

/// A histogram without labels over [`SETUP_BUCKETS`].
#[derive(Default)]
pub(super) struct Latency {
    /// Observations at most each bound (not cumulative; summed on render).
    buckets: [AtomicU64; SETUP_BUCKETS.len()],
    count: AtomicU64,
    /// Sum in microseconds.
    sum_us: AtomicU64,
}

impl Latency {
    pub(super) fn observe(&self, took: Duration) {
        let secs = took.as_secs_f64();
        if let Some(i) = SETUP_BUCKETS.iter().position(|le| secs <= *le) {
            self.buckets[i].fetch_add(1, Ordering::Relaxed);
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        let us = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
        self.sum_us.fetch_add(us, Ordering::Relaxed);
    }

    pub(super) fn write(&self, out: &mut String, name: &str, help: &str) {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} histogram");
        let mut below = 0;
        for (le, n) in SETUP_BUCKETS.iter().zip(&self.buckets) {
            below += n.load(Ordering::Relaxed);
            let _ = writeln!(out, "{name}_bucket{{le=\"{le}\"}} {below}");
        }
        let count = self.count.load(Ordering::Relaxed);
        let sum = self.sum_us.load(Ordering::Relaxed) as f64 / 1e6;
        let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {count}");
        let _ = writeln!(out, "{name}_sum {sum}\n{name}_count {count}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_cumulative_and_the_sum_is_in_seconds() {
        let l = Latency::default();
        l.observe(Duration::from_millis(3));
        l.observe(Duration::from_millis(22));
        l.observe(Duration::from_secs(2));
        let mut out = String::new();
        l.write(&mut out, "x", "help");
        for line in [
            "x_bucket{le=\"0.0025\"} 0",
            "x_bucket{le=\"0.005\"} 1",
            "x_bucket{le=\"0.02\"} 1",
            "x_bucket{le=\"0.025\"} 2",
            "x_bucket{le=\"1\"} 2",
            "x_bucket{le=\"2.5\"} 3",
            "x_bucket{le=\"+Inf\"} 3",
            "x_sum 2.025",
            "x_count 3",
            "# TYPE x histogram",
        ] {
            assert!(out.lines().any(|l| l == line), "missing {line:?} in\n{out}");
        }
    }
}

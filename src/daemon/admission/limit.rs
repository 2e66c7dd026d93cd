//! Two small bounds shared by the call listener and the HTTP server: a cap
//! on connections in some state (its count is the gauge `/metrics` shows),
//! and a budget for log lines about refused connections, so a flood of
//! them cannot flood the journal (the metric still counts every one).

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use crate::metrics::{Gauge, Metrics};

/// At most `max` holders at once, counted in a [`Gauge`]. The maximum is
/// given at each entry, so a reloaded configuration applies at once.
#[derive(Clone)]
pub(crate) struct Limiter {
    metrics: Arc<Metrics>,
    gauge: Gauge,
}

/// One place held in a [`Limiter`]; dropping it frees the place.
pub(crate) struct Slot {
    metrics: Arc<Metrics>,
    gauge: Gauge,
}

impl Limiter {
    /// A limiter counting in `gauge`.
    pub(crate) fn new(metrics: Arc<Metrics>, gauge: Gauge) -> Self {
        Self { metrics, gauge }
    }

    /// A place, unless `max` are already held.
    pub(crate) fn try_enter(&self, max: usize) -> Option<Slot> {
        let count = self.metrics.gauge(self.gauge);
        let max = i64::try_from(max).unwrap_or(i64::MAX);
        count
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < max).then_some(n + 1)
            })
            .ok()
            .map(|_| Slot {
                metrics: Arc::clone(&self.metrics),
                gauge: self.gauge,
            })
    }

    /// Places held now.
    #[cfg(test)]
    pub fn held(&self) -> i64 {
        self.metrics.gauge(self.gauge).load(Ordering::Acquire)
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.metrics
            .gauge(self.gauge)
            .fetch_sub(1, Ordering::AcqRel);
    }
}

/// Lines about refused connections a window may carry.
const LINES_PER_WINDOW: u32 = 20;
/// The window.
const WINDOW: Duration = Duration::from_secs(10);

/// Whether a refusal gets its log line: every one does, up to
/// [`LINES_PER_WINDOW`] per [`WINDOW`]; past that they are only counted,
/// and the first line of a later window says how many went unlogged.
#[derive(Debug, Default)]
pub(crate) struct LogBudget {
    window_start: Option<Instant>,
    used: u32,
    unlogged: u64,
}

/// What to do with one refusal's log line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Log it, saying how many refusals before it went unlogged.
    Log {
        /// Refusals not logged since the last line.
        unlogged: u64,
    },
    /// Count it only.
    Quiet,
}

impl LogBudget {
    /// The verdict for a refusal at `now`.
    pub(crate) fn check(&mut self, now: Instant) -> Verdict {
        let fresh = self
            .window_start
            .is_none_or(|start| now.saturating_duration_since(start) >= WINDOW);
        if fresh {
            self.window_start = Some(now);
            self.used = 0;
        }
        if self.used < LINES_PER_WINDOW {
            self.used += 1;
            Verdict::Log {
                unlogged: std::mem::take(&mut self.unlogged),
            }
        } else {
            self.unlogged += 1;
            Verdict::Quiet
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_limiter_holds_at_most_max_and_frees_on_drop() {
        let metrics = Arc::new(Metrics::default());
        let limiter = Limiter::new(Arc::clone(&metrics), Gauge::ListenerPending);
        let a = limiter.try_enter(2).expect("first");
        let _b = limiter.try_enter(2).expect("second");
        assert!(limiter.try_enter(2).is_none(), "the third is over the cap");
        assert_eq!(limiter.held(), 2);
        assert!(
            limiter.try_enter(3).is_some(),
            "a raised maximum applies at once"
        );
        drop(a);
        assert_eq!(limiter.held(), 1);
        assert!(limiter.try_enter(2).is_some());
        assert!(
            metrics
                .render()
                .contains("dialbridge_listener_pending_connects 1"),
            "the gauge is the limiter's count"
        );
    }

    #[test]
    fn the_log_budget_logs_a_window_s_worth_then_reports_what_it_skipped() {
        let mut budget = LogBudget::default();
        let t0 = Instant::now();
        for _ in 0..LINES_PER_WINDOW {
            assert_eq!(budget.check(t0), Verdict::Log { unlogged: 0 });
        }
        for _ in 0..5 {
            assert_eq!(budget.check(t0 + Duration::from_secs(1)), Verdict::Quiet);
        }
        assert_eq!(
            budget.check(t0 + WINDOW),
            Verdict::Log { unlogged: 5 },
            "the next window's first line says how many went unlogged"
        );
        assert_eq!(budget.check(t0 + WINDOW), Verdict::Log { unlogged: 0 });
    }
}

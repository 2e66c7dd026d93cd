//! A bound on the posts one call makes to one kind of hook: a token bucket
//! (so many posts a second, with a burst) and a cap on the posts in flight.
//!
//! Exists because some posts are triggered by the caller, not by the
//! application: every `dtmfCapture` match posts to `dtmfHook`, and a caller
//! (or a broken gateway) flooding RFC 2833 events must not fan out into an
//! unbounded number of concurrent requests to the application.
//!
//! Overflow policy: **drop and count**. A post over either bound is not sent
//! at all (never queued: a DTMF event reported seconds late would be taken
//! for a new one). The first drop of a burst is reported as such so the
//! caller can log it once; the next admitted post reports how many were
//! dropped since. The state machine ([`Bucket`]) is pure: it is handed the
//! time, and tested directly.

use std::sync::{Arc, Mutex};
use std::time::Instant;

/// The bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Limits {
    /// Posts a second, sustained.
    pub(crate) per_sec: u32,
    /// Posts at once after a quiet period (the bucket's size).
    pub(crate) burst: u32,
    /// Posts waiting for their answer at once (retries included).
    pub(crate) in_flight: usize,
}

impl Limits {
    /// The bound on one call's `dtmfHook` posts (`[dtmf] hook_*`).
    pub(crate) fn of(dtmf: &crate::config::DtmfSettings) -> Self {
        Self {
            per_sec: dtmf.hook_rate_per_sec,
            burst: dtmf.hook_burst,
            in_flight: dtmf.hook_max_in_flight,
        }
    }
}

/// What [`Bucket::admit`] decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Decision {
    /// Send it; `dropped_before` posts were dropped since the last admitted
    /// one (the burst that just ended).
    Send {
        /// Dropped since the previous admission.
        dropped_before: u64,
    },
    /// Drop it.
    Drop {
        /// Which bound was reached.
        bound: Bound,
        /// True for the first drop since the last admitted post.
        first_of_burst: bool,
    },
}

/// Which bound a dropped post hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Bound {
    /// More than `per_sec` (after the burst).
    Rate,
    /// `in_flight` posts are already waiting.
    InFlight,
}

impl Bound {
    /// For logs.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Bound::Rate => "rate",
            Bound::InFlight => "in_flight",
        }
    }
}

/// The token bucket and in-flight count (pure: no clock, no I/O).
#[derive(Debug, Clone)]
pub(crate) struct Bucket {
    limits: Limits,
    tokens: f64,
    refilled: Option<Instant>,
    in_flight: usize,
    dropped: u64,
    /// Posts dropped over the bucket's life.
    pub(crate) dropped_total: u64,
}

impl Bucket {
    /// A full bucket.
    pub(crate) fn new(limits: Limits) -> Self {
        Self {
            limits,
            tokens: f64::from(limits.burst),
            refilled: None,
            in_flight: 0,
            dropped: 0,
            dropped_total: 0,
        }
    }

    /// Decides on a post at `now`; an admitted post counts as in flight
    /// until [`Bucket::release`].
    pub(crate) fn admit(&mut self, now: Instant) -> Decision {
        if let Some(then) = self.refilled {
            let earned =
                now.saturating_duration_since(then).as_secs_f64() * f64::from(self.limits.per_sec);
            self.tokens = (self.tokens + earned).min(f64::from(self.limits.burst));
        }
        self.refilled = Some(self.refilled.map_or(now, |t| t.max(now)));
        let bound = if self.in_flight >= self.limits.in_flight {
            Some(Bound::InFlight)
        } else if self.tokens < 1.0 {
            Some(Bound::Rate)
        } else {
            None
        };
        match bound {
            Some(bound) => {
                self.dropped += 1;
                self.dropped_total += 1;
                Decision::Drop {
                    bound,
                    first_of_burst: self.dropped == 1,
                }
            }
            None => {
                self.tokens -= 1.0;
                self.in_flight += 1;
                Decision::Send {
                    dropped_before: std::mem::take(&mut self.dropped),
                }
            }
        }
    }

    /// An admitted post is done.
    pub(crate) fn release(&mut self) {
        self.in_flight = self.in_flight.saturating_sub(1);
    }

    /// Posts admitted and not released.
    #[cfg(test)]
    pub fn in_flight(&self) -> usize {
        self.in_flight
    }
}

/// A [`Bucket`] shared by the clones of one call's webhook client; admitted
/// posts hold a [`Permit`] that releases their place when dropped.
#[derive(Debug, Clone)]
pub(crate) struct Limiter {
    bucket: Arc<Mutex<Bucket>>,
    limits: Limits,
}

/// An admitted post's place in flight, given back on drop.
#[derive(Debug)]
pub(crate) struct Permit {
    bucket: Arc<Mutex<Bucket>>,
}

impl Drop for Permit {
    fn drop(&mut self) {
        if let Ok(mut b) = self.bucket.lock() {
            b.release();
        }
    }
}

impl Limiter {
    /// A limiter with a full bucket.
    pub(crate) fn new(limits: Limits) -> Self {
        Self {
            bucket: Arc::new(Mutex::new(Bucket::new(limits))),
            limits,
        }
    }

    /// The bounds.
    pub(crate) fn limits(&self) -> Limits {
        self.limits
    }

    /// Admits a post at `now` (with the permit to hold while it runs), or
    /// says why it is dropped.
    pub(crate) fn admit(&self, now: Instant) -> (Decision, Option<Permit>) {
        let Ok(mut b) = self.bucket.lock() else {
            // A poisoned lock means a panic elsewhere; fail closed.
            return (
                Decision::Drop {
                    bound: Bound::InFlight,
                    first_of_burst: false,
                },
                None,
            );
        };
        let decision = b.admit(now);
        let permit = matches!(decision, Decision::Send { .. }).then(|| Permit {
            bucket: Arc::clone(&self.bucket),
        });
        (decision, permit)
    }

    /// Posts in flight now.
    #[cfg(test)]
    pub fn in_flight(&self) -> usize {
        self.bucket.lock().map(|b| b.in_flight()).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    const LIMITS: Limits = Limits {
        per_sec: 2,
        burst: 3,
        in_flight: 10,
    };

    fn sent(d: Decision) -> bool {
        matches!(d, Decision::Send { .. })
    }

    #[test]
    fn a_burst_passes_then_the_rate_holds() {
        let mut b = Bucket::new(LIMITS);
        let t = Instant::now();
        for _ in 0..3 {
            assert!(sent(b.admit(t)));
            b.release();
        }
        assert_eq!(
            b.admit(t),
            Decision::Drop {
                bound: Bound::Rate,
                first_of_burst: true
            }
        );
        // Half a second earns one token at 2/s.
        assert!(sent(b.admit(t + Duration::from_millis(500))));
        assert!(!sent(b.admit(t + Duration::from_millis(500))));
    }

    #[test]
    fn tokens_never_exceed_the_burst() {
        let mut b = Bucket::new(LIMITS);
        let t = Instant::now();
        assert!(sent(b.admit(t)));
        b.release();
        let later = t + Duration::from_secs(3600);
        for _ in 0..3 {
            assert!(sent(b.admit(later)));
            b.release();
        }
        assert!(!sent(b.admit(later)));
    }

    #[test]
    fn in_flight_posts_are_capped_until_released() {
        let mut b = Bucket::new(Limits {
            per_sec: 1000,
            burst: 1000,
            in_flight: 2,
        });
        let t = Instant::now();
        assert!(sent(b.admit(t)));
        assert!(sent(b.admit(t)));
        assert_eq!(
            b.admit(t),
            Decision::Drop {
                bound: Bound::InFlight,
                first_of_burst: true
            }
        );
        b.release();
        assert!(sent(b.admit(t)));
    }

    #[test]
    fn a_burst_of_drops_is_reported_once_then_counted_on_recovery() {
        let mut b = Bucket::new(Limits {
            per_sec: 1,
            burst: 1,
            in_flight: 5,
        });
        let t = Instant::now();
        assert!(sent(b.admit(t)));
        let firsts: Vec<bool> = (0..50)
            .map(|_| match b.admit(t) {
                Decision::Drop { first_of_burst, .. } => first_of_burst,
                Decision::Send { .. } => panic!("no token left"),
            })
            .collect();
        assert_eq!(firsts.iter().filter(|f| **f).count(), 1);
        assert!(firsts[0]);
        assert_eq!(
            b.admit(t + Duration::from_secs(1)),
            Decision::Send { dropped_before: 50 }
        );
        assert_eq!(b.dropped_total, 50);
        // The next burst is reported again.
        assert!(matches!(
            b.admit(t + Duration::from_secs(1)),
            Decision::Drop {
                first_of_burst: true,
                ..
            }
        ));
    }

    #[test]
    fn a_clock_going_backwards_earns_nothing() {
        let mut b = Bucket::new(Limits {
            per_sec: 1,
            burst: 1,
            in_flight: 5,
        });
        let t = Instant::now() + Duration::from_secs(10);
        assert!(sent(b.admit(t)));
        assert!(!sent(b.admit(t - Duration::from_secs(5))));
        assert!(!sent(b.admit(t)));
    }

    #[test]
    fn permits_release_their_place_when_dropped() {
        let l = Limiter::new(Limits {
            per_sec: 1000,
            burst: 1000,
            in_flight: 1,
        });
        let t = Instant::now();
        let (d, p) = l.admit(t);
        assert!(sent(d) && p.is_some());
        assert_eq!(l.in_flight(), 1);
        let (d, p2) = l.admit(t);
        assert!(!sent(d) && p2.is_none());
        drop(p);
        assert_eq!(l.in_flight(), 0);
        assert!(sent(l.admit(t).0));
    }
}

//! The metrics of admission: who connected and what it cost (refused
//! call connections, half-open ones, HTTP connection caps and timeouts,
//! file-descriptor exhaustion).

use std::fmt::Write as _;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

use super::{Gauge, Metrics};

impl Metrics {
    /// A call connection was closed before it became a call, for `reason`
    /// (peer_not_allowed, too_many_pending, connect_timeout, connect_failed).
    pub(crate) fn listener_refused(&self, reason: &str) {
        self.listener_refused.add(&[reason]);
    }

    /// The counter behind `gauge`.
    pub(crate) fn gauge(&self, gauge: Gauge) -> &AtomicI64 {
        match gauge {
            Gauge::ListenerPending => &self.listener_pending,
            Gauge::HttpConnections => &self.http_connections,
        }
    }

    /// An HTTP connection was closed at once: `[http] max_connections`.
    pub(crate) fn http_refused(&self) {
        self.http_refused.fetch_add(1, Ordering::Relaxed);
    }

    /// An HTTP connection was closed by a timeout of `kind` (header, idle).
    pub(crate) fn http_timeout(&self, kind: &str) {
        self.http_timeouts.add(&[kind]);
    }

    /// File descriptors ran out (`true`: an episode started) or came back.
    pub(crate) fn fd_exhaustion(&self, started: bool) {
        if started {
            self.fd_episodes.fetch_add(1, Ordering::Relaxed);
        }
        self.fd_exhausted
            .store(i64::from(started), Ordering::Relaxed);
    }

    /// The accept loop of `listener` (calls, http) paused after a failure.
    pub(crate) fn accept_backoff(&self, listener: &str) {
        self.accept_backoffs.add(&[listener]);
    }

    /// Who connected and what it cost: refusals, caps, timeouts, descriptors.
    pub(super) fn render_admission(&self, out: &mut String) {
        let gauge = |out: &mut String, name: &str, help: &str, v: &AtomicI64| {
            let v = v.load(Ordering::Relaxed);
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {v}");
        };
        let counter = |out: &mut String, name: &str, help: &str, v: &AtomicU64| {
            let v = v.load(Ordering::Relaxed);
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {v}"
            );
        };
        self.listener_refused.write(
            out,
            "dialbridge_listener_refused_total",
            "Call connections closed before they became a call, by reason.",
            &["reason"],
        );
        gauge(
            out,
            "dialbridge_listener_pending_connects",
            "Call connections accepted that have not finished connect.",
            &self.listener_pending,
        );
        gauge(
            out,
            "dialbridge_http_connections",
            "HTTP connections open.",
            &self.http_connections,
        );
        counter(
            out,
            "dialbridge_http_refused_total",
            "HTTP connections closed at once because max_connections were open.",
            &self.http_refused,
        );
        self.http_timeouts.write(
            out,
            "dialbridge_http_timeouts_total",
            "HTTP connections closed by a timeout, by kind (header, idle).",
            &["kind"],
        );
        gauge(
            out,
            "dialbridge_fd_exhausted",
            "1 while accept() fails for lack of file descriptors.",
            &self.fd_exhausted,
        );
        counter(
            out,
            "dialbridge_fd_exhaustion_episodes_total",
            "Times file descriptors ran out (each episode counted once).",
            &self.fd_episodes,
        );
        self.accept_backoffs.write(
            out,
            "dialbridge_accept_backoffs_total",
            "Pauses of an accept loop after a failed accept, by listener (calls, http).",
            &["listener"],
        );
    }
}

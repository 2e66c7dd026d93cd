//! Prometheus metrics: what an operator's Prometheus scrapes at `/metrics`.
//! Counters and gauges are atomics or small label maps; the text exposition
//! format is written here (it is a few lines, and beats a dependency).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

mod admission;
mod latency;

/// Upper bounds of the webhook latency histogram, in seconds.
const BUCKETS: [f64; 10] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0];

/// A counter with label values.
#[derive(Default)]
struct Family {
    values: Mutex<BTreeMap<Vec<String>, u64>>,
}

impl Family {
    fn add(&self, labels: &[&str]) {
        if let Ok(mut v) = self.values.lock() {
            *v.entry(labels.iter().map(|s| (*s).to_owned()).collect())
                .or_default() += 1;
        }
    }

    fn write(&self, out: &mut String, name: &str, help: &str, keys: &[&str]) {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter");
        if let Ok(v) = self.values.lock() {
            for (labels, n) in v.iter() {
                let _ = writeln!(out, "{name}{{{}}} {n}", label_text(keys, labels));
            }
        }
    }
}

/// One histogram series: per-bucket counts, total count, sum.
type Series = (Vec<u64>, u64, f64);

/// A histogram with one label.
#[derive(Default)]
struct Histogram {
    series: Mutex<BTreeMap<String, Series>>,
}

impl Histogram {
    fn observe(&self, label: &str, seconds: f64) {
        if let Ok(mut s) = self.series.lock() {
            let (buckets, count, sum) = s
                .entry(label.to_owned())
                .or_insert_with(|| (vec![0; BUCKETS.len()], 0, 0.0));
            for (i, le) in BUCKETS.iter().enumerate() {
                if seconds <= *le {
                    buckets[i] += 1;
                }
            }
            *count += 1;
            *sum += seconds;
        }
    }

    fn write(&self, out: &mut String, name: &str, help: &str, key: &str) {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} histogram");
        if let Ok(s) = self.series.lock() {
            for (label, (buckets, count, sum)) in s.iter() {
                for (le, n) in BUCKETS.iter().zip(buckets) {
                    let _ = writeln!(out, "{name}_bucket{{{key}=\"{label}\",le=\"{le}\"}} {n}");
                }
                let _ = writeln!(
                    out,
                    "{name}_bucket{{{key}=\"{label}\",le=\"+Inf\"}} {count}"
                );
                let _ = writeln!(out, "{name}_sum{{{key}=\"{label}\"}} {sum}");
                let _ = writeln!(out, "{name}_count{{{key}=\"{label}\"}} {count}");
            }
        }
    }
}

fn label_text(keys: &[&str], values: &[String]) -> String {
    keys.iter()
        .zip(values)
        .map(|(k, v)| format!("{k}=\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\"")))
        .collect::<Vec<_>>()
        .join(",")
}

/// A gauge that counts holders of a bounded resource (see
/// `freeswitch::admission::limit::Limiter`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Gauge {
    /// Call connections accepted that have not finished `connect`.
    ListenerPending,
    /// HTTP connections open.
    HttpConnections,
}

/// Every metric dialbridge exposes.
#[derive(Default)]
pub struct Metrics {
    calls_live: AtomicI64,
    calls_started: AtomicU64,
    calls_ended: Family,
    calls_refused: AtomicU64,
    calls_refused_draining: AtomicU64,
    screening_bypassed: AtomicU64,
    dials: Family,
    legs: Family,
    webhooks: Family,
    webhook_seconds: Histogram,
    dial_setup: latency::Latency,
    esl_connected: AtomicI64,
    esl_reconnects: AtomicU64,
    dtmf_matches: Family,
    amd_results: Family,
    draining: AtomicI64,
    listener_refused: Family,
    listener_pending: AtomicI64,
    http_connections: AtomicI64,
    http_refused: AtomicU64,
    http_timeouts: Family,
    fd_exhausted: AtomicI64,
    fd_episodes: AtomicU64,
    accept_backoffs: Family,
}

impl Metrics {
    /// A call started.
    pub(crate) fn call_started(&self) {
        self.calls_started.fetch_add(1, Ordering::Relaxed);
        self.calls_live.fetch_add(1, Ordering::Relaxed);
    }

    /// A call ended with `status` (completed, failed, busy, no-answer).
    pub(crate) fn call_ended(&self, status: &str) {
        self.calls_live.fetch_sub(1, Ordering::Relaxed);
        self.calls_ended.add(&[status]);
    }

    /// A call was refused because `max_calls` was reached.
    pub(crate) fn call_refused(&self) {
        self.calls_refused.fetch_add(1, Ordering::Relaxed);
    }

    /// A call was refused with 503 because dialbridge is draining.
    pub(crate) fn call_refused_draining(&self) {
        self.calls_refused_draining.fetch_add(1, Ordering::Relaxed);
    }

    /// FreeSWITCH let a screened leg through without its screening; it was
    /// hung up.
    pub(crate) fn screening_bypassed(&self) {
        self.screening_bypassed.fetch_add(1, Ordering::Relaxed);
    }

    /// A dial ended with `status`, its legs with theirs.
    pub(crate) fn dial_ended(&self, status: &str, legs: &[&str]) {
        self.dials.add(&[status]);
        for l in legs {
            self.legs.add(&[l]);
        }
    }

    /// A webhook request of `kind` ended with `result` after `took`.
    pub(crate) fn webhook(&self, kind: &str, result: &str, took: Duration) {
        self.webhooks.add(&[kind, result]);
        self.webhook_seconds.observe(kind, took.as_secs_f64());
    }

    /// A dial's `bridge` was sent `took` after the dial verb started.
    pub fn dial_setup(&self, took: Duration) {
        self.dial_setup.observe(took);
    }

    /// A webhook post of `kind` was not sent: the call's bound on such posts
    /// was reached (counted as result `dropped`, with no latency).
    pub(crate) fn webhook_dropped(&self, kind: &str) {
        self.webhooks.add(&[kind, "dropped"]);
    }

    /// The FreeSWITCH control connection went up or down.
    pub(crate) fn esl_connected(&self, up: bool) {
        self.esl_connected.store(i64::from(up), Ordering::Relaxed);
    }

    /// The control connection is being re-established.
    pub(crate) fn esl_reconnect(&self) {
        self.esl_reconnects.fetch_add(1, Ordering::Relaxed);
    }

    /// A DTMF sequence matched on `leg` (parent or child).
    pub(crate) fn dtmf_match(&self, leg: &str) {
        self.dtmf_matches.add(&[leg]);
    }

    /// AMD reported `result`.
    pub(crate) fn amd_result(&self, result: &str) {
        self.amd_results.add(&[result]);
    }

    /// The daemon started draining.
    pub(crate) fn draining(&self) {
        self.draining.store(1, Ordering::Relaxed);
    }

    /// Calls running now.
    pub(crate) fn live_calls(&self) -> i64 {
        self.calls_live.load(Ordering::Relaxed)
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let gauge = |out: &mut String, name: &str, help: &str, v: i64| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {v}");
        };
        let counter = |out: &mut String, name: &str, help: &str, v: u64| {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {v}"
            );
        };
        gauge(
            &mut out,
            "dialbridge_calls_live",
            "Calls in progress.",
            self.live_calls(),
        );
        counter(
            &mut out,
            "dialbridge_calls_started_total",
            "Calls handed to dialbridge.",
            self.calls_started.load(Ordering::Relaxed),
        );
        self.calls_ended.write(
            &mut out,
            "dialbridge_calls_ended_total",
            "Calls ended, by final status.",
            &["status"],
        );
        counter(
            &mut out,
            "dialbridge_calls_refused_total",
            "Calls refused with 503 because max_calls was reached.",
            self.calls_refused.load(Ordering::Relaxed),
        );
        counter(
            &mut out,
            "dialbridge_calls_refused_draining_total",
            "Calls refused with 503 because dialbridge was draining.",
            self.calls_refused_draining.load(Ordering::Relaxed),
        );
        counter(
            &mut out,
            "dialbridge_screening_bypassed_total",
            "Screened legs FreeSWITCH let through without their screening (hung up at once).",
            self.screening_bypassed.load(Ordering::Relaxed),
        );
        self.dials.write(
            &mut out,
            "dialbridge_dials_total",
            "Dials ended, by dial_status.",
            &["dial_status"],
        );
        self.legs.write(
            &mut out,
            "dialbridge_dial_legs_total",
            "Dialled legs, by outcome.",
            &["status"],
        );
        self.webhooks.write(
            &mut out,
            "dialbridge_webhook_requests_total",
            "Webhook requests, by kind and result.",
            &["kind", "result"],
        );
        self.webhook_seconds.write(
            &mut out,
            "dialbridge_webhook_seconds",
            "Webhook request latency by hook kind, retries included.",
            "kind",
        );
        self.webhook_seconds.write(
            &mut out,
            "dialbridge_webhook_duration_seconds",
            "Webhook request latency (the earlier name of dialbridge_webhook_seconds).",
            "kind",
        );
        self.dial_setup.write(
            &mut out,
            "dialbridge_dial_setup_seconds",
            "From a dial verb's start (its hook's reply read) to its bridge sent to FreeSWITCH.",
        );
        gauge(
            &mut out,
            "dialbridge_esl_connected",
            "1 while the FreeSWITCH control connection is up.",
            self.esl_connected.load(Ordering::Relaxed),
        );
        counter(
            &mut out,
            "dialbridge_esl_reconnects_total",
            "Attempts to re-establish the FreeSWITCH control connection.",
            self.esl_reconnects.load(Ordering::Relaxed),
        );
        self.dtmf_matches.write(
            &mut out,
            "dialbridge_dtmf_matches_total",
            "dtmfCapture sequences matched, by leg.",
            &["leg"],
        );
        self.amd_results.write(
            &mut out,
            "dialbridge_amd_results_total",
            "AMD events, by type.",
            &["type"],
        );
        gauge(
            &mut out,
            "dialbridge_draining",
            "1 once a shutdown started: no new calls are accepted.",
            self.draining.load(Ordering::Relaxed),
        );
        self.render_admission(&mut out);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_exposition_has_types_labels_and_histogram_buckets() {
        let m = Metrics::default();
        m.call_started();
        m.call_started();
        m.call_ended("completed");
        m.dial_ended("busy", &["busy", "failed"]);
        m.webhook("call", "ok", Duration::from_millis(30));
        m.dial_setup(Duration::from_millis(4));
        let text = m.render();
        for line in [
            "dialbridge_calls_live 1",
            "dialbridge_calls_started_total 2",
            "dialbridge_calls_ended_total{status=\"completed\"} 1",
            "dialbridge_dials_total{dial_status=\"busy\"} 1",
            "dialbridge_dial_legs_total{status=\"failed\"} 1",
            "dialbridge_webhook_requests_total{kind=\"call\",result=\"ok\"} 1",
            "dialbridge_webhook_duration_seconds_bucket{kind=\"call\",le=\"0.025\"} 0",
            "dialbridge_webhook_duration_seconds_bucket{kind=\"call\",le=\"0.05\"} 1",
            "dialbridge_webhook_duration_seconds_count{kind=\"call\"} 1",
            "# TYPE dialbridge_webhook_duration_seconds histogram",
            "dialbridge_webhook_seconds_bucket{kind=\"call\",le=\"0.05\"} 1",
            "dialbridge_webhook_seconds_count{kind=\"call\"} 1",
            "# TYPE dialbridge_dial_setup_seconds histogram",
            "dialbridge_dial_setup_seconds_bucket{le=\"0.005\"} 1",
            "dialbridge_dial_setup_seconds_count 1",
        ] {
            assert!(
                text.lines().any(|l| l == line),
                "missing {line:?} in\n{text}"
            );
        }
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(label_text(&["k"], &["a\"b\\c".into()]), "k=\"a\\\"b\\\\c\"");
    }
}

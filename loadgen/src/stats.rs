//! Distributions: percentiles of measured delays, and quantiles of the
//! daemon's Prometheus histograms between two scrapes.

use std::collections::BTreeMap;

use serde_json::{Value, json};

/// p50/p90/p99/max of a set of durations in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    pub n: usize,
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub max: f64,
}

impl Summary {
    /// Nearest-rank percentiles; `None` for no values.
    pub fn of(mut ms: Vec<f64>) -> Option<Summary> {
        if ms.is_empty() {
            return None;
        }
        ms.sort_by(f64::total_cmp);
        let rank = |p: f64| ms[((p * ms.len() as f64).ceil() as usize).clamp(1, ms.len()) - 1];
        Some(Summary {
            n: ms.len(),
            p50: rank(0.50),
            p90: rank(0.90),
            p99: rank(0.99),
            max: ms[ms.len() - 1],
        })
    }

    pub fn json(s: &Option<Summary>) -> Value {
        match s {
            None => Value::Null,
            Some(s) => json!({"n": s.n, "p50_ms": r3(s.p50), "p90_ms": r3(s.p90),
                              "p99_ms": r3(s.p99), "max_ms": r3(s.max)}),
        }
    }

    pub fn text(s: &Option<Summary>) -> String {
        match s {
            None => "no values".into(),
            Some(s) => format!(
                "p50 {:.1}  p90 {:.1}  p99 {:.1}  max {:.1}  (n={})",
                s.p50, s.p90, s.p99, s.max, s.n
            ),
        }
    }
}

/// Rounded to 3 decimals, for reports.
pub fn r3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// One histogram series: cumulative counts per upper bound (`le`).
pub type Buckets = Vec<(f64, f64)>;

/// Every `<name>_bucket{...,le="x"} n` series of a Prometheus text, keyed
/// by the name and its other labels (`name{kind="call"}`).
pub fn histograms(text: &str) -> BTreeMap<String, Buckets> {
    let mut out: BTreeMap<String, Buckets> = BTreeMap::new();
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let Some((series, value)) = line.rsplit_once(' ') else {
            continue;
        };
        let Ok(count) = value.trim().parse::<f64>() else {
            continue;
        };
        let Some((name, labels)) = series.split_once('{') else {
            continue;
        };
        let Some(name) = name.strip_suffix("_bucket") else {
            continue;
        };
        let labels = labels.trim_end_matches('}');
        let mut le = None;
        let mut rest = Vec::new();
        for l in labels.split(',').filter(|l| !l.is_empty()) {
            match l.strip_prefix("le=") {
                Some(v) => le = Some(v.trim_matches('"').to_owned()),
                None => rest.push(l),
            }
        }
        let Some(bound) = le.and_then(|v| match v.as_str() {
            "+Inf" => Some(f64::INFINITY),
            v => v.parse().ok(),
        }) else {
            continue;
        };
        let key = if rest.is_empty() {
            name.to_owned()
        } else {
            format!("{name}{{{}}}", rest.join(","))
        };
        out.entry(key).or_default().push((bound, count));
    }
    for b in out.values_mut() {
        b.sort_by(|a, b| a.0.total_cmp(&b.0));
    }
    out
}

/// `after - before`, bucket by bucket (a series absent before counts from 0).
pub fn delta(after: &Buckets, before: Option<&Buckets>) -> Buckets {
    after
        .iter()
        .map(|(le, n)| {
            let was = before
                .and_then(|b| b.iter().find(|(l, _)| l == le))
                .map_or(0.0, |(_, n)| *n);
            (*le, n - was)
        })
        .collect()
}

/// The `q` quantile, interpolated inside its bucket as Prometheus's
/// `histogram_quantile` does; the highest finite bound when it falls in
/// `+Inf`. `None` when the histogram is empty.
pub fn quantile(b: &Buckets, q: f64) -> Option<f64> {
    let total = b.last()?.1;
    if total <= 0.0 {
        return None;
    }
    let rank = q * total;
    let mut prev = (0.0, 0.0);
    for &(le, n) in b {
        if n >= rank {
            if le.is_infinite() {
                return Some(prev.0);
            }
            let within = n - prev.1;
            let frac = if within > 0.0 {
                (rank - prev.1) / within
            } else {
                1.0
            };
            return Some(prev.0 + (le - prev.0) * frac);
        }
        prev = (le, n);
    }
    Some(prev.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let s = Summary::of((1..=100).map(f64::from).collect()).expect("values");
        assert_eq!(
            (s.n, s.p50, s.p90, s.p99, s.max),
            (100, 50.0, 90.0, 99.0, 100.0)
        );
        let one = Summary::of(vec![7.0]).expect("one value");
        assert_eq!((one.p50, one.p99, one.max), (7.0, 7.0, 7.0));
        assert_eq!(Summary::of(Vec::new()), None);
    }

    const TEXT: &str = "# TYPE dialbridge_webhook_duration_seconds histogram\n\
dialbridge_webhook_duration_seconds_bucket{kind=\"call\",le=\"0.001\"} 10\n\
dialbridge_webhook_duration_seconds_bucket{kind=\"call\",le=\"0.01\"} 30\n\
dialbridge_webhook_duration_seconds_bucket{kind=\"call\",le=\"+Inf\"} 40\n\
dialbridge_webhook_duration_seconds_sum{kind=\"call\"} 0.5\n\
dialbridge_dial_setup_seconds_bucket{le=\"0.02\"} 4\n\
dialbridge_dial_setup_seconds_bucket{le=\"+Inf\"} 4\n\
dialbridge_calls_live 3\n";

    #[test]
    fn histograms_are_keyed_by_name_and_labels_without_le() {
        let h = histograms(TEXT);
        assert_eq!(
            h.keys().collect::<Vec<_>>(),
            [
                "dialbridge_dial_setup_seconds",
                "dialbridge_webhook_duration_seconds{kind=\"call\"}"
            ]
        );
        let call = &h["dialbridge_webhook_duration_seconds{kind=\"call\"}"];
        assert_eq!(
            call,
            &vec![(0.001, 10.0), (0.01, 30.0), (f64::INFINITY, 40.0)]
        );
    }

    #[test]
    fn quantiles_interpolate_within_the_bucket_of_the_delta() {
        let h = histograms(TEXT);
        let call = &h["dialbridge_webhook_duration_seconds{kind=\"call\"}"];
        let before = vec![(0.001, 10.0), (0.01, 10.0), (f64::INFINITY, 10.0)];
        let d = delta(call, Some(&before));
        assert_eq!(d, vec![(0.001, 0.0), (0.01, 20.0), (f64::INFINITY, 30.0)]);
        // rank 15 of 30: three quarters into (0.001, 0.01].
        let q = quantile(&d, 0.5).expect("not empty");
        assert!((q - 0.00775).abs() < 1e-9, "{q}");
        // In +Inf: the highest finite bound.
        assert_eq!(quantile(&d, 0.99), Some(0.01));
        assert_eq!(quantile(&vec![(1.0, 0.0), (f64::INFINITY, 0.0)], 0.5), None);
    }
}

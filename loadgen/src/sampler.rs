//! The daemon's memory and CPU over a run, read from /proc a few times a
//! second together with the generator's count of live calls, so the
//! report can say what memory a live call costs at the plateau.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::procfs::{self, ProcSample};

/// One reading: the daemon's counters and the calls live then.
#[derive(Debug, Clone, Copy)]
pub struct Point {
    pub proc: ProcSample,
    pub live: i64,
}

/// A running sampler.
pub struct Sampler {
    points: Arc<Mutex<Vec<Point>>>,
    task: tokio::task::JoinHandle<()>,
}

/// How often the sampler reads /proc.
const EVERY: Duration = Duration::from_millis(200);

impl Sampler {
    pub fn start(pid: u32, live: Arc<AtomicI64>) -> Sampler {
        let points: Arc<Mutex<Vec<Point>>> = Arc::default();
        let p = Arc::clone(&points);
        let task = tokio::spawn(async move {
            loop {
                if let Ok(proc) = procfs::sample(Some(pid))
                    && let Ok(mut v) = p.lock()
                {
                    v.push(Point {
                        proc,
                        live: live.load(Ordering::Relaxed),
                    });
                }
                tokio::time::sleep(EVERY).await;
            }
        });
        Sampler { points, task }
    }

    /// The readings taken between `from` and `to`.
    pub fn between(&self, from: Instant, to: Instant) -> Vec<Point> {
        self.points
            .lock()
            .map(|v| {
                v.iter()
                    .filter(|p| p.proc.at >= from && p.proc.at <= to)
                    .copied()
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The highest RSS read.
    pub fn peak_rss_kib(&self) -> u64 {
        self.points
            .lock()
            .map(|v| v.iter().map(|p| p.proc.rss_kib).max().unwrap_or(0))
            .unwrap_or(0)
    }
}

impl Drop for Sampler {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Memory (and descriptors) per live call over `points` against the
/// reading before any call: the readings where at least 90% of the most
/// live calls were up, their mean RSS less the baseline's, divided by
/// their mean live calls. `None`
/// with fewer than `min_live` calls (too few to divide by).
pub fn plateau(points: &[Point], baseline: &ProcSample, min_live: i64) -> Option<Plateau> {
    let most = points.iter().map(|p| p.live).max()?;
    if most < min_live.max(1) {
        return None;
    }
    let top: Vec<&Point> = points.iter().filter(|p| p.live * 10 >= most * 9).collect();
    let n = top.len() as f64;
    let live = top.iter().map(|p| p.live as f64).sum::<f64>() / n;
    let rss = top.iter().map(|p| p.proc.rss_kib as f64).sum::<f64>() / n;
    let fds = top.iter().map(|p| p.proc.fds as f64).sum::<f64>() / n;
    Some(Plateau {
        live,
        rss_kib: rss,
        kib_per_call: (rss - baseline.rss_kib as f64) / live,
        fds,
        fds_per_call: (fds - baseline.fds as f64) / live,
        readings: top.len(),
    })
}

/// The daemon's memory with many calls live.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Plateau {
    /// Mean live calls over the readings.
    pub live: f64,
    /// Mean RSS over the readings.
    pub rss_kib: f64,
    pub kib_per_call: f64,
    /// Mean open file descriptors, and per live call over the baseline's.
    pub fds: f64,
    pub fds_per_call: f64,
    pub readings: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(live: i64, rss_kib: u64) -> Point {
        Point {
            proc: ProcSample {
                at: Instant::now(),
                cpu_s: 0.0,
                rss_kib,
                hwm_kib: rss_kib,
                threads: 1,
                ctxt_switches: 0,
                fds: 10 + live as u64,
            },
            live,
        }
    }

    #[test]
    fn the_plateau_is_where_nine_tenths_of_the_most_calls_were_live() {
        let pts = [
            point(10, 2_000),
            point(95, 10_000),
            point(100, 12_000),
            point(50, 9_000),
        ];
        let base = point(0, 1_000).proc;
        let p = plateau(&pts, &base, 20).expect("enough calls");
        assert_eq!(p.readings, 2);
        assert_eq!(p.live, 97.5);
        assert_eq!(p.rss_kib, 11_000.0);
        assert!((p.kib_per_call - 10_000.0 / 97.5).abs() < 1e-9);
        assert_eq!(
            p.fds_per_call, 1.0,
            "one descriptor per call in these readings"
        );
        assert_eq!(plateau(&pts, &base, 200), None);
        assert_eq!(plateau(&[], &base, 1), None);
    }
}

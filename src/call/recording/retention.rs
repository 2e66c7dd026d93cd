//! Deleting recordings once `[recordings] retention` is over: a sweep of
//! `[recordings] dir` at start-up and then every `retention / 4` (between
//! 1 s and 10 min), removing the recordings (`RE….wav`, nothing else)
//! last written longer ago than the retention. Their URLs expire at the
//! same time, so a URL never outlives its file by more than one sweep
//! period and never names another file.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tokio::sync::watch;
use tracing::{info, warn};

use super::url::is_sid;
use crate::config::Settings;

/// How often to sweep for `retention`.
pub(crate) fn period(retention: Duration) -> Duration {
    (retention / 4).clamp(Duration::from_secs(1), Duration::from_secs(600))
}

/// Sweeps for as long as the daemon runs (the configuration may be reloaded:
/// each sweep reads the current one).
pub(crate) async fn run(settings: watch::Receiver<Arc<Settings>>) {
    loop {
        let cfg = settings.borrow().recordings.clone();
        let Some(cfg) = cfg else {
            tokio::time::sleep(Duration::from_secs(60)).await;
            continue;
        };
        let retention = Duration::from_secs(cfg.retention_secs().unwrap_or(u64::MAX / 4));
        let removed = sweep(Path::new(&cfg.dir), retention, SystemTime::now()).await;
        if removed > 0 {
            info!(removed, dir = %cfg.dir, "deleted recordings past their retention");
        }
        tokio::time::sleep(period(retention)).await;
    }
}

/// Removes the recordings in `dir` last modified before `now - retention`.
pub(crate) async fn sweep(dir: &Path, retention: Duration, now: SystemTime) -> usize {
    let Ok(mut listing) = tokio::fs::read_dir(dir).await else {
        return 0;
    };
    let mut removed = 0;
    while let Ok(Some(entry)) = listing.next_entry().await {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let is_recording = name.strip_suffix(".wav").is_some_and(is_sid);
        if !is_recording {
            continue;
        }
        let Ok(meta) = entry.metadata().await else {
            continue;
        };
        let old = meta
            .modified()
            .ok()
            .and_then(|m| now.duration_since(m).ok())
            .is_some_and(|age| age >= retention);
        if !meta.is_file() || !old {
            continue;
        }
        match tokio::fs::remove_file(entry.path()).await {
            Ok(()) => removed += 1,
            Err(e) => {
                warn!(path = %entry.path().display(), error = %e, "cannot delete a recording")
            }
        }
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn only_recordings_past_their_retention_go() {
        let dir = std::env::temp_dir().join(format!("dialbridge-ret-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).expect("dir");
        let rec = dir.join("RE0123456789abcdef0123456789abcdef.wav");
        let other = dir.join("keep.wav");
        std::fs::write(&rec, b"x").expect("write");
        std::fs::write(&other, b"x").expect("write");
        let hour = Duration::from_secs(3600);
        assert_eq!(sweep(&dir, hour, SystemTime::now()).await, 0);
        assert!(rec.exists());
        assert_eq!(sweep(&dir, hour, SystemTime::now() + 2 * hour).await, 1);
        assert!(!rec.exists());
        assert!(other.exists());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn the_period_follows_the_retention_within_bounds() {
        assert_eq!(period(Duration::from_secs(1)), Duration::from_secs(1));
        assert_eq!(period(Duration::from_secs(400)), Duration::from_secs(100));
        assert_eq!(
            period(Duration::from_secs(7 * 86_400)),
            Duration::from_secs(600)
        );
    }
}

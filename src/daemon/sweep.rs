//! What a previous run left behind, removed at start-up: AMD recordings
//! (`*.r8`) in `[amd] audio_dir` — a crash or a kill mid-detection leaves
//! them, and the default directory is RAM (`/dev/shm`) — and unfinished
//! downloads (`*.part`) in `[media] cache_dir`. Only those names are
//! touched; each directory's count goes to the log.
//!
//! A directory is assumed to belong to this daemon alone (one dialbridge
//! per `audio_dir` and `cache_dir`). A recording FreeSWITCH is still
//! writing for a call that outlived the old daemon loses its name only: the
//! switch keeps writing to the open file until the recording's own time
//! limit, and the space is freed then.

use std::path::Path;

use tracing::{info, warn};

use crate::config::Settings;

/// Removes leftovers of a previous run; returns (recordings, downloads)
/// removed.
pub(crate) async fn leftovers(settings: &Settings) -> (usize, usize) {
    let recordings = sweep(Path::new(&settings.amd.audio_dir), ".r8").await;
    if recordings > 0 {
        info!(
            removed = recordings,
            dir = %settings.amd.audio_dir,
            "removed AMD recordings left by a previous run"
        );
    }
    let parts = sweep(Path::new(&settings.media.cache_dir), ".part").await;
    if parts > 0 {
        info!(
            removed = parts,
            dir = %settings.media.cache_dir,
            "removed unfinished media downloads left by a previous run"
        );
    }
    (recordings, parts)
}

/// Removes the files of `dir` whose name ends with `suffix`; a missing
/// directory has none.
async fn sweep(dir: &Path, suffix: &str) -> usize {
    let Ok(mut listing) = tokio::fs::read_dir(dir).await else {
        return 0;
    };
    let mut removed = 0;
    while let Ok(Some(entry)) = listing.next_entry().await {
        let is_file = entry.file_type().await.is_ok_and(|t| t.is_file());
        if !is_file || !entry.file_name().to_string_lossy().ends_with(suffix) {
            continue;
        }
        match tokio::fs::remove_file(entry.path()).await {
            Ok(()) => removed += 1,
            Err(e) => {
                warn!(path = %entry.path().display(), error = %e, "cannot remove a leftover file")
            }
        }
    }
    removed
}

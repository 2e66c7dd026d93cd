//! Keeping the media cache under `[media] max_cache_bytes`: the oldest
//! files go first, except files a live call holds and `.part` files being
//! written. A `.part` no download of this process is writing (left by a
//! crash) goes before any complete file.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use tracing::{info, warn};

use super::{CacheState, PART};

/// A file of the cache directory.
struct Entry {
    /// Unfinished download no one writes.
    stale_part: bool,
    modified: SystemTime,
    size: u64,
    path: PathBuf,
}

/// Removes files of `dir` until it holds at most `cap` bytes.
pub(crate) async fn evict(dir: &Path, cap: u64, state: &CacheState) {
    let Ok(mut listing) = tokio::fs::read_dir(dir).await else {
        return;
    };
    let mut entries = Vec::new();
    while let Ok(Some(entry)) = listing.next_entry().await {
        if let Ok(meta) = entry.metadata().await
            && meta.is_file()
        {
            let path = entry.path();
            entries.push(Entry {
                stale_part: is_part(&path) && !writing(state, &path),
                modified: meta.modified().unwrap_or(SystemTime::UNIX_EPOCH),
                size: meta.len(),
                path,
            });
        }
    }
    let mut total: u64 = entries.iter().map(|e| e.size).sum();
    if total <= cap {
        return;
    }
    // Stale parts first, then the oldest.
    entries.sort_by_key(|e| (!e.stale_part, e.modified));
    let mut kept_for_calls = 0usize;
    for e in entries {
        if total <= cap {
            break;
        }
        match remove_unless_in_use(state, &e.path) {
            Removal::InUse => kept_for_calls += 1,
            Removal::Removed => total = total.saturating_sub(e.size),
            Removal::Failed(err) => {
                warn!(path = %e.path.display(), error = %err, "cannot evict cached media");
            }
        }
    }
    if total > cap {
        info!(
            bytes = total,
            max_cache_bytes = cap,
            held = kept_for_calls,
            "media cache stays above its cap: the rest is in use by live calls or downloads"
        );
    }
}

/// What became of one file.
enum Removal {
    Removed,
    InUse,
    Failed(std::io::Error),
}

/// Removes `path` unless a live call holds it or a download writes it. The
/// check and the removal happen under the lock a call takes its hold with,
/// so a call that holds a file before looking for it never loses it.
fn remove_unless_in_use(state: &CacheState, path: &Path) -> Removal {
    let Ok(held) = state.held.lock() else {
        return Removal::InUse;
    };
    if is_part(path) {
        if writing(state, path) {
            return Removal::InUse;
        }
    } else if held.get(&id_of(path)).is_some_and(|n| *n > 0) {
        return Removal::InUse;
    }
    // One unlink under a short lock.
    match std::fs::remove_file(path) {
        Ok(()) => Removal::Removed,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Removal::Removed,
        Err(e) => Removal::Failed(e),
    }
}

fn is_part(path: &Path) -> bool {
    path.to_string_lossy().ends_with(PART)
}

fn writing(state: &CacheState, path: &Path) -> bool {
    state.parts.lock().map_or(true, |p| p.contains(path))
}

/// `<dir>/<key>` of `<dir>/<key>.<ext>`.
fn id_of(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let key = name.split('.').next().unwrap_or_default();
    path.with_file_name(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_files_id_is_its_key_without_extension() {
        assert_eq!(id_of(Path::new("/c/abc.mp3")), PathBuf::from("/c/abc"));
        assert_eq!(id_of(Path::new("/c/abc.123.part")), PathBuf::from("/c/abc"));
    }
}

//! Audio from URLs for `play` and `dialMusic`: stock FreeSWITCH plays local
//! files, so dialbridge fetches http(s) audio into `[media] cache_dir` (which
//! FreeSWITCH must be able to read), checks it is audio, keeps it for reuse
//! and keeps the directory under its size cap.
//!
//! What the calls of one daemon share ([`CacheState`]):
//! * **one download per URL at a time** (single flight): calls asking for a
//!   URL being fetched wait for that download and get its result; if the
//!   call fetching it ends first, a waiting call takes the download over;
//! * **files held by live calls**: a call holds every file it asked for
//!   until it ends, and eviction never removes a held file, nor a `.part`
//!   being written ([`evict`]).
//!
//! Downloads stream to `<key>.<random>.part` in the cache directory, chunk
//! by chunk, and are renamed to `<key>.<ext>` once complete; a download
//! that fails, is too large or is abandoned leaves no file behind. Errors
//! name the URL with its password masked.

mod evict;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;
use tokio::sync::OnceCell;
use tracing::debug;

use crate::config::Media;
use crate::secret::masked;
use crate::webhook::root_cause;

/// Audio formats FreeSWITCH plays, by extension, with their content types.
const FORMATS: &[(&str, &[&str])] = &[
    (
        "wav",
        &["audio/wav", "audio/x-wav", "audio/wave", "audio/vnd.wave"],
    ),
    (
        "mp3",
        &["audio/mpeg", "audio/mp3", "audio/mpeg3", "audio/x-mpeg-3"],
    ),
    ("ogg", &["audio/ogg"]),
];

/// The extension of a download in progress.
const PART: &str = ".part";

/// Why audio could not be made available.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum MediaError {
    /// The fetch failed.
    #[error("cannot fetch {url}: {reason}")]
    Fetch {
        /// The audio URL, password masked.
        url: String,
        /// Why.
        reason: String,
    },
    /// The response is not audio dialbridge can hand to FreeSWITCH.
    #[error("{url} is not playable audio: {reason}")]
    NotAudio {
        /// The audio URL, password masked.
        url: String,
        /// Why.
        reason: String,
    },
    /// Larger than `[media] max_file_bytes`.
    #[error("{url} is larger than [media] max_file_bytes ({limit} bytes)")]
    TooLarge {
        /// The audio URL, password masked.
        url: String,
        /// The limit.
        limit: u64,
    },
    /// The cache directory cannot be written.
    #[error("cannot write the media cache {dir}: {reason}; check [media] cache_dir")]
    Cache {
        /// The directory.
        dir: String,
        /// Why.
        reason: String,
    },
}

/// A download's outcome, shared by every call that waited for it.
type Flight = Arc<OnceCell<Result<PathBuf, MediaError>>>;

/// What the calls of one daemon share about the cache: downloads in flight,
/// files held by live calls, `.part` files being written. Paths are
/// `<cache_dir>/<key>` (no extension), so two cache directories (a reload)
/// never mix.
#[derive(Default)]
pub struct CacheState {
    flights: Mutex<HashMap<PathBuf, Flight>>,
    held: Mutex<HashMap<PathBuf, usize>>,
    parts: Mutex<HashSet<PathBuf>>,
}

impl CacheState {
    /// The download of `id`, joined or started.
    fn flight(&self, id: &Path) -> Flight {
        let Ok(mut f) = self.flights.lock() else {
            return Flight::default();
        };
        Arc::clone(f.entry(id.to_owned()).or_default())
    }

    /// Forgets a finished download (later calls look in the cache first).
    fn land(&self, id: &Path, flight: &Flight) {
        if let Ok(mut f) = self.flights.lock()
            && f.get(id)
                .is_some_and(|current| Arc::ptr_eq(current, flight))
        {
            f.remove(id);
        }
    }

    fn hold(&self, id: &Path) {
        if let Ok(mut h) = self.held.lock() {
            *h.entry(id.to_owned()).or_default() += 1;
        }
    }

    fn release(&self, id: &Path) {
        if let Ok(mut h) = self.held.lock()
            && let Some(n) = h.get_mut(id)
        {
            *n = n.saturating_sub(1);
            if *n == 0 {
                h.remove(id);
            }
        }
    }
}

/// A `.part` file being written: registered so eviction leaves it alone,
/// removed when the download fails or is abandoned.
struct Part<'a> {
    state: &'a CacheState,
    path: PathBuf,
    done: bool,
}

impl<'a> Part<'a> {
    fn new(state: &'a CacheState, path: PathBuf) -> Self {
        if let Ok(mut p) = state.parts.lock() {
            p.insert(path.clone());
        }
        Self {
            state,
            path,
            done: false,
        }
    }
}

impl Drop for Part<'_> {
    fn drop(&mut self) {
        if !self.done {
            // Blocking, but one unlink of a file this process created.
            let _ = std::fs::remove_file(&self.path);
        }
        if let Ok(mut p) = self.state.parts.lock() {
            p.remove(&self.path);
        }
    }
}

/// One call's view of the media cache: the files it asked for stay held
/// (never evicted) until the call ends and this is dropped.
pub struct MediaCache {
    http: reqwest::Client,
    settings: Media,
    state: Arc<CacheState>,
    holds: Mutex<Vec<PathBuf>>,
}

impl Drop for MediaCache {
    fn drop(&mut self) {
        if let Ok(holds) = self.holds.lock() {
            for id in holds.iter() {
                self.state.release(id);
            }
        }
    }
}

impl MediaCache {
    /// A call's cache with `settings`, fetching with `http`, sharing `state`
    /// with the other calls.
    pub(crate) fn new(http: reqwest::Client, settings: Media, state: Arc<CacheState>) -> Self {
        Self {
            http,
            settings,
            state,
            holds: Mutex::new(Vec::new()),
        }
    }

    fn dir(&self) -> &Path {
        Path::new(&self.settings.cache_dir)
    }

    /// A local path of `url`'s audio, fetching it unless a fresh copy is
    /// cached; held until this call's cache is dropped.
    pub(crate) async fn local_path(&self, url: &str) -> Result<PathBuf, MediaError> {
        let key = key_of(url);
        let id = self.dir().join(&key);
        // Held before looking, so eviction cannot remove it in between.
        self.state.hold(&id);
        if let Ok(mut h) = self.holds.lock() {
            h.push(id.clone());
        }
        let flight = self.state.flight(&id);
        let result = flight
            .get_or_init(|| async {
                if let Some(hit) = self.cached(&key).await {
                    debug!(url = %masked(url), path = %hit.display(), "media cache hit");
                    return Ok(hit);
                }
                self.fetch(url, &key).await
            })
            .await
            .clone();
        self.state.land(&id, &flight);
        result
    }

    async fn cached(&self, key: &str) -> Option<PathBuf> {
        for (ext, _) in FORMATS {
            let path = self.dir().join(format!("{key}.{ext}"));
            if let Ok(meta) = tokio::fs::metadata(&path).await {
                let age = meta
                    .modified()
                    .ok()
                    .and_then(|m| SystemTime::now().duration_since(m).ok())
                    .unwrap_or(Duration::MAX);
                if age <= Duration::from_secs(self.settings.max_age_secs) {
                    return Some(path);
                }
            }
        }
        None
    }

    async fn fetch(&self, url: &str, key: &str) -> Result<PathBuf, MediaError> {
        let shown = masked(url).into_owned();
        let fetch_err = |reason: String| MediaError::Fetch {
            url: shown.clone(),
            reason,
        };
        let mut response = self
            .http
            .get(url)
            .timeout(Duration::from_millis(self.settings.fetch_timeout_ms))
            .send()
            .await
            .map_err(|e| fetch_err(root_cause(&e)))?;
        if !response.status().is_success() {
            return Err(fetch_err(format!("HTTP {}", response.status().as_u16())));
        }
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_ascii_lowercase();
        let ext = extension(url, &content_type).ok_or_else(|| MediaError::NotAudio {
            url: shown.clone(),
            reason: format!(
                "Content-Type `{content_type}` and no .wav/.mp3/.ogg extension in the URL"
            ),
        })?;
        let limit = self.settings.max_file_bytes;
        let too_large = || MediaError::TooLarge {
            url: shown.clone(),
            limit,
        };
        if response.content_length().is_some_and(|n| n > limit) {
            return Err(too_large());
        }
        let cache_err = |e: std::io::Error| MediaError::Cache {
            dir: self.settings.cache_dir.clone(),
            reason: e.to_string(),
        };
        tokio::fs::create_dir_all(self.dir())
            .await
            .map_err(cache_err)?;
        let path = self.dir().join(format!("{key}.{ext}"));
        let mut part = Part::new(
            &self.state,
            self.dir()
                .join(format!("{key}.{}{PART}", uuid::Uuid::new_v4().simple())),
        );
        let mut file = tokio::fs::File::create(&part.path)
            .await
            .map_err(cache_err)?;
        let mut written = 0u64;
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| fetch_err(root_cause(&e)))?
        {
            written += chunk.len() as u64;
            if written > limit {
                return Err(too_large());
            }
            file.write_all(&chunk).await.map_err(cache_err)?;
        }
        file.flush().await.map_err(cache_err)?;
        drop(file);
        tokio::fs::rename(&part.path, &path)
            .await
            .map_err(cache_err)?;
        part.done = true;
        drop(part);
        debug!(url = %shown, path = %path.display(), bytes = written, "media fetched");
        evict::evict(self.dir(), self.settings.max_cache_bytes, &self.state).await;
        Ok(path)
    }
}

/// The cache key of a URL.
fn key_of(url: &str) -> String {
    Sha256::digest(url.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The file extension to store audio under: from the Content-Type, or from
/// the URL when the server says only `application/octet-stream`.
fn extension(url: &str, content_type: &str) -> Option<&'static str> {
    let mime = content_type.split(';').next().unwrap_or_default().trim();
    if let Some((ext, _)) = FORMATS.iter().find(|(_, types)| types.contains(&mime)) {
        return Some(ext);
    }
    if !(mime.is_empty() || mime == "application/octet-stream") {
        return None;
    }
    let path = url::Url::parse(url).ok()?.path().to_ascii_lowercase();
    FORMATS
        .iter()
        .find(|(ext, _)| path.ends_with(&format!(".{ext}")))
        .map(|(ext, _)| *ext)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extensions_come_from_the_content_type_or_a_generic_ones_url() {
        assert_eq!(extension("http://x/a", "audio/mpeg"), Some("mp3"));
        assert_eq!(
            extension("http://x/a.mp3", "audio/x-wav; charset=binary"),
            Some("wav")
        );
        assert_eq!(
            extension("http://x/a.WAV", "application/octet-stream"),
            Some("wav")
        );
        assert_eq!(extension("http://x/a.wav", "text/html"), None);
        assert_eq!(extension("http://x/a", "application/octet-stream"), None);
    }

    #[test]
    fn keys_are_stable_and_distinct() {
        assert_eq!(key_of("http://a/1"), key_of("http://a/1"));
        assert_ne!(key_of("http://a/1"), key_of("http://a/2"));
        assert_eq!(key_of("x").len(), 64);
    }
}

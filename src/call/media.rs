//! Audio from URLs for `play` and `dialMusic`: stock FreeSWITCH plays local
//! files, so dialbridge fetches http(s) audio into `[media] cache_dir` (which
//! FreeSWITCH must be able to read), checks it is audio, keeps it for reuse
//! and keeps the directory under its size cap.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use sha2::{Digest, Sha256};
use tracing::{debug, warn};

use crate::config::Media;

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

/// Why audio could not be made available.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MediaError {
    /// The fetch failed.
    #[error("cannot fetch {url}: {reason}")]
    Fetch {
        /// The audio URL.
        url: String,
        /// Why.
        reason: String,
    },
    /// The response is not audio dialbridge can hand to FreeSWITCH.
    #[error("{url} is not playable audio: {reason}")]
    NotAudio {
        /// The audio URL.
        url: String,
        /// Why.
        reason: String,
    },
    /// Larger than `[media] max_file_bytes`.
    #[error("{url} is larger than [media] max_file_bytes ({limit} bytes)")]
    TooLarge {
        /// The audio URL.
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

/// The media cache.
#[derive(Clone)]
pub struct MediaCache {
    http: reqwest::Client,
    settings: Media,
}

impl MediaCache {
    /// A cache with `settings`, fetching with `http`.
    pub fn new(http: reqwest::Client, settings: Media) -> Self {
        Self { http, settings }
    }

    fn dir(&self) -> &Path {
        Path::new(&self.settings.cache_dir)
    }

    /// A local path of `url`'s audio, fetching it unless a fresh copy is cached.
    pub async fn local_path(&self, url: &str) -> Result<PathBuf, MediaError> {
        let key = key_of(url);
        if let Some(hit) = self.cached(&key).await {
            debug!(url, path = %hit.display(), "media cache hit");
            return Ok(hit);
        }
        self.fetch(url, &key).await
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
        let fetch_err = |reason: String| MediaError::Fetch {
            url: url.to_owned(),
            reason,
        };
        let mut response = self
            .http
            .get(url)
            .timeout(Duration::from_millis(self.settings.fetch_timeout_ms))
            .send()
            .await
            .map_err(|e| fetch_err(e.to_string()))?;
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
            url: url.to_owned(),
            reason: format!(
                "Content-Type `{content_type}` and no .wav/.mp3/.ogg extension in the URL"
            ),
        })?;
        let limit = self.settings.max_file_bytes;
        if response.content_length().is_some_and(|n| n > limit) {
            return Err(MediaError::TooLarge {
                url: url.to_owned(),
                limit,
            });
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| fetch_err(e.to_string()))?
        {
            if (bytes.len() + chunk.len()) as u64 > limit {
                return Err(MediaError::TooLarge {
                    url: url.to_owned(),
                    limit,
                });
            }
            bytes.extend_from_slice(&chunk);
        }
        let cache_err = |e: std::io::Error| MediaError::Cache {
            dir: self.settings.cache_dir.clone(),
            reason: e.to_string(),
        };
        tokio::fs::create_dir_all(self.dir())
            .await
            .map_err(cache_err)?;
        let path = self.dir().join(format!("{key}.{ext}"));
        let part = self
            .dir()
            .join(format!("{key}.{}.part", uuid::Uuid::new_v4().simple()));
        tokio::fs::write(&part, &bytes).await.map_err(cache_err)?;
        tokio::fs::rename(&part, &path).await.map_err(cache_err)?;
        debug!(url, path = %path.display(), bytes = bytes.len(), "media fetched");
        self.evict().await;
        Ok(path)
    }

    /// Removes the oldest files until the cache is under its cap.
    async fn evict(&self) {
        let Ok(mut dir) = tokio::fs::read_dir(self.dir()).await else {
            return;
        };
        let mut files = Vec::new();
        while let Ok(Some(entry)) = dir.next_entry().await {
            if let Ok(meta) = entry.metadata().await
                && meta.is_file()
            {
                let modified = meta.modified().unwrap_or(SystemTime::UNIX_EPOCH);
                files.push((modified, meta.len(), entry.path()));
            }
        }
        let mut total: u64 = files.iter().map(|(_, n, _)| n).sum();
        files.sort();
        for (_, size, path) in files {
            if total <= self.settings.max_cache_bytes {
                break;
            }
            if let Err(e) = tokio::fs::remove_file(&path).await {
                warn!(path = %path.display(), error = %e, "cannot evict cached media");
            }
            total = total.saturating_sub(size);
        }
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

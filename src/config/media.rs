//! `[media]` and `[tts]`: the audio dialbridge plays, fetched or spoken.

use serde::{Deserialize, Serialize};

/// `[media]`: audio fetched from URLs for `play` and `dialMusic`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Media {
    /// Where fetched audio is kept; FreeSWITCH must be able to read it.
    pub cache_dir: String,
    /// Largest audio file fetched.
    pub max_file_bytes: u64,
    /// Total size of the cache; the oldest files are removed past it.
    pub max_cache_bytes: u64,
    /// A cached file older than this is fetched again.
    pub(crate) max_age_secs: u64,
    /// Longest a fetch may take.
    pub fetch_timeout_ms: u64,
    /// Directories whose files `play` may name by path, besides `cache_dir`
    /// (always allowed). A path elsewhere is refused when the reply is
    /// validated. `["/"]` allows every path.
    pub allow_paths: Vec<String>,
}

impl Media {
    /// The directories `play` may read by path: `cache_dir` then
    /// `allow_paths`, without trailing slashes (`/` stays `/`).
    pub(crate) fn allowed_dirs(&self) -> Vec<String> {
        std::iter::once(&self.cache_dir)
            .chain(&self.allow_paths)
            .map(|d| match d.trim_end_matches('/') {
                "" => "/".to_owned(),
                trimmed => trimmed.to_owned(),
            })
            .collect()
    }
}

impl Default for Media {
    fn default() -> Self {
        Self {
            cache_dir: "/var/cache/dialbridge/media".into(),
            max_file_bytes: 10 * 1024 * 1024,
            max_cache_bytes: 1024 * 1024 * 1024,
            max_age_secs: 86_400,
            fetch_timeout_ms: 10_000,
            allow_paths: Vec::new(),
        }
    }
}

/// `[tts]`: the text-to-speech engine loaded in FreeSWITCH, for `say`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Tts {
    /// FreeSWITCH TTS module name (`flite`, `tts_commandline`, `unimrcp`...);
    /// empty: `say` is reported as unsupported and skipped.
    pub engine: String,
    /// Default voice (e.g. `kal` for flite).
    pub voice: String,
}

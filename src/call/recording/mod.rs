//! Call recordings (RCML's `<Dial record="true">` and `<Record>`):
//! FreeSWITCH writes a WAV file into `[recordings] dir`
//! (docs/freeswitch.md §16: the file is complete once the recording
//! stops), dialbridge names it by a RecordingSid, tells the application its
//! signed URL ([`url`]), serves it (`src/daemon/recordings.rs`) and deletes
//! it when `[recordings] retention` is over ([`retention`]).

pub(crate) mod dial;
pub(crate) mod record_verb;
pub(crate) mod retention;
pub(crate) mod url;
pub(crate) mod wav;

use std::time::{SystemTime, UNIX_EPOCH};

use crate::config::Recordings;

/// Now, in unix seconds.
pub(crate) fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// One recording's name and place.
#[derive(Debug, Clone)]
pub(crate) struct Recording {
    /// `RE…`, the name the application sees.
    pub(crate) sid: String,
    /// The file FreeSWITCH writes.
    pub(crate) path: String,
}

impl Recording {
    /// A new recording in `cfg.dir`.
    pub(crate) fn new(cfg: &Recordings) -> Self {
        let sid = url::new_sid();
        let path = format!("{}/{}", cfg.dir.trim_end_matches('/'), url::file_name(&sid));
        Self { sid, path }
    }

    /// Its URL for the application, valid for the retention.
    pub(crate) fn url(&self, cfg: &Recordings) -> String {
        let expires = unix_now() + cfg.retention_secs().unwrap_or(0);
        url::signed_url(cfg.base(), cfg.url_secret.expose(), &self.sid, expires)
    }

    /// Milliseconds of audio in the file, once FreeSWITCH has completed it.
    pub(crate) async fn audio_ms(&self) -> Option<u64> {
        use tokio::io::AsyncReadExt as _;
        let mut f = tokio::fs::File::open(&self.path).await.ok()?;
        let mut header = [0u8; wav::HEADER];
        f.read_exact(&mut header).await.ok()?;
        wav::millis(&header)
    }

    /// Removes the file (nothing to serve); a missing file is fine.
    pub(crate) async fn discard(&self) {
        match tokio::fs::remove_file(&self.path).await {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => tracing::warn!(path = %self.path, error = %e, "cannot remove a recording"),
        }
    }
}

//! `GET /recordings/<RecordingSid>.wav?Expires=…&Signature=…` on the
//! `[http]` server: a recording for the application that was given its
//! signed URL (src/call/recording/url.rs). A URL not signed with
//! `[recordings] url_secret` (tampered, truncated, another recording's) is
//! 403; an expired one, or one whose file is gone, is 404; without
//! `[recordings]` every request is 404. Mounting the route also starts the
//! retention sweep (src/call/recording/retention.rs), so recordings are
//! deleted exactly where they are served.
//!
//! The file is streamed in 64 KiB pieces with its length (a 4-hour mono
//! recording is about 230 MB: never held in memory).

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tokio::io::AsyncReadExt;
use tokio::sync::watch;
use tracing::{info, warn};

use crate::call::recording::url::{Refused, is_sid, verify};
use crate::call::recording::{retention, unix_now};
use crate::config::Settings;

type SettingsRx = watch::Receiver<Arc<Settings>>;

/// The recordings route; starts the retention sweep.
pub(crate) fn router(settings: SettingsRx) -> Router {
    tokio::spawn(retention::run(settings.clone()));
    Router::new()
        .route("/recordings/{file}", get(serve))
        .with_state(settings)
}

async fn serve(
    State(settings): State<SettingsRx>,
    Path(file): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let cfg = settings.borrow().recordings.clone();
    let Some(cfg) = cfg else {
        return (StatusCode::NOT_FOUND, "recordings are not configured\n").into_response();
    };
    let Some(sid) = file.strip_suffix(".wav").filter(|s| is_sid(s)) else {
        return (StatusCode::NOT_FOUND, "no such recording\n").into_response();
    };
    let checked = verify(
        cfg.url_secret.expose(),
        sid,
        query.get("Expires").map(String::as_str),
        query.get("Signature").map(String::as_str),
        unix_now(),
    );
    match checked {
        Ok(()) => {}
        Err(Refused::BadSignature) => {
            warn!(
                recording_sid = sid,
                "recording URL with a bad signature refused"
            );
            return (
                StatusCode::FORBIDDEN,
                "the recording URL's signature is not valid\n",
            )
                .into_response();
        }
        Err(Refused::Expired) => {
            return (StatusCode::NOT_FOUND, "the recording URL has expired\n").into_response();
        }
    }
    let path = std::path::Path::new(&cfg.dir).join(&file);
    let opened = match tokio::fs::File::open(&path).await {
        Ok(f) => f.metadata().await.map(|m| (f, m.len())),
        Err(e) => Err(e),
    };
    match opened {
        Ok((file, len)) => {
            info!(recording_sid = sid, bytes = len, "recording served");
            (
                [
                    (header::CONTENT_TYPE, "audio/wav".to_owned()),
                    (header::CONTENT_LENGTH, len.to_string()),
                ],
                Body::from_stream(pieces(file)),
            )
                .into_response()
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            (StatusCode::NOT_FOUND, "the recording was deleted\n").into_response()
        }
        Err(e) => {
            warn!(recording_sid = sid, error = %e, "cannot read a recording");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "the recording cannot be read\n",
            )
                .into_response()
        }
    }
}

/// `file`'s bytes in pieces of at most 64 KiB; a read error ends the
/// stream with it (the client sees the response cut short).
fn pieces(
    file: tokio::fs::File,
) -> impl futures_util::Stream<Item = std::io::Result<axum::body::Bytes>> {
    futures_util::stream::unfold(Some(file), |file| async move {
        let mut file = file?;
        let mut buf = vec![0u8; 64 * 1024];
        match file.read(&mut buf).await {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok(axum::body::Bytes::from(buf)), Some(file)))
            }
            Err(e) => Some((Err(e), None)),
        }
    })
}

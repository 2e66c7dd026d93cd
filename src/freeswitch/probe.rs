//! The liveness probe of a call's socket: after a stretch of silence,
//! `api uuid_exists <caller>` on the socket itself. Its answer tells a live
//! call (keep waiting, however long the bridge or the playback), a channel
//! gone without its CHANNEL_HANGUP_COMPLETE, and a socket FreeSWITCH no
//! longer answers on (no reply within the command deadline).

use freeswitch_esl_tokio::EslClient;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::socket::{SocketError, api};

/// A probe in flight, kept across cancelled waits so a probe is never
/// restarted (or abandoned) because the caller's `select!` moved on.
pub(crate) type Probe = Option<JoinHandle<Result<String, SocketError>>>;

/// Waits until `at`, then asks FreeSWITCH whether `uuid` exists; the
/// answer (`true` / `false`) or why none came. Cancel-safe: a probe
/// already sent stays in `slot` and is awaited by the next call.
pub(crate) async fn due(
    slot: &mut Probe,
    client: &EslClient,
    uuid: &str,
    at: Instant,
) -> Result<String, SocketError> {
    let handle = match slot {
        Some(h) => h,
        None => {
            tokio::time::sleep_until(at).await;
            let (client, command) = (client.clone(), format!("uuid_exists {uuid}"));
            slot.insert(tokio::spawn(async move { api(&client, &command).await }))
        }
    };
    let answer = handle.await;
    *slot = None;
    answer.unwrap_or_else(|e| Err(SocketError::Esl(e.to_string())))
}

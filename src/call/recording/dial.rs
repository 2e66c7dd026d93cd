//! Recording a dialed call (RCML `<Dial record="true">`, TwiML's
//! `record-from-answer`): `RECORD_BRIDGE_REQ=true` then `record_session
//! <file>` are queued on the caller with the dial's other set-up
//! applications, so the media bug writes only once the two calls are
//! bridged (switch_ivr_async.c's SMBF_BRIDGE_REQ; docs/freeswitch.md §16 for
//! the events and the file). `record_session` waits for the media bug's
//! frame (§17), so a recorded dial's `bridge` starts one frame (~20 ms)
//! later than an unrecorded one: the price of the choice, paid only when
//! asked to record.
//!
//! When the dial ends the recording is stopped (`stop_record_session`; the
//! file is complete when that returns, §16) and the action request gets
//! `RecordingUrl`, `RecordingSid`, `RecordingDuration` — only when a
//! target was bridged; a dial that reached nobody leaves no file. When the
//! caller hung up, FreeSWITCH completes the file as the channel goes, which
//! may be after the action request: `RecordingDuration` is then the bridged
//! call's duration.

use serde_json::{Value, json};
use tracing::{info, warn};

use super::Recording;
use crate::app::Dial;
use crate::call::Call;
use crate::freeswitch::pipeline::Batch;
use crate::freeswitch::socket::SocketError;
use crate::webhook::HookKind;

/// A dial being recorded.
#[derive(Debug)]
pub struct DialRecording(Recording);

impl DialRecording {
    /// The recording a dial asks for; without `[recordings]` the dial goes
    /// on unrecorded and `error_hook` is told.
    pub(crate) fn plan(call: &Call, dial: &Dial) -> Option<Self> {
        if !dial.record {
            return None;
        }
        let Some(cfg) = &call.settings.recordings else {
            call.report(
                HookKind::Call,
                "",
                "the dial asks to record but [recordings] is not configured: the call is \
                 connected unrecorded (add a [recordings] section)",
                &[],
            );
            return None;
        };
        Some(Self(Recording::new(cfg)))
    }

    /// Queues the recording's start in the dial's set-up batch.
    pub(crate) async fn queue(
        &self,
        call: &mut Call,
        batch: &mut Batch,
    ) -> Result<(), SocketError> {
        let socket = &mut call.socket;
        socket
            .queue(batch, "set", Some("RECORD_BRIDGE_REQ=true"))
            .await?;
        socket
            .queue(batch, "record_session", Some(&self.0.path))
            .await
    }

    /// Stops the recording; the action request's recording fields when a
    /// target was `bridged` (its call lasted `duration` seconds), none
    /// otherwise (the file is removed).
    pub(crate) async fn finish(
        self,
        call: &mut Call,
        bridged: bool,
        duration: u64,
    ) -> Option<Value> {
        let rec = self.0;
        if !call.socket.hung_up()
            && let Err(e) = call
                .socket
                .execute("stop_record_session", Some(&rec.path))
                .await
        {
            warn!(error = %e, "could not stop the dial's recording");
        }
        if !bridged {
            rec.discard().await;
            return None;
        }
        let cfg = call.settings.recordings.as_ref()?;
        let seconds = rec.audio_ms().await.map_or(duration, super::wav::seconds);
        info!(recording_sid = %rec.sid, seconds, "dial recorded");
        Some(json!({
            "recording_url": rec.url(cfg),
            "recording_sid": rec.sid,
            "recording_duration": seconds,
        }))
    }
}

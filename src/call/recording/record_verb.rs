//! Running RCML's `<Record>` on the caller: `playback_terminators` set to
//! its finish keys, an optional beep, then FreeSWITCH's `record <file>
//! <maxLength> [<threshold> <timeout>]` (mod_dptools; the silence timeout
//! in seconds of audio under [`SILENCE_THRESHOLD`]), and the terminators
//! unset again so later `<Play>`/`<Say>` are not cut by a key.
//!
//! The file is complete when `record` completes (it closes the file before
//! returning). Then, as in TwiML: a recording with audio is posted to
//! `action` (`RecordingUrl`, `RecordingSid`, `RecordingDuration`, `Digits`
//! = the key that ended it, or `hangup`) and its reply replaces the
//! document (an empty reply ends the call); an empty recording is deleted
//! and the document goes on with the next verb. A caller who hangs up
//! while recording still has the recording posted.

use serde_json::json;
use tracing::{info, warn};

use super::{Recording, wav};
use crate::app::record::Record;
use crate::call::Call;
use crate::call::verbs::{Next, ask_hook, ensure_media};
use crate::freeswitch::command::completion_of;
use crate::freeswitch::socket::SocketError;
use crate::webhook::HookKind;

/// The energy under which audio counts as silence (FreeSWITCH's usual
/// `record` threshold).
pub(crate) const SILENCE_THRESHOLD: u32 = 200;

/// The beep before recording: 500 ms of 1 kHz.
pub(crate) const BEEP: &str = "tone_stream://%(500,0,1000)";

/// Runs `<Record>`.
pub(crate) async fn record(call: &mut Call, r: &Record) -> Result<Next, SocketError> {
    let Some(cfg) = call.settings.recordings.clone() else {
        call.report(
            HookKind::Call,
            "",
            "<Record> needs [recordings]: nothing was recorded and the document goes on \
             (add a [recordings] section)",
            &[],
        );
        return Ok(Next::Continue);
    };
    ensure_media(call, false).await?;
    let rec = Recording::new(&cfg);
    let keys = if r.finish_on_key.is_empty() {
        "none"
    } else {
        r.finish_on_key.as_str()
    };
    let set = format!("playback_terminators={keys}");
    call.socket.execute("set", Some(&set)).await?;
    if r.play_beep {
        call.socket.execute("playback", Some(BEEP)).await?;
    }
    let arg = if r.timeout > 0 {
        format!(
            "{} {} {SILENCE_THRESHOLD} {}",
            rec.path, r.max_length, r.timeout
        )
    } else {
        format!("{} {}", rec.path, r.max_length)
    };
    // Awaited by hand: a caller who hangs up mid-recording still gets the
    // recording posted, once FreeSWITCH has closed the file.
    let id = call.socket.start("record", Some(&arg)).await?;
    let done = loop {
        match call.socket.next().await {
            Ok(ev) => {
                if let Some(done) = completion_of(&ev, &id) {
                    break Some(done);
                }
            }
            Err(_) => break None,
        }
    };
    let pressed = done
        .as_ref()
        .and_then(|d| d.event.variable_str("playback_terminator_used"))
        .filter(|k| !k.is_empty())
        .map(str::to_owned);
    let mut hung_up = call.socket.hung_up() || done.is_none();
    if !hung_up {
        match call
            .socket
            .execute("unset", Some("playback_terminators"))
            .await
        {
            Ok(_) => {}
            Err(SocketError::HungUp | SocketError::Closed) => hung_up = true,
            Err(e) => warn!(error = %e, "could not unset playback_terminators"),
        }
    }
    let ms = rec.audio_ms().await.unwrap_or(0);
    info!(recording_sid = %rec.sid, ms, hung_up, "recorded");
    if ms == 0 {
        rec.discard().await;
        return Ok(if hung_up { Next::End } else { Next::Continue });
    }
    let digits = if hung_up {
        Some("hangup".to_owned())
    } else {
        pressed
    };
    let mut extra = json!({
        "recording_url": rec.url(&cfg),
        "recording_sid": rec.sid,
        "recording_duration": wav::seconds(ms),
    });
    if let Some(d) = digits {
        extra["digits"] = json!(d);
    }
    let next = ask_hook(call, HookKind::Action, &r.action_hook, extra).await;
    Ok(match next {
        _ if hung_up => Next::End,
        // The action's reply replaces the document; an empty one ends it.
        Next::Continue => Next::End,
        other => other,
    })
}

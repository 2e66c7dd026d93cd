//! The `listen` verb (jambonz's `stream`): answers the caller, streams the
//! call's audio ([`super::listen`]) until the websocket ends it, `maxLength`
//! or `timeout` (silence) is reached, a `finishOnKey` digit is pressed or
//! the caller hangs up; then posts `actionHook` with `duration` (seconds
//! streamed), `reason` and, after a key, `digits`; its verbs replace the
//! application. A websocket that refuses or drops for good only ends the
//! verb (reported to the error hook); the application goes on. A nested
//! `transcribe` transcribes the caller beside the stream and stops with it
//! (jambonz's listen.js); a recognizer that cannot be used is reported to
//! the error hook and the stream goes on without it.

use std::time::Instant;

use serde_json::json;
use tracing::info;

use super::Call;
use super::listen::frames::metadata_frame;
use super::listen::{Ended, Stream};
use super::transcribe::Transcription;
use super::verbs::{Next, ask_hook, ensure_media};
use crate::app::listen::Listen;
use crate::freeswitch::socket::SocketError;
use crate::webhook::HookKind;

/// Runs `listen`.
pub(crate) async fn listen(call: &mut Call, l: &Listen) -> Result<Next, SocketError> {
    ensure_media(call, false).await?;
    let first = metadata_frame(l, &call.fields());
    let began = Instant::now();
    let mut stream = Stream::start(
        call.socket.commander(),
        call.socket.uuid(),
        super::listen::Spec::listen(l, first, &call.background.listens),
        l.pass_dtmf,
        &call.settings.amd,
        &call.engine.tasks,
    );
    let mut transcription = l.transcribe.as_ref().and_then(|t| {
        let a = call.socket.uuid().to_owned();
        Transcription::start(call, t, &[(&a, 1)])
            .map_err(|why| {
                call.report(
                    HookKind::Transcription,
                    "",
                    &format!("listen's transcribe: {why}"),
                    &[],
                )
            })
            .ok()
    });
    let mut digits = None;
    let ended = loop {
        tokio::select! {
            ended = stream.ended() => break ended,
            event = call.socket.next() => {
                let event = match event {
                    Ok(e) => e,
                    Err(SocketError::HungUp) => break Ended::Stopped,
                    Err(SocketError::EventsLost) => continue,
                    Err(e) => return Err(e),
                };
                let digit = stream.observe(&event);
                if let (Some(d), Some(keys)) = (digit, &l.finish_on_key)
                    && keys.contains(d.as_str())
                {
                    digits = Some(d);
                    break Ended::Stopped;
                }
                if call.socket.hung_up() {
                    break Ended::Stopped;
                }
            }
        }
    };
    stream.stop();
    if let Some(t) = transcription.as_mut() {
        t.stop();
    }
    let duration = began.elapsed().as_secs();
    info!(reason = ended.reason(), duration, "listen verb done");
    if let Ended::Failed(why) = &ended {
        call.report(
            HookKind::Action,
            &l.url,
            &format!("listen failed: {why}"),
            &[],
        );
    }
    let caller_gone = call.socket.hung_up();
    let Some(hook) = &l.action_hook else {
        return Ok(if caller_gone {
            Next::End
        } else {
            Next::Continue
        });
    };
    let reason = match (&digits, caller_gone) {
        (Some(_), _) => "finishOnKey",
        (None, true) => "hangup",
        (None, false) => ended.reason(),
    };
    let mut extra = json!({"duration": duration, "reason": reason});
    if let Some(d) = digits {
        extra["digits"] = json!(d);
    }
    let next = ask_hook(call, HookKind::Action, hook, extra).await;
    Ok(if caller_gone { Next::End } else { next })
}

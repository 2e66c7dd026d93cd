//! `play`: fetch the audio into the media cache, answer (or pre-answer)
//! the caller, run `playback` per file and repetition. jambonz's
//! `timeoutSecs` stops it with `uuid_break` once the time is up (FreeSWITCH's
//! `playback` has no limit of its own); its `actionHook` is then told how the
//! play ended (`reason`: `playCompleted`, `timeout` or `playFailed`) and
//! its reply replaces the rest of the application.

use serde_json::json;
use tokio::time::Instant;

use super::Call;
use super::verbs::{Next, ask_hook, ensure_media, files};
use crate::app::play::{Loop, Play};
use crate::freeswitch::command::{Completion, completion_of};
use crate::freeswitch::socket::SocketError;
use crate::webhook::HookKind;

/// How a play ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ended {
    Completed,
    Timeout,
    Failed,
}

impl Ended {
    fn reason(self) -> &'static str {
        match self {
            Ended::Completed => "playCompleted",
            Ended::Timeout => "timeout",
            Ended::Failed => "playFailed",
        }
    }
}

/// Runs `play`.
pub(crate) async fn play(call: &mut Call, p: &Play) -> Result<Next, SocketError> {
    let ended = match files(call, &p.audio).await {
        Some(files) => {
            ensure_media(call, p.early_media).await?;
            let deadline = p
                .timeout_secs
                .map(|s| Instant::now() + std::time::Duration::from_secs(u64::from(s)));
            play_files(call, p, &files, deadline).await?
        }
        None => Ended::Failed,
    };
    Ok(match &p.action_hook {
        Some(hook) => {
            ask_hook(
                call,
                HookKind::Action,
                hook,
                json!({"reason": ended.reason()}),
            )
            .await
        }
        None => Next::Continue,
    })
}

async fn play_files(
    call: &mut Call,
    p: &Play,
    files: &[String],
    deadline: Option<Instant>,
) -> Result<Ended, SocketError> {
    let mut round = 0u32;
    loop {
        for f in files {
            let (done, timed_out) = playback(call, f, deadline).await?;
            let Some(done) = done.filter(|_| !timed_out) else {
                return Ok(Ended::Timeout);
            };
            if done.response.as_deref().is_some_and(|r| r != "FILE PLAYED") {
                let why = format!("playback of {f}: {}", done.response.unwrap_or_default());
                call.report(HookKind::Call, "", &why, &[]);
                return Ok(Ended::Failed);
            }
        }
        round += 1;
        if matches!(p.repeat, Loop::Times(n) if round >= n) {
            return Ok(Ended::Completed);
        }
    }
}

/// One `playback`, broken with `uuid_break` at `deadline`; true when it
/// was (None: the deadline had passed before it started).
async fn playback(
    call: &mut Call,
    file: &str,
    deadline: Option<Instant>,
) -> Result<(Option<Completion>, bool), SocketError> {
    let Some(deadline) = deadline else {
        return Ok((
            Some(call.socket.execute("playback", Some(file)).await?),
            false,
        ));
    };
    if Instant::now() >= deadline {
        return Ok((None, true));
    }
    let id = call.socket.start("playback", Some(file)).await?;
    let mut broken = false;
    loop {
        tokio::select! {
            event = call.socket.next() => {
                let event = event?;
                if let Some(done) = completion_of(&event, &id) {
                    return Ok((Some(done), broken));
                }
                if call.socket.hung_up() {
                    return Err(SocketError::HungUp);
                }
            }
            _ = tokio::time::sleep_until(deadline), if !broken => {
                broken = true;
                let uuid = call.socket.uuid().to_owned();
                call.socket.api(&format!("uuid_break {uuid}")).await?;
            }
        }
    }
}

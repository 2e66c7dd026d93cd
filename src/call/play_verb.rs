//! `play`: fetch the audio into the media cache, answer (or pre-answer)
//! the caller, run `playback` per file and repetition. jambonz's
//! `timeoutSecs` stops it with `uuid_break` once the time is up (FreeSWITCH's
//! `playback` has no limit of its own); its `actionHook` is then told how the
//! play ended (`reason`: `playCompleted`, `timeout` or `playFailed`, with
//! `playback_seconds`, `playback_milliseconds` and
//! `playback_last_offset_pos` as jambonz reports them) and its reply
//! replaces the rest of the application. `seekOffset` starts the first file
//! of the first repetition that many samples in (`playback <file>@@<n>`,
//! mod_dptools' own syntax).

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

/// How much was played, summed over the files (FreeSWITCH sets
/// `playback_seconds`, `playback_ms` and `playback_last_offset_pos` on the
/// channel at the end of each `playback`).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Played {
    seconds: u64,
    milliseconds: u64,
    last_offset_pos: u64,
}

impl Played {
    fn add(&mut self, done: &Completion) {
        let var = |k: &str| {
            done.event
                .variable_str(k)
                .and_then(|v| v.trim().parse::<u64>().ok())
        };
        self.seconds += var("playback_seconds").unwrap_or(0);
        self.milliseconds += var("playback_ms").unwrap_or(0);
        if let Some(pos) = var("playback_last_offset_pos") {
            self.last_offset_pos = pos;
        }
    }
}

/// The file argument of `playback`: `file@@samples` for a seek. FreeSWITCH
/// takes the first `@` followed by `@` as the offset's start, so a file
/// whose name holds an `@` cannot be sought in (the jambonz reader refuses
/// such a path with `seekOffset`; a cached URL's file has none).
fn with_seek(file: &str, seek: Option<u32>) -> String {
    match seek {
        Some(n) if n > 0 && !file.contains('@') => format!("{file}@@{n}"),
        _ => file.to_owned(),
    }
}

/// Runs `play`.
pub(crate) async fn play(call: &mut Call, p: &Play) -> Result<Next, SocketError> {
    let mut played = Played::default();
    let ended = match files(call, &p.audio).await {
        Some(files) => {
            ensure_media(call, p.early_media).await?;
            let deadline = p
                .timeout_secs
                .map(|s| Instant::now() + std::time::Duration::from_secs(u64::from(s)));
            play_files(call, p, &files, deadline, &mut played).await?
        }
        None => Ended::Failed,
    };
    Ok(match &p.action_hook {
        Some(hook) => {
            let payload = json!({
                "reason": ended.reason(),
                "playback_seconds": played.seconds,
                "playback_milliseconds": played.milliseconds,
                "playback_last_offset_pos": played.last_offset_pos,
            });
            ask_hook(call, HookKind::Action, hook, payload).await
        }
        None => Next::Continue,
    })
}

async fn play_files(
    call: &mut Call,
    p: &Play,
    files: &[String],
    deadline: Option<Instant>,
    played: &mut Played,
) -> Result<Ended, SocketError> {
    let mut round = 0u32;
    loop {
        for (i, f) in files.iter().enumerate() {
            let seek = if round == 0 && i == 0 {
                p.seek_offset
            } else {
                None
            };
            let (done, timed_out) = playback(call, &with_seek(f, seek), deadline).await?;
            if let Some(done) = &done {
                played.add(done);
            }
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

#[cfg(test)]
mod tests {
    use super::with_seek;

    #[test]
    fn a_seek_is_written_as_mod_dptools_reads_it() {
        assert_eq!(with_seek("/c/a.wav", Some(8000)), "/c/a.wav@@8000");
        assert_eq!(with_seek("/c/a.wav", None), "/c/a.wav");
        assert_eq!(with_seek("/c/a.wav", Some(0)), "/c/a.wav");
        // The first `@` of the name would be taken for the offset's start.
        assert_eq!(with_seek("/c/a@b.wav", Some(8000)), "/c/a@b.wav");
    }
}

//! `playback` and its kin (`speak`, `sleep`, `endless_playback`): how long
//! they take, PLAYBACK_START / PLAYBACK_STOP (22: `Playback-File-Type`,
//! `Playback-File-Path`, `Playback-Status: done`), "FILE NOT FOUND" for a
//! local stream the host does not have (22, 23: `local_stream://moh`), and
//! the end of a playback cut short by `uuid_break` (not captured).
//!
//! From FreeSWITCH's code, not captured: `playback <file>@@<samples>` starts
//! that many samples in (mod_dptools splits at the first `@` followed by
//! `@`), and the end of each playback sets `playback_seconds`,
//! `playback_ms`, `playback_samples` (samples played) and
//! `playback_last_offset_pos` (position in the file) on the channel, so the
//! EXECUTE_COMPLETE carries them. The fake's files are 8 kHz.

use std::time::Duration;

use super::apps::After;
use super::channel::AppRequest;
use super::switch::Switch;

/// How a timed media application ended.
enum Played {
    Done,
    HungUp,
    Broken,
}

/// Waits `d` unless the channel hangs up or is broken (`uuid_break`) first.
async fn play_for(sw: &Switch, uuid: &str, d: Duration) -> Played {
    let (hung, brk) = {
        let core = sw.lock();
        let Some(ch) = core.channels.get(uuid) else {
            return Played::HungUp;
        };
        (ch.hung.subscribe(), ch.brk.subscribe())
    };
    let (mut hung, mut brk) = (hung, brk);
    let seen = *brk.borrow();
    tokio::select! {
        _ = hung.wait_for(|h| *h) => Played::HungUp,
        _ = brk.wait_for(|b| *b != seen) => Played::Broken,
        _ = tokio::time::sleep(d) => Played::Done,
    }
}

/// Whether the switch can open `file`: a `local_stream://` needs a length
/// from the test (the capturing host had no moh stream).
fn found(sw: &Switch, file: &str) -> bool {
    !file.starts_with("local_stream://") || sw.file_ms(file).is_some()
}

/// `Playback-File-Type`: the scheme of a stream, else the extension.
fn file_type(file: &str) -> String {
    match file.split_once("://") {
        Some((scheme, _)) => scheme.to_string(),
        None => file.rsplit('.').next().unwrap_or("").to_string(),
    }
}

/// Samples per millisecond of the fake's files (8 kHz).
const SAMPLES_PER_MS: u64 = 8;

/// `file@@samples` as mod_dptools' playback splits it: the file and the
/// samples to skip.
fn seek_of(arg: &str) -> (&str, u64) {
    match arg.find('@') {
        Some(i) if arg[i + 1..].starts_with('@') => {
            (&arg[..i], arg[i + 2..].trim().parse().unwrap_or(0))
        }
        _ => (arg, 0),
    }
}

/// Sets the variables the end of a playback leaves on the channel.
fn set_played(sw: &Switch, uuid: &str, seek: u64, played_ms: u64) {
    let mut core = sw.lock();
    if let Some(ch) = core.channels.get_mut(uuid) {
        let samples = played_ms * SAMPLES_PER_MS;
        ch.set_var("playback_seconds", (played_ms / 1000).to_string());
        ch.set_var("playback_ms", played_ms.to_string());
        ch.set_var("playback_samples", samples.to_string());
        ch.set_var("playback_last_offset_pos", (seek + samples).to_string());
    }
}

/// Runs a timed media application; its `Application-Response`.
pub async fn run(sw: &Switch, uuid: &str, req: &AppRequest) -> (String, After) {
    let (arg, seek) = if req.name == "playback" {
        seek_of(req.arg.trim())
    } else {
        (req.arg.trim(), 0)
    };
    let cu = sw.0.core_uuid.clone();
    let ms = match req.name.as_str() {
        "sleep" => arg.parse().unwrap_or(0),
        "speak" => sw.default_file_ms(),
        _ => (super::apps::play_ms(sw, arg) * u64::from(req.loops.max(1)))
            .saturating_sub(seek / SAMPLES_PER_MS),
    };
    if req.name != "playback" {
        play_for(sw, uuid, sw.ms(ms)).await;
        return ("_none_".into(), After::new());
    }
    if !found(sw, arg) {
        return ("FILE NOT FOUND".into(), After::new());
    }
    let post = |status: Option<&str>| {
        let mut h = vec![
            ("Playback-File-Type", file_type(arg)),
            ("Playback-File-Path", arg.to_string()),
        ];
        if let Some(s) = status {
            h.push(("Playback-Status", s.to_string()));
        }
        h
    };
    sw.lock()
        .fire(&cu, uuid, "PLAYBACK_START", &[], &post(None));
    let started = std::time::Instant::now();
    let how = play_for(sw, uuid, sw.ms(ms)).await;
    let played_ms = match how {
        Played::Done => ms,
        _ => {
            let unit = sw.ms(1000).as_secs_f64();
            ((started.elapsed().as_secs_f64() / unit) * 1000.0) as u64
        }
    };
    set_played(sw, uuid, seek, played_ms.min(ms));
    let status = match how {
        Played::Done => "done",
        _ => "break",
    };
    sw.lock()
        .fire(&cu, uuid, "PLAYBACK_STOP", &[], &post(Some(status)));
    let r = match how {
        Played::Done | Played::Broken => "FILE PLAYED",
        Played::HungUp => "PLAYBACK ERROR",
    };
    (r.into(), After::new())
}

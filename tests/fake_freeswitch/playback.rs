//! `playback` and its kin (`speak`, `sleep`, `endless_playback`): how long
//! they take, PLAYBACK_START / PLAYBACK_STOP (22: `Playback-File-Type`,
//! `Playback-File-Path`, `Playback-Status: done`), "FILE NOT FOUND" for a
//! local stream the host does not have (22, 23: `local_stream://moh`), and
//! the end of a playback cut short by `uuid_break` (not captured).

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

/// Runs a timed media application; its `Application-Response`.
pub async fn run(sw: &Switch, uuid: &str, req: &AppRequest) -> (String, After) {
    let arg = req.arg.trim();
    let cu = sw.0.core_uuid.clone();
    let ms = match req.name.as_str() {
        "sleep" => arg.parse().unwrap_or(0),
        "speak" => sw.default_file_ms(),
        _ => super::apps::play_ms(sw, arg) * u64::from(req.loops.max(1)),
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
    let how = play_for(sw, uuid, sw.ms(ms)).await;
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

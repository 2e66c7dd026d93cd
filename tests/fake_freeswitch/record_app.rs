//! The `record <path> [<time_limit_secs> [<silence_thresh> [<silence_hits>]]]`
//! application (mod_dptools `record`, switch_ivr.c
//! `switch_ivr_record_file`). Not captured: a guess from the source.
//!
//! At the channel's next frame RECORD_START (`Record-File-Path`); then it
//! records until a digit of the channel's `playback_terminators` is pressed
//! (`none` = no digit ends it; the digit is kept out of the recording and
//! set as `playback_terminator_used`), the time limit passes, the silence
//! timeout passes (with a threshold, `silence_hits` seconds of silence: the
//! fake's parties are always silent, so it ends the recording
//! `silence_hits` switch seconds in unless a digit or the limit ends it
//! first), or the channel hangs up. Then the WAV file is written whole
//! (PCM 16-bit 8 kHz mono, silence, like `record_session`'s), `record_ms`,
//! `record_samples`, `record_seconds` are set and RECORD_STOP
//! (`Record-File-Path`) fires before the application completes.

use std::time::Duration;

use tokio::time::Instant;

use super::apps::After;
use super::switch::Switch;

/// Runs `record`.
pub async fn record(sw: &Switch, uuid: &str, arg: &str) -> (String, After) {
    let a: Vec<&str> = arg.split_whitespace().collect();
    let Some(path) = a.first().map(|p| p.to_string()) else {
        return ("_none_".into(), After::new());
    };
    let num = |i: usize| a.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    let (limit, thresh, hits) = (num(1), num(2), num(3));
    sw.next_frame(uuid).await;
    let cu = sw.0.core_uuid.clone();
    let terminators = {
        let mut core = sw.lock();
        let Some(ch) = core.channels.get_mut(uuid).filter(|c| c.is_up()) else {
            return ("_none_".into(), After::new());
        };
        let t = ch.var("playback_terminators").unwrap_or("*").to_string();
        ch.dtmf_buf.clear();
        core.fire(
            &cu,
            uuid,
            "RECORD_START",
            &[],
            &[("Record-File-Path", path.clone())],
        );
        if t == "none" { String::new() } else { t }
    };
    let started = Instant::now();
    let mut ends: Vec<Instant> = Vec::new();
    if limit > 0 {
        ends.push(started + sw.ms(limit * 1000));
    }
    if thresh > 0 && hits > 0 {
        ends.push(started + sw.ms(hits * 1000));
    }
    let end = ends.into_iter().min();
    let mut pressed: Option<char> = None;
    loop {
        {
            let mut core = sw.lock();
            let Some(ch) = core.channels.get_mut(uuid) else {
                break;
            };
            if !ch.is_up() {
                break;
            }
            while !ch.dtmf_buf.is_empty() {
                let d = ch.dtmf_buf.remove(0);
                if terminators.contains(d) {
                    pressed = Some(d);
                    break;
                }
            }
            if pressed.is_some() {
                break;
            }
        }
        if end.is_some_and(|e| Instant::now() >= e) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let switch_ms = started.elapsed().as_secs_f64() * 1000.0 / sw.second().as_secs_f64();
    let ms = (switch_ms as u64 / 20) * 20;
    let samples = ms * 8;
    let _ = super::recording::write_wav(&path, samples, 1);
    let mut core = sw.lock();
    if let Some(ch) = core.channels.get_mut(uuid) {
        ch.set_var("record_ms", ms.to_string());
        ch.set_var("record_samples", samples.to_string());
        ch.set_var("record_seconds", (ms / 1000).to_string());
        if let Some(d) = pressed {
            ch.set_var("playback_terminator_used", d.to_string());
        }
    }
    core.fire(&cu, uuid, "RECORD_STOP", &[], &[("Record-File-Path", path)]);
    ("_none_".into(), After::new())
}

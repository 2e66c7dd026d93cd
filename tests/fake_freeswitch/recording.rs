//! `record_session` (docs/freeswitch.md §16; traces 16a, 16b).
//!
//! The application returns at once; at the channel's next frame the media
//! bug starts: RECORD_START (`Record-File-Path`) and MEDIA_BUG_START
//! (`Media-Bug-Function: session_record`, `Media-Bug-Target: <path>`)
//! come before its EXECUTE_COMPLETE. The WAV file (PCM 16-bit 8 kHz, mono,
//! or stereo with `RECORD_STEREO=true`) holds only its 44-byte header until
//! the recording stops, which is when the channel hangs up (after the
//! socket app's EXECUTE_COMPLETE, before HANGUP_COMPLETE) or on
//! `stop_record_session`: then RECORD_STOP (`Record-Completion-Cause:
//! success-silence`), MEDIA_BUG_STOP, and `record_seconds`, `record_ms`,
//! `record_samples`, `record_file_size` on the channel; the file is complete
//! (44 + samples × 2 × channels bytes).
//!
//! The fake writes a real file there (silence), `record_ms` being the
//! switch time from RECORD_START to the stop in whole 20 ms frames. A guess:
//! in 16a/16b FreeSWITCH recorded 2,560 ms over about 3,360 ms of call
//! without RTP (what it writes without media is not known).
//!
//! `RECORD_BRIDGE_REQ=true` on the channel when `record_session` starts
//! (not captured; switch_ivr_async.c sets SMBF_BRIDGE_REQ from it and the
//! core feeds such a media bug only while the channel is bridged): the same
//! events, but only the switch time the channel spent bridged is written —
//! a recording that never saw a bridge is its 44-byte header.

use std::io::Write as _;
use std::time::Instant;

use super::core::Core;
use super::switch::Switch;

/// One running `record_session`.
#[derive(Debug, Clone)]
pub struct Recording {
    pub path: String,
    pub stereo: bool,
    pub started: Instant,
    /// The switch's second, to count the recorded switch time.
    pub second: std::time::Duration,
    /// FreeSWITCH runs on another host (`FakeSwitch::record_elsewhere`):
    /// no file here.
    pub elsewhere: bool,
    /// `RECORD_BRIDGE_REQ`: only bridged time is written.
    pub bridge_req: bool,
    /// Bridged since (while `bridge_req`).
    pub bridged_since: Option<Instant>,
    /// Bridged time written so far (while `bridge_req`).
    pub bridged: std::time::Duration,
}

/// The channel was bridged (`true`) or unbridged: recordings that write
/// only bridged time start or pause counting.
pub fn bridged(ch: &mut super::channel::Channel, now_bridged: bool) {
    for r in ch.recordings.iter_mut().filter(|r| r.bridge_req) {
        match (now_bridged, r.bridged_since) {
            (true, None) => r.bridged_since = Some(Instant::now()),
            (false, Some(since)) => {
                r.bridged += since.elapsed();
                r.bridged_since = None;
            }
            _ => {}
        }
    }
}

/// Channel `uuid` was unbridged.
pub fn unbridged(core: &mut Core, uuid: &str) {
    if let Some(ch) = core.channels.get_mut(uuid) {
        bridged(ch, false);
    }
}

/// A WAV header for `samples` frames of 16-bit 8 kHz audio.
fn wav_header(samples: u64, channels: u16) -> Vec<u8> {
    let data = (samples * 2 * u64::from(channels)) as u32;
    let mut h = Vec::with_capacity(44);
    h.extend_from_slice(b"RIFF");
    h.extend_from_slice(&(36 + data).to_le_bytes());
    h.extend_from_slice(b"WAVEfmt ");
    h.extend_from_slice(&16u32.to_le_bytes());
    h.extend_from_slice(&1u16.to_le_bytes());
    h.extend_from_slice(&channels.to_le_bytes());
    h.extend_from_slice(&8000u32.to_le_bytes());
    h.extend_from_slice(&(8000 * 2 * u32::from(channels)).to_le_bytes());
    h.extend_from_slice(&(2 * channels).to_le_bytes());
    h.extend_from_slice(&16u16.to_le_bytes());
    h.extend_from_slice(b"data");
    h.extend_from_slice(&data.to_le_bytes());
    h
}

/// Writes the file: header and `samples` frames of silence.
pub fn write_wav(path: &str, samples: u64, channels: u16) -> std::io::Result<()> {
    let mut f = std::fs::File::create(path)?;
    f.write_all(&wav_header(samples, channels))?;
    let zeros = vec![0u8; 8000];
    let mut left = samples * 2 * u64::from(channels);
    while left > 0 {
        let n = left.min(zeros.len() as u64) as usize;
        f.write_all(&zeros[..n])?;
        left -= n as u64;
    }
    Ok(())
}

/// The `record_session <path>` application.
pub async fn record_session(sw: &Switch, uuid: &str, arg: &str) {
    let path = arg.split_whitespace().next().unwrap_or("").to_string();
    if path.is_empty() {
        return;
    }
    // The media bug starts at the channel's next frame (16a: +16 ms).
    sw.next_frame(uuid).await;
    let cu = sw.0.core_uuid.clone();
    let elsewhere = sw.extra().records_elsewhere;
    let mut core = sw.lock();
    let Some(ch) = core.channels.get_mut(uuid).filter(|c| c.is_up()) else {
        return;
    };
    let stereo = ch.var_true("RECORD_STEREO");
    let bridge_req = ch.var_true("RECORD_BRIDGE_REQ");
    let bridged_since = (bridge_req && ch.bridged_to.is_some()).then(Instant::now);
    if !elsewhere {
        // Only the header until the recording stops (16a: 44 bytes).
        let _ = write_wav(&path, 0, if stereo { 2 } else { 1 });
    }
    ch.recordings.push(Recording {
        path: path.clone(),
        stereo,
        started: Instant::now(),
        second: sw.second(),
        elsewhere,
        bridge_req,
        bridged_since,
        bridged: std::time::Duration::ZERO,
    });
    core.fire(
        &cu,
        uuid,
        "RECORD_START",
        &[],
        &[("Record-File-Path", path.clone())],
    );
    let pre = [
        ("Media-Bug-Function", "session_record".to_string()),
        ("Media-Bug-Target", path),
    ];
    core.fire(&cu, uuid, "MEDIA_BUG_START", &pre, &[]);
}

/// The `stop_record_session <path|all>` application.
pub fn stop_record_session(sw: &Switch, uuid: &str, arg: &str) {
    let cu = sw.0.core_uuid.clone();
    let arg = arg.trim();
    stop(&mut sw.lock(), &cu, uuid, |p| arg == "all" || arg == p);
}

/// Stops every recording of `uuid` (its hangup).
pub fn stop_all(core: &mut Core, cu: &str, uuid: &str) {
    stop(core, cu, uuid, |_| true);
}

fn stop(core: &mut Core, cu: &str, uuid: &str, which: impl Fn(&str) -> bool) {
    let Some(ch) = core.channels.get_mut(uuid) else {
        return;
    };
    let (done, keep): (Vec<Recording>, Vec<Recording>) =
        ch.recordings.drain(..).partition(|r| which(&r.path));
    ch.recordings = keep;
    for r in done {
        let ran = if r.bridge_req {
            r.bridged
                + r.bridged_since
                    .map_or(std::time::Duration::ZERO, |s| s.elapsed())
        } else {
            r.started.elapsed()
        };
        let switch_ms = ran.as_secs_f64() * 1000.0 / r.second.as_secs_f64();
        let ms = (switch_ms as u64 / 20) * 20;
        let samples = ms * 8;
        let channels: u16 = if r.stereo { 2 } else { 1 };
        let size = 44 + samples * 2 * u64::from(channels);
        if !r.elsewhere {
            let _ = write_wav(&r.path, samples, channels);
        }
        if let Some(ch) = core.channels.get_mut(uuid) {
            ch.set_var("record_seconds", (ms / 1000).to_string());
            ch.set_var("record_ms", ms.to_string());
            ch.set_var("record_samples", samples.to_string());
            ch.set_var("record_file_size", size.to_string());
        }
        let post = [
            ("Record-File-Path", r.path.clone()),
            ("Record-Completion-Cause", "success-silence".to_string()),
        ];
        core.fire(cu, uuid, "RECORD_STOP", &[], &post);
        let pre = [
            ("Media-Bug-Function", "session_record".to_string()),
            ("Media-Bug-Target", r.path),
        ];
        core.fire(cu, uuid, "MEDIA_BUG_STOP", &pre, &[]);
    }
}

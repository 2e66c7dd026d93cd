//! Raw audio files written the way `uuid_record ... .r8` with
//! `enable_file_write_buffering=false` writes them (docs/freeswitch.md §7):
//! 16-bit little-endian 8 kHz mono, growing in 20 ms frames at 16,000 B/s.
//!
//! [`Layout`]: what the recording's variables ask for. Captured (06):
//! `RECORD_READ_ONLY=true` gives the leg's own audio only. Not captured,
//! the fake's guesses from FreeSWITCH's media-bug code: without it the
//! read (the leg's own audio) and write (what the leg hears: its bridged
//! partner's audio) directions are summed into one channel; with
//! `RECORD_STEREO=true` they are interleaved, read left, write right;
//! `record_sample_rate=16000` doubles every sample (the resampler's
//! output is not modelled, only the rate and sizes).

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::io::AsyncWriteExt;

/// Bytes per 20 ms frame at 8 kHz, 16-bit.
pub const FRAME_BYTES: usize = 320;

/// Writes `samples` into `path` one 20 ms frame at a time at real-time
/// pace, creating the file at once (empty) and stopping early when `stop`
/// is set. For tests of a classifier that reads a growing file.
pub async fn write_realtime(
    path: PathBuf,
    samples: Vec<i16>,
    stop: Arc<AtomicBool>,
    frame_bytes: usize,
) -> std::io::Result<()> {
    let mut f = tokio::fs::File::create(&path).await?;
    let bytes: Vec<u8> = samples.iter().flat_map(|s| s.to_le_bytes()).collect();
    let mut tick = tokio::time::interval(Duration::from_millis(20));
    for frame in bytes.chunks(frame_bytes.max(2)) {
        tick.tick().await;
        if stop.load(Ordering::SeqCst) {
            break;
        }
        f.write_all(frame).await?;
        f.flush().await?;
    }
    Ok(())
}

/// Starts [`write_realtime`] in the background; set the flag to stop it.
pub fn spawn_realtime_writer(
    path: impl Into<PathBuf>,
    samples: Vec<i16>,
) -> (
    Arc<AtomicBool>,
    tokio::task::JoinHandle<std::io::Result<()>>,
) {
    let stop = Arc::new(AtomicBool::new(false));
    let h = tokio::spawn(write_realtime(
        path.into(),
        samples,
        stop.clone(),
        FRAME_BYTES,
    ));
    (stop, h)
}

/// A sine tone (for beeps and test audio): `ms` long at `hz`, 8 kHz.
pub fn tone(hz: f64, ms: u64, amplitude: i16) -> Vec<i16> {
    let n = (ms * 8) as usize;
    (0..n)
        .map(|i| {
            (f64::from(amplitude) * (2.0 * std::f64::consts::PI * hz * i as f64 / 8000.0).sin())
                as i16
        })
        .collect()
}

/// How `uuid_record` lays a leg's audio out, from its `{var=value,...}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    /// `RECORD_READ_ONLY=true`: the leg's own audio only.
    pub read_only: bool,
    /// `RECORD_STEREO=true`: own audio left, heard audio right.
    pub stereo: bool,
    /// `record_sample_rate` (8000 unless 16000).
    pub rate: u32,
}

impl Layout {
    /// Reads the recording variables of a `uuid_record ... start` command.
    pub fn of(vars: &str) -> Layout {
        let vars = vars.trim_start_matches('{').trim_end_matches('}');
        let get = |k: &str| {
            vars.split(',')
                .filter_map(|kv| kv.split_once('='))
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v)
        };
        Layout {
            read_only: get("RECORD_READ_ONLY") == Some("true"),
            stereo: get("RECORD_STEREO") == Some("true"),
            rate: if get("record_sample_rate") == Some("16000") {
                16000
            } else {
                8000
            },
        }
    }

    /// Bytes of one 20 ms frame.
    pub fn frame_bytes(&self) -> usize {
        let channels = if self.stereo && !self.read_only { 2 } else { 1 };
        self.rate as usize / 50 * 2 * channels
    }

    /// The samples written: `own` (read) and `heard` (write) 8 kHz audio
    /// laid out and brought to the rate.
    pub fn lay_out(&self, own: Option<&[i16]>, heard: Option<&[i16]>) -> Vec<i16> {
        let own = own.unwrap_or_default();
        let heard = heard.unwrap_or_default();
        let at = |a: &[i16], i: usize| a.get(i).copied().unwrap_or(0);
        let per_sample: Vec<Vec<i16>> = if self.read_only {
            own.iter().map(|s| vec![*s]).collect()
        } else {
            let n = own.len().max(heard.len());
            (0..n)
                .map(|i| {
                    if self.stereo {
                        vec![at(own, i), at(heard, i)]
                    } else {
                        vec![at(own, i).saturating_add(at(heard, i))]
                    }
                })
                .collect()
        };
        let repeat = if self.rate == 16000 { 2 } else { 1 };
        per_sample
            .into_iter()
            .flat_map(|frame| std::iter::repeat_n(frame, repeat).flatten())
            .collect()
    }
}

//! Raw audio files written the way `uuid_record ... .r8` with
//! `enable_file_write_buffering=false` writes them (docs/freeswitch.md §7):
//! 16-bit little-endian 8 kHz mono, growing in 20 ms frames at 16,000 B/s.

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
) -> std::io::Result<()> {
    let mut f = tokio::fs::File::create(&path).await?;
    let bytes: Vec<u8> = samples.iter().flat_map(|s| s.to_le_bytes()).collect();
    let mut tick = tokio::time::interval(Duration::from_millis(20));
    for frame in bytes.chunks(FRAME_BYTES) {
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
    let h = tokio::spawn(write_realtime(path.into(), samples, stop.clone()));
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

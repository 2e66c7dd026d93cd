//! What the AMD tests share: a daemon whose recordings go to a fresh
//! directory, speech-like audio, the `type` of each AMD hook request.

use std::time::Duration;

use crate::fake_freeswitch::FakeSwitch;
use crate::harness::{self, App};

/// An app, a fake switch, and a daemon whose AMD recordings go to a fresh
/// directory.
pub async fn amd_setup(file_wait_ms: u64) -> (App, FakeSwitch, harness::Running) {
    let app = App::start().await;
    let fake = FakeSwitch::with_second(Duration::from_millis(100)).await;
    let mut s = harness::settings(&app);
    s.amd.audio_dir = std::env::temp_dir()
        .join(format!("dialbridge-amd-{}", uuid::Uuid::new_v4()))
        .display()
        .to_string();
    s.amd.file_wait_ms = file_wait_ms;
    let d = harness::start(s).await;
    (app, fake, d)
}

/// 8 kHz speech-like audio: `words` bursts of a 300 Hz tone, 300 ms each
/// with 120 ms gaps, after `lead_ms` of silence, then `tail_ms` of silence.
pub fn speech(lead_ms: usize, words: usize, tail_ms: usize) -> Vec<i16> {
    let mut s = vec![0i16; lead_ms * 8];
    for _ in 0..words {
        s.extend((0..2400).map(|i| {
            ((i as f64 * 2.0 * std::f64::consts::PI * 300.0 / 8000.0).sin() * 8000.0) as i16
        }));
        s.extend(std::iter::repeat_n(0, 960));
    }
    s.extend(std::iter::repeat_n(0, tail_ms * 8));
    s
}

/// The `type` of each AMD hook request, in order.
pub fn types(requests: &[harness::app::Request]) -> Vec<String> {
    requests
        .iter()
        .map(|r| r.json()["type"].as_str().unwrap_or("").to_owned())
        .collect()
}

//! The detection task on one leg: mod_avmd for the tone window, and
//! `uuid_record` of the callee tailed into the classifier. Split from
//! [`super`], which starts it and relays what it reports.

use std::path::PathBuf;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncSeekExt};
use tokio::sync::{mpsc, oneshot};
use tracing::{info, warn};

use super::Signal;
use crate::amd::{Amd, AmdParams};
use crate::freeswitch::socket::Commander;

/// The detection task of one leg. Exists apart from [`super::Detection`]
/// (the dial's handle) so that the recording and avmd it started are
/// cleaned up by the task itself, whatever ends it.
pub(super) struct Job {
    pub(super) commander: Commander,
    pub(super) leg: String,
    pub(super) path: PathBuf,
    pub(super) avmd_options: String,
    pub(super) file_wait: Duration,
    pub(super) params: AmdParams,
    pub(super) tx: mpsc::Sender<Signal>,
}

/// Read interval: FreeSWITCH writes 20 ms frames.
const TICK: Duration = Duration::from_millis(20);

impl Job {
    /// Hands `signal` to the dial without waiting: dropped with a warning
    /// when the queue is full ([`super::SIGNALS`]), silently when the dial
    /// is gone.
    fn signal(&self, signal: Signal) {
        if let Err(mpsc::error::TrySendError::Full(s)) = self.tx.try_send(signal) {
            warn!(
                signal = s.metric(),
                "AMD signal dropped: the dial's queue is full"
            );
        }
    }

    /// Runs the two detectors side by side: the classifier until it is done
    /// (then the recording is stopped and deleted), mod_avmd until the
    /// tone window (`toneTimeoutMs` from the bridge) closes; both end at
    /// `stop`.
    pub(super) async fn run(self, mut stop: oneshot::Receiver<()>) {
        let tone_until = tokio::time::Instant::now() + self.tone_window();
        let mut avmd_on = !self.tone_window().is_zero() && self.avmd_start().await;
        let path = self.path.display().to_string();
        let classify = self.record_and_classify(&path);
        tokio::pin!(classify);
        let mut classifying = true;
        loop {
            tokio::select! {
                outcome = &mut classify, if classifying => {
                    classifying = false;
                    if let Err(e) = outcome {
                        warn!(error = %e, "answering-machine detection failed");
                        self.signal(Signal::Error(e));
                    }
                    self.stop_recording(&path).await;
                    if !avmd_on {
                        break;
                    }
                }
                _ = tokio::time::sleep_until(tone_until), if avmd_on => {
                    info!(tone_timeout_ms = self.params.tone_timeout_ms, "no beep in the tone window");
                    self.avmd_stop().await;
                    avmd_on = false;
                    if !classifying {
                        break;
                    }
                }
                _ = &mut stop => break,
            }
        }
        if classifying {
            self.stop_recording(&path).await;
        }
        if avmd_on {
            self.avmd_stop().await;
        }
    }

    /// How long after the bridge beeps are listened for.
    fn tone_window(&self) -> Duration {
        Duration::from_millis(u64::from(self.params.tone_timeout_ms))
    }

    /// Starts mod_avmd on the leg; false when FreeSWITCH refused.
    async fn avmd_start(&self) -> bool {
        let options = Some(self.avmd_options.as_str()).filter(|o| !o.is_empty());
        match self
            .commander
            .execute_on(&self.leg, "avmd_start", options)
            .await
        {
            Ok(()) => true,
            Err(e) => {
                warn!(error = %e, "avmd_start failed; beeps will not be reported");
                false
            }
        }
    }

    async fn avmd_stop(&self) {
        let _ = self
            .commander
            .execute_on(&self.leg, "avmd_stop", None)
            .await;
    }

    /// Starts `uuid_record` of the callee's audio, then classifies it.
    async fn record_and_classify(&self, path: &str) -> Result<(), String> {
        if let Some(dir) = self.path.parent() {
            let _ = tokio::fs::create_dir_all(dir).await;
        }
        // Bounded by FreeSWITCH itself: a recording dialbridge never stops
        // (a crash, a lost socket) ends on its own instead of filling audio_dir.
        let limit = recording_limit_secs(&self.params, self.file_wait);
        let start = format!(
            "uuid_record {} start {path} {limit} {{RECORD_READ_ONLY=true,enable_file_write_buffering=false,\
             RECORD_PRE_BUFFER_FRAMES=1,record_sample_rate=8000}}",
            self.leg
        );
        match self.commander.api(&start).await {
            Ok(_) => self.classify().await,
            Err(e) => Err(format!("uuid_record could not start: {e}")),
        }
    }

    /// Stops the recording and deletes its file.
    async fn stop_recording(&self, path: &str) {
        let _ = self
            .commander
            .api(&format!("uuid_record {} stop {path}", self.leg))
            .await;
        let _ = tokio::fs::remove_file(&self.path).await;
    }

    /// Tails the recording into the classifier until it is done or past its
    /// own timeouts.
    async fn classify(&self) -> Result<(), String> {
        let mut file = None;
        let waited = tokio::time::Instant::now();
        while file.is_none() {
            match tokio::fs::File::open(&self.path).await {
                Ok(f) => file = Some(f),
                Err(_) if waited.elapsed() < self.file_wait => tokio::time::sleep(TICK).await,
                Err(e) => {
                    return Err(format!(
                        "the recording {} did not appear within {} ms ({e}): FreeSWITCH must run on \
                         this host and write [amd] audio_dir",
                        self.path.display(),
                        self.file_wait.as_millis()
                    ));
                }
            }
        }
        let Some(mut file) = file else {
            return Ok(());
        };
        let mut amd = Amd::new(&self.params);
        let limit = reading_limit(&self.params);
        let began = tokio::time::Instant::now();
        let mut offset = 0u64;
        let mut carry: Option<u8> = None;
        let mut buf = vec![0u8; 16_000];
        while !amd.is_finished() && began.elapsed() < limit {
            tokio::time::sleep(TICK).await;
            if file.seek(std::io::SeekFrom::Start(offset)).await.is_err() {
                continue;
            }
            let n = file.read(&mut buf).await.map_err(|e| e.to_string())?;
            offset += n as u64;
            let samples = to_samples(&mut carry, &buf[..n]);
            for chunk in samples.chunks(160) {
                let mut event = amd.push(chunk);
                while let Some(e) = event {
                    info!(
                        amd = e.jambonz_type(),
                        at_ms = e.at_ms(),
                        "answering-machine detection"
                    );
                    self.signal(Signal::Event(e));
                    event = amd.push(&[]);
                }
            }
        }
        Ok(())
    }
}

/// How long [`Job::classify`] reads the recording once it appeared:
/// `decisionTimeoutMs + greetingCompletionTimeoutMs + 5 s`.
fn reading_limit(params: &AmdParams) -> Duration {
    Duration::from_millis(u64::from(
        params.decision_timeout_ms + params.greeting_completion_timeout_ms,
    )) + Duration::from_secs(5)
}

/// The `<limit>` of `uuid_record` (seconds, docs/freeswitch.md §7): the
/// longest the classifier can read — the file may take `file_wait` to
/// appear, then [`reading_limit`] — rounded up, never 0 (which FreeSWITCH
/// takes as no limit).
pub(crate) fn recording_limit_secs(params: &AmdParams, file_wait: Duration) -> u64 {
    let ms = (file_wait + reading_limit(params)).as_millis() as u64;
    ms.div_ceil(1000).max(1)
}

/// Little-endian 16-bit samples of `bytes`, keeping an odd byte for later.
fn to_samples(carry: &mut Option<u8>, bytes: &[u8]) -> Vec<i16> {
    let mut all = Vec::with_capacity(bytes.len() + 1);
    all.extend(carry.take());
    all.extend_from_slice(bytes);
    if all.len() % 2 == 1 {
        *carry = all.pop();
    }
    all.chunks_exact(2)
        .map(|p| i16::from_le_bytes([p[0], p[1]]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_survive_reads_that_split_them() {
        let mut carry = None;
        assert_eq!(to_samples(&mut carry, &[0x01, 0x02, 0x03]), vec![0x0201]);
        assert_eq!(to_samples(&mut carry, &[0x04]), vec![0x0403]);
        assert_eq!(to_samples(&mut carry, &[0xff, 0xff]), vec![-1]);
    }

    #[test]
    fn the_recording_is_bounded_by_what_the_classifier_can_read() {
        let p = AmdParams::default();
        let wait = Duration::from_millis(2000);
        let secs = recording_limit_secs(&p, wait);
        let needed =
            wait + Duration::from_millis(u64::from(
                p.decision_timeout_ms + p.greeting_completion_timeout_ms,
            )) + Duration::from_secs(5);
        assert!(Duration::from_secs(secs) >= needed);
        assert!(Duration::from_secs(secs) < needed + Duration::from_secs(1));
        // Defaults: 2 s + 15 s + 2 s + 5 s.
        assert_eq!(secs, 24);
    }
}

//! Answering-machine detection on a live dial: on the bridged callee, start
//! mod_avmd (beeps) and `uuid_record` of the callee's audio only into a raw
//! 8 kHz file (FREESWITCH.md §7); tail the growing file, feed the classifier
//! (call::amd), report what it concludes; stop the recording, delete the
//! file and stop avmd when it is done, the leg ends or the analysis times
//! out. If the file never appears (FreeSWITCH on another host, directory
//! not shared) the dial gets an `amd_error` instead of waiting forever.

use std::collections::HashSet;
use std::path::PathBuf;
use std::time::Duration;

use freeswitch_esl_tokio::EslEvent;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncSeekExt};
use tokio::sync::{mpsc, oneshot};
use tracing::{info, warn};

use super::amd::{Amd, AmdEvent, AmdParams};
use crate::config::AmdSettings;
use crate::freeswitch::socket::Commander;

/// What the detection reports to its dial.
#[derive(Debug, Clone, PartialEq)]
pub enum Signal {
    /// The classifier concluded.
    Event(AmdEvent),
    /// mod_avmd heard a beep.
    Beep {
        /// Its frequency, as avmd reports it.
        frequency: Option<String>,
    },
    /// Detection could not run.
    Error(String),
}

impl Signal {
    /// The hook payload fields: jambonz's `type` and the seeds' `event` /
    /// `amd_type`, with the details of each.
    pub fn payload(&self) -> Value {
        match self {
            Signal::Event(AmdEvent::HumanDetected { greeting_ms, .. }) => json!({
                "type": "amd_human_detected", "event": "amd", "amd_type": "human",
                "greeting_ms": greeting_ms}),
            Signal::Event(AmdEvent::MachineDetected {
                reason,
                greeting_ms,
                words,
                ..
            }) => json!({
                "type": "amd_machine_detected", "event": "amd", "amd_type": "machine",
                "reason": reason.as_str(), "greeting_ms": greeting_ms, "words": words}),
            Signal::Event(AmdEvent::NoSpeechDetected { .. }) => {
                json!({"type": "amd_no_speech_detected", "event": "silence"})
            }
            Signal::Event(AmdEvent::DecisionTimeout { .. }) => {
                json!({"type": "amd_decision_timeout", "event": "amd", "amd_type": "unknown"})
            }
            Signal::Event(AmdEvent::MachineStoppedSpeaking { .. }) => {
                json!({"type": "amd_machine_stopped_speaking", "event": "amd_stopped_speaking"})
            }
            Signal::Beep { frequency } => json!({
                "type": "amd_tone_detected", "event": "beep", "frequency": frequency}),
            Signal::Error(e) => json!({"type": "amd_error", "event": "amd_error", "error": e}),
        }
    }

    /// The label in metrics.
    pub fn metric(&self) -> &'static str {
        match self {
            Signal::Event(e) => e.jambonz_type(),
            Signal::Beep { .. } => "amd_tone_detected",
            Signal::Error(_) => "amd_error",
        }
    }
}

/// The payload fields of the event sent when detection ends undecided.
pub fn stopped_payload() -> Value {
    json!({"type": "amd_stopped", "event": "amd_stopped"})
}

/// Detection running on one leg.
pub struct Detection {
    rx: mpsc::UnboundedReceiver<Signal>,
    stop: Option<oneshot::Sender<()>>,
    leg: String,
    beeps: HashSet<String>,
    /// True once the classifier concluded (human, machine, no speech,
    /// decision timeout).
    pub decided: bool,
}

impl Detection {
    /// Starts detection on the bridged leg `leg`, in a task counted in
    /// `tasks` (a drain waits for its clean-up).
    pub fn start(
        commander: Commander,
        leg: &str,
        params: AmdParams,
        settings: &AmdSettings,
        tasks: &super::tasks::Tasks,
    ) -> Detection {
        let (tx, rx) = mpsc::unbounded_channel();
        let (stop_tx, stop_rx) = oneshot::channel();
        let job = Job {
            commander,
            leg: leg.to_owned(),
            path: PathBuf::from(&settings.audio_dir).join(format!("{leg}.r8")),
            avmd_options: settings.avmd_options.clone(),
            file_wait: Duration::from_millis(settings.file_wait_ms),
            params,
            tx,
        };
        tasks.spawn(tracing::Instrument::in_current_span(job.run(stop_rx)));
        Detection {
            rx,
            stop: Some(stop_tx),
            leg: leg.to_owned(),
            beeps: HashSet::new(),
            decided: false,
        }
    }

    /// The next signal; pending forever once the detection finished.
    pub async fn next(&mut self) -> Signal {
        match self.rx.recv().await {
            Some(s) => {
                if matches!(
                    s,
                    Signal::Event(
                        AmdEvent::HumanDetected { .. }
                            | AmdEvent::MachineDetected { .. }
                            | AmdEvent::NoSpeechDetected { .. }
                            | AmdEvent::DecisionTimeout { .. }
                    )
                ) {
                    self.decided = true;
                }
                s
            }
            None => std::future::pending().await,
        }
    }

    /// A beep from a `CUSTOM avmd::beep` event of the leg, once per beep
    /// (FreeSWITCH delivers it twice with the same Event-Sequence on a
    /// parked leg, FREESWITCH.md §7).
    pub fn beep(&mut self, event: &EslEvent) -> Option<Signal> {
        if event.header_str("Event-Subclass") != Some("avmd::beep")
            || event.header_str("Unique-ID") != Some(self.leg.as_str())
        {
            return None;
        }
        let seq = event
            .header_str("Event-Sequence")
            .unwrap_or_default()
            .to_owned();
        if !seq.is_empty() && !self.beeps.insert(seq) {
            return None;
        }
        Some(Signal::Beep {
            frequency: event.header_str("Frequency").map(str::to_owned),
        })
    }

    /// Stops the detection (it cleans up on its own).
    pub fn stop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
    }
}

impl Drop for Detection {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The detection task.
struct Job {
    commander: Commander,
    leg: String,
    path: PathBuf,
    avmd_options: String,
    file_wait: Duration,
    params: AmdParams,
    tx: mpsc::UnboundedSender<Signal>,
}

/// Read interval: FreeSWITCH writes 20 ms frames.
const TICK: Duration = Duration::from_millis(20);

impl Job {
    async fn run(self, mut stop: oneshot::Receiver<()>) {
        let avmd = if self.avmd_options.is_empty() {
            None
        } else {
            Some(self.avmd_options.as_str())
        };
        if let Err(e) = self
            .commander
            .execute_on(&self.leg, "avmd_start", avmd)
            .await
        {
            warn!(error = %e, "avmd_start failed; beeps will not be reported");
        }
        if let Some(dir) = self.path.parent() {
            let _ = tokio::fs::create_dir_all(dir).await;
        }
        let path = self.path.display().to_string();
        let start = format!(
            "uuid_record {} start {path} 0 {{RECORD_READ_ONLY=true,enable_file_write_buffering=false,\
             RECORD_PRE_BUFFER_FRAMES=1,record_sample_rate=8000}}",
            self.leg
        );
        let outcome = match self.commander.api(&start).await {
            Ok(_) => self.classify(&mut stop).await,
            Err(e) => Err(format!("uuid_record could not start: {e}")),
        };
        if let Err(e) = outcome {
            warn!(error = %e, "answering-machine detection failed");
            let _ = self.tx.send(Signal::Error(e));
        }
        let _ = self
            .commander
            .api(&format!("uuid_record {} stop {path}", self.leg))
            .await;
        let _ = tokio::fs::remove_file(&self.path).await;
        let _ = self
            .commander
            .execute_on(&self.leg, "avmd_stop", None)
            .await;
    }

    /// Tails the recording into the classifier until it is done, stopped, or
    /// past its own timeouts.
    async fn classify(&self, stop: &mut oneshot::Receiver<()>) -> Result<(), String> {
        let mut file = None;
        let waited = tokio::time::Instant::now();
        while file.is_none() {
            match tokio::fs::File::open(&self.path).await {
                Ok(f) => file = Some(f),
                Err(_) if waited.elapsed() < self.file_wait => {
                    tokio::select! {
                        _ = tokio::time::sleep(TICK) => {}
                        _ = &mut *stop => return Ok(()),
                    }
                }
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
        let limit = Duration::from_millis(u64::from(
            self.params.decision_timeout_ms + self.params.greeting_completion_timeout_ms,
        )) + Duration::from_secs(5);
        let began = tokio::time::Instant::now();
        let mut offset = 0u64;
        let mut carry: Option<u8> = None;
        let mut buf = vec![0u8; 16_000];
        while !amd.is_finished() && began.elapsed() < limit {
            tokio::select! {
                _ = tokio::time::sleep(TICK) => {}
                _ = &mut *stop => return Ok(()),
            }
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
                    let _ = self.tx.send(Signal::Event(e));
                    event = amd.push(&[]);
                }
            }
        }
        Ok(())
    }
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
    fn payloads_carry_both_vocabularies() {
        let p = Signal::Event(AmdEvent::HumanDetected {
            greeting_ms: 400,
            at_ms: 1200,
        })
        .payload();
        assert_eq!(
            (
                p["type"].as_str(),
                p["event"].as_str(),
                p["amd_type"].as_str()
            ),
            (Some("amd_human_detected"), Some("amd"), Some("human"))
        );
        let p = Signal::Beep {
            frequency: Some("1000.000000".into()),
        }
        .payload();
        assert_eq!(
            (p["type"].as_str(), p["event"].as_str()),
            (Some("amd_tone_detected"), Some("beep"))
        );
        assert_eq!(
            Signal::Event(AmdEvent::NoSpeechDetected { at_ms: 5000 }).payload()["event"],
            "silence"
        );
    }
}

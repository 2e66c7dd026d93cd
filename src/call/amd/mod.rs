//! Answering-machine detection on a live dial: on the bridged callee, start
//! mod_avmd (beeps) and `uuid_record` of the callee's audio only into a raw
//! 8 kHz file (docs/freeswitch.md §7); tail the growing file, feed the classifier
//! (crate::amd), report what it concludes; stop the recording and delete the
//! file when it is done, the leg ends or the analysis times out. mod_avmd
//! runs from the bridge until `toneTimeoutMs` has passed or the dial ends
//! (as in jambonz, whether or not the classifier decided meanwhile); a beep
//! after that window is not reported. If the file never appears (FreeSWITCH
//! on another host, directory not shared) the dial gets an `amd_error`
//! instead of waiting forever.

use std::collections::HashSet;
use std::path::PathBuf;
use std::time::Duration;

use freeswitch_esl_tokio::EslEvent;
use serde_json::{Value, json};
use tokio::sync::{mpsc, oneshot};

use crate::amd::{AmdEvent, AmdParams};
use crate::config::AmdSettings;
use crate::freeswitch::socket::Commander;

mod job;
use job::Job;

/// What the detection reports to its dial.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Signal {
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
    pub(crate) fn payload(&self) -> Value {
        match self {
            Signal::Event(AmdEvent::HumanDetected { greeting_ms, .. }) => json!({
                "type": "amd_human_detected", "event": "amd", "amd_type": "human",
                "greeting_ms": greeting_ms}),
            Signal::Event(AmdEvent::MachineDetected {
                reason,
                greeting_ms,
                words,
                after_human,
                ..
            }) => json!({
                "type": "amd_machine_detected", "event": "amd", "amd_type": "machine",
                "reason": reason.as_str(), "greeting_ms": greeting_ms, "words": words,
                "after_human": after_human}),
            Signal::Event(AmdEvent::NoSpeechDetected { .. }) => {
                json!({"type": "amd_no_speech_detected", "event": "silence"})
            }
            // Neither human nor machine: not an `amd` event (whose
            // `amd_type` is only ever one of those two) but its own.
            Signal::Event(AmdEvent::DecisionTimeout { .. }) => {
                json!({"type": "amd_decision_timeout", "event": "amd_decision_timeout"})
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
    pub(crate) fn metric(&self) -> &'static str {
        match self {
            Signal::Event(e) => e.jambonz_type(),
            Signal::Beep { .. } => "amd_tone_detected",
            Signal::Error(_) => "amd_error",
        }
    }
}

/// The payload fields of the event sent when detection ends undecided.
pub(crate) fn stopped_payload() -> Value {
    json!({"type": "amd_stopped", "event": "amd_stopped"})
}

/// Signals one detection can have waiting for the dial's loop. The
/// classifier reports a handful per leg (its decision, a beep, a reversal,
/// an error); overflow policy: a signal that finds the queue full is
/// dropped with a warning (the job never waits on the dial).
pub(crate) const SIGNALS: usize = 16;

/// Detection running on one leg.
pub struct Detection {
    rx: mpsc::Receiver<Signal>,
    stop: Option<oneshot::Sender<()>>,
    leg: String,
    beeps: HashSet<String>,
    /// End of the tone window: a beep reported after it (avmd_stop is on
    /// its way) is not relayed.
    beeps_until: tokio::time::Instant,
    /// True once the classifier concluded (human, machine, no speech,
    /// decision timeout).
    pub(crate) decided: bool,
}

impl Detection {
    /// Starts detection on the bridged leg `leg`, in a task counted in
    /// `tasks` (a drain waits for its clean-up).
    pub(crate) fn start(
        commander: Commander,
        leg: &str,
        params: AmdParams,
        settings: &AmdSettings,
        tasks: &crate::call::tasks::Tasks,
    ) -> Detection {
        let (tx, rx) = mpsc::channel(SIGNALS);
        let (stop_tx, stop_rx) = oneshot::channel();
        let beeps_until =
            tokio::time::Instant::now() + Duration::from_millis(u64::from(params.tone_timeout_ms));
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
            beeps_until,
            decided: false,
        }
    }

    /// The next signal; pending forever once the detection finished.
    pub(crate) async fn next(&mut self) -> Signal {
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
    /// parked leg, docs/freeswitch.md §7), and only within the tone window.
    pub(crate) fn beep(&mut self, event: &EslEvent) -> Option<Signal> {
        if event.header_str("Event-Subclass") != Some("avmd::beep")
            || event.header_str("Unique-ID") != Some(self.leg.as_str())
            || tokio::time::Instant::now() > self.beeps_until
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
    pub(crate) fn stop(&mut self) {
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

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn a_machine_found_after_a_human_says_so() {
        let machine = |after_human| {
            Signal::Event(AmdEvent::MachineDetected {
                reason: crate::amd::MachineReason::Tone,
                greeting_ms: 400,
                words: 1,
                at_ms: 2600,
                after_human,
            })
            .payload()
        };
        let p = machine(true);
        assert_eq!(
            (&p["type"], &p["amd_type"], &p["reason"], &p["after_human"]),
            (
                &json!("amd_machine_detected"),
                &json!("machine"),
                &json!("tone"),
                &json!(true)
            )
        );
        assert_eq!(machine(false)["after_human"], false);
    }

    #[test]
    fn an_undecided_amd_is_its_own_event_without_an_amd_type() {
        let p = Signal::Event(AmdEvent::DecisionTimeout { at_ms: 15000 }).payload();
        assert_eq!(
            p,
            json!({"type": "amd_decision_timeout", "event": "amd_decision_timeout"})
        );
        // `amd_type` is only ever human or machine.
        for e in [
            AmdEvent::HumanDetected {
                greeting_ms: 400,
                at_ms: 1200,
            },
            AmdEvent::MachineDetected {
                reason: crate::amd::MachineReason::LongGreeting,
                greeting_ms: 1600,
                words: 3,
                at_ms: 1700,
                after_human: false,
            },
            AmdEvent::NoSpeechDetected { at_ms: 5000 },
            AmdEvent::DecisionTimeout { at_ms: 15000 },
            AmdEvent::MachineStoppedSpeaking { at_ms: 4000 },
        ] {
            let p = Signal::Event(e).payload();
            match p.get("amd_type") {
                None => assert_ne!(p["event"], "amd", "{p}"),
                Some(t) => assert!(t == "human" || t == "machine", "{p}"),
            }
        }
    }
}

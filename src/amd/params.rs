//! The classifier's parameters: `[amd]` defaults, and the dial verb's
//! per-call overrides.

use serde::{Deserialize, Serialize};

use crate::app::amd::Amd as AmdVerb;

/// The classifier's thresholds and timers (`[amd]` in the configuration;
/// the verb's `amd.timers` and `amd.thresholdWordCount` override some of
/// them per dial, see [`AmdParams::with_verb`]).
///
/// Exists so operators can tune detection for their lines without code,
/// and every knob of the algorithm is named in one place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AmdParams {
    /// Voice starts with a 10 ms frame whose mean absolute amplitude
    /// (0..32767, after DC removal) is above this (and goes on while frames
    /// stay above half of it). 128 is about -45 dBFS: quiet talkers on a
    /// clean line are heard; noisy lines raise it (`adaptive_threshold`).
    pub(crate) silence_threshold: u16,
    /// Raise the threshold on noisy lines by tracking the noise floor (up
    /// to 4x `silence_threshold`); off = the fixed threshold only.
    pub(crate) adaptive_threshold: bool,
    /// Silence before any word that means a machine; None = never (a
    /// silent answer is reported as no speech). Classic value: 2500.
    pub(crate) initial_silence_ms: Option<u32>,
    /// A greeting longer than this (first word's start to last word's end)
    /// is a machine.
    pub(crate) greeting_ms: u32,
    /// Silence after a short greeting that means a human. The trade-off:
    /// lower decides humans sooner but takes more machines' pauses after
    /// their first sentence for a human's wait, left to the second stage
    /// (`reversal_window_ms`) to take back; higher sends fewer reversals
    /// but decides people later (800 is the classic value). The README
    /// has the measured table.
    pub(crate) after_greeting_silence_ms: u32,
    /// Shortest burst of voice that counts as a word (shorter = a click).
    pub(crate) min_word_length_ms: u32,
    /// Shortest silence that separates two words.
    pub(crate) between_words_silence_ms: u32,
    /// A burst longer than this is not a word (noise, music, a tone) and
    /// cancels the greeting heard so far.
    pub(crate) max_word_length_ms: u32,
    /// Words (energy bursts) in the greeting that mean a machine; 0 = never.
    pub(crate) threshold_word_count: u32,
    /// No word this long after answer -> no speech (`noSpeechTimeoutMs`).
    pub(crate) no_speech_timeout_ms: u32,
    /// No decision this long after answer -> decision timeout
    /// (`decisionTimeoutMs`).
    pub(crate) decision_timeout_ms: u32,
    /// Silence after a machine's last word that means it stopped speaking
    /// (`greetingCompletionTimeoutMs`).
    pub(crate) greeting_completion_timeout_ms: u32,
    /// The latest moment (after answer) a short greeting is decided human:
    /// if it has not gone on past `greeting_ms` and no word is in progress,
    /// the human verdict comes now even before `after_greeting_silence_ms`
    /// of silence, and the reversal window checks it. 0 = no deadline.
    pub(crate) human_deadline_ms: u32,
    /// A pure tone (400 Hz to 3.2 kHz) this long is a machine: a voicemail
    /// beep, special-information tones, a fax; 0 = tones decide nothing.
    pub(crate) min_tone_ms: u32,
    /// The second stage: after a human verdict the classifier listens
    /// until the callee has been silent this long. Meanwhile speech that
    /// goes on (pauses under 800 ms) longer than `greeting_ms`, or for
    /// `threshold_word_count` words, or a tone, is a machine after all:
    /// `amd_machine_detected` (with `after_human`) after
    /// `amd_human_detected`. 0 = a human verdict is final (jambonz's
    /// behaviour).
    pub(crate) reversal_window_ms: u32,
    /// How long after the bridge mod_avmd listens for a beep
    /// (`toneTimeoutMs`; 0 = no beep detection). Used by the dial's
    /// detection (`call::detection`), not by the classifier.
    pub(crate) tone_timeout_ms: u32,
}

impl Default for AmdParams {
    fn default() -> Self {
        Self {
            silence_threshold: 128,
            adaptive_threshold: true,
            initial_silence_ms: None,
            greeting_ms: 1500,
            after_greeting_silence_ms: 500,
            min_word_length_ms: 100,
            between_words_silence_ms: 50,
            max_word_length_ms: 5000,
            threshold_word_count: 9,
            no_speech_timeout_ms: 5000,
            decision_timeout_ms: 15000,
            greeting_completion_timeout_ms: 2000,
            human_deadline_ms: 2400,
            min_tone_ms: 120,
            reversal_window_ms: 2000,
            tone_timeout_ms: 20000,
        }
    }
}

impl AmdParams {
    /// These parameters with the dial verb's overrides applied: each of
    /// `amd.timers.*` and `amd.thresholdWordCount` that the application
    /// gave replaces the configured value; the rest stay.
    pub(crate) fn with_verb(&self, verb: &AmdVerb) -> Self {
        let t = &verb.timers;
        Self {
            threshold_word_count: verb
                .threshold_word_count
                .unwrap_or(self.threshold_word_count),
            no_speech_timeout_ms: t.no_speech_timeout_ms.unwrap_or(self.no_speech_timeout_ms),
            decision_timeout_ms: t.decision_timeout_ms.unwrap_or(self.decision_timeout_ms),
            greeting_completion_timeout_ms: t
                .greeting_completion_timeout_ms
                .unwrap_or(self.greeting_completion_timeout_ms),
            tone_timeout_ms: t.tone_timeout_ms.unwrap_or(self.tone_timeout_ms),
            ..self.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verb_overrides_only_what_it_gives() {
        let mut verb = crate::app::amd::Amd {
            action_hook: crate::app::Hook::post("/amd"),
            disconnect_on_amd: true,
            threshold_word_count: None,
            timers: Default::default(),
        };
        let base = AmdParams {
            greeting_ms: 1700,
            no_speech_timeout_ms: 4000,
            ..AmdParams::default()
        };
        assert_eq!(base.with_verb(&verb), base);
        verb.threshold_word_count = Some(5);
        verb.timers.no_speech_timeout_ms = Some(3000);
        verb.timers.decision_timeout_ms = Some(9000);
        verb.timers.greeting_completion_timeout_ms = Some(1000);
        verb.timers.tone_timeout_ms = Some(7000);
        let p = base.with_verb(&verb);
        assert_eq!(
            (
                p.threshold_word_count,
                p.no_speech_timeout_ms,
                p.decision_timeout_ms
            ),
            (5, 3000, 9000)
        );
        assert_eq!(
            (p.greeting_completion_timeout_ms, p.tone_timeout_ms),
            (1000, 7000)
        );
        assert_eq!(p.greeting_ms, 1700);
    }

    #[test]
    fn params_deserialize_with_defaults_and_refuse_unknown_keys() {
        let p: AmdParams = serde_json::from_str(r#"{"greeting_ms": 2000}"#).expect("valid params");
        assert_eq!(p.greeting_ms, 2000);
        assert_eq!(p.no_speech_timeout_ms, 5000);
        assert!(serde_json::from_str::<AmdParams>(r#"{"greeting": 2000}"#).is_err());
    }
}

//! Answering-machine detection from the callee's audio (pure: samples in,
//! events out; no clock, no I/O).
//!
//! The classic energy-based algorithm, written here from its published
//! description: cut the audio into 10 ms frames, call a frame voice when
//! its energy is above a silence threshold, group voice into "words"
//! (bursts of at least `min_word_length_ms`, split by at least
//! `between_words_silence_ms` of silence), and decide from the shape of
//! the greeting:
//!
//! - a short greeting followed by `after_greeting_silence_ms` of silence is
//!   a **human** ("Hello?" ... waiting for the caller); so is, at
//!   `human_deadline_ms` after answer, a greeting still short and not in
//!   the middle of a word (people must be decided fast);
//! - a greeting longer than `greeting_ms`, or with `threshold_word_count`
//!   words, is a **machine**; so is a pure tone of `min_tone_ms` (a beep
//!   or special-information tones: no voice is that pure) and, if
//!   `initial_silence_ms` is set, that long a silence before any word;
//! - no word within `no_speech_timeout_ms` is **no speech**;
//! - no decision within `decision_timeout_ms` is a **decision timeout**
//!   (e.g. continuous loud noise or music: one burst longer than
//!   `max_word_length_ms` is not a word and decides nothing);
//! - after a human, the **second stage**: until the callee has been silent
//!   for `reversal_window_ms`, speech that goes on (pauses shorter than
//!   800 ms) longer than `greeting_ms`, or with `threshold_word_count`
//!   words, or a tone, is a machine after all ("Hi, this is Dave. [pause]
//!   I can't take your call..."; "Leave a message. [beep]"). A person
//!   saying "Hello?" again, or "Who is this?", stays a human;
//! - after a machine, `greeting_completion_timeout_ms` of silence after its
//!   last word means the **machine stopped speaking**: the moment to leave a
//!   voicemail.
//!
//! jambonz counts `thresholdWordCount` with speech-to-text; here a "word" is
//! an energy burst, so a word may be a syllable or a few words run
//! together. mod_avmd still reports beeps on its own (`amd_tone_detected`);
//! the tone rule here is what lets a beep decide.
//!
//! The level measure removes DC offset first and, unless
//! `adaptive_threshold` is off, raises the threshold over a moderate steady
//! noise floor, with hysteresis so weak syllable ends do not split words;
//! clipped audio is simply loud. A single burst still going is not yet a
//! long greeting (it may prove to be noise), and a burst in progress (word
//! or click) holds a human or stopped-speaking verdict until it resolves.
//! All times are audio time in 10 ms steps from the first sample pushed,
//! which must be the moment of answer.
//!
//! # Event sequence
//!
//! [`Amd::push`] reports, over a classifier's whole life, exactly one of
//! [`AmdEvent::HumanDetected`], [`AmdEvent::NoSpeechDetected`],
//! [`AmdEvent::DecisionTimeout`] or [`AmdEvent::MachineDetected`]. A human
//! may be followed by one [`AmdEvent::MachineDetected`] (with
//! `after_human: true`) within the reversal window; a machine, either way,
//! by one [`AmdEvent::MachineStoppedSpeaking`]. Then nothing more
//! ([`Amd::is_finished`] turns true and further samples are ignored). If
//! one `push` spans two events, it returns the first and the next `push`
//! (an empty slice will do) returns the second.
//!
//! ```
//! use dialbridge::amd::{Amd, AmdEvent, AmdParams};
//!
//! let mut amd = Amd::new(&AmdParams::default());
//! let silence = [0i16; 160]; // one 20 ms frame as FreeSWITCH writes it
//! let events: Vec<AmdEvent> = (0..300).filter_map(|_| amd.push(&silence)).collect();
//! assert!(matches!(events[..], [AmdEvent::NoSpeechDetected { at_ms: 5000 }]));
//! ```

mod classifier;
mod energy;
mod params;
#[cfg(test)]
mod tests;

pub use classifier::Amd;
pub use params::AmdParams;

/// Samples per second the classifier expects (FreeSWITCH's `.r8` files).
pub const SAMPLE_RATE: u32 = 8000;

/// What the classifier concluded, and when (`at_ms`: milliseconds of audio
/// since the first sample pushed, i.e. since the callee answered).
///
/// Exists to carry jambonz's AMD vocabulary (see [`AmdEvent::jambonz_type`])
/// from the pure classifier to the hook sender.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AmdEvent {
    /// A short greeting, then silence.
    HumanDetected {
        /// Length of the greeting.
        greeting_ms: u32,
        /// When decided.
        at_ms: u32,
    },
    /// A machine's greeting (or initial silence).
    MachineDetected {
        /// Which rule decided.
        reason: MachineReason,
        /// Length of the greeting heard so far (0 for initial silence).
        greeting_ms: u32,
        /// Words (energy bursts) heard so far.
        words: u32,
        /// When decided.
        at_ms: u32,
        /// This reverses an earlier [`AmdEvent::HumanDetected`].
        after_human: bool,
    },
    /// No word at all within the no-speech timeout.
    NoSpeechDetected {
        /// When decided.
        at_ms: u32,
    },
    /// Sound, but no decision within the decision timeout.
    DecisionTimeout {
        /// When decided.
        at_ms: u32,
    },
    /// After a machine: its greeting ended (a voicemail can be left).
    MachineStoppedSpeaking {
        /// When decided.
        at_ms: u32,
    },
}

impl AmdEvent {
    /// jambonz's event `type`.
    pub fn jambonz_type(&self) -> &'static str {
        match self {
            Self::HumanDetected { .. } => "amd_human_detected",
            Self::MachineDetected { .. } => "amd_machine_detected",
            Self::NoSpeechDetected { .. } => "amd_no_speech_detected",
            Self::DecisionTimeout { .. } => "amd_decision_timeout",
            Self::MachineStoppedSpeaking { .. } => "amd_machine_stopped_speaking",
        }
    }

    /// Milliseconds of audio since answer when this was decided.
    pub fn at_ms(&self) -> u32 {
        match *self {
            Self::HumanDetected { at_ms, .. }
            | Self::MachineDetected { at_ms, .. }
            | Self::NoSpeechDetected { at_ms }
            | Self::DecisionTimeout { at_ms }
            | Self::MachineStoppedSpeaking { at_ms } => at_ms,
        }
    }
}

/// Why the classifier said "machine".
///
/// Exists so the hook can say which rule fired (jambonz's `reason`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MachineReason {
    /// The greeting lasted longer than `greeting_ms`.
    LongGreeting,
    /// The greeting reached `threshold_word_count` words.
    TooManyWords,
    /// `initial_silence_ms` passed before any word.
    InitialSilence,
    /// A pure tone (a beep, special-information tones) of `min_tone_ms`.
    Tone,
}

impl MachineReason {
    /// The `reason` text of `amd_machine_detected`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::LongGreeting => "long greeting",
            Self::TooManyWords => "too many words",
            Self::InitialSilence => "initial silence",
            Self::Tone => "tone",
        }
    }
}

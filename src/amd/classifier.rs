//! The answering-machine state machine over 10 ms voice/silence frames.
//!
//! Phases: *listening* (no word yet: initial silence), *greeting* (words
//! heard, undecided), *awaiting end* (machine decided: waiting for the
//! silence after its greeting), *finished*. Word segmentation runs in every
//! phase: voice frames separated by less than `between_words_silence_ms`
//! form one burst; a burst is a word once it spans `min_word_length_ms`
//! (dated from its first voice frame), and ends after that much silence.
//! Shorter bursts are clicks that neither start a word nor break a silence.

use super::energy::{FRAME_MS, VoiceDetector};
use super::{AmdEvent, AmdParams, MachineReason};

/// The thresholds in frames.
#[derive(Debug, Clone)]
struct Limits {
    initial_silence: Option<u32>,
    greeting: u32,
    after_greeting_silence: u32,
    min_word: u32,
    between_words: u32,
    max_word: u32,
    word_count: Option<u32>,
    no_speech: u32,
    decision: u32,
    completion: u32,
}

/// Milliseconds to whole frames, rounded up, at least one.
fn frames(ms: u32) -> u32 {
    ms.div_ceil(FRAME_MS).max(1)
}

impl Limits {
    fn new(p: &AmdParams) -> Self {
        Self {
            initial_silence: p.initial_silence_ms.map(frames),
            greeting: frames(p.greeting_ms),
            after_greeting_silence: frames(p.after_greeting_silence_ms),
            min_word: frames(p.min_word_length_ms),
            between_words: frames(p.between_words_silence_ms),
            max_word: frames(p.max_word_length_ms),
            word_count: Some(p.threshold_word_count).filter(|n| *n > 0),
            no_speech: frames(p.no_speech_timeout_ms),
            decision: frames(p.decision_timeout_ms),
            completion: frames(p.greeting_completion_timeout_ms),
        }
    }
}

/// Where the classifier is in the call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Listening,
    Greeting,
    AwaitingEnd,
    Finished,
}

/// One callee's answering-machine classifier: feed it the callee's audio
/// from answer on, get [`AmdEvent`]s back (sequence in the module doc).
///
/// Exists as a pure value so the dial runner can drive it from any audio
/// source and tests can drive it with synthetic signals.
///
/// ```
/// use dialbridge::amd::{Amd, AmdParams};
/// let mut amd = Amd::new(&AmdParams::default());
/// assert_eq!(amd.push(&[0; 160]), None);
/// ```
#[derive(Debug, Clone)]
pub struct Amd {
    limits: Limits,
    voice: VoiceDetector,
    phase: Phase,
    /// Frames analysed since answer.
    now: u32,
    /// First frame of the burst in progress (voice frames with gaps
    /// shorter than between-words silence), if any.
    burst_start: Option<u32>,
    /// Frame after the burst's last voice frame.
    burst_end: u32,
    /// The burst in progress is a word.
    in_word: bool,
    /// The burst in progress is too long to be a word (noise, music).
    in_noise: bool,
    /// Frame after the last voice frame that belonged to a word (or to a
    /// noise burst: the silence after a machine counts from its end).
    last_word_end: u32,
    /// Words in the greeting; first frame of the greeting.
    words: u32,
    greeting_start: u32,
    /// Some word (or noise, which starts as one) was ever heard: clears
    /// the no-speech timer, like jambonz's voice activity.
    heard_word: bool,
    /// An event decided but not yet returned.
    pending: Option<AmdEvent>,
}

impl Amd {
    /// A classifier for a call answered now (the first sample pushed is the
    /// moment of answer).
    pub fn new(params: &AmdParams) -> Self {
        Self {
            limits: Limits::new(params),
            voice: VoiceDetector::new(params.silence_threshold, params.adaptive_threshold),
            phase: Phase::Listening,
            now: 0,
            burst_start: None,
            burst_end: 0,
            in_word: false,
            in_noise: false,
            last_word_end: 0,
            words: 0,
            greeting_start: 0,
            heard_word: false,
            pending: None,
        }
    }

    /// Analyses `samples` (8 kHz mono, any length, chunking irrelevant) and
    /// returns the first event they complete, if any. A second event
    /// completed by the same samples is returned by the next call.
    pub fn push(&mut self, samples: &[i16]) -> Option<AmdEvent> {
        let mut first = self.pending.take();
        for &s in samples {
            if self.phase == Phase::Finished {
                break;
            }
            let Some(voiced) = self.voice.push(s) else {
                continue;
            };
            if let Some(event) = self.frame(voiced) {
                match first {
                    None => first = Some(event),
                    Some(_) => self.pending = Some(event),
                }
            }
        }
        first
    }

    /// True once nothing more can be reported: feeding can stop.
    pub fn is_finished(&self) -> bool {
        self.phase == Phase::Finished && self.pending.is_none()
    }

    /// Milliseconds of audio analysed (whole 10 ms frames).
    pub fn elapsed_ms(&self) -> u32 {
        self.now.saturating_mul(FRAME_MS)
    }

    /// One 10 ms frame.
    fn frame(&mut self, voiced: bool) -> Option<AmdEvent> {
        self.now = self.now.saturating_add(1);
        self.segment(voiced);
        let event = match self.phase {
            Phase::Listening | Phase::Greeting => self.decide(),
            Phase::AwaitingEnd => self.await_end(),
            Phase::Finished => None,
        };
        if let Some(e) = &event {
            self.phase = match e {
                AmdEvent::MachineDetected { .. } => Phase::AwaitingEnd,
                _ => Phase::Finished,
            };
        }
        event
    }

    /// Word segmentation: voice frames closer than between-words silence
    /// form one burst; a burst becomes a word once it spans the minimum
    /// word length, and noise once it spans more than the maximum.
    fn segment(&mut self, voiced: bool) {
        if voiced {
            if self.burst_start.is_none() {
                self.burst_start = Some(self.now.saturating_sub(1));
            }
            self.burst_end = self.now;
        } else if self.burst_start.is_some()
            && self.now - self.burst_end >= self.limits.between_words
        {
            self.burst_start = None;
            self.in_word = false;
            self.in_noise = false;
            return;
        }
        let Some(start) = self.burst_start else {
            return;
        };
        let length = self.burst_end - start;
        if self.in_noise {
            self.last_word_end = self.burst_end;
        } else if self.in_word {
            self.last_word_end = self.burst_end;
            if length > self.limits.max_word {
                // Too long for a word: noise or music. Forget the greeting.
                self.in_word = false;
                self.in_noise = true;
                self.words = 0;
                if self.phase == Phase::Greeting {
                    self.phase = Phase::Listening;
                }
            }
        } else if length >= self.limits.min_word {
            self.in_word = true;
            self.heard_word = true;
            self.last_word_end = self.burst_end;
            if self.phase == Phase::Listening {
                self.phase = Phase::Greeting;
                self.greeting_start = start;
            }
            self.words += 1;
        }
    }

    /// Before a machine decision: the human/machine/timeout rules.
    fn decide(&mut self) -> Option<AmdEvent> {
        let l = &self.limits;
        let at_ms = self.elapsed_ms();
        let greeting = self.last_word_end.saturating_sub(self.greeting_start);
        let greeting_ms = greeting.saturating_mul(FRAME_MS);
        let machine = |reason| AmdEvent::MachineDetected {
            reason,
            greeting_ms,
            words: self.words,
            at_ms,
        };
        if self.phase == Phase::Greeting {
            if l.word_count.is_some_and(|n| self.words >= n) {
                return Some(machine(MachineReason::TooManyWords));
            }
            // One long burst still going may yet prove to be noise.
            if greeting > l.greeting && (self.words >= 2 || !self.in_word) {
                return Some(machine(MachineReason::LongGreeting));
            }
            // A burst in progress (word or click?) holds the verdict.
            let quiet = self.burst_start.is_none();
            if quiet && self.now - self.last_word_end >= l.after_greeting_silence {
                return Some(AmdEvent::HumanDetected { greeting_ms, at_ms });
            }
        } else if !self.heard_word && l.initial_silence.is_some_and(|n| self.now >= n) {
            return Some(machine(MachineReason::InitialSilence));
        }
        if !self.heard_word && self.now >= l.no_speech {
            return Some(AmdEvent::NoSpeechDetected { at_ms });
        }
        if self.now >= l.decision {
            return Some(AmdEvent::DecisionTimeout { at_ms });
        }
        None
    }

    /// After a machine decision: wait for the silence after its last word
    /// (a burst in progress, word or click, holds it).
    fn await_end(&mut self) -> Option<AmdEvent> {
        let quiet = self.heard_word && self.burst_start.is_none();
        (quiet && self.now - self.last_word_end >= self.limits.completion).then_some(
            AmdEvent::MachineStoppedSpeaking {
                at_ms: self.elapsed_ms(),
            },
        )
    }
}

//! The answering-machine state machine over 10 ms frames (voice or
//! silence, tone or not).
//!
//! Phases: *listening* (no word yet: initial silence), *greeting* (words
//! heard, undecided), *confirming* (human decided: the reversal window, in
//! which a greeting that goes on or a tone turns the verdict into a
//! machine), *awaiting end* (machine decided: waiting for the silence after
//! its greeting), *finished*. Word segmentation runs in every phase: voice
//! frames separated by less than `between_words_silence_ms` form one burst;
//! a burst is a word once it spans `min_word_length_ms` (dated from its
//! first voice frame), and ends after that much silence. Shorter bursts are
//! clicks that neither start a word nor break a silence.

use std::collections::VecDeque;

use super::energy::{FRAME_MS, Frame, VoiceDetector};
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
    min_tone: Option<u32>,
    reversal: u32,
    continuation_gap: u32,
    human_deadline: Option<u32>,
}

/// While confirming a human: a pause this long ends a continuation of the
/// greeting (longer than a machine's pause between two sentences, shorter
/// than a person waiting for an answer).
const CONTINUATION_GAP_MS: u32 = 800;

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
            min_tone: Some(p.min_tone_ms).filter(|ms| *ms > 0).map(frames),
            reversal: p.reversal_window_ms.div_ceil(FRAME_MS),
            continuation_gap: frames(CONTINUATION_GAP_MS.max(p.after_greeting_silence_ms)),
            human_deadline: Some(p.human_deadline_ms).filter(|ms| *ms > 0).map(frames),
        }
    }
}

/// Where the classifier is in the call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Listening,
    Greeting,
    Confirming,
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
    /// Words in the greeting (or, while confirming, in its continuation).
    words: u32,
    /// First frame of the greeting; while confirming, of the continuation
    /// (None: none started yet).
    greeting_start: Option<u32>,
    /// Consecutive tone frames up to now.
    tone_run: u32,
    /// Some word (or noise, which starts as one) was ever heard: clears
    /// the no-speech timer, like jambonz's voice activity.
    heard_word: bool,
    /// Events decided but not yet returned (at most two: a push can span
    /// human, machine and stopped speaking).
    pending: VecDeque<AmdEvent>,
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
            greeting_start: None,
            tone_run: 0,
            heard_word: false,
            pending: VecDeque::new(),
        }
    }

    /// Analyses `samples` (8 kHz mono, any length, chunking irrelevant) and
    /// returns the first event not yet returned, if any. Further events
    /// completed by the same samples are returned by the next calls.
    pub fn push(&mut self, samples: &[i16]) -> Option<AmdEvent> {
        for &s in samples {
            if self.phase == Phase::Finished {
                break;
            }
            let Some(frame) = self.voice.push(s) else {
                continue;
            };
            if let Some(event) = self.frame(frame) {
                self.pending.push_back(event);
            }
        }
        self.pending.pop_front()
    }

    /// True once nothing more can be reported: feeding can stop.
    pub(crate) fn is_finished(&self) -> bool {
        self.phase == Phase::Finished && self.pending.is_empty()
    }

    /// Milliseconds of audio analysed (whole 10 ms frames).
    pub(crate) fn elapsed_ms(&self) -> u32 {
        self.now.saturating_mul(FRAME_MS)
    }

    /// One 10 ms frame.
    fn frame(&mut self, frame: Frame) -> Option<AmdEvent> {
        self.now = self.now.saturating_add(1);
        self.tone_run = if frame.tone { self.tone_run + 1 } else { 0 };
        if let Some(start) = self.segment(frame.voiced) {
            self.word_started(start);
        }
        let event = match self.phase {
            Phase::Listening | Phase::Greeting => self.decide(),
            Phase::Confirming => self.confirm(),
            Phase::AwaitingEnd => self.await_end(),
            Phase::Finished => None,
        };
        if let Some(e) = &event {
            self.phase = match e {
                AmdEvent::MachineDetected { .. } => Phase::AwaitingEnd,
                AmdEvent::HumanDetected { .. } if self.limits.reversal > 0 => {
                    self.words = 0;
                    self.greeting_start = None;
                    Phase::Confirming
                }
                _ => Phase::Finished,
            };
        }
        if self.phase == Phase::Confirming
            && self.greeting_start.is_none()
            && self.burst_start.is_none()
            && self.now - self.last_word_end >= self.limits.reversal
        {
            self.phase = Phase::Finished;
        }
        event
    }

    /// Word segmentation: voice frames closer than between-words silence
    /// form one burst; a burst becomes a word once it spans the minimum
    /// word length, and noise once it spans more than the maximum. Returns
    /// the first frame of a word that starts now.
    fn segment(&mut self, voiced: bool) -> Option<u32> {
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
            return None;
        }
        let start = self.burst_start?;
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
                if matches!(self.phase, Phase::Listening | Phase::Confirming) {
                    self.greeting_start = None;
                }
            }
        } else if length >= self.limits.min_word {
            self.in_word = true;
            self.heard_word = true;
            self.last_word_end = self.burst_end;
            self.words += 1;
            return Some(start);
        }
        None
    }

    /// A word started at `start`: it opens the greeting, or while
    /// confirming (within the window) its continuation.
    fn word_started(&mut self, start: u32) {
        match self.phase {
            Phase::Listening => {
                self.phase = Phase::Greeting;
                self.greeting_start = Some(start);
            }
            Phase::Confirming if self.greeting_start.is_none() => {
                self.greeting_start = Some(start);
            }
            _ => {}
        }
    }

    /// Length of the greeting (or continuation) so far, in frames.
    fn greeting(&self) -> u32 {
        self.greeting_start
            .map_or(0, |s| self.last_word_end.saturating_sub(s))
    }

    /// A machine verdict for `reason` now; `after_human` while confirming.
    fn machine(&self, reason: MachineReason) -> AmdEvent {
        AmdEvent::MachineDetected {
            reason,
            greeting_ms: self.greeting().saturating_mul(FRAME_MS),
            words: self.words,
            at_ms: self.elapsed_ms(),
            after_human: self.phase == Phase::Confirming,
        }
    }

    /// The rules a greeting (or its continuation) ends by: a tone, too many
    /// words, or too long are a machine.
    fn machine_rules(&self) -> Option<AmdEvent> {
        let l = &self.limits;
        if l.min_tone.is_some_and(|n| self.tone_run >= n) {
            return Some(self.machine(MachineReason::Tone));
        }
        self.greeting_start?;
        if l.word_count.is_some_and(|n| self.words >= n) {
            return Some(self.machine(MachineReason::TooManyWords));
        }
        // One long burst still going may yet prove to be noise.
        if self.greeting() > l.greeting && (self.words >= 2 || !self.in_word) {
            return Some(self.machine(MachineReason::LongGreeting));
        }
        None
    }

    /// The greeting (or continuation) ended: no burst in progress (word or
    /// click?) and after-greeting silence since its last word.
    fn greeting_ended(&self) -> bool {
        self.greeting_start.is_some()
            && self.burst_start.is_none()
            && self.now - self.last_word_end >= self.limits.after_greeting_silence
    }

    /// Before a verdict: the human/machine/timeout rules.
    fn decide(&mut self) -> Option<AmdEvent> {
        let l = &self.limits;
        if let Some(machine) = self.machine_rules() {
            return Some(machine);
        }
        let deadline = l.human_deadline.is_some_and(|d| self.now >= d);
        let quiet = self.burst_start.is_none();
        if self.phase == Phase::Greeting && (self.greeting_ended() || (deadline && quiet)) {
            return Some(AmdEvent::HumanDetected {
                greeting_ms: self.greeting().saturating_mul(FRAME_MS),
                at_ms: self.elapsed_ms(),
            });
        }
        if self.phase == Phase::Listening
            && !self.heard_word
            && l.initial_silence.is_some_and(|n| self.now >= n)
        {
            return Some(self.machine(MachineReason::InitialSilence));
        }
        if !self.heard_word && self.now >= l.no_speech {
            return Some(AmdEvent::NoSpeechDetected {
                at_ms: self.elapsed_ms(),
            });
        }
        if self.now >= l.decision {
            return Some(AmdEvent::DecisionTimeout {
                at_ms: self.elapsed_ms(),
            });
        }
        None
    }

    /// After a human verdict, within the reversal window: a tone, or a
    /// continuation that is itself a machine's greeting, reverses it; a
    /// continuation that ends short leaves it standing.
    fn confirm(&mut self) -> Option<AmdEvent> {
        if let Some(machine) = self.machine_rules() {
            return Some(machine);
        }
        let quiet = self.now - self.last_word_end >= self.limits.continuation_gap;
        if self.greeting_start.is_some() && self.burst_start.is_none() && quiet {
            self.greeting_start = None;
            self.words = 0;
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

//! What each 10 ms frame is: voice (louder than silence) and, if so, a
//! pure tone (a beep, a special-information tone) or not.
//!
//! The level measure is the classic one: the mean absolute amplitude of a
//! frame, compared with a silence threshold. Three additions make it hold
//! on real lines:
//!
//! - a DC blocker (one-pole high-pass, ~6 Hz) before the measure, so a
//!   constant offset from a bad codec or sound card is not "voice";
//! - an optional adaptive noise floor: the threshold rises above the fixed
//!   one when the line is noisy, to `FLOOR_RATIO` times the floor. The floor
//!   follows the quietest recent frames: it drops at once to a quieter frame
//!   and rises by at most `FLOOR_RISE_DB_PER_S`, so it settles on the
//!   pauses between words, not on the words. It never rises past
//!   `FLOOR_CAP_RATIO` times the fixed threshold: louder steady sound
//!   (music, a loud hum, a tone) stays "voice";
//! - hysteresis: once voice starts, it lasts while frames stay above half
//!   the fixed threshold and `HOLD_FLOOR_RATIO` times the floor, so the
//!   weak ends of syllables and quiet consonants do not cut a word into
//!   clicks.
//!
//! A frame is a **tone** when one sinusoid carries nearly all its energy at
//! a steady frequency between 400 Hz and 3.2 kHz: its frequency is
//! estimated by least squares on `y[n] + y[n-2] = 2cos(w) y[n-1]` (exact for
//! a sinusoid), and the next frame's energy at that frequency (Goertzel) is
//! compared with its whole energy. A voice is never that pure: its energy
//! is spread over harmonics, and a fundamental below 400 Hz is not counted
//! anyway (a hummed note is not a beep).

/// Samples per analysis frame (10 ms at 8 kHz).
pub(super) const FRAME_SAMPLES: u32 = 80;
/// Milliseconds per analysis frame.
pub(super) const FRAME_MS: u32 = 10;

/// Voice starts when a frame's energy exceeds this many times the noise
/// floor (and the fixed threshold).
const FLOOR_RATIO: f32 = 2.5;
/// Fastest rise of the noise floor, in dB per second.
const FLOOR_RISE_DB_PER_S: f32 = 10.0;
/// The noise floor never exceeds this many times the fixed threshold.
const FLOOR_CAP_RATIO: f32 = 4.0;
/// Voice goes on while a frame stays above this share of the fixed
/// threshold and this many times the noise floor.
const HOLD_RATIO: f32 = 0.5;
const HOLD_FLOOR_RATIO: f32 = 1.5;
/// DC blocker pole (cut-off ~6 Hz at 8 kHz).
const DC_POLE: f32 = 0.995;
/// Share of a frame's energy at one frequency that makes it a tone.
const TONE_PURITY: f32 = 0.8;
/// Largest change of `2cos(w)` between two frames of one tone.
const TONE_DRIFT: f32 = 0.02;
/// `2cos(w)` at the band's edges: 400 Hz and 3.2 kHz.
const TONE_COS_MAX: f32 = 1.902;
const TONE_COS_MIN: f32 = -1.618;

/// What one 10 ms frame is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Frame {
    /// Louder than silence.
    pub(super) voiced: bool,
    /// Voice that is a pure, steady tone (see the module doc).
    pub(super) tone: bool,
}

/// Turns samples into one [`Frame`] per 10 ms.
///
/// Exists to keep the signal processing (DC removal, framing, threshold
/// tracking, tone analysis) apart from the answering-machine state machine,
/// which only sees frames.
#[derive(Debug, Clone)]
pub(super) struct VoiceDetector {
    /// Previous input sample (DC blocker); None before the first sample.
    prev_in: Option<f32>,
    /// Previous output sample (DC blocker).
    prev_out: f32,
    /// The output sample before that.
    prev_out2: f32,
    /// Sum of absolute values in the current frame.
    sum_abs: f32,
    /// Samples in the current frame.
    count: u32,
    /// Fixed silence threshold (mean absolute amplitude).
    threshold: f32,
    /// Adaptive noise floor; None when adaptation is off or before the
    /// first frame.
    floor: Option<f32>,
    /// Whether the noise floor is tracked.
    adaptive: bool,
    /// Largest factor the floor rises by per frame.
    rise: f32,
    /// The previous frame was voice.
    voiced: bool,
    /// This frame's tone analysis.
    tone: ToneSums,
}

/// Running sums of one frame's tone analysis.
#[derive(Debug, Clone, Default)]
struct ToneSums {
    /// Sum of `(y[n] + y[n-2]) * y[n-1]`, and of `y[n-1]^2`.
    cross: f32,
    lagged: f32,
    /// Sum of `y[n]^2`.
    energy: f32,
    /// `2cos(w)` of the previous frame (the Goertzel coefficient of this one).
    coeff: Option<f32>,
    /// Goertzel state.
    s1: f32,
    s2: f32,
}

impl ToneSums {
    #[inline]
    fn push(&mut self, y: f32, y1: f32, y2: f32) {
        self.cross += (y + y2) * y1;
        self.lagged += y1 * y1;
        self.energy += y * y;
        let s = y + self.coeff.unwrap_or(0.0) * self.s1 - self.s2;
        self.s2 = self.s1;
        self.s1 = s;
    }

    /// Whether the frame just ended is a tone; starts the next frame.
    fn judge(&mut self) -> bool {
        let coeff = (self.lagged > 0.0).then(|| (self.cross / self.lagged).clamp(-2.0, 2.0));
        let tone = match (self.coeff, coeff) {
            (Some(prev), Some(now)) if self.energy > 0.0 => {
                let power = self.s1 * self.s1 + self.s2 * self.s2 - prev * self.s1 * self.s2;
                let purity = 2.0 * power / (FRAME_SAMPLES as f32 * self.energy);
                purity >= TONE_PURITY
                    && (now - prev).abs() <= TONE_DRIFT
                    && (TONE_COS_MIN..=TONE_COS_MAX).contains(&now)
            }
            _ => false,
        };
        *self = Self {
            coeff,
            ..Self::default()
        };
        tone
    }
}

impl VoiceDetector {
    /// A detector with the fixed `silence_threshold` (mean absolute
    /// amplitude of a 10 ms frame, 0..32767) and, if `adaptive`, a noise
    /// floor on top.
    pub(super) fn new(silence_threshold: u16, adaptive: bool) -> Self {
        Self {
            prev_in: None,
            prev_out: 0.0,
            prev_out2: 0.0,
            sum_abs: 0.0,
            count: 0,
            threshold: f32::from(silence_threshold.max(1)),
            floor: None,
            adaptive,
            rise: 10f32.powf(FLOOR_RISE_DB_PER_S * FRAME_MS as f32 / 1000.0 / 20.0),
            voiced: false,
            tone: ToneSums::default(),
        }
    }

    /// Feeds one sample; at the end of each frame returns what it was.
    #[inline]
    pub(super) fn push(&mut self, sample: i16) -> Option<Frame> {
        let x = f32::from(sample);
        let prev_in = self.prev_in.unwrap_or(x);
        let y = x - prev_in + DC_POLE * self.prev_out;
        self.tone.push(y, self.prev_out, self.prev_out2);
        self.prev_in = Some(x);
        self.prev_out2 = self.prev_out;
        self.prev_out = y;
        self.sum_abs += y.abs();
        self.count += 1;
        if self.count < FRAME_SAMPLES {
            return None;
        }
        let energy = self.sum_abs / FRAME_SAMPLES as f32;
        self.sum_abs = 0.0;
        self.count = 0;
        let tone = self.tone.judge();
        let voiced = self.judge(energy);
        Some(Frame {
            voiced,
            tone: voiced && tone,
        })
    }

    /// Whether a frame of `energy` is voice; then moves the noise floor.
    fn judge(&mut self, energy: f32) -> bool {
        if !self.adaptive {
            let hold = if self.voiced { HOLD_RATIO } else { 1.0 };
            self.voiced = energy > self.threshold * hold;
            return self.voiced;
        }
        let lowest = self.threshold / FLOOR_RATIO;
        let cap = self.threshold * FLOOR_CAP_RATIO;
        let floor = self.floor.unwrap_or(energy).clamp(lowest, cap);
        self.voiced = if self.voiced {
            energy > (self.threshold * HOLD_RATIO).max(floor * HOLD_FLOOR_RATIO)
        } else {
            energy > self.threshold.max(floor * FLOOR_RATIO)
        };
        let next = if energy < floor {
            energy
        } else {
            (floor * self.rise).min(energy)
        };
        self.floor = Some(next.clamp(lowest, cap));
        self.voiced
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Voice verdicts for `samples`, one per complete frame.
    fn frames(d: &mut VoiceDetector, samples: &[i16]) -> Vec<bool> {
        samples
            .iter()
            .filter_map(|s| d.push(*s))
            .map(|f| f.voiced)
            .collect()
    }

    #[test]
    fn one_verdict_per_80_samples_whatever_the_chunking() {
        let mut d = VoiceDetector::new(256, false);
        assert_eq!(frames(&mut d, &[0; 79]).len(), 0);
        assert_eq!(frames(&mut d, &[0; 1]).len(), 1);
        assert_eq!(frames(&mut d, &[0; 800]).len(), 10);
    }

    #[test]
    fn dc_offset_is_silence_and_clipping_is_voice() {
        let mut d = VoiceDetector::new(256, false);
        let v = frames(&mut d, &[12_000; 8000]);
        assert!(v.iter().all(|v| !v), "constant offset counted as voice");
        let square: Vec<i16> = (0..800)
            .map(|i| {
                if (i / 10) % 2 == 0 {
                    i16::MAX
                } else {
                    i16::MIN
                }
            })
            .collect();
        assert!(frames(&mut d, &square).iter().skip(1).all(|v| *v));
    }

    #[test]
    fn fixed_threshold_is_the_mean_absolute_amplitude() {
        let mut d = VoiceDetector::new(256, false);
        let alternating = |a: i16| (0..160).map(move |i| if i % 2 == 0 { a } else { -a });
        // High-pass gain at 4 kHz is ~1: +-240 stays below, +-280 above.
        let quiet: Vec<i16> = alternating(240).collect();
        let loud: Vec<i16> = alternating(280).collect();
        assert!(frames(&mut d, &quiet).iter().all(|v| !v));
        assert!(frames(&mut d, &loud).iter().all(|v| *v));
    }

    #[test]
    fn voice_goes_on_through_a_weaker_stretch_but_does_not_start_in_one() {
        let alternating = |a: i16| (0..800).map(move |i| if i % 2 == 0 { a } else { -a });
        // +-200 is under the threshold (256) but over half of it.
        let weak: Vec<i16> = alternating(200).collect();
        let mut d = VoiceDetector::new(256, false);
        assert!(frames(&mut d, &weak).iter().all(|v| !v));
        let mut word: Vec<i16> = alternating(400).collect();
        word.extend(&weak);
        let mut d = VoiceDetector::new(256, false);
        assert!(frames(&mut d, &word).iter().all(|v| *v));
    }

    /// `seconds` of the sum of sinusoids `(hz, amplitude)`.
    fn sines(parts: &[(f32, f32)], ms: usize) -> Vec<i16> {
        (0..ms * 8)
            .map(|i| {
                let t = i as f32 / 8000.0;
                parts
                    .iter()
                    .map(|(hz, a)| a * (t * hz * std::f32::consts::TAU).sin())
                    .sum::<f32>() as i16
            })
            .collect()
    }

    /// Tone verdicts for `samples`, one per frame.
    fn tones(samples: &[i16]) -> Vec<bool> {
        let mut d = VoiceDetector::new(128, true);
        samples
            .iter()
            .filter_map(|s| d.push(*s))
            .map(|f| f.tone)
            .collect()
    }

    #[test]
    fn a_pure_tone_is_a_tone_from_its_second_frame_even_under_noise() {
        for hz in [440.0, 1000.0, 1776.7, 3000.0] {
            let t = tones(&sines(&[(hz, 6000.0)], 400));
            assert!(!t[0] && t[1..].iter().all(|t| *t), "{hz} Hz: {t:?}");
        }
        // -20 dBFS with uniform noise 26 dB under it.
        let mut s = sines(&[(1000.0, 3300.0)], 400);
        let mut r = 5u32;
        for x in &mut s {
            r = r.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            *x = x.saturating_add(((r >> 16) % 301) as i16 - 150);
        }
        let t = tones(&s);
        assert!(t[1..].iter().all(|t| *t), "{t:?}");
    }

    #[test]
    fn voices_and_other_sounds_are_not_tones() {
        // A vowel: 150 Hz and its harmonics up to 3 kHz, falling with
        // frequency, the third one strongest (a formant).
        let vowel: Vec<(f32, f32)> = (1..=20)
            .map(|k| {
                let amp = if k == 3 { 4000.0 } else { 3000.0 / k as f32 };
                (150.0 * k as f32, amp)
            })
            .collect();
        let mut noise = vec![0i16; 3200];
        let mut r = 9u32;
        for x in &mut noise {
            r = r.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            *x = ((r >> 16) % 8001) as i16 - 4000;
        }
        for (name, s) in [
            ("vowel", sines(&vowel, 400)),
            (
                "the tests' words",
                sines(&[(180.0, 5000.0), (540.0, 2500.0)], 400),
            ),
            ("300 Hz, a voice's range", sines(&[(300.0, 6000.0)], 400)),
            ("DTMF 1", sines(&[(697.0, 4000.0), (1209.0, 4000.0)], 400)),
            ("noise", noise),
            ("silence", vec![0; 3200]),
        ] {
            assert!(tones(&s).iter().all(|t| !t), "{name}");
        }
    }

    #[test]
    fn adaptive_floor_learns_steady_noise_but_not_loud_sound() {
        let noise = |amp: i16, n: usize| -> Vec<i16> {
            let mut s = 1u32;
            (0..n)
                .map(|_| {
                    s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                    ((s >> 16) as i32 % (2 * amp as i32 + 1) - amp as i32) as i16
                })
                .collect()
        };
        // Noise at mean |x| ~500 (above the fixed 256): silence after ~0.1 s.
        let mut d = VoiceDetector::new(256, true);
        let v = frames(&mut d, &noise(1000, 16_000));
        assert!(v.iter().skip(10).all(|v| !v), "moderate noise stays voice");
        // Without adaptation the same noise is voice.
        let mut fixed = VoiceDetector::new(256, false);
        assert!(frames(&mut fixed, &noise(1000, 8000)).iter().all(|v| *v));
        // Loud noise (mean |x| ~8000) stays voice: the floor is capped.
        let mut d = VoiceDetector::new(256, true);
        assert!(frames(&mut d, &noise(16_000, 80_000)).iter().all(|v| *v));
    }
}

//! Voice activity per 10 ms frame: is this frame louder than silence?
//!
//! The measure is the classic one: the mean absolute amplitude of a frame,
//! compared with a silence threshold. Two additions make it hold on real
//! lines:
//!
//! - a DC blocker (one-pole high-pass, ~6 Hz) before the measure, so a
//!   constant offset from a bad codec or sound card is not "voice";
//! - an optional adaptive noise floor: the threshold rises above the fixed
//!   one when the line is noisy, to `FLOOR_RATIO` times the floor. The floor
//!   follows the quietest recent frames: it drops at once to a quieter frame
//!   and rises by at most `FLOOR_RISE_DB_PER_S`, so it settles on the
//!   pauses between words, not on the words. It never rises past
//!   `FLOOR_CAP_RATIO` times the fixed threshold: louder steady sound
//!   (music, a loud hum, a tone) stays "voice".

/// Samples per analysis frame (10 ms at 8 kHz).
pub(super) const FRAME_SAMPLES: u32 = 80;
/// Milliseconds per analysis frame.
pub(super) const FRAME_MS: u32 = 10;

/// A frame is voice when its energy exceeds this many times the noise floor.
const FLOOR_RATIO: f32 = 3.0;
/// Fastest rise of the noise floor, in dB per second.
const FLOOR_RISE_DB_PER_S: f32 = 10.0;
/// The noise floor never exceeds this many times the fixed threshold.
const FLOOR_CAP_RATIO: f32 = 4.0;
/// DC blocker pole (cut-off ~6 Hz at 8 kHz).
const DC_POLE: f32 = 0.995;

/// Turns samples into one voiced/silent verdict per 10 ms frame.
///
/// Exists to keep the signal processing (DC removal, framing, threshold
/// tracking) apart from the answering-machine state machine, which only
/// sees frames.
#[derive(Debug, Clone)]
pub(super) struct VoiceDetector {
    /// Previous input sample (DC blocker); None before the first sample.
    prev_in: Option<f32>,
    /// Previous output sample (DC blocker).
    prev_out: f32,
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
}

impl VoiceDetector {
    /// A detector with the fixed `silence_threshold` (mean absolute
    /// amplitude of a 10 ms frame, 0..32767) and, if `adaptive`, a noise
    /// floor on top.
    pub(super) fn new(silence_threshold: u16, adaptive: bool) -> Self {
        Self {
            prev_in: None,
            prev_out: 0.0,
            sum_abs: 0.0,
            count: 0,
            threshold: f32::from(silence_threshold.max(1)),
            floor: None,
            adaptive,
            rise: 10f32.powf(FLOOR_RISE_DB_PER_S * FRAME_MS as f32 / 1000.0 / 20.0),
        }
    }

    /// Feeds one sample; at the end of each frame returns whether the frame
    /// was voice.
    #[inline]
    pub(super) fn push(&mut self, sample: i16) -> Option<bool> {
        let x = f32::from(sample);
        let prev_in = self.prev_in.unwrap_or(x);
        let y = x - prev_in + DC_POLE * self.prev_out;
        self.prev_in = Some(x);
        self.prev_out = y;
        self.sum_abs += y.abs();
        self.count += 1;
        if self.count < FRAME_SAMPLES {
            return None;
        }
        let energy = self.sum_abs / FRAME_SAMPLES as f32;
        self.sum_abs = 0.0;
        self.count = 0;
        Some(self.judge(energy))
    }

    /// Whether a frame of `energy` is voice; then moves the noise floor.
    fn judge(&mut self, energy: f32) -> bool {
        if !self.adaptive {
            return energy > self.threshold;
        }
        let lowest = self.threshold / FLOOR_RATIO;
        let cap = self.threshold * FLOOR_CAP_RATIO;
        let floor = self.floor.unwrap_or(energy).clamp(lowest, cap);
        let voiced = energy > self.threshold.max(floor * FLOOR_RATIO);
        let next = if energy < floor {
            energy
        } else {
            (floor * self.rise).min(energy)
        };
        self.floor = Some(next.clamp(lowest, cap));
        voiced
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Verdicts for `samples`, one per complete frame.
    fn frames(d: &mut VoiceDetector, samples: &[i16]) -> Vec<bool> {
        samples.iter().filter_map(|s| d.push(*s)).collect()
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

//! Every classifier outcome on synthetic signals: "words" are 10 ms-ramped
//! tone bursts, silence is zeros (or noise where said). The signal builder
//! and the runners are here; the tests are split by concern: `decisions`
//! (each verdict, its timing and its jambonz name), `second_stage` (the
//! tone rule, the human deadline and the reversal of a human verdict) and
//! `robustness` (noise, chunking, the end of classification, degenerate
//! parameters).

use super::*;

mod decisions;
mod robustness;
mod second_stage;

/// 8 kHz samples built piece by piece.
#[derive(Default)]
struct Signal(Vec<i16>);

impl Signal {
    fn silence(mut self, ms: u32) -> Self {
        self.0.extend(std::iter::repeat_n(0, n(ms)));
        self
    }

    /// A voiced burst: two harmonics at `amp`, ramped in and out.
    fn word_at(mut self, ms: u32, amp: f32) -> Self {
        let len = n(ms);
        for i in 0..len {
            let t = i as f32 / SAMPLE_RATE as f32;
            let ramp = (i.min(len - i) as f32 / 80.0).min(1.0);
            let v = (t * 180.0 * std::f32::consts::TAU).sin()
                + 0.5 * (t * 540.0 * std::f32::consts::TAU).sin();
            self.0
                .push((amp * ramp * v / 1.5).clamp(-32768.0, 32767.0) as i16);
        }
        self
    }

    /// A pure tone (a beep) at `amp`, ramped in and out.
    fn tone(mut self, hz: f32, ms: u32, amp: f32) -> Self {
        let len = n(ms);
        for i in 0..len {
            let t = i as f32 / SAMPLE_RATE as f32;
            let ramp = (i.min(len - i) as f32 / 40.0).min(1.0);
            self.0
                .push((amp * ramp * (t * hz * std::f32::consts::TAU).sin()) as i16);
        }
        self
    }

    fn word(self, ms: u32) -> Self {
        self.word_at(ms, 8000.0)
    }

    /// `count` words of `ms` separated by `gap_ms` of silence.
    fn words(mut self, count: u32, ms: u32, gap_ms: u32) -> Self {
        for i in 0..count {
            if i > 0 {
                self = self.silence(gap_ms);
            }
            self = self.word(ms);
        }
        self
    }

    /// Adds uniform noise of peak `amp` (deterministic) over everything.
    fn with_noise(mut self, amp: i32) -> Self {
        let mut s = 7u32;
        for x in &mut self.0 {
            s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let r = (s >> 8) as i32 % (2 * amp + 1) - amp;
            *x = (i32::from(*x) + r).clamp(-32768, 32767) as i16;
        }
        self
    }

    fn offset(mut self, dc: i32) -> Self {
        for x in &mut self.0 {
            *x = (i32::from(*x) + dc).clamp(-32768, 32767) as i16;
        }
        self
    }
}

fn n(ms: u32) -> usize {
    (ms * SAMPLE_RATE / 1000) as usize
}

/// Every event for `samples` fed in `chunk`-sample pushes, each drained.
fn run(params: &AmdParams, samples: &[i16], chunk: usize) -> Vec<AmdEvent> {
    let mut amd = Amd::new(params);
    let mut events = Vec::new();
    for c in samples.chunks(chunk) {
        events.extend(amd.push(c));
        while let Some(e) = amd.push(&[]) {
            events.push(e);
        }
    }
    assert_eq!(amd.push(&[]), None);
    events
}

fn classify(samples: &[i16]) -> Vec<AmdEvent> {
    run(&AmdParams::default(), samples, 160)
}

fn near(actual: u32, expected: u32) -> bool {
    actual.abs_diff(expected) <= 20
}

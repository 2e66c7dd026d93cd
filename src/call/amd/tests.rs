//! Every classifier outcome on synthetic signals: "words" are 10 ms-ramped
//! tone bursts, silence is zeros (or noise where said).

use super::*;

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

/// Every event for `samples` fed in `chunk`-sample pushes, then drained.
fn run(params: &AmdParams, samples: &[i16], chunk: usize) -> Vec<AmdEvent> {
    let mut amd = Amd::new(params);
    let mut events: Vec<AmdEvent> = samples.chunks(chunk).filter_map(|c| amd.push(c)).collect();
    events.extend(amd.push(&[]));
    assert_eq!(amd.push(&[]), None);
    events
}

fn classify(samples: &[i16]) -> Vec<AmdEvent> {
    run(&AmdParams::default(), samples, 160)
}

fn near(actual: u32, expected: u32) -> bool {
    actual.abs_diff(expected) <= 20
}

#[test]
fn hello_then_silence_is_a_human() {
    let s = Signal::default().silence(600).word(450).silence(3000);
    let events = classify(&s.0);
    let [AmdEvent::HumanDetected { greeting_ms, at_ms }] = events[..] else {
        panic!("{events:?}");
    };
    assert!(near(greeting_ms, 450), "{greeting_ms}");
    let silence = AmdParams::default().after_greeting_silence_ms;
    assert!(near(at_ms, 600 + 450 + silence), "{at_ms}");
}

#[test]
fn two_words_with_a_pause_are_still_a_human() {
    // "Yes, ... speaking."
    let s = Signal::default()
        .silence(400)
        .word(300)
        .silence(350)
        .word(500)
        .silence(2000);
    let events = classify(&s.0);
    assert!(
        matches!(events[..], [AmdEvent::HumanDetected { greeting_ms, .. }] if near(greeting_ms, 1150)),
        "{events:?}"
    );
}

#[test]
fn speech_resuming_just_before_the_silence_limit_is_not_a_human() {
    // A pause 40 ms short of the after-greeting silence, then more words:
    // the burst that ends the pause must not be cut off by the human verdict.
    let pause = AmdParams::default().after_greeting_silence_ms - 40;
    let s = Signal::default()
        .silence(300)
        .word(500)
        .silence(pause)
        .words(3, 400, 200)
        .silence(3000);
    let events = classify(&s.0);
    assert!(
        matches!(
            events[..],
            [
                AmdEvent::MachineDetected {
                    reason: MachineReason::LongGreeting,
                    ..
                },
                _
            ]
        ),
        "{events:?}"
    );
}

#[test]
fn long_greeting_is_a_machine_then_it_stops_speaking() {
    // 6 words of 400 ms, 200 ms apart: 3.4 s of greeting, then silence.
    let s = Signal::default()
        .silence(300)
        .words(6, 400, 200)
        .silence(5000);
    let events = classify(&s.0);
    let [
        AmdEvent::MachineDetected {
            reason: MachineReason::LongGreeting,
            greeting_ms,
            words: 3,
            at_ms,
        },
        AmdEvent::MachineStoppedSpeaking { at_ms: stopped },
    ] = events[..]
    else {
        panic!("{events:?}");
    };
    // Decided 1.5 s into the greeting, during the third word.
    assert!(near(at_ms, 300 + 1500), "{at_ms}");
    assert!(greeting_ms > 1500, "{greeting_ms}");
    assert!(near(stopped, 300 + 3400 + 2000), "{stopped}");
}

#[test]
fn a_beep_after_the_greeting_delays_stopped_speaking() {
    let s = Signal::default()
        .silence(300)
        .words(6, 400, 200)
        .silence(600)
        .word(500)
        .silence(3000);
    let events = classify(&s.0);
    assert!(
        matches!(events[..], [AmdEvent::MachineDetected { .. }, AmdEvent::MachineStoppedSpeaking { at_ms }]
            if near(at_ms, 300 + 3400 + 600 + 500 + 2000)),
        "{events:?}"
    );
}

#[test]
fn many_words_are_a_machine() {
    let verb = crate::app::amd::Amd {
        action_hook: crate::app::Hook::post("/amd"),
        disconnect_on_amd: false,
        threshold_word_count: Some(4),
        timers: Default::default(),
    };
    let params = AmdParams::default().with_verb(&verb);
    // Four quick 150 ms words, 100 ms apart: 0.9 s, too short to be long.
    let s = Signal::default()
        .silence(300)
        .words(4, 150, 100)
        .silence(3000);
    let events = run(&params, &s.0, 160);
    assert!(
        matches!(
            events[..],
            [
                AmdEvent::MachineDetected {
                    reason: MachineReason::TooManyWords,
                    words: 4,
                    ..
                },
                AmdEvent::MachineStoppedSpeaking { .. }
            ]
        ),
        "{events:?}"
    );
    // With the default (9) the same audio is a human.
    assert!(matches!(
        classify(&s.0)[..],
        [AmdEvent::HumanDetected { .. }]
    ));
}

#[test]
fn word_counter_ignores_clicks_and_short_gaps() {
    let params = AmdParams {
        greeting_ms: 60_000,
        threshold_word_count: 0,
        after_greeting_silence_ms: 1000,
        ..AmdParams::default()
    };
    let count = |s: Signal| -> Vec<AmdEvent> { run(&params, &s.0, 37) };
    // 30 ms gaps do not split a word; 60 ms clicks are no word.
    let s = Signal::default()
        .silence(300)
        .words(3, 200, 30)
        .silence(300)
        .word(60)
        .silence(300)
        .words(2, 200, 80)
        .silence(1200);
    let events = count(s);
    // The greeting spans the first word's start to the last word's end.
    assert!(
        matches!(events[..], [AmdEvent::HumanDetected { greeting_ms, .. }] if near(greeting_ms, 660 + 660 + 480)),
        "{events:?}"
    );
    // Counted: 1 (three bursts joined) + 2 = 3 words, seen through the
    // too-many-words rule set to exactly 3 and 4.
    let with = |max| AmdParams {
        threshold_word_count: max,
        ..params.clone()
    };
    let s = Signal::default()
        .silence(300)
        .words(3, 200, 30)
        .silence(300)
        .word(60)
        .silence(300)
        .words(2, 200, 80)
        .silence(1200);
    assert!(matches!(
        run(&with(3), &s.0, 160)[..],
        [AmdEvent::MachineDetected { words: 3, .. }, ..]
    ));
    assert!(matches!(
        run(&with(4), &s.0, 160)[..],
        [AmdEvent::HumanDetected { .. }]
    ));
}

#[test]
fn silence_is_no_speech_at_the_timeout() {
    let s = Signal::default().silence(4000);
    assert!(classify(&s.0).is_empty());
    // Clicks are not speech either.
    let mut s = Signal::default();
    for _ in 0..30 {
        s = s.silence(200).word(40);
    }
    let events = classify(&s.0);
    assert_eq!(events, [AmdEvent::NoSpeechDetected { at_ms: 5000 }]);
}

#[test]
fn initial_silence_is_a_machine_when_enabled() {
    let params = AmdParams {
        initial_silence_ms: Some(2500),
        ..AmdParams::default()
    };
    let s = Signal::default()
        .silence(3000)
        .words(3, 300, 200)
        .silence(2500);
    let events = run(&params, &s.0, 160);
    assert!(
        matches!(
            events[..],
            [AmdEvent::MachineDetected { reason: MachineReason::InitialSilence, words: 0, at_ms: 2500, .. },
             AmdEvent::MachineStoppedSpeaking { at_ms }] if near(at_ms, 3000 + 1300 + 2000)
        ),
        "{events:?}"
    );
}

#[test]
fn continuous_loud_noise_is_a_decision_timeout() {
    let s = Signal::default().silence(16_000).with_noise(20_000);
    assert_eq!(
        classify(&s.0),
        [AmdEvent::DecisionTimeout { at_ms: 15_000 }]
    );
}

#[test]
fn speech_after_noise_is_judged_afresh() {
    // 6 s of loud noise (not a word), then "Hello?" and silence.
    let noise = Signal::default().silence(6000).with_noise(20_000);
    let mut s = noise.0;
    s.extend(Signal::default().silence(300).word(400).silence(2000).0);
    let events = classify(&s);
    assert!(
        matches!(events[..], [AmdEvent::HumanDetected { greeting_ms, .. }] if near(greeting_ms, 400)),
        "{events:?}"
    );
}

#[test]
fn moderate_noise_dc_offset_and_clipping_do_not_change_the_verdict() {
    let human = || Signal::default().silence(500).word(450).silence(2000);
    let machine = || {
        Signal::default()
            .silence(300)
            .words(6, 400, 200)
            .silence(3000)
    };
    for (name, h, m) in [
        ("noise", human().with_noise(900), machine().with_noise(900)),
        ("dc", human().offset(9000), machine().offset(-9000)),
        (
            "clipped",
            Signal::default()
                .silence(500)
                .word_at(450, 90_000.0)
                .silence(2000),
            Signal::default()
                .silence(300)
                .word_at(2000, 90_000.0)
                .silence(3000),
        ),
    ] {
        let h = classify(&h.0);
        assert!(
            matches!(h[..], [AmdEvent::HumanDetected { .. }]),
            "{name}: {h:?}"
        );
        let m = classify(&m.0);
        assert!(
            matches!(
                m[..],
                [
                    AmdEvent::MachineDetected { .. },
                    AmdEvent::MachineStoppedSpeaking { .. }
                ]
            ),
            "{name}: {m:?}"
        );
    }
}

#[test]
fn chunking_does_not_matter_and_two_events_in_one_push_both_arrive() {
    let s = Signal::default()
        .silence(300)
        .words(6, 400, 200)
        .silence(5000);
    let expected = classify(&s.0);
    assert_eq!(expected.len(), 2);
    for chunk in [1, 7, 80, 333, 4000, s.0.len()] {
        assert_eq!(
            run(&AmdParams::default(), &s.0, chunk),
            expected,
            "chunk {chunk}"
        );
    }
    // One push of everything: the first event, then the second on an empty push.
    let mut amd = Amd::new(&AmdParams::default());
    assert_eq!(amd.push(&s.0), Some(expected[0]));
    assert!(!amd.is_finished());
    assert_eq!(amd.push(&[]), Some(expected[1]));
    assert!(amd.is_finished());
}

#[test]
fn nothing_is_reported_after_a_final_event() {
    let mut amd = Amd::new(&AmdParams::default());
    let s = Signal::default().silence(500).word(400).silence(1000);
    assert!(matches!(
        amd.push(&s.0),
        Some(AmdEvent::HumanDetected { .. })
    ));
    assert!(amd.is_finished());
    let more = Signal::default().words(20, 400, 100).silence(20_000);
    assert_eq!(amd.push(&more.0), None);
    assert_eq!(amd.push(&[]), None);
}

#[test]
fn degenerate_parameters_do_not_panic() {
    let zero = AmdParams {
        silence_threshold: 0,
        initial_silence_ms: Some(0),
        greeting_ms: 0,
        after_greeting_silence_ms: 0,
        min_word_length_ms: 0,
        between_words_silence_ms: 0,
        max_word_length_ms: 0,
        threshold_word_count: 0,
        no_speech_timeout_ms: 0,
        decision_timeout_ms: 0,
        greeting_completion_timeout_ms: 0,
        tone_timeout_ms: 0,
        adaptive_threshold: true,
    };
    let s = Signal::default()
        .silence(100)
        .words(3, 200, 100)
        .silence(500);
    assert!(!run(&zero, &s.0, 160).is_empty());
    let max = AmdParams {
        greeting_ms: u32::MAX,
        after_greeting_silence_ms: u32::MAX,
        no_speech_timeout_ms: u32::MAX,
        decision_timeout_ms: u32::MAX,
        ..zero
    };
    assert!(run(&max, &s.0, 160).len() <= 2);
}

#[test]
fn event_vocabulary_is_jambonz() {
    let e = AmdEvent::MachineDetected {
        reason: MachineReason::LongGreeting,
        greeting_ms: 2000,
        words: 4,
        at_ms: 2100,
    };
    assert_eq!(
        (e.jambonz_type(), e.at_ms()),
        ("amd_machine_detected", 2100)
    );
    assert_eq!(MachineReason::LongGreeting.as_str(), "long greeting");
    assert_eq!(
        AmdEvent::NoSpeechDetected { at_ms: 1 }.jambonz_type(),
        "amd_no_speech_detected"
    );
}

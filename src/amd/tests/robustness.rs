//! What must not change the classifier's verdict or break it: noise, DC
//! offset and clipping, how the audio is chunked, audio after a final event,
//! and degenerate parameters.

use super::*;

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
fn chunking_does_not_matter_and_every_event_of_one_push_arrives() {
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
    // A reversed human: three events, from one push.
    let s = Signal::default()
        .silence(300)
        .word(600)
        .silence(700)
        .words(6, 400, 150)
        .silence(4000);
    let expected = classify(&s.0);
    assert_eq!(expected.len(), 3, "{expected:?}");
    for chunk in [1, 333, s.0.len()] {
        assert_eq!(run(&AmdParams::default(), &s.0, chunk), expected);
    }
    let mut amd = Amd::new(&AmdParams::default());
    assert_eq!(amd.push(&s.0), Some(expected[0]));
    assert_eq!(amd.push(&[]), Some(expected[1]));
    assert!(!amd.is_finished());
    assert_eq!(amd.push(&[]), Some(expected[2]));
    assert!(amd.is_finished());
}

#[test]
fn nothing_is_reported_after_a_final_event() {
    // A human verdict is final once the reversal window has closed: the
    // callee silent for `reversal_window_ms` after its last word.
    let window = AmdParams::default().reversal_window_ms;
    let mut amd = Amd::new(&AmdParams::default());
    let s = Signal::default().silence(500).word(400).silence(1000);
    assert!(matches!(
        amd.push(&s.0),
        Some(AmdEvent::HumanDetected { .. })
    ));
    assert!(!amd.is_finished(), "the reversal window is open");
    assert_eq!(amd.push(&Signal::default().silence(window - 1000).0), None);
    assert!(amd.is_finished());
    let more = Signal::default()
        .words(20, 400, 100)
        .tone(1000.0, 500, 6000.0)
        .silence(20_000);
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
        min_tone_ms: 0,
        human_deadline_ms: 0,
        reversal_window_ms: 0,
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

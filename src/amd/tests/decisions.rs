//! The classifier's verdicts: human, machine (long greeting, too many
//! words, initial silence), machine stopped speaking, no speech and the
//! decision timeout, each at its moment; and their jambonz names.

use super::*;

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
            after_human: false,
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
fn event_vocabulary_is_jambonz() {
    let e = AmdEvent::MachineDetected {
        reason: MachineReason::LongGreeting,
        greeting_ms: 2000,
        words: 4,
        at_ms: 2100,
        after_human: false,
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

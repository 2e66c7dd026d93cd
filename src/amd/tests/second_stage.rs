//! What the first seconds offer beyond the greeting's length: a tone is a
//! machine; a short greeting still undecided at the human deadline is a
//! human; and within the reversal window a human verdict is taken back
//! when the greeting goes on or a beep follows — but not when a person
//! says "Hello?" again.

use super::*;

/// A human verdict, then the reversal to a machine for `reason`, then the
/// machine stopped speaking.
fn reversed(events: &[AmdEvent], reason: MachineReason) -> bool {
    matches!(
        events,
        [
            AmdEvent::HumanDetected { .. },
            AmdEvent::MachineDetected { reason: r, after_human: true, .. },
            AmdEvent::MachineStoppedSpeaking { .. },
        ] if *r == reason
    )
}

#[test]
fn a_beep_alone_is_a_machine_at_once() {
    let s = Signal::default()
        .silence(600)
        .tone(1000.0, 500, 6000.0)
        .silence(3000);
    let events = classify(&s.0);
    let [
        AmdEvent::MachineDetected {
            reason: MachineReason::Tone,
            after_human: false,
            at_ms,
            ..
        },
        AmdEvent::MachineStoppedSpeaking { at_ms: stopped },
    ] = events[..]
    else {
        panic!("{events:?}");
    };
    // 120 ms of tone (its first frame only sets the frequency).
    assert!(near(at_ms, 600 + 140), "{at_ms}");
    assert!(near(stopped, 600 + 500 + 2000), "{stopped}");
    assert_eq!(MachineReason::Tone.as_str(), "tone");
}

#[test]
fn a_beep_shorter_than_min_tone_or_below_400_hz_decides_nothing_by_itself() {
    // 80 ms at 1 kHz, and 500 ms at 300 Hz (a voice's range): words.
    for s in [
        Signal::default().silence(600).tone(1000.0, 80, 6000.0),
        Signal::default().silence(600).tone(300.0, 500, 6000.0),
    ] {
        let events = classify(&s.silence(3000).0);
        assert!(
            matches!(events[..], [] | [AmdEvent::HumanDetected { .. }]),
            "{events:?}"
        );
    }
    // Off: a 500 ms beep is one short word, so a human.
    let off = AmdParams {
        min_tone_ms: 0,
        ..AmdParams::default()
    };
    let s = Signal::default()
        .silence(600)
        .tone(1000.0, 500, 6000.0)
        .silence(3000);
    assert!(matches!(
        run(&off, &s.0, 160)[..],
        [AmdEvent::HumanDetected { .. }]
    ));
}

#[test]
fn a_greeting_that_goes_on_after_a_pause_reverses_the_human_verdict() {
    // "Hi, this is Dave. [700 ms] I can't take your call right now..."
    let s = Signal::default()
        .silence(300)
        .word(600)
        .silence(700)
        .words(6, 400, 150)
        .silence(4000);
    let events = classify(&s.0);
    assert!(reversed(&events, MachineReason::LongGreeting), "{events:?}");
    let (human, machine) = (events[0].at_ms(), events[1].at_ms());
    assert!(near(human, 300 + 600 + 500), "{human}");
    // The continuation (words from 1600 ms, 550 ms apart) spans more than
    // 1.5 s once its fourth word (from 3250 ms) counts as one, 100 ms in.
    assert!(near(machine, 3250 + 100), "{machine}");
    assert_eq!(events[1].jambonz_type(), "amd_machine_detected");
}

#[test]
fn a_beep_after_a_short_greeting_reverses_the_human_verdict() {
    // "Leave a message." [800 ms] beep.
    let s = Signal::default()
        .silence(300)
        .word(700)
        .silence(800)
        .tone(850.0, 400, 4000.0)
        .silence(3000);
    let events = classify(&s.0);
    assert!(reversed(&events, MachineReason::Tone), "{events:?}");
    assert!(near(events[1].at_ms(), 1800 + 140), "{events:?}");
}

#[test]
fn a_person_saying_hello_again_stays_a_human() {
    // "Hello?" [1.2 s] "Hello?" [1 s] "Who is this?", then waiting.
    let s = Signal::default()
        .silence(400)
        .word(400)
        .silence(1200)
        .word(400)
        .silence(1000)
        .words(3, 250, 100)
        .silence(5000);
    let mut amd = Amd::new(&AmdParams::default());
    let events: Vec<AmdEvent> = s.0.chunks(160).filter_map(|c| amd.push(c)).collect();
    assert!(
        matches!(events[..], [AmdEvent::HumanDetected { .. }]),
        "{events:?}"
    );
    assert!(amd.is_finished(), "the window closed in the silence");
}

#[test]
fn the_window_closes_after_its_silence_and_a_later_beep_is_not_a_reversal() {
    let window = AmdParams::default().reversal_window_ms;
    let s = Signal::default()
        .silence(400)
        .word(400)
        .silence(window + 600)
        .tone(1000.0, 500, 6000.0)
        .silence(3000);
    assert!(matches!(
        classify(&s.0)[..],
        [AmdEvent::HumanDetected { .. }]
    ));
}

#[test]
fn without_a_reversal_window_a_human_verdict_is_final() {
    let params = AmdParams {
        reversal_window_ms: 0,
        ..AmdParams::default()
    };
    let s = Signal::default()
        .silence(300)
        .word(600)
        .silence(700)
        .words(6, 400, 150)
        .tone(1000.0, 500, 6000.0)
        .silence(4000);
    let mut amd = Amd::new(&params);
    assert!(matches!(
        amd.push(&s.0),
        Some(AmdEvent::HumanDetected { .. })
    ));
    assert!(amd.is_finished());
    assert_eq!(amd.push(&[]), None);
}

#[test]
fn a_short_greeting_ending_late_is_a_human_at_the_deadline() {
    // Answered after 1 s of silence; 1.2 s of greeting ending at 2.2 s:
    // 500 ms of silence would decide it at 2.7 s, the deadline does at 2.4.
    let s = Signal::default()
        .silence(1000)
        .words(3, 300, 150)
        .silence(4000);
    let events = classify(&s.0);
    assert!(
        matches!(events[..], [AmdEvent::HumanDetected { at_ms, greeting_ms }]
            if near(at_ms, AmdParams::default().human_deadline_ms) && near(greeting_ms, 1200)),
        "{events:?}"
    );
    let later = AmdParams {
        human_deadline_ms: 0,
        ..AmdParams::default()
    };
    assert!(
        matches!(run(&later, &s.0, 160)[..], [AmdEvent::HumanDetected { at_ms, .. }] if near(at_ms, 2700)),
    );
    // A word in progress at the deadline holds the verdict until it ends.
    let s = Signal::default()
        .silence(1000)
        .words(2, 300, 150)
        .silence(200)
        .word(500)
        .silence(4000);
    assert!(
        matches!(classify(&s.0)[..], [AmdEvent::HumanDetected { at_ms, .. }] if near(at_ms, 2450 + 50)),
        "{:?}",
        classify(&s.0)
    );
}

//! Accuracy of the answering-machine classifier on synthesised calls.
//!
//! The corpus (`tests/fixtures/amd/corpus.txt`) is turned into 8 kHz audio
//! at test time by espeak-ng and sox (`amd_corpus/synth.rs`): short human
//! answers and voicemail greetings of several lengths, with and without
//! pink noise, greetings with and without a trailing beep. Each recording
//! is fed to the classifier in 20 ms chunks, as FreeSWITCH writes them.
//!
//! Goals (issue 6), asserted one per test: at least 90% of the recordings
//! classified correctly as human or machine, with humans (the costly
//! mistake: a live person hung up on or left waiting) at least 90% on
//! their own; every human decided within 2.5 s of answer. Also: every
//! machine found reports "stopped speaking" after its last sound. Without
//! espeak-ng or sox the tests fail and say what to install.
//!
//! The two goals pull against each other: a machine's pause after a short
//! first sentence ("You've reached the voicemail of Doctor Patel. [pause]")
//! looks exactly like a human's wait after "Hello, this is Linda." to an
//! energy classifier. The default `after_greeting_silence_ms` (500) favours
//! deciding humans fast (the FCC's two-second rule for live persons); on
//! this corpus it classifies 100% of humans and 85% of machines correctly
//! (91.7% overall); 700 and up keep every machine but decide some humans
//! only after 2.5 s.
//!
//! Print the figures:
//! `cargo test --release --test amd_corpus -- --nocapture`
//! Try other parameters (JSON of `AmdParams` fields):
//! `DIALBRIDGE_AMD_PARAMS='{"greeting_ms":2000}' cargo test --test amd_corpus -- --nocapture`
//! The recordings stay in `target/tmp/amd_corpus/` (raw, 8 kHz, s16le).
//!
//! Known limit, not in the corpus: a greeting that starts like a human
//! ("Hello? ... [pause] ... leave a message") is a human to any
//! energy-based classifier.

#[path = "amd_corpus/synth.rs"]
mod synth;

use dialbridge::amd::{Amd, AmdEvent, AmdParams};
use std::path::Path;
use std::sync::OnceLock;
use synth::{Kind, Recording, Sounds};

/// FreeSWITCH writes the recording in 20 ms frames.
const CHUNK: usize = 160;
/// Human decision deadline after answer.
const HUMAN_DEADLINE_MS: u32 = 2500;
/// Minimum share classified correctly: overall, and of humans alone.
const GOAL_PERCENT: f64 = 90.0;

fn params() -> AmdParams {
    match std::env::var("DIALBRIDGE_AMD_PARAMS") {
        Ok(json) => {
            serde_json::from_str(&json).unwrap_or_else(|e| panic!("DIALBRIDGE_AMD_PARAMS: {e}"))
        }
        Err(_) => AmdParams::default(),
    }
}

fn corpus() -> Vec<Recording> {
    synth::require_tools();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let entries = synth::entries(&root.join("tests/fixtures/amd/corpus.txt"));
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("amd_corpus");
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let sounds = Sounds::make(&dir);
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    let numbered: Vec<(usize, &synth::Entry)> = {
        let (mut h, mut m) = (0, 0);
        entries
            .iter()
            .map(|e| {
                let n = if e.kind == Kind::Human {
                    &mut h
                } else {
                    &mut m
                };
                *n += 1;
                (*n, e)
            })
            .collect()
    };
    let mut out: Vec<Recording> = std::thread::scope(|scope| {
        let handles: Vec<_> = numbered
            .chunks(numbered.len().div_ceil(workers))
            .map(|part| {
                let (sounds, dir) = (&sounds, &dir);
                scope.spawn(move || {
                    part.iter()
                        .flat_map(|(i, e)| synth::recordings(e, *i, sounds, dir))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|_| panic!("synthesis failed")))
            .collect()
    });
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// Every event for one recording, fed in 20 ms chunks.
fn classify(params: &AmdParams, samples: &[i16]) -> Vec<AmdEvent> {
    let mut amd = Amd::new(params);
    let mut events: Vec<AmdEvent> = samples.chunks(CHUNK).filter_map(|c| amd.push(c)).collect();
    events.extend(amd.push(&[]));
    events
}

fn describe(e: &AmdEvent) -> String {
    match e {
        AmdEvent::MachineDetected {
            reason,
            greeting_ms,
            words,
            at_ms,
        } => format!(
            "machine ({}, greeting {greeting_ms} ms, {words} words) at {at_ms} ms",
            reason.as_str()
        ),
        AmdEvent::HumanDetected { greeting_ms, at_ms } => {
            format!("human (greeting {greeting_ms} ms) at {at_ms} ms")
        }
        other => format!("{} at {} ms", other.jambonz_type(), other.at_ms()),
    }
}

fn percent(n: usize, of: usize) -> f64 {
    if of == 0 {
        0.0
    } else {
        100.0 * n as f64 / of as f64
    }
}

/// One recording's result.
struct Outcome {
    recording: Recording,
    events: Vec<AmdEvent>,
}

impl Outcome {
    fn verdict(&self) -> Option<&AmdEvent> {
        self.events.first()
    }

    fn correct(&self) -> bool {
        matches!(
            (self.recording.kind, self.verdict()),
            (Kind::Human, Some(AmdEvent::HumanDetected { .. }))
                | (Kind::Machine, Some(AmdEvent::MachineDetected { .. }))
        )
    }

    fn shown(&self) -> String {
        self.verdict().map_or("nothing".into(), describe)
    }
}

/// The corpus, synthesised and classified once for all tests; the table is
/// printed as it is made.
fn outcomes() -> &'static [Outcome] {
    static OUTCOMES: OnceLock<Vec<Outcome>> = OnceLock::new();
    OUTCOMES.get_or_init(|| {
        let params = params();
        println!("{:<18} {:<8} decision", "recording", "expected");
        corpus()
            .into_iter()
            .map(|recording| {
                let events = classify(&params, &recording.samples);
                let o = Outcome { recording, events };
                let r = &o.recording;
                let mark = if o.correct() { "" } else { "   <-- WRONG" };
                let kind = if r.kind == Kind::Human {
                    "human"
                } else {
                    "machine"
                };
                println!(
                    "{:<18} {kind:<8} {}{mark}   \"{}\"",
                    r.name,
                    o.shown(),
                    r.text
                );
                if let Some(AmdEvent::MachineStoppedSpeaking { at_ms }) = o.events.get(1) {
                    println!(
                        "{:<27} stopped speaking at {at_ms} ms (last sound ended at {} ms)",
                        "", r.sound_end_ms
                    );
                }
                o
            })
            .collect()
    })
}

fn of_kind(kind: Kind) -> impl Iterator<Item = &'static Outcome> {
    outcomes().iter().filter(move |o| o.recording.kind == kind)
}

fn range(v: &[u32]) -> String {
    let mut v = v.to_vec();
    v.sort_unstable();
    match (v.first(), v.get(v.len() / 2), v.last()) {
        (Some(min), Some(median), Some(max)) => {
            format!("min {min} ms, median {median} ms, max {max} ms")
        }
        _ => "none".into(),
    }
}

#[test]
fn at_least_90_percent_are_classified_correctly_and_90_percent_of_humans() {
    let score = |kind| {
        let all: Vec<&Outcome> = of_kind(kind).collect();
        let ok = all.iter().filter(|o| o.correct()).count();
        (ok, all.len(), percent(ok, all.len()))
    };
    let (h_ok, h_all, h) = score(Kind::Human);
    let (m_ok, m_all, m) = score(Kind::Machine);
    println!("humans:   {h_ok}/{h_all} correct ({h:.1}%)");
    println!("machines: {m_ok}/{m_all} correct ({m:.1}%)");
    let overall = percent(h_ok + m_ok, h_all + m_all);
    println!(
        "overall:  {}/{} correct ({overall:.1}%)",
        h_ok + m_ok,
        h_all + m_all
    );
    let machine_times: Vec<u32> = of_kind(Kind::Machine)
        .filter(|o| o.correct())
        .filter_map(|o| o.verdict().map(AmdEvent::at_ms))
        .collect();
    println!("machine decided after answer: {}", range(&machine_times));
    assert!(
        h_all >= 16 && m_all >= 16,
        "corpus too small: {h_all} humans, {m_all} machines"
    );
    assert!(
        h >= GOAL_PERCENT,
        "humans {h:.1}% correct, goal {GOAL_PERCENT}%"
    );
    assert!(
        overall >= GOAL_PERCENT,
        "overall {overall:.1}% correct (machines {m:.1}%), goal {GOAL_PERCENT}%"
    );
}

/// The slowest humans are 3-4-word answers ("Hi, this is Mark.", ~1 s)
/// after a 0.5-1 s pause; with the default 500 ms of after-greeting
/// silence they are decided by 2.43 s.
#[test]
fn every_human_is_decided_within_2_5_s_of_answer() {
    let times: Vec<u32> = of_kind(Kind::Human)
        .filter_map(|o| o.verdict().map(AmdEvent::at_ms))
        .collect();
    println!("human decided after answer: {}", range(&times));
    let late: Vec<String> = of_kind(Kind::Human)
        .filter(|o| o.verdict().is_none_or(|e| e.at_ms() > HUMAN_DEADLINE_MS))
        .map(|o| {
            format!(
                "{}: {} \"{}\"",
                o.recording.name,
                o.shown(),
                o.recording.text
            )
        })
        .collect();
    let within = of_kind(Kind::Human).count() - late.len();
    println!(
        "humans decided within {HUMAN_DEADLINE_MS} ms: {within}/{}",
        of_kind(Kind::Human).count()
    );
    assert!(
        late.is_empty(),
        "decided after {HUMAN_DEADLINE_MS} ms:\n{}",
        late.join("\n")
    );
}

#[test]
fn every_machine_found_stops_speaking_after_its_last_sound() {
    let mut delays = Vec::new();
    let mut wrong = Vec::new();
    for o in of_kind(Kind::Machine).filter(|o| o.correct()) {
        let end = o.recording.sound_end_ms;
        match o.events.get(1) {
            Some(AmdEvent::MachineStoppedSpeaking { at_ms }) if *at_ms >= end => {
                delays.push(at_ms - end);
            }
            other => wrong.push(format!(
                "{}: ended {end} ms, got {other:?}",
                o.recording.name
            )),
        }
    }
    println!("stopped speaking after the last sound: {}", range(&delays));
    assert!(!delays.is_empty(), "no machine was found");
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

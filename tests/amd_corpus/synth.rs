//! Synthesises an AMD corpus from its list (`tests/fixtures/amd/*.txt`)
//! with Debian's espeak-ng (speech) and sox (resampling, band, level,
//! noise, codecs); tones (beeps, SIT) and the assembly are done here.
//!
//! A line is `kind | espeak-ng voice | words per minute | text`. The text is
//! SSML for espeak-ng (`<break time="700ms"/>` makes a pause) with three
//! additions in brackets: `[tone HZ MS]` (a pure tone), `[sit]` (the
//! special-information tones before a carrier announcement) and
//! `[silence MS]`. Kinds: `human` (3 recordings), `machine` (4: one
//! without and three with a beep after the greeting) and `announcement` (a
//! machine that gets no added beep: carrier announcements, beep-only
//! answers; 2 recordings).
//!
//! Everything a line's recordings vary by is drawn from the corpus seed
//! and the line's text ([`Rng`]), never chosen by hand: the voice's pitch,
//! the silence before the callee speaks (humans 200-900 ms, machines
//! 100-900 ms), the speech level (peak -18..-2 dBFS), the beep (frequency,
//! 200-800 ms, 200-1200 ms after the greeting, -18..-6 dBFS) and the
//! channel ([`Channel`]). Humans then wait 3.5 s in silence, machines
//! record 3 s after their last sound (noise, if any, goes on).
//!
//! Recordings are cached in `dir` under a key made of the line, the seed,
//! the variant and this generator's own source, so a second run reads
//! files instead of synthesising; files no longer produced are removed.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::channel::{Channel, Noises, RAW_OUT, Rng, fnv, read_raw, run, write_raw};
use crate::list::{Entry, Piece, Style, entries, pieces, shown};

/// 8 kHz: FreeSWITCH's `.r8` recordings.
pub const RATE: u32 = 8000;
const HUMAN_TAIL_MS: u32 = 3500;
const MACHINE_TAIL_MS: u32 = 3000;
/// Voicemail beep frequencies drawn from.
const BEEP_HZ: [f64; 7] = [440.0, 600.0, 850.0, 1000.0, 1200.0, 1400.0, 2000.0];
/// The special-information tones (ITU-T E.180 "vacant code"): Hz, ms.
const SIT: [(f64, u32); 3] = [(913.8, 274), (1370.6, 274), (1776.7, 380)];
/// The generator's source: a change invalidates the cache.
const SOURCE: [&str; 3] = [
    include_str!("synth.rs"),
    include_str!("channel.rs"),
    include_str!("list.rs"),
];

/// Who answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Human,
    Machine,
}

/// One synthesised answer, as FreeSWITCH would record the callee from
/// answer on.
#[derive(Debug, Clone)]
pub struct Recording {
    pub name: String,
    pub kind: Kind,
    /// The line's section in the list (e.g. `Machines: a short greeting`).
    pub category: String,
    /// A beep was added after the greeting.
    pub beep: bool,
    /// The line's text, pauses shown as `[700 ms]`.
    pub text: String,
    /// The channel and the beep, for the table.
    pub channel: String,
    /// Where the last sound (speech or tone) ends, in ms from answer.
    pub sound_end_ms: u32,
    pub samples: Vec<i16>,
}

/// A corpus: its list and the seed its variations are drawn from.
pub struct Corpus<'a> {
    pub name: &'a str,
    pub list: &'a Path,
    pub seed: &'a str,
}

/// Fails with the install command when a tool is missing.
pub fn require_tools() {
    for tool in ["espeak-ng", "sox"] {
        let found = Command::new(tool).arg("--version").output().is_ok();
        assert!(
            found,
            "{tool} is missing: apt-get install -y espeak-ng sox (.ci/run installs them)"
        );
    }
}

fn ms_to_samples(ms: u32) -> usize {
    (ms * RATE / 1000) as usize
}

fn samples_to_ms(n: usize) -> u32 {
    (n as u64 * 1000 / u64::from(RATE)) as u32
}

/// A pure tone with 5 ms ramps, peak `db` dBFS.
fn tone(hz: f64, ms: u32, db: i64) -> Vec<i16> {
    let n = ms_to_samples(ms);
    let amp = 32767.0 * 10f64.powf(db as f64 / 20.0);
    (0..n)
        .map(|i| {
            let ramp = (i.min(n - i) as f64 / 40.0).min(1.0);
            let t = i as f64 / f64::from(RATE);
            (amp * ramp * (t * hz * std::f64::consts::TAU).sin()) as i16
        })
        .collect()
}

/// Where the speech of `text` is cached.
fn speech_path(entry: &Entry, text: &str, pitch: i64, dir: &Path) -> PathBuf {
    let (wpm, pitch) = (entry.wpm.to_string(), pitch.to_string());
    let key = fnv(&["speech-1", &entry.voice, &wpm, &pitch, text]);
    dir.join(format!("speech-{key:016x}.raw"))
}

/// espeak-ng's rendering of `text` at 8 kHz, trimmed of its own leading
/// and trailing silence, telephone band, peak -1 dBFS (cached in `dir`).
fn speech(
    entry: &Entry,
    text: &str,
    pitch: i64,
    dir: &Path,
    keep: &mut HashSet<PathBuf>,
) -> Vec<i16> {
    let raw = speech_path(entry, text, pitch, dir);
    keep.insert(raw.clone());
    if raw.exists() {
        return read_raw(&raw);
    }
    let wav = raw.with_extension("wav");
    run(Command::new("espeak-ng")
        .args(["-m", "-v", &entry.voice, "-s", &entry.wpm.to_string()])
        .args(["-p", &pitch.to_string(), "-w"])
        .arg(&wav)
        .arg(text));
    let trim = ["silence", "1", "0.02", "0.5%", "reverse"];
    let tmp = raw.with_extension("tmp");
    run(Command::new("sox")
        .args(["-R", "-D"])
        .arg(&wav)
        .args(RAW_OUT)
        .arg(&tmp)
        .args(["rate", "8000"])
        .args(trim)
        .args(trim)
        .args(["sinc", "300-3400", "gain", "-n", "-1"]));
    let _ = std::fs::remove_file(&wav);
    std::fs::rename(&tmp, &raw).unwrap_or_else(|e| panic!("{}: {e}", raw.display()));
    read_raw(&raw)
}

/// Every recording of `corpus`, cached in `dir`.
pub fn build(corpus: &Corpus, dir: &Path, noises: &Noises) -> Vec<Recording> {
    let dir = dir.join(corpus.name);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let entries = entries(corpus.list);
    let mut counts = [0usize; 3];
    let numbered: Vec<(String, &Entry)> = entries
        .iter()
        .map(|e| {
            let (slot, letter) = match e.style {
                Style::Human => (0, 'h'),
                Style::Machine => (1, 'm'),
                Style::Announcement => (2, 'a'),
            };
            counts[slot] += 1;
            (format!("{letter}{:03}", counts[slot]), e)
        })
        .collect();
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    let (mut out, keep): (Vec<Recording>, HashSet<PathBuf>) = std::thread::scope(|scope| {
        let handles: Vec<_> = numbered
            .chunks(numbered.len().div_ceil(workers).max(1))
            .map(|part| {
                let dir = &dir;
                scope.spawn(move || {
                    let mut keep = HashSet::new();
                    let recs: Vec<Recording> = part
                        .iter()
                        .flat_map(|(id, e)| recordings(corpus, e, id, dir, noises, &mut keep))
                        .collect();
                    (recs, keep)
                })
            })
            .collect();
        let mut all = (Vec::new(), HashSet::new());
        for h in handles {
            let (recs, keep) = h.join().unwrap_or_else(|_| panic!("synthesis failed"));
            all.0.extend(recs);
            all.1.extend(keep);
        }
        all
    });
    for stale in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
        if !keep.contains(&stale.path()) {
            let _ = std::fs::remove_file(stale.path());
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// The recordings of one line (see the module doc), also written to `dir`
/// for listening: `play -t raw -r 8000 -e signed -b 16 -c 1 <file>`.
fn recordings(
    corpus: &Corpus,
    entry: &Entry,
    id: &str,
    dir: &Path,
    noises: &Noises,
    keep: &mut HashSet<PathBuf>,
) -> Vec<Recording> {
    let kind = match entry.style {
        Style::Human => Kind::Human,
        _ => Kind::Machine,
    };
    let variants = match entry.style {
        Style::Human => 3,
        Style::Machine => 4,
        Style::Announcement => 2,
    };
    let pitch = Rng::new(&[corpus.seed, &entry.line, "pitch"]).range(30, 70);
    let source = fnv(&SOURCE).to_string();
    (0..variants)
        .map(|v| {
            let variant = v.to_string();
            let name = format!("{id}{}", (b'a' + v as u8) as char);
            let key = fnv(&[&source, corpus.seed, &entry.line, &variant]);
            let raw = dir.join(format!("{name}.{key:016x}.raw"));
            let meta = raw.with_extension("txt");
            keep.insert(raw.clone());
            keep.insert(meta.clone());
            let cached = std::fs::read_to_string(&meta).ok().and_then(|m| {
                let (end, label) = m.split_once(' ')?;
                Some((end.parse().ok()?, label.to_owned()))
            });
            let (sound_end_ms, channel, samples) = match cached {
                Some((end, label)) if raw.exists() => {
                    // The speech pieces stay cached too.
                    for piece in pieces(&entry.text) {
                        if let Piece::Speech(t) = piece {
                            keep.insert(speech_path(entry, &t, pitch, dir));
                        }
                    }
                    (end, label, read_raw(&raw))
                }
                _ => {
                    let mut rng = Rng::new(&[corpus.seed, &entry.line, &variant]);
                    let (end, label, samples) =
                        synthesise(entry, v, pitch, &mut rng, dir, &name, noises, keep);
                    write_raw(&raw, &samples);
                    std::fs::write(&meta, format!("{end} {label}"))
                        .unwrap_or_else(|e| panic!("{}: {e}", meta.display()));
                    (end, label, samples)
                }
            };
            Recording {
                name,
                kind,
                category: entry.category.clone(),
                beep: has_beep(entry, v),
                text: shown(&entry.text),
                channel,
                sound_end_ms,
                samples,
            }
        })
        .collect()
}

/// Whether variant `v` of `entry` gets a beep after its greeting.
fn has_beep(entry: &Entry, v: usize) -> bool {
    entry.style == Style::Machine && v >= 1
}

/// Variant `v` of `entry`: (end of the last sound in ms, label, samples).
#[allow(clippy::too_many_arguments)]
fn synthesise(
    entry: &Entry,
    v: usize,
    pitch: i64,
    rng: &mut Rng,
    dir: &Path,
    name: &str,
    noises: &Noises,
    keep: &mut HashSet<PathBuf>,
) -> (u32, String, Vec<i16>) {
    let lead = match entry.style {
        Style::Human => rng.range(200, 900),
        _ => rng.range(100, 900),
    };
    let peak_db = rng.range(-18, -2);
    let tone_db = rng.range(-18, -6);
    let gain = 10f64.powf((peak_db + 1) as f64 / 20.0);
    let mut s = vec![0i16; ms_to_samples(lead as u32)];
    for piece in pieces(&entry.text) {
        match piece {
            Piece::Speech(text) => s.extend(
                speech(entry, &text, pitch, dir, keep)
                    .iter()
                    .map(|x| (f64::from(*x) * gain) as i16),
            ),
            Piece::Tone(hz, ms) => s.extend(tone(hz, ms, tone_db)),
            Piece::Sit => {
                for (hz, ms) in SIT {
                    s.extend(tone(hz, ms, tone_db));
                }
            }
            Piece::Silence(ms) => s.extend(std::iter::repeat_n(0, ms_to_samples(ms))),
        }
    }
    let mut label = Vec::new();
    if has_beep(entry, v) {
        let hz = *rng.pick(&BEEP_HZ);
        let ms = rng.range(200, 800) as u32;
        let gap = rng.range(200, 1200) as u32;
        let db = rng.range(-18, -6);
        s.extend(std::iter::repeat_n(0, ms_to_samples(gap)));
        s.extend(tone(hz, ms, db));
        label.push(format!("beep {hz} Hz {ms} ms"));
    }
    let end = samples_to_ms(s.len());
    let tail = match entry.style {
        Style::Human => HUMAN_TAIL_MS,
        _ => MACHINE_TAIL_MS,
    };
    s.extend(std::iter::repeat_n(0, ms_to_samples(tail)));
    let channel = Channel::draw(rng, peak_db);
    channel.apply(&mut s, noises, &dir.join(format!("{name}.work")));
    label.insert(0, channel.label());
    (end, label.join(", "), s)
}

//! Synthesises the AMD corpus from `tests/fixtures/amd/corpus.txt` with
//! Debian's espeak-ng (speech) and sox (8 kHz resampling, telephone band,
//! level, pink noise, 1 kHz beep); the pieces are put together here.
//! Everything is deterministic: espeak-ng is, and sox runs with `-R -D`
//! (repeatable random numbers, no dither).

use std::path::{Path, PathBuf};
use std::process::Command;

/// 8 kHz: FreeSWITCH's `.r8` recordings.
pub const RATE: u32 = 8000;
/// Pink noise: peak -28 dBFS, about -41 dBFS RMS.
const NOISE_PEAK_DB: &str = "-28";
/// Beep: 500 ms of 1 kHz at -6 dBFS, 600 ms after the greeting.
const BEEP_GAP_MS: u32 = 600;
/// Silence after a human's answer (waiting for the caller) and after a
/// machine's greeting or beep (recording the message).
const HUMAN_TAIL_MS: u32 = 3500;
const MACHINE_TAIL_MS: u32 = 3000;

/// Who answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Human,
    Machine,
}

/// One line of the corpus list.
#[derive(Debug, Clone)]
pub struct Entry {
    pub kind: Kind,
    voice: String,
    wpm: u32,
    lead_ms: u32,
    peak_db: i32,
    pub text: String,
}

/// One synthesised answer, as FreeSWITCH would record the callee from
/// answer on.
#[derive(Debug, Clone)]
pub struct Recording {
    pub name: String,
    pub kind: Kind,
    pub text: String,
    /// Where the last sound (speech or beep) ends, in ms from answer.
    pub sound_end_ms: u32,
    pub samples: Vec<i16>,
}

/// Reads the corpus list.
pub fn entries(list: &Path) -> Vec<Entry> {
    let text = std::fs::read_to_string(list).unwrap_or_else(|e| panic!("{}: {e}", list.display()));
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let f: Vec<&str> = l.splitn(6, '|').map(str::trim).collect();
            let [kind, voice, wpm, lead, peak, text] = f[..] else {
                panic!("corpus line needs 6 fields: {l}");
            };
            Entry {
                kind: match kind {
                    "human" => Kind::Human,
                    "machine" => Kind::Machine,
                    other => panic!("kind `{other}` in: {l}"),
                },
                voice: voice.into(),
                wpm: wpm.parse().unwrap_or_else(|_| panic!("wpm in: {l}")),
                lead_ms: lead.parse().unwrap_or_else(|_| panic!("lead in: {l}")),
                peak_db: peak.parse().unwrap_or_else(|_| panic!("peak in: {l}")),
                text: text.into(),
            }
        })
        .collect()
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

/// Runs `cmd`, panicking with its stderr on failure.
fn run(cmd: &mut Command) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// sox writing raw 16-bit little-endian 8 kHz mono to `out`.
fn sox(inputs: &[&str], out: &Path, effects: &[&str]) -> Command {
    let mut c = Command::new("sox");
    c.args(["-R", "-D"]).args(inputs);
    c.args([
        "-t",
        "raw",
        "-e",
        "signed-integer",
        "-b",
        "16",
        "-c",
        "1",
        "-L",
    ])
    .args(["-r", &RATE.to_string()])
    .arg(out)
    .args(effects);
    c
}

fn read_raw(path: &Path) -> Vec<i16> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    bytes
        .chunks_exact(2)
        .map(|b| i16::from_le_bytes([b[0], b[1]]))
        .collect()
}

fn ms_to_samples(ms: u32) -> usize {
    (ms * RATE / 1000) as usize
}

fn samples_to_ms(n: usize) -> u32 {
    (n as u64 * 1000 / u64::from(RATE)) as u32
}

/// The shared pieces: pink noise (30 s) and the beep.
pub struct Sounds {
    noise: Vec<i16>,
    beep: Vec<i16>,
}

impl Sounds {
    pub fn make(dir: &Path) -> Self {
        let noise = dir.join("noise.raw");
        run(&mut sox(
            &["-n"],
            &noise,
            &["synth", "30", "pinknoise", "gain", "-n", NOISE_PEAK_DB],
        ));
        let beep = dir.join("beep.raw");
        run(&mut sox(
            &["-n"],
            &beep,
            &["synth", "0.5", "sine", "1000", "gain", "-6"],
        ));
        Self {
            noise: read_raw(&noise),
            beep: read_raw(&beep),
        }
    }
}

/// The speech of `entry`: espeak-ng, then sox to 8 kHz, trimmed of
/// espeak's own leading and trailing silence, telephone band, normalised
/// to the entry's peak level.
fn speech(entry: &Entry, dir: &Path, id: &str) -> Vec<i16> {
    let wav = dir.join(format!("{id}.wav"));
    run(Command::new("espeak-ng")
        .args(["-m", "-v", &entry.voice, "-s", &entry.wpm.to_string(), "-w"])
        .arg(&wav)
        .arg(&entry.text));
    let raw = dir.join(format!("{id}.speech.raw"));
    let peak = entry.peak_db.to_string();
    let trim = ["silence", "1", "0.02", "0.5%", "reverse"];
    let mut effects = vec!["rate", "8000"];
    effects.extend(trim);
    effects.extend(trim);
    effects.extend(["sinc", "300-3400", "gain", "-n", &peak]);
    run(&mut sox(&[wav.to_string_lossy().as_ref()], &raw, &effects));
    read_raw(&raw)
}

/// Every variant of entry number `index` (humans: clean, noisy; machines:
/// clean, noisy, each without and with a beep), also written to `dir` as
/// `<name>.raw` for listening (`play -t raw -r 8000 -e signed -b 16 -c 1`).
pub fn recordings(entry: &Entry, index: usize, sounds: &Sounds, dir: &Path) -> Vec<Recording> {
    let id = match entry.kind {
        Kind::Human => format!("h{index:02}"),
        Kind::Machine => format!("m{index:02}"),
    };
    let voice = speech(entry, dir, &id);
    let beeps: &[bool] = match entry.kind {
        Kind::Human => &[false],
        Kind::Machine => &[false, true],
    };
    let mut out = Vec::new();
    for &beep in beeps {
        for noisy in [false, true] {
            let mut s = vec![0i16; ms_to_samples(entry.lead_ms)];
            s.extend(&voice);
            if beep {
                s.extend(std::iter::repeat_n(0, ms_to_samples(BEEP_GAP_MS)));
                s.extend(&sounds.beep);
            }
            let sound_end_ms = samples_to_ms(s.len());
            let tail = match entry.kind {
                Kind::Human => HUMAN_TAIL_MS,
                Kind::Machine => MACHINE_TAIL_MS,
            };
            s.extend(std::iter::repeat_n(0, ms_to_samples(tail)));
            if noisy {
                // A different stretch of the noise for each recording.
                let start = (index * 7919) % sounds.noise.len().max(1);
                let noise = sounds.noise.iter().cycle().skip(start);
                for (x, n) in s.iter_mut().zip(noise) {
                    *x = x.saturating_add(*n);
                }
            }
            let name = format!(
                "{id}{}{}",
                if beep { "-beep" } else { "" },
                if noisy { "-noise" } else { "-clean" }
            );
            let bytes: Vec<u8> = s.iter().flat_map(|x| x.to_le_bytes()).collect();
            let path: PathBuf = dir.join(format!("{name}.raw"));
            std::fs::write(&path, bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            out.push(Recording {
                name,
                kind: entry.kind,
                text: entry.text.clone(),
                sound_end_ms,
                samples: s,
            });
        }
    }
    out
}

//! What happens to a callee's audio between the callee and FreeSWITCH, for
//! the AMD corpus: background noise (sox's pink, white and brown noise,
//! mixed in at a level), a hot line that clips, a narrow band, and a codec
//! round trip through sox (G.711 mu-law or A-law, GSM 06.10). Each
//! recording draws its channel from the corpus seed ([`Rng`]), so a corpus
//! is the same on every machine and run.

use std::path::Path;
use std::process::Command;

/// Deterministic draws (splitmix64): the same seed gives the same corpus.
pub struct Rng(u64);

impl Rng {
    /// A generator for `parts` (the corpus seed, a line's text, a variant).
    pub fn new(parts: &[&str]) -> Self {
        Self(fnv(parts))
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next() % (hi - lo + 1) as u64) as i64
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[(self.next() % items.len() as u64) as usize]
    }
}

/// FNV-1a over `parts` (with separators): cache keys and seeds.
pub fn fnv(parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in p.bytes().chain([0x1f]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

/// Background noise kinds (sox `synth`).
const NOISES: [&str; 3] = ["pinknoise", "whitenoise", "brownnoise"];

/// One recording's channel.
#[derive(Debug, Clone)]
pub struct Channel {
    /// Noise kind (index in [`NOISES`]) and RMS level in dBFS.
    noise: Option<(usize, i64)>,
    /// Where in the noise file this recording starts.
    noise_at: usize,
    /// +6 dB with clipping (a hot line).
    hot: bool,
    /// 400-3000 Hz instead of the full telephone band.
    narrow: bool,
    /// sox file type of the codec round trip (`ul`, `al`, `gsm`).
    codec: Option<&'static str>,
}

impl Channel {
    /// A channel drawn from `rng`: noise on about half the recordings
    /// (RMS 27 to 50 dB under the speech's peak `peak_db`, i.e. a speech
    /// to noise ratio of about 15 to 38 dB), a codec on most, a narrow band
    /// or a hot line on some.
    pub fn draw(rng: &mut Rng, peak_db: i64) -> Self {
        let noise = rng.chance(55).then(|| {
            let kind = *rng.pick(&[0, 0, 0, 1, 2]);
            (kind, peak_db - rng.range(27, 50))
        });
        Self {
            noise,
            noise_at: rng.next() as usize,
            hot: rng.chance(12),
            narrow: rng.chance(25),
            codec: *rng.pick(&[None, Some("ul"), Some("al"), Some("gsm")]),
        }
    }

    /// A short label for the table, e.g. `pink-47 gsm narrow`.
    pub fn label(&self) -> String {
        let mut parts = Vec::new();
        if let Some((kind, db)) = self.noise {
            let name = NOISES[kind].trim_end_matches("noise");
            parts.push(format!("{name}{db}"));
        }
        if self.hot {
            parts.push("hot".into());
        }
        if self.narrow {
            parts.push("narrow".into());
        }
        if let Some(c) = self.codec {
            parts.push(c.into());
        }
        if parts.is_empty() {
            "clean".into()
        } else {
            parts.join(" ")
        }
    }

    /// The callee's `samples` as FreeSWITCH would record them; `work` is a
    /// scratch file prefix.
    pub fn apply(&self, samples: &mut [i16], noises: &Noises, work: &Path) {
        if self.hot {
            for x in samples.iter_mut() {
                *x = (i32::from(*x) * 2).clamp(-32768, 32767) as i16;
            }
        }
        if let Some((kind, db)) = self.noise {
            let noise = &noises.0[kind];
            let gain = 10f64.powf(db as f64 / 20.0) * 32768.0 / rms(noise);
            let start = self.noise_at % noise.len();
            for (x, n) in samples.iter_mut().zip(noise.iter().cycle().skip(start)) {
                *x = (f64::from(*x) + f64::from(*n) * gain).clamp(-32768.0, 32767.0) as i16;
            }
        }
        if !self.narrow && self.codec.is_none() {
            return;
        }
        let input = work.with_extension("in.raw");
        let output = work.with_extension("out.raw");
        write_raw(&input, samples);
        let band: &[&str] = if self.narrow {
            &["sinc", "400-3000"]
        } else {
            &[]
        };
        match self.codec {
            Some(codec) => {
                let coded = work.with_extension(codec);
                run(sox_raw_in(&input)
                    .args(["-t", codec, "-r", "8000", "-c", "1"])
                    .arg(&coded)
                    .args(band));
                run(Command::new("sox")
                    .args(["-R", "-D", "-t", codec, "-r", "8000", "-c", "1"])
                    .arg(&coded)
                    .args(RAW_OUT)
                    .arg(&output));
                let _ = std::fs::remove_file(&coded);
            }
            None => {
                run(sox_raw_in(&input).args(RAW_OUT).arg(&output).args(band));
            }
        }
        let coded = read_raw(&output);
        for (x, y) in samples
            .iter_mut()
            .zip(coded.iter().chain(std::iter::repeat(&0)))
        {
            *x = *y;
        }
        let _ = std::fs::remove_file(&input);
        let _ = std::fs::remove_file(&output);
    }
}

/// The noise recordings, 30 s each, made once by sox (repeatable: `-R`),
/// in the telephone band like everything that reaches FreeSWITCH.
pub struct Noises(Vec<Vec<i16>>);

impl Noises {
    pub fn make(dir: &Path) -> Self {
        Self(
            NOISES
                .iter()
                .map(|kind| {
                    let path = dir.join(format!("{kind}-300-3400.raw"));
                    if !path.exists() {
                        let tmp = dir.join(format!("{kind}.tmp.raw"));
                        run(Command::new("sox")
                            .args(["-R", "-D", "-n"])
                            .args(RAW_OUT)
                            .arg(&tmp)
                            .args(["synth", "30", kind, "sinc", "300-3400", "gain", "-n", "-3"]));
                        std::fs::rename(&tmp, &path)
                            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                    }
                    read_raw(&path)
                })
                .collect(),
        )
    }
}

fn rms(s: &[i16]) -> f64 {
    let sum: f64 = s.iter().map(|x| f64::from(*x).powi(2)).sum();
    (sum / s.len().max(1) as f64).sqrt().max(1.0)
}

/// sox's description of raw 16-bit little-endian 8 kHz mono.
pub const RAW_OUT: [&str; 11] = [
    "-t",
    "raw",
    "-e",
    "signed-integer",
    "-b",
    "16",
    "-c",
    "1",
    "-L",
    "-r",
    "8000",
];

fn sox_raw_in(path: &Path) -> Command {
    let mut c = Command::new("sox");
    c.args(["-R", "-D"]).args(RAW_OUT).arg(path);
    c
}

/// Runs `cmd`, panicking with its stderr on failure.
pub fn run(cmd: &mut Command) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

pub fn read_raw(path: &Path) -> Vec<i16> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    bytes
        .chunks_exact(2)
        .map(|b| i16::from_le_bytes([b[0], b[1]]))
        .collect()
}

pub fn write_raw(path: &Path, samples: &[i16]) {
    let bytes: Vec<u8> = samples.iter().flat_map(|x| x.to_le_bytes()).collect();
    std::fs::write(path, bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

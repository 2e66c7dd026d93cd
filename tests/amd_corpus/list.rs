//! A corpus list (`tests/fixtures/amd/*.txt`): one line per answer,
//! `kind | espeak-ng voice | words per minute | text`, read into
//! [`Entry`]s and their texts into [`Piece`]s (see `synth.rs` for what is
//! made of them).

use std::path::Path;

/// How a line is varied (see `synth.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Human,
    Machine,
    Announcement,
}

/// One line of a corpus list.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The section it is in: the last comment starting `# Humans`,
    /// `# Machines` or `# Announcements` above it.
    pub category: String,
    pub style: Style,
    pub voice: String,
    pub wpm: u32,
    pub text: String,
    pub line: String,
}

/// A piece of a line's text.
#[derive(Debug, Clone, PartialEq)]
pub enum Piece {
    Speech(String),
    Tone(f64, u32),
    Sit,
    Silence(u32),
}

/// The lines of the list at `list`.
pub fn entries(list: &Path) -> Vec<Entry> {
    let text = std::fs::read_to_string(list).unwrap_or_else(|e| panic!("{}: {e}", list.display()));
    let mut category = String::new();
    let mut out = Vec::new();
    for l in text.lines().map(str::trim) {
        if let Some(c) = l.strip_prefix("# ")
            && ["Humans", "Machines", "Announcements"]
                .iter()
                .any(|k| c.starts_with(k))
        {
            category = c.to_owned();
        }
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        let f: Vec<&str> = l.splitn(4, '|').map(str::trim).collect();
        let [kind, voice, wpm, text] = f[..] else {
            panic!("corpus line needs 4 fields: {l}");
        };
        out.push(Entry {
            category: category.clone(),
            style: match kind {
                "human" => Style::Human,
                "machine" => Style::Machine,
                "announcement" => Style::Announcement,
                other => panic!("kind `{other}` in: {l}"),
            },
            voice: voice.into(),
            wpm: wpm.parse().unwrap_or_else(|_| panic!("wpm in: {l}")),
            text: text.into(),
            line: l.into(),
        });
    }
    out
}

/// A line's text cut into speech, tones and silences.
pub fn pieces(text: &str) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('[') {
        let speech = rest[..open].trim();
        if !speech.is_empty() {
            out.push(Piece::Speech(speech.into()));
        }
        let close = rest[open..].find(']').expect("unclosed [") + open;
        let words: Vec<&str> = rest[open + 1..close].split_whitespace().collect();
        let num = |i: usize| -> f64 { words[i].parse().expect("a number in [...]") };
        out.push(match words[..] {
            ["tone", _, _] => Piece::Tone(num(1), num(2) as u32),
            ["sit"] => Piece::Sit,
            ["silence", _] => Piece::Silence(num(1) as u32),
            _ => panic!("unknown [{}] in: {text}", words.join(" ")),
        });
        rest = &rest[close + 1..];
    }
    if !rest.trim().is_empty() {
        out.push(Piece::Speech(rest.trim().into()));
    }
    out
}

/// `text` with SSML pauses shown as `[700 ms]`.
pub fn shown(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find("<break time=\"") {
        out.push_str(&rest[..at]);
        let tail = &rest[at + 13..];
        let end = tail.find("/>").map_or(tail.len(), |e| e + 2);
        let ms = tail.split("ms").next().unwrap_or("?");
        out.push_str(&format!("[{ms} ms]"));
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

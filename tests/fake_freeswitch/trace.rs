//! Parser for the capture files in tests/fixtures/traces (format in their
//! README): `>>>`/`<<<` blocks with a relative time and exact bytes, and
//! `###` notes.

use super::wire::url_decode;

/// Which way a block travelled, from the recorder's point of view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dir {
    /// `>>>`: sent by the recorded daemon (to FreeSWITCH).
    Sent,
    /// `<<<`: received from FreeSWITCH.
    Received,
    /// `###`: a note by the recorder.
    Note,
}

/// One block of a capture: what the replay sends, expects, or notes.
#[derive(Debug, Clone)]
pub struct Block {
    pub dir: Dir,
    pub ms: u64,
    pub payload: String,
}

/// A parsed capture file, the ground truth the replay holds the fake to.
#[derive(Debug, Clone)]
pub struct Trace {
    pub name: String,
    pub blocks: Vec<Block>,
}

impl Trace {
    /// Parses the bytes of a capture file.
    pub fn parse(name: &str, data: &[u8]) -> Result<Trace, String> {
        let mut blocks = Vec::new();
        let mut i = 0;
        while i < data.len() {
            let nl = data[i..]
                .iter()
                .position(|&b| b == b'\n')
                .ok_or("no newline after marker")?
                + i;
            let line = String::from_utf8_lossy(&data[i..nl]).to_string();
            i = nl + 1;
            if let Some(note) = line.strip_prefix("### +") {
                let (ms, text) = note.split_once("ms").ok_or("bad note")?;
                blocks.push(Block {
                    dir: Dir::Note,
                    ms: ms.parse().map_err(|_| "bad note time")?,
                    payload: text.trim().to_string(),
                });
                continue;
            }
            let dir = match &line.get(..4) {
                Some(">>> ") => Dir::Sent,
                Some("<<< ") => Dir::Received,
                _ => return Err(format!("bad marker {line:?}")),
            };
            let rest = &line[5..];
            let (ms, len) = rest.split_once("ms len=").ok_or("bad marker")?;
            let ms: u64 = ms.parse().map_err(|_| "bad time")?;
            let len: usize = len.parse().map_err(|_| "bad len")?;
            let payload = data.get(i..i + len).ok_or("short payload")?;
            i += len;
            if data.get(i) != Some(&b'\n') {
                return Err("missing separator".into());
            }
            i += 1;
            blocks.push(Block {
                dir,
                ms,
                payload: String::from_utf8_lossy(payload).into_owned(),
            });
        }
        Ok(Trace {
            name: name.to_string(),
            blocks,
        })
    }

    /// The blocks in one direction.
    pub fn blocks(&self, dir: Dir) -> impl Iterator<Item = &Block> {
        self.blocks.iter().filter(move |b| b.dir == dir)
    }
}

/// A received message taken apart: its outer headers and, for an event,
/// the event's headers decoded (plain or JSON).
#[derive(Debug, Clone, Default)]
pub struct Parsed {
    pub outer: Vec<(String, String)>,
    pub event: Option<Vec<(String, String)>>,
    pub body: String,
}

impl Parsed {
    pub fn outer(&self, k: &str) -> Option<&str> {
        find(&self.outer, k)
    }
    pub fn ev(&self, k: &str) -> Option<&str> {
        self.event.as_ref().and_then(|e| find(e, k))
    }
    pub fn content_type(&self) -> &str {
        self.outer("Content-Type").unwrap_or("")
    }
    /// `Event-Name`, or `CUSTOM/<subclass>`.
    pub fn event_name(&self) -> Option<String> {
        let n = self.ev("Event-Name")?;
        Some(match self.ev("Event-Subclass") {
            Some(s) if n == "CUSTOM" => format!("CUSTOM/{s}"),
            _ => n.to_string(),
        })
    }
}

fn find<'a>(h: &'a [(String, String)], k: &str) -> Option<&'a str> {
    h.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str())
}

fn header_lines(text: &str, decode: bool) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|l| l.split_once(": ").or_else(|| l.split_once(':')))
        .map(|(k, v)| {
            let v = if decode { url_decode(v) } else { v.to_string() };
            (k.to_string(), v)
        })
        .collect()
}

/// Splits one ESL message (a `<<<` payload, or bytes the fake sent).
pub fn parse_message(payload: &str) -> Parsed {
    let (head, body) = payload.split_once("\n\n").unwrap_or((payload, ""));
    let outer = header_lines(head, false);
    let mut p = Parsed {
        outer,
        event: None,
        body: body.to_string(),
    };
    match p.content_type() {
        "text/event-plain" => {
            let (eh, _) = body.split_once("\n\n").unwrap_or((body, ""));
            p.event = Some(header_lines(eh, true));
        }
        "text/event-json" => {
            if let Ok(serde_json::Value::Object(m)) = serde_json::from_str(body) {
                let ev = m
                    .into_iter()
                    .map(|(k, v)| {
                        let v = match v {
                            serde_json::Value::String(s) => s,
                            serde_json::Value::Array(a) => {
                                let items: Vec<String> = a
                                    .into_iter()
                                    .map(|x| x.as_str().unwrap_or_default().to_string())
                                    .collect();
                                format!("ARRAY::{}", items.join("|:"))
                            }
                            other => other.to_string(),
                        };
                        (k, v)
                    })
                    .collect();
                p.event = Some(ev);
            }
        }
        _ => {}
    }
    p
}

//! The ESL wire format, both directions: reading what the daemon sends and
//! writing replies and events exactly in the shapes the captures show.

use std::fmt::Write as _;

use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncReadExt};

/// Bytes FreeSWITCH's `switch_url_encode` escapes besides controls and
/// non-ASCII (`SWITCH_URL_UNSAFE`); a comma, `/`, `(` or `'` stays as it is,
/// as in `Sun,%2022%20Nov` in every capture.
const URL_UNSAFE: &[u8] = b"\r\n #%&+:;<=>?@[\\]^`{|}\"";

/// Percent-encodes a header value the way FreeSWITCH does for plain events
/// and the outbound `connect` reply.
pub fn url_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for &b in value.as_bytes() {
        if !(b' '..=b'~').contains(&b) || URL_UNSAFE.contains(&b) {
            let _ = write!(out, "%{b:02X}");
        } else {
            out.push(b as char);
        }
    }
    out
}

/// Decodes `%XX` escapes; anything malformed is kept literally.
pub fn url_decode(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
            if let Ok(b) = u8::from_str_radix(hex, 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// One message read from a peer: its header lines in order and the body
/// announced by `Content-Length`, if any. For a daemon command the first
/// line is the command itself (`sendmsg <uuid>`, `event plain ...`).
#[derive(Debug, Clone, Default)]
pub struct Message {
    /// The raw header block, as received, without the blank line.
    pub raw: String,
    /// The first line.
    pub first: String,
    /// The following `Name: value` lines (values not decoded).
    pub headers: Vec<(String, String)>,
    /// The body, when `Content-Length` announced one.
    pub body: Option<String>,
}

impl Message {
    /// A header by name, case-insensitively, as FreeSWITCH looks them up.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Why reading a message failed.
#[derive(Debug)]
pub enum ReadError {
    /// The peer closed the connection (cleanly, between messages).
    Eof,
    /// The stream broke or carried something that is not ESL.
    Bad(String),
}

/// Reads one message: lines up to a blank line, then the body if
/// `Content-Length` says so. Leading blank lines are skipped, as
/// FreeSWITCH's parser does.
pub async fn read_message<R: AsyncBufRead + Unpin>(r: &mut R) -> Result<Message, ReadError> {
    let mut lines: Vec<String> = Vec::new();
    loop {
        let mut line = Vec::new();
        let n = r
            .read_until(b'\n', &mut line)
            .await
            .map_err(|e| ReadError::Bad(e.to_string()))?;
        if n == 0 {
            return if lines.is_empty() {
                Err(ReadError::Eof)
            } else {
                Err(ReadError::Bad("connection closed inside a message".into()))
            };
        }
        let text = String::from_utf8_lossy(&line)
            .trim_end_matches(['\n', '\r'])
            .to_string();
        if text.is_empty() {
            if lines.is_empty() {
                continue;
            }
            break;
        }
        if lines.len() > 1000 {
            return Err(ReadError::Bad("more than 1000 header lines".into()));
        }
        lines.push(text);
    }
    let mut msg = Message {
        raw: lines.join("\n"),
        first: lines[0].clone(),
        ..Message::default()
    };
    for l in &lines[1..] {
        match l.split_once(':') {
            Some((k, v)) => msg
                .headers
                .push((k.trim().to_string(), v.trim_start().to_string())),
            None => msg.headers.push((l.trim().to_string(), String::new())),
        }
    }
    // The first line may itself be a header (replies and events read by tests).
    if let Some((k, v)) = msg.first.split_once(": ") {
        msg.headers.insert(0, (k.to_string(), v.to_string()));
    }
    if let Some(len) = msg.header("Content-Length") {
        let len: usize = len
            .trim()
            .parse()
            .map_err(|_| ReadError::Bad(format!("bad Content-Length {len:?}")))?;
        if len > 16 * 1024 * 1024 {
            return Err(ReadError::Bad("Content-Length over 16 MiB".into()));
        }
        let mut body = vec![0u8; len];
        r.read_exact(&mut body)
            .await
            .map_err(|e| ReadError::Bad(e.to_string()))?;
        msg.body = Some(String::from_utf8_lossy(&body).into_owned());
    }
    Ok(msg)
}

/// `Content-Type: command/reply` with a `Reply-Text`, as every command reply.
pub fn command_reply(text: &str) -> Vec<u8> {
    format!("Content-Type: command/reply\nReply-Text: {text}\n\n").into_bytes()
}

/// A reply with extra headers after `Reply-Text` (bgapi's `Job-UUID`).
pub fn command_reply_with(text: &str, extra: &[(&str, &str)]) -> Vec<u8> {
    let mut s = format!("Content-Type: command/reply\nReply-Text: {text}\n");
    for (k, v) in extra {
        let _ = writeln!(s, "{k}: {v}");
    }
    s.push('\n');
    s.into_bytes()
}

/// `Content-Type: api/response` with the body as given.
pub fn api_response(body: &str) -> Vec<u8> {
    format!(
        "Content-Type: api/response\nContent-Length: {}\n\n{body}",
        body.len()
    )
    .into_bytes()
}

/// The goodbye text every disconnect notice carries.
pub const GOODBYE: &str = "Disconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n";

/// The notice after `exit` (outbound: with the session's UUID).
pub fn disconnect_notice(session_uuid: Option<&str>) -> Vec<u8> {
    let mut s = String::from("Content-Type: text/disconnect-notice\n");
    if let Some(u) = session_uuid {
        let _ = writeln!(s, "Controlled-Session-UUID: {u}");
        s.push_str("Content-Disposition: disconnect\n");
    }
    let _ = write!(s, "Content-Length: {}\n\n{GOODBYE}", GOODBYE.len());
    s.into_bytes()
}

/// The notice a lingering outbound socket gets when its channel hangs up
/// (`Linger-Time: -1` for a bare `linger`, 01-08; the seconds of `linger
/// <secs>`, not captured: mod_event_socket.c prints `linger_timeout`).
pub fn linger_notice(session_uuid: &str, channel_name: &str, secs: u64) -> Vec<u8> {
    let time = if secs == 0 {
        "-1".to_string()
    } else {
        secs.to_string()
    };
    format!(
        "Content-Type: text/disconnect-notice\nControlled-Session-UUID: {session_uuid}\n\
         Content-Disposition: linger\nChannel-Name: {channel_name}\nLinger-Time: {time}\n\
         Content-Length: 0\n\n"
    )
    .into_bytes()
}

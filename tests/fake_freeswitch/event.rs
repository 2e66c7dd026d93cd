//! A FreeSWITCH event as the fake emits it, and its two wire forms
//! (`text/event-plain` and `text/event-json`, trace 05).

use std::fmt::Write as _;

use super::wire::url_encode;

/// One event: ordered headers (as FreeSWITCH orders them) and an optional
/// body. Exists so every emitter builds the same shape and every
/// subscriber serialises it in its own format.
#[derive(Debug, Clone)]
pub struct Event {
    /// `Event-Name` (`CHANNEL_ANSWER`, `CUSTOM`, ...).
    pub name: String,
    /// `Event-Subclass` for `CUSTOM` events (`avmd::beep`).
    pub subclass: Option<String>,
    /// Every header, in wire order, values not encoded.
    pub headers: Vec<(String, String)>,
    /// A body (`BACKGROUND_JOB`'s result).
    pub body: Option<String>,
}

impl Event {
    /// A header's value.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// `Unique-ID`, which `filter Unique-ID` and `myevents` select on.
    pub fn unique_id(&self) -> Option<&str> {
        self.get("Unique-ID")
    }

    /// Appends a header.
    pub fn push(&mut self, name: &str, value: impl Into<String>) {
        self.headers.push((name.to_string(), value.into()));
    }

    /// `Content-Length` + `Content-Type: text/event-plain`, then
    /// `Name: url-encoded-value` lines and a blank line (or the body).
    pub fn to_plain(&self) -> Vec<u8> {
        let mut body = String::new();
        for (k, v) in &self.headers {
            let _ = writeln!(body, "{k}: {}", url_encode(v));
        }
        match &self.body {
            Some(b) => {
                let _ = write!(body, "Content-Length: {}\n\n{b}", b.len());
            }
            None => body.push('\n'),
        }
        let mut out = format!(
            "Content-Length: {}\nContent-Type: text/event-plain\n\n",
            body.len()
        );
        out.push_str(&body);
        out.into_bytes()
    }

    /// `Content-Type: text/event-json`: one object, keys in header order,
    /// `ARRAY::a|:b` values as JSON arrays (trace 05), the body as `_body`.
    pub fn to_json(&self) -> Vec<u8> {
        let mut body = String::from("{");
        for (i, (k, v)) in self.headers.iter().enumerate() {
            if i > 0 {
                body.push(',');
            }
            body.push_str(&json_str(k));
            body.push(':');
            match v.strip_prefix("ARRAY::") {
                Some(items) => {
                    let items: Vec<String> = items.split("|:").map(json_str).collect();
                    let _ = write!(body, "[{}]", items.join(","));
                }
                None => body.push_str(&json_str(v)),
            }
        }
        if let Some(b) = &self.body {
            let _ = write!(body, ",\"_body\":{}", json_str(b));
        }
        body.push('}');
        let mut out = format!(
            "Content-Length: {}\nContent-Type: text/event-json\n\n",
            body.len()
        );
        out.push_str(&body);
        out.into_bytes()
    }
}

fn json_str(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

/// The event names `myevents` subscribes a socket to (mod_event_socket.c,
/// `parse_command`; no PLAYBACK_* or RECORD_*: 04d's screening socket got
/// no PLAYBACK_START for its tone),
/// which is why trace 01 conn2 got CHANNEL_HANGUP, CHANNEL_UNPARK and
/// CHANNEL_STATE it never asked for by name.
pub const MYEVENTS: &[&str] = &[
    "CHANNEL_ANSWER",
    "CHANNEL_APPLICATION",
    "CHANNEL_BRIDGE",
    "CHANNEL_CREATE",
    "CHANNEL_DATA",
    "CHANNEL_DESTROY",
    "CHANNEL_EXECUTE",
    "CHANNEL_EXECUTE_COMPLETE",
    "CHANNEL_HANGUP",
    "CHANNEL_HANGUP_COMPLETE",
    "CHANNEL_ORIGINATE",
    "CHANNEL_UUID",
    "CHANNEL_OUTGOING",
    "CHANNEL_PARK",
    "CHANNEL_PROGRESS",
    "CHANNEL_PROGRESS_MEDIA",
    "CHANNEL_STATE",
    "CHANNEL_UNBRIDGE",
    "CHANNEL_UNPARK",
    "DETECTED_SPEECH",
    "DTMF",
    "NOTALK",
    "TALK",
];

/// What one connection asked to receive (`event`, `myevents`, `filter`),
/// kept per connection as FreeSWITCH keeps it per listener.
#[derive(Debug, Clone, Default)]
pub struct Subscription {
    /// JSON instead of plain.
    pub json: bool,
    /// `event ... ALL`.
    pub all: bool,
    /// Event names asked for.
    pub names: Vec<String>,
    /// `CUSTOM` subclasses asked for.
    pub subclasses: Vec<String>,
    /// `filter <header> <value>` pairs; any match passes.
    pub filters: Vec<(String, String)>,
    /// `myevents`: only this Unique-ID.
    pub myevents: Option<String>,
}

impl Subscription {
    /// Whether an event reaches this connection.
    pub fn wants(&self, ev: &Event) -> bool {
        let named = if ev.name == "CUSTOM" {
            self.all
                || ev
                    .subclass
                    .as_ref()
                    .is_some_and(|s| self.subclasses.iter().any(|x| x == s))
        } else {
            self.all || self.names.iter().any(|n| n == &ev.name)
        };
        if !named {
            return false;
        }
        if let Some(me) = &self.myevents
            && ev.unique_id() != Some(me.as_str())
        {
            return false;
        }
        self.filters.is_empty()
            || self
                .filters
                .iter()
                .any(|(k, v)| ev.get(k).is_some_and(|x| x == v))
    }

    /// Applies `event plain|json NAMES...`; returns the format word.
    pub fn add(&mut self, args: &[&str]) -> &'static str {
        let mut rest = args;
        if let Some(f) = rest.first() {
            match *f {
                "json" => {
                    self.json = true;
                    rest = &rest[1..];
                }
                "plain" | "xml" => {
                    self.json = false;
                    rest = &rest[1..];
                }
                _ => {}
            }
        }
        let mut custom = false;
        for name in rest {
            match *name {
                "ALL" | "all" => self.all = true,
                "CUSTOM" => custom = true,
                n if custom && !n.chars().all(|c| c.is_ascii_uppercase() || c == '_') => {
                    self.subclasses.push(n.to_string())
                }
                n => self.names.push(n.to_string()),
            }
        }
        if self.json { "json" } else { "plain" }
    }
}

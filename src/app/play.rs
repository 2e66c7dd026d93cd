//! `play`: audio from a URL (fetched into the media cache) or a file on the
//! FreeSWITCH host.

use serde::Serialize;
use serde_json::Value;

use super::read::{Fields, check_text, kind};

/// Where audio comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Audio {
    /// An http(s) URL, fetched into `[media] cache_dir` before playing.
    Url(String),
    /// An absolute path readable by FreeSWITCH.
    File(String),
}

/// How many times to play.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Loop {
    /// This many times (at least once).
    Times(u32),
    /// Until the verb is interrupted or the call ends.
    Forever,
}

/// A validated `play`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Play {
    /// One or more sources, played in order.
    pub audio: Vec<Audio>,
    /// Repetitions of the whole list.
    pub repeat: Loop,
    /// Play as early media (183) instead of answering the call.
    pub early_media: bool,
}

/// Checks one audio location.
pub fn audio(s: &str) -> Result<Audio, String> {
    let lower = s.to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") {
        return match url::Url::parse(s) {
            Ok(u) if u.host_str().is_some_and(|h| !h.is_empty()) => Ok(Audio::Url(s.to_owned())),
            _ => Err(format!("`{s}` is not a valid URL")),
        };
    }
    let path = if lower.starts_with("file://") {
        &s[7..]
    } else {
        s
    };
    if !path.starts_with('/') {
        return Err(format!(
            "`{s}` must be an http(s) URL or an absolute path on the FreeSWITCH host"
        ));
    }
    if let Some(c) = path
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || "/_.-+~@=:".contains(*c)))
    {
        return Err(format!(
            "file path `{s}` contains '{c}'; use letters, digits and / _ . - + ~ @ = :"
        ));
    }
    if path.split('/').any(|seg| seg == "..") {
        return Err(format!("file path `{s}` may not contain `..`"));
    }
    Ok(Audio::File(path.to_owned()))
}

/// Reads `loop`: a count (0 = forever, as in jambonz) or "forever".
pub fn read_loop(f: &mut Fields<'_, '_>) -> Loop {
    match f.value("loop") {
        None => Loop::Times(1),
        Some(Value::String(s)) if s == "forever" => Loop::Forever,
        Some(_) => match f.integer("loop", 0, 1000, "repetitions (0 = forever)") {
            Some(0) => Loop::Forever,
            Some(n) => Loop::Times(n as u32),
            None => Loop::Times(1),
        },
    }
}

/// Reads a string-or-array-of-strings property, each checked by `check`.
pub fn read_list<T>(
    f: &mut Fields<'_, '_>,
    key: &'static str,
    check: impl Fn(&str) -> Result<T, String>,
) -> Option<Vec<T>> {
    let v = f.value(key)?;
    let at = f.at_key(key);
    let items: Vec<(super::problem::Pointer, &Value)> = match v {
        Value::Array(items) if !items.is_empty() => items
            .iter()
            .enumerate()
            .map(|(i, item)| (at.index(i), item))
            .collect(),
        Value::Array(_) => {
            f.problem(key, "is empty");
            return None;
        }
        other => vec![(at.clone(), other)],
    };
    let mut out = Vec::new();
    let mut ok = true;
    for (here, item) in items {
        let Some(s) = item.as_str() else {
            f.problems()
                .add(&here, format!("must be a string, not {}", kind(item)));
            ok = false;
            continue;
        };
        if !check_text(s, &here, f.problems()) {
            ok = false;
            continue;
        }
        match check(s) {
            Ok(t) => out.push(t),
            Err(e) => {
                f.problems().add(&here, e);
                ok = false;
            }
        }
    }
    ok.then_some(out)
}

/// Reads `play`'s properties.
pub fn read_play(f: &mut Fields<'_, '_>) -> Option<Play> {
    if !f.has("url") {
        let at = f.at().clone();
        f.problems()
            .add(&at, "`url` is required: the audio to play");
        return None;
    }
    let audio = read_list(f, "url", audio);
    let repeat = read_loop(f);
    let early_media = f.bool("earlyMedia").unwrap_or(false);
    Some(Play {
        audio: audio?,
        repeat,
        early_media,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_files() {
        assert_eq!(
            audio("https://x.example/a.wav"),
            Ok(Audio::Url("https://x.example/a.wav".into()))
        );
        assert_eq!(
            audio("/usr/share/freeswitch/sounds/a.wav"),
            Ok(Audio::File("/usr/share/freeswitch/sounds/a.wav".into()))
        );
        assert_eq!(
            audio("file:///tmp/a.wav"),
            Ok(Audio::File("/tmp/a.wav".into()))
        );
        assert!(audio("relative.wav").is_err());
        assert!(audio("/tmp/../etc/passwd").is_err());
        assert!(audio("/tmp/a b.wav").is_err());
        assert!(audio("/tmp/{x}.wav").is_err());
        assert!(audio("ftp://x/a.wav").is_err());
    }
}

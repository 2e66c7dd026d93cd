//! `[recordings]`: where FreeSWITCH writes call recordings (RCML's
//! `<Dial record="true">` and `<Record>`), the URL the application fetches
//! them at, and how long they are kept. Off unless the section is present:
//! without it a recording is refused, so no audio is written that nobody
//! serves or deletes.

use serde::{Deserialize, Serialize};

use super::SettingProblem;
use crate::secret::Secret;

/// `[recordings]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Recordings {
    /// Directory FreeSWITCH writes recordings into and dialbridge serves
    /// them from (both must be able to read it; FreeSWITCH must write it).
    pub dir: String,
    /// The base of every `RecordingUrl`: how the application reaches
    /// dialbridge's `[http]` server, e.g. `https://pbx.example.com:8085`.
    /// A recording is served at `<base>/recordings/<RecordingSid>.wav?…`.
    pub public_base_url: String,
    /// How long a recording is kept (and its URL valid): `90s`, `30m`,
    /// `12h`, `7d`, or a number of seconds.
    pub retention: String,
    /// The key signing recording URLs (HMAC-SHA256). At least 16
    /// characters; a URL signed with another key is refused.
    pub url_secret: Secret,
}

impl Default for Recordings {
    fn default() -> Self {
        Self {
            dir: "/var/lib/dialbridge/recordings".into(),
            public_base_url: String::new(),
            retention: "7d".into(),
            url_secret: Secret::default(),
        }
    }
}

impl Recordings {
    /// `retention` in seconds (at least 1); `None` when it does not parse.
    pub(crate) fn retention_secs(&self) -> Option<u64> {
        parse_duration(&self.retention).filter(|s| *s > 0)
    }

    /// `public_base_url` without its trailing slashes.
    pub(crate) fn base(&self) -> &str {
        self.public_base_url.trim_end_matches('/')
    }
}

/// `90`, `90s`, `30m`, `12h`, `7d` in seconds.
pub(crate) fn parse_duration(text: &str) -> Option<u64> {
    let t = text.trim();
    let (digits, unit) = match t.char_indices().last()? {
        (i, c) if c.is_ascii_alphabetic() => (&t[..i], c),
        _ => (t, 's'),
    };
    let n: u64 = digits.trim().parse().ok()?;
    let scale = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3600,
        'd' => 86_400,
        _ => return None,
    };
    n.checked_mul(scale)
}

/// The problems of a `[recordings]` section.
pub(crate) fn check(r: &Recordings) -> Vec<SettingProblem> {
    let mut out = Vec::new();
    let mut problem = |key: &str, message: String| {
        out.push(SettingProblem {
            key: format!("recordings.{key}"),
            message,
        })
    };
    let dir_ok = r.dir.starts_with('/')
        && r.dir
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/-_.".contains(c))
        && !r.dir.split('/').any(|part| part == "..");
    if !dir_ok {
        problem(
            "dir",
            format!(
                "`{}` must be an absolute path of letters, digits, / - _ and . (FreeSWITCH reads \
                 spaces and other characters in an application's argument)",
                r.dir
            ),
        );
    }
    let base_ok = url::Url::parse(&r.public_base_url).is_ok_and(|u| {
        matches!(u.scheme(), "http" | "https")
            && u.host().is_some()
            && u.query().is_none()
            && u.fragment().is_none()
    });
    if !base_ok {
        problem(
            "public_base_url",
            format!(
                "`{}` must be the http(s) URL the application reaches dialbridge's [http] \
                 server at, e.g. https://pbx.example.com:8085 (no query)",
                r.public_base_url
            ),
        );
    }
    if r.retention_secs().is_none() {
        problem(
            "retention",
            format!(
                "`{}` is not a duration; use e.g. 3600, 90s, 30m, 12h or 7d",
                r.retention
            ),
        );
    }
    if r.url_secret.expose().trim().len() < 16 {
        problem(
            "url_secret",
            "must be at least 16 characters (e.g. `openssl rand -hex 32`): it signs the \
             recording URLs"
                .into(),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_an_operator_writes_them() {
        assert_eq!(parse_duration("90"), Some(90));
        assert_eq!(parse_duration("90s"), Some(90));
        assert_eq!(parse_duration("30m"), Some(1800));
        assert_eq!(parse_duration("12h"), Some(43_200));
        assert_eq!(parse_duration("7d"), Some(604_800));
        assert_eq!(parse_duration("7w"), None);
        assert_eq!(parse_duration("d"), None);
        assert_eq!(parse_duration(""), None);
    }

    #[test]
    fn every_wrong_key_is_named() {
        let r = Recordings {
            dir: "rel/dir with space".into(),
            public_base_url: "ftp://x".into(),
            retention: "soon".into(),
            url_secret: Secret::new("short"),
        };
        let keys: Vec<String> = check(&r).into_iter().map(|p| p.key).collect();
        assert_eq!(
            keys,
            [
                "recordings.dir",
                "recordings.public_base_url",
                "recordings.retention",
                "recordings.url_secret"
            ]
        );
        let ok = Recordings {
            public_base_url: "https://pbx.example.com:8085/".into(),
            url_secret: Secret::new("0123456789abcdef"),
            ..Recordings::default()
        };
        assert!(check(&ok).is_empty());
        assert_eq!(ok.base(), "https://pbx.example.com:8085");
    }
}

//! `play`: audio from a URL (fetched into the media cache) or a file on the
//! FreeSWITCH host, in a directory the operator allowed (`[media]
//! cache_dir` and `allow_paths`).
//!
//! The directory rule is applied when the reply is validated, so a path
//! elsewhere is a problem with its JSON pointer (the whole reply is refused,
//! reported to `error_hook`, and `explain` shows it) rather than a verb
//! skipped at run time. It compares the path as written, which has no `..`
//! (refused) and no characters a shell or FreeSWITCH would expand;
//! symbolic links inside an allowed directory are the operator's business.

use serde::Serialize;

/// Where audio comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Audio {
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
    pub(crate) audio: Vec<Audio>,
    /// Repetitions of the whole list.
    pub(crate) repeat: Loop,
    /// Play as early media (183) instead of answering the call.
    pub early_media: bool,
    /// Stop the play after this many seconds (jambonz's `timeoutSecs`).
    pub timeout_secs: Option<u32>,
    /// Told how the play ended; its reply replaces the rest of the
    /// application (jambonz's `actionHook`).
    pub action_hook: Option<super::hook::Hook>,
    /// Samples to skip at the start of the first file, on the first
    /// repetition only (jambonz's `seekOffset`; FreeSWITCH's
    /// `playback <file>@@<samples>`).
    pub seek_offset: Option<u32>,
}

/// Checks one audio location.
pub(crate) fn audio(s: &str) -> Result<Audio, String> {
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

/// Checks that the file `path` (absolute, as [`audio`] leaves it) lies in
/// one of `dirs` (without trailing slashes; `/` allows everything).
pub(crate) fn in_allowed_dir(path: &str, dirs: &[String]) -> Result<(), String> {
    if dirs.iter().any(|d| {
        d == "/"
            || path
                .strip_prefix(d.as_str())
                .is_some_and(|r| r.starts_with('/'))
    }) {
        return Ok(());
    }
    Err(format!(
        "`{path}` is outside the directories play may read ({}); use an http(s) URL, or ask \
         the operator to add the directory to [media] allow_paths",
        if dirs.is_empty() {
            "none configured".to_owned()
        } else {
            dirs.join(", ")
        }
    ))
}

/// Checks a directory of `[media] allow_paths`.
pub(crate) fn allowed_dir(dir: &str) -> Result<(), String> {
    match audio(dir) {
        Ok(Audio::File(_)) if !dir.to_ascii_lowercase().starts_with("file:") => Ok(()),
        Ok(_) => Err(format!("`{dir}` must be an absolute directory, not a URL")),
        Err(e) => Err(e.replace(
            "must be an http(s) URL or an absolute path",
            "must be an absolute path",
        )),
    }
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

    #[test]
    fn files_must_lie_in_an_allowed_directory() {
        let dirs = vec![
            "/var/cache/dialbridge/media".to_owned(),
            "/srv/sounds".to_owned(),
        ];
        assert!(in_allowed_dir("/srv/sounds/a.wav", &dirs).is_ok());
        assert!(in_allowed_dir("/srv/sounds/en/a.wav", &dirs).is_ok());
        assert!(in_allowed_dir("/var/cache/dialbridge/media/x.mp3", &dirs).is_ok());
        // A sibling sharing the prefix is not inside.
        let e = in_allowed_dir("/srv/soundsX/a.wav", &dirs).unwrap_err();
        assert!(
            e.contains("/var/cache/dialbridge/media, /srv/sounds"),
            "{e}"
        );
        assert!(in_allowed_dir("/etc/passwd", &dirs).is_err());
        assert!(in_allowed_dir("/etc/passwd", &[]).is_err());
        assert!(in_allowed_dir("/etc/x.wav", &["/".to_owned()]).is_ok());
    }

    #[test]
    fn allowed_directories_are_absolute_plain_paths() {
        assert!(allowed_dir("/usr/share/freeswitch/sounds").is_ok());
        assert!(allowed_dir("/").is_ok());
        assert!(allowed_dir("sounds").is_err());
        assert!(allowed_dir("/a/../b").is_err());
        assert!(allowed_dir("https://x.example/").is_err());
        assert!(allowed_dir("file:///srv").is_err());
    }
}

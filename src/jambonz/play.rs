//! Reading jambonz's `play` verb, and the `loop` and string-or-array
//! properties `say` shares.

use serde_json::Value;

use super::Pointer;
use super::fields::{Fields, check_text, kind};
use crate::app::Context;
use crate::app::play::{Audio, Loop, Play, audio, in_allowed_dir};

/// Reads `loop`: a count (0 = forever, as in jambonz) or "forever".
pub(crate) fn read_loop(f: &mut Fields<'_, '_>) -> Loop {
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
pub(crate) fn read_list<T>(
    f: &mut Fields<'_, '_>,
    key: &'static str,
    check: impl Fn(&str) -> Result<T, String>,
) -> Option<Vec<T>> {
    let v = f.value(key)?;
    let at = f.at_key(key);
    let items: Vec<(Pointer, &Value)> = match v {
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

/// Reads `play`'s properties; files must lie in `ctx.media_dirs`.
pub(crate) fn read_play(f: &mut Fields<'_, '_>, ctx: &Context) -> Option<Play> {
    if !f.has("url") {
        let at = f.at().clone();
        f.problems()
            .add(&at, "`url` is required: the audio to play");
        return None;
    }
    let audio = read_list(f, "url", |s| match audio(s)? {
        Audio::File(path) => in_allowed_dir(&path, &ctx.media_dirs).map(|()| Audio::File(path)),
        url => Ok(url),
    });
    let repeat = read_loop(f);
    let early_media = f.bool("earlyMedia").unwrap_or(false);
    let timeout_secs = read_timeout_secs(f);
    let action_hook = f.value("actionHook").and_then(|v| {
        let at = f.at_key("actionHook");
        super::hook::read_hook(v, &at, f.problems())
    });
    let seek_offset = read_seek_offset(f);
    if seek_offset.is_some()
        && let Some(list) = &audio
        && let Some(Audio::File(path)) = list.first()
        && path.contains('@')
    {
        // FreeSWITCH's playback takes everything after the first `@@` as
        // the offset, and a path's own `@` hides it.
        f.problem(
            "seekOffset",
            format!("cannot seek in `{path}`: FreeSWITCH cannot seek in a path containing '@'"),
        );
    }
    Some(Play {
        audio: audio?,
        repeat,
        early_media,
        timeout_secs,
        action_hook,
        seek_offset,
    })
}

/// `seekOffset`: samples to skip at the start (a whole number; jambonz also
/// takes a string of digits). 0 is no seek.
fn read_seek_offset(f: &mut Fields<'_, '_>) -> Option<u32> {
    let n = whole_number(f.value("seekOffset")?);
    match n.and_then(|n| u32::try_from(n).ok()) {
        Some(n) => (n > 0).then_some(n),
        None => {
            f.problem(
                "seekOffset",
                "must be a whole number of samples (8000 is one second of 8 kHz audio)",
            );
            None
        }
    }
}

/// A whole number written as a JSON number or a string of digits (jambonz
/// takes both).
fn whole_number(v: &Value) -> Option<u64> {
    match v {
        Value::String(s) => s.trim().parse::<u64>().ok(),
        other => other
            .as_f64()
            .filter(|x| x.fract() == 0.0 && *x >= 0.0)
            .map(|x| x as u64),
    }
}

/// `timeoutSecs`: a whole number of seconds (jambonz also takes it as a
/// string of digits).
fn read_timeout_secs(f: &mut Fields<'_, '_>) -> Option<u32> {
    match whole_number(f.value("timeoutSecs")?) {
        Some(n) if (1..=86_400).contains(&n) => Some(n as u32),
        _ => {
            f.problem(
                "timeoutSecs",
                "must be a whole number of seconds from 1 to 86400",
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_reply_playing_a_path_outside_the_allowed_directories_is_refused_with_its_pointer() {
        let ctx = crate::app::Context {
            media_dirs: vec!["/srv/sounds".into()],
            ..Default::default()
        };
        let reply =
            serde_json::json!([{"verb": "play", "url": ["/srv/sounds/a.wav", "/etc/shadow"]}]);
        let problems = crate::jambonz::parse_value(&reply, &ctx)
            .map(|_| Vec::new())
            .unwrap_or_else(|e| e.problems());
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].pointer, "/0/url/1");
        assert!(problems[0].message.contains("outside the directories"));
        let ok = serde_json::json!([{"verb": "play", "url": "/srv/sounds/a.wav"}]);
        assert!(crate::jambonz::parse_value(&ok, &ctx).is_ok());
    }

    #[test]
    fn a_seek_in_a_file_whose_name_holds_an_at_sign_is_refused() {
        let ctx = crate::app::Context {
            media_dirs: vec!["/srv/sounds".into()],
            ..Default::default()
        };
        let reply = serde_json::json!([{"verb": "play", "url": "/srv/sounds/a@b.wav",
            "seekOffset": 800}]);
        let problems = crate::jambonz::parse_value(&reply, &ctx)
            .map(|_| Vec::new())
            .unwrap_or_else(|e| e.problems());
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].pointer, "/0/seekOffset");
        let ok = serde_json::json!([{"verb": "play", "url": "/srv/sounds/a@b.wav"}]);
        assert!(crate::jambonz::parse_value(&ok, &ctx).is_ok());
    }
}

//! The `config` verb's background features that stream audio: `listen`
//! (or `stream`) and `transcribe`, each `{"enable": true, ...}` (enable may
//! be left out) to start, `{"enable": false}` to stop.

use serde_json::{Map, Value};

use super::fields::{Fields, kind};
use super::listen::read_nested_listen;
use super::transcribe::read_nested_transcribe;
use crate::app::Context;
use crate::app::config::Toggle;
use crate::app::listen::Listen;
use crate::app::transcribe::Transcribe;

/// `listen`, or jambonz's alias `stream` (not both).
pub(crate) fn read_listen(f: &mut Fields<'_, '_>) -> Option<Toggle<Box<Listen>>> {
    let key = match (f.has("listen"), f.has("stream")) {
        (true, true) => {
            f.problem(
                "stream",
                "give either `listen` or `stream` (its alias), not both",
            );
            return None;
        }
        (true, false) => "listen",
        (false, true) => "stream",
        (false, false) => return None,
    };
    let (at, rest) = enabled(f, key)?;
    match rest {
        None => Some(Toggle::Off),
        Some(rest) => read_nested_listen(&Value::Object(rest), &at, f.problems())
            .map(|l| Toggle::On(Box::new(l))),
    }
}

/// `transcribe`.
pub(crate) fn read_transcribe(
    f: &mut Fields<'_, '_>,
    ctx: &Context,
) -> Option<Toggle<Box<Transcribe>>> {
    if !f.has("transcribe") {
        return None;
    }
    let (at, rest) = enabled(f, "transcribe")?;
    match rest {
        None => Some(Toggle::Off),
        Some(rest) => read_nested_transcribe(&Value::Object(rest), &at, ctx, f.problems())
            .map(|t| Toggle::On(Box::new(t))),
    }
}

/// The object at `key` without its `enable`; None inside when it turns
/// the feature off; None outside after a problem.
fn enabled(
    f: &mut Fields<'_, '_>,
    key: &'static str,
) -> Option<(super::Pointer, Option<Map<String, Value>>)> {
    let at = f.at_key(key);
    let v = f.value(key)?;
    let Some(o) = v.as_object() else {
        f.problem(key, format!("must be a JSON object, not {}", kind(v)));
        return None;
    };
    let mut rest = o.clone();
    match rest.remove("enable") {
        None | Some(Value::Null) | Some(Value::Bool(true)) => Some((at, Some(rest))),
        Some(Value::Bool(false)) => Some((at, None)),
        Some(other) => {
            f.problems().add(
                &at.key("enable"),
                format!("must be true or false, not {}", kind(&other)),
            );
            None
        }
    }
}

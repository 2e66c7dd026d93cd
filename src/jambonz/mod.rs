//! The jambonz JSON dialect: a webhook reply read into the verb model
//! ([`crate::app`]). Nothing here knows FreeSWITCH or HTTP.
//!
//! A reply is a JSON array of verbs (one verb object is also accepted). Each
//! verb is `{"verb": "dial", ...}` or `{"dial": {...}}`. Reading never stops
//! at the first problem: [`parse_reply`] returns every problem with its JSON
//! pointer ([`Pointer`]), or the verbs. Each verb's reader is the file named
//! after the model's (`jambonz/dial.rs` reads `app/dial.rs`'s `Dial`);
//! [`fields`] reads one JSON object property by property.

pub mod accepted;
pub mod alert;
pub mod amd;
pub(crate) mod background;
pub(crate) mod barge_in;
pub mod conference;
pub mod config;
pub mod decline;
pub mod dial;
pub(crate) mod fields;
pub(crate) mod gather;
pub(crate) mod hangup;
pub(crate) mod headers;
pub(crate) mod hook;
pub(crate) mod listen;
pub(crate) mod pause;
pub(crate) mod play;
pub mod pointer;
pub(crate) mod queue;
pub mod redirect;
pub(crate) mod rest_dial;
pub mod say;
pub mod send_dtmf;
pub mod sip_refer;
pub mod sip_request;
pub mod synthesizer;
pub mod tag;
pub mod target;
pub(crate) mod transcribe;
pub(crate) mod without_effect;

#[cfg(test)]
mod compat_tests;
#[cfg(test)]
mod dial_tests;
#[cfg(test)]
mod target_tests;

use serde_json::Value;

use crate::app::problem::Problems;
use crate::app::{Context, Instruction, Reply, ReplyError, Verb};
use fields::{Fields, kind};
pub(crate) use pointer::Pointer;

/// Verbs dialbridge knows.
const VERBS: &[&str] = &[
    "alert",
    "answer",
    "conference",
    "config",
    "dequeue",
    "dial",
    "dtmf",
    "enqueue",
    "gather",
    "hangup",
    "leave",
    "listen",
    "pause",
    "play",
    "redirect",
    "rest:dial",
    "say",
    "sip:decline",
    "sip:refer",
    "sip:request",
    "stream",
    "tag",
    "transcribe",
];

/// jambonz verbs dialbridge does not run.
const UNSUPPORTED: &[&str] = &[
    "dialogflow",
    "dub",
    "lex",
    "llm",
    "message",
    "pipeline",
    "rasa",
];

/// Reads a webhook reply. Blank text is an empty reply.
pub fn parse_reply(text: &str, ctx: &Context) -> Result<Reply, ReplyError> {
    if text.trim().is_empty() {
        return Ok(Reply::default());
    }
    let value: Value = serde_json::from_str(text).map_err(|e| {
        let full = e.to_string();
        let message = match full.rfind(" at line ") {
            Some(i) => full[..i].to_owned(),
            None => full,
        };
        ReplyError::Syntax {
            line: e.line(),
            column: e.column(),
            message,
        }
    })?;
    parse_value(&value, ctx)
}

/// Reads an already-parsed reply.
pub fn parse_value(value: &Value, ctx: &Context) -> Result<Reply, ReplyError> {
    let mut problems = Problems::default();
    let mut instructions = Vec::new();
    match value {
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                if let Some(ins) =
                    read_instruction(item, &Pointer::root().index(i), ctx, &mut problems)
                {
                    instructions.push(ins);
                }
            }
        }
        Value::Object(_) => {
            if let Some(ins) = read_instruction(value, &Pointer::root(), ctx, &mut problems) {
                instructions.push(ins);
            }
        }
        other => problems.add(
            &Pointer::root(),
            format!("a reply must be an array of verbs, not {}", kind(other)),
        ),
    }
    let (problems, notices) = problems.into_parts();
    if problems.is_empty() {
        Ok(Reply {
            instructions,
            notices,
        })
    } else {
        Err(ReplyError::Invalid(problems))
    }
}

fn read_instruction(
    value: &Value,
    at: &Pointer,
    ctx: &Context,
    problems: &mut Problems,
) -> Option<Instruction> {
    let object = match value.as_object() {
        Some(o) => o,
        None => {
            problems.add(
                at,
                format!("a verb must be a JSON object, not {}", kind(value)),
            );
            return None;
        }
    };
    // {"dial": {...}}: one key naming a verb, whose value holds the properties.
    if !object.contains_key("verb")
        && object.len() == 1
        && let Some((name, inner)) = object.iter().next()
    {
        let here = at.key(name);
        if !known_verb(name, &here, problems) {
            return None;
        }
        let mut f = Fields::of(inner, &here, &format!("the `{name}` verb"), problems)?;
        let verb = read_verb(name, &mut f, ctx);
        return finish(f, verb);
    }
    let mut f = Fields::of(value, at, "a verb", problems)?;
    let Some(name) = f.str("verb") else {
        if !f.has("verb") {
            let here = f.at().clone();
            f.problems().add(
                &here,
                "a verb needs `\"verb\": \"<name>\"` (or the form {\"<name>\": {...}})",
            );
        }
        return None;
    };
    if !known_verb(name, &at.key("verb"), f.problems()) {
        return None;
    }
    let verb = read_verb(name, &mut f, ctx);
    finish(f, verb)
}

fn finish(mut f: Fields<'_, '_>, verb: Option<Verb>) -> Option<Instruction> {
    let id = f.str("id").map(str::to_owned);
    let clean = f.finish();
    let verb = verb?;
    clean.then_some(Instruction { id, verb })
}

/// Records why `name` is not a verb dialbridge runs; true when it is one.
fn known_verb(name: &str, at: &Pointer, problems: &mut Problems) -> bool {
    if VERBS.contains(&name) {
        return true;
    }
    let message = if UNSUPPORTED.contains(&name) {
        format!(
            "the `{name}` verb is not supported by dialbridge; supported: {}",
            VERBS.join(", ")
        )
    } else {
        format!(
            "unknown verb `{name}`; dialbridge runs: {}",
            VERBS.join(", ")
        )
    };
    problems.add(at, message);
    false
}

fn read_verb(name: &str, f: &mut Fields<'_, '_>, ctx: &Context) -> Option<Verb> {
    match name {
        "alert" => alert::read_alert(f).map(Verb::Alert),
        "answer" => Some(Verb::Answer),
        "conference" => conference::read_conference(f).map(Verb::Conference),
        "config" => config::read_config(f, ctx).map(|c| Verb::Config(Box::new(c))),
        "dtmf" => send_dtmf::read_send_dtmf(f).map(Verb::SendDtmf),
        "leave" => Some(Verb::Leave),
        "enqueue" => queue::read_enqueue(f).map(Verb::Enqueue),
        "dequeue" => queue::read_dequeue(f).map(Verb::Dequeue),
        "listen" | "stream" => listen::read_listen_verb(f, ctx).map(|l| Verb::Listen(Box::new(l))),
        "dial" => dial::read_dial(f, ctx).map(|d| Verb::Dial(Box::new(d))),
        "gather" => gather::read_gather(f, ctx).map(Verb::Gather),
        "hangup" => hangup::read_hangup(f).map(Verb::Hangup),
        "pause" => pause::read_pause(f).map(Verb::Pause),
        "play" => play::read_play(f, ctx).map(Verb::Play),
        "redirect" => redirect::read_redirect(f).map(Verb::Redirect),
        "rest:dial" => rest_dial::read_rest_dial(f, ctx).map(|r| Verb::RestDial(Box::new(r))),
        "say" => say::read_say(f).map(Verb::Say),
        "sip:decline" => decline::read_decline(f).map(Verb::SipDecline),
        "sip:refer" => sip_refer::read_sip_refer(f).map(Verb::SipRefer),
        "sip:request" => sip_request::read_sip_request(f).map(Verb::SipRequest),
        "tag" => tag::read_tag(f).map(Verb::Tag),
        "transcribe" => transcribe::read_transcribe(f, ctx).map(|t| Verb::Transcribe(Box::new(t))),
        _ => None,
    }
}

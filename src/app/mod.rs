//! What web applications send: the verbs of a webhook reply, read and
//! validated into typed values. Nothing here knows FreeSWITCH or HTTP.
//!
//! A reply is a JSON array of verbs (one verb object is also accepted). Each
//! verb is `{"verb": "dial", ...}` or `{"dial": {...}}`. Reading never stops
//! at the first problem: [`parse_reply`] returns every problem with its JSON
//! pointer, or the verbs.

pub mod address_rules;
pub mod amd;
pub mod decline;
pub mod dial;
pub mod gather;
pub mod hangup;
pub mod headers;
pub mod hook;
pub mod pause;
pub mod play;
pub mod problem;
pub mod redirect;
pub mod rules;
pub mod say;
pub mod tag;
pub mod target;

use serde::Serialize;
use serde_json::Value;

pub use dial::{Dial, DtmfCapture};
pub use hook::{Hook, Method};
pub use problem::{Pointer, Problem, Problems, ReplyError};
pub use target::{SipAuth, Target, TargetKind};

use crate::jambonz::fields::{Fields, kind};

/// What validation needs to know about this installation.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// Accept national digits where E.164 is expected.
    pub relaxed_numbers: bool,
    /// Names of the configured carriers.
    pub carriers: Vec<String>,
    /// True when a carrier is marked `default`.
    pub has_default_carrier: bool,
    /// `[teams] tenant`, used by teams targets that name none.
    pub teams_tenant: Option<String>,
    /// Directories `play` may name files in (`[media] cache_dir` and
    /// `allow_paths`); empty: no local path is allowed.
    pub media_dirs: Vec<String>,
}

impl Context {
    /// True when `name` names a configured carrier (ignoring case, as
    /// environment-variable overrides lowercase keys).
    pub fn has_carrier(&self, name: &str) -> bool {
        self.carriers.iter().any(|c| c.eq_ignore_ascii_case(name))
    }
}

/// One verb of an application.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "verb", rename_all = "lowercase")]
pub enum Verb {
    /// Answer the call.
    Answer,
    /// Ring targets and bridge the first to answer.
    Dial(Box<Dial>),
    /// Collect digits.
    Gather(gather::Gather),
    /// End the call.
    Hangup(hangup::Hangup),
    /// Silence.
    Pause(pause::Pause),
    /// Play audio.
    Play(play::Play),
    /// Fetch a new application.
    Redirect(redirect::Redirect),
    /// Speak text.
    Say(say::Say),
    /// Refuse the call with a SIP status.
    #[serde(rename = "sip:decline")]
    SipDecline(decline::SipDecline),
    /// Attach data to later hooks.
    Tag(tag::Tag),
}

impl Verb {
    /// The verb's name as applications write it.
    pub fn name(&self) -> &'static str {
        match self {
            Verb::Answer => "answer",
            Verb::Dial(_) => "dial",
            Verb::Gather(_) => "gather",
            Verb::Hangup(_) => "hangup",
            Verb::Pause(_) => "pause",
            Verb::Play(_) => "play",
            Verb::Redirect(_) => "redirect",
            Verb::Say(_) => "say",
            Verb::SipDecline(_) => "sip:decline",
            Verb::Tag(_) => "tag",
        }
    }
}

/// A verb with its optional `id` (echoed as `verb_id` in its hooks).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Instruction {
    /// The application's id for this verb.
    pub id: Option<String>,
    /// The verb.
    #[serde(flatten)]
    pub verb: Verb,
}

/// A valid reply: the verbs to run, plus notices about properties that were
/// accepted but have no effect.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Reply {
    /// Verbs in order.
    pub instructions: Vec<Instruction>,
    /// Things the application should know (not errors).
    pub notices: Vec<Problem>,
}

/// Verbs dialbridge knows.
const VERBS: &[&str] = &[
    "answer",
    "dial",
    "gather",
    "hangup",
    "pause",
    "play",
    "redirect",
    "say",
    "sip:decline",
    "tag",
];

/// jambonz verbs dialbridge does not run.
const UNSUPPORTED: &[&str] = &[
    "alert",
    "conference",
    "config",
    "dequeue",
    "dialogflow",
    "dtmf",
    "dub",
    "enqueue",
    "leave",
    "lex",
    "listen",
    "llm",
    "message",
    "rasa",
    "sip:refer",
    "sip:request",
    "stream",
    "transcribe",
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
        "answer" => Some(Verb::Answer),
        "dial" => dial::read_dial(f, ctx).map(|d| Verb::Dial(Box::new(d))),
        "gather" => gather::read_gather(f, ctx).map(Verb::Gather),
        "hangup" => hangup::read_hangup(f).map(Verb::Hangup),
        "pause" => pause::read_pause(f).map(Verb::Pause),
        "play" => play::read_play(f, ctx).map(Verb::Play),
        "redirect" => redirect::read_redirect(f).map(Verb::Redirect),
        "say" => say::read_say(f).map(Verb::Say),
        "sip:decline" => decline::read_decline(f).map(Verb::SipDecline),
        "tag" => tag::read_tag(f).map(Verb::Tag),
        _ => None,
    }
}

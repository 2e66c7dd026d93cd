//! The RCML dialect (Restcomm's markup, TwiML's sibling): an XML document
//! `<Response>…</Response>` read into the same verb model ([`crate::app`])
//! the jambonz reader produces, every problem at an XML element path
//! ([`Location::XmlPath`]), plus the Twilio request parameters the
//! application expects ([`params`]). Nothing here knows FreeSWITCH or HTTP.
//!
//! RCML's control flow differs from jambonz's in one place the model can
//! show: verbs after a `<Dial action>` or a `<Redirect>` are unreachable
//! (the action's reply replaces the document), so the reader drops them
//! with a notice. A `<Gather>` is followed only when nothing was entered,
//! which the call engine applies for RCML applications.

pub(crate) mod attrs;
pub(crate) mod conference;
pub(crate) mod dial;
pub(crate) mod gather;
pub(crate) mod nouns;
pub(crate) mod params;
pub(crate) mod record;
pub(crate) mod verbs;
pub(crate) mod xml;

#[cfg(test)]
mod tests;

use crate::app::problem::{Location, Problems};
use crate::app::{Context, Instruction, Reply, ReplyError, Verb};
use xml::Element;

/// Verbs dialbridge runs.
pub(crate) const VERBS: &[&str] = &[
    "Dial", "Gather", "Hangup", "Pause", "Play", "Record", "Redirect", "Reject", "Say",
];

/// RCML/TwiML verbs dialbridge does not run.
const UNSUPPORTED: &[&str] = &[
    "Connect", "Echo", "Email", "Enqueue", "Fax", "Leave", "Message", "Pay", "Prompt", "Queue",
    "Refer", "Sms", "SMS", "Start", "Stop",
];

/// Where the document came from: its URL is the default `action` of a
/// `<Gather>` that names none (as in TwiML).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Source<'a> {
    /// The URL the document was fetched from.
    pub(crate) url: &'a str,
}

/// Reads an RCML document. Blank text is an empty reply.
pub(crate) fn parse_document(
    text: &str,
    source: Source<'_>,
    ctx: &Context,
) -> Result<Reply, ReplyError> {
    // A byte-order mark some editors and frameworks put first is not text.
    let text = text.trim_start_matches('\u{feff}');
    if text.trim().is_empty() {
        return Ok(Reply::default());
    }
    let root = xml::parse(text).map_err(|e| {
        ReplyError::Invalid(vec![crate::app::Problem {
            pointer: Location::XmlPath(String::new()),
            message: format!("the reply is not well-formed XML: {e}"),
        }])
    })?;
    let mut problems = Problems::default();
    let instructions = read_response(&root, source, ctx, &mut problems);
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

fn read_response(
    root: &Element,
    source: Source<'_>,
    ctx: &Context,
    problems: &mut Problems,
) -> Vec<Instruction> {
    if root.name != "Response" {
        problems.add(
            Location::XmlPath(root.path.clone()),
            format!(
                "an RCML document's root element is <Response>, not <{}>",
                root.name
            ),
        );
        return Vec::new();
    }
    attrs::Attrs::of(root, problems).finish();
    if !root.text().is_empty() {
        problems.add(
            Location::XmlPath(root.path.clone()),
            "text directly inside <Response> is not a verb; put it in <Say>",
        );
    }
    let mut out = Vec::new();
    let mut cut: Option<&str> = None;
    for el in root.elements() {
        if let Some(after) = cut {
            problems.notice(
                Location::XmlPath(el.path.clone()),
                format!("unreachable: {after} replaces the rest of the document; not run"),
            );
            continue;
        }
        let verb = read_verb(el, source, ctx, problems);
        if let Some(verb) = verb {
            match &verb {
                Verb::Dial(d) if d.action_hook.is_some() => cut = Some("<Dial action>'s reply"),
                Verb::Conference(c) if c.action_hook.is_some() => {
                    cut = Some("<Dial action>'s reply")
                }
                Verb::Redirect(_) => cut = Some("<Redirect>'s reply"),
                _ => {}
            }
            out.push(Instruction { id: None, verb });
        }
    }
    out
}

fn read_verb(
    el: &Element,
    source: Source<'_>,
    ctx: &Context,
    problems: &mut Problems,
) -> Option<Verb> {
    let before = problems.len();
    let verb = match el.name.as_str() {
        "Dial" if conference::is_conference(el) => {
            conference::read_dial_conference(el, problems).map(Verb::Conference)
        }
        "Dial" => dial::read_dial(el, ctx, problems).map(|d| Verb::Dial(Box::new(d))),
        "Gather" => gather::read_gather(el, source, ctx, problems).map(Verb::Gather),
        "Hangup" => verbs::read_hangup(el, problems),
        "Pause" => verbs::read_pause(el, problems).map(Verb::Pause),
        "Play" => verbs::read_play_verb(el, ctx, problems),
        "Record" => record::read_record(el, source, problems).map(Verb::Record),
        "Redirect" => verbs::read_redirect(el, problems).map(Verb::Redirect),
        "Reject" => verbs::read_reject(el, problems).map(Verb::SipDecline),
        "Say" => verbs::read_say(el, problems).map(Verb::Say),
        other => {
            let message = if UNSUPPORTED.contains(&other) {
                format!(
                    "the <{other}> verb is not supported by dialbridge; supported: {}",
                    VERBS.join(", ")
                )
            } else {
                format!(
                    "unknown verb <{other}> (names are case-sensitive); dialbridge runs: {}",
                    VERBS.join(", ")
                )
            };
            problems.add(Location::XmlPath(el.path.clone()), message);
            None
        }
    };
    if problems.len() > before {
        return None;
    }
    verb
}

/// Reports every child element of `el` (a verb that takes only text).
pub(crate) fn no_children(el: &Element, problems: &mut Problems) {
    for child in el.elements() {
        problems.add(
            Location::XmlPath(child.path.clone()),
            format!("<{}> cannot contain <{}>", el.name, child.name),
        );
    }
}

/// The RCML element name of `verb`.
pub(crate) fn element_name(verb: &Verb) -> &'static str {
    match verb {
        Verb::Dial(_) | Verb::Conference(_) => "Dial",
        Verb::SendDtmf(_) => "Play",
        Verb::Gather(_) => "Gather",
        Verb::Hangup(_) => "Hangup",
        Verb::Pause(_) => "Pause",
        Verb::Play(_) => "Play",
        Verb::Record(_) => "Record",
        Verb::Redirect(_) => "Redirect",
        Verb::Say(_) => "Say",
        Verb::SipDecline(_) => "Reject",
        // Verbs RCML has no element for (the reader never makes them).
        other => other.name(),
    }
}

/// The element path of the `index`th verb of a document read into
/// `instructions` (verbs map one to one onto the first elements of
/// `<Response>`).
pub(crate) fn element_path(instructions: &[Instruction], index: usize) -> String {
    let Some(this) = instructions.get(index) else {
        return String::new();
    };
    let name = element_name(&this.verb);
    let n = instructions[..=index]
        .iter()
        .filter(|i| element_name(&i.verb) == name)
        .count();
    format!("/Response/{name}[{n}]")
}

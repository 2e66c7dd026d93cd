//! Reading RCML's `<Gather>`: digits only, with its nested `<Say>`,
//! `<Play>` and `<Pause>` as the prompt.
//!
//! The model plays one prompt while collecting, so the nested verbs must
//! be one kind: several `<Say>`s with the same settings are spoken in
//! turn, several `<Play>`s with the same `loop` are played in turn. A
//! `<Pause>` after the prompt lengthens the wait for the first digit
//! (which is what silence at the end of the prompt does); a `<Pause>`
//! elsewhere is refused at its path.

use super::Source;
use super::attrs::Attrs;
use super::verbs::{read_pause, read_play, read_say};
use super::xml::Element;
use crate::app::Context;
use crate::app::gather::{Gather, Prompt};
use crate::app::problem::{Location, Problems};

/// Most digits a `<Gather>` without `numDigits` collects.
pub(crate) const MAX_DIGITS: u32 = 64;

/// Reads `<Gather>`.
pub(crate) fn read_gather(
    el: &Element,
    source: Source<'_>,
    ctx: &Context,
    problems: &mut Problems,
) -> Option<Gather> {
    let before = problems.len();
    let mut a = Attrs::of(el, problems);
    let method = a.method();
    // TwiML: without action, the result goes to the document's own URL.
    let action_hook = a.action_or_document(method, source.url);
    let mut timeout = a.integer("timeout", 1, 600, "seconds").unwrap_or(5) as u32;
    let finish_on_key = match a.str("finishOnKey") {
        None => Some('#'),
        Some("") => None,
        Some(k) => {
            let mut chars = k.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) if c.is_ascii_digit() || c == '*' || c == '#' => Some(c),
                _ => {
                    a.problem("finishOnKey", "must be one DTMF key: 0-9, * or #, or empty");
                    None
                }
            }
        }
    };
    let num = a.integer("numDigits", 1, u64::from(MAX_DIGITS), "digits");
    let (min_digits, max_digits) = match num {
        Some(n) => (n as u32, n as u32),
        None => (1, MAX_DIGITS),
    };
    match a.str("input") {
        None | Some("dtmf") => {}
        Some(other) => a.problem(
            "input",
            format!("dialbridge gathers digits only: use input=\"dtmf\" (got `{other}`)"),
        ),
    }
    if a.bool("actionOnEmptyResult") == Some(true) {
        a.problem(
            "actionOnEmptyResult",
            "is not supported: with no digits the document goes on with the next verb",
        );
    }
    a.without_effect(
        &[
            "language",
            "hints",
            "speechTimeout",
            "speechModel",
            "profanityFilter",
            "partialResultCallback",
            "partialResultCallbackMethod",
            "enhanced",
            "bargeIn",
        ],
        "dialbridge gathers digits only",
    );
    a.finish();
    let inter_digit_timeout = timeout;
    let prompt = read_prompt(el, ctx, problems, &mut timeout);
    let action_hook = action_hook?;
    (problems.len() == before).then_some(Gather {
        action_hook: Some(action_hook),
        min_digits,
        max_digits,
        finish_on_key,
        timeout,
        inter_digit_timeout,
        prompt,
    })
}

fn read_prompt(
    el: &Element,
    ctx: &Context,
    problems: &mut Problems,
    timeout: &mut u32,
) -> Option<Prompt> {
    if !el.text().is_empty() {
        problems.add(
            Location::XmlPath(el.path.clone()),
            "text directly inside <Gather> is not a prompt; put it in <Say>",
        );
    }
    let children: Vec<&Element> = el.elements().collect();
    let mut prompt: Option<Prompt> = None;
    for (i, child) in children.iter().enumerate() {
        let at = Location::XmlPath(child.path.clone());
        match child.name.as_str() {
            "Pause" => {
                let last_run = children[i..].iter().all(|c| c.name == "Pause");
                match read_pause(child, problems) {
                    Some(p) if last_run => *timeout = timeout.saturating_add(p.length),
                    Some(_) => problems.add(
                        at,
                        "a <Pause> inside <Gather> is only supported after the prompt \
                         (it lengthens the wait for the first digit)",
                    ),
                    None => {}
                }
            }
            "Say" => {
                let Some(say) = read_say(child, problems) else {
                    continue;
                };
                match &mut prompt {
                    None => prompt = Some(Prompt::Say(say)),
                    Some(Prompt::Say(first))
                        if first.voice == say.voice
                            && first.language == say.language
                            && first.repeat == say.repeat =>
                    {
                        first.text.extend(say.text);
                    }
                    Some(_) => problems.add(at, MIXED),
                }
            }
            "Play" => {
                let Some(play) = read_play(child, ctx, problems) else {
                    continue;
                };
                match &mut prompt {
                    None => prompt = Some(Prompt::Play(play)),
                    Some(Prompt::Play(first)) if first.repeat == play.repeat => {
                        first.audio.extend(play.audio);
                    }
                    Some(_) => problems.add(at, MIXED),
                }
            }
            other => problems.add(
                at,
                format!("<Gather> may contain <Say>, <Play> and <Pause>, not <{other}>"),
            ),
        }
    }
    prompt
}

const MIXED: &str = "dialbridge plays one kind of prompt per <Gather>: several <Say> with the \
                     same voice, language and loop, or several <Play> with the same loop";

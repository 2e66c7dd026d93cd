//! Reading `<Dial>`'s nouns into dial targets: `<Number>` (a phone number
//! through the default carrier), `<Client>` (a user registered with the
//! registrar), `<Sip>` (a SIP URI with optional digest credentials). Each
//! takes `url`/`method`: the screening document run on the callee before
//! the bridge (a `confirmHook`).

use super::attrs::Attrs;
use super::no_children;
use super::xml::Element;
use crate::app::headers::Headers;
use crate::app::hook::Hook;
use crate::app::problem::Problems;
use crate::app::{Context, SipAuth, Target, TargetKind, rules};
use crate::secret::Secret;

/// A number as people write it, with the visual separators RCML allows
/// (`-`, spaces, `(`, `)`, `.`) removed, checked as a phone number and
/// sent through the default carrier.
pub(crate) fn read_number_text(text: &str, ctx: &Context) -> Result<Target, String> {
    let number: String = text
        .chars()
        .filter(|c| !matches!(c, '-' | ' ' | '(' | ')' | '.' | '\t' | '\n' | '\r'))
        .collect();
    rules::phone_number(&number, ctx.relaxed_numbers, "the number").map_err(|e| {
        if !number.starts_with('+') && !ctx.relaxed_numbers {
            format!(
                "{e}; `{number}` has no country code: write it in E.164 (+…), or set [app] \
                 relaxed_numbers = true to send national digits as written"
            )
        } else {
            e
        }
    })?;
    if !ctx.has_default_carrier {
        return Err(
            "no carrier in [carriers] has default = true; RCML numbers go out through the \
             default carrier"
                .to_owned(),
        );
    }
    Ok(target(TargetKind::Phone {
        number,
        trunk: None,
    }))
}

fn target(kind: TargetKind) -> Target {
    Target {
        kind,
        confirm_hook: None,
        headers: Headers::default(),
        routing: Default::default(),
        send_digits: None,
    }
}

/// Reads one noun of a `<Dial>`.
pub(crate) fn read_noun(el: &Element, ctx: &Context, problems: &mut Problems) -> Option<Target> {
    let before = problems.len();
    let mut a = Attrs::of(el, problems);
    let method = a.method();
    let confirm_hook: Option<Hook> = a.hook("url", method);
    let text = el.text();
    let mut send_digits = None;
    let kind = match el.name.as_str() {
        "Number" => {
            if let Some(d) = a.str("sendDigits") {
                match crate::app::send_dtmf::check(d, "sendDigits") {
                    Ok(()) => send_digits = Some(d.to_owned()),
                    Err(e) => a.problem("sendDigits", e),
                }
            }
            a.without_effect(&["byoc"], "numbers go out through the default carrier");
            match read_number_text(&text, ctx) {
                Ok(t) => Some(t.kind),
                Err(e) => {
                    a.problem_here(e);
                    None
                }
            }
        }
        "Client" => client(&text, ctx, &mut a),
        "Sip" => sip(&text, &mut a),
        "Queue" | "Sim" | "Application" => {
            a.problem_here(format!(
                "<{}> is not supported inside <Dial> by dialbridge; use <Number>, <Client> or \
                 <Sip>",
                el.name
            ));
            None
        }
        other => {
            a.problem_here(format!(
                "<Dial> may contain <Number>, <Client> and <Sip>, not <{other}>"
            ));
            None
        }
    };
    a.without_effect(
        &[
            "statusCallback",
            "statusCallbackEvent",
            "statusCallbackMethod",
        ],
        "the dialed leg's progress is reported in the dial's action request",
    );
    a.finish();
    no_children(el, problems);
    let kind = kind?;
    (problems.len() == before).then_some(Target {
        kind,
        confirm_hook,
        headers: Headers::default(),
        routing: Default::default(),
        send_digits,
    })
}

/// `<Client>name</Client>`: `name@domain`, or `name` at `[registrar]
/// domain`.
fn client(text: &str, ctx: &Context, a: &mut Attrs<'_, '_>) -> Option<TargetKind> {
    if text.is_empty() {
        a.problem_here("<Client> is empty: give the client's name");
        return None;
    }
    let name = if text.contains('@') {
        text.to_owned()
    } else {
        match &ctx.registrar_domain {
            Some(d) => format!("{text}@{d}"),
            None => {
                a.problem_here(format!(
                    "<Client>{text}</Client> names no domain and [registrar] domain is not set; \
                     set it (the domain clients register under) or write name@domain"
                ));
                return None;
            }
        }
    };
    match rules::user_name(&name, "the client") {
        Ok(()) => Some(TargetKind::User { name }),
        Err(e) => {
            a.problem_here(e);
            None
        }
    }
}

/// `<Sip username password>sip:…</Sip>`.
fn sip(text: &str, a: &mut Attrs<'_, '_>) -> Option<TargetKind> {
    let uri = match rules::sip_uri(text, "the SIP URI") {
        Ok(()) => Some(text.to_owned()),
        Err(e) => {
            a.problem_here(e);
            None
        }
    };
    let username = a.str("username");
    let password = a.str("password");
    let auth = match (username, password) {
        (None, None) => None,
        (Some(u), Some(p)) => {
            let user_ok = !u.is_empty()
                && !u
                    .chars()
                    .any(|c| c.is_whitespace() || "'\",|[]{}^`".contains(c))
                && rules::block_value(u, rules::VarBlock::PerLeg, "username").is_ok();
            if !user_ok {
                a.problem("username", "cannot be used as a SIP digest user name");
            }
            if let Err(e) = rules::block_value(p, rules::VarBlock::PerLeg, "password") {
                a.problem("password", e);
            }
            Some(SipAuth {
                username: u.to_owned(),
                password: Secret::new(p),
            })
        }
        (Some(_), None) => {
            a.problem("username", "is given without `password`");
            None
        }
        (None, Some(_)) => {
            a.problem("password", "is given without `username`");
            None
        }
    };
    Some(TargetKind::Sip {
        uri: uri?,
        auth,
        proxy: None,
    })
}

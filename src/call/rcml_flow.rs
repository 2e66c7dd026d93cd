//! Where RCML's control flow differs from jambonz's at run time: after a
//! `<Gather>`, nothing entered goes on with the next verb without asking
//! the application, and digits are sent to `action`, whose reply replaces
//! the document — an empty reply ends the call, since the verbs after a
//! `<Gather>` are reachable only when nothing was entered (TwiML's
//! semantics; jambonz asks the hook either way and goes on after an empty
//! reply).

use serde_json::json;

use super::Call;
use super::verbs::{Next, ask_hook};
use crate::app::gather::Gather;
use crate::webhook::HookKind;

/// What comes after an RCML `<Gather>` that collected `digits`.
pub(crate) async fn after_gather(call: &mut Call, g: &Gather, digits: &str) -> Next {
    let Some(hook) = g.action_hook.as_ref().filter(|_| !digits.is_empty()) else {
        return Next::Continue;
    };
    match ask_hook(call, HookKind::Action, hook, json!({"digits": digits})).await {
        Next::Continue => Next::End,
        other => other,
    }
}

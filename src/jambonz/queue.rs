//! Reading jambonz's `enqueue` and `dequeue` verbs.

use super::fields::Fields;
use super::hook::read_hook;
use crate::app::Hook;
use crate::app::queue::{Dequeue, Enqueue, check_name};

/// A hook property.
fn hook(f: &mut Fields<'_, '_>, key: &'static str) -> Option<Hook> {
    let v = f.value(key)?;
    let at = f.at_key(key);
    read_hook(v, &at, f.problems())
}

/// The queue's `name`.
fn name(f: &mut Fields<'_, '_>) -> Option<String> {
    let name = f.required_str("name", "the queue's name")?;
    match check_name(name) {
        Ok(()) => Some(name.to_owned()),
        Err(e) => {
            f.problem("name", e);
            None
        }
    }
}

/// Reads `enqueue`'s properties.
pub(crate) fn read_enqueue(f: &mut Fields<'_, '_>) -> Option<Enqueue> {
    let before = f.problems().len();
    let name = name(f);
    let wait_hook = hook(f, "waitHook");
    let action_hook = hook(f, "actionHook");
    super::accepted::object_without_effect(
        f,
        "_",
        "jambonz's internal data for its own queue bookkeeping; ignored",
    );
    if f.value("priority").is_some() {
        f.notice(
            "priority",
            "dialbridge's queues are first come, first served; ignored",
        );
    }
    (f.problems().len() == before).then_some(Enqueue {
        name: name?,
        wait_hook,
        action_hook,
    })
}

/// Reads `dequeue`'s properties.
pub(crate) fn read_dequeue(f: &mut Fields<'_, '_>) -> Option<Dequeue> {
    let before = f.problems().len();
    let name = name(f);
    let timeout = f
        .integer("timeout", 0, 86_400, "seconds")
        .and_then(|n| u32::try_from(n).ok())
        .filter(|n| *n > 0);
    let beep = f.bool("beep").unwrap_or(false);
    // Any call_sid: one that is not waiting is simply not found.
    let call_sid = f.str("callSid").map(str::to_owned);
    let action_hook = hook(f, "actionHook");
    if f.value("confirmHook").is_some() {
        f.notice(
            "confirmHook",
            "not supported by dialbridge's dequeue; ignored",
        );
    }
    (f.problems().len() == before).then_some(Dequeue {
        name: name?,
        timeout,
        beep,
        call_sid,
        action_hook,
    })
}

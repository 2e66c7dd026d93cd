//! The `bridge` application: failover groups rung one after the other
//! (`|`), `continue_on_fail`, and the A-leg result variables. The ringing
//! of one group is in ringing.rs, the bridged call in bridged.rs; event
//! order and causes follow traces 02a-02e, 03a-03e and 04a-04f.

use freeswitch_esl_tokio::HangupCause;

use super::apps::{After, local_hangup};
use super::bridged::bridged;
use super::core::Core;
use super::legs::plan;
use super::lifecycle::Disp;
use super::ringing::{Why, originate};
use super::switch::Switch;

/// `DIALSTATUS` for a failed originate (switch_ivr_originate.c).
pub(super) fn dialstatus(c: HangupCause) -> String {
    match c {
        HangupCause::OriginatorCancel => "CANCEL".into(),
        HangupCause::UserBusy => "BUSY".into(),
        HangupCause::NoAnswer => "NOANSWER".into(),
        HangupCause::DestinationOutOfOrder | HangupCause::InvalidProfile => "INVALIDARGS".into(),
        HangupCause::CallRejected => "DONTCALL".into(),
        other => other.as_str().into(),
    }
}

/// Whether `continue_on_fail` (true, or a list of causes) lets A go on.
fn continues(core: &Core, a: &str, cause: HangupCause) -> bool {
    let Some(ch) = core.channels.get(a) else {
        return false;
    };
    if ch.var_true("continue_on_fail") {
        return true;
    }
    let num = (cause as u16).to_string();
    ch.var("continue_on_fail").is_some_and(|v| {
        v.split(',')
            .any(|c| c.trim() == cause.as_str() || c.trim() == num)
    })
}

/// Ends a leg during the originate (the partner's `last_bridge_*` are set
/// by the hangup itself), reporting it at once when `complete`.
pub(super) fn end_leg(
    core: &mut Core,
    cu: &str,
    uuid: &str,
    cause: HangupCause,
    disp: Disp,
    complete: bool,
) {
    core.hangup(cu, uuid, cause, disp);
    if complete {
        core.complete(cu, uuid);
    }
}

/// Runs `bridge <arg>` on channel `a`.
pub async fn bridge_app(sw: &Switch, a: &str, arg: &str) -> (String, After) {
    let cu = sw.0.core_uuid.clone();
    let (dial, groups) = plan(arg);
    let Some(log) = sw.lock().channels.get(a).map(|c| c.log.clone()) else {
        return ("_none_".into(), After::new());
    };
    if let Some(e) = &dial.error {
        log.error(format!("bridge refused by the dial-string parser: {e}"));
    }
    log.push_dial(dial);
    let mut after = After::new();
    for group in groups {
        match originate(sw, a, group).await {
            Ok(w) => return bridged(sw, a, &w).await,
            Err((why, cause, mut leftovers)) => {
                after.append(&mut leftovers);
                if why == Why::Cancel || !sw.lock().channels.get(a).is_some_and(|c| c.is_up()) {
                    return ("_none_".into(), after);
                }
                if !continues(&sw.lock(), a, cause) {
                    let mut core = sw.lock();
                    local_hangup(&mut core, &cu, a, cause);
                    return ("_none_".into(), after);
                }
            }
        }
    }
    ("_none_".into(), after)
}

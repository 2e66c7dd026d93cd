//! A bridged call: A answered (through early media when needed),
//! CHANNEL_BRIDGE, then whichever side hangs up first ends it (02a, 02e):
//! callee first -> B's HANGUP_COMPLETE, A's UNBRIDGE, and A stays up when
//! `hangup_after_bridge=false`; caller first -> A's UNBRIDGE, B ends after
//! A's CHANNEL_EXECUTE_COMPLETE.

use freeswitch_esl_tokio::HangupCause;

use super::apps::{After, hung_up, hung_watch, local_hangup};
use super::core::Core;
use super::park::{Stop, stops};
use super::signal;
use super::switch::Switch;

/// The bridged call: A answered (with early media first when needed),
/// CHANNEL_BRIDGE, then whichever side hangs up first (02e, 02a).
pub(super) async fn bridged(sw: &Switch, a: &str, w: &str) -> (String, After) {
    let cu = sw.0.core_uuid.clone();
    {
        let mut core = sw.lock();
        signal::answer(&mut core, &cu, a);
        let wname = core
            .channels
            .get(w)
            .map(|c| c.name.clone())
            .unwrap_or_default();
        let wcid = core
            .channels
            .get(w)
            .map(|c| {
                (
                    c.profile.callee_id_name.clone(),
                    c.profile.callee_id_number.clone(),
                )
            })
            .unwrap_or_default();
        if let Some(ach) = core.channels.get_mut(a) {
            for k in ["originate_disposition", "DIALSTATUS"] {
                ach.set_var(k, "SUCCESS");
            }
            for k in ["last_bridge_to", "bridge_uuid", "signal_bond"] {
                ach.set_var(k, w);
            }
            ach.set_var("bridge_channel", wname);
            // A's callee ID becomes the bridged party's (11b2's connect
            // data after the bridge: Outbound Call / callee).
            ach.profile.callee_id_name = wcid.0.clone();
            ach.profile.callee_id_number = wcid.1.clone();
            ach.other = Some((w.to_string(), "originatee"));
            ach.bridged_to = Some(w.to_string());
            super::recording::bridged(ach, true);
            ach.log.update_leg(w, |l| {
                l.answered = true;
                l.bridged = true;
            });
        }
        if let Some(wch) = core.channels.get_mut(w) {
            // The callee points back at A (06: `uuid_getvar <B> bridge_uuid`
            // returned A; 02a: B's last_bridge_to is A).
            for k in ["bridge_uuid", "last_bridge_to"] {
                wch.set_var(k, a);
            }
            wch.cs = "CS_EXCHANGE_MEDIA";
            wch.bridged_to = Some(a.to_string());
        }
        let pre = [
            ("Bridge-A-Unique-ID", a.to_string()),
            ("Bridge-B-Unique-ID", w.to_string()),
        ];
        core.fire(&cu, a, "CHANNEL_BRIDGE", &pre, &[]);
    }
    watch_terminate_key(sw, a, w);
    let (Some(mut ah), Some(mut wh)) = (stops(sw, a), hung_watch(sw, w)) else {
        return ("_none_".into(), After::new());
    };
    // A transferred away (a REFER from B, 11a; uuid_transfer) leaves the
    // bridge up: B is hung up when the bridge ends, A goes on.
    let a_first = tokio::select! {
        s = ah.stopped() => Some(s),
        _ = hung_up(&mut wh) => None,
    };
    if a_first == Some(Stop::Transfer) {
        let mut core = sw.lock();
        let pre = [
            ("Bridge-A-Unique-ID", a.to_string()),
            ("Bridge-B-Unique-ID", w.to_string()),
        ];
        if let Some(ach) = core.channels.get_mut(a) {
            ach.bridged_to = None;
        }
        local_hangup(&mut core, &cu, w, HangupCause::NormalClearing);
        super::recording::unbridged(&mut core, a);
        core.fire(&cu, a, "CHANNEL_UNBRIDGE", &pre, &[]);
        let w = w.to_string();
        let mut after = After::new();
        after.push(Box::new(move |core: &mut Core, cu: &str| {
            core.complete(cu, &w)
        }));
        return ("_none_".into(), after);
    }
    let a_first = a_first.is_some();
    let mut core = sw.lock();
    let pre = [
        ("Bridge-A-Unique-ID", a.to_string()),
        ("Bridge-B-Unique-ID", w.to_string()),
    ];
    let mut after = After::new();
    if a_first {
        let acause = core
            .channels
            .get(a)
            .and_then(|c| c.cause)
            .unwrap_or(HangupCause::NormalClearing);
        if let Some(ach) = core.channels.get_mut(a) {
            ach.set_var("bridge_hangup_cause", acause.as_str());
        }
        super::recording::unbridged(&mut core, a);
        core.fire(&cu, a, "CHANNEL_UNBRIDGE", &pre, &[]);
        let w = w.to_string();
        after.push(Box::new(move |core: &mut Core, cu: &str| {
            local_hangup(core, cu, &w, HangupCause::NormalClearing);
            core.complete(cu, &w);
        }));
    } else {
        let wcause = core
            .channels
            .get(w)
            .and_then(|c| c.cause)
            .unwrap_or(HangupCause::NormalClearing);
        core.complete(&cu, w);
        if let Some(ach) = core.channels.get_mut(a) {
            ach.set_var("bridge_hangup_cause", wcause.as_str());
        }
        super::recording::unbridged(&mut core, a);
        core.fire(&cu, a, "CHANNEL_UNBRIDGE", &pre, &[]);
        let hab = core
            .channels
            .get(a)
            .map(|c| c.var("hangup_after_bridge").map(str::to_string));
        let stay = matches!(hab, Some(Some(v)) if v == "false");
        if !stay {
            local_hangup(&mut core, &cu, a, HangupCause::NormalClearing);
        }
    }
    ("_none_".into(), after)
}

/// A's `bridge_terminate_key` (switch_ivr_bridge.c; not captured): the
/// caller pressing it ends the bridge, the callee hung up NORMAL_CLEARING
/// and A going on as after any callee hang-up.
fn watch_terminate_key(sw: &Switch, a: &str, w: &str) {
    let key = {
        let core = sw.lock();
        core.channels
            .get(a)
            .and_then(|c| c.var("bridge_terminate_key"))
            .and_then(|k| k.chars().next())
    };
    let Some(key) = key else {
        return;
    };
    let (sw, a, w) = (sw.clone(), a.to_string(), w.to_string());
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            let cu = sw.0.core_uuid.clone();
            let mut core = sw.lock();
            let up = |u: &str| core.channels.get(u).is_some_and(|c| c.is_up());
            if !up(&a) || !up(&w) {
                return;
            }
            let Some(ach) = core.channels.get_mut(&a) else {
                return;
            };
            if let Some(i) = ach.dtmf_buf.find(key) {
                ach.dtmf_buf.remove(i);
                local_hangup(&mut core, &cu, &w, HangupCause::NormalClearing);
                return;
            }
        }
    });
}

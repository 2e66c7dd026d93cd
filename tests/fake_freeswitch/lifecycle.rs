//! The end of a channel: hangup (cause, SIP variables, what the caller
//! receives, the partner's `last_bridge_*`), then completion (CHANNEL_STATE
//! twice, CHANNEL_HANGUP_COMPLETE) and the release of its socket. The event
//! order is the captures' (02a-02e, 04b, 04d).

use std::sync::atomic::Ordering;

use freeswitch_esl_tokio::HangupCause;

use super::channel::Channel;
use super::core::Core;
use super::record::CallerSip;
use super::scenario::{hangup_cause_to_sip, q850};
use super::switch::Out;
use super::wire;

/// How a channel's SIP dialog ended (`sip_hangup_disposition`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disp {
    SendBye,
    SendRefuse,
    SendCancel,
    RecvBye,
    RecvCancel,
    /// The callee's final response.
    RecvRefuse(u16),
    /// A hangup mod_sofia leaves no disposition for (BLIND_TRANSFER after
    /// a REFER FreeSWITCH sent, 20a/20b).
    Unreported,
}

impl Core {
    /// Hangs a channel up: cause and SIP variables, the partner's
    /// `last_bridge_*`, CHANNEL_HANGUP, what the caller receives, and the
    /// linger notice when the far end hung up (02a, 02d: it precedes the
    /// final events). Waiters are woken.
    pub fn hangup(&mut self, core_uuid: &str, uuid: &str, cause: HangupCause, disp: Disp) {
        let Some(ch) = self.channels.get_mut(uuid) else {
            return;
        };
        if ch.cause.is_some() {
            return;
        }
        ch.cause = Some(cause);
        ch.answer_state = "hangup";
        let inbound = ch.profile.direction == "inbound";
        if !ch.loopback {
            set_sip_vars(ch, cause, disp);
            if disp == Disp::SendBye {
                ch.log.push_sip_sent(uuid, super::record::SipSent::Bye);
            }
        }
        super::hold::end_hold(ch);
        ch.set_var("hangup_cause", cause.as_str());
        ch.set_var("hangup_cause_q850", q850(cause).to_string());
        // send_replace: remembered even while nothing watches the channel
        // yet (a bridge subscribes to its callee only once it answered).
        ch.hung.send_replace(true);
        if inbound {
            caller_hears(ch, cause, disp);
            if matches!(disp, Disp::RecvBye | Disp::RecvCancel) {
                for hook in &ch.conns {
                    if hook.linger.load(Ordering::SeqCst)
                        && !hook.notice_sent.swap(true, Ordering::SeqCst)
                    {
                        let secs = hook.linger_secs.load(Ordering::SeqCst);
                        let _ = hook
                            .tx
                            .send(Out::Bytes(wire::linger_notice(uuid, &ch.name, secs)));
                        expire_linger(hook, uuid, secs);
                    }
                }
            }
        }
        // mod_sofia reports the hangup to the partner channel (02a: A gets
        // sip:486/USER_BUSY from a busy leg; 02d: the caller's CANCEL lands
        // on the last leg created; 02a end: the callee gets A's sip:200).
        let proto = ch.var("proto_specific_hangup_cause").map(str::to_string);
        let partner = ch.partner().map(str::to_string);
        if let Some(p) = partner.and_then(|p| self.channels.get_mut(&p))
            && p.is_up()
        {
            p.set_var("last_bridge_hangup_cause", cause.as_str());
            if let Some(proto) = proto {
                p.set_var("last_bridge_proto_specific_hangup_cause", proto);
            }
        }
        self.fire(core_uuid, uuid, "CHANNEL_HANGUP", &[], &[]);
    }

    /// The end of a hung-up channel: [`Core::report`], then, unless its
    /// socket app still holds it parked (it releases the channel when it
    /// returns, 04d), [`Core::release`].
    pub fn complete(&mut self, core_uuid: &str, uuid: &str) {
        if !self.report(core_uuid, uuid) {
            return;
        }
        if self.channels.get(uuid).is_some_and(|c| !c.parked) {
            self.release(uuid);
        }
    }

    /// CHANNEL_STATE twice, then CHANNEL_HANGUP_COMPLETE, and the call log.
    /// False when the channel is unknown or already reported.
    pub fn report(&mut self, core_uuid: &str, uuid: &str) -> bool {
        let Some(ch) = self.channels.get_mut(uuid) else {
            return false;
        };
        if ch.cs == "CS_REPORTING" {
            return false;
        }
        let cause = ch.cause.unwrap_or(HangupCause::NormalClearing);
        if let Some(d) = ch.send_disposition.take() {
            ch.set_var("sip_hangup_disposition", d);
        }
        if !ch.loopback {
            ch.set_var("hold_accum_ms", ch.hold_accum_ms.to_string());
        }
        // The media bugs go with the channel (16a: RECORD_STOP after the
        // socket app's EXECUTE_COMPLETE, before HANGUP_COMPLETE).
        super::recording::stop_all(self, core_uuid, uuid);
        let Some(ch) = self.channels.get_mut(uuid) else {
            return false;
        };
        ch.cs = "CS_HANGUP";
        self.fire(core_uuid, uuid, "CHANNEL_STATE", &[], &[]);
        let Some(ch) = self.channels.get_mut(uuid) else {
            return false;
        };
        ch.cs = "CS_REPORTING";
        ch.call_state = "HANGUP";
        self.fire(core_uuid, uuid, "CHANNEL_STATE", &[], &[]);
        self.fire(
            core_uuid,
            uuid,
            "CHANNEL_HANGUP_COMPLETE",
            &[("Hangup-Cause", cause.as_str().to_string())],
            &[],
        );
        let Some(ch) = self.channels.get(uuid) else {
            return false;
        };
        if ch.profile.direction == "inbound" {
            ch.log.set_a_hangup(cause.as_str());
        } else {
            let (status, disp) = (
                ch.var("sip_term_status").map(str::to_string),
                ch.var("sip_hangup_disposition").map(str::to_string),
            );
            ch.log.update_leg(uuid, |l| {
                l.cause = Some(cause.as_str().to_string());
                l.sip_term_status = status;
                l.disposition = disp;
            });
        }
        true
    }

    /// The socket's notice (linger) or goodbye and close (no linger); the
    /// channel leaves the table unless a lingering socket still holds it
    /// (docs/freeswitch.md §1).
    pub fn release(&mut self, uuid: &str) {
        let Some(ch) = self.channels.get(uuid) else {
            return;
        };
        let mut keep = false;
        for hook in &ch.conns {
            if hook.linger.load(Ordering::SeqCst) {
                keep = true;
                if !hook.notice_sent.swap(true, Ordering::SeqCst) {
                    let secs = hook.linger_secs.load(Ordering::SeqCst);
                    let _ = hook
                        .tx
                        .send(Out::Bytes(wire::linger_notice(uuid, &ch.name, secs)));
                    expire_linger(hook, uuid, secs);
                }
            } else {
                let _ = hook
                    .tx
                    .send(Out::Bytes(wire::disconnect_notice(Some(uuid))));
                let _ = hook.tx.send(Out::Close);
            }
        }
        if !keep {
            self.channels.remove(uuid);
        }
    }
}

/// `linger <secs>`: `secs` (wall-clock) after the notice the socket gets
/// its goodbye and is closed, whatever the daemon does (mod_event_socket's
/// `linger_timeout`; not captured).
fn expire_linger(hook: &super::switch::ConnHook, uuid: &str, secs: u64) {
    if secs == 0 {
        return;
    }
    let (tx, uuid) = (hook.tx.clone(), uuid.to_string());
    tokio::spawn(async move {
        tokio::time::sleep(std::time::Duration::from_secs(secs)).await;
        let _ = tx.send(Out::Bytes(wire::disconnect_notice(Some(&uuid))));
        let _ = tx.send(Out::Close);
    });
}

/// The SIP variables a hangup leaves on a sofia channel (docs/freeswitch.md §3).
fn set_sip_vars(ch: &mut Channel, cause: HangupCause, disp: Disp) {
    let d = match disp {
        Disp::SendBye => "send_bye",
        Disp::SendRefuse => "send_refuse",
        Disp::SendCancel => "send_cancel",
        Disp::RecvBye => "recv_bye",
        Disp::RecvCancel => "recv_cancel",
        Disp::RecvRefuse(_) => "recv_refuse",
        Disp::Unreported => return,
    };
    match disp {
        Disp::RecvBye => {
            ch.set_var("sip_term_status", "200");
            ch.set_var("proto_specific_hangup_cause", "sip:200");
            ch.set_var("sip_term_cause", "16");
        }
        Disp::RecvCancel => {
            ch.set_var("sip_invite_failure_status", "487");
            ch.set_var("sip_invite_failure_phrase", "CANCEL");
            ch.set_var("sip_term_status", "487");
            ch.set_var("proto_specific_hangup_cause", "sip:487");
            ch.set_var("sip_term_cause", "487");
        }
        Disp::RecvRefuse(code) => {
            ch.set_var("sip_invite_failure_status", code.to_string());
            ch.set_var("sip_term_status", code.to_string());
            ch.set_var("proto_specific_hangup_cause", format!("sip:{code}"));
            ch.set_var("sip_term_cause", q850(cause).to_string());
        }
        Disp::SendCancel => ch.set_var("sip_invite_failure_status", "487"),
        _ => {}
    }
    match disp {
        Disp::SendBye | Disp::SendCancel | Disp::SendRefuse => ch.send_disposition = Some(d),
        _ => ch.set_var("sip_hangup_disposition", d),
    }
}

/// What the caller's SIP client receives when its channel hangs up
/// (docs/freeswitch.md §4: the last failed leg's code unless
/// `sip_ignore_remote_cause`, else mod_sofia's mapping).
fn caller_hears(ch: &Channel, cause: HangupCause, disp: Disp) {
    let sip = match disp {
        Disp::RecvBye => CallerSip::CallerBye,
        Disp::RecvCancel => CallerSip::CallerCancel,
        _ if ch.answered => CallerSip::Bye(q850(cause)),
        _ if ch.responded => return,
        _ => {
            let remote = ch
                .var("last_bridge_proto_specific_hangup_cause")
                .and_then(|v| v.strip_prefix("sip:"))
                .and_then(|v| v.parse().ok());
            match remote {
                Some(code) if !ch.var_true("sip_ignore_remote_cause") => CallerSip::Final(code),
                _ => CallerSip::Final(hangup_cause_to_sip(cause)),
            }
        }
    };
    ch.log.push_sip(sip);
}

//! The switch core: every channel, every event subscriber, the event
//! sequence, and the channel life-cycle steps (hangup, completion) whose
//! event order the captures fix. One lock guards it all, so events leave
//! in one global order, as FreeSWITCH's event thread delivers them.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use freeswitch_esl_tokio::HangupCause;
use tokio::sync::mpsc::UnboundedSender;

use super::channel::Channel;
use super::event::{Event, Subscription};
use super::record::{CallLog, CallerSip};
use super::scenario::{Callee, Caller, hangup_cause_to_sip, q850};
use super::wire;

/// What a connection's writer task sends: bytes, or "flush and close".
#[derive(Debug)]
pub enum Out {
    Bytes(Vec<u8>),
    Close,
}

/// The outbound socket attached to a channel, for the notices FreeSWITCH
/// sends it when the channel ends.
#[derive(Debug, Clone)]
pub struct ConnHook {
    pub tx: UnboundedSender<Out>,
    pub linger: Arc<AtomicBool>,
    pub notice_sent: Arc<AtomicBool>,
}

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
}

/// One subscriber: a socket and what it asked for.
#[derive(Debug)]
pub struct Sub {
    pub sub: Subscription,
    pub tx: UnboundedSender<Out>,
    pub log: Option<Arc<CallLog>>,
}

/// Everything behind the lock.
#[derive(Debug, Default)]
pub struct Core {
    seq: u64,
    pub channels: HashMap<String, Channel>,
    subs: HashMap<u64, Sub>,
    next_sub: u64,
}

/// Test-set knobs and observations outside the channel table.
#[derive(Debug, Default)]
pub struct Extras {
    /// Playback duration per file name, in ms.
    pub files: HashMap<String, u64>,
    pub default_file_ms: u64,
    /// Every api/bgapi line received.
    pub api_log: Vec<String>,
    /// The script of each call, by A-leg UUID.
    pub callers: HashMap<String, Caller>,
    /// How a callee of `originate` behaves.
    pub originate_callee: Option<Callee>,
    /// Running `uuid_record` writers, by path.
    pub recordings: HashMap<String, Arc<AtomicBool>>,
    /// Calls created by `originate`, for tests to pick up.
    pub originated: Vec<(String, Arc<CallLog>)>,
    pub daemon: Option<std::net::SocketAddr>,
}

/// The shared switch: the core plus settings that never change.
#[derive(Debug)]
pub struct SwitchInner {
    core: Mutex<Core>,
    pub extra: Mutex<Extras>,
    /// What the switch counts as one second (leg_timeout, originate_timeout).
    pub second: Duration,
    pub core_uuid: String,
}

/// A cheap handle on the switch.
#[derive(Debug, Clone)]
pub struct Switch(pub Arc<SwitchInner>);

impl Switch {
    pub fn new(second: Duration) -> Self {
        Switch(Arc::new(SwitchInner {
            core: Mutex::default(),
            extra: Mutex::new(Extras {
                default_file_ms: 100,
                ..Extras::default()
            }),
            second,
            core_uuid: uuid::Uuid::new_v4().to_string(),
        }))
    }
    pub fn lock(&self) -> MutexGuard<'_, Core> {
        self.0.core.lock().unwrap_or_else(|e| e.into_inner())
    }
    pub fn second(&self) -> Duration {
        self.0.second
    }
    pub fn extra(&self) -> MutexGuard<'_, Extras> {
        self.0.extra.lock().unwrap_or_else(|e| e.into_inner())
    }
    pub fn file_ms(&self, file: &str) -> Option<u64> {
        self.extra().files.get(file).copied()
    }
    pub fn default_file_ms(&self) -> u64 {
        self.extra().default_file_ms
    }
    pub fn note_api(&self, line: &str) {
        self.extra().api_log.push(line.to_string());
    }
    /// Records a problem in the log of the call owning `uuid`.
    pub fn log_of(&self, uuid: &str, msg: String) {
        if let Some(ch) = self.lock().channels.get(uuid) {
            ch.log.error(msg);
        }
    }
    /// The script for a leg dialed from A-leg `a`.
    pub fn script_for(&self, a: &str, endpoint: &str, user: &str, index: usize) -> Callee {
        match self.extra().callers.get(a) {
            Some(c) => c.script_for(endpoint, user, index),
            None => Callee::rings_forever(),
        }
    }
    /// `uuid_record start|stop`: starts or stops writing the leg's scripted
    /// audio into `path` at real-time pace.
    pub fn record(&self, _uuid: &str, act: &str, path: &str, audio: Option<Arc<Vec<i16>>>) {
        let mut ex = self.extra();
        if act == "stop" {
            let stop_all = path == "all";
            for (p, flag) in ex.recordings.iter() {
                if stop_all || p == path {
                    flag.store(true, Ordering::SeqCst);
                }
            }
            return;
        }
        let stop = Arc::new(AtomicBool::new(false));
        ex.recordings.insert(path.to_string(), stop.clone());
        let samples = audio.map(|a| (*a).clone()).unwrap_or_default();
        tokio::spawn(super::audio::write_realtime(path.into(), samples, stop));
    }
}

fn now_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_micros() as u64)
        .unwrap_or(0)
}

impl Core {
    pub fn subscribe(&mut self, tx: UnboundedSender<Out>, log: Option<Arc<CallLog>>) -> u64 {
        self.next_sub += 1;
        let sub = Sub {
            sub: Subscription::default(),
            tx,
            log,
        };
        self.subs.insert(self.next_sub, sub);
        self.next_sub
    }
    pub fn unsubscribe(&mut self, id: u64) {
        self.subs.remove(&id);
    }
    pub fn subscription(&mut self, id: u64) -> Option<&mut Subscription> {
        self.subs.get_mut(&id).map(|s| &mut s.sub)
    }
    pub fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    /// The headers every event starts with.
    pub fn base(
        &mut self,
        core_uuid: &str,
        name: &str,
        subclass: Option<&str>,
        func: &str,
    ) -> Event {
        let seq = self.next_seq();
        self.base_with_seq(core_uuid, name, subclass, func, seq)
    }

    pub fn base_with_seq(
        &self,
        core_uuid: &str,
        name: &str,
        subclass: Option<&str>,
        func: &str,
        seq: u64,
    ) -> Event {
        let mut ev = Event {
            name: name.to_string(),
            subclass: subclass.map(str::to_string),
            headers: Vec::new(),
            body: None,
        };
        if let Some(s) = subclass {
            ev.push("Event-Subclass", s);
        }
        ev.push("Event-Name", name);
        ev.push("Core-UUID", core_uuid);
        ev.push("FreeSWITCH-Hostname", "fakeswitch");
        ev.push("FreeSWITCH-Switchname", "fakeswitch");
        ev.push("FreeSWITCH-IPv4", "127.0.0.1");
        ev.push("FreeSWITCH-IPv6", "::1");
        ev.push("Event-Date-Local", "2026-01-01 00:00:00");
        ev.push("Event-Date-GMT", "Thu, 01 Jan 2026 00:00:00 GMT");
        ev.push("Event-Date-Timestamp", now_us().to_string());
        ev.push("Event-Calling-File", "fakeswitch.rs");
        ev.push("Event-Calling-Function", func);
        ev.push("Event-Calling-Line-Number", "1");
        ev.push("Event-Sequence", seq.to_string());
        ev
    }

    /// Delivers an event to every subscriber that wants it.
    pub fn emit(&mut self, ev: &Event) {
        let (mut plain, mut json) = (None, None);
        for s in self.subs.values() {
            if !s.sub.wants(ev) {
                continue;
            }
            let bytes = if s.sub.json {
                json.get_or_insert_with(|| ev.to_json()).clone()
            } else {
                plain.get_or_insert_with(|| ev.to_plain()).clone()
            };
            if s.tx.send(Out::Bytes(bytes)).is_ok()
                && let Some(log) = &s.log
            {
                let name = match &ev.subclass {
                    Some(sc) => format!("CUSTOM/{sc}"),
                    None => ev.name.clone(),
                };
                log.push_event(&name, ev.unique_id().unwrap_or_default());
            }
        }
    }

    /// A channel event for `uuid`: `pre` headers before the channel data
    /// (Hangup-Cause, Bridge-*-Unique-ID), `post` after the variables.
    pub fn chan_event(
        &mut self,
        core_uuid: &str,
        uuid: &str,
        name: &str,
        pre: &[(&str, String)],
        post: &[(&str, String)],
    ) -> Option<Event> {
        let mut ev = self.base(core_uuid, name, None, "switch_channel_event_set_data");
        let ch = self.channels.get(uuid)?;
        for (k, v) in pre {
            ev.push(k, v.clone());
        }
        ch.state_headers(&mut ev, true);
        ch.profile_headers(&mut ev, "Caller");
        if let Some((other, kind)) = &ch.other {
            ev.push("Other-Type", *kind);
            if let Some(o) = self.channels.get(other) {
                o.profile_headers(&mut ev, "Other-Leg");
            }
        }
        if !matches!(name, "DTMF" | "CHANNEL_STATE") {
            ch.var_headers(&mut ev);
        }
        for (k, v) in post {
            ev.push(k, v.clone());
        }
        Some(ev)
    }

    /// Builds and emits a channel event.
    pub fn fire(
        &mut self,
        core_uuid: &str,
        uuid: &str,
        name: &str,
        pre: &[(&str, String)],
        post: &[(&str, String)],
    ) {
        if let Some(ev) = self.chan_event(core_uuid, uuid, name, pre, post) {
            self.emit(&ev);
        }
    }

    /// Hangs a channel up: cause and SIP variables, CHANNEL_HANGUP, what
    /// the caller receives, and the linger notice when the far end hung up
    /// (02a, 02d: it precedes the final events). Waiters are woken.
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
        let d = match disp {
            Disp::SendBye => "send_bye",
            Disp::SendRefuse => "send_refuse",
            Disp::SendCancel => "send_cancel",
            Disp::RecvBye => "recv_bye",
            Disp::RecvCancel => "recv_cancel",
            Disp::RecvRefuse(_) => "recv_refuse",
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
        ch.set_var("sip_hangup_disposition", d);
        ch.set_var("hangup_cause", cause.as_str());
        ch.set_var("hangup_cause_q850", q850(cause).to_string());
        let _ = ch.hung.send(true);
        if inbound {
            let sip = match disp {
                Disp::RecvBye => CallerSip::CallerBye,
                Disp::RecvCancel => CallerSip::CallerCancel,
                _ if ch.answered => CallerSip::Bye(q850(cause)),
                _ if ch.responded => CallerSip::Final(0),
                _ => {
                    let remote = ch
                        .var("last_bridge_proto_specific_hangup_cause")
                        .and_then(|v| v.strip_prefix("sip:"))
                        .and_then(|v| v.parse().ok());
                    match remote {
                        Some(code) if !ch.var_true("sip_ignore_remote_cause") => {
                            CallerSip::Final(code)
                        }
                        _ => CallerSip::Final(hangup_cause_to_sip(cause)),
                    }
                }
            };
            if sip != CallerSip::Final(0) {
                ch.log.push_sip(sip);
            }
            if matches!(disp, Disp::RecvBye | Disp::RecvCancel)
                && let Some(hook) = &ch.conn
                && hook.linger.load(Ordering::SeqCst)
                && !hook.notice_sent.swap(true, Ordering::SeqCst)
            {
                let _ = hook
                    .tx
                    .send(Out::Bytes(wire::linger_notice(uuid, &ch.name)));
            }
        }
        self.fire(core_uuid, uuid, "CHANNEL_HANGUP", &[], &[]);
    }

    /// The end of a hung-up channel: CHANNEL_STATE twice, then
    /// CHANNEL_HANGUP_COMPLETE, then the socket's notice (linger) or
    /// goodbye (no linger). The channel leaves the table unless a lingering
    /// socket still holds it (FREESWITCH.md §1).
    pub fn complete(&mut self, core_uuid: &str, uuid: &str) {
        let Some(ch) = self.channels.get_mut(uuid) else {
            return;
        };
        if ch.cs == "CS_REPORTING" {
            return;
        }
        let cause = ch.cause.unwrap_or(HangupCause::NormalClearing);
        ch.cs = "CS_HANGUP";
        self.fire(core_uuid, uuid, "CHANNEL_STATE", &[], &[]);
        let Some(ch) = self.channels.get_mut(uuid) else {
            return;
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
            return;
        };
        let log = ch.log.clone();
        if ch.profile.direction == "inbound" {
            log.set_a_hangup(cause.as_str());
        } else {
            let (status, disp) = (
                ch.var("sip_term_status").map(str::to_string),
                ch.var("sip_hangup_disposition").map(str::to_string),
            );
            log.update_leg(uuid, |l| {
                l.cause = Some(cause.as_str().to_string());
                l.sip_term_status = status;
                l.disposition = disp;
            });
        }
        let mut keep = false;
        if let Some(hook) = &ch.conn {
            if hook.linger.load(Ordering::SeqCst) {
                keep = true;
                if !hook.notice_sent.swap(true, Ordering::SeqCst) {
                    let _ = hook
                        .tx
                        .send(Out::Bytes(wire::linger_notice(uuid, &ch.name)));
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

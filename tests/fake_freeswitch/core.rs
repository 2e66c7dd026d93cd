//! The switch core: every channel, every event subscriber and the event
//! sequence, behind the switch's one lock; building channel events and
//! delivering them to the subscribers whose `event`/`filter`/`myevents`
//! selection wants them.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use tokio::sync::mpsc::UnboundedSender;

use super::channel::Channel;
use super::event::{Event, Subscription};
use super::faults::Faults;
use super::record::CallLog;
use super::sub_index::SubIndex;
use super::switch::Out;

/// One subscriber: a socket and what it asked for. Exists so delivery is
/// decided per connection, as mod_event_socket does per listener.
#[derive(Debug)]
pub struct Sub {
    pub sub: Subscription,
    pub tx: UnboundedSender<Out>,
    pub log: Option<Arc<CallLog>>,
    /// Injected faults (tests/faults) and the socket's own channel.
    pub faults: Option<(Arc<Faults>, String)>,
}

/// Everything behind the lock: the channel table and the subscribers.
#[derive(Debug, Default)]
pub struct Core {
    pub(super) seq: u64,
    pub channels: HashMap<String, Channel>,
    pub(super) subs: HashMap<u64, Sub>,
    pub(super) next_sub: u64,
    /// Who may want which channel's events (sub_index.rs).
    index: SubIndex,
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
            faults: None,
        };
        self.subs.insert(self.next_sub, sub);
        self.index.touch(self.next_sub);
        self.next_sub
    }
    /// Injects `faults` on subscriber `id`, a socket of channel `own`.
    pub fn set_faults(&mut self, id: u64, faults: Arc<Faults>, own: &str) {
        if let Some(s) = self.subs.get_mut(&id) {
            s.faults = Some((faults, own.to_string()));
        }
    }
    pub fn unsubscribe(&mut self, id: u64) {
        self.subs.remove(&id);
        self.index.remove(id);
    }
    pub fn subscription(&mut self, id: u64) -> Option<&mut Subscription> {
        self.index.touch(id);
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
        self.index.refresh(&self.subs);
        for id in self.index.candidates(ev.unique_id()) {
            let Some(s) = self.subs.get(&id) else {
                continue;
            };
            if !s.sub.wants(ev) {
                continue;
            }
            if let Some((f, own)) = &s.faults
                && f.swallows(ev, own)
            {
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
}

//! One channel (the caller's A leg or a dialed B leg): its state as the
//! captures report it, its variables, and the channel part of its events.

use std::time::Instant;

use freeswitch_esl_tokio::HangupCause;
use tokio::sync::{mpsc, watch};

use super::event::Event;
use super::record::CallLog;
use super::scenario::Callee;
use std::sync::Arc;

/// Caller-profile fields (the `Caller-*` headers) of a channel.
#[derive(Debug, Clone, Default)]
pub struct Profile {
    pub direction: &'static str,
    pub username: String,
    pub caller_id_name: String,
    pub caller_id_number: String,
    pub callee_id_name: Option<String>,
    pub callee_id_number: Option<String>,
    pub network_addr: String,
    pub destination: String,
    pub source: String,
    pub context: String,
    pub created_us: u64,
    /// `Caller-Dialplan` (`XML`; the transfer's dialplan afterwards, 11b1).
    pub dialplan: String,
    /// `Caller-Logical-Direction` when it differs from the direction (an
    /// API-created channel after a transfer reads `inbound`, 11b1).
    pub logical_direction: Option<&'static str>,
    /// `Caller-Transfer-Source` once transferred (11a).
    pub transfer_source: Option<String>,
    /// The caller ID of an API-created channel, which FreeSWITCH "flips"
    /// (`channel_cid_flipped=yes`, docs/freeswitch.md §24): it shows as
    /// `Orig-Caller-ID-*`, `Callee-ID-*` and `ANI`, while `Caller-ID-*` hold
    /// the dialled party.
    pub flipped: Option<FlippedCid>,
}

/// The originator's caller ID on an API-created channel (traces 10, 24a):
/// `origination_caller_id_name` (absent: no `*-Name` headers) and number
/// (absent: `0000000000`).
#[derive(Debug, Clone, Default)]
pub struct FlippedCid {
    pub name: Option<String>,
    pub number: String,
}

/// A request to run an application on a channel, queued by `sendmsg` or
/// by the dialplan, in order, as the channel thread runs them.
#[derive(Debug, Clone)]
pub struct AppRequest {
    pub name: String,
    pub arg: String,
    /// `Event-UUID` of the sendmsg, echoed as `Application-UUID`.
    pub event_uuid: Option<String>,
    pub loops: u32,
    /// When the request reached the switch (the call log's clock), for the
    /// frame-paced start (docs/freeswitch.md §17, fake_freeswitch/pacing.rs).
    pub queued: Option<std::time::Duration>,
    /// The frame tick it was queued in, and the tick its batch started in.
    pub queued_tick: Option<u64>,
    pub frame: Option<u64>,
    /// The channel's `flushes` when it was queued: a `uuid_break <uuid>
    /// all` since then dropped it if it had not started.
    pub flush_gen: u64,
}

impl AppRequest {
    /// A request with no sendmsg behind it (the dialplan, the switch).
    pub fn new(name: &str, arg: &str) -> AppRequest {
        AppRequest {
            name: name.to_string(),
            arg: arg.to_string(),
            event_uuid: None,
            loops: 1,
            queued: None,
            queued_tick: None,
            frame: None,
            flush_gen: 0,
        }
    }
}

/// A channel and everything the fake must remember about it. Lives in the
/// switch's table; tasks look it up by UUID under the lock.
#[derive(Debug)]
pub struct Channel {
    pub uuid: String,
    pub name: String,
    pub profile: Profile,
    pub vars: Vec<(String, String)>,
    /// `Channel-State` (CS_EXECUTE, CS_CONSUME_MEDIA, ...).
    pub cs: &'static str,
    /// `Channel-Call-State` (DOWN, RINGING, EARLY, ACTIVE, HANGUP).
    pub call_state: &'static str,
    /// `Answer-State` (ringing, early, answered, hangup).
    pub answer_state: &'static str,
    pub cause: Option<HangupCause>,
    pub ring_ready: bool,
    pub early: bool,
    pub answered: bool,
    /// The other leg for `Other-Leg-*` and its `Other-Type`.
    pub other: Option<(String, &'static str)>,
    pub bridged_to: Option<String>,
    /// Set once hung up; apps waiting on the channel watch it.
    pub hung: watch::Sender<bool>,
    /// Bumped by each transfer (`CF_TRANSFER`): the running application
    /// and the socket app return, and the channel runs its new dialplan
    /// (fake_freeswitch/transfer.rs).
    pub xfer: watch::Sender<u64>,
    /// Where the pending transfer goes: extension, dialplan, context, and
    /// the destination before it.
    pub transfer_to: Option<(String, String, String, String)>,
    /// Bumped by `uuid_break`: a running playback stops.
    pub brk: watch::Sender<u64>,
    /// Bumped by `uuid_break <uuid> all`: applications queued before it
    /// and not started yet are dropped (`AppRequest::flush_gen`).
    pub flushes: u64,
    /// The target of a running `uuid_audio` media bug (`mute`, `level`).
    pub audio_bug: Option<String>,
    /// On hold since (hold.rs), and the hold time so far (`hold_accum_ms`).
    pub held_since: Option<Instant>,
    pub hold_accum_ms: u64,
    /// The far end's `X-FS-Support` (`send_info`, `send_message`; info.rs).
    pub fs_support: String,
    /// `record_session` recordings running on the channel (recording.rs).
    pub recordings: Vec<super::recording::Recording>,
    /// The queue of the socket app running on this channel, if any.
    pub apps: Option<mpsc::UnboundedSender<AppRequest>>,
    /// Broadcasts waiting to run (`uuid_broadcast`: FreeSWITCH queues them
    /// as private events, run one after the other; control_api.rs).
    pub broadcasts: Option<mpsc::UnboundedSender<AppRequest>>,
    /// Which call's log this channel writes into.
    pub log: Arc<CallLog>,
    /// The scripted behaviour of a dialed leg.
    pub script: Option<Callee>,
    pub avmd: bool,
    /// A socket app holds the channel parked (avmd reports twice then).
    pub parked: bool,
    pub born: Instant,
    /// The frames the channel's thread went through (pacing.rs).
    pub frame_no: u64,
    /// The outbound sockets attached to this channel: its socket app's,
    /// and earlier ones still lingering after a transfer (11b2).
    pub conns: Vec<super::switch::ConnHook>,
    /// The final response already sent to the caller (`respond`).
    pub responded: bool,
    /// Digits received and not yet read by `play_and_get_digits`.
    pub dtmf_buf: String,
    /// A `loopback/` leg: no SIP, no call-state changes, no progress
    /// events of its own (trace 07a).
    pub loopback: bool,
    /// `sip_hangup_disposition` of a hangup FreeSWITCH sends (send_bye,
    /// send_cancel, send_refuse): mod_sofia sets it in its hangup state
    /// handler, after the running application returned (13a: not yet on
    /// the bridge's EXECUTE_COMPLETE, present on HANGUP_COMPLETE).
    pub send_disposition: Option<&'static str>,
    /// Applications executing (between CHANNEL_EXECUTE and
    /// CHANNEL_EXECUTE_COMPLETE): a broadcast runs beside a bridge.
    pub running_app: u32,
    /// Events the park loop delivers once the running app completes (the
    /// second avmd copy on a parked channel, trace 10).
    pub deferred: Vec<Event>,
}

impl Channel {
    /// A fresh channel in CS_EXECUTE / RINGING with no variables.
    pub fn new(uuid: &str, name: String, profile: Profile, log: Arc<CallLog>) -> Channel {
        Channel {
            uuid: uuid.to_string(),
            name,
            profile,
            vars: Vec::new(),
            cs: "CS_EXECUTE",
            call_state: "RINGING",
            answer_state: "ringing",
            cause: None,
            ring_ready: false,
            early: false,
            answered: false,
            other: None,
            bridged_to: None,
            hung: watch::channel(false).0,
            xfer: watch::channel(0).0,
            transfer_to: None,
            brk: watch::channel(0).0,
            flushes: 0,
            audio_bug: None,
            held_since: None,
            hold_accum_ms: 0,
            recordings: Vec::new(),
            fs_support: String::new(),
            apps: None,
            broadcasts: None,
            log,
            script: None,
            avmd: false,
            parked: false,
            born: Instant::now(),
            frame_no: 0,
            conns: Vec::new(),
            responded: false,
            dtmf_buf: String::new(),
            loopback: false,
            running_app: 0,
            deferred: Vec::new(),
            send_disposition: None,
        }
    }

    /// The channel this one reports its hangup to (`last_bridge_*`): the
    /// bridged or originating peer (`signal_bond`), or for a caller still
    /// in an originate the last leg created (`originate_signal_bond`, 02d).
    pub fn partner(&self) -> Option<&str> {
        self.var("signal_bond")
            .or_else(|| self.var("originate_signal_bond"))
    }

    /// Sets (or replaces) a variable, keeping its first position.
    pub fn set_var(&mut self, k: &str, v: impl Into<String>) {
        let v = v.into();
        match self.vars.iter_mut().find(|(n, _)| n == k) {
            Some(slot) => slot.1 = v,
            None => self.vars.push((k.to_string(), v)),
        }
    }

    pub fn unset_var(&mut self, k: &str) {
        self.vars.retain(|(n, _)| n != k);
    }

    pub fn var(&self, k: &str) -> Option<&str> {
        self.vars
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
    }

    /// Whether a variable holds a FreeSWITCH "true" (`switch_true`).
    pub fn var_true(&self, k: &str) -> bool {
        self.var(k).is_some_and(|v| {
            matches!(
                v.to_ascii_lowercase().as_str(),
                "true" | "yes" | "on" | "1" | "enabled" | "active" | "allow"
            )
        })
    }

    /// Appends to an accumulating variable (`originate_causes`): one value
    /// stays plain, several become `ARRAY::a|:b`.
    pub fn push_var(&mut self, k: &str, v: &str) {
        let new = match self.var(k) {
            None => v.to_string(),
            Some(old) => match old.strip_prefix("ARRAY::") {
                Some(items) => format!("ARRAY::{items}|:{v}"),
                None => format!("ARRAY::{old}|:{v}"),
            },
        };
        self.set_var(k, new);
    }

    pub fn is_up(&self) -> bool {
        self.cause.is_none()
    }

    fn state_number(&self) -> &'static str {
        match self.cs {
            "CS_NEW" => "0",
            "CS_INIT" => "1",
            "CS_ROUTING" => "2",
            "CS_EXECUTE" => "4",
            "CS_EXCHANGE_MEDIA" => "5",
            "CS_CONSUME_MEDIA" => "7",
            "CS_HANGUP" => "10",
            "CS_REPORTING" => "11",
            _ => "4",
        }
    }

    /// `Channel-State` .. `Answer-State`, the codec lines once media flows
    /// and `Hangup-Cause` once hung up (the order of every capture).
    pub fn state_headers(&self, ev: &mut Event, with_uuid: bool) {
        ev.push("Channel-State", self.cs);
        ev.push("Channel-Call-State", self.call_state);
        ev.push("Channel-State-Number", self.state_number());
        ev.push("Channel-Name", self.name.clone());
        if with_uuid {
            ev.push("Unique-ID", self.uuid.clone());
        }
        ev.push("Call-Direction", self.profile.direction);
        ev.push("Presence-Call-Direction", self.profile.direction);
        let inbound = self.profile.direction == "inbound";
        ev.push(
            "Channel-HIT-Dialplan",
            if inbound { "true" } else { "false" },
        );
        let call_uuid = self.var("call_uuid").unwrap_or(&self.uuid).to_string();
        ev.push("Channel-Call-UUID", call_uuid);
        ev.push("Answer-State", self.answer_state);
        if let Some(c) = self.cause {
            ev.push("Hangup-Cause", c.as_str());
        }
        if self.early || self.answered {
            for (k, v) in [
                ("Read-Codec-Name", "PCMU"),
                ("Read-Codec-Rate", "8000"),
                ("Read-Codec-Bit-Rate", "64000"),
                ("Write-Codec-Name", "PCMU"),
                ("Write-Codec-Rate", "8000"),
                ("Write-Codec-Bit-Rate", "64000"),
            ] {
                ev.push(&format!("Channel-{k}"), v);
            }
        }
    }

    /// The `<prefix>-*` caller-profile block (`Caller`, `Other-Leg`,
    /// `Channel` in the connect reply).
    pub fn profile_headers(&self, ev: &mut Event, prefix: &str) {
        let p = &self.profile;
        let mut h = |k: &str, v: String| ev.push(&format!("{prefix}-{k}"), v);
        h("Direction", p.direction.into());
        h(
            "Logical-Direction",
            p.logical_direction.unwrap_or(p.direction).into(),
        );
        if !p.username.is_empty() {
            h("Username", p.username.clone());
        }
        if !p.dialplan.is_empty() {
            h("Dialplan", p.dialplan.clone());
        }
        h("Caller-ID-Name", p.caller_id_name.clone());
        h("Caller-ID-Number", p.caller_id_number.clone());
        let (orig_name, orig_number, ani) = match &p.flipped {
            Some(f) => (f.name.clone(), f.number.clone(), f.number.clone()),
            None => (
                Some(p.caller_id_name.clone()),
                p.caller_id_number.clone(),
                p.caller_id_number.clone(),
            ),
        };
        if let Some(n) = orig_name {
            h("Orig-Caller-ID-Name", n);
        }
        h("Orig-Caller-ID-Number", orig_number);
        if let Some(n) = &p.callee_id_name {
            h("Callee-ID-Name", n.clone());
        }
        if let Some(n) = &p.callee_id_number {
            h("Callee-ID-Number", n.clone());
        }
        h("Network-Addr", p.network_addr.clone());
        h("ANI", ani);
        h("Destination-Number", p.destination.clone());
        h("Unique-ID", self.uuid.clone());
        h("Source", p.source.clone());
        if let Some(t) = &p.transfer_source {
            h("Transfer-Source", t.clone());
        }
        h("Context", p.context.clone());
        h("Channel-Name", self.name.clone());
        h("Profile-Index", "1".into());
        h("Profile-Created-Time", p.created_us.to_string());
        h("Channel-Created-Time", p.created_us.to_string());
        for t in [
            "Answered-Time",
            "Progress-Time",
            "Progress-Media-Time",
            "Hangup-Time",
            "Transfer-Time",
            "Resurrect-Time",
            "Bridged-Time",
            "Last-Hold",
            "Hold-Accum",
        ] {
            h(&format!("Channel-{t}"), "0".into());
        }
        h("Screen-Bit", "true".into());
        h("Privacy-Hide-Name", "false".into());
        h("Privacy-Hide-Number", "false".into());
    }

    /// Appends every `variable_*` header.
    pub fn var_headers(&self, ev: &mut Event) {
        for (k, v) in &self.vars {
            ev.push(&format!("variable_{k}"), v.clone());
        }
    }
}

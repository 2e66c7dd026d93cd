//! The calling party of an inbound call and what is scripted about it
//! (split from scenario.rs, which holds the callees).

use super::faults::Faults;
use super::scenario::Callee;

/// Which dialed leg a `Callee` script is for: by text when the test knows
/// the endpoint, by position when the dial string is what is under test.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    /// The endpoint text (`sofia/external/1000@127.0.0.1:5090`) or its
    /// dialed user (`1000`).
    Text(String),
    /// The leg's position in the dial string, from 0, counted per bridge.
    Index(usize),
}

/// What the dialplan does once the socket app returns with A still up
/// (docs/freeswitch.md §8).
#[derive(Debug, Clone, PartialEq)]
pub enum DialplanNext {
    /// No further action: A is hung up NORMAL_CLEARING.
    Nothing,
    /// `<action application="respond" data="CODE"/>`.
    Respond(u16),
}

/// The calling party and everything scripted about its call.
#[derive(Debug, Clone)]
pub struct Caller {
    pub from: String,
    pub to: String,
    pub name: String,
    pub call_id: String,
    pub source_ip: String,
    pub uuid: Option<String>,
    pub hangup_at: Option<u64>,
    pub digits: Vec<(String, u64)>,
    pub next: DialplanNext,
    pub endpoints: Vec<(Target, Callee)>,
    pub default_callee: Callee,
    /// Milliseconds between two digits of one `presses` (default 300).
    pub digit_gap: u64,
    /// Dialplan applications run before the `socket` app (`set`, `export`).
    pub dialplan: Vec<(String, String)>,
    /// Extra channel variables of the caller's leg (e.g. the
    /// `sip_P-Asserted-Identity` FreeSWITCH sets from the INVITE).
    pub extra_vars: Vec<(String, String)>,
    /// The dialplan runs the `socket` app (default); false: it ends after
    /// its applications and the call is hung up (12c).
    pub socket: bool,
    /// Faults injected on the call's socket.
    pub faults: Faults,
    /// What `uuid_record` of the caller's own leg writes (16-bit 8 kHz
    /// samples; AMD on the caller, jambonz's `config.amd`).
    pub audio: Option<std::sync::Arc<Vec<i16>>>,
}

impl Caller {
    /// A caller `from` dialing `to`.
    pub fn new(from: &str, to: &str) -> Self {
        Caller {
            from: from.into(),
            to: to.into(),
            name: from.into(),
            call_id: format!("{}@127.0.0.1", uuid::Uuid::new_v4()),
            source_ip: "127.0.0.1".into(),
            uuid: None,
            hangup_at: None,
            digits: Vec::new(),
            next: DialplanNext::Nothing,
            endpoints: Vec::new(),
            default_callee: Callee::rings_forever(),
            extra_vars: Vec::new(),
            digit_gap: 300,
            dialplan: Vec::new(),
            socket: true,
            faults: Faults::default(),
            audio: None,
        }
    }
    /// Audio `uuid_record` of the caller's leg writes, at real-time pace.
    pub fn records(mut self, samples: Vec<i16>) -> Self {
        self.audio = Some(std::sync::Arc::new(samples));
        self
    }
    pub fn name(mut self, name: &str) -> Self {
        self.name = name.into();
        self
    }
    pub fn call_id(mut self, id: &str) -> Self {
        self.call_id = id.into();
        self
    }
    pub fn source_ip(mut self, ip: &str) -> Self {
        self.source_ip = ip.into();
        self
    }
    /// Fixes the A leg's UUID (random otherwise).
    pub fn uuid(mut self, uuid: &str) -> Self {
        self.uuid = Some(uuid.into());
        self
    }
    /// The caller hangs up `ms` after the call reached the switch
    /// (CANCEL while unanswered, BYE once answered).
    pub fn hangs_up_after(mut self, ms: u64) -> Self {
        self.hangup_at = Some(ms);
        self
    }
    /// The caller presses `digits` (300 ms apart) from `at_ms`.
    pub fn presses(mut self, digits: &str, at_ms: u64) -> Self {
        self.digits.push((digits.into(), at_ms));
        self
    }
    /// A dialplan application before the socket app (`set` / `export`
    /// set the variable; any other only shows in its events).
    pub fn dialplan_app(mut self, name: &str, arg: &str) -> Self {
        self.dialplan.push((name.into(), arg.into()));
        self
    }
    /// Adds a channel variable to the caller's leg.
    pub fn var(mut self, name: &str, value: &str) -> Self {
        self.extra_vars.push((name.into(), value.into()));
        self
    }
    /// The caller's INVITE carries header `name: value`: FreeSWITCH sets
    /// `sip_h_<name>` on the caller (`-1`, `-2` for repeats), which it
    /// copies onto every leg unless `sip_copy_custom_headers=false` is set
    /// on the caller (fake_freeswitch/headers.rs). Only `X-` headers are modelled.
    pub fn sip_header(mut self, name: &str, value: &str) -> Self {
        assert!(
            super::headers::kept_from_invite(name),
            "Caller::sip_header models X- headers only, not {name:?}; use Caller::var \
             with the variable FreeSWITCH sets for it"
        );
        let var = super::headers::inbound_var(&self.extra_vars, name);
        self.extra_vars.push((var, value.into()));
        self
    }
    /// The dialplan has no `socket` app: after its applications (see
    /// `dialplan_app`) FreeSWITCH hangs the call up NORMAL_CLEARING and the
    /// caller gets 480 (trace 12c). No daemon is involved.
    pub fn without_socket(mut self) -> Self {
        self.socket = false;
        self
    }
    /// Faults injected on the call's socket (tests/faults).
    pub fn faults(mut self, faults: Faults) -> Self {
        self.faults = faults;
        self
    }
    /// What the dialplan does after the socket app.
    pub fn then(mut self, next: DialplanNext) -> Self {
        self.next = next;
        self
    }
    /// Scripts the endpoint dialed as `target` (text or user).
    pub fn endpoint(mut self, target: &str, callee: Callee) -> Self {
        self.endpoints.push((Target::Text(target.into()), callee));
        self
    }
    /// Scripts the leg at `index` in the dial string.
    pub fn leg(mut self, index: usize, callee: Callee) -> Self {
        self.endpoints.push((Target::Index(index), callee));
        self
    }
    /// Behaviour of every leg no script names (default: rings forever).
    pub fn otherwise(mut self, callee: Callee) -> Self {
        self.default_callee = callee;
        self
    }

    /// Every time of the script, and of the callee scripts given so far,
    /// multiplied by `f`.
    pub fn scaled(mut self, f: f64) -> Self {
        let s = |ms: u64| (ms as f64 * f).round() as u64;
        self.hangup_at = self.hangup_at.map(s);
        for d in &mut self.digits {
            d.1 = s(d.1);
        }
        self.digit_gap = s(self.digit_gap);
        self.endpoints = self
            .endpoints
            .into_iter()
            .map(|(t, c)| (t, c.scaled(f)))
            .collect();
        self.default_callee = self.default_callee.scaled(f);
        self
    }

    /// The script for a leg, by text, user or index.
    pub fn script_for(&self, endpoint: &str, user: &str, index: usize) -> Callee {
        self.endpoints
            .iter()
            .rev()
            .find(|(t, _)| match t {
                Target::Text(s) => s == endpoint || s == user,
                Target::Index(i) => *i == index,
            })
            .map(|(_, c)| c.clone())
            .unwrap_or_else(|| self.default_callee.clone())
    }
}

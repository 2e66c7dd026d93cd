//! A call arriving at the fake switch and handed to the daemon by the
//! `socket` app, and the handle a test scripts and observes it with.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use freeswitch_esl_tokio::HangupCause;
use tokio::sync::watch;

use super::apps::local_hangup;
use super::channel::{Channel, Profile};
use super::core::Core;
use super::lifecycle::Disp;
use super::outbound::{SocketEnd, start_socket};
use super::record::{CallLog, CallerSip, Command, Dial, LegFate};
use super::scenario::{Callee, Caller};
use super::signal;
use super::switch::Switch;
use super::template::{a_leg_name, a_leg_vars};

/// Creates the A leg, fires its dialplan's `socket` app and runs the
/// caller's script (hang-up time, digits).
pub fn start_call(sw: &Switch, daemon: SocketAddr, caller: Caller) -> CallHandle {
    let uuid = caller
        .uuid
        .clone()
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let log = Arc::new(CallLog::default());
    let data = format!("{daemon} async full");
    let cu = sw.0.core_uuid.clone();
    {
        let mut core = sw.lock();
        let profile = Profile {
            direction: "inbound",
            username: caller.from.clone(),
            caller_id_name: caller.name.clone(),
            caller_id_number: caller.from.clone(),
            callee_id_name: None,
            callee_id_number: None,
            network_addr: caller.source_ip.clone(),
            destination: caller.to.clone(),
            source: "mod_sofia".into(),
            context: "public".into(),
            created_us: 0,
            dialplan: "XML".into(),
            logical_direction: None,
            transfer_source: None,
            flipped: None,
        };
        let mut ch = Channel::new(&uuid, a_leg_name(&caller), profile, log.clone());
        for (k, v) in a_leg_vars(&caller, &uuid, &data) {
            ch.set_var(&k, v);
        }
        ch.set_var("socket_host", daemon.ip().to_string());
        // CHANNEL_CREATE comes before routing: call state DOWN (12c).
        ch.call_state = "DOWN";
        core.channels.insert(uuid.clone(), ch);
        core.fire(&cu, &uuid, "CHANNEL_CREATE", &[], &[]);
        if let Some(ch) = core.channels.get_mut(&uuid) {
            ch.call_state = "RINGING";
        }
        for (name, arg) in &caller.dialplan {
            dialplan_app(&mut core, &cu, &uuid, name, arg);
        }
        sw.extra().callers.insert(uuid.clone(), caller.clone());
        if !caller.socket {
            // Nothing after the dialplan's applications: FreeSWITCH hangs
            // the call up NORMAL_CLEARING, the caller gets 480 (12c).
            local_hangup(&mut core, &cu, &uuid, HangupCause::NormalClearing);
            core.complete(&cu, &uuid);
            log.set_closed(false);
            drop(core);
            return CallHandle::new(sw.clone(), uuid, log);
        }
        let post = [
            ("Application", "socket".to_string()),
            ("Application-Data", data.clone()),
            ("Application-UUID", uuid::Uuid::new_v4().to_string()),
        ];
        core.fire(&cu, &uuid, "CHANNEL_EXECUTE", &[], &post);
        start_socket(
            sw,
            &mut core,
            daemon,
            &uuid,
            data,
            SocketEnd::Dialplan(caller.next.clone()),
        );
    }
    run_caller_script(sw, &uuid, &caller);
    CallHandle {
        sw: sw.clone(),
        uuid,
        log,
    }
}

/// A dialplan application before the socket app: its EXECUTE /
/// EXECUTE_COMPLETE pair, and the variable of a `set` or `export`.
fn dialplan_app(core: &mut Core, cu: &str, uuid: &str, name: &str, arg: &str) {
    if let (Some(ch), Some((k, v))) = (core.channels.get_mut(uuid), arg.split_once('='))
        && matches!(name, "set" | "export")
    {
        ch.set_var(k, v);
    }
    let app_uuid = uuid::Uuid::new_v4().to_string();
    let exec = [
        ("Application", name.to_string()),
        ("Application-Data", arg.to_string()),
        ("Application-UUID", app_uuid.clone()),
    ];
    core.fire(cu, uuid, "CHANNEL_EXECUTE", &[], &exec);
    let done = [
        ("Application", name.to_string()),
        ("Application-Data", arg.to_string()),
        ("Application-Response", "_none_".to_string()),
        ("Application-UUID", app_uuid),
    ];
    core.fire(cu, uuid, "CHANNEL_EXECUTE_COMPLETE", &[], &done);
}

fn run_caller_script(sw: &Switch, uuid: &str, caller: &Caller) {
    let t0 = tokio::time::Instant::now();
    if let Some(ms) = caller.hangup_at {
        let (sw, u) = (sw.clone(), uuid.to_string());
        tokio::spawn(async move {
            tokio::time::sleep_until(t0 + Duration::from_millis(ms)).await;
            caller_hangs_up(&sw, &u);
        });
    }
    let gap = caller.digit_gap;
    for (digits, at) in caller.digits.clone() {
        let (sw, u) = (sw.clone(), uuid.to_string());
        tokio::spawn(async move {
            for (i, d) in digits.chars().enumerate() {
                tokio::time::sleep_until(t0 + Duration::from_millis(at + gap * i as u64)).await;
                let cu = sw.0.core_uuid.clone();
                signal::dtmf(&mut sw.lock(), &cu, &u, d);
            }
        });
    }
}

/// The caller hangs up now: BYE when answered, CANCEL before.
pub fn caller_hangs_up(sw: &Switch, uuid: &str) {
    let cu = sw.0.core_uuid.clone();
    let mut core = sw.lock();
    let answered = core.channels.get(uuid).is_some_and(|c| c.answered);
    if answered {
        core.hangup(&cu, uuid, HangupCause::NormalClearing, Disp::RecvBye);
    } else {
        core.hangup(&cu, uuid, HangupCause::OriginatorCancel, Disp::RecvCancel);
    }
}

/// A call in progress: script it further, observe what the daemon did.
#[derive(Debug, Clone)]
pub struct CallHandle {
    sw: Switch,
    uuid: String,
    log: Arc<CallLog>,
}

impl CallHandle {
    pub(crate) fn new(sw: Switch, uuid: String, log: Arc<CallLog>) -> Self {
        CallHandle { sw, uuid, log }
    }
    /// The A leg's UUID (the daemon's call_sid).
    pub fn uuid(&self) -> &str {
        &self.uuid
    }
    /// Scripts the endpoint dialed as `target` (text or user) from now on.
    pub fn endpoint(&self, target: &str, callee: Callee) -> &Self {
        if let Some(c) = self.sw.extra().callers.get_mut(&self.uuid) {
            *c = c.clone().endpoint(target, callee);
        }
        self
    }
    /// Scripts the leg at `index` from now on.
    pub fn leg(&self, index: usize, callee: Callee) -> &Self {
        if let Some(c) = self.sw.extra().callers.get_mut(&self.uuid) {
            *c = c.clone().leg(index, callee);
        }
        self
    }
    /// The caller hangs up now.
    pub fn hang_up(&self) {
        caller_hangs_up(&self.sw, &self.uuid);
    }
    /// The caller sends a blind REFER to `refer_to` now (refer.rs: outside
    /// a bridge FreeSWITCH refuses it with NOTIFY 403 and fires
    /// `sofia::error`).
    pub fn refers(&self, refer_to: &str) {
        let refer = super::refer::Refer {
            to: refer_to.to_string(),
            referred_by: None,
            headers: Vec::new(),
            at: 0,
        };
        super::refer::far_end_refers(&self.sw, &self.uuid, &refer);
    }
    /// The caller presses one digit now.
    pub fn press(&self, digit: char) {
        let cu = self.sw.0.core_uuid.clone();
        signal::dtmf(&mut self.sw.lock(), &cu, &self.uuid, digit);
    }
    /// Every command the daemon sent (the A socket and screening sockets).
    pub fn commands(&self) -> Vec<Command> {
        self.log.commands()
    }
    /// The applications executed through sendmsg, as `(name, arg)`.
    pub fn apps(&self) -> Vec<(String, String)> {
        self.commands()
            .iter()
            .filter_map(|c| {
                Some((
                    c.app()?.to_string(),
                    c.header("execute-app-arg").unwrap_or("").to_string(),
                ))
            })
            .collect()
    }
    /// Every bridge, parsed as FreeSWITCH installs it.
    pub fn dials(&self) -> Vec<Dial> {
        self.log.dials()
    }
    /// SIP the caller received, with times from the call's start.
    pub fn caller_sip(&self) -> Vec<(Duration, CallerSip)> {
        self.log.caller_sip()
    }
    /// Just the messages, in order.
    pub fn caller_signals(&self) -> Vec<CallerSip> {
        self.caller_sip().into_iter().map(|(_, s)| s).collect()
    }
    /// The final response an unanswered caller got, if any.
    pub fn caller_final_code(&self) -> Option<u16> {
        self.caller_signals().into_iter().find_map(|s| match s {
            CallerSip::Final(c) => Some(c),
            CallerSip::CallerCancel => Some(487),
            _ => None,
        })
    }
    /// How each dialed leg ended.
    pub fn legs(&self) -> Vec<LegFate> {
        self.log.legs()
    }
    /// A's hangup cause, once hung up.
    pub fn hangup_cause(&self) -> Option<String> {
        self.log.a_hangup()
    }
    /// Whether the daemon closed its socket while A was still up (§8).
    pub fn closed_with_caller_up(&self) -> bool {
        self.log.closed_with_a_up()
    }
    /// Whether the socket app found no daemon listening (docs/freeswitch.md §8).
    pub fn socket_refused(&self) -> bool {
        self.log.socket_refused()
    }
    /// Protocol errors and unfaked requests the fake noticed.
    pub fn errors(&self) -> Vec<String> {
        self.log.errors()
    }
    /// Every application the switch started on the call's channels, with
    /// when its sendmsg arrived and the frame it started in (pacing.rs):
    /// the proof that a daemon's set-up is pipelined.
    pub fn app_runs(&self) -> Vec<super::pacing::AppRun> {
        self.log.app_runs()
    }
    /// The SIP FreeSWITCH sent each party of the call beyond call progress
    /// (`(channel UUID, message)`: REFER/NOTIFY, INFO, MESSAGE, re-INVITEs,
    /// BYE, RFC 2833 digits).
    pub fn sip_sent(&self) -> Vec<(String, super::record::SipSent)> {
        self.log.sip_sent()
    }
    /// FreeSWITCH itself hangs channel `uuid` of the call up with `cause`
    /// (a switch-side teardown, as `uuid_kill` does).
    pub fn switch_hangup(&self, uuid: &str, cause: HangupCause) {
        let cu = self.sw.0.core_uuid.clone();
        local_hangup(&mut self.sw.lock(), &cu, uuid, cause);
    }
    /// `(Event-Name, Unique-ID)` of every event delivered to the daemon.
    pub fn delivered_events(&self) -> Vec<(String, String)> {
        self.log.events()
    }
    /// A channel variable of A (or a live leg).
    pub fn var(&self, uuid: &str, name: &str) -> Option<String> {
        self.sw
            .lock()
            .channels
            .get(uuid)
            .and_then(|c| c.var(name).map(str::to_string))
    }

    /// Waits until `pred` holds on the log, or the timeout passes.
    pub async fn wait_for(&self, timeout: Duration, pred: impl Fn(&CallLog) -> bool) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let changed = self.log.changed.notified();
            if pred(&self.log) {
                return true;
            }
            if tokio::time::timeout_at(deadline, changed).await.is_err() {
                return pred(&self.log);
            }
        }
    }
    /// Waits until A has hung up and the daemon's socket is closed.
    pub async fn finished(&self, timeout: Duration) -> Result<(), String> {
        if self
            .wait_for(timeout, |l| l.a_hangup().is_some() && l.socket_closed())
            .await
        {
            Ok(())
        } else {
            Err(format!(
                "call {} not finished within {timeout:?}: hangup={:?} socket_closed={}",
                self.uuid,
                self.log.a_hangup(),
                self.log.socket_closed()
            ))
        }
    }
}

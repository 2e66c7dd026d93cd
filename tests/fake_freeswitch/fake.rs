//! `FakeSwitch`: the one object a test starts. It owns the switch core and
//! the inbound ESL server, and starts calls toward the daemon's listener.

use std::net::SocketAddr;
use std::time::Duration;

use super::call::{CallHandle, start_call};
use super::inbound::Inbound;
use super::scenario::{Callee, Caller};
use super::switch::Switch;

/// How to start a fake switch: the knobs a test may need before anything
/// binds (the second, the password, the heartbeat).
#[derive(Debug, Clone)]
pub struct Builder {
    second: Duration,
    password: String,
    heartbeat: Duration,
    frame: Option<Duration>,
}

impl Builder {
    /// What the switch counts as one second for leg_timeout and
    /// originate_timeout (default 1 s; 100 ms makes timeout tests quick).
    pub fn second(mut self, d: Duration) -> Self {
        self.second = d;
        self
    }
    /// The channel threads' frame: an application queued on an idle
    /// channel starts at its next tick, those queued behind it run back to
    /// back (docs/freeswitch.md §17). Default 20 switch milliseconds (scaled
    /// with `second`); `Duration::ZERO` runs applications at once.
    pub fn frame(mut self, d: Duration) -> Self {
        self.frame = Some(d);
        self
    }
    /// The inbound ESL password (default `ClueCon`).
    pub fn password(mut self, p: &str) -> Self {
        self.password = p.into();
        self
    }
    /// The HEARTBEAT interval on inbound connections (default 20 s).
    pub fn heartbeat(mut self, d: Duration) -> Self {
        self.heartbeat = d;
        self
    }
    /// Binds the inbound server on 127.0.0.1:0.
    pub async fn start(self) -> FakeSwitch {
        let frame = self.frame.unwrap_or_else(|| self.second.mul_f64(0.02));
        let sw = Switch::with_frame(self.second, frame);
        let addr: SocketAddr = "127.0.0.1:0".parse().expect("literal address");
        let inbound = Inbound::start(sw.clone(), addr, &self.password, self.heartbeat)
            .await
            .expect("bind 127.0.0.1:0");
        FakeSwitch { sw, inbound }
    }
}

/// A clonable handle on the fake's `api` (the inbound port's commands run
/// directly), for tasks that must not borrow the `FakeSwitch`.
#[derive(Debug, Clone)]
pub struct ApiHandle(Switch);

impl ApiHandle {
    /// Runs an `api` command; its reply body.
    pub async fn api(&self, line: &str) -> String {
        super::api::execute(&self.0, line, None).await
    }
}

/// A FreeSWITCH stand-in speaking real ESL in both directions.
#[derive(Debug)]
pub struct FakeSwitch {
    sw: Switch,
    inbound: Inbound,
}

impl FakeSwitch {
    /// Defaults: 1 s seconds, password `ClueCon`, heartbeat 20 s.
    pub fn builder() -> Builder {
        Builder {
            second: Duration::from_secs(1),
            password: "ClueCon".into(),
            heartbeat: Duration::from_secs(20),
            frame: None,
        }
    }
    /// A fake with the defaults.
    pub async fn start() -> FakeSwitch {
        Self::builder().start().await
    }
    /// A fake whose second lasts `second`.
    pub async fn with_second(second: Duration) -> FakeSwitch {
        Self::builder().second(second).start().await
    }
    /// Where the daemon's control connection connects (port 8021's role).
    pub fn esl_addr(&self) -> SocketAddr {
        self.inbound.addr
    }
    /// Changes the inbound password for new connections.
    pub fn set_password(&self, p: &str) {
        *self
            .inbound
            .password
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = p.into();
    }
    /// Stops the inbound server and drops its connections.
    pub fn stop_inbound(&mut self) {
        self.inbound.stop();
    }
    /// FreeSWITCH crashes: the inbound server and its connections go, every
    /// call's socket is closed without a word, every channel vanishes.
    pub fn crash(&mut self) {
        self.inbound.stop();
        let mut core = self.sw.lock();
        for ch in core.channels.values() {
            for conn in &ch.conns {
                let _ = conn.tx.send(super::switch::Out::Close);
            }
        }
        core.channels.clear();
    }
    /// Serves inbound again on the same address.
    pub async fn restart_inbound(&mut self) {
        self.inbound
            .restart(self.sw.clone())
            .await
            .expect("rebind the inbound address");
    }
    /// From now on `uuid_record` answers +OK but writes nothing this host
    /// can see, as a FreeSWITCH on another machine would.
    pub fn record_elsewhere(&self) {
        self.sw.extra().records_elsewhere = true;
    }
    /// A call reaches the switch and its dialplan hands it to `daemon`.
    pub fn call(&self, daemon: SocketAddr, caller: Caller) -> CallHandle {
        start_call(&self.sw, daemon, caller)
    }
    /// How long `playback` of `file` takes (default 100 ms; tone and
    /// silence streams are timed from their own text).
    pub fn file_duration(&self, file: &str, ms: u64) {
        self.sw.extra().files.insert(file.into(), ms);
    }
    /// How the callee of an `originate` behaves (default: answers at 10 ms).
    pub fn originate_callee(&self, callee: Callee) {
        self.sw.extra().originate_callee = Some(callee);
    }
    /// Delays the creation of every originate's channel by `d` (a knob,
    /// not a capture: the route or DNS lookup before the channel exists).
    pub fn originate_delay(&self, d: std::time::Duration) {
        self.sw.extra().originate_delay = d;
    }
    /// Scripts the legs that calls created by `originate` dial, by the
    /// endpoint scripts of `legs` (its other fields are not used).
    pub fn originated_legs(&self, legs: Caller) {
        self.sw.extra().originated_legs = Some(legs);
    }
    /// How the party dialled by an `originate` to `target` (endpoint text
    /// or its user) behaves; others follow `originate_callee`.
    pub fn originate_party(&self, target: &str, callee: Callee) {
        self.sw
            .extra()
            .originate_parties
            .push((target.to_string(), callee));
    }
    /// Scripts extension `exten` of `context` (`*`: any extension of it)
    /// for channels transferred there (a REFER's transferee, `uuid_transfer`):
    /// its applications run in order, then the channel is hung up
    /// NORMAL_CLEARING. Unscripted: NO_ROUTE_DESTINATION.
    pub fn extension(&self, context: &str, exten: &str, apps: &[(&str, &str)]) {
        let apps = apps
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        self.sw
            .extra()
            .extensions
            .insert((context.to_string(), exten.to_string()), apps);
    }
    /// Runs an `api` command as if sent on the inbound port; its reply body.
    pub async fn api(&self, line: &str) -> String {
        super::api::execute(&self.sw, line, None).await
    }
    /// A clonable handle on the api, for tasks that outlive a borrow.
    pub fn api_handle(&self) -> ApiHandle {
        ApiHandle(self.sw.clone())
    }
    /// Member-IDs of conferences count from `n` (they are global to the
    /// switch: 19b's numbering went on from 19a's).
    pub fn conference_member_ids_from(&self, n: u32) {
        self.sw.extra().conferences.next_id = n;
    }
    /// The conference thread's tick (default 20 switch ms): a new member
    /// gets the floor, a mute is reported, a departure is acted on one tick
    /// later (19a, 19b).
    pub fn conference_tick(&self, d: Duration) {
        self.sw.extra().conferences.tick = Some(d);
    }
    /// Member `id` of room `name` starts (`true`) or stops talking:
    /// mod_conference's `start-talking` / `stop-talking` member events
    /// (conference_loop.c; not captured: README.md). False when there is
    /// no such member.
    pub fn conference_talks(&self, name: &str, id: u32, talking: bool) -> bool {
        super::conference_events::talking(&self.sw, name, id, talking)
    }
    /// Whether member `id` of room `name` is held, and can speak.
    pub fn conference_member_state(&self, name: &str, id: u32) -> Option<(bool, bool)> {
        let ex = self.sw.extra();
        let m = ex.conferences.rooms.get(name)?.member(id)?;
        Some((m.hold, m.speak))
    }
    /// The Conference-Unique-ID the next conference `name` gets.
    pub fn conference_uuid(&self, name: &str, uuid: &str) {
        self.sw
            .extra()
            .conferences
            .uuids
            .insert(name.to_string(), uuid.to_string());
    }
    /// Calls created by `originate ... &socket(...)`, in order.
    pub fn originated(&self) -> Vec<CallHandle> {
        self.sw
            .extra()
            .originated
            .iter()
            .map(|(u, l)| CallHandle::new(self.sw.clone(), u.clone(), l.clone()))
            .collect()
    }
    /// Every api/bgapi line received, on any connection.
    pub fn api_log(&self) -> Vec<String> {
        self.sw.extra().api_log.clone()
    }
    /// Channels alive (or lingering) right now.
    pub fn channel_count(&self) -> usize {
        self.sw.lock().channels.len()
    }
}

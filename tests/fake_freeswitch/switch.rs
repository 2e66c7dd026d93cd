//! The switch: the core behind one lock (so events leave in one global
//! order, as FreeSWITCH's event thread delivers them), the settings that
//! never change, and the test-set knobs and observations.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::mpsc::UnboundedSender;

use super::core::Core;
use super::record::CallLog;
use super::scenario::{Callee, Caller};

/// What a connection's writer task sends: bytes, or "flush and close".
/// Exists so every producer (events, replies, notices) shares one ordered
/// queue per socket, as FreeSWITCH writes one socket from one thread.
#[derive(Debug)]
pub enum Out {
    Bytes(Vec<u8>),
    Close,
}

/// The outbound socket attached to a channel, for the notices FreeSWITCH
/// sends it when the channel ends.
#[derive(Debug, Clone)]
pub struct ConnHook {
    /// The connection's subscriber id (to detach it when it closes).
    pub id: u64,
    pub tx: UnboundedSender<Out>,
    pub linger: Arc<AtomicBool>,
    /// `linger <secs>`: how long the socket outlives its channel (0: no
    /// limit, a bare `linger`).
    pub linger_secs: Arc<std::sync::atomic::AtomicU64>,
    pub notice_sent: Arc<AtomicBool>,
}

/// Test-set knobs and observations outside the channel table, under their
/// own lock so reading them never contends with event delivery.
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
    /// How long an originate takes before FreeSWITCH creates its channel
    /// (a test knob: a route or DNS lookup, a loaded switch).
    pub originate_delay: std::time::Duration,
    pub originate_callee: Option<Callee>,
    /// The scripts of the legs a call created by `originate` dials (its
    /// endpoint scripts), as a `Caller`'s are for an inbound call.
    pub originated_legs: Option<Caller>,
    /// Running `uuid_record` writers, by path.
    pub recordings: HashMap<String, Arc<AtomicBool>>,
    /// `uuid_record` writes where this host cannot see (FreeSWITCH on
    /// another machine): it answers +OK but no file appears here.
    pub records_elsewhere: bool,
    /// Calls created by `originate`, for tests to pick up.
    pub originated: Vec<(String, Arc<CallLog>)>,
    pub daemon: Option<std::net::SocketAddr>,
    /// Scripted dialplan extensions, by (context, extension or `*`).
    pub extensions: HashMap<(String, String), super::transfer::Extension>,
    /// How the party of an `originate` behaves, by endpoint text or user.
    pub originate_parties: Vec<(String, Callee)>,
    /// mod_conference's conferences and Member-ID counter.
    pub conferences: super::conference::Conferences,
}

/// The shared switch: the core plus settings that never change, shared by
/// every task of every call on one fake.
#[derive(Debug)]
pub struct SwitchInner {
    core: Mutex<Core>,
    pub extra: Mutex<Extras>,
    /// What the switch counts as one second (leg_timeout, originate_timeout).
    pub second: Duration,
    pub core_uuid: String,
    /// The channel threads' frame (docs/freeswitch.md §17): a queued
    /// application starts at the next tick (pacing.rs). Zero: at once.
    pub frame: Duration,
    /// Tick 0 of the frame clock, shared by every channel as FreeSWITCH's
    /// soft timer is.
    pub epoch: tokio::time::Instant,
}

/// A cheap, clonable handle on the switch, so every spawned task (socket,
/// app, leg) reaches the same channels.
#[derive(Debug, Clone)]
pub struct Switch(pub Arc<SwitchInner>);

impl Switch {
    pub fn new(second: Duration) -> Self {
        Self::with_frame(second, second.mul_f64(0.02))
    }
    /// A switch whose channel threads tick every `frame`.
    pub fn with_frame(second: Duration, frame: Duration) -> Self {
        Switch(Arc::new(SwitchInner {
            core: Mutex::default(),
            extra: Mutex::new(Extras {
                default_file_ms: 100,
                ..Extras::default()
            }),
            second,
            core_uuid: uuid::Uuid::new_v4().to_string(),
            frame,
            epoch: tokio::time::Instant::now(),
        }))
    }
    pub fn lock(&self) -> MutexGuard<'_, Core> {
        self.0.core.lock().unwrap_or_else(|e| e.into_inner())
    }
    pub fn second(&self) -> Duration {
        self.0.second
    }
    /// `ms` milliseconds of switch time (media, timeouts) in real time:
    /// scaled by the configured second.
    pub fn ms(&self, ms: u64) -> Duration {
        self.0.second.mul_f64(ms as f64 / 1000.0)
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
    /// `uuid_record start|stop`: starts or stops writing `audio` (the leg's
    /// scripted audio laid out as the recording's variables say,
    /// audio.rs `Layout`) into `path` at real-time pace, `frame_bytes` per
    /// 20 ms; a start's `limit` (seconds, 0 =
    /// none) stops it after that long, like the switch's media bug stop
    /// time — in real seconds, as the audio is not scaled either.
    pub fn record(
        &self,
        _uuid: &str,
        act: &str,
        path: &str,
        audio: Option<Arc<Vec<i16>>>,
        limit: Option<u64>,
        frame_bytes: usize,
    ) {
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
        if ex.records_elsewhere {
            return;
        }
        let stop = Arc::new(AtomicBool::new(false));
        ex.recordings.insert(path.to_string(), stop.clone());
        let samples = audio.map(|a| (*a).clone()).unwrap_or_default();
        if let Some(secs) = limit.filter(|s| *s > 0) {
            let stop = stop.clone();
            tokio::spawn(async move {
                tokio::time::sleep(std::time::Duration::from_secs(secs)).await;
                stop.store(true, Ordering::SeqCst);
            });
        }
        tokio::spawn(super::audio::write_realtime(
            path.into(),
            samples,
            stop,
            frame_bytes,
        ));
    }
}

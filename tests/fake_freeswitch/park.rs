//! A channel held by the switch and fed applications: the `socket` app
//! (the daemon's connection controls it) and the `park` app (11b1: the
//! socket still attached keeps control). Both run queued applications at
//! the channel's frame pace (pacing.rs) until the channel hangs up, is
//! transferred (transfer.rs) or its queue closes.

use std::collections::VecDeque;

use freeswitch_esl_tokio::HangupCause;
use tokio::sync::mpsc::{self, UnboundedReceiver, UnboundedSender};
use tokio::sync::watch;

use super::apps::{complete_headers, local_hangup, run_app};
use super::channel::AppRequest;
use super::outbound::SocketEnd;
use super::scenario::DialplanNext;
use super::switch::Switch;

/// Why a channel stopped what it was doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    Hangup,
    /// A transfer (`CF_TRANSFER`): the running application returns and the
    /// channel runs its new dialplan.
    Transfer,
}

/// A channel's hangup and transfer signals, as one waitable thing.
#[derive(Debug)]
pub struct Stops {
    hung: watch::Receiver<bool>,
    xfer: watch::Receiver<u64>,
    seen: u64,
}

/// The signals of `uuid`, counting transfers from now.
pub fn stops(sw: &Switch, uuid: &str) -> Option<Stops> {
    let core = sw.lock();
    let ch = core.channels.get(uuid)?;
    let xfer = ch.xfer.subscribe();
    let seen = *xfer.borrow();
    Some(Stops {
        hung: ch.hung.subscribe(),
        xfer,
        seen,
    })
}

impl Stops {
    /// What happened already, if anything.
    pub fn now(&self) -> Option<Stop> {
        if *self.hung.borrow() {
            Some(Stop::Hangup)
        } else if *self.xfer.borrow() != self.seen {
            Some(Stop::Transfer)
        } else {
            None
        }
    }
    /// Resolves on the channel's hangup or its next transfer.
    pub async fn stopped(&mut self) -> Stop {
        let seen = self.seen;
        tokio::select! {
            _ = self.hung.wait_for(|h| *h) => Stop::Hangup,
            r = self.xfer.wait_for(|x| *x != seen) => match r {
                Ok(_) => Stop::Transfer,
                // The channel is gone: it hung up.
                Err(_) => Stop::Hangup,
            },
        }
    }
}

/// How a park loop ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoopEnd {
    Stopped(Stop),
    /// The queue closed (the socket went away).
    Closed,
}

/// Runs the applications queued on `rx` until the channel stops or the
/// queue closes. An application queued on an idle channel starts at the
/// next frame tick, together with everything queued by then; the last
/// application's response is returned with why the loop ended.
pub async fn park_loop(
    sw: &Switch,
    uuid: &str,
    rx: &mut UnboundedReceiver<AppRequest>,
) -> (String, LoopEnd) {
    let mut last = "_none_".to_string();
    let mut pending: VecDeque<AppRequest> = VecDeque::new();
    let Some(mut stops) = stops(sw, uuid) else {
        return (last, LoopEnd::Stopped(Stop::Hangup));
    };
    loop {
        if let Some(s) = stops.now() {
            return (last, LoopEnd::Stopped(s));
        }
        let r = match pending.pop_front() {
            Some(r) => r,
            None => {
                let first = tokio::select! {
                    biased;
                    s = stops.stopped() => return (last, LoopEnd::Stopped(s)),
                    r = rx.recv() => r,
                };
                let Some(first) = first else {
                    return (last, LoopEnd::Closed);
                };
                // The channel thread takes it one frame later, with
                // everything queued by then (02a: set, set, bridge).
                let tick = sw.next_frame(uuid).await;
                pending.push_back(first);
                while let Ok(r) = rx.try_recv() {
                    pending.push_back(r);
                }
                for r in pending.iter_mut() {
                    r.frame.get_or_insert(tick);
                }
                continue;
            }
        };
        if r.event_uuid.is_some() && flushed(sw, uuid, &r) {
            continue;
        }
        let instant = INSTANT.contains(&r.name.as_str());
        last = if r.name == "bridge" {
            bridge_taking_hangups(sw, uuid, r, rx, &mut pending).await
        } else {
            run_app(sw, uuid, r).await
        };
        if !instant {
            // Frames went by: what follows starts in a later frame.
            let now = sw.pass_frame(uuid);
            for p in pending.iter_mut() {
                p.frame = Some(now);
            }
        }
    }
}

/// True when a `uuid_break <uuid> all` came after `r` was queued: it never
/// starts and sends no completion.
fn flushed(sw: &Switch, uuid: &str, r: &AppRequest) -> bool {
    sw.lock()
        .channels
        .get(uuid)
        .is_some_and(|ch| ch.flushes != r.flush_gen)
}

/// Applications that return within their frame, so the next queued one
/// starts in the same frame (02a: `set`, `set`, `bridge` in one).
const INSTANT: &[&str] = &[
    "set",
    "export",
    "unset",
    "multiset",
    "ring_ready",
    "pre_answer",
    "answer",
    "hangup",
    "respond",
    "log",
    "info",
    "event",
    "send_info",
    "avmd_start",
    "avmd_stop",
    "stop_record_session",
];

/// Runs a `bridge`; a `hangup` queued meanwhile runs at the bridge loop's
/// next frame, inside the bridge (13a: the socket's `hangup` during the
/// bridge; 14a: during the ringing, 20 ms after the sendmsg). Other
/// applications wait for the bridge to return.
async fn bridge_taking_hangups(
    sw: &Switch,
    uuid: &str,
    req: AppRequest,
    rx: &mut UnboundedReceiver<AppRequest>,
    pending: &mut VecDeque<AppRequest>,
) -> String {
    let bridge = run_app(sw, uuid, req);
    tokio::pin!(bridge);
    let mut open = true;
    loop {
        tokio::select! {
            last = &mut bridge => return last,
            next = rx.recv(), if open => match next {
                Some(mut r) if r.name == "hangup" => {
                    r.frame = Some(sw.next_frame(uuid).await);
                    run_app(sw, uuid, r).await;
                }
                Some(r) => pending.push_back(r),
                None => open = false,
            },
        }
    }
}

/// Makes `tx` the queue `sendmsg execute` feeds on `uuid`.
fn attach(sw: &Switch, uuid: &str, tx: &UnboundedSender<AppRequest>) {
    if let Some(ch) = sw.lock().channels.get_mut(uuid) {
        ch.apps = Some(tx.clone());
    }
}

/// Detaches `tx` if it is still the channel's queue.
fn detach(sw: &Switch, uuid: &str, tx: &UnboundedSender<AppRequest>) {
    if let Some(ch) = sw.lock().channels.get_mut(uuid)
        && ch.apps.as_ref().is_some_and(|q| q.same_channel(tx))
    {
        ch.apps = None;
    }
}

/// The `park` application (switch_ivr_park): CHANNEL_PARK, then the
/// channel runs whatever a socket still attached sends (11b1) until it
/// hangs up or is transferred; CHANNEL_UNPARK when it ends. A
/// `park_timeout=<secs>[:<cause>]` variable hangs it up that long after the
/// park began (cause NORMAL_CLEARING unless given) — from switch_ivr.c, not
/// captured; nothing else ends a park.
pub async fn park_app(sw: &Switch, uuid: &str) -> String {
    let cu = sw.0.core_uuid.clone();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let timeout = {
        let mut core = sw.lock();
        let Some(ch) = core.channels.get_mut(uuid) else {
            return "_none_".into();
        };
        ch.parked = true;
        let t = ch.var("park_timeout").map(str::to_string);
        ch.unset_var("park_timeout");
        core.fire(&cu, uuid, "CHANNEL_PARK", &[], &[]);
        t
    };
    attach(sw, uuid, &tx);
    if let Some(t) = timeout {
        let (secs, cause) = t.split_once(':').unwrap_or((t.as_str(), ""));
        let cause = cause.parse().unwrap_or(HangupCause::NormalClearing);
        if let Ok(secs) = secs.parse::<u64>() {
            let (sw2, u) = (sw.clone(), uuid.to_string());
            let d = sw.second() * secs as u32;
            tokio::spawn(async move {
                if let Some(mut s) = stops(&sw2, &u) {
                    tokio::select! {
                        _ = s.stopped() => {}
                        _ = tokio::time::sleep(d) => {
                            let cu = sw2.0.core_uuid.clone();
                            local_hangup(&mut sw2.lock(), &cu, &u, cause);
                        }
                    }
                }
            });
        }
    }
    let (last, _) = park_loop(sw, uuid, &mut rx).await;
    detach(sw, uuid, &tx);
    // The park loop notices the hangup at its next frame (11b1: UNPARK
    // 20 ms after CHANNEL_HANGUP).
    tokio::time::sleep(sw.frame()).await;
    let mut core = sw.lock();
    if let Some(ch) = core.channels.get_mut(uuid) {
        ch.parked = false;
    }
    core.fire(&cu, uuid, "CHANNEL_UNPARK", &[], &[]);
    last
}

/// The socket app on a channel: runs queued apps until the channel hangs
/// up, is transferred, or the socket goes away; then UNPARK and its
/// EXECUTE_COMPLETE, and the dialplan goes on (or the transfer's dialplan
/// runs, transfer.rs).
pub async fn socket_app(
    sw: Switch,
    uuid: String,
    mut rx: UnboundedReceiver<AppRequest>,
    end: SocketEnd,
    data: String,
) {
    let (last, how) = park_loop(&sw, &uuid, &mut rx).await;
    let cu = sw.0.core_uuid.clone();
    let up = {
        let mut core = sw.lock();
        if let Some(ch) = core.channels.get_mut(&uuid) {
            ch.apps = None;
        }
        // Only a connected socket app parked the channel (08b: none).
        let parked = core
            .channels
            .get_mut(&uuid)
            .is_some_and(|ch| std::mem::replace(&mut ch.parked, false));
        if parked {
            core.fire(&cu, &uuid, "CHANNEL_UNPARK", &[], &[]);
        }
        let post = complete_headers("socket", &data, &last, &uuid::Uuid::new_v4().to_string());
        core.fire(&cu, &uuid, "CHANNEL_EXECUTE_COMPLETE", &[], &post);
        core.channels.get(&uuid).is_some_and(|c| c.is_up())
    };
    // Killed from outside while parked (a timeout during screening, 04d):
    // the channel was reported already; its socket goes now.
    if sw
        .lock()
        .channels
        .get(&uuid)
        .is_some_and(|c| c.cs == "CS_REPORTING")
    {
        sw.lock().release(&uuid);
    }
    let next = match end {
        SocketEnd::Dialplan(next) => next,
        SocketEnd::Inline(done) => {
            let _ = done.send(());
            return;
        }
        SocketEnd::Screening(tx, idx) => {
            if !up {
                sw.lock().complete(&cu, &uuid);
            } else {
                // The originate notices the returned socket app at its next
                // frame: the bridge comes ~20 ms after EXECUTE_COMPLETE
                // (socket), whether the socket accepted the leg (04a) or
                // never connected (13a, 13b).
                tokio::time::sleep(sw.ms(20)).await;
            }
            let _ = tx.send((idx, super::legs::Stim::Screened(up)));
            return;
        }
    };
    if up && how == LoopEnd::Stopped(Stop::Transfer) {
        super::transfer::run_dialplan(&sw, &uuid).await;
        return;
    }
    if up {
        match next {
            DialplanNext::Nothing => {
                let mut core = sw.lock();
                local_hangup(&mut core, &cu, &uuid, HangupCause::NormalClearing);
            }
            DialplanNext::Respond(code) => {
                run_app(&sw, &uuid, AppRequest::new("respond", &code.to_string())).await;
            }
        }
    }
    sw.lock().complete(&cu, &uuid);
}

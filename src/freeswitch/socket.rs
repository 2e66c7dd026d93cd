//! One call's own connection to FreeSWITCH (the outbound socket). Commands
//! go out as `sendmsg` tagged with an `Event-UUID`, so each
//! CHANNEL_EXECUTE_COMPLETE is matched to its command (docs/freeswitch.md §1);
//! the caller's hangup is tracked from its CHANNEL_HANGUP_COMPLETE.
//!
//! Nothing here waits on FreeSWITCH without a bound ([`super::deadline`]):
//! every command's reply and every short application's completion has a
//! deadline, and a socket silent for `probe_after` is asked whether the
//! call still exists. A socket that misses a deadline, stops answering or
//! drops events is marked broken; ending the call then goes around it
//! ([`super::ending`]).

use std::collections::VecDeque;
use std::time::SystemTime;

use freeswitch_esl_tokio::{
    EslClient, EslCommand, EslError, EslEvent, EslEventStream, HangupCause, HeaderLookup,
};
use tokio::time::Instant;
use tracing::warn;

pub(crate) use super::caller_state::CallerHangup;
pub use super::caller_state::CallerState;
pub use super::command::completion_of;
pub(crate) use super::command::{Commander, Completion, SocketError, completes};
pub(crate) use super::command::{api, sendmsg};

use super::channel_data::ChannelData;
use super::control::Control;
use super::deadline::{LINGER, Limits};
use super::probe::{self, Probe};

/// Events a call subscribes to (docs/freeswitch.md §1), without
/// CHANNEL_EXECUTE: nothing reads an application's start, and every
/// application would cost one more event of the channel's full variables
/// for FreeSWITCH to build and send and for dialbridge to parse (the
/// parsing of events was half of dialbridge's CPU per dial flow).
/// CHANNEL_HOLD and CHANNEL_UNHOLD (§23) serve a dial's onHoldHook, and
/// RECV_INFO (§21) `sipRequestWithinDialogHook`: FreeSWITCH sends them only
/// when a party holds or sends an INFO. `sofia::error` (§11) is how a REFER
/// the caller sends outside a dial shows (config `referHook`).
pub(crate) const EVENTS: &str = "CHANNEL_ANSWER CHANNEL_BRIDGE CHANNEL_UNBRIDGE \
    CHANNEL_EXECUTE_COMPLETE CHANNEL_HANGUP_COMPLETE CHANNEL_PROGRESS CHANNEL_PROGRESS_MEDIA \
    CHANNEL_HOLD CHANNEL_UNHOLD DTMF RECV_INFO CUSTOM avmd::beep avmd::start avmd::stop \
    sofia::error";

/// Why a socket can no longer be trusted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Broken {
    /// For logs and error hooks.
    pub(crate) why: String,
    /// True when nothing can be sent on it any more (closed, or FreeSWITCH
    /// does not answer there); false when it answers but lost track.
    pub(crate) dead: bool,
}

/// A call's socket.
pub struct CallSocket {
    pub(super) client: EslClient,
    events: EslEventStream,
    pub(super) uuid: String,
    pub(super) state: CallerState,
    pub(super) limits: Limits,
    pub(super) control: Control,
    /// Another socket that can still reach this channel (a screened leg's
    /// dial: the caller's socket), tried after the control connection.
    pub(super) fallback: Option<Commander>,
    /// `event` succeeded: completions and the hangup can be seen here.
    pub(super) subscribed: bool,
    pub(super) broken: Option<Broken>,
    /// When FreeSWITCH last sent anything on this socket.
    heard: Instant,
    probe: Probe,
    /// The Hangup-Cause the caller's events carried once it was hanging up.
    pub(super) hanging_up: Option<HangupCause>,
    /// Events read ahead while a batch was confirmed, for [`Self::next`].
    pub(super) held: VecDeque<EslEvent>,
    /// Background readers of the events ([`super::tap`]).
    taps: Vec<super::tap::Tap>,
    /// Applications queued on the channel and not completed yet.
    pub(super) queue: super::app_queue::AppQueue,
}

impl CallSocket {
    /// Sends `connect` (the first command FreeSWITCH accepts) and reads the
    /// channel data; every reply on this socket is due within
    /// `limits.reply`.
    pub(crate) async fn connect(
        client: EslClient,
        events: EslEventStream,
        limits: Limits,
        control: Control,
    ) -> Result<(Self, ChannelData), SocketError> {
        client.set_command_timeout(limits.reply);
        let reply = client.connect_session().await?;
        let data = ChannelData::from_headers(&reply)
            .ok_or_else(|| SocketError::Esl("the connect reply carries no Unique-ID".into()))?;
        let state = CallerState {
            answered: data.answered.then(SystemTime::now),
            hangup: data
                .ended
                .map(|(cause, sip_status)| super::caller_state::CallerHangup { cause, sip_status }),
            ..CallerState::default()
        };
        Ok((
            Self {
                client,
                events,
                uuid: data.uuid.clone(),
                state,
                limits,
                control,
                fallback: None,
                subscribed: false,
                broken: None,
                heard: Instant::now(),
                probe: None,
                hanging_up: None,
                held: VecDeque::new(),
                taps: Vec::new(),
                queue: Default::default(),
            },
            data,
        ))
    }

    /// `linger <secs>`, a `filter` on the caller's UUID, then the event
    /// subscription (docs/freeswitch.md §1: never `myevents`), in one write
    /// ([`Self::pipeline`]: one round trip, not three). A refusal
    /// of any of them is an error: without them nothing of the call can be
    /// seen.
    pub(crate) async fn subscribe(&mut self) -> Result<(), SocketError> {
        self.pipeline(&[
            EslCommand::Linger {
                timeout: Some(LINGER),
            },
            EslCommand::Filter {
                header: "Unique-ID".to_owned(),
                value: self.uuid.clone(),
            },
            EslCommand::Events {
                format: freeswitch_esl_tokio::EventFormat::Json.to_string(),
                events: EVENTS.to_owned(),
            },
        ])
        .await?;
        self.subscribed = true;
        Ok(())
    }

    /// Adds `CUSTOM <subclass>` to the events this socket gets (a second
    /// `event` command adds to the first; the `filter` on the caller's
    /// Unique-ID still applies: a conference member hears only its own
    /// member events, docs/freeswitch.md §19).
    pub(crate) async fn subscribe_custom(&mut self, subclass: &str) -> Result<(), SocketError> {
        let event = self
            .client
            .subscribe_events_raw(
                freeswitch_esl_tokio::EventFormat::Json,
                &format!("CUSTOM {subclass}"),
            )
            .await;
        self.checked("event", event)
    }

    /// A command's result: a refusal named after `command`; a dead socket
    /// marked so.
    pub(super) fn checked(
        &mut self,
        command: &str,
        r: Result<(), EslError>,
    ) -> Result<(), SocketError> {
        match r {
            Ok(()) => Ok(()),
            Err(EslError::CommandFailed { reply_text }) => Err(SocketError::Refused {
                command: command.to_owned(),
                reply: reply_text,
            }),
            Err(e) => Err(self.failed(e.into())),
        }
    }

    /// Marks the socket broken by `e` when `e` means it is dead; returns `e`.
    pub(super) fn failed(&mut self, e: SocketError) -> SocketError {
        let dead = match &e {
            SocketError::Closed => Some("FreeSWITCH closed the call's socket".to_owned()),
            SocketError::Unresponsive(why) => Some(why.clone()),
            _ => None,
        };
        if let Some(why) = dead
            && self.broken.as_ref().is_none_or(|b| !b.dead)
        {
            if !self.hung_up() {
                warn!(reason = %why, "the call's socket is dead");
            }
            self.broken = Some(Broken { why, dead: true });
        }
        e
    }

    /// Marks the socket as one that answers but cannot be trusted.
    pub(super) fn lost_track(&mut self, why: String) -> SocketError {
        warn!(reason = %why, "FreeSWITCH lost track of the call on its socket");
        if self.broken.is_none() {
            self.broken = Some(Broken {
                why: why.clone(),
                dead: false,
            });
        }
        SocketError::Unresponsive(why)
    }

    /// The caller's UUID.
    pub fn uuid(&self) -> &str {
        &self.uuid
    }

    /// The caller's state so far.
    pub fn state(&self) -> &CallerState {
        &self.state
    }

    /// True once the caller's channel hung up.
    pub(crate) fn hung_up(&self) -> bool {
        self.state.hangup.is_some()
    }

    /// True when nothing more can be run on this call: it hung up, or its
    /// socket is broken.
    pub(crate) fn over(&self) -> bool {
        self.hung_up() || self.broken.is_some()
    }

    /// Why the socket is broken, if it is.
    pub(crate) fn broken(&self) -> Option<&str> {
        self.broken.as_ref().map(|b| b.why.as_str())
    }

    /// True when FreeSWITCH can no longer be reached on this socket.
    pub(crate) fn dead(&self) -> bool {
        self.broken.as_ref().is_some_and(|b| b.dead)
    }

    /// The error for a command on a broken socket.
    pub(super) fn unusable(&self) -> Option<SocketError> {
        if self.hung_up() {
            return Some(SocketError::HungUp);
        }
        self.broken
            .as_ref()
            .map(|b| SocketError::Unresponsive(b.why.clone()))
    }

    /// A handle for other tasks to send commands on this socket.
    pub(crate) fn commander(&self) -> Commander {
        Commander {
            client: self.client.clone(),
            queue: self.queue.clone(),
        }
    }

    /// The control connection this socket falls back on.
    pub fn control(&self) -> &Control {
        &self.control
    }

    /// Lets [`super::ending`] reach this channel through `other` as a last
    /// resort (a screened leg: its dial's caller socket).
    pub(crate) fn reachable_through(&mut self, other: Commander) {
        self.fallback = Some(other);
    }

    /// The next event; updates the caller's state from the caller's events.
    /// After `probe_after` of silence (ten times that while the caller is
    /// bridged) FreeSWITCH is asked whether the call still exists: a channel gone unreported ends the call as hung up
    /// ([`SocketError::HungUp`]), no answer breaks the socket. Cancel-safe.
    pub async fn next(&mut self) -> Result<EslEvent, SocketError> {
        if let Some(e) = self.held.pop_front() {
            return Ok(e);
        }
        loop {
            if let Some(b) = &self.broken
                && b.dead
            {
                return Err(SocketError::Unresponsive(b.why.clone()));
            }
            // A bridge is silent by nature: probed less often (deadline.rs).
            let quiet = if self.state.bridged {
                self.limits.bridged_probe_after()
            } else {
                self.limits.probe_after
            };
            let quiet_until = self.heard + quiet;
            tokio::select! {
                biased;
                ev = self.events.recv() => {
                    self.heard = Instant::now();
                    if let Some(p) = self.probe.take() {
                        p.abort();
                    }
                    return match ev {
                        Some(Ok(e)) => {
                            self.track(&e);
                            // Completions of applications a break dropped
                            // come first (super::app_queue).
                            let mut dropped = self.queue.completed(&e).into_iter();
                            let Some(first) = dropped.next() else {
                                return Ok(e);
                            };
                            self.held.extend(dropped);
                            self.held.push_back(e);
                            Ok(first)
                        }
                        Some(Err(EslError::QueueFull)) => {
                            warn!("events of the call were dropped: the event queue overflowed");
                            Err(SocketError::EventsLost)
                        }
                        Some(Err(e)) => Err(self.failed(e.into())),
                        None => Err(self.failed(SocketError::Closed)),
                    };
                }
                answer = probe::due(&mut self.probe, &self.client, &self.uuid, quiet_until) => match answer {
                    Ok(alive) if alive == "true" => self.heard = Instant::now(),
                    Ok(_) => {
                        // Asked again only after another stretch of silence.
                        self.heard = Instant::now();
                        self.gone_unreported();
                        return Err(SocketError::HungUp);
                    }
                    Err(e) => {
                        let why = format!(
                            "no answer to a liveness probe after {} ms of silence ({e})",
                            quiet.as_millis()
                        );
                        return Err(self.failed(SocketError::Unresponsive(why)));
                    }
                },
            }
        }
    }

    /// Reads and drops events until FreeSWITCH closes the socket.
    pub(super) async fn drain_events(&mut self) {
        while self.events.recv().await.is_some() {}
    }

    /// Copies the events `wants` picks to the receiver returned, beside
    /// whatever reads this socket ([`super::tap`]).
    pub(crate) fn tap(
        &mut self,
        wants: super::tap::Wants,
    ) -> tokio::sync::mpsc::Receiver<EslEvent> {
        let (tap, rx) = super::tap::tap(wants);
        self.taps.push(tap);
        rx
    }

    /// Records the caller's state changes carried by `event`.
    fn track(&mut self, event: &EslEvent) {
        if !self.taps.is_empty() {
            super::tap::forward(&mut self.taps, event, &self.state);
        }
        if event.unique_id() != Some(self.uuid.as_str()) {
            return;
        }
        if event.header_str("Answer-State") == Some("hangup") && self.hanging_up.is_none() {
            self.hanging_up = event.hangup_cause().ok().flatten();
        }
        self.state.observe(event);
    }

    /// FreeSWITCH says the caller's channel no longer exists though its
    /// CHANNEL_HANGUP_COMPLETE never came: the call is over, with the cause
    /// its last events carried when there was one.
    pub(crate) fn gone_unreported(&mut self) {
        if self.hung_up() {
            return;
        }
        let cause = self.hanging_up.unwrap_or(HangupCause::NormalClearing);
        warn!(
            cause = %cause,
            "the caller's channel is gone but its CHANNEL_HANGUP_COMPLETE never came"
        );
        self.state.bridged = false;
        self.state.hangup = Some(CallerHangup {
            cause,
            sip_status: None,
        });
    }
}

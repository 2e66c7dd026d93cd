//! Ending a call's channel in bounded time, whatever state its socket is
//! in. The normal way is the application dialbridge chose (`hangup
//! <CAUSE>`, `respond <code>`) and its CHANNEL_HANGUP_COMPLETE. When that
//! cannot be seen — the subscription was refused, the socket lost an event
//! or stopped answering — the channel is killed (`uuid_kill` on the socket,
//! else on the control connection, else through another socket that
//! reaches it) and FreeSWITCH is asked (`uuid_exists`) until it is gone.
//! Whatever happens, the caller's state ends up with a hangup, so no call
//! stays counted live.

use std::time::Duration;

use freeswitch_esl_tokio::HangupCause;
use tokio::time::Instant;
use tracing::{info, warn};

use super::command::uuid_kill;
use super::outcome::{cause_for_sip, sip_for_cause};
use super::socket::{CallSocket, CallerHangup, SocketError};

/// How dialbridge ends a channel: the application it runs on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Finish {
    /// `hangup <CAUSE>`: a BYE (answered) or mod_sofia's response for the
    /// cause (unanswered).
    Hangup(HangupCause),
    /// `respond <code> [reason]`: this final response to an unanswered
    /// caller.
    Respond {
        /// SIP status, 400 to 699.
        code: u16,
        /// Reason phrase; None for the standard one.
        reason: Option<String>,
    },
}

impl Finish {
    /// `respond <code>` with the standard phrase.
    pub(crate) fn respond(code: u16) -> Self {
        Finish::Respond { code, reason: None }
    }

    /// The application's name.
    pub fn app(&self) -> &'static str {
        match self {
            Finish::Hangup(_) => "hangup",
            Finish::Respond { .. } => "respond",
        }
    }

    /// The application's argument.
    pub(crate) fn arg(&self) -> String {
        match self {
            Finish::Hangup(cause) => cause.as_str().to_owned(),
            Finish::Respond { code, reason: None } => code.to_string(),
            Finish::Respond {
                code,
                reason: Some(r),
            } => format!("{code} {r}"),
        }
    }

    /// The cause FreeSWITCH ends the channel with, for a `uuid_kill` that
    /// must do the same.
    fn cause(&self) -> HangupCause {
        match self {
            Finish::Hangup(cause) => *cause,
            Finish::Respond { code, .. } => {
                cause_for_sip(*code).unwrap_or(HangupCause::NormalTemporaryFailure)
            }
        }
    }

    /// The final response an unanswered caller gets, when it is ours.
    fn sip_status(&self) -> Option<u16> {
        match self {
            Finish::Hangup(_) => None,
            Finish::Respond { code, .. } => Some(*code),
        }
    }
}

impl CallSocket {
    /// Ends the channel as `finish` says and waits until it is gone, all
    /// within bounded time (see the module doc). True when FreeSWITCH
    /// confirmed it gone.
    pub(crate) async fn end_with(&mut self, finish: &Finish) -> bool {
        if self.hung_up() {
            return true;
        }
        let (app, arg) = (finish.app(), finish.arg());
        let cause = finish.cause();
        if self.subscribed && self.broken.is_none() {
            match self.execute(app, Some(&arg)).await {
                Ok(_) | Err(SocketError::HungUp) => {}
                Err(e) => warn!(app, error = %e, "cannot end the call"),
            }
            if self.await_hangup().await {
                return true;
            }
        } else if !self.dead() {
            // No events can be seen here: the application is still queued
            // (the caller gets its final response), then FreeSWITCH is
            // asked until the channel is gone.
            if self.start(app, Some(&arg)).await.is_ok() && self.poll_gone().await {
                self.record_end(cause, finish.sip_status());
                return true;
            }
        }
        self.kill(cause).await
    }

    /// Waits for the caller's CHANNEL_HANGUP_COMPLETE (after a hangup was
    /// asked for), for at most the reply deadline; then kills the channel.
    /// True when it is confirmed gone.
    pub(crate) async fn wait_hangup(&mut self) -> bool {
        if self.hung_up() {
            return true;
        }
        if self.subscribed && !self.dead() && self.await_hangup().await {
            return true;
        }
        self.kill(HangupCause::NormalClearing).await
    }

    /// Up to the reply deadline for the caller's CHANNEL_HANGUP_COMPLETE.
    async fn await_hangup(&mut self) -> bool {
        let until = Instant::now() + self.limits.reply;
        while !self.hung_up() {
            match tokio::time::timeout_at(until, self.next()).await {
                Ok(Ok(_)) | Ok(Err(SocketError::EventsLost)) => {}
                Ok(Err(_)) | Err(_) => break,
            }
        }
        self.hung_up()
    }

    /// `uuid_kill <caller> <cause>` by every way left, then waits until
    /// FreeSWITCH confirms the channel gone. The caller's state gets its
    /// hangup either way; false when it could not be confirmed.
    async fn kill(&mut self, cause: HangupCause) -> bool {
        warn!(
            cause = cause.as_str(),
            "FreeSWITCH did not end the call as asked; killing it"
        );
        let command = uuid_kill(&self.uuid, cause);
        let gone_already = matches!(self.ask(&command).await, Err(SocketError::Refused { .. }));
        if gone_already || (self.subscribed && !self.dead() && self.await_hangup().await) {
            self.record_end(cause, None);
            return true;
        }
        if self.poll_gone().await {
            self.record_end(cause, None);
            return true;
        }
        warn!(
            cause = cause.as_str(),
            "FreeSWITCH cannot confirm the call ended (its socket and the control connection do \
             not answer); it is counted ended"
        );
        self.record_end(cause, None);
        false
    }

    /// Runs `command` on this socket, else on the control connection, else
    /// through the fallback socket: the first answer (a refusal is an
    /// answer), or the last error.
    async fn ask(&mut self, command: &str) -> Result<String, SocketError> {
        if !self.dead() {
            match self.api(command).await {
                Ok(a) => return Ok(a),
                Err(e @ SocketError::Refused { .. }) => return Err(e),
                Err(e) => {
                    self.failed(e);
                }
            }
        }
        let last = match self.control.api(command).await {
            Ok(a) => return Ok(a),
            Err(e @ SocketError::Refused { .. }) => return Err(e),
            Err(e) => e,
        };
        match &self.fallback {
            Some(other) => other.api(command).await,
            None => Err(last),
        }
    }

    /// Whether FreeSWITCH has channel `uuid`; None when it cannot be asked.
    pub(crate) async fn exists(&mut self, uuid: &str) -> Option<bool> {
        match self.ask(&format!("uuid_exists {uuid}")).await {
            Ok(a) => Some(a == "true"),
            Err(SocketError::Refused { .. }) => Some(false),
            Err(_) => None,
        }
    }

    /// Asks FreeSWITCH until the caller's channel is gone, for at most the
    /// reply deadline.
    async fn poll_gone(&mut self) -> bool {
        let until = Instant::now() + self.limits.reply;
        let every =
            (self.limits.reply / 10).clamp(Duration::from_millis(20), Duration::from_millis(250));
        loop {
            let uuid = self.uuid.clone();
            if self.exists(&uuid).await == Some(false) {
                return true;
            }
            if Instant::now() + every > until {
                return false;
            }
            tokio::time::sleep(every).await;
        }
    }

    /// The caller's hangup as dialbridge knows it without its
    /// CHANNEL_HANGUP_COMPLETE: the cause its last events carried, else
    /// the one dialbridge chose; an unanswered caller's SIP status from it.
    fn record_end(&mut self, cause: HangupCause, sip_status: Option<u16>) {
        if self.hung_up() {
            return;
        }
        let cause = self.hanging_up.unwrap_or(cause);
        let sip_status = sip_status.or_else(|| {
            let unanswered = self.state.answered.is_none();
            unanswered.then(|| sip_for_cause(cause))
        });
        self.state.bridged = false;
        self.state.hangup = Some(CallerHangup { cause, sip_status });
    }

    /// The caller is bridged but its socket is dead: FreeSWITCH keeps the
    /// bridge up on its own (docs/freeswitch.md §8), so the call is followed
    /// over the control connection until the channel is gone (or
    /// FreeSWITCH cannot be reached at all).
    pub(crate) async fn track_bridge_over_control(&mut self) {
        info!(
            "the call's socket is gone while the caller is bridged: FreeSWITCH keeps the bridge \
             up; following it over the control connection until it ends"
        );
        let command = format!("uuid_exists {}", self.uuid);
        loop {
            match self.control.api(&command).await {
                Ok(a) if a == "true" => tokio::time::sleep(self.limits.probe_after).await,
                Ok(_) => break,
                Err(e) => {
                    warn!(error = %e, "FreeSWITCH cannot be reached; the bridged call is counted ended");
                    break;
                }
            }
        }
        self.gone_unreported();
    }

    /// Keeps the socket open until FreeSWITCH closes it, for at most
    /// `cap`: for a screened leg that could not be confirmed declined,
    /// since closing would accept it (docs/freeswitch.md §5); FreeSWITCH's own
    /// originate timeout ends such a leg.
    pub(crate) async fn hold_until_closed(&mut self, cap: Duration) {
        let _ = tokio::time::timeout(cap, self.drain_events()).await;
    }

    /// Closes the socket: `exit` (its reply awaited within the reply
    /// deadline; skipped only when the connection is already closed), then
    /// our side of the TCP connection, so the connection ends even when
    /// FreeSWITCH never answers again. On a channel that is still up this
    /// hands it back to the dialplan; on a screening leg it accepts the leg.
    pub(crate) async fn close(&self) {
        if self.client.is_connected() {
            let _ = self.client.exit().await;
        }
        self.client.set_liveness_timeout(self.limits.reply);
        let _ = self.client.disconnect().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kill_uses_the_cause_the_application_would_have_ended_with() {
        let cause_of = |f: Finish| f.cause().as_str();
        assert_eq!(
            cause_of(Finish::Hangup(HangupCause::CallRejected)),
            "CALL_REJECTED"
        );
        assert_eq!(cause_of(Finish::respond(486)), "USER_BUSY");
        assert_eq!(cause_of(Finish::respond(503)), "NORMAL_TEMPORARY_FAILURE");
        assert_eq!(
            cause_of(Finish::Respond {
                code: 599,
                reason: Some("Odd".into())
            }),
            "NORMAL_TEMPORARY_FAILURE"
        );
    }

    #[test]
    fn a_finish_is_the_application_and_argument_freeswitch_gets() {
        let f = Finish::Respond {
            code: 486,
            reason: Some("Busy Here".into()),
        };
        assert_eq!((f.app(), f.arg()), ("respond", "486 Busy Here".to_owned()));
        let f = Finish::Hangup(HangupCause::NormalTemporaryFailure);
        assert_eq!(
            (f.app(), f.arg()),
            ("hangup", "NORMAL_TEMPORARY_FAILURE".to_owned())
        );
    }
}

//! Commands on an ESL socket and how they fail: `sendmsg execute` tagged
//! with an `Event-UUID` (its CHANNEL_EXECUTE_COMPLETE is matched to it,
//! docs/freeswitch.md §1), `api` with its `-ERR` replies as errors, and a
//! [`Commander`] for tasks other than the socket's owner.

use super::app_queue::AppQueue;
use freeswitch_esl_tokio::{
    EslClient, EslError, EslEvent, EslEventType, EslResponse, HangupCause, UuidKill,
};
use tracing::debug;

/// Why a command on the call's socket did not complete.
///
/// Clone and Eq because a socket keeps the first failure it saw and tests
/// compare them; the ESL library's error is neither, so [`SocketError::Esl`]
/// keeps its text (the library's errors carry no source of their own).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SocketError {
    /// The caller's channel is gone.
    #[error("the caller hung up")]
    HungUp,
    /// FreeSWITCH closed the connection.
    #[error("FreeSWITCH closed the call's socket")]
    Closed,
    /// FreeSWITCH answered a command with an error.
    #[error("FreeSWITCH refused `{command}`: {reply}")]
    Refused {
        /// The command (no arguments, which may hold secrets).
        command: String,
        /// FreeSWITCH's reply.
        reply: String,
    },
    /// FreeSWITCH missed a deadline on this socket or stopped answering;
    /// the call is ended around it.
    #[error("FreeSWITCH stopped answering on the call's socket: {0}")]
    Unresponsive(String),
    /// The ESL library dropped events of this call (its queue overflowed):
    /// what was missed is unknown.
    #[error("events of the call were dropped (the event queue overflowed)")]
    EventsLost,
    /// The ESL library failed.
    #[error("event socket error: {0}")]
    Esl(String),
}

impl From<EslError> for SocketError {
    fn from(e: EslError) -> Self {
        match e {
            EslError::Timeout { timeout_ms } => {
                SocketError::Unresponsive(format!("no reply within {timeout_ms} ms"))
            }
            EslError::QueueFull => SocketError::EventsLost,
            e if e.is_connection_error() => SocketError::Closed,
            e => SocketError::Esl(e.to_string()),
        }
    }
}

/// What CHANNEL_EXECUTE_COMPLETE said about one command.
#[derive(Debug, Clone)]
pub struct Completion {
    /// `Application-Response`.
    pub(crate) response: Option<String>,
    /// The whole event (its `variable_*` headers hold the channel's variables).
    pub(crate) event: EslEvent,
}

/// A handle to send commands on a call's socket from another task (the
/// socket's events stay with the task that owns the [`CallSocket`]).
#[derive(Clone)]
pub(crate) struct Commander {
    pub(super) client: EslClient,
    /// The socket's queued applications ([`AppQueue`]).
    pub(super) queue: AppQueue,
}

impl Commander {
    /// Runs an API command on the call's socket; its output, or the `-ERR`
    /// text as [`SocketError::Refused`].
    pub(crate) async fn api(&self, command: &str) -> Result<String, SocketError> {
        api(&self.client, command).await
    }

    /// Queues `app arg` on channel `target` (fire and forget: the
    /// completion event goes to the socket's owner).
    pub(crate) async fn execute_on(
        &self,
        target: &str,
        app: &str,
        arg: Option<&str>,
    ) -> Result<(), SocketError> {
        sendmsg(&self.client, Some(target), app, arg, None)
            .await
            .map(|_| ())
    }

    /// `uuid_break <uuid> all` on the socket's own channel: stops what it
    /// plays and drops what is queued behind it, then queues `sleep 1`
    /// behind that so that a dropped application is not waited for
    /// forever ([`AppQueue`]; at most one frame, and FreeSWITCH clears the
    /// break flag before each application it starts).
    pub(crate) async fn break_all(&self, uuid: &str) -> Result<String, SocketError> {
        let out = self.api(&format!("uuid_break {uuid} all")).await?;
        // The break happened: what asked for it goes on. A socket that
        // refuses the `sleep` is failing, and its end is seen there.
        let settle = Some((&self.queue, true));
        if let Err(e) = sendmsg(&self.client, None, "sleep", Some("1"), settle).await {
            tracing::warn!(error = %e, "could not queue the sleep that settles a break");
        }
        Ok(out)
    }
}

/// `api uuid_kill <uuid> <cause>`: ends channel `uuid` at once, whatever
/// it runs (docs/freeswitch.md §14).
pub(crate) fn uuid_kill(uuid: &str, cause: HangupCause) -> String {
    UuidKill::with_cause(uuid, cause).to_string()
}

/// Sends `sendmsg execute` tagged with a fresh Event-UUID; returns it.
/// With `queue` (the socket's own channel), the application is recorded as
/// queued before it is sent (`true`: it settles a break, [`AppQueue`]).
pub(crate) async fn sendmsg(
    client: &EslClient,
    target: Option<&str>,
    app: &str,
    arg: Option<&str>,
    queue: Option<(&AppQueue, bool)>,
) -> Result<String, SocketError> {
    let id = uuid::Uuid::new_v4().to_string();
    if let Some((q, settles)) = queue {
        q.push(&id, settles);
    }
    let mut msg = EslEvent::new();
    msg.set_header("call-command", "execute");
    msg.set_header("execute-app-name", app);
    if let Some(arg) = arg {
        msg.set_header("execute-app-arg", arg);
    }
    msg.set_header("Event-UUID", id.clone());
    let reply = match client.sendmsg(target, msg).await {
        Ok(r) => r,
        Err(e) => {
            if let Some((q, _)) = queue {
                q.forget(&id);
            }
            return Err(e.into());
        }
    };
    if !reply.is_success() {
        if let Some((q, _)) = queue {
            q.forget(&id);
        }
        return Err(SocketError::Refused {
            command: format!("sendmsg execute {app}"),
            reply: reply.reply_text().unwrap_or_default().to_owned(),
        });
    }
    debug!(app, "queued");
    Ok(id)
}

/// `sendevent NOTIFY` asking mod_sofia to send an in-dialog NOTIFY to the
/// party of channel `uuid` (its NOTIFY event handler: `uuid`,
/// `event-string`, `content-type` and the body; it adds
/// `Subscription-State: terminated;reason=noresource`). FreeSWITCH answers
/// `+OK <event uuid>` once the event is fired, before anything is sent.
pub(crate) async fn send_notify(
    client: &EslClient,
    uuid: &str,
    event: &str,
    content_type: &str,
    body: &str,
) -> Result<(), SocketError> {
    let mut ev = EslEvent::with_type(EslEventType::Notify);
    ev.set_header("Event-Name", "NOTIFY");
    ev.set_header("uuid", uuid);
    ev.set_header("event-string", event);
    ev.set_header("content-type", content_type);
    if !body.is_empty() {
        ev.set_body(body);
    }
    let reply = client.sendevent(ev).await?;
    if !reply.is_success() {
        return Err(SocketError::Refused {
            command: "sendevent NOTIFY".into(),
            reply: reply.reply_text().unwrap_or_default().to_owned(),
        });
    }
    Ok(())
}

/// `sendevent SEND_INFO`: mod_sofia's SEND_INFO handler (mod_sofia.c,
/// `case SWITCH_EVENT_SEND_INFO`) finds the dialog by `call-id` on the
/// sofia `profile` and sends an INFO in it with `content-type` (none when
/// absent) and the event's body (none when empty). Unlike `uuid_send_info`
/// the body is length-delimited, so it may span lines, and no
/// `X-FS-Support` condition applies. The reply says only that the event
/// was fired.
pub(crate) async fn send_info_event(
    client: &EslClient,
    profile: &str,
    call_id: &str,
    content_type: Option<&str>,
    body: &str,
) -> Result<(), SocketError> {
    let mut ev = EslEvent::with_type(EslEventType::SendInfo);
    ev.set_header("Event-Name", "SEND_INFO");
    ev.set_header("profile", profile);
    ev.set_header("call-id", call_id);
    if let Some(ct) = content_type {
        ev.set_header("content-type", ct);
    }
    if !body.is_empty() {
        ev.set_body(body);
    }
    let reply = client.sendevent(ev).await?;
    if !reply.is_success() {
        return Err(SocketError::Refused {
            command: "sendevent SEND_INFO".into(),
            reply: reply.reply_text().unwrap_or_default().to_owned(),
        });
    }
    Ok(())
}

/// `api command`, with `-ERR`/`-USAGE` replies as errors.
pub(crate) async fn api(client: &EslClient, command: &str) -> Result<String, SocketError> {
    let reply = client.api(command).await?;
    api_output(command, &reply)
}

/// The output of `api command` from its `reply`, `-ERR`/`-USAGE` as errors.
pub(crate) fn api_output(command: &str, reply: &EslResponse) -> Result<String, SocketError> {
    let body = reply.body().unwrap_or_default().trim().to_owned();
    if body.starts_with("-ERR") || body.starts_with("-USAGE") {
        let name = command
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_owned();
        return Err(SocketError::Refused {
            command: name,
            reply: body,
        });
    }
    Ok(body)
}

/// The completion of the command tagged `id`, if `event` is it (a copy of
/// the event: use [`completes`] and [`Completion::from_event`] where the
/// event can be given up).
pub fn completion_of(event: &EslEvent, id: &str) -> Option<Completion> {
    completes(event, id).then(|| Completion::from_event(event.clone()))
}

/// True when `event` is the completion of the command tagged `id`.
pub(crate) fn completes(event: &EslEvent, id: &str) -> bool {
    event.event_type() == Some(EslEventType::ChannelExecuteComplete)
        && event.header_str("Application-UUID") == Some(id)
}

impl Completion {
    /// The completion `event` is (see [`completes`]), keeping the event
    /// without copying it.
    pub(crate) fn from_event(event: EslEvent) -> Self {
        Self {
            response: event.header_str("Application-Response").map(str::to_owned),
            event,
        }
    }
}

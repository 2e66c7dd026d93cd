//! One call's own connection to FreeSWITCH (the outbound socket). Commands
//! go out as `sendmsg` tagged with an `Event-UUID`, so each
//! CHANNEL_EXECUTE_COMPLETE is matched to its command (FREESWITCH.md §1);
//! the caller's hangup is tracked from its CHANNEL_HANGUP_COMPLETE.

use std::time::SystemTime;

use freeswitch_esl_tokio::{EslClient, EslEvent, EslEventStream, EslEventType, HeaderLookup};
use tracing::debug;

use super::channel_data::ChannelData;

/// Events a call subscribes to (FREESWITCH.md §1).
pub const EVENTS: &str = "CHANNEL_ANSWER CHANNEL_BRIDGE CHANNEL_UNBRIDGE CHANNEL_EXECUTE \
    CHANNEL_EXECUTE_COMPLETE CHANNEL_HANGUP_COMPLETE CHANNEL_PROGRESS CHANNEL_PROGRESS_MEDIA \
    DTMF CUSTOM avmd::beep avmd::start avmd::stop";

/// Why a command on the call's socket did not complete.
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
    /// The ESL library failed.
    #[error("event socket error: {0}")]
    Esl(String),
}

impl From<freeswitch_esl_tokio::EslError> for SocketError {
    fn from(e: freeswitch_esl_tokio::EslError) -> Self {
        if e.is_connection_error() {
            SocketError::Closed
        } else {
            SocketError::Esl(e.to_string())
        }
    }
}

/// How the caller's channel ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallerHangup {
    /// Hangup-Cause.
    pub cause: String,
    /// `variable_sip_term_status`.
    pub sip_status: Option<u16>,
}

/// What CHANNEL_EXECUTE_COMPLETE said about one command.
#[derive(Debug, Clone)]
pub struct Completion {
    /// `Application-Response`.
    pub response: Option<String>,
    /// The whole event (its `variable_*` headers hold the channel's variables).
    pub event: EslEvent,
}

/// The A leg's state as seen on its socket, with when each change was seen.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallerState {
    /// Answered (200 sent).
    pub answered: Option<SystemTime>,
    /// Ringing was signalled (180).
    pub ringing: Option<SystemTime>,
    /// Early media was sent (183).
    pub early_media: Option<SystemTime>,
    /// Set once CHANNEL_HANGUP_COMPLETE for A arrived.
    pub hangup: Option<CallerHangup>,
}

/// A handle to send commands on a call's socket from another task (the
/// socket's events stay with the task that owns the [`CallSocket`]).
#[derive(Clone)]
pub struct Commander {
    client: EslClient,
}

impl Commander {
    /// Runs an API command on the call's socket; its output, or the `-ERR`
    /// text as [`SocketError::Refused`].
    pub async fn api(&self, command: &str) -> Result<String, SocketError> {
        api(&self.client, command).await
    }

    /// Queues `app arg` on channel `target` (fire and forget: the
    /// completion event goes to the socket's owner).
    pub async fn execute_on(
        &self,
        target: &str,
        app: &str,
        arg: Option<&str>,
    ) -> Result<(), SocketError> {
        sendmsg(&self.client, Some(target), app, arg)
            .await
            .map(|_| ())
    }
}

/// Sends `sendmsg execute` tagged with a fresh Event-UUID; returns it.
async fn sendmsg(
    client: &EslClient,
    target: Option<&str>,
    app: &str,
    arg: Option<&str>,
) -> Result<String, SocketError> {
    let id = uuid::Uuid::new_v4().to_string();
    let mut msg = EslEvent::new();
    msg.set_header("call-command", "execute");
    msg.set_header("execute-app-name", app);
    if let Some(arg) = arg {
        msg.set_header("execute-app-arg", arg);
    }
    msg.set_header("Event-UUID", id.clone());
    let reply = client.sendmsg(target, msg).await?;
    if !reply.is_success() {
        return Err(SocketError::Refused {
            command: format!("sendmsg execute {app}"),
            reply: reply.reply_text().unwrap_or_default().to_owned(),
        });
    }
    debug!(app, "queued");
    Ok(id)
}

/// `api command`, with `-ERR`/`-USAGE` replies as errors.
async fn api(client: &EslClient, command: &str) -> Result<String, SocketError> {
    let reply = client.api(command).await?;
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

/// A call's socket.
pub struct CallSocket {
    client: EslClient,
    events: EslEventStream,
    uuid: String,
    state: CallerState,
}

impl CallSocket {
    /// Sends `connect` (the first command FreeSWITCH accepts) and reads the
    /// channel data.
    pub async fn connect(
        client: EslClient,
        events: EslEventStream,
    ) -> Result<(Self, ChannelData), SocketError> {
        let reply = client.connect_session().await?;
        let data = ChannelData::from_headers(&reply)
            .ok_or_else(|| SocketError::Esl("the connect reply carries no Unique-ID".into()))?;
        let state = CallerState {
            answered: data.answered.then(SystemTime::now),
            ..CallerState::default()
        };
        Ok((
            Self {
                client,
                events,
                uuid: data.uuid.clone(),
                state,
            },
            data,
        ))
    }

    /// `linger`, a `filter` on the caller's UUID, then the event
    /// subscription (FREESWITCH.md §1: never `myevents`).
    pub async fn subscribe(&self) -> Result<(), SocketError> {
        self.client.linger(None).await?;
        self.follow(&self.uuid).await?;
        self.client
            .subscribe_events_raw(freeswitch_esl_tokio::EventFormat::Json, EVENTS)
            .await?;
        Ok(())
    }

    /// Adds `uuid` (a leg dialbridge chose) to the events this socket gets.
    pub async fn follow(&self, uuid: &str) -> Result<(), SocketError> {
        self.client.filter_raw("Unique-ID", uuid).await?;
        Ok(())
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
    pub fn hung_up(&self) -> bool {
        self.state.hangup.is_some()
    }

    /// Queues `app arg` on the caller's channel; returns its Event-UUID.
    pub async fn start(&self, app: &str, arg: Option<&str>) -> Result<String, SocketError> {
        sendmsg(&self.client, None, app, arg).await
    }

    /// A handle for other tasks to send commands on this socket.
    pub fn commander(&self) -> Commander {
        Commander {
            client: self.client.clone(),
        }
    }

    /// Runs `app arg` on the caller and waits for its completion. Events of
    /// other channels that arrive meanwhile are dropped; use [`start`] and
    /// [`next`] when they matter.
    ///
    /// [`start`]: CallSocket::start
    /// [`next`]: CallSocket::next
    pub async fn execute(
        &mut self,
        app: &str,
        arg: Option<&str>,
    ) -> Result<Completion, SocketError> {
        if self.hung_up() {
            return Err(SocketError::HungUp);
        }
        let id = self.start(app, arg).await?;
        loop {
            let event = self.next().await?;
            if let Some(done) = completion_of(&event, &id) {
                return Ok(done);
            }
            if self.hung_up() {
                return Err(SocketError::HungUp);
            }
        }
    }

    /// The next event; updates the caller's state from the caller's events.
    pub async fn next(&mut self) -> Result<EslEvent, SocketError> {
        let event = match self.events.recv().await {
            Some(Ok(e)) => e,
            Some(Err(e)) => return Err(e.into()),
            None => return Err(SocketError::Closed),
        };
        if event.unique_id() == Some(self.uuid.as_str()) {
            match event.event_type() {
                Some(EslEventType::ChannelAnswer) => {
                    self.state.answered.get_or_insert_with(SystemTime::now);
                }
                Some(EslEventType::ChannelProgress) => {
                    self.state.ringing.get_or_insert_with(SystemTime::now);
                }
                Some(EslEventType::ChannelProgressMedia) => {
                    self.state.early_media.get_or_insert_with(SystemTime::now);
                }
                Some(EslEventType::ChannelHangupComplete) => {
                    self.state.hangup = Some(CallerHangup {
                        cause: event
                            .header_str("Hangup-Cause")
                            .unwrap_or("NORMAL_CLEARING")
                            .to_owned(),
                        sip_status: event
                            .variable_str("sip_term_status")
                            .and_then(|s| s.parse().ok()),
                    })
                }
                _ => {}
            }
        }
        Ok(event)
    }

    /// Runs an API command on this socket; returns its output, or the
    /// `-ERR` text as [`SocketError::Refused`].
    pub async fn api(&self, command: &str) -> Result<String, SocketError> {
        api(&self.client, command).await
    }

    /// Waits for the caller's CHANNEL_HANGUP_COMPLETE (after a hangup was
    /// asked for). False when the socket closed first.
    pub async fn wait_hangup(&mut self) -> bool {
        while !self.hung_up() {
            if self.next().await.is_err() {
                return false;
            }
        }
        true
    }

    /// Ends the channel with `app arg` (`hangup <CAUSE>` or `respond
    /// <code>`), waits until it is gone (hanging it up NORMAL_CLEARING if
    /// it is still up after 5 s), and returns false when the socket closed.
    pub async fn end_with(&mut self, app: &str, arg: &str) -> bool {
        if self.hung_up() {
            return true;
        }
        match self.execute(app, Some(arg)).await {
            Ok(_) | Err(SocketError::HungUp) => {}
            Err(SocketError::Closed) => return false,
            Err(e) => tracing::warn!(app, error = %e, "cannot end the call"),
        }
        let gone =
            tokio::time::timeout(std::time::Duration::from_secs(5), self.wait_hangup()).await;
        match gone {
            Ok(done) => done,
            Err(_) => {
                tracing::warn!(
                    app,
                    "the channel is still up 5 s after {app}; hanging it up"
                );
                let _ = self.execute("hangup", Some("NORMAL_CLEARING")).await;
                self.wait_hangup().await
            }
        }
    }

    /// Closes the socket with `exit`. On a channel that is still up this
    /// hands it back to the dialplan; on a screening leg it accepts the leg.
    pub async fn close(&self) {
        let _ = self.client.exit().await;
    }
}

/// The completion of the command tagged `id`, if `event` is it.
pub fn completion_of(event: &EslEvent, id: &str) -> Option<Completion> {
    let done = event.event_type() == Some(EslEventType::ChannelExecuteComplete)
        && event.header_str("Application-UUID") == Some(id);
    done.then(|| Completion {
        response: event.header_str("Application-Response").map(str::to_owned),
        event: event.clone(),
    })
}

//! Commands a call sends on its own socket ([`CallSocket`]): applications
//! queued (`start`) or run to their completion (`execute`, each within its
//! deadline, docs/freeswitch.md §1 and [`super::deadline`]), API commands,
//! and `sendevent NOTIFY`.

use freeswitch_esl_tokio::EslCommand;
use tokio::time::Instant;

use super::command::api_output;
use super::socket::{CallSocket, Completion, SocketError, api, completes, sendmsg};

impl CallSocket {
    /// Queues `app arg` on the caller's channel; returns its Event-UUID.
    pub(crate) async fn start(
        &mut self,
        app: &str,
        arg: Option<&str>,
    ) -> Result<String, SocketError> {
        if let Some(b) = &self.broken
            && b.dead
        {
            return Err(SocketError::Unresponsive(b.why.clone()));
        }
        sendmsg(&self.client, None, app, arg, Some((&self.queue, false)))
            .await
            .map_err(|e| self.failed(e))
    }

    /// Runs `app arg` on the caller and waits for its completion: within
    /// the application's deadline when it has one ([`Limits::completion`]);
    /// a missed one breaks the socket. Events of other channels that arrive
    /// meanwhile are dropped; use [`start`] and [`next`] when they matter.
    ///
    /// [`start`]: CallSocket::start
    /// [`next`]: CallSocket::next
    pub(crate) async fn execute(
        &mut self,
        app: &str,
        arg: Option<&str>,
    ) -> Result<Completion, SocketError> {
        if let Some(e) = self.unusable() {
            return Err(e);
        }
        if !self.subscribed {
            return Err(SocketError::Unresponsive(
                "the call's events are not subscribed".into(),
            ));
        }
        let id = self.start(app, arg).await?;
        let due = self
            .limits
            .completion(app, arg)
            .map(|d| (d, Instant::now() + d));
        loop {
            let next = match due {
                Some((d, at)) => match tokio::time::timeout_at(at, self.next()).await {
                    Ok(next) => next,
                    Err(_) => {
                        return Err(self.lost_track(format!(
                            "FreeSWITCH did not complete `{app}` within {} ms",
                            d.as_millis()
                        )));
                    }
                },
                None => self.next().await,
            };
            let event = match next {
                Ok(e) => e,
                // What was dropped may be this completion: nothing can be
                // waited for on this socket any more.
                Err(SocketError::EventsLost) => {
                    return Err(self.lost_track(format!(
                        "events were dropped while `{app}` ran (the event queue overflowed)"
                    )));
                }
                Err(e) => return Err(e),
            };
            if completes(&event, &id) {
                return Ok(Completion::from_event(event));
            }
            if self.hung_up() {
                return Err(SocketError::HungUp);
            }
        }
    }

    /// Watches `legs` (their events come to this socket) and runs `apis`,
    /// in that order, in one write ([`Self::pipeline`]): a dial's set-up
    /// pays one round trip and one wake-up for what cost one each (issue 12).
    pub(crate) async fn set_up(
        &mut self,
        legs: &[&str],
        apis: &[String],
    ) -> Result<(), SocketError> {
        let mut commands: Vec<EslCommand> = legs
            .iter()
            .map(|leg| EslCommand::Filter {
                header: "Unique-ID".to_owned(),
                value: (*leg).to_owned(),
            })
            .collect();
        commands.extend(apis.iter().map(|command| EslCommand::Api {
            command: command.clone(),
        }));
        self.pipeline(&commands).await
    }

    /// Sends `commands` in one write (the ESL library's `pipeline`,
    /// PATCHES.md item 10, pairs the replies by order) and checks each reply
    /// as if it came alone: the first refused one is
    /// [`SocketError::Refused`], named after its command.
    pub(super) async fn pipeline(&mut self, commands: &[EslCommand]) -> Result<(), SocketError> {
        if let Some(b) = &self.broken
            && b.dead
        {
            return Err(SocketError::Unresponsive(b.why.clone()));
        }
        let replies = match self.client.pipeline(commands).await {
            Ok(replies) => replies,
            Err(e) => return Err(self.failed(e.into())),
        };
        for (command, reply) in commands.iter().zip(replies) {
            let name = match command {
                EslCommand::Api { command } => {
                    api_output(command, &reply)?;
                    continue;
                }
                EslCommand::Linger { .. } => "linger",
                EslCommand::Events { .. } => "event",
                EslCommand::Filter { .. } => "filter",
                _ => "command",
            };
            self.checked(name, reply.into_result().map(|_| ()))?;
        }
        Ok(())
    }

    /// Runs an API command on this socket; returns its output, or the
    /// `-ERR` text as [`SocketError::Refused`].
    pub(crate) async fn api(&self, command: &str) -> Result<String, SocketError> {
        api(&self.client, command).await
    }

    /// Has mod_sofia send an INFO in the dialog `call_id` of `profile`
    /// ([`super::command::send_info_event`]).
    pub(crate) async fn send_info_event(
        &self,
        profile: &str,
        call_id: &str,
        content_type: Option<&str>,
        body: &str,
    ) -> Result<(), SocketError> {
        super::command::send_info_event(&self.client, profile, call_id, content_type, body).await
    }

    /// Has mod_sofia send the caller an in-dialog NOTIFY
    /// ([`super::command::send_notify`]).
    pub(crate) async fn notify(
        &self,
        event: &str,
        content_type: &str,
        body: &str,
    ) -> Result<(), SocketError> {
        super::command::send_notify(&self.client, &self.uuid, event, content_type, body).await
    }
}

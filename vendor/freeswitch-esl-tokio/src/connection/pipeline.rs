//! Several commands in one write, their replies read in order (dialbridge
//! patch, PATCHES.md item 10).
//!
//! ESL answers a connection's commands one by one, in the order it read
//! them, and carries no correlation ID: a client may send the next command
//! before the previous reply, and the replies still pair with the commands
//! by their order. [`EslClient::send_command`] waits for each reply before
//! the next command; a caller with several independent commands to send
//! (a call's set-up: the filters of its legs, an API command) pays one
//! round trip, one write and one wake-up per command. [`EslClient::pipeline`]
//! writes them together and waits for the replies in order: one round trip
//! and one write in all. The reply slot becomes the first waiter plus a
//! queue behind it (`PendingReply::queued`), which the reader moves up as
//! it delivers each reply; a timeout counts every reply still owed as
//! stale, as a single command's timeout counts its own.

use std::sync::atomic::Ordering;
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::sync::oneshot;
use tokio::time::{timeout_at, Instant};
use tracing::debug;

use super::EslClient;
use crate::command::{EslCommand, EslResponse};
use crate::error::{EslError, EslResult};

impl EslClient {
    /// Sends `commands` in one write and returns their replies in order.
    /// A refused command is a reply like any other (check each with
    /// [`EslResponse::into_result`]); an error here (not connected, the
    /// write failed, the connection closed, no reply within the command
    /// timeout) concerns the whole pipeline. The timeout covers all the
    /// replies, as it covers one for [`Self::send_command`].
    pub async fn pipeline(&self, commands: &[EslCommand]) -> EslResult<Vec<EslResponse>> {
        if commands.is_empty() {
            return Ok(Vec::new());
        }
        if !self.is_connected() {
            return Err(EslError::NotConnected);
        }
        let mut wire = String::new();
        for command in commands {
            let text = command.to_wire_format()?;
            debug!(">> {}", command.redact_wire(&text));
            wire.push_str(&text);
        }

        // Held through the replies, as send_command holds it: no other
        // command can interleave.
        let mut writer = self
            .writer
            .lock()
            .await;
        let mut replies = Vec::with_capacity(commands.len());
        {
            let mut pending = self
                .shared
                .pending_reply
                .lock()
                .await;
            if pending.reader_dead {
                return Err(EslError::ConnectionClosed);
            }
            for i in 0..commands.len() {
                let (tx, rx) = oneshot::channel();
                if i == 0 {
                    pending.waiting = Some(tx);
                } else {
                    pending
                        .queued
                        .push_back(tx);
                }
                replies.push(rx);
            }
        }

        if let Err(e) = writer
            .write_all(wire.as_bytes())
            .await
        {
            // Nothing reached the wire: no reply is owed.
            let mut pending = self
                .shared
                .pending_reply
                .lock()
                .await;
            pending.waiting = None;
            pending
                .queued
                .clear();
            return Err(EslError::Io(e));
        }

        let timeout_ms = self
            .shared
            .command_timeout_ms
            .load(Ordering::Relaxed);
        let deadline = Instant::now() + Duration::from_millis(timeout_ms);
        let mut responses = Vec::with_capacity(commands.len());
        for rx in replies {
            match timeout_at(deadline, rx).await {
                Ok(Ok(message)) => responses.push(EslResponse::from_message(message)),
                Ok(Err(_)) => return Err(EslError::ConnectionClosed),
                Err(_) => {
                    let mut pending = self
                        .shared
                        .pending_reply
                        .lock()
                        .await;
                    // Every waiter still installed is a reply still in
                    // flight: the next command must not take it.
                    let owed = usize::from(
                        pending
                            .waiting
                            .take()
                            .is_some(),
                    ) + pending
                        .queued
                        .len();
                    pending
                        .queued
                        .clear();
                    pending.stale_replies += u32::try_from(owed).unwrap_or(u32::MAX);
                    return Err(EslError::Timeout { timeout_ms });
                }
            }
        }
        drop(writer);
        Ok(responses)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connection::EslConnectOptions;
    use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
    use tokio::net::TcpListener;

    /// A switch that answers `n` commands in order as it reads them, each
    /// with a reply naming its place (an `api` succeeds, anything else is
    /// refused), the first `late` of them after 300 ms; returns what each
    /// of its reads held.
    async fn switch(listener: TcpListener, n: usize, late: usize) -> Vec<String> {
        let (stream, _) = listener
            .accept()
            .await
            .unwrap();
        let (r, mut w) = stream.into_split();
        let mut r = BufReader::new(r);
        w.write_all(b"Content-Type: auth/request\n\n")
            .await
            .unwrap();
        let mut line = String::new();
        // The auth command and its blank line.
        r.read_line(&mut line)
            .await
            .unwrap();
        r.read_line(&mut line)
            .await
            .unwrap();
        w.write_all(b"Content-Type: command/reply\nReply-Text: +OK accepted\n\n")
            .await
            .unwrap();
        let mut reads = Vec::new();
        let mut pending = String::new();
        let mut answered = 0;
        let mut buf = [0u8; 4096];
        while answered < n {
            let k = r
                .read(&mut buf)
                .await
                .unwrap();
            let chunk = std::str::from_utf8(&buf[..k]).unwrap();
            reads.push(chunk.to_owned());
            pending.push_str(chunk);
            while let Some(end) = pending.find("\n\n") {
                let command: String = pending
                    .drain(..end + 2)
                    .collect();
                let text = if command.starts_with("api ") {
                    let body = format!("+OK {answered}");
                    format!(
                        "Content-Type: api/response\nContent-Length: {}\n\n{}",
                        body.len(),
                        body
                    )
                } else {
                    format!("Content-Type: command/reply\nReply-Text: -ERR refused {answered}\n\n")
                };
                if answered < late {
                    tokio::time::sleep(Duration::from_millis(300)).await;
                }
                w.write_all(text.as_bytes())
                    .await
                    .unwrap();
                answered += 1;
            }
        }
        reads
    }

    /// Three commands go out in one write and their replies come back
    /// paired with them by order, a refusal among them; a single command
    /// afterwards still gets its own reply.
    #[tokio::test]
    async fn replies_pair_with_the_pipelined_commands_in_order() {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap();
        let port = listener
            .local_addr()
            .unwrap()
            .port();
        let server = tokio::spawn(switch(listener, 4, 0));
        let (client, _events) =
            EslClient::connect_with_options("127.0.0.1", port, "pw", EslConnectOptions::default())
                .await
                .unwrap();
        let commands = [
            EslCommand::Api {
                command: "uuid_setvar_multi a b=c".into(),
            },
            EslCommand::Filter {
                header: "Unique-ID".into(),
                value: "leg-1".into(),
            },
            EslCommand::Api {
                command: "uuid_ring_ready a".into(),
            },
        ];
        let replies = client
            .pipeline(&commands)
            .await
            .unwrap();
        let then = client
            .api("status")
            .await;
        assert_eq!(replies.len(), 3);
        assert_eq!(replies[0].body(), Some("+OK 0"));
        assert!(matches!(
            replies[1]
                .clone()
                .into_result(),
            Err(EslError::CommandFailed { .. })
        ));
        assert_eq!(replies[2].body(), Some("+OK 2"));
        assert_eq!(
            then.unwrap()
                .body(),
            Some("+OK 3")
        );
        let reads = server
            .await
            .unwrap();
        // One write: the switch read the three commands together.
        assert_eq!(
            reads[0],
            "api uuid_setvar_multi a b=c\n\nfilter Unique-ID leg-1\n\napi uuid_ring_ready a\n\n"
        );
        assert_eq!(reads[1], "api status\n\n");
    }

    /// Replies that come after the pipeline timed out are owed, not lost:
    /// the next command gets its own reply, not one of theirs.
    #[tokio::test]
    async fn a_timed_out_pipeline_leaves_its_late_replies_stale() {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap();
        let port = listener
            .local_addr()
            .unwrap()
            .port();
        let server = tokio::spawn(switch(listener, 3, 2));
        let (client, _events) =
            EslClient::connect_with_options("127.0.0.1", port, "pw", EslConnectOptions::default())
                .await
                .unwrap();
        client.set_command_timeout(Duration::from_millis(100));
        let commands = [
            EslCommand::Api {
                command: "one".into(),
            },
            EslCommand::Api {
                command: "two".into(),
            },
        ];
        let timed_out = client
            .pipeline(&commands)
            .await;
        assert!(
            matches!(timed_out, Err(EslError::Timeout { .. })),
            "{timed_out:?}"
        );
        client.set_command_timeout(Duration::from_secs(5));
        let then = client
            .api("three")
            .await
            .unwrap();
        assert_eq!(then.body(), Some("+OK 2"));
        server
            .await
            .unwrap();
    }
}

//! The tiny in-test "daemon" of the fake switch's own tests: it accepts the
//! fake's outbound connection and speaks ESL through the
//! `freeswitch_esl_tokio` client (the crate dialbridge itself uses), in the
//! order docs/freeswitch.md §1 gives.

use std::time::Duration;

use freeswitch_esl_tokio::{EslClient, EslEvent, EslEventStream, EventFormat};
use tokio::net::TcpListener;

use crate::fake_freeswitch::FakeSwitch;

/// Generous bound for anything that should take milliseconds.
pub const WAIT: Duration = Duration::from_secs(5);

/// The events the daemon subscribes for a dial (docs/freeswitch.md §1).
const EVENTS: &str = "CHANNEL_ANSWER CHANNEL_BRIDGE CHANNEL_UNBRIDGE CHANNEL_EXECUTE \
                      CHANNEL_EXECUTE_COMPLETE CHANNEL_HANGUP_COMPLETE CHANNEL_PROGRESS \
                      CHANNEL_PROGRESS_MEDIA DTMF";

/// One accepted outbound session of the test daemon.
pub struct Session {
    pub client: EslClient,
    pub events: EslEventStream,
    pub uuid: String,
}

impl Session {
    /// Accepts the fake's connection, `connect`, `linger`, filters on A and
    /// `legs`, subscribes (the order of docs/freeswitch.md §1).
    pub async fn accept(listener: &TcpListener, legs: &[&str]) -> Session {
        let (s, _) = tokio::time::timeout(WAIT, listener.accept())
            .await
            .expect("the fake connects in time")
            .expect("accept");
        let (client, events) = EslClient::accept_outbound_stream(s);
        let data = client.connect_session().await.expect("connect");
        let uuid = data.header("Unique-ID").expect("Unique-ID").to_string();
        client.linger(None).await.expect("linger");
        client.filter_raw("Unique-ID", &uuid).await.expect("filter");
        client
            .subscribe_events_raw(EventFormat::Plain, EVENTS)
            .await
            .expect("event");
        for l in legs {
            client.filter_raw("Unique-ID", l).await.expect("filter leg");
        }
        Session {
            client,
            events,
            uuid,
        }
    }

    pub async fn exec(&self, app: &str, arg: &str) {
        let r = self
            .client
            .execute(app, Some(arg), None)
            .await
            .expect("sendmsg");
        assert!(r.is_success(), "sendmsg {app} refused: {r:?}");
    }

    /// The next event matching `pred`, every event seen on the way kept.
    pub async fn until(
        &mut self,
        seen: &mut Vec<EslEvent>,
        pred: impl Fn(&EslEvent) -> bool,
    ) -> EslEvent {
        loop {
            let ev = tokio::time::timeout(WAIT, self.events.recv())
                .await
                .unwrap_or_else(|_| {
                    let names: Vec<String> = seen
                        .iter()
                        .map(|e| {
                            format!("{}:{}", name(e), e.header_str("Unique-ID").unwrap_or("-"))
                        })
                        .collect();
                    panic!("{}: no event in time after {names:?}", self.uuid)
                })
                .expect("the connection stays up")
                .expect("a well-formed event");
            seen.push(ev.clone());
            if pred(&ev) {
                return ev;
            }
        }
    }

    /// Waits for A's CHANNEL_EXECUTE_COMPLETE of `app`.
    pub async fn completed(&mut self, app: &str, seen: &mut Vec<EslEvent>) -> EslEvent {
        let a = self.uuid.clone();
        self.until(seen, |e| {
            name(e) == "CHANNEL_EXECUTE_COMPLETE"
                && e.header_str("Application") == Some(app)
                && e.header_str("Unique-ID") == Some(a.as_str())
        })
        .await
    }
}

pub fn name(e: &EslEvent) -> &str {
    e.header_str("Event-Name").unwrap_or("")
}

pub async fn start() -> (FakeSwitch, TcpListener) {
    let fake = FakeSwitch::with_second(Duration::from_millis(100)).await;
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    (fake, listener)
}

pub fn leg_uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

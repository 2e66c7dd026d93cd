//! The inbound control connection to FreeSWITCH (port 8021): for what
//! belongs to no call, and to know FreeSWITCH is alive. It authenticates,
//! subscribes to HEARTBEAT, takes the connection for dead when nothing
//! arrives for `[freeswitch] liveness_secs`, and reconnects with capped
//! exponential backoff and jitter. Each state change is logged once, not a
//! line per retry; a wrong password is reported as exactly that and retried
//! slowly. While it is up, [`Control`] runs `api` commands on it for calls
//! whose own socket can no longer do so (`uuid_kill`, `uuid_exists`).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use freeswitch_esl_tokio::{EslClient, EslError, EventFormat};
use tokio::sync::watch;
use tracing::{error, info, warn};

use super::socket::{SocketError, api};
use crate::config::Settings;
use crate::metrics::Metrics;

/// The control connection as calls use it: `api` commands on FreeSWITCH
/// when a call's own socket is dead or cannot be trusted. Clones share
/// the connection.
#[derive(Clone, Default)]
pub struct Control {
    client: Arc<Mutex<Option<EslClient>>>,
}

impl Control {
    /// Runs `command` on the control connection; [`SocketError::Closed`]
    /// while it is down.
    pub(crate) async fn api(&self, command: &str) -> Result<String, SocketError> {
        let client = self.client.lock().ok().and_then(|c| c.clone());
        match client {
            Some(c) => api(&c, command).await,
            None => Err(SocketError::Closed),
        }
    }

    fn set(&self, client: Option<EslClient>) {
        if let Ok(mut c) = self.client.lock() {
            *c = client;
        }
    }
}

/// Where the control connection stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ControlState {
    /// Not connected yet.
    Connecting,
    /// Connected and authenticated.
    Up,
    /// FreeSWITCH refused `[freeswitch] password`.
    WrongPassword,
    /// Down, with the reason; reconnecting.
    Down(String),
}

impl ControlState {
    /// A short description for `/ready`.
    pub(crate) fn describe(&self) -> String {
        match self {
            ControlState::Connecting => "connecting".into(),
            ControlState::Up => "up".into(),
            ControlState::WrongPassword => {
                "FreeSWITCH refused the ESL password: check [freeswitch] password against \
                 event_socket.conf.xml"
                    .into()
            }
            ControlState::Down(why) => format!("down ({why}); reconnecting"),
        }
    }
}

/// Wait after a refused password.
const WRONG_PASSWORD_RETRY: Duration = Duration::from_secs(60);

/// Keeps the control connection up until `stop` turns true, and `control`
/// pointing at it while it is up.
pub(crate) async fn run(
    settings: watch::Receiver<Arc<Settings>>,
    state: watch::Sender<ControlState>,
    metrics: Arc<Metrics>,
    control: Control,
    mut stop: watch::Receiver<bool>,
) {
    let mut failures: u32 = 0;
    while !*stop.borrow() {
        let s = settings.borrow().clone();
        let (host, port) = (s.freeswitch.host.clone(), s.freeswitch.port);
        let delay = match connect(&s).await {
            Ok((client, mut events)) => {
                failures = 0;
                control.set(Some(client.clone()));
                set(&state, ControlState::Up, &host, port);
                metrics.esl_connected(true);
                let mut check = tokio::time::interval(Duration::from_millis(500));
                let reason = loop {
                    tokio::select! {
                        ev = events.recv() => match ev {
                            Some(Ok(_)) => {}
                            Some(Err(e)) => break e.to_string(),
                            None => break format!("{:?}", events.status()),
                        },
                        _ = check.tick() => {
                            if !client.is_connected() {
                                break format!("{:?}", client.status());
                            }
                        }
                        _ = stop.changed() => {
                            control.set(None);
                            let _ = client.disconnect().await;
                            metrics.esl_connected(false);
                            return;
                        }
                    }
                };
                control.set(None);
                metrics.esl_connected(false);
                set(&state, ControlState::Down(reason), &host, port);
                Duration::from_millis(200)
            }
            Err(EslError::AuthenticationFailed { .. }) => {
                set(&state, ControlState::WrongPassword, &host, port);
                WRONG_PASSWORD_RETRY
            }
            Err(e) => {
                failures = failures.saturating_add(1);
                set(&state, ControlState::Down(e.to_string()), &host, port);
                backoff(
                    failures,
                    Duration::from_secs(s.freeswitch.reconnect_max_secs),
                )
            }
        };
        metrics.esl_reconnect();
        tokio::select! {
            _ = tokio::time::sleep(delay) => {}
            _ = stop.changed() => {}
        }
    }
}

async fn connect(
    s: &Settings,
) -> Result<(EslClient, freeswitch_esl_tokio::EslEventStream), EslError> {
    let (client, events) = EslClient::connect(
        &s.freeswitch.host,
        s.freeswitch.port,
        s.freeswitch.password.expose(),
    )
    .await?;
    client
        .subscribe_events_raw(EventFormat::Plain, "HEARTBEAT")
        .await?;
    client.set_liveness_timeout(Duration::from_secs(s.freeswitch.liveness_secs));
    client.set_command_timeout(Duration::from_millis(s.freeswitch.reply_timeout_ms));
    Ok((client, events))
}

/// Records a new state, logging only changes of kind.
fn set(state: &watch::Sender<ControlState>, new: ControlState, host: &str, port: u16) {
    let same_kind = std::mem::discriminant(&*state.borrow()) == std::mem::discriminant(&new);
    if !same_kind {
        match &new {
            ControlState::Up => info!(host, port, "FreeSWITCH control connection up"),
            ControlState::WrongPassword => error!(
                host,
                port,
                "FreeSWITCH refused the ESL password: set [freeswitch] password to the one in \
                 event_socket.conf.xml; retrying every 60 s"
            ),
            ControlState::Down(why) => {
                warn!(host, port, reason = %why, "FreeSWITCH control connection down; reconnecting")
            }
            ControlState::Connecting => {}
        }
    }
    state.send_replace(new);
}

/// Exponential backoff from 500 ms, capped, with up to 25 % jitter so many
/// dialbridge instances do not reconnect in step.
pub(crate) fn backoff(failures: u32, cap: Duration) -> Duration {
    let base = Duration::from_millis(500)
        .saturating_mul(1u32 << failures.min(16))
        .min(cap);
    let jitter = (uuid::Uuid::new_v4().as_u128() % 1000) as u32;
    base + base * jitter / 4000
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_then_caps_with_bounded_jitter() {
        let cap = Duration::from_secs(30);
        for (failures, floor) in [
            (1, 1_000),
            (2, 2_000),
            (3, 4_000),
            (10, 30_000),
            (40, 30_000),
        ] {
            let d = backoff(failures, cap);
            let floor = Duration::from_millis(floor);
            assert!(d >= floor && d <= floor + floor / 4, "{failures}: {d:?}");
        }
    }
}

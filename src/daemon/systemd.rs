//! The systemd notification protocol (`sd_notify`): a datagram to the
//! socket named by `NOTIFY_SOCKET` (a path, or `@name` in the abstract
//! namespace). READY=1 once the listener is bound and the configuration
//! valid, WATCHDOG=1 from the main loop, STOPPING=1 when draining, STATUS=
//! for `systemctl status`. Without `NOTIFY_SOCKET` every call does nothing.

use std::time::Duration;

/// Sends `state` (e.g. `READY=1`); false when not under systemd or the
/// send failed. Never blocks: the socket is non-blocking, so a notification
/// that finds systemd's queue full is dropped (a later WATCHDOG=1 follows)
/// instead of stopping the main loop, which also watches for SIGTERM.
pub(crate) fn notify(state: &str) -> bool {
    let Some(path) = std::env::var_os("NOTIFY_SOCKET") else {
        return false;
    };
    send(&path.to_string_lossy(), state)
}

#[cfg(target_os = "linux")]
fn send(path: &str, state: &str) -> bool {
    use std::os::linux::net::SocketAddrExt;
    use std::os::unix::net::{SocketAddr, UnixDatagram};
    let Ok(socket) = UnixDatagram::unbound() else {
        return false;
    };
    if socket.set_nonblocking(true).is_err() {
        return false;
    }
    let addr = match path.strip_prefix('@') {
        Some(name) => SocketAddr::from_abstract_name(name.as_bytes()),
        None => SocketAddr::from_pathname(path),
    };
    match addr {
        Ok(addr) => socket.send_to_addr(state.as_bytes(), &addr).is_ok(),
        Err(_) => false,
    }
}

#[cfg(not(target_os = "linux"))]
fn send(path: &str, state: &str) -> bool {
    use std::os::unix::net::UnixDatagram;
    UnixDatagram::unbound()
        .and_then(|s| s.set_nonblocking(true).map(|()| s))
        .and_then(|s| s.send_to(state.as_bytes(), path))
        .is_ok()
}

/// Shortest interval between two WATCHDOG=1: pinging faster is pointless,
/// and `tokio::time::interval` refuses a zero period.
pub(crate) const MIN_WATCHDOG_INTERVAL: Duration = Duration::from_millis(10);

/// How often to send WATCHDOG=1: half of `WATCHDOG_USEC`, when systemd set
/// it for this process.
pub(crate) fn watchdog_interval() -> Option<Duration> {
    let usec: u64 = std::env::var("WATCHDOG_USEC").ok()?.parse().ok()?;
    if let Some(pid) = std::env::var("WATCHDOG_PID")
        .ok()
        .and_then(|p| p.parse::<u32>().ok())
        && pid != std::process::id()
    {
        return None;
    }
    let interval = interval_for(usec)?;
    if Duration::from_micros(usec) < 2 * MIN_WATCHDOG_INTERVAL {
        tracing::warn!(
            watchdog_usec = usec,
            interval_ms = interval.as_millis() as u64,
            "WatchdogSec is shorter than dialbridge can serve; systemd may restart it: \
             set WatchdogSec to a few seconds"
        );
    }
    Some(interval)
}

/// The ping interval for a watchdog of `usec` microseconds: half of it, at
/// least [`MIN_WATCHDOG_INTERVAL`]; None when `usec` is 0 (no watchdog).
pub(crate) fn interval_for(usec: u64) -> Option<Duration> {
    (usec > 0).then(|| Duration::from_micros(usec / 2).max(MIN_WATCHDOG_INTERVAL))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_interval_is_half_the_watchdog_and_never_below_the_minimum() {
        assert_eq!(interval_for(0), None);
        assert_eq!(interval_for(1), Some(MIN_WATCHDOG_INTERVAL));
        assert_eq!(interval_for(19_999), Some(MIN_WATCHDOG_INTERVAL));
        assert_eq!(interval_for(200_000), Some(Duration::from_millis(100)));
        assert_eq!(interval_for(30_000_000), Some(Duration::from_secs(15)));
        assert_eq!(
            interval_for(u64::MAX),
            Some(Duration::from_micros(u64::MAX / 2))
        );
    }

    /// A receiver that never reads (its queue fills after a few hundred
    /// datagrams): sending goes on returning, false once the queue is full.
    /// It blocked before, and with it the main loop (a daemon with a tiny
    /// WatchdogSec and a stalled notify socket never saw its SIGTERM).
    #[test]
    fn a_full_notify_socket_never_blocks_a_send() {
        use std::os::unix::net::UnixDatagram;
        let dir = std::env::temp_dir().join(format!("dialbridge-full-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("notify.sock");
        let _receiver = UnixDatagram::bind(&path).expect("bind");
        let target = path.display().to_string();
        let (done, finished) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let sent: Vec<bool> = (0..5_000).map(|_| send(&target, "WATCHDOG=1")).collect();
            let _ = done.send(sent);
        });
        let sent = finished
            .recv_timeout(Duration::from_secs(60))
            .expect("5,000 sends return (a blocking send hangs here)");
        assert!(sent[0], "the first datagram is queued");
        assert!(!sent[4_999], "a full queue refuses the datagram");
        let _ = std::fs::remove_dir_all(&dir);
    }
}

//! Frame pacing of queued applications (docs/freeswitch.md §17; traces
//! 02a, 03a, 06): a `sendmsg execute` is queued on the channel and started
//! by the channel's own thread at its next ~20 ms frame; applications queued
//! behind it then run back to back. `api`, `filter`, `event` and `linger`
//! are answered at once (they never come here).
//!
//! The frame clock is the channel's own: its thread reads a frame, 20 ms
//! of media, then looks at its queue. The socket app's park starts that
//! loop when the connection is made, so the first application a daemon
//! queues runs one frame after the connect (the first CHANNEL_EXECUTE of
//! every capture came 24-31 ms after the connection, never sooner). Its
//! length is `Builder::frame` (default 20 switch milliseconds, so it scales
//! with `second`).
//!
//! Each run is logged (`AppRun`) with the tick it started in, a logical
//! number rather than a wall-clock reading: applications of one batch share
//! it even on a loaded machine, so a test can prove a daemon's set-up was
//! pipelined ("bridge ran in the same frame as the first `set`").

use std::time::Duration;

use tokio::time::Instant;

use super::switch::Switch;

/// One application the switch ran on a channel, for tests of pipelining.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppRun {
    /// The channel's UUID.
    pub channel: String,
    pub name: String,
    pub arg: String,
    /// When its `sendmsg` reached the switch (the call's clock; `None`:
    /// the dialplan or the switch queued it).
    pub queued: Option<Duration>,
    /// When it started (CHANNEL_EXECUTE), on the call's clock.
    pub started: Duration,
    /// The frame tick it started in (see the module doc).
    pub frame: u64,
    /// The tick its `sendmsg` arrived in.
    pub queued_frame: Option<u64>,
}

impl Switch {
    /// The frame length (zero: no pacing).
    pub fn frame(&self) -> Duration {
        self.0.frame
    }

    /// The index of the tick of a frame clock started at `epoch` current
    /// at `t`.
    pub fn tick_at(&self, epoch: Instant, t: Instant) -> u64 {
        let f = self.0.frame;
        if f.is_zero() {
            return 0;
        }
        (t.saturating_duration_since(epoch).as_nanos() / f.as_nanos()) as u64
    }

    /// The channel's frame clock start (its creation until a socket app
    /// parks it).
    pub fn frame_epoch(&self, uuid: &str) -> Instant {
        self.lock()
            .channels
            .get(uuid)
            .map(|c| c.frame_epoch)
            .unwrap_or(self.0.epoch)
    }

    /// The tick of `uuid`'s frame clock current now.
    pub fn tick_now(&self, uuid: &str) -> u64 {
        self.tick_at(self.frame_epoch(uuid), Instant::now())
    }

    /// Sleeps until `uuid`'s next frame tick and returns its index (at
    /// once, tick 0, without pacing).
    pub async fn next_frame(&self, uuid: &str) -> u64 {
        let f = self.0.frame;
        if f.is_zero() {
            tokio::task::yield_now().await;
            return 0;
        }
        let epoch = self.frame_epoch(uuid);
        let k = self.tick_at(epoch, Instant::now()) + 1;
        let at = Duration::from_nanos((f.as_nanos() * u128::from(k)) as u64);
        tokio::time::sleep_until(epoch + at).await;
        k
    }
}

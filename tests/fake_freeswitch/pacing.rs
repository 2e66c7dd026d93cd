//! Frame pacing of queued applications (docs/freeswitch.md §17; traces
//! 02a, 03a, 06): a `sendmsg execute` is queued on the channel and started
//! by the channel's own thread at its next ~20 ms frame; applications queued
//! behind it then run back to back. `api`, `filter`, `event` and `linger`
//! are answered at once (they never come here).
//!
//! The channel's thread reads a frame (20 ms of media) before it looks at
//! its queue again: an application queued on an idle channel starts one
//! frame after it was queued, never sooner (the first CHANNEL_EXECUTE of
//! every capture came 21-31 ms after the first `sendmsg`), and whatever was
//! queued meanwhile runs with it. The frame's length is `Builder::frame`
//! (default 20 switch milliseconds, so it scales with `second`).
//!
//! Each run is logged (`AppRun`) with the channel's frame number it started
//! in: a counter of the frames its thread went through (one per wait for
//! the queue, one per application that took time), not a wall-clock
//! reading, so applications of one batch share it even on a loaded
//! machine and a test can prove a daemon's set-up was pipelined ("bridge
//! ran in the same frame as the first `set`").

use std::time::Duration;

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
    /// The channel's frame it started in (see the module doc).
    pub frame: u64,
    /// The channel's frame its `sendmsg` arrived in.
    pub queued_frame: Option<u64>,
}

impl Switch {
    /// The frame length (zero: no pacing).
    pub fn frame(&self) -> Duration {
        self.0.frame
    }

    /// The frame `uuid`'s thread is in.
    pub fn frame_no(&self, uuid: &str) -> u64 {
        self.lock()
            .channels
            .get(uuid)
            .map(|c| c.frame_no)
            .unwrap_or(0)
    }

    /// Lets one frame of `uuid`'s thread go by and returns the new frame's
    /// number (without pacing: at once, and no frame goes by).
    pub async fn next_frame(&self, uuid: &str) -> u64 {
        let f = self.0.frame;
        if f.is_zero() {
            tokio::task::yield_now().await;
        } else {
            tokio::time::sleep(f).await;
        }
        self.pass_frame(uuid)
    }

    /// Counts a frame gone by on `uuid`'s thread; the new number (frames
    /// do not pass without pacing).
    pub fn pass_frame(&self, uuid: &str) -> u64 {
        let paced = !self.0.frame.is_zero();
        match self.lock().channels.get_mut(uuid) {
            Some(c) if !paced => c.frame_no,
            Some(c) => {
                c.frame_no += 1;
                c.frame_no
            }
            None => 0,
        }
    }
}

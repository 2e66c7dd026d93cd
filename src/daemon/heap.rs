//! Giving the heap a burst of set-ups freed back to the kernel.
//!
//! Setting a call up allocates far more than the call keeps while it is
//! bridged: its events are parsed into maps of every channel variable, its
//! webhook request and reply are read and written, its dial is compiled.
//! glibc's malloc returns freed memory to the kernel only from the top of
//! each arena; what was freed below memory other calls still hold stays
//! resident. Measured with `scripts/load hold --calls 1000`: about 140 KiB of
//! RSS per bridged call, of which `malloc_trim(0)` (which hands every free
//! page of every arena back with `MADV_DONTNEED`) gave back about 50 KiB
//! (README "Sizing a node").
//!
//! So the listener trims the heap every [`TRIM_EVERY`] while calls come and
//! go, on a blocking thread so no call waits for it. Other C libraries (musl)
//! have no such call: there it does nothing.

use std::time::Duration;

use tracing::debug;

/// How often the heap is trimmed while calls come and go. A trim walks every
/// arena (a few milliseconds for a heap of a few hundred MiB) holding each
/// arena's lock meanwhile; every 10 s keeps that well under 0.1% of the time
/// while no burst stays resident for long.
pub(crate) const TRIM_EVERY: Duration = Duration::from_secs(10);

/// Hands every free page of the heap back to the kernel; true when some
/// memory was given back.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub(crate) fn trim() -> bool {
    // SAFETY: malloc_trim only walks glibc's own arenas under their locks;
    // it takes no pointer from us and may be called from any thread.
    unsafe { libc::malloc_trim(0) != 0 }
}

/// Hands every free page of the heap back to the kernel: nothing to do
/// outside glibc.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub(crate) fn trim() -> bool {
    false
}

/// Trims on a blocking thread; what it gave back goes to the debug log.
pub(crate) fn trim_in_background() {
    tokio::task::spawn_blocking(|| {
        let started = std::time::Instant::now();
        let released = trim();
        debug!(
            released,
            took_us = started.elapsed().as_micros() as u64,
            "heap trimmed"
        );
    });
}

#[cfg(all(test, target_os = "linux", target_env = "gnu"))]
mod tests {
    use super::*;

    /// Memory freed below a live allocation is resident until trimmed: a
    /// trim gives it back (and says so).
    #[test]
    fn a_trim_gives_back_what_was_freed_below_live_memory() {
        let mut blocks: Vec<Vec<u8>> = (0..4096).map(|i| vec![i as u8; 4096]).collect();
        let kept = vec![1u8; 4096];
        blocks.clear();
        blocks.shrink_to_fit();
        assert!(
            trim(),
            "16 MiB freed below a live block, and nothing given back"
        );
        assert_eq!(kept[4095], 1);
    }
}

//! The daemon's memory allocator: mimalloc (version 2), not glibc's malloc.
//!
//! A dial flow allocates and frees about 1,600 blocks (events, webhook
//! exchanges, the call's strings and queues); with glibc's malloc that was
//! 17% of the daemon's instructions per flow, with mimalloc much less
//! (issue 12: 2.37 M → 2.06 M instructions per dial flow, callgrind, 500
//! flows at 50/s). Memory per bridged call stayed within the target: 30.9
//! KiB at 10,000 calls against 30.5 with glibc (README "Sizing a node").
//! mimalloc 3 used fewer instructions alike but held 34 KiB per call, and an
//! earlier trial of it 45 KiB at 1,000 calls.
//!
//! mimalloc hands freed pages back to the kernel itself (after its
//! `purge_delay`), so the daemon no longer trims glibc's heap every 10 s as
//! it did. One option is set: mimalloc commits its first arena (1 GiB of
//! address space) eagerly on Linux, which cost ~12 MiB of RSS that no call
//! used; [`configure`] turns that off for arenas reserved after `main`
//! starts, and the systemd unit and `scripts/load` set
//! `MIMALLOC_ARENA_EAGER_COMMIT=0` so the first one is lazy too.
//!
//! Only the `dialbridge` binary uses it: the library's tests run with the
//! default allocator.

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_arena_eager_commit` in mimalloc 2's `mi_option_t` (mimalloc.h;
/// libmimalloc-sys names no constant for it).
const ARENA_EAGER_COMMIT: libmimalloc_sys::mi_option_t = 4;

/// Sets mimalloc's options (see the module's doc); call first in `main`.
pub fn configure() {
    // SAFETY: mi_option_set stores an integer in mimalloc's option table; it
    // takes no pointer and may be called at any time from any thread.
    unsafe { libmimalloc_sys::mi_option_set(ARENA_EAGER_COMMIT, 0) };
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The option set is the arena's eager commit: its default is 2 ("on
    /// where the OS overcommits"), which no neighbour of it in the table has
    /// (eager_commit and purge_decommits are 1, allow_large_os_pages 0).
    #[test]
    fn the_option_set_is_the_arenas_eager_commit() {
        if std::env::var_os("MIMALLOC_ARENA_EAGER_COMMIT").is_some() {
            eprintln!("skipped: MIMALLOC_ARENA_EAGER_COMMIT is set in the environment");
            return;
        }
        // SAFETY: mi_option_get reads mimalloc's option table.
        let before = unsafe { libmimalloc_sys::mi_option_get(ARENA_EAGER_COMMIT) };
        assert_eq!(
            before, 2,
            "mi_option_t {ARENA_EAGER_COMMIT} is not arena_eager_commit"
        );
        configure();
        // SAFETY: as above.
        assert_eq!(
            unsafe { libmimalloc_sys::mi_option_get(ARENA_EAGER_COMMIT) },
            0
        );
    }
}

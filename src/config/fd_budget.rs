//! How many file descriptors a configuration may need, and whether the
//! process's `RLIMIT_NOFILE` holds them: `dialbridge check-config` prints
//! the warning, `dialbridge run` logs it at start.
//!
//! The estimate, per call in progress (a busy call, not the worst case of
//! ten legs answering at once):
//!
//! | what | fds |
//! |---|---|
//! | the call's own ESL socket | 1 |
//! | webhooks: the hook in flight (call_hook, actionHook, ...) and a status-hook post | 2 |
//! | a screened leg: its ESL socket and its confirmHook request | 2 |
//! | AMD: the recording being read, and its amdHook post | 2 |
//! | a DTMF-capture hook post | 1 |
//! | media fetched for `play`: the download and its `.part` file | 2 |
//! | **per call** | **10** |
//!
//! plus [`PROCESS_FDS`] for the process itself (standard streams, the
//! runtime's epoll and wakers, both listeners, the control connection, DNS,
//! the journal), one per pending call connection (`[listener]
//! max_pending_connects`) and one per HTTP connection (`[http]
//! max_connections`). With the defaults: 64 + 1000 + 64 + 10 × 1000 =
//! 11128; the systemd unit's `LimitNOFILE=65536` holds about 6,400 calls.

use super::Settings;

/// Descriptors one call may hold (see the table above).
pub(crate) const FDS_PER_CALL: u64 = 10;
/// Descriptors the process holds besides calls and connections.
pub(crate) const PROCESS_FDS: u64 = 64;

/// The process's `RLIMIT_NOFILE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FdLimit {
    /// The soft limit: what the process may open now.
    pub soft: u64,
    /// The hard limit: how far the soft one may be raised.
    pub(crate) hard: u64,
}

/// Descriptors `s` may need at full load.
pub fn fds_needed(s: &Settings) -> u64 {
    PROCESS_FDS
        + s.listener.max_pending_connects as u64
        + s.http.max_connections as u64
        + FDS_PER_CALL * s.listener.max_calls as u64
}

/// The warning when `s` does not fit in `limit`, naming what to change.
pub fn fd_warning(s: &Settings, limit: FdLimit) -> Option<String> {
    let needed = fds_needed(s);
    if needed <= limit.soft {
        return None;
    }
    let fixed =
        PROCESS_FDS + s.listener.max_pending_connects as u64 + s.http.max_connections as u64;
    let fits = limit.soft.saturating_sub(fixed) / FDS_PER_CALL;
    let lower = if fits > 0 {
        format!("lower max_calls to {fits}")
    } else {
        format!(
            "lower [listener] max_pending_connects and [http] max_connections (with the \
             process they need {fixed} alone), then max_calls"
        )
    };
    Some(format!(
        "listener.max_calls = {} may need about {needed} file descriptors ({PROCESS_FDS} for the \
         process + {} pending call connections + {} HTTP connections + {FDS_PER_CALL} per call), \
         but this process may open {} (RLIMIT_NOFILE; hard limit {}). At full load calls would \
         fail to open sockets: raise the limit (the systemd unit sets LimitNOFILE=65536; in a \
         shell, ulimit -n) or {lower}",
        s.listener.max_calls,
        s.listener.max_pending_connects,
        s.http.max_connections,
        limit.soft,
        if limit.hard == u64::MAX {
            "unlimited".to_owned()
        } else {
            limit.hard.to_string()
        },
    ))
}

/// This process's `RLIMIT_NOFILE` (`None` if it cannot be read).
pub fn current_fd_limit() -> Option<FdLimit> {
    let mut r = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit only writes the struct it is given, which lives on
    // this stack frame for the call.
    let rc = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut r) };
    (rc == 0).then_some(FdLimit {
        soft: r.rlim_cur,
        hard: r.rlim_max,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_need_the_documented_arithmetic() {
        assert_eq!(fds_needed(&Settings::default()), 64 + 1000 + 64 + 10 * 1000);
    }

    #[test]
    fn a_limit_below_the_need_warns_with_what_would_fit() {
        let mut s = Settings::default();
        let w = fd_warning(
            &s,
            FdLimit {
                soft: 4096,
                hard: 524_288,
            },
        )
        .expect("a warning");
        assert!(w.contains("listener.max_calls = 1000"), "{w}");
        assert!(w.contains("about 11128 file descriptors"), "{w}");
        assert!(w.contains("may open 4096"), "{w}");
        assert!(w.contains("hard limit 524288"), "{w}");
        assert!(w.contains("lower max_calls to 296"), "(4096-1128)/10: {w}");
        assert_eq!(
            fd_warning(
                &s,
                FdLimit {
                    soft: 65_536,
                    hard: 65_536
                }
            ),
            None
        );
        assert_eq!(
            fd_warning(
                &s,
                FdLimit {
                    soft: 11_128,
                    hard: u64::MAX
                }
            ),
            None
        );
        let w = fd_warning(
            &s,
            FdLimit {
                soft: 1024,
                hard: 1024,
            },
        )
        .expect("a warning");
        assert!(
            w.contains("lower [listener] max_pending_connects and [http] max_connections (with the process they need 1128 alone)"),
            "no call fits: {w}"
        );
        s.listener.max_pending_connects = 128;
        let w = fd_warning(
            &s,
            FdLimit {
                soft: 1024,
                hard: 1024,
            },
        )
        .expect("a warning");
        assert!(w.contains("lower max_calls to 76"), "(1024-256)/10: {w}");
    }

    #[test]
    fn the_process_limit_can_be_read() {
        let l = current_fd_limit().expect("getrlimit works");
        assert!(l.soft >= 3 && l.soft <= l.hard, "{l:?}");
    }
}

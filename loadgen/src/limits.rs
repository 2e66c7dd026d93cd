//! The generator's own file-descriptor limit: one socket per live call,
//! so 10,000 calls need more than the usual 1,024.

/// The descriptors the generator asks for (more than 10,000 calls, their
/// webhook connections and probes need).
const WANTED: u64 = 65_536;

/// Raises RLIMIT_NOFILE: soft and hard to `WANTED` when allowed
/// (CAP_SYS_RESOURCE), else the soft limit to the hard one. Returns the
/// soft limit in force.
pub fn raise_nofile() -> u64 {
    let mut r = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit only read and write the struct given,
    // which lives on this stack frame.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut r) != 0 {
            return 0;
        }
        if r.rlim_cur >= WANTED {
            return r.rlim_cur;
        }
        let both = libc::rlimit {
            rlim_cur: WANTED.max(r.rlim_cur),
            rlim_max: WANTED.max(r.rlim_max),
        };
        if libc::setrlimit(libc::RLIMIT_NOFILE, &both) == 0 {
            return both.rlim_cur;
        }
        let soft = libc::rlimit {
            rlim_cur: r.rlim_max,
            rlim_max: r.rlim_max,
        };
        if libc::setrlimit(libc::RLIMIT_NOFILE, &soft) == 0 {
            return soft.rlim_cur;
        }
    }
    r.rlim_cur
}

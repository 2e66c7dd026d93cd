//! What a process costs, from /proc: CPU time, resident memory, threads,
//! context switches; and which process listens on a TCP port.

use std::time::Instant;

/// One reading of a process's counters.
#[derive(Debug, Clone, Copy)]
pub struct ProcSample {
    pub at: Instant,
    /// User plus system CPU, in seconds.
    pub cpu_s: f64,
    /// Resident set now (VmRSS) and at its peak since start (VmHWM), KiB.
    pub rss_kib: u64,
    pub hwm_kib: u64,
    pub threads: u64,
    /// Voluntary plus involuntary context switches over all threads.
    pub ctxt_switches: u64,
    /// Open file descriptors.
    pub fds: u64,
}

/// Reads the counters of `pid` (`None`: this process).
pub fn sample(pid: Option<u32>) -> std::io::Result<ProcSample> {
    let dir = match pid {
        Some(p) => format!("/proc/{p}"),
        None => "/proc/self".to_owned(),
    };
    let at = Instant::now();
    let stat = std::fs::read_to_string(format!("{dir}/stat"))?;
    let status = std::fs::read_to_string(format!("{dir}/status"))?;
    let ticks = cpu_ticks(&stat).ok_or_else(|| bad(&format!("{dir}/stat")))?;
    let mut ctxt_switches = 0;
    if let Ok(tasks) = std::fs::read_dir(format!("{dir}/task")) {
        for t in tasks.flatten() {
            if let Ok(s) = std::fs::read_to_string(t.path().join("status")) {
                ctxt_switches += field(&s, "voluntary_ctxt_switches").unwrap_or(0)
                    + field(&s, "nonvoluntary_ctxt_switches").unwrap_or(0);
            }
        }
    }
    let fds = std::fs::read_dir(format!("{dir}/fd")).map_or(0, |d| d.count() as u64);
    Ok(ProcSample {
        at,
        fds,
        cpu_s: ticks as f64 / clock_ticks_per_second(),
        rss_kib: field(&status, "VmRSS").unwrap_or(0),
        hwm_kib: field(&status, "VmHWM").unwrap_or(0),
        threads: field(&status, "Threads").unwrap_or(0),
        ctxt_switches,
    })
}

fn bad(what: &str) -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::InvalidData,
        format!("{what} unreadable"),
    )
}

fn clock_ticks_per_second() -> f64 {
    // SAFETY: sysconf only reads a configuration value.
    let t = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if t > 0 { t as f64 } else { 100.0 }
}

/// utime + stime (fields 14 and 15 of /proc/<pid>/stat), in clock ticks.
/// The command name (field 2) may hold spaces and parentheses: fields are
/// counted after its last `)`.
pub fn cpu_ticks(stat: &str) -> Option<u64> {
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // rest starts at field 3 (state): field n is at index n - 3.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(utime + stime)
}

/// The number of a `Name:   value [kB]` line of /proc/<pid>/status.
pub fn field(status: &str, name: &str) -> Option<u64> {
    status.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        (k == name).then(|| v.split_whitespace().next()?.parse().ok())?
    })
}

/// The process (other than this one) with a socket listening on TCP
/// `port`, from /proc/net/tcp{,6} and the processes' fd tables.
pub fn pid_listening_on(port: u16) -> Option<u32> {
    let mut inodes = Vec::new();
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        if let Ok(text) = std::fs::read_to_string(table) {
            inodes.extend(listening_inodes(&text, port));
        }
    }
    if inodes.is_empty() {
        return None;
    }
    let me = std::process::id();
    let wanted: Vec<String> = inodes.iter().map(|i| format!("socket:[{i}]")).collect();
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        if pid == me {
            continue;
        }
        let Ok(fds) = std::fs::read_dir(entry.path().join("fd")) else {
            continue;
        };
        for fd in fds.flatten() {
            if let Ok(link) = std::fs::read_link(fd.path())
                && wanted.iter().any(|w| link.as_os_str() == w.as_str())
            {
                return Some(pid);
            }
        }
    }
    None
}

/// The inodes of sockets in LISTEN state (0A) on local `port` in a
/// /proc/net/tcp table.
pub fn listening_inodes(table: &str, port: u16) -> Vec<u64> {
    let hex_port = format!(":{port:04X}");
    table
        .lines()
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            let local = f.get(1)?;
            (local.ends_with(&hex_port) && *f.get(3)? == "0A").then(|| f.get(9)?.parse().ok())?
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_ticks_are_counted_after_a_command_name_with_spaces() {
        let stat = "4242 (dial bridge) (x) S 1 4242 4242 0 -1 4194560 1234 0 0 0 \
                    150 25 0 0 20 0 5 0 100 12345678 2048 18446744073709551615";
        assert_eq!(cpu_ticks(stat), Some(175));
        assert_eq!(cpu_ticks("garbage"), None);
    }

    #[test]
    fn status_fields_are_read_by_exact_name() {
        let s = "Name:\tdialbridge\nVmHWM:\t  20480 kB\nVmRSS:\t   10240 kB\nThreads:\t3\n\
                 voluntary_ctxt_switches:\t7\nnonvoluntary_ctxt_switches:\t2\n";
        assert_eq!(field(s, "VmRSS"), Some(10_240));
        assert_eq!(field(s, "VmHWM"), Some(20_480));
        assert_eq!(field(s, "Threads"), Some(3));
        assert_eq!(field(s, "voluntary_ctxt_switches"), Some(7));
        assert_eq!(field(s, "VmSwap"), None);
    }

    #[test]
    fn only_listening_sockets_on_the_port_are_found() {
        let t = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n\
   0: 0100007F:46B4 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 111 1 0 100 0 0 10 0\n\
   1: 0100007F:46B4 0100007F:9C40 01 00000000:00000000 00:00000000 00000000     0        0 222 1 0 20 4 30 10 -1\n\
   2: 0100007F:46B5 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 333 1 0 100 0 0 10 0\n";
        assert_eq!(listening_inodes(t, 18100), vec![111]);
        assert_eq!(listening_inodes(t, 18101), vec![333]);
        assert!(listening_inodes(t, 80).is_empty());
    }

    #[test]
    fn this_process_can_be_sampled() {
        let s = sample(None).expect("/proc/self");
        assert!(s.rss_kib > 0 && s.hwm_kib >= s.rss_kib && s.threads >= 1);
        assert!(s.fds >= 3, "stdin, stdout, stderr at least: {}", s.fds);
    }
}

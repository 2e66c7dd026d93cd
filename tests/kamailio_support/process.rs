//! The cleanup guards of the Kamailio tests: a temporary directory kept when
//! a test fails, and a child process whose whole process group is stopped
//! when its guard is dropped, so nothing is left running after a failure.

use std::fs;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::thread;
use std::time::{Duration, Instant};

/// A temporary directory, removed when dropped unless the test failed.
pub struct TempDir {
    path: PathBuf,
}

impl TempDir {
    pub(super) fn new(label: &str) -> TempDir {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let path =
            std::env::temp_dir().join(format!("dialbridge-kam-{label}-{}-{n}", std::process::id()));
        let _ = fs::remove_dir_all(&path);
        fs::create_dir_all(&path).unwrap_or_else(|e| {
            panic!("cannot create temporary directory {}: {e}", path.display())
        });
        TempDir { path }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if thread::panicking() {
            eprintln!(
                "test failed: Kamailio log and sipp traces kept in {}",
                self.path.display()
            );
        } else if std::env::var_os("DIALBRIDGE_KEEP_TEST_DIRS").is_some() {
            eprintln!("kept {}", self.path.display());
        } else {
            let _ = fs::remove_dir_all(&self.path);
        }
    }
}

/// A child process in its own process group; dropping the guard stops the
/// whole group (SIGTERM, then SIGKILL if it is still there after 5 s).
pub(super) struct ProcessGuard {
    child: Child,
    stopped: bool,
}

impl ProcessGuard {
    pub(super) fn spawn(mut command: Command, what: &str) -> ProcessGuard {
        command.process_group(0).stdin(Stdio::null());
        let child = command
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {what}: {e}"));
        ProcessGuard {
            child,
            stopped: false,
        }
    }

    /// The exit code if the process has ended (None if a signal ended it).
    pub(super) fn try_exit(&mut self) -> Option<Option<i32>> {
        match self.child.try_wait() {
            Ok(Some(status)) => {
                self.stopped = true;
                Some(status.code())
            }
            Ok(None) => None,
            Err(e) => panic!("cannot query child process {}: {e}", self.child.id()),
        }
    }

    fn signal_group(&self, signal: &str) {
        // The shell's kill builtin can signal a process group; std cannot.
        let _ = Command::new("sh")
            .arg("-c")
            .arg(format!(
                "kill -s {signal} -- -{} 2>/dev/null",
                self.child.id()
            ))
            .status();
    }

    pub(super) fn stop(&mut self) {
        if self.stopped {
            return;
        }
        self.signal_group("TERM");
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            thread::sleep(Duration::from_millis(20));
        }
        // Whatever is left of the group (Kamailio's workers) goes too.
        self.signal_group("KILL");
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.stopped = true;
    }
}

impl Drop for ProcessGuard {
    fn drop(&mut self) {
        self.stop();
    }
}

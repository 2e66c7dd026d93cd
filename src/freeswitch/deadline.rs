//! How long dialbridge waits for FreeSWITCH on a call's socket. What is due
//! promptly has a deadline: a command's reply, the completion of a short
//! application, a channel's CHANNEL_HANGUP_COMPLETE after dialbridge ended
//! it. What legitimately runs for hours (a bridge, a playback, a prompt
//! waiting for digits) has none; a dead socket is found instead by silence
//! plus a liveness probe (`uuid_exists`), which never cuts a live call short.

use std::time::Duration;

use crate::config::Settings;

/// Seconds FreeSWITCH keeps a call's socket open after the channel hung up
/// (`linger <secs>`): enough to deliver the final events of the caller and
/// of every leg, bounded so a stuck daemon cannot hold FreeSWITCH's
/// session forever.
pub(crate) const LINGER: Duration = Duration::from_secs(30);

/// How many times `probe_after` a bridged caller's socket may stay silent
/// before it is probed. A bridged call is silent by nature (FreeSWITCH
/// sends nothing until someone hangs up, transfers or presses a key), and
/// a socket FreeSWITCH closes is seen at once without any probe: the probe
/// is only there for a channel gone without its events or a FreeSWITCH that
/// stopped answering. Probing a bridge every 30 s cost one API command per
/// call every 30 s (333/s at 10,000 held calls); every 5 min costs 33/s, and
/// such a call is still found and ended (README "Sizing a node").
pub(crate) const BRIDGED_PROBE_FACTOR: u32 = 10;

/// The deadlines of one call's socket (`[freeswitch] reply_timeout_ms`,
/// `probe_after_ms`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Limits {
    /// For a reply or a completion that is due promptly.
    pub(crate) reply: Duration,
    /// Silence after which FreeSWITCH is asked whether the call still exists.
    pub(crate) probe_after: Duration,
}

impl Limits {
    /// The limits configured in `s`.
    pub(crate) fn of(s: &Settings) -> Self {
        Self {
            reply: Duration::from_millis(s.freeswitch.reply_timeout_ms),
            probe_after: Duration::from_millis(s.freeswitch.probe_after_ms),
        }
    }

    /// Silence after which a socket whose caller is bridged is probed.
    pub(crate) fn bridged_probe_after(&self) -> Duration {
        self.probe_after.saturating_mul(BRIDGED_PROBE_FACTOR)
    }

    /// How long FreeSWITCH may take to complete `app arg` once queued; None
    /// for applications that run as long as their media, the caller or the
    /// callee decide (only silence and a probe bound those).
    pub(crate) fn completion(&self, app: &str, arg: Option<&str>) -> Option<Duration> {
        match app {
            "set" | "unset" | "export" | "answer" | "pre_answer" | "ring_ready" | "hangup"
            | "respond" | "avmd_start" | "avmd_stop" | "info" | "log" => Some(self.reply),
            // `sleep <ms>`: its own length, then the usual margin.
            "sleep" => arg
                .and_then(|a| a.trim().parse::<u64>().ok())
                .map(|ms| Duration::from_millis(ms) + self.reply),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits {
            reply: Duration::from_secs(10),
            probe_after: Duration::from_secs(30),
        }
    }

    #[test]
    fn short_applications_are_due_promptly_long_ones_have_no_deadline() {
        let l = limits();
        for app in ["set", "answer", "hangup", "respond", "unset", "ring_ready"] {
            assert_eq!(l.completion(app, Some("x")), Some(l.reply), "{app}");
        }
        assert_eq!(
            l.completion("sleep", Some("2000")),
            Some(Duration::from_secs(12))
        );
        for app in ["bridge", "playback", "speak", "play_and_get_digits"] {
            assert_eq!(l.completion(app, Some("x")), None, "{app}");
        }
    }

    #[test]
    fn the_configured_limits_are_used() {
        let mut s = Settings::default();
        s.freeswitch.reply_timeout_ms = 250;
        s.freeswitch.probe_after_ms = 900;
        let l = Limits::of(&s);
        assert_eq!(l.reply, Duration::from_millis(250));
        assert_eq!(l.probe_after, Duration::from_millis(900));
        assert_eq!(l.bridged_probe_after(), Duration::from_millis(9_000));
    }
}

//! When to retry a webhook: the configured count, overridable per hook with
//! jambonz's URL fragment `#rc=<count>&rp=<policy>` (policy: a comma list of
//! `4xx`, `5xx`, `ct` connection failure, `rt` request timeout, `all`).

/// What failed, for the retry decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Failure {
    /// Could not connect.
    Connect,
    /// No complete answer in time.
    Timeout,
    /// An HTTP error status.
    Status(u16),
}

/// How many retries, and on what.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RetryPolicy {
    /// Retries after the first attempt.
    pub(crate) retries: u32,
    /// Retry 4xx responses.
    pub(crate) on_4xx: bool,
    /// Retry 5xx responses.
    pub(crate) on_5xx: bool,
    /// Retry connection failures.
    pub(crate) on_connect: bool,
    /// Retry timeouts.
    pub(crate) on_timeout: bool,
}

/// Most retries a fragment may ask for.
const MAX_RETRIES: u32 = 10;

impl RetryPolicy {
    /// The default: `retries` retries on connection errors and 5xx.
    pub(crate) fn new(retries: u32) -> Self {
        Self {
            retries,
            on_4xx: false,
            on_5xx: true,
            on_connect: true,
            on_timeout: false,
        }
    }

    /// Applies a `rc=..&rp=..` fragment (unknown parts are ignored).
    pub(crate) fn with_fragment(mut self, fragment: &str) -> Self {
        for (key, value) in fragment.split('&').filter_map(|kv| kv.split_once('=')) {
            match key {
                "rc" => {
                    if let Ok(n) = value.parse::<u32>() {
                        self.retries = n.min(MAX_RETRIES);
                    }
                }
                "rp" => {
                    self.on_4xx = false;
                    self.on_5xx = false;
                    self.on_connect = false;
                    self.on_timeout = false;
                    for p in value.split(',') {
                        match p.trim() {
                            "4xx" => self.on_4xx = true,
                            "5xx" => self.on_5xx = true,
                            "ct" => self.on_connect = true,
                            "rt" => self.on_timeout = true,
                            "all" => {
                                self.on_4xx = true;
                                self.on_5xx = true;
                                self.on_connect = true;
                                self.on_timeout = true;
                            }
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
        }
        self
    }

    /// Whether `failure` deserves another attempt.
    pub(crate) fn retries_on(&self, failure: Failure) -> bool {
        match failure {
            Failure::Connect => self.on_connect,
            Failure::Timeout => self.on_timeout,
            Failure::Status(s) if (400..500).contains(&s) => self.on_4xx,
            Failure::Status(s) if s >= 500 => self.on_5xx,
            Failure::Status(_) => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_retries_connection_errors_and_5xx_only() {
        let p = RetryPolicy::new(1);
        assert!(p.retries_on(Failure::Connect));
        assert!(p.retries_on(Failure::Status(503)));
        assert!(!p.retries_on(Failure::Status(404)));
        assert!(!p.retries_on(Failure::Timeout));
    }

    #[test]
    fn fragment_overrides_count_and_policy() {
        let p = RetryPolicy::new(1).with_fragment("rc=3&rp=4xx,rt");
        assert_eq!(p.retries, 3);
        assert!(p.retries_on(Failure::Status(429)));
        assert!(p.retries_on(Failure::Timeout));
        assert!(!p.retries_on(Failure::Status(500)));
        assert!(!p.retries_on(Failure::Connect));
        let p = RetryPolicy::new(0).with_fragment("rc=99&rp=all");
        assert_eq!(p.retries, MAX_RETRIES);
        assert!(p.retries_on(Failure::Status(500)) && p.retries_on(Failure::Connect));
    }
}

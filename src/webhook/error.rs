//! Why a request to the application gave no usable reply, each with what
//! to do about it.

use super::MAX_REPLY_BYTES;

/// Why a webhook gave no usable reply.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum WebhookError {
    /// The URL cannot be used.
    #[error("webhook URL `{url}` is not usable: {reason}")]
    BadUrl {
        /// The URL as written.
        url: String,
        /// Why.
        reason: String,
    },
    /// Could not connect (after retries).
    #[error("cannot reach {url}: {reason}; is the application running and reachable?")]
    Connect {
        /// Where (credentials removed).
        url: String,
        /// The transport error.
        reason: String,
    },
    /// No complete answer within the timeout (after retries).
    #[error(
        "{url} did not answer within {ms} ms; raise [app] webhook_timeout_ms or speed up the application"
    )]
    Timeout {
        /// Where.
        url: String,
        /// The timeout.
        ms: u64,
    },
    /// An HTTP error status (after retries when the policy retries it).
    #[error("{url} answered HTTP {status}")]
    Status {
        /// Where.
        url: String,
        /// The status.
        status: u16,
    },
    /// The reply was larger than [`MAX_REPLY_BYTES`].
    #[error("{url} replied with more than {MAX_REPLY_BYTES} bytes; replies are capped at 1 MiB")]
    TooLarge {
        /// Where.
        url: String,
    },
    /// Not sent: the call's bound on this kind of post was reached
    /// (`[dtmf] hook_rate_per_sec`, `hook_burst`, `hook_max_in_flight`).
    #[error(
        "{kind} hook post dropped: the call reached its {bound} bound; raise the [dtmf] hook_* limits \
         if the application really needs more"
    )]
    Dropped {
        /// The hook kind.
        kind: &'static str,
        /// `rate` or `in_flight`.
        bound: &'static str,
    },
}

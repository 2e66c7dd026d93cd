//! How a call's event-socket connection is sized: there is one per live
//! call (and one per screened leg), so at 10,000 calls what each one holds
//! matters more than what one connection could absorb.
//!
//! freeswitch-esl-tokio 2.8.0 lets the event queue be chosen; its read
//! buffer and parser buffer (`SOCKET_BUF_SIZE` and `BUF_CHUNK`, 64 KiB
//! each upstream) are constants of the library. dialbridge carries the
//! library patched (vendor/freeswitch-esl-tokio/PATCHES.md): one read
//! buffer per worker thread instead of one per connection, a parser buffer
//! given back once every message is parsed, and boxed queue items, so an
//! idle call's connection holds about 2.5 KiB (README "Sizing a node" has
//! the measured memory per call).

use freeswitch_esl_tokio::EslConnectOptions;

/// Events a call's socket may hold unread (the library's default is 1,000,
/// sized for one busy inbound connection). A call's socket gets only its
/// own channel's and its legs' events: a ten-leg dial sends about a hundred
/// at once, so 256 is ample while bounding what a stalled call can pile up
/// (events are a few KiB each). Overflow policy: the library drops what
/// does not fit and says so; the call then treats its events as lost and
/// asks FreeSWITCH about its legs (`call::dial::live`).
pub(crate) const CALL_EVENT_QUEUE: usize = 256;

/// The options a call's (or a screened leg's) connection is accepted with:
/// its event queue, and only the event headers (and channel data of the
/// `connect` reply) a call reads ([`super::event_headers`]).
pub(crate) fn call_socket_options() -> EslConnectOptions {
    EslConnectOptions::new()
        .with_event_queue_size(CALL_EVENT_QUEUE)
        .with_event_header_filter(super::event_headers::kept_in)
        .with_reply_header_filter(super::event_headers::reply_kept)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_call_socket_queues_fewer_events_than_the_library_default() {
        let options = call_socket_options();
        assert_eq!(options.event_queue_size(), CALL_EVENT_QUEUE);
        assert!(CALL_EVENT_QUEUE < EslConnectOptions::default().event_queue_size());
    }
}

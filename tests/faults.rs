//! Every fault dialbridge is proven to survive, one module per fault family,
//! each test named after the fault it injects (README "Operating it" >
//! "What dialbridge survives" lists the same, with the behaviour). They
//! drive the real daemon against the fake switch with faults injected
//! (tests/fake_freeswitch/faults.rs); those on a call end with `/ready` back to
//! `live_calls: 0` and no channel left in the switch.
//!
//! - `screening`: screening never fails open — a screening socket that
//!   cannot connect (docs/freeswitch.md §13), a refused subscription on it,
//!   a screening socket gone silent, a screening connection no dial expects.
//! - `deadlines`: every wait has a deadline — `event` or `filter` answered
//!   `-ERR`, a lost CHANNEL_EXECUTE_COMPLETE, a lost
//!   CHANNEL_HANGUP_COMPLETE, a socket gone silent.
//! - `drain`: a drain serves and finishes — a new call during the drain, a
//!   screening connection during the drain, status / error / AMD hook posts
//!   still running.
//! - `socket_loss`: honest outcomes — the call's socket cut while legs
//!   ring, a FreeSWITCH crash mid-bridge, events dropped mid-bridge.
//! - `amd_hooks`: an AMD hook answering with an invalid application.
//! - `admission`: who may connect and for how long — a peer outside
//!   `[listener] allow`; connections that never answer `connect`; more
//!   half-open call connections than `max_pending_connects`; an HTTP client
//!   sending half a header; an idle keep-alive HTTP connection; more HTTP
//!   connections than `max_connections`.
//! - `fds`: running out of file descriptors (EMFILE) under the real
//!   binary with a low `RLIMIT_NOFILE`; a `max_calls` the limit cannot hold
//!   (`check-config` and `run` warn).
//! - `headers`: a caller sending `X-Dialbridge-Route` / `X-Dialbridge-Carrier`
//!   or any other X- header cannot put it on a leg (FreeSWITCH would copy
//!   it, docs/freeswitch.md §12); an application cannot set a reserved
//!   `X-Dialbridge-*` header either.
//! - `limits`: a caller flooding RFC 2833 digits at a dial's dtmfCapture;
//!   AMD recordings and downloads left behind by a crash; an AMD recording
//!   dialbridge never gets to stop.
//! - `media`: a media server that stalls mid-file, many calls asking for the
//!   same file at once, a cache full of files live calls are playing.

mod dialing;
mod fake_freeswitch;
#[path = "faults/fixture.rs"]
mod fixture;
mod harness;

#[path = "faults/admission.rs"]
mod admission;
#[path = "faults/amd_hooks.rs"]
mod amd_hooks;
#[path = "faults/deadlines.rs"]
mod deadlines;
#[path = "faults/drain.rs"]
mod drain;
#[path = "faults/fds.rs"]
mod fds;
#[path = "faults/headers.rs"]
mod headers;
#[path = "faults/limits.rs"]
mod limits;
#[path = "faults/media.rs"]
mod media;
#[path = "faults/screening.rs"]
mod screening;
#[path = "faults/socket_loss.rs"]
mod socket_loss;

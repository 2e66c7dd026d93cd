//! Every fault dialbridge is proven to survive, one module per fault family,
//! each test named after the fault it injects (README "Operating it" >
//! "What dialbridge survives" lists the same, with the behaviour):
//!
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
mod harness;
mod support;

#[path = "faults/admission.rs"]
mod admission;
#[path = "faults/fds.rs"]
mod fds;
#[path = "faults/headers.rs"]
mod headers;
#[path = "faults/limits.rs"]
mod limits;
#[path = "faults/media.rs"]
mod media;

//! Every fault dialbridge is proven to survive, one test per fault, named
//! after it; README's "What dialbridge survives" table points here.
//!
//! - [`admission`]: who may connect and for how long — a peer outside
//!   `[listener] allow`; connections that never answer `connect`; more
//!   half-open call connections than `max_pending_connects`; an HTTP client
//!   sending half a header; an idle keep-alive HTTP connection; more HTTP
//!   connections than `max_connections`.
//! - [`fds`]: running out of file descriptors (EMFILE) under the real
//!   binary with a low `RLIMIT_NOFILE`; a `max_calls` the limit cannot hold
//!   (`check-config` and `run` warn).

mod harness;
mod support;

#[path = "faults/admission.rs"]
mod admission;
#[path = "faults/fds.rs"]
mod fds;

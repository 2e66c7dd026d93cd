//! Why a load run could not start or finish (not a failed flow: those are
//! counted in the report).

use std::net::SocketAddr;

/// A reason the generator stops, with what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum LoadgenError {
    #[error("the configuration {path}: {why}")]
    Config { path: String, why: String },
    #[error(
        "cannot listen on {addr} for {what}: {why} (is another generator or a FreeSWITCH \
         running? choose other addresses with `dialbridge-loadgen config`)"
    )]
    Bind {
        addr: SocketAddr,
        what: &'static str,
        why: std::io::Error,
    },
    #[error(
        "the daemon at {http} is not ready after {secs} s (last answer: {last}); start it with \
         this configuration first: dialbridge run --config <file>"
    )]
    NotReady {
        http: SocketAddr,
        secs: u64,
        last: String,
    },
    #[error(
        "no process listens on the daemon's listener port {port} (or /proc cannot tell): \
         give its pid with --pid"
    )]
    NoDaemon { port: u16 },
    #[error("cannot read /proc/{pid}: {why} (give the daemon's pid with --pid)")]
    Proc { pid: u32, why: std::io::Error },
    #[error("cannot start the runtime: {0}")]
    Runtime(std::io::Error),
    #[error("cannot write the report: {0}")]
    Output(std::io::Error),
}

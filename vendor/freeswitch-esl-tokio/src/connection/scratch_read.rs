//! The reader loop's socket read without a buffer of its own (dialbridge
//! patch, PATCHES.md).
//!
//! Upstream, every connection's reader task keeps a `[u8; SOCKET_BUF_SIZE]`
//! in its future for the connection's whole life. A process holding
//! thousands of mostly quiet connections (one outbound socket per call)
//! pays that per connection while almost none of them is reading. Here the
//! task waits for the socket to become readable, then reads it with
//! `try_read` into a scratch buffer owned by the worker thread and hands the
//! bytes to the parser at once: there is no `.await` between the read and
//! the copy, so one buffer per thread serves every connection it runs.

use std::cell::RefCell;
use std::io;
use std::time::Duration;

use tokio::net::tcp::OwnedReadHalf;
use tokio::time::{timeout_at, Instant};

use super::ReadStep;
use crate::constants::SOCKET_BUF_SIZE;
use crate::error::{EslError, EslResult};
use crate::protocol::EslParser;

thread_local! {
    /// One read buffer per thread, borrowed only between a `try_read` and
    /// the parser's copy of what it read.
    static SCRATCH: RefCell<Box<[u8]>> = RefCell::new(vec![0u8; SOCKET_BUF_SIZE].into_boxed_slice());
}

/// Reads what the socket has into `parser`: `Idle` when nothing arrived
/// within `read_timeout`, as [`super::read_into_parser`] does.
pub(super) async fn read_into_parser_shared(
    reader: &OwnedReadHalf,
    parser: &mut EslParser,
    read_timeout: Duration,
) -> EslResult<ReadStep> {
    let deadline = Instant::now() + read_timeout;
    loop {
        match timeout_at(deadline, reader.readable()).await {
            Err(_) => return Ok(ReadStep::Idle),
            Ok(Err(e)) => return Err(EslError::Io(e)),
            Ok(Ok(())) => {}
        }
        let step = SCRATCH.with_borrow_mut(|buf| match reader.try_read(buf) {
            Ok(0) => Some(Ok(ReadStep::Eof)),
            Ok(n) => Some(
                parser
                    .add_data(&buf[..n])
                    .map(|()| ReadStep::Fed),
            ),
            // Readiness can be spurious: wait again.
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => None,
            Err(e) => Some(Err(EslError::Io(e))),
        });
        if let Some(step) = step {
            return step;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncWriteExt;
    use tokio::net::{TcpListener, TcpStream};

    /// Bytes written by the peer reach the parser whole, across reads larger
    /// than the scratch buffer, and a close reads as `Eof`.
    #[tokio::test]
    async fn reads_reach_the_parser_and_close_is_eof() {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap();
        let addr = listener
            .local_addr()
            .unwrap();
        let (client, accepted) = tokio::join!(TcpStream::connect(addr), listener.accept());
        let mut peer = client.unwrap();
        let (stream, _) = accepted.unwrap();
        let (read_half, _write_half) = stream.into_split();
        let mut parser = EslParser::new();

        let body = "x".repeat(3 * SOCKET_BUF_SIZE);
        let message = format!(
            "Content-Type: api/response\nContent-Length: {}\n\n{}",
            body.len(),
            body
        );
        peer.write_all(message.as_bytes())
            .await
            .unwrap();
        let parsed = loop {
            if let Some(m) = parser
                .parse_message()
                .unwrap()
            {
                break m;
            }
            let step = read_into_parser_shared(&read_half, &mut parser, Duration::from_secs(5))
                .await
                .unwrap();
            assert!(matches!(step, ReadStep::Fed));
        };
        assert_eq!(parsed.body.as_deref(), Some(body.as_str()));

        drop(peer);
        let step = read_into_parser_shared(&read_half, &mut parser, Duration::from_secs(5))
            .await
            .unwrap();
        assert!(matches!(step, ReadStep::Eof));
    }

    /// Nothing to read within the timeout is `Idle`, not an error.
    #[tokio::test]
    async fn silence_is_idle() {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap();
        let addr = listener
            .local_addr()
            .unwrap();
        let (client, accepted) = tokio::join!(TcpStream::connect(addr), listener.accept());
        let _peer = client.unwrap();
        let (stream, _) = accepted.unwrap();
        let (read_half, _write_half) = stream.into_split();
        let mut parser = EslParser::new();
        let step = read_into_parser_shared(&read_half, &mut parser, Duration::from_millis(20))
            .await
            .unwrap();
        assert!(matches!(step, ReadStep::Idle));
    }
}

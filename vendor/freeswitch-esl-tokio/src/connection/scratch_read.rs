//! The reader loop's socket read without a buffer of its own (dialbridge
//! patch, PATCHES.md).
//!
//! Upstream, every connection's reader task keeps a `[u8; SOCKET_BUF_SIZE]`
//! in its future for the connection's whole life. A process holding
//! thousands of mostly quiet connections (one outbound socket per call)
//! pays that per connection while almost none of them is reading. Here the
//! task polls the socket with a scratch buffer owned by the worker thread
//! and hands the bytes to the parser inside the same poll: nothing can run
//! on the thread between the read and the copy, so one buffer per thread
//! serves every connection it runs.
//!
//! The read is `AsyncRead::poll_read`, not `readable()` then `try_read`:
//! tokio forgets a socket's readiness when a read returns fewer bytes than
//! asked (the kernel had no more), so the next wait parks at once instead of
//! costing a `recvfrom` that answers `EAGAIN` after every batch of events.

use std::cell::RefCell;
use std::future::poll_fn;
use std::pin::Pin;
use std::task::Poll;
use std::time::Duration;

use tokio::io::{AsyncRead, ReadBuf};
use tokio::net::tcp::OwnedReadHalf;
use tokio::time::{timeout_at, Instant};

use super::ReadStep;
use crate::constants::SOCKET_BUF_SIZE;
use crate::error::{EslError, EslResult};
use crate::protocol::EslParser;

thread_local! {
    /// One read buffer per thread, borrowed only for one poll: the read and
    /// the parser's copy of what it read.
    static SCRATCH: RefCell<Box<[u8]>> = RefCell::new(vec![0u8; SOCKET_BUF_SIZE].into_boxed_slice());
}

/// Reads what the socket has into `parser`: `Idle` when nothing arrived
/// within `read_timeout`, as [`super::read_into_parser`] does.
pub(super) async fn read_into_parser_shared(
    reader: &mut OwnedReadHalf,
    parser: &mut EslParser,
    read_timeout: Duration,
) -> EslResult<ReadStep> {
    let deadline = Instant::now() + read_timeout;
    let read = poll_fn(|cx| {
        SCRATCH.with_borrow_mut(|buf| {
            let mut filled = ReadBuf::new(buf);
            match Pin::new(&mut *reader).poll_read(cx, &mut filled) {
                Poll::Pending => Poll::Pending,
                Poll::Ready(Err(e)) => Poll::Ready(Err(EslError::Io(e))),
                Poll::Ready(Ok(()))
                    if filled
                        .filled()
                        .is_empty() =>
                {
                    Poll::Ready(Ok(ReadStep::Eof))
                }
                Poll::Ready(Ok(())) => Poll::Ready(
                    parser
                        .feed(filled.filled())
                        .map(|()| ReadStep::Fed),
                ),
            }
        })
    });
    match timeout_at(deadline, read).await {
        Err(_) => Ok(ReadStep::Idle),
        Ok(step) => step,
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
        let (mut read_half, _write_half) = stream.into_split();
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
            let step = read_into_parser_shared(&mut read_half, &mut parser, Duration::from_secs(5))
                .await
                .unwrap();
            assert!(matches!(step, ReadStep::Fed));
        };
        assert_eq!(
            parsed
                .body
                .as_deref(),
            Some(body.as_str())
        );

        drop(peer);
        let step = read_into_parser_shared(&mut read_half, &mut parser, Duration::from_secs(5))
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
        let (mut read_half, _write_half) = stream.into_split();
        let mut parser = EslParser::new();
        let step = read_into_parser_shared(&mut read_half, &mut parser, Duration::from_millis(20))
            .await
            .unwrap();
        assert!(matches!(step, ReadStep::Idle));
    }
}

//! Reading messages straight out of what one socket read returned
//! (dialbridge patch, PATCHES.md item 9).
//!
//! Upstream copies every read into the parser's buffer, growing it (a
//! `realloc` and a copy of what it held) when a message spans reads, and
//! copies each header block out of it again. An outbound socket's events
//! nearly always arrive whole, several to a read, into an empty buffer: then
//! [`EslParser::feed`] reads the messages from the read's bytes in place and
//! buffers only an unfinished tail. Whatever it cannot read there (a buffer
//! already holding part of a message, a body still awaited) goes through the
//! buffer as before, so the messages, their order and every error are those
//! of [`EslParser::add_data`] followed by [`EslParser::parse_message`].

use super::{EslMessage, EslParser, HeaderBlock, ParseState};
use crate::constants::HEADER_TERMINATOR;
use crate::error::EslResult;

impl EslParser {
    /// Takes what one read returned: the messages it holds whole are read
    /// at once and queued for [`EslParser::parse_message`], the rest is
    /// buffered. A message that fails to parse is queued as its error, and
    /// nothing after it is read (the connection is finished).
    pub fn feed(&mut self, data: &[u8]) -> EslResult<()> {
        if !self
            .remaining_bytes()
            .is_empty()
            || !matches!(self.state, ParseState::WaitingForHeaders)
        {
            return self.add_data(data);
        }
        let terminator = HEADER_TERMINATOR.as_bytes();
        let mut rest = data;
        while let Some(end) = memchr::memmem::find(rest, terminator) {
            let body_start = end + terminator.len();
            let message = match self.header_block(&rest[..end]) {
                Err(e) => {
                    self.ready
                        .push_back(Err(e));
                    return Ok(());
                }
                Ok(HeaderBlock::Whole(message)) => {
                    rest = &rest[body_start..];
                    Ok(message)
                }
                Ok(HeaderBlock::Body(pending)) => {
                    let Some(body) = rest
                        .get(body_start..)
                        .and_then(|tail| tail.get(..pending.body_length))
                    else {
                        self.state = ParseState::WaitingForBody(pending);
                        rest = &rest[body_start..];
                        break;
                    };
                    let message = self.body_message(pending, body.to_vec());
                    rest = &rest[body_start + body.len()..];
                    message
                }
            };
            let failed = message.is_err();
            self.ready
                .push_back(message);
            if failed {
                return Ok(());
            }
        }
        if rest.is_empty() {
            Ok(())
        } else {
            self.add_data(rest)
        }
    }

    /// The next message [`Self::feed`] read whole, if any. The queue's
    /// allocation goes when it empties, as the buffer's does: a quiet
    /// connection keeps neither.
    pub(super) fn pop_ready(&mut self) -> Option<EslResult<EslMessage>> {
        let next = self
            .ready
            .pop_front()?;
        if self
            .ready
            .is_empty()
        {
            self.ready = std::collections::VecDeque::new();
        }
        Some(next)
    }
}

#[cfg(test)]
mod tests {
    use crate::event::EventFormat;
    use crate::lookup::HeaderLookup;
    use crate::protocol::EslParser;

    /// Three events, a reply and an API response, framed as FreeSWITCH
    /// sends them (every kind of frame: with and without a body).
    fn wire() -> Vec<u8> {
        let mut data = Vec::new();
        for (name, uuid) in [
            ("CHANNEL_CREATE", "uuid-1"),
            ("CHANNEL_ANSWER", "uuid-2"),
            ("CHANNEL_DESTROY", "uuid-3"),
        ] {
            let body = format!("{{\"Event-Name\":\"{name}\",\"Unique-ID\":\"{uuid}\"}}");
            data.extend_from_slice(
                format!(
                    "Content-Length: {}\nContent-Type: text/event-json\n\n{}",
                    body.len(),
                    body
                )
                .as_bytes(),
            );
        }
        data.extend_from_slice(b"Content-Type: command/reply\nReply-Text: +OK accepted\n\n");
        data.extend_from_slice(b"Content-Type: api/response\nContent-Length: 3\n\n+OK");
        data
    }

    /// Each message as (content type, Unique-ID or reply text or body).
    fn read_all(parser: &mut EslParser) -> Vec<(String, String)> {
        let mut out = Vec::new();
        while let Some(message) = parser
            .parse_message()
            .unwrap()
        {
            let kind = message
                .headers
                .get("Content-Type")
                .cloned()
                .unwrap_or_default();
            let what = if kind == "text/event-json" {
                parser
                    .parse_event(message, EventFormat::Json)
                    .unwrap()
                    .unique_id()
                    .unwrap_or_default()
                    .to_string()
            } else if let Some(text) = message
                .headers
                .get("Reply-Text")
            {
                text.clone()
            } else {
                message
                    .body
                    .clone()
                    .unwrap_or_default()
            };
            out.push((kind, what));
        }
        out
    }

    /// Fed in two reads split at every byte, the messages are those
    /// `add_data` gives, in order, and nothing is left behind.
    #[test]
    fn feeding_reads_split_anywhere_gives_what_add_data_gives() {
        let data = wire();
        let mut reference = EslParser::new();
        reference
            .add_data(&data)
            .unwrap();
        let expected = read_all(&mut reference);
        assert_eq!(expected.len(), 5);
        assert_eq!(expected[2].1, "uuid-3");
        assert_eq!(expected[3].1, "+OK accepted");
        assert_eq!(expected[4].1, "+OK");

        for split in 0..=data.len() {
            let mut parser = EslParser::new();
            parser
                .feed(&data[..split])
                .unwrap();
            let mut got = read_all(&mut parser);
            parser
                .feed(&data[split..])
                .unwrap();
            got.extend(read_all(&mut parser));
            assert_eq!(got, expected, "split at {split}");
            assert!(parser
                .remaining_bytes()
                .is_empty());
            assert!(parser.is_waiting_for_headers());
        }
    }

    /// Messages read whole before a broken one are delivered; then its
    /// error, the one `add_data` + `parse_message` reports.
    #[test]
    fn a_broken_message_is_its_error_after_the_whole_ones() {
        let mut data = wire();
        data.extend_from_slice(b"Reply-Text: no content type\n\nContent-Type: command/reply\n\n");
        let mut parser = EslParser::new();
        parser
            .feed(&data)
            .unwrap();
        let mut reference = EslParser::new();
        reference
            .add_data(&data)
            .unwrap();
        for _ in 0..5 {
            assert!(parser
                .parse_message()
                .unwrap()
                .is_some());
            assert!(reference
                .parse_message()
                .unwrap()
                .is_some());
        }
        let fed = parser
            .parse_message()
            .unwrap_err()
            .to_string();
        let added = reference
            .parse_message()
            .unwrap_err()
            .to_string();
        assert!(fed.contains("Missing Content-Type"), "{fed}");
        assert_eq!(fed, added);
    }

    /// Everything a parser yields for `reads`, fed or added: each message
    /// as its debug text, then the error that ended them, if any.
    fn outcome(reads: &[&[u8]], fed: bool) -> Vec<String> {
        let mut parser = EslParser::new();
        let mut out = Vec::new();
        for read in reads {
            let took = if fed {
                parser.feed(read)
            } else {
                parser.add_data(read)
            };
            if let Err(e) = took {
                out.push(format!("refused: {e}"));
                return out;
            }
            loop {
                match parser.parse_message() {
                    Ok(Some(m)) => {
                        out.push(format!("{:?} {:?} {:?}", m.message_type, m.headers, m.body))
                    }
                    Ok(None) => break,
                    Err(e) => {
                        out.push(format!("error: {e}"));
                        return out;
                    }
                }
            }
        }
        out.push(format!("left: {:?}", parser.remaining_bytes()));
        out
    }

    /// Random sequences of well-formed and broken frames, cut into random
    /// reads: feeding gives what adding gives, message for message and
    /// error for error (a deterministic xorshift, so a failure repeats).
    #[test]
    fn random_frames_in_random_reads_read_alike() {
        const PIECES: [&[u8]; 9] = [
            b"Content-Type: command/reply\nReply-Text: +OK\n\n",
            b"Content-Type: api/response\nContent-Length: 4\n\n+OK\n",
            b"Content-Length: 26\nContent-Type: text/event-json\n\n{\"Event-Name\":\"HEARTBEAT\"}",
            b"Content-Type: text/disconnect-notice\nContent-Disposition: linger\n\n",
            b"Content-Type: command/reply\nReply-Text: %2BOK%20x\n\n",
            b"Reply-Text: no type\n\n",
            b"Content-Type: api/response\nContent-Length: x\n\n",
            b"Content-Type: text/nonsense\n\n",
            b"Content-Type: api/response\nContent-Length: 3\n\n\xff\xfe!",
        ];
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        };
        for round in 0..3000 {
            let mut wire = Vec::new();
            for _ in 0..1 + next(6) {
                wire.extend_from_slice(PIECES[next(PIECES.len())]);
            }
            let mut cuts: Vec<usize> = (0..next(4))
                .map(|_| next(wire.len() + 1))
                .collect();
            cuts.sort_unstable();
            let mut reads: Vec<&[u8]> = Vec::new();
            let mut at = 0;
            for cut in cuts
                .into_iter()
                .chain([wire.len()])
            {
                reads.push(&wire[at..cut]);
                at = cut;
            }
            assert_eq!(
                outcome(&reads, true),
                outcome(&reads, false),
                "round {round}: {:?}",
                String::from_utf8_lossy(&wire)
            );
        }
    }
}

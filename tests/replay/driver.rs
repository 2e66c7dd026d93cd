//! Plays the recorded side of one captured connection against the fake.
//!
//! Each `>>>` block of the capture becomes a [`Step`]: it is sent once the
//! fake has delivered as many messages as the capture had received before
//! it (its trigger), plus the capture's own delay between that last message
//! and the block, scaled; `sendmsg`s the recorder sent back to back, with
//! only their replies between, go in one write (the set-up burst a switch
//! takes in one frame). The recorder's own close of the TCP connection
//! (`### closing TCP connection (our side)`) is a step too. Nothing waits on
//! a fixed timeout: a connection ends when the fake closes it, or when the
//! recorder's close step runs; the guard below only bounds a broken replay.

use std::time::Duration;

use tokio::io::{AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

use crate::fake_freeswitch::trace::{Dir, Trace, parse_message};
use crate::fake_freeswitch::wire::{self, Message};

/// The longest a replay waits for one message before calling it a stall:
/// longer than any gap between two messages of a capture (9 s in 07b) at
/// the given scale.
pub fn guard(scale: f64) -> Duration {
    Duration::from_secs_f64(3.0 + 12.0 * scale)
}

/// One thing the recorder did: send bytes, or close its side.
#[derive(Debug, Clone)]
pub struct Step {
    /// Counted messages received before it in the capture.
    pub trigger: usize,
    /// The capture's delay after the trigger message, already scaled.
    pub delay: Duration,
    /// `None`: close the connection.
    pub payload: Option<String>,
    /// A poll: the capture repeated this command until its reply changed.
    pub poll: Option<Poll>,
}

/// A run of one command sent again and again (06's `uuid_getvar ...
/// bridge_uuid` until the bridge exists). How many times it took raced the
/// call's progress, so the replay repeats it until the reply the capture's
/// run ended with.
#[derive(Debug, Clone)]
pub struct Poll {
    /// The body of the run's last reply.
    pub until: String,
    /// The capture's interval between two tries, scaled.
    pub every: Duration,
    /// Replies the run got in the capture.
    pub replies: usize,
}

/// Whether a received message counts toward triggers. CHANNEL_PARK does
/// not: whether a socket sees it is a race between FreeSWITCH's park and the
/// daemon's subscription (04b conn2 got it, 04a conn2 did not), so neither
/// the capture's nor the fake's copy may shift the replay.
pub fn counts(msg: &str) -> bool {
    parse_message(msg).ev("Event-Name") != Some("CHANNEL_PARK")
}

/// The steps of a capture, with `>>>` text rewritten by `fix` (listener
/// addresses) and delays multiplied by `scale`.
pub fn steps(t: &Trace, scale: f64, fix: &dyn Fn(&str) -> String) -> Vec<Step> {
    steps_with(t, scale, fix, false)
}

/// As [`steps`]; with `polls`, repeated commands become [`Poll`]s.
pub fn steps_with(t: &Trace, scale: f64, fix: &dyn Fn(&str) -> String, polls: bool) -> Vec<Step> {
    let mut out: Vec<Step> = Vec::new();
    let (mut count, mut last_ms) = (0usize, 0u64);
    // The last `sendmsg` sent, while only command replies came since
    // (coalescing, below).
    let mut last_sendmsg: Option<u64> = None;
    for b in &t.blocks {
        let delay =
            |ms: u64| Duration::from_secs_f64(ms.saturating_sub(last_ms) as f64 * scale / 1000.0);
        match b.dir {
            Dir::Received => {
                if counts(&b.payload) {
                    count += 1;
                    last_ms = b.ms;
                }
                if !b.payload.contains("Content-Type: command/reply") {
                    last_sendmsg = None;
                }
            }
            Dir::Sent => {
                // `sendmsg`s the recorder wrote back to back (within 5 ms,
                // only their replies between) reach the fake in one write:
                // the frame they are queued in must not depend on how fast
                // this harness turns replies around (pacing; 02a, 03a, 06).
                let is_sendmsg = b.payload.starts_with("sendmsg");
                if !polls
                    && is_sendmsg
                    && let Some(prev) = last_sendmsg.filter(|p| b.ms.saturating_sub(*p) <= 5)
                    && let Some(payload) = out.last_mut().and_then(|s| s.payload.as_mut())
                {
                    payload.push_str(&fix(&b.payload));
                    last_sendmsg = Some(prev);
                    continue;
                }
                last_sendmsg = is_sendmsg.then_some(b.ms);
                if let Some(prev) = out.last_mut().filter(|p: &&mut Step| {
                    polls && p.payload.as_deref() == Some(fix(&b.payload).as_str())
                }) {
                    let p = prev.poll.get_or_insert(Poll {
                        until: String::new(),
                        every: delay(b.ms),
                        replies: 0,
                    });
                    p.replies = count - prev.trigger;
                    continue;
                }
                out.push(Step {
                    trigger: count,
                    delay: delay(b.ms),
                    payload: Some(fix(&b.payload)),
                    poll: None,
                })
            }
            Dir::Note if b.payload.contains("closing TCP connection (our side)") => {
                out.push(Step {
                    trigger: count,
                    delay: delay(b.ms),
                    payload: None,
                    poll: None,
                })
            }
            Dir::Note => {}
        }
    }
    // Each poll ends on the reply its run got last in the capture.
    let replies: Vec<&str> = t
        .blocks(Dir::Received)
        .filter(|b| counts(&b.payload))
        .map(|b| b.payload.as_str())
        .collect();
    for st in &mut out {
        if let Some(p) = &mut st.poll {
            p.replies += 1;
            if let Some(last) = replies.get(st.trigger + p.replies - 1) {
                p.until = parse_message(last).body.trim_end().to_string();
            }
        }
    }
    out
}

/// How many counted messages the capture received before its first event:
/// by then a subscribing connection has its `event` reply.
pub fn before_first_event(t: &Trace) -> usize {
    t.blocks(Dir::Received)
        .take_while(|b| !b.payload.contains("Content-Type: text/event-"))
        .filter(|b| counts(&b.payload))
        .count()
}

/// Where a moment `ms` of the capture's timeline falls: the count of
/// counted messages received by then, and the time since the last of them.
pub fn anchor(t: &Trace, ms: u64) -> (usize, u64) {
    let mut last = (0usize, 0u64);
    for b in t.blocks(Dir::Received).filter(|b| counts(&b.payload)) {
        if b.ms > ms {
            break;
        }
        last = (last.0 + 1, b.ms);
    }
    (last.0, ms - last.1)
}

/// How many counted messages the capture received before its first linger
/// notice.
pub fn before_linger(t: &Trace) -> usize {
    t.blocks(Dir::Received)
        .take_while(|b| !b.payload.contains("Content-Disposition: linger"))
        .filter(|b| counts(&b.payload))
        .count()
}

/// The capture's received messages, in order.
pub fn received(t: &Trace) -> Vec<String> {
    t.blocks(Dir::Received).map(|b| b.payload.clone()).collect()
}

/// What a replayed connection got: the fake's messages and the replay's
/// own problems (stalls).
#[derive(Debug, Default)]
pub struct Played {
    pub got: Vec<String>,
    pub errors: Vec<String>,
}

/// A message back to its wire text (header block, blank line, body).
pub fn render(m: &Message) -> String {
    let mut s = m.raw.clone();
    s.push_str("\n\n");
    if let Some(b) = &m.body {
        s.push_str(b);
    }
    s
}

/// The count of counted messages received so far and when the last came.
pub type Progress = (usize, Instant);

/// Runs the steps on `s`; `progress` follows the counted messages received
/// (a replay starts the call once an observer has subscribed, and plays the
/// caller's actions on this connection's timeline).
pub async fn play(
    s: TcpStream,
    steps: Vec<Step>,
    guard: Duration,
    progress: Option<watch::Sender<Progress>>,
) -> Played {
    let _ = s.set_nodelay(true);
    let (rd, mut wr) = s.into_split();
    let (tx, mut rx) = mpsc::unbounded_channel::<(Instant, String)>();
    let reader = tokio::spawn(async move {
        let mut rd = BufReader::new(rd);
        while let Ok(m) = wire::read_message(&mut rd).await {
            if tx.send((Instant::now(), render(&m))).is_err() {
                break;
            }
        }
    });
    let mut p = Played::default();
    let (mut counted, mut last_at) = (0usize, Instant::now());
    let mut eof = false;
    let mut closed = false;
    // Triggers count the capture's messages; a poll may take more or fewer
    // tries here, so each trigger is taken relative to the previous step.
    let (mut base, mut fake_base) = (0usize, 0usize);
    for (i, step) in steps.into_iter().enumerate() {
        let need = fake_base + step.trigger.saturating_sub(base);
        while counted < need && !eof {
            match tokio::time::timeout(guard, rx.recv()).await {
                Ok(Some((at, m))) => {
                    if counts(&m) {
                        counted += 1;
                        last_at = at;
                        if let Some(w) = &progress {
                            let _ = w.send((counted, at));
                        }
                    }
                    p.got.push(m);
                }
                Ok(None) => eof = true,
                Err(_) => {
                    p.errors.push(format!(
                        "stalled: message {} never came before step {i}",
                        counted + 1
                    ));
                    eof = true;
                }
            }
        }
        if eof {
            break;
        }
        (base, fake_base) = (step.trigger, counted);
        tokio::time::sleep_until(last_at + step.delay).await;
        let Some(bytes) = step.payload else {
            closed = true;
            break;
        };
        if wr.write_all(bytes.as_bytes()).await.is_err() {
            break;
        }
        if let Some(poll) = &step.poll {
            let deadline = Instant::now() + guard;
            loop {
                let Ok(Some((at, m))) = tokio::time::timeout_at(deadline, rx.recv()).await else {
                    p.errors
                        .push(format!("poll {i} never got {:?}", poll.until));
                    eof = true;
                    break;
                };
                let done = parse_message(&m).body.trim_end() == poll.until;
                (counted, last_at) = (counted + 1, at);
                p.got.push(m);
                if done {
                    break;
                }
                tokio::time::sleep(poll.every).await;
                if wr.write_all(bytes.as_bytes()).await.is_err() {
                    break;
                }
            }
            (base, fake_base) = (step.trigger + poll.replies, counted);
        }
        if eof {
            break;
        }
    }
    if closed {
        drop(wr);
        reader.abort();
        while let Ok((_, m)) = rx.try_recv() {
            p.got.push(m);
        }
        return p;
    }
    // The fake closes the connection after `exit` (or a non-lingering end).
    loop {
        match tokio::time::timeout(guard, rx.recv()).await {
            Ok(Some((_, m))) => p.got.push(m),
            Ok(None) => break,
            Err(_) => {
                p.errors.push("the fake never closed the connection".into());
                break;
            }
        }
    }
    reader.abort();
    p
}

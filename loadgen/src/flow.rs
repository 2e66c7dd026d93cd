//! One flow at the fake switch: the caller and its callees' script, and
//! what the switch saw of it (the bridge's arrival, the caller's 200).

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use crate::cli::Shape;
use crate::fake_freeswitch::{CallHandle, Callee, Caller, CallerSip, FakeSwitch};

/// Which targets of the run are busy: the j-th target dialed is busy when
/// ⌊(j+1)·f⌋ > ⌊j·f⌋, so exactly a fraction f of them is, spread evenly,
/// with no random numbers to seed or report.
#[derive(Debug, Clone)]
pub struct BusyPattern {
    fraction: f64,
    next: u64,
}

impl BusyPattern {
    pub fn new(fraction: f64) -> Self {
        BusyPattern {
            fraction: fraction.clamp(0.0, 1.0),
            next: 0,
        }
    }

    /// Busy or not, for each of the next flow's `n` targets.
    pub fn next_flow(&mut self, n: u8) -> Vec<bool> {
        (0..n)
            .map(|_| {
                let j = self.next as f64;
                self.next += 1;
                ((j + 1.0) * self.fraction).floor() > (j * self.fraction).floor()
            })
            .collect()
    }
}

/// The dial outcome a flow's script leads to.
pub fn expected_status(busy: &[bool]) -> &'static str {
    if busy.iter().all(|b| *b) {
        "busy"
    } else {
        "completed"
    }
}

/// The caller of flow `i`: busy targets reject 486 when they would ring,
/// the first other one answers (and hangs up `hold_ms` later, or never),
/// the rest ring until the answer cancels them.
pub fn caller(i: u64, busy: &[bool], shape: &Shape, hold_ms: Option<u64>) -> Caller {
    let mut c = Caller::new(&format!("+1444{i:07}"), "+15559870000");
    let mut answered = false;
    for (leg, is_busy) in busy.iter().enumerate() {
        let callee = if *is_busy {
            Callee::rejects(486, shape.ring_ms).no_ringing()
        } else if !answered {
            answered = true;
            let a = Callee::answers_after(shape.ring_ms + shape.answer_ms).rings_at(shape.ring_ms);
            match hold_ms {
                Some(ms) => a.hangs_up_after_answer(ms),
                None => a,
            }
        } else {
            Callee::rings_forever().rings_at(shape.ring_ms)
        };
        c = c.leg(leg, callee);
    }
    c
}

/// What the switch saw of one flow.
#[derive(Debug, Clone, Default)]
pub struct FlowRecord {
    /// The A leg's UUID: the daemon's call_sid.
    pub uuid: String,
    pub expected: &'static str,
    /// The call ended (A hung up, the daemon's socket closed) in time.
    pub finished: bool,
    /// Nothing listened at the daemon's address.
    pub refused: bool,
    /// The daemon sent something (`connect` first) on the call's socket.
    pub connected: bool,
    /// When `bridge` reached the switch.
    pub bridge_at: Option<Instant>,
    /// INVITE to 200 at the caller.
    pub answered_after: Option<Duration>,
    /// The final response an unanswered caller got.
    pub final_code: Option<u16>,
    pub first_error: Option<String>,
    pub closed_with_caller_up: bool,
}

/// Places a call toward the daemon; `started` is taken just before.
pub fn place(fake: &FakeSwitch, daemon: SocketAddr, caller: Caller) -> (Instant, CallHandle) {
    let started = Instant::now();
    (started, fake.call(daemon, caller))
}

/// Whether the caller got its 200 or is gone (a hold call is bridged,
/// or never will be).
pub async fn bridged_or_gone(call: &CallHandle, timeout: Duration) -> bool {
    call.wait_for(timeout, |l| {
        l.a_hangup().is_some() || l.caller_sip().iter().any(|(_, s)| *s == CallerSip::Ok200)
    })
    .await
}

/// Reads what the switch saw of a call, once it is over (or timed out).
pub fn observe(
    call: &CallHandle,
    started: Instant,
    expected: &'static str,
    finished: bool,
) -> FlowRecord {
    let commands = call.commands();
    let bridge_at = commands
        .iter()
        .find(|c| c.app() == Some("bridge"))
        .map(|c| started + c.at);
    let answered_after = call
        .caller_sip()
        .into_iter()
        .find(|(_, s)| *s == CallerSip::Ok200)
        .map(|(at, _)| at);
    FlowRecord {
        uuid: call.uuid().to_owned(),
        expected,
        finished,
        refused: call.socket_refused(),
        connected: !commands.is_empty(),
        bridge_at,
        answered_after,
        final_code: call.caller_final_code(),
        first_error: call.errors().into_iter().next(),
        closed_with_caller_up: call.closed_with_caller_up(),
    }
}

/// A whole short flow: placed, awaited, observed.
pub async fn run(
    fake: &FakeSwitch,
    daemon: SocketAddr,
    caller: Caller,
    expected: &'static str,
    timeout: Duration,
) -> FlowRecord {
    let (started, call) = place(fake, daemon, caller);
    let finished = call.finished(timeout).await.is_ok();
    observe(&call, started, expected, finished)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_busy_fraction_is_exact_and_spread_evenly() {
        let mut p = BusyPattern::new(0.25);
        let all: Vec<bool> = (0..4).flat_map(|_| p.next_flow(2)).collect();
        assert_eq!(all.iter().filter(|b| **b).count(), 2);
        assert_eq!(all, [false, false, false, true, false, false, false, true]);
        let mut none = BusyPattern::new(0.0);
        assert!(none.next_flow(10).iter().all(|b| !b));
        let mut every = BusyPattern::new(1.0);
        assert_eq!(expected_status(&every.next_flow(3)), "busy");
        assert_eq!(expected_status(&[true, false]), "completed");
    }

    fn shape() -> Shape {
        Shape {
            targets: 3,
            busy: 0.0,
            ring_ms: 5,
            answer_ms: 7,
            timeout_secs: 1,
        }
    }

    #[test]
    fn the_first_free_target_answers_and_the_others_ring_or_refuse() {
        let c = caller(1, &[true, false, false], &shape(), Some(100));
        let busy = c.script_for("x", "x", 0);
        assert_eq!(
            busy,
            Callee::rejects(486, 5).no_ringing(),
            "busy refuses at ring time"
        );
        let answers = c.script_for("x", "x", 1);
        assert_eq!(
            answers,
            Callee::answers_after(12)
                .rings_at(5)
                .hangs_up_after_answer(100)
        );
        assert_eq!(
            c.script_for("x", "x", 2),
            Callee::rings_forever().rings_at(5)
        );
        let held = caller(2, &[false], &shape(), None).script_for("x", "x", 0);
        assert_eq!(held.bye_after_answer, None, "a held call's callee stays");
    }
}

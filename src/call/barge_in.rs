//! The `config` verb's `bargeIn`: the caller's digits, read from a copy of
//! the call's events ([`crate::freeswitch::tap`]) while no dial is bridged,
//! collected as a gather does ([`Collector`]); once complete, the
//! actionHook's verbs go to the call's steering (`call::background`).

use std::time::{Duration, Instant};

use freeswitch_esl_tokio::EslEvent;
use serde_json::json;
use tokio::sync::mpsc;
use tracing::info;

use super::background::Poster;
use crate::app::Instruction;
use crate::app::config::BargeIn;

/// The background gather: the caller's digits, collected by [`Collector`].
pub(super) async fn gather(
    mut events: mpsc::Receiver<EslEvent>,
    caller: String,
    b: BargeIn,
    post: Poster,
    interrupts: mpsc::Sender<Vec<Instruction>>,
) {
    let mut collector = Collector::new(&b);
    loop {
        let due = collector.due();
        let done = tokio::select! {
            e = events.recv() => {
                let Some(e) = e else { return };
                let digit = (e.header_str("Unique-ID") == Some(caller.as_str()))
                    .then(|| e.header_str("DTMF-Digit").and_then(|d| d.chars().next()))
                    .flatten();
                match digit {
                    Some(d) => collector.push(d, Instant::now()),
                    None => None,
                }
            }
            _ = tokio::time::sleep_until(tokio::time::Instant::from_std(due.unwrap_or_else(Instant::now))), if due.is_some() => {
                collector.expire(Instant::now())
            }
        };
        let Some(digits) = done else { continue };
        info!(
            digits = digits.len(),
            "bargeIn: digits collected; telling its actionHook"
        );
        if let Some(verbs) = post
            .verbs(json!({"digits": digits, "reason": "dtmfDetected"}))
            .await
        {
            let _ = interrupts.send(verbs).await;
        }
        if !b.sticky {
            return;
        }
    }
}

/// Collects digits as a gather does: complete at `maxDigits`, at the
/// finish key (with at least `minDigits`), or after the inter-digit
/// silence (with at least `minDigits`; fewer are dropped).
#[derive(Debug)]
pub(crate) struct Collector {
    min: usize,
    max: Option<usize>,
    finish: Option<char>,
    gap: Duration,
    digits: String,
    last: Option<Instant>,
}

impl Collector {
    pub(crate) fn new(b: &BargeIn) -> Self {
        Collector {
            min: b.min_digits as usize,
            max: b.max_digits.map(|m| m as usize),
            finish: b.finish_on_key,
            gap: Duration::from_millis(b.inter_digit_timeout_ms),
            digits: String::new(),
            last: None,
        }
    }

    /// A digit at `now`; the digits when it completes the gather.
    pub(crate) fn push(&mut self, d: char, now: Instant) -> Option<String> {
        if Some(d) == self.finish {
            return self.complete();
        }
        self.digits.push(d);
        self.last = Some(now);
        if self.max.is_some_and(|m| self.digits.len() >= m) {
            return self.complete();
        }
        None
    }

    /// When the inter-digit silence ends the gather, if digits came.
    pub(crate) fn due(&self) -> Option<Instant> {
        self.last.map(|t| t + self.gap)
    }

    /// The silence after the last digit ended at `now`: the digits, if
    /// enough came.
    pub(crate) fn expire(&mut self, now: Instant) -> Option<String> {
        match self.due() {
            Some(due) if now >= due => self.complete(),
            _ => None,
        }
    }

    fn complete(&mut self) -> Option<String> {
        self.last = None;
        let digits = std::mem::take(&mut self.digits);
        (digits.len() >= self.min.max(1)).then_some(digits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn barge(min: u32, max: Option<u32>, finish: Option<char>) -> BargeIn {
        BargeIn {
            enable: true,
            sticky: false,
            action_hook: None,
            min_digits: min,
            max_digits: max,
            finish_on_key: finish,
            inter_digit_timeout_ms: 3000,
        }
    }

    #[test]
    fn the_finish_key_the_maximum_and_the_silence_complete_a_gather() {
        let t0 = Instant::now();
        let mut c = Collector::new(&barge(1, None, Some('#')));
        assert_eq!(c.push('1', t0), None);
        assert_eq!(c.push('2', t0), None);
        assert_eq!(c.push('#', t0), Some("12".into()));
        assert_eq!(c.due(), None);

        let mut c = Collector::new(&barge(1, Some(3), None));
        c.push('1', t0);
        c.push('2', t0);
        assert_eq!(c.push('3', t0), Some("123".into()));

        let mut c = Collector::new(&barge(2, None, None));
        c.push('7', t0);
        assert_eq!(c.due(), Some(t0 + Duration::from_secs(3)));
        assert_eq!(c.expire(t0 + Duration::from_secs(1)), None, "not yet");
        assert_eq!(
            c.expire(t0 + Duration::from_secs(3)),
            None,
            "too few: dropped"
        );
        c.push('7', t0);
        c.push('8', t0);
        assert_eq!(c.expire(t0 + Duration::from_secs(4)), Some("78".into()));
    }

    #[test]
    fn a_finish_key_alone_or_too_early_completes_nothing() {
        let t0 = Instant::now();
        let mut c = Collector::new(&barge(3, None, Some('#')));
        assert_eq!(c.push('#', t0), None);
        c.push('1', t0);
        assert_eq!(c.push('#', t0), None);
        assert_eq!(c.push('5', t0), None, "starts over");
    }
}

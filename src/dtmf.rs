//! DTMF sequence matching for a dial's `dtmfCapture` (pure: the caller
//! passes each digit with the time it was pressed; nothing here reads a
//! clock or does I/O).
//!
//! One [`DtmfMatcher`] watches one leg. Digits collect in a buffer; a digit
//! that arrives more than the inter-digit gap after the previous one starts
//! a new buffer. After each digit the patterns are tried **in array order**
//! and the first one the buffer *ends with* wins: it is returned and the
//! buffer is cleared, as jambonz does, so a pattern is reported once per
//! press of the sequence and the digits of one match never count towards the
//! next.
//!
//! ```
//! use std::time::{Duration, Instant};
//! use dialbridge::dtmf::DtmfMatcher;
//!
//! let mut m = DtmfMatcher::new(["*2", "#"], Duration::from_millis(3000));
//! let t = Instant::now();
//! assert_eq!(m.push('*', t), None);
//! assert_eq!(m.push('2', t + Duration::from_millis(400)), Some("*2"));
//! ```
//!
//! [`leg_matchers`] turns a dial's `dtmfCapture` into the matcher of each
//! leg: the array form watches both legs with the same list; the object
//! form gives the caller (`parentCall`) and the callee (`childCall`) their
//! own list each. (jambonz puts the `parentCall` patterns on the child's
//! list, so parent-only capture never fires there; here it does.)

use std::time::{Duration, Instant};

use crate::app::DtmfCapture;

/// jambonz's inter-digit gap: a digit more than this after the previous one
/// starts a new sequence.
pub const DEFAULT_GAP: Duration = Duration::from_millis(3000);

/// The DTMF sequences watched on one leg, and the digits pressed there so far.
///
/// Exists so each leg of a dial has its own buffer and gap timer: digits on
/// the caller never complete a sequence begun on the callee.
#[derive(Debug, Clone)]
pub(crate) struct DtmfMatcher {
    /// Patterns, uppercase, in the application's order (empty ones dropped).
    patterns: Vec<String>,
    /// Longest pattern in digits: the buffer never holds more.
    longest: usize,
    /// Digits since the last match or gap, uppercase, at most `longest`.
    buffer: String,
    /// When the previous digit arrived.
    last: Option<Instant>,
    /// Inter-digit gap.
    gap: Duration,
}

impl DtmfMatcher {
    /// A matcher for `patterns` (tried in this order) with inter-digit `gap`.
    ///
    /// Patterns are uppercased; empty patterns are dropped (an empty pattern
    /// would match every digit). Patterns are expected to be validated
    /// already (`app::rules::dtmf_sequence`); one with a character no digit
    /// can be simply never matches.
    pub(crate) fn new<I, S>(patterns: I, gap: Duration) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let patterns: Vec<String> = patterns
            .into_iter()
            .map(|p| p.as_ref().to_ascii_uppercase())
            .filter(|p| !p.is_empty())
            .collect();
        let longest = patterns
            .iter()
            .map(|p| p.chars().count())
            .max()
            .unwrap_or(0);
        Self {
            patterns,
            longest,
            buffer: String::with_capacity(longest),
            last: None,
            gap,
        }
    }

    /// True when there is nothing to watch (the leg needs no matcher).
    pub(crate) fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// The patterns, uppercase, in the order they are tried.
    #[cfg(test)]
    pub fn patterns(&self) -> &[String] {
        &self.patterns
    }

    /// The digits collected since the last match or gap (uppercase; only the
    /// most recent ones, as many as the longest pattern).
    #[cfg(test)]
    pub fn pending(&self) -> &str {
        &self.buffer
    }

    /// Forgets the digits collected so far (e.g. when the bridge restarts).
    #[cfg(test)]
    pub fn reset(&mut self) {
        self.buffer.clear();
        self.last = None;
    }

    /// Records `digit`, pressed at `at`, and returns the pattern it
    /// completes, if any (the buffer is then cleared).
    ///
    /// `digit` is one of `0-9 * # A-D`, lowercase `a-d` accepted. Anything
    /// else (FreeSWITCH's `w`/`W` pauses, flash `F`, garbage) is ignored: it
    /// neither matches, nor breaks a sequence, nor restarts the gap timer.
    /// A digit more than the gap after the previous one starts a new buffer.
    /// A time earlier than the previous digit's counts as no gap.
    pub(crate) fn push(&mut self, digit: char, at: Instant) -> Option<&str> {
        let digit = digit.to_ascii_uppercase();
        if !is_dtmf(digit) {
            return None;
        }
        if let Some(last) = self.last
            && at.saturating_duration_since(last) > self.gap
        {
            self.buffer.clear();
        }
        self.last = Some(at);
        if self.longest == 0 {
            return None;
        }
        // Only the last `longest` digits can end with a pattern: drop the
        // oldest so the buffer never grows past that, whatever is pressed.
        if self.buffer.len() >= self.longest {
            self.buffer.remove(0);
        }
        self.buffer.push(digit);
        let found = self
            .patterns
            .iter()
            .position(|p| self.buffer.ends_with(p.as_str()))?;
        self.buffer.clear();
        self.patterns.get(found).map(String::as_str)
    }
}

/// True for the sixteen DTMF digits (uppercase).
fn is_dtmf(c: char) -> bool {
    c.is_ascii_digit() || matches!(c, '*' | '#' | 'A'..='D')
}

/// The matchers of a dial's two legs; `None` where a leg has nothing to
/// watch (no matcher, no DTMF events to subscribe to on that leg).
///
/// Exists so the dial runner is handed one matcher per leg, built the same
/// way for the array and the object forms of `dtmfCapture`.
#[derive(Debug, Clone)]
pub(crate) struct LegMatchers {
    /// Sequences pressed by the caller (the `parentCall` list).
    pub(crate) parent: Option<DtmfMatcher>,
    /// Sequences pressed by the answered callee (the `childCall` list).
    pub(crate) child: Option<DtmfMatcher>,
}

/// The per-leg matchers for `capture`, each with inter-digit `gap`.
///
/// The array form watches both legs with the same list; the object form
/// gives each leg its own list (`parentCall` -> caller, `childCall` ->
/// callee).
pub(crate) fn leg_matchers(capture: &DtmfCapture, gap: Duration) -> LegMatchers {
    let build = |list: &[String]| Some(DtmfMatcher::new(list, gap)).filter(|m| !m.is_empty());
    match capture {
        DtmfCapture::Both(list) => LegMatchers {
            parent: build(list),
            child: build(list),
        },
        DtmfCapture::PerLeg {
            child_call,
            parent_call,
        } => LegMatchers {
            parent: build(parent_call),
            child: build(child_call),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GAP: Duration = DEFAULT_GAP;

    /// Presses `digits` `step_ms` apart from `start`; returns every match.
    fn press(m: &mut DtmfMatcher, digits: &str, start: Instant, step_ms: u64) -> Vec<String> {
        digits
            .chars()
            .enumerate()
            .filter_map(|(i, d)| {
                let at = start + Duration::from_millis(step_ms * i as u64);
                m.push(d, at).map(str::to_owned)
            })
            .collect()
    }

    #[test]
    fn sequence_ending_with_a_pattern_matches_once_and_clears() {
        let mut m = DtmfMatcher::new(["*2", "*3"], GAP);
        let t = Instant::now();
        assert_eq!(press(&mut m, "15*2", t, 200), vec!["*2"]);
        assert_eq!(m.pending(), "");
        // The `2` of the match does not start the next one.
        assert_eq!(m.push('2', t + Duration::from_millis(900)), None);
        assert_eq!(
            press(&mut m, "*3*3", t + Duration::from_secs(1), 100),
            vec!["*3", "*3"]
        );
    }

    #[test]
    fn digit_after_the_gap_starts_a_new_buffer() {
        let mut m = DtmfMatcher::new(["*2"], GAP);
        let t = Instant::now();
        assert_eq!(m.push('*', t), None);
        assert_eq!(m.push('2', t + GAP + Duration::from_millis(1)), None);
        assert_eq!(m.pending(), "2");
        // Exactly the gap is still the same sequence.
        let t = t + Duration::from_secs(60);
        assert_eq!(m.push('*', t), None);
        assert_eq!(m.push('2', t + GAP), Some("*2"));
    }

    #[test]
    fn gap_is_configurable() {
        let mut m = DtmfMatcher::new(["12"], Duration::from_millis(500));
        let t = Instant::now();
        assert!(press(&mut m, "12", t, 600).is_empty());
        assert_eq!(
            press(&mut m, "12", t + Duration::from_secs(5), 400),
            vec!["12"]
        );
    }

    #[test]
    fn first_pattern_in_array_order_wins() {
        let t = Instant::now();
        let mut m = DtmfMatcher::new(["*2", "2"], GAP);
        assert_eq!(press(&mut m, "*2", t, 100), vec!["*2"]);
        let mut m = DtmfMatcher::new(["2", "*2"], GAP);
        assert_eq!(press(&mut m, "*2", t, 100), vec!["2"]);
    }

    #[test]
    fn lowercase_digits_and_patterns_are_uppercased() {
        let t = Instant::now();
        let mut m = DtmfMatcher::new(["a#", "*d"], GAP);
        assert_eq!(m.patterns(), ["A#", "*D"]);
        assert_eq!(press(&mut m, "a#", t, 100), vec!["A#"]);
        assert_eq!(press(&mut m, "*D", t, 100), vec!["*D"]);
    }

    #[test]
    fn non_dtmf_characters_are_ignored() {
        let mut m = DtmfMatcher::new(["*2"], Duration::from_millis(500));
        let t = Instant::now();
        assert_eq!(m.push('*', t), None);
        // Neither breaks the sequence nor restarts the gap timer.
        assert_eq!(m.push('w', t + Duration::from_millis(400)), None);
        assert_eq!(m.push('E', t + Duration::from_millis(450)), None);
        assert_eq!(m.push('2', t + Duration::from_millis(600)), None);
        assert_eq!(m.pending(), "2");
    }

    #[test]
    fn buffer_is_bounded_by_the_longest_pattern() {
        let mut m = DtmfMatcher::new(["1234#", "*9"], GAP);
        let t = Instant::now();
        for i in 0..100_000u64 {
            let d = char::from(b'0' + (i % 9) as u8);
            assert_eq!(m.push(d, t + Duration::from_millis(i)), None);
            assert!(m.pending().len() <= 5);
        }
        assert_eq!(
            press(&mut m, "1234#", t + Duration::from_secs(200), 10),
            vec!["1234#"]
        );
    }

    #[test]
    fn empty_patterns_never_match() {
        let mut m = DtmfMatcher::new(["", ""], GAP);
        assert!(m.is_empty());
        assert_eq!(m.push('1', Instant::now()), None);
        assert_eq!(m.pending(), "");
    }

    #[test]
    fn time_going_backwards_counts_as_no_gap() {
        let mut m = DtmfMatcher::new(["12"], GAP);
        let t = Instant::now() + Duration::from_secs(10);
        assert_eq!(m.push('1', t), None);
        assert_eq!(m.push('2', t - Duration::from_secs(5)), Some("12"));
    }

    #[test]
    fn reset_forgets_pending_digits() {
        let mut m = DtmfMatcher::new(["12"], GAP);
        let t = Instant::now();
        assert_eq!(m.push('1', t), None);
        m.reset();
        assert_eq!(m.push('2', t), None);
    }

    #[test]
    fn array_form_watches_both_legs_separately() {
        let legs = leg_matchers(&DtmfCapture::Both(vec!["*2".into()]), GAP);
        let (Some(mut parent), Some(mut child)) = (legs.parent, legs.child) else {
            panic!("both legs must be watched");
        };
        let t = Instant::now();
        // `*` on one leg and `2` on the other make no sequence.
        assert_eq!(parent.push('*', t), None);
        assert_eq!(child.push('2', t), None);
        assert_eq!(child.push('*', t), None);
        assert_eq!(child.push('2', t), Some("*2"));
        assert_eq!(parent.push('2', t), Some("*2"));
    }

    #[test]
    fn object_form_gives_each_leg_its_own_list() {
        let capture = DtmfCapture::PerLeg {
            child_call: vec!["*2".into()],
            parent_call: vec!["#9".into()],
        };
        let legs = leg_matchers(&capture, GAP);
        let (Some(mut parent), Some(mut child)) = (legs.parent, legs.child) else {
            panic!("both legs must be watched");
        };
        let t = Instant::now();
        assert_eq!(press(&mut parent, "*2#9", t, 100), vec!["#9"]);
        assert_eq!(press(&mut child, "#9*2", t, 100), vec!["*2"]);
    }

    #[test]
    fn parent_only_capture_watches_the_caller_not_the_callee() {
        // jambonz puts these on the child list; here they watch the caller.
        let capture = DtmfCapture::PerLeg {
            child_call: vec![],
            parent_call: vec!["*5".into()],
        };
        let legs = leg_matchers(&capture, GAP);
        assert!(legs.child.is_none());
        let Some(mut parent) = legs.parent else {
            panic!("the caller must be watched");
        };
        assert_eq!(press(&mut parent, "*5", Instant::now(), 100), vec!["*5"]);
    }

    #[test]
    fn child_only_capture_watches_the_callee_only() {
        let capture = DtmfCapture::PerLeg {
            child_call: vec!["1".into()],
            parent_call: vec![],
        };
        let legs = leg_matchers(&capture, GAP);
        assert!(legs.parent.is_none());
        assert!(legs.child.is_some_and(|m| m.patterns() == ["1"]));
    }
}

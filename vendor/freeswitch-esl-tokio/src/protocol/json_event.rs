//! A JSON event (`event json`) read straight into an [`EslEvent`]: one pass
//! over the body, and the values of headers the connection does not keep
//! skipped unparsed (dialbridge patch, PATCHES.md item 6). Upstream built a
//! `serde_json::Value` of the whole object first, then copied every entry.
//!
//! FreeSWITCH's events are one flat object of string values (an `ARRAY::`
//! variable is an array of strings). [`scan`] reads that shape with a
//! byte scanner: a key or skipped string ends at its first unescaped quote,
//! a skipped array at its matching bracket; a kept value that holds an
//! escape, or is an array, is read by serde_json (a skipped string is not
//! checked for raw control characters, which FreeSWITCH escapes). Anything
//! else (an escaped key, a number, a nested object, malformed JSON) goes to
//! the serde_json reader [`decode_json_event_with_serde`], whose errors are
//! the errors.

use std::borrow::Cow;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};

use crate::{connection::EventHeaderFilter, error::{EslError, EslResult}, event::EslEvent};

/// FreeSWITCH's key for the event body in a JSON event.
const BODY_KEY: &str = "_body";

/// The header naming the event: offered to the filter with every header
/// after it (FreeSWITCH serialises it first).
const EVENT_NAME: &str = "Event-Name";

/// Decode a JSON event body; headers that `keep` refuses are skipped (the
/// body under `_body` is always kept). `keep` is asked with the value of the
/// `Event-Name` read so far (`None` before it, or when it is not a string).
/// A value that is not a string is kept as its JSON text, as upstream did. This is what a connection's reader
/// does with a `text/event-json` body (public for dialbridge's fuzz
/// target, PATCHES.md item 6).
pub fn decode_json_event(body: &str, keep: Option<EventHeaderFilter>) -> EslResult<EslEvent> {
    if !body
        .trim_start()
        .starts_with('{')
    {
        return Err(EslError::protocol_error("JSON event body is not an object"));
    }
    if let Some(event) = scan(body, keep) {
        return Ok(event);
    }
    decode_json_event_with_serde(body, keep)
}

/// The whole body through serde_json (see the module's doc): the reference
/// [`decode_json_event`] is checked against (public for the same fuzz
/// target; not for use).
#[doc(hidden)]
pub fn decode_json_event_with_serde(
    body: &str,
    keep: Option<EventHeaderFilter>,
) -> EslResult<EslEvent> {
    let mut event = EslEvent::new();
    let mut de = serde_json::Deserializer::from_str(body);
    de.deserialize_map(EventVisitor {
        event: &mut event,
        keep,
        name: None,
    })?;
    de.end()?;
    Ok(event)
}

/// The byte scanner: `None` when the body is not the flat shape it reads.
fn scan(body: &str, keep: Option<EventHeaderFilter>) -> Option<EslEvent> {
    let b = body.as_bytes();
    let mut event = EslEvent::new();
    // The Event-Name read so far, offered to `keep` with each header.
    let mut name: Option<String> = None;
    let mut i = skip_ws(b, 0);
    if b.get(i) != Some(&b'{') {
        return None;
    }
    i = skip_ws(b, i + 1);
    if b.get(i) == Some(&b'}') {
        return (skip_ws(b, i + 1) == b.len()).then_some(event);
    }
    loop {
        if b.get(i) != Some(&b'"') {
            return None;
        }
        let end = plain_string_end(b, i + 1)?;
        let key = &body[i + 1..end];
        i = skip_ws(b, end + 1);
        if b.get(i) != Some(&b':') {
            return None;
        }
        i = skip_ws(b, i + 1);
        let start = i;
        let is_name = key.eq_ignore_ascii_case(EVENT_NAME);
        let wanted =
            key == BODY_KEY || keep.is_none_or(|keep| keep(name.as_deref(), key));
        let (value, next) = match b.get(i)? {
            b'"' => {
                let (end, plain) = string_end(b, i + 1)?;
                let value = if !wanted {
                    None
                } else if plain {
                    Some(body[i + 1..end].to_owned())
                } else {
                    Some(serde_json::from_str::<String>(&body[start..=end]).ok()?)
                };
                (value, end + 1)
            }
            b'[' => {
                let end = array_end(b, i)?;
                let value = if wanted {
                    let v: serde_json::Value = serde_json::from_str(&body[start..=end]).ok()?;
                    Some(v.to_string())
                } else {
                    None
                };
                (value, end + 1)
            }
            _ => return None,
        };
        if is_name {
            name = match (&value, b[start]) {
                (Some(v), b'"') => Some(v.clone()),
                (None, b'"') => Some(serde_json::from_str::<String>(&body[start..next]).ok()?),
                // An array names no event (serde_json's reader agrees).
                _ => None,
            };
        }
        if let Some(value) = value {
            if key == BODY_KEY {
                event.set_body(value);
            } else {
                event.set_header(key, value);
            }
        }
        i = skip_ws(b, next);
        match b.get(i)? {
            b',' => i = skip_ws(b, i + 1),
            b'}' => return (skip_ws(b, i + 1) == b.len()).then_some(event),
            _ => return None,
        }
    }
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while b
        .get(i)
        .is_some_and(|c| matches!(c, b' ' | b'\t' | b'\n' | b'\r'))
    {
        i += 1;
    }
    i
}

/// The index of the quote closing a string whose content starts at `i`,
/// and whether the content is plain (no escape, no raw control
/// character: the value is its bytes). An escaped quote does not close it.
fn string_end(b: &[u8], mut i: usize) -> Option<(usize, bool)> {
    let mut plain = true;
    loop {
        let at = next_special(b, i)?;
        match b[at] {
            b'"' => return Some((at, plain)),
            b'\\' => {
                plain = false;
                i = at + 2;
            }
            _ => {
                plain = false;
                i = at + 1;
            }
        }
    }
}

/// The index of the quote closing a plain string (a key) whose content
/// starts at `i`; `None` when it holds an escape or a raw control
/// character before that quote (serde_json reads such a key).
fn plain_string_end(b: &[u8], i: usize) -> Option<usize> {
    let at = next_special(b, i)?;
    (b[at] == b'"').then_some(at)
}

/// The index of the first byte at or after `i` that is a quote, a
/// backslash or a control character (below 0x20): what ends or changes a
/// JSON string. Nearly every key and skipped value of an event is scanned
/// here: sixteen bytes per step with SSE2 (part of every x86_64 CPU; a
/// third of the instructions of the eight-byte search it falls back to for
/// the last bytes and on other CPUs, dialbridge patch item 11).
#[cfg(target_arch = "x86_64")]
fn next_special(b: &[u8], mut i: usize) -> Option<usize> {
    use std::arch::x86_64::{
        _mm_cmpeq_epi8, _mm_loadu_si128, _mm_min_epu8, _mm_movemask_epi8, _mm_or_si128,
        _mm_set1_epi8,
    };
    // SAFETY: SSE2 is part of the x86_64 baseline (every x86_64 target
    // enables it), so its intrinsics may run; each load reads the 16 bytes
    // from `i`, which are within `b` (checked by the loop), unaligned.
    unsafe {
        let quote = _mm_set1_epi8(b'"' as i8);
        let backslash = _mm_set1_epi8(b'\\' as i8);
        let control = _mm_set1_epi8(0x1f);
        while i.checked_add(16).is_some_and(|end| end <= b.len()) {
            let x = _mm_loadu_si128(b.as_ptr().add(i).cast());
            // A byte is below 0x20 when the unsigned minimum of it and 0x1f
            // is itself.
            let found = _mm_or_si128(
                _mm_or_si128(_mm_cmpeq_epi8(x, quote), _mm_cmpeq_epi8(x, backslash)),
                _mm_cmpeq_epi8(_mm_min_epu8(x, control), x),
            );
            let mask = _mm_movemask_epi8(found) as u32;
            if mask != 0 {
                let at = i + mask.trailing_zeros() as usize;
                debug_assert!(is_special(b[at]));
                return Some(at);
            }
            i += 16;
        }
    }
    next_special_words(b, i)
}

/// The index of the first byte at or after `i` that is a quote, a
/// backslash or a control character: [`next_special_words`] on CPUs without
/// SSE2.
#[cfg(not(target_arch = "x86_64"))]
fn next_special(b: &[u8], i: usize) -> Option<usize> {
    next_special_words(b, i)
}

/// [`next_special`] eight bytes per step (the `haszero` and `hasless` bit
/// tricks of "Bit Twiddling Hacks"): the bytes after the last sixteen-byte
/// step, and every byte on CPUs without SSE2. Keys and skipped values are
/// 10–60 bytes, too short for memchr to pay for its set-up.
fn next_special_words(b: &[u8], mut i: usize) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    while let Some(word) = b.get(i..i + 8) {
        let x = u64::from_le_bytes(word.try_into().ok()?);
        let quote = x ^ (ONES * u64::from(b'"'));
        let backslash = x ^ (ONES * u64::from(b'\\'));
        // The high bit of each byte below 0x20, or equal to the quote or the
        // backslash; a borrow can also mark bytes above such a byte, never
        // below it, so the lowest bit marked is the first special byte.
        let found = (x.wrapping_sub(ONES * 0x20) & !x & HIGHS)
            | (quote.wrapping_sub(ONES) & !quote & HIGHS)
            | (backslash.wrapping_sub(ONES) & !backslash & HIGHS);
        if found != 0 {
            let at = i + (found.trailing_zeros() / 8) as usize;
            debug_assert!(is_special(b[at]));
            return Some(at);
        }
        i += 8;
    }
    b.get(i..)?
        .iter()
        .position(|c| is_special(*c))
        .map(|p| i + p)
}

fn is_special(c: u8) -> bool {
    c == b'"' || c == b'\\' || c < 0x20
}

/// The index of the bracket closing an array of strings opened at `i`
/// (`None` for anything nested or not a string inside).
fn array_end(b: &[u8], mut i: usize) -> Option<usize> {
    i = skip_ws(b, i + 1);
    if b.get(i) == Some(&b']') {
        return Some(i);
    }
    loop {
        if b.get(i) != Some(&b'"') {
            return None;
        }
        let (end, _) = string_end(b, i + 1)?;
        i = skip_ws(b, end + 1);
        match b.get(i)? {
            b',' => i = skip_ws(b, i + 1),
            b']' => return Some(i),
            _ => return None,
        }
    }
}

struct EventVisitor<'a> {
    event: &'a mut EslEvent,
    keep: Option<EventHeaderFilter>,
    /// The Event-Name read so far (see [`decode_json_event`]).
    name: Option<String>,
}

impl<'de> Visitor<'de> for EventVisitor<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object (an event)")
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<(), A::Error> {
        while let Some(Text(key)) = map.next_key::<Text<'de>>()? {
            if key == BODY_KEY {
                let value = map.next_value_seed(ValueText)?;
                self.event
                    .set_body(value);
            } else if key.eq_ignore_ascii_case(EVENT_NAME) {
                // Offered with the name before it, and read whether kept or
                // not: the headers after it are offered with it. A value
                // that is not a string names no event.
                let wanted = self
                    .keep
                    .is_none_or(|keep| keep(self.name.as_deref(), &key));
                let value = map.next_value::<serde_json::Value>()?;
                let value_is_string = value.is_string();
                let text = match value {
                    serde_json::Value::String(s) => s,
                    other => other.to_string(),
                };
                self.name = value_is_string.then(|| text.clone());
                if wanted {
                    self.event
                        .set_header(key.into_owned(), text);
                }
            } else if self
                .keep
                .is_none_or(|keep| keep(self.name.as_deref(), &key))
            {
                let value = map.next_value_seed(ValueText)?;
                self.event
                    .set_header(key.into_owned(), value);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

/// A string borrowed from the input when it holds no escape.
struct Text<'de>(Cow<'de, str>);

impl<'de> de::Deserialize<'de> for Text<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct TextVisitor;
        impl<'de> Visitor<'de> for TextVisitor {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Text(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(v)))
            }
        }
        d.deserialize_str(TextVisitor)
    }
}

/// A header's value: a string as it is, anything else as its JSON text.
struct ValueText;

impl<'de> DeserializeSeed<'de> for ValueText {
    type Value = String;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<String, D::Error> {
        let value = serde_json::Value::deserialize(d)?;
        Ok(match value {
            serde_json::Value::String(s) => s,
            other => other.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EVENT: &str = r#"{"Event-Name":"CHANNEL_EXECUTE_COMPLETE","Unique-ID":"u-1","variable_sip_term_status":"200","variable_other":"x","Event-Sequence":42,"esc\"aped":"a\nb","_body":"hello"}"#;

    /// FreeSWITCH's shape: string values, an `ARRAY::` variable as an array.
    const FS_EVENT: &str = r#"{"Event-Name":"CHANNEL_EXECUTE_COMPLETE","Unique-ID":"u-1","variable_originate_causes":["a;USER_BUSY","b;NORMAL_CLEARING"],"kept":"x y","variable_text":"a\"b","_body":"hello"}"#;

    #[test]
    fn every_header_is_kept_without_a_filter() {
        let e = decode_json_event(EVENT, None).unwrap();
        assert_eq!(e.header_str("Event-Name"), Some("CHANNEL_EXECUTE_COMPLETE"));
        assert_eq!(e.variable_str("other"), Some("x"));
        assert_eq!(e.header_str("Event-Sequence"), Some("42"));
        assert_eq!(e.header_str("esc\"aped"), Some("a\nb"));
        assert_eq!(e.body(), Some("hello"));
    }

    #[test]
    fn a_filter_drops_what_it_refuses_and_keeps_the_body() {
        fn keep(_: Option<&str>, k: &str) -> bool {
            k == "Event-Name" || k == "variable_sip_term_status"
        }
        let e = decode_json_event(EVENT, Some(keep)).unwrap();
        assert_eq!(e.header_str("Event-Name"), Some("CHANNEL_EXECUTE_COMPLETE"));
        assert_eq!(e.variable_str("sip_term_status"), Some("200"));
        assert_eq!(e.header_str("Unique-ID"), None);
        assert_eq!(e.variable_str("other"), None);
        assert_eq!(e.header_str("Event-Sequence"), None);
        assert_eq!(e.body(), Some("hello"));
    }

    /// The scanner and serde_json agree wherever the scanner answers, and
    /// the scanner answers for FreeSWITCH's own shapes.
    #[test]
    fn the_scanner_reads_what_serde_json_reads() {
        fn keep(_: Option<&str>, k: &str) -> bool {
            k.starts_with('k')
        }
        let bodies = [
            EVENT,
            FS_EVENT,
            r#"{}"#,
            r#" { "k1" : "v" , "x" : "y" } "#,
            r#"{"k1":"a"b","k2":"é
","x":"\","k3":"ünï"}"#,
            r#"{"k_causes":["a","b"c"],"x_causes":["d",  "e"],"k0":[],"_body":"b
ody"}"#,
            r#"{"k1":"tab	raw"}"#,
            // Found by the esl_events fuzz target: a raw control character
            // in a key.
            "{\"Event-N\u{1b}\0e\":\"CUSTOM\",\"k1\":\"v\"}",
            r#"{"k1":12,"k2":true}"#,
            r#"{"k1":{"a":"b"}}"#,
            r#"{"k1":"v"}"#,
            r#"{"k1":"v",}"#,
            r#"{"x":"a\\","k1":"b\\\\","k2":"c\\\"d","x2":"\\\\\"","k3":"e"}"#,
            r#"{"k1":"v"} trailing"#,
            r#"{"k1":"v""#,
            r#"{"k1":["a",["b"]]}"#,
        ];
        for body in bodies {
            for filter in [None, Some(keep as EventHeaderFilter)] {
                let serde = decode_json_event_with_serde(body, filter);
                match scan(body, filter) {
                    Some(scanned) => assert_eq!(Some(&scanned), serde.as_ref().ok(), "{body}"),
                    None => assert!(
                        !matches!(body, FS_EVENT | "{}"),
                        "the scanner should read {body}"
                    ),
                }
                assert_eq!(decode_json_event(body, filter).ok(), serde.ok(), "{body}");
            }
        }
        assert!(scan(FS_EVENT, Some(keep)).is_some());
        let escapes = r#"{"x":"a\\","k1":"b\\\\","k2":"c\\\"d","k3":"e"}"#;
        let scanned = scan(escapes, Some(keep)).unwrap();
        assert_eq!(scanned.header_str("k1"), Some("b\\\\"));
        assert_eq!(scanned.header_str("k2"), Some("c\\\"d"));
        assert_eq!(scanned.header_str("k3"), Some("e"));
        assert!(scan(r#"{"k_causes":["a","b"],"x":"y"}"#, Some(keep)).is_some());
    }

    /// Every position and kind of special byte, in words and in the tail,
    /// against a byte-by-byte search; bytes above 0x7f are not special.
    #[test]
    fn the_word_search_finds_the_first_special_byte() {
        for len in 0..40usize {
            for at in 0..=len {
                for special in [b'"', b'\\', 0x00, 0x1f, b'\n'] {
                    for filler in [b'a', 0xc3, 0x7f, 0x20, 0x80, 0xff, b'!', b'#', b'[', b']'] {
                        let mut b = vec![filler; len];
                        if at < len {
                            b[at] = special;
                            // A second special byte after the first.
                            if at + 3 < len {
                                b[at + 3] = b'"';
                            }
                        }
                        for start in 0..=len.min(9) {
                            let expected = b[start.min(b.len())..]
                                .iter()
                                .position(|c| is_special(*c))
                                .map(|p| start + p);
                            assert_eq!(next_special(&b, start), expected, "{b:?} from {start}");
                            assert_eq!(next_special_words(&b, start), expected, "{b:?} from {start}");
                        }
                    }
                }
            }
        }
        assert_eq!(next_special(b"abc", 4), None);
        assert_eq!(next_special(&[b'a'; 40], 41), None);
    }

    #[test]
    fn a_string_ends_at_its_first_unescaped_quote() {
        assert_eq!(string_end(br#"abc"x"#, 0), Some((3, true)));
        assert_eq!(string_end(br#"a\"bc"x"#, 0), Some((5, false)));
        assert_eq!(string_end(br#"a\\"bc"#, 0), Some((3, false)));
        assert_eq!(string_end(br#"a\\\"b"c"#, 0), Some((6, false)));
        assert_eq!(string_end(br#"a\"#, 0), None);
        assert_eq!(string_end(b"tab\there\"", 0), Some((8, false)));
        assert_eq!(string_end(br#"no end"#, 0), None);
        assert_eq!(plain_string_end(br#"key"x"#, 0), Some(3));
        assert_eq!(plain_string_end(br#"k\"ey"x"#, 0), None);
        assert_eq!(plain_string_end(b"k\x01ey\"", 0), None);
    }

    /// Each header is offered with the Event-Name read before it; the
    /// scanner and serde_json's reader agree on what that is.
    #[test]
    fn the_filter_is_offered_the_event_name_read_so_far() {
        fn on_hold_only(event: Option<&str>, k: &str) -> bool {
            match k {
                "variable_sip_full_from" => event.is_none_or(|e| e == "CHANNEL_HOLD"),
                _ => true,
            }
        }
        let filter = Some(on_hold_only as EventHeaderFilter);
        let hold = r#"{"Event-Name":"CHANNEL_HOLD","variable_sip_full_from":"<sip:a@b>"}"#;
        let other = r#"{"Event-Name":"CHANNEL_ANSWER","variable_sip_full_from":"<sip:a@b>"}"#;
        // Before the name is known, a header is offered with none: kept.
        let late = r#"{"variable_sip_full_from":"<sip:a@b>","Event-Name":"CHANNEL_ANSWER"}"#;
        // An escaped name is the name it decodes to.
        let escaped = r#"{"Event-Name":"CHANNEL_\u0048OLD","variable_sip_full_from":"x"}"#;
        // An array names no event.
        let array = r#"{"Event-Name":["CHANNEL_ANSWER"],"variable_sip_full_from":"x"}"#;
        for (body, kept) in [
            (hold, true),
            (other, false),
            (late, true),
            (escaped, true),
            (array, true),
        ] {
            for decoded in [
                decode_json_event(body, filter),
                decode_json_event_with_serde(body, filter),
            ] {
                let e = decoded.unwrap();
                assert_eq!(e.variable_str("sip_full_from").is_some(), kept, "{body}");
                assert!(e.header_str("Event-Name").is_some(), "{body}");
            }
        }
        assert!(scan(hold, filter).is_some() && scan(other, filter).is_some());
    }

    #[test]
    fn a_malformed_body_is_an_error_even_where_it_is_skipped() {
        fn keep(_: Option<&str>, _: &str) -> bool {
            false
        }
        assert!(decode_json_event(r#"{"a":"b""#, Some(keep)).is_err());
        assert!(decode_json_event(r#"{"a":[1,}"#, Some(keep)).is_err());
        assert!(decode_json_event(r#"{"a":"b"} x"#, None).is_err());
        assert!(decode_json_event(r#"["a"]"#, None).is_err());
    }
}

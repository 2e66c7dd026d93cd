//! What a stream sends, without I/O: the first text frame, DTMF text
//! frames, the cutting of the growing recording into whole 20 ms frames,
//! silence, and the reconnect schedule.

use std::time::Duration;

use serde_json::{Map, Value, json};

use crate::app::listen::Listen;

/// The first text frame: the call's fields in jambonz's camelCase (as its
/// `callInfo`), `sampleRate`, `mixType`, then the application's
/// `metadata` merged over them (as jambonz's `Object.assign`).
pub(crate) fn metadata_frame(listen: &Listen, fields: &Map<String, Value>) -> String {
    let mut out = Map::new();
    out.insert("sampleRate".into(), json!(listen.sample_rate));
    out.insert("mixType".into(), json!(listen.mix_type.as_str()));
    for (k, v) in fields {
        out.insert(camel(k), v.clone());
    }
    if let Some(Value::Object(m)) = &listen.metadata {
        for (k, v) in m {
            out.insert(k.clone(), v.clone());
        }
    }
    Value::Object(out).to_string()
}

/// A DTMF text frame (jambonz's `{event: "dtmf", dtmf, duration}`).
pub(crate) fn dtmf_frame(digit: &str, duration: Option<&str>) -> String {
    json!({"event": "dtmf", "dtmf": digit, "duration": duration}).to_string()
}

/// `call_sid` -> `callSid`.
fn camel(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    let mut up = false;
    for c in key.chars() {
        if c == '_' {
            up = true;
        } else if up {
            out.extend(c.to_uppercase());
            up = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// Cuts bytes read from the growing recording into whole frames: a read
/// may end mid-sample or mid-frame, and the rest waits for the next read.
#[derive(Debug)]
pub(crate) struct Framer {
    size: usize,
    pending: Vec<u8>,
}

impl Framer {
    /// Frames of `size` bytes.
    pub(crate) fn new(size: usize) -> Self {
        Self {
            size: size.max(2),
            pending: Vec::new(),
        }
    }

    /// Adds `bytes`; returns the whole frames now available.
    pub(crate) fn push(&mut self, bytes: &[u8]) -> Vec<Vec<u8>> {
        self.pending.extend_from_slice(bytes);
        let whole = self.pending.len() / self.size * self.size;
        let rest = self.pending.split_off(whole);
        let done = std::mem::replace(&mut self.pending, rest);
        done.chunks(self.size).map(<[u8]>::to_vec).collect()
    }

    /// Drops what is pending (audio lost while the websocket was down).
    pub(crate) fn clear(&mut self) {
        self.pending.clear();
    }
}

/// Below this peak a frame counts as silence (about -44 dBFS).
pub(crate) const SILENCE_PEAK: i16 = 200;

/// True when every 16-bit sample of `frame` is below [`SILENCE_PEAK`].
pub(crate) fn silent(frame: &[u8]) -> bool {
    frame
        .chunks_exact(2)
        .all(|p| i16::from_le_bytes([p[0], p[1]]).unsigned_abs() < SILENCE_PEAK as u16)
}

/// Reconnect attempts after the websocket drops mid-stream.
pub(crate) const RECONNECTS: u32 = 5;

/// Wait before reconnect attempt `n` (0-based): 250 ms doubling, at most
/// 4 s (250 ms + 0.5 + 1 + 2 + 4 = 7.75 s over the 5 attempts).
pub(crate) fn backoff(n: u32) -> Duration {
    Duration::from_millis(250u64 << n.min(4)).min(Duration::from_secs(4))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::listen::MixType;

    fn listen(mix: MixType, rate: u32, metadata: Option<Value>) -> Listen {
        Listen {
            url: "ws://h".into(),
            action_hook: None,
            mix_type: mix,
            sample_rate: rate,
            metadata,
            pass_dtmf: false,
            timeout_secs: None,
            max_length_secs: None,
            finish_on_key: None,
            ws_auth: None,
            transcribe: None,
        }
    }

    #[test]
    fn the_first_frame_carries_the_call_in_camel_case_and_the_metadata_over_it() {
        let mut fields = Map::new();
        fields.insert("call_sid".into(), json!("abc"));
        fields.insert("from".into(), json!("+1555"));
        let l = listen(
            MixType::Stereo,
            16000,
            Some(json!({"tenant": "t1", "from": "x"})),
        );
        let v: Value = serde_json::from_str(&metadata_frame(&l, &fields)).unwrap();
        assert_eq!(
            v,
            json!({"sampleRate": 16000, "mixType": "stereo", "callSid": "abc", "from": "x",
                   "tenant": "t1"})
        );
    }

    #[test]
    fn frames_are_whole_whatever_the_reads() {
        let mut f = Framer::new(4);
        assert!(f.push(&[1, 2, 3]).is_empty());
        assert_eq!(
            f.push(&[4, 5, 6, 7, 8, 9]),
            vec![vec![1, 2, 3, 4], vec![5, 6, 7, 8]]
        );
        f.clear();
        assert_eq!(f.push(&[1, 2, 3, 4]), vec![vec![1, 2, 3, 4]]);
    }

    #[test]
    fn frame_sizes_follow_rate_and_channels() {
        assert_eq!(listen(MixType::Mono, 8000, None).frame_bytes(), 320);
        assert_eq!(listen(MixType::Mixed, 16000, None).frame_bytes(), 640);
        assert_eq!(listen(MixType::Stereo, 8000, None).frame_bytes(), 640);
        assert_eq!(listen(MixType::Stereo, 16000, None).frame_bytes(), 1280);
    }

    #[test]
    fn silence_and_backoff() {
        assert!(silent(&[0, 0, 100, 0, 0x9c, 0xff]));
        assert!(!silent(&[0, 0, 0x10, 0x27]));
        assert_eq!(backoff(0), Duration::from_millis(250));
        assert_eq!(backoff(3), Duration::from_secs(2));
        assert_eq!(backoff(9), Duration::from_secs(4));
        assert_eq!(
            dtmf_frame("5", Some("2000")),
            r#"{"event":"dtmf","dtmf":"5","duration":"2000"}"#
        );
    }
}

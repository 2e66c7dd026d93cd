//! What a recording's WAV header says: FreeSWITCH writes PCM WAV with the
//! canonical 44-byte header, whose data size is 0 until the recording stops
//! (docs/freeswitch.md §16: 44 bytes after the bridge ended, complete at
//! RECORD_STOP). Pure.

/// Length of the canonical header.
pub(crate) const HEADER: usize = 44;

fn u32_at(h: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(h.get(at..at + 4)?.try_into().ok()?))
}

/// Milliseconds of audio a complete file's header announces; `None` for
/// a header that is not a WAV one or whose recording has not stopped.
pub(crate) fn millis(h: &[u8]) -> Option<u64> {
    if h.get(0..4)? != b"RIFF" || h.get(8..12)? != b"WAVE" || h.get(36..40)? != b"data" {
        return None;
    }
    let byte_rate = u64::from(u32_at(h, 28)?);
    let data = u64::from(u32_at(h, 40)?);
    if byte_rate == 0 || data == 0 {
        return None;
    }
    Some(data * 1000 / byte_rate)
}

/// `RecordingDuration`: whole seconds, rounded up, so audio shorter than a
/// second is never reported as none (FreeSWITCH's own `record_seconds`
/// rounds down).
pub(crate) fn seconds(ms: u64) -> u64 {
    ms.div_ceil(1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(data: u32, channels: u16) -> Vec<u8> {
        let mut h = Vec::new();
        h.extend_from_slice(b"RIFF");
        h.extend_from_slice(&(36 + data).to_le_bytes());
        h.extend_from_slice(b"WAVEfmt ");
        h.extend_from_slice(&16u32.to_le_bytes());
        h.extend_from_slice(&1u16.to_le_bytes());
        h.extend_from_slice(&channels.to_le_bytes());
        h.extend_from_slice(&8000u32.to_le_bytes());
        h.extend_from_slice(&(16_000 * u32::from(channels)).to_le_bytes());
        h.extend_from_slice(&(2 * channels).to_le_bytes());
        h.extend_from_slice(&16u16.to_le_bytes());
        h.extend_from_slice(b"data");
        h.extend_from_slice(&data.to_le_bytes());
        h
    }

    #[test]
    fn the_captured_files_last_what_freeswitch_said() {
        // 16a: 41,004 bytes mono = record_ms 2560; 16b: 81,964 stereo.
        assert_eq!(millis(&header(41_004 - 44, 1)), Some(2560));
        assert_eq!(millis(&header(81_964 - 44, 2)), Some(2560));
        assert_eq!(seconds(2560), 3);
        assert_eq!(seconds(1), 1);
        assert_eq!(seconds(0), 0);
    }

    #[test]
    fn an_unfinished_or_foreign_header_says_nothing() {
        assert_eq!(millis(&header(0, 1)), None);
        let mut h = header(16_000, 1);
        h[0] = b'X';
        assert_eq!(millis(&h), None);
        assert_eq!(millis(&h[..20]), None);
    }
}

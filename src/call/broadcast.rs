//! What `uuid_broadcast` plays to one leg of a bridged call while the
//! bridge goes on (docs/freeswitch.md §22), as the dial's `onHoldHook` and
//! updateCall's `whisper` send it: one way to write the command and a
//! spoken text, so both escape text the same way.

/// `uuid_broadcast <uuid> <path> aleg`: `path` plays to the channel `uuid`
/// itself, not to the party bridged to it.
pub(crate) fn to_leg(uuid: &str, path: &str) -> String {
    format!("uuid_broadcast {uuid} {path} aleg")
}

/// A text spoken through `[tts]` as a broadcast path: `speak::<engine>|
/// <voice>|<text>`, single-quoted so that FreeSWITCH's argument splitter
/// keeps the text's spaces; the text passes through the one function that
/// makes text safe for that splitter (it then holds no quote).
pub(crate) fn speech(engine: &str, voice: &str, text: &str) -> String {
    let text = super::verbs::tts_text(text);
    format!("'speak::{engine}|{voice}|{text}'")
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_spoken_text_is_one_quoted_argument() {
        assert_eq!(
            super::speech("flite", "kal", "it's 'ok'"),
            "'speak::flite|kal|it\u{2019}s \u{2019}ok\u{2019}'"
        );
        assert_eq!(super::to_leg("A", "/x.wav"), "uuid_broadcast A /x.wav aleg");
    }
}

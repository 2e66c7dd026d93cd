//! The `dial` properties of jambonz that dialbridge accepts so that
//! applications written for jambonz run unchanged, but that have no effect
//! here: each is checked for shape and gets a notice.

use super::read::Fields;

/// jambonz properties dialbridge accepts so applications written for jambonz
/// run unchanged, but that have no effect here; each gets a notice.
pub fn accepted_without_effect(f: &mut Fields<'_, '_>) {
    if let Some(b) = f.bool("anchorMedia")
        && b
    {
        f.notice(
            "anchorMedia",
            "FreeSWITCH always anchors media unless exitMediaPath is set; nothing to do",
        );
    }
    if let Some(v) = f.value("boostAudioSignal") {
        if v.is_string() || v.is_number() {
            f.notice(
                "boostAudioSignal",
                "not supported by dialbridge yet; the audio level is left unchanged",
            );
        } else {
            f.problem(
                "boostAudioSignal",
                "must be a number of dB or a string like \"-6 dB\"",
            );
        }
    }
    for key in ["dub", "listen", "transcribe"] {
        f.ignored_object(
            key,
            "nested verb not supported by dialbridge yet; ignored (the dial runs without it)",
        );
    }
}

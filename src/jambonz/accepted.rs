//! Properties dialbridge accepts so jambonz applications run unchanged but
//! that have no effect: each is still checked for its shape (jambonz's type)
//! and gets a notice saying why it does nothing. True when it was present
//! and well formed.

use super::fields::Fields;
use super::hook::read_hook;

/// A boolean property without effect.
pub(crate) fn bool_without_effect(f: &mut Fields<'_, '_>, key: &'static str, why: &str) -> bool {
    let present = f.bool(key).is_some();
    if present {
        f.notice(key, why);
    }
    present
}

/// An object property without effect.
pub(crate) fn object_without_effect(f: &mut Fields<'_, '_>, key: &'static str, why: &str) -> bool {
    let present = f.value(key).is_some_and(|v| v.is_object());
    f.ignored_object(key, why);
    present
}

/// A hook property without effect (the hook is still validated).
pub(crate) fn hook_without_effect(f: &mut Fields<'_, '_>, key: &'static str, why: &str) -> bool {
    let Some(v) = f.value(key) else {
        return false;
    };
    let at = f.at_key(key);
    let ok = read_hook(v, &at, f.problems()).is_some();
    if ok {
        f.notice(key, why);
    }
    ok
}

//! Reading jambonz's `pause` verb.

use super::fields::Fields;
use crate::app::pause::Pause;

/// Reads `pause`'s properties; `length` is required (1 to 3600 seconds).
pub(crate) fn read_pause(f: &mut Fields<'_, '_>) -> Option<Pause> {
    if !f.has("length") {
        let at = f.at().clone();
        f.problems()
            .add(&at, "`length` is required: the pause in seconds");
        return None;
    }
    let length = f.integer("length", 1, 3600, "seconds")?;
    Some(Pause {
        length: length as u32,
    })
}

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
    let v = f.value("length")?;
    let Some(secs) = v.as_f64().filter(|l| *l > 0.0 && *l <= 3600.0) else {
        f.problem(
            "length",
            format!(
                "must be a number of seconds greater than 0 and at most 3600, not {}",
                match v {
                    serde_json::Value::Number(n) => n.to_string(),
                    other => super::fields::kind(other).to_owned(),
                }
            ),
        );
        return None;
    };
    let ms = (secs * 1000.0).round() as u32;
    Some(Pause {
        length: ms.div_ceil(1000),
        length_ms: (!ms.is_multiple_of(1000)).then_some(ms),
    })
}

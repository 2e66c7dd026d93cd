//! Reading jambonz's `alert` verb.

use super::fields::Fields;
use crate::app::alert::Alert;
use crate::app::rules;

/// Reads `alert`'s properties.
pub(crate) fn read_alert(f: &mut Fields<'_, '_>) -> Option<Alert> {
    let message = f.required_str(
        "message",
        "the Alert-Info value, e.g. \"info=alert-internal\"",
    )?;
    match rules::header_value("Alert-Info", message) {
        Ok(()) => Some(Alert {
            message: message.to_owned(),
        }),
        Err(e) => {
            f.problem("message", e);
            None
        }
    }
}

//! `redirect`: fetch a new application from another webhook, replacing the
//! rest of the current one.

use serde::Serialize;

use super::hook::{Hook, read_hook};
use crate::jambonz::fields::Fields;

/// A validated `redirect`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Redirect {
    /// Where the new application comes from.
    pub action_hook: Hook,
}

/// Reads `redirect`'s properties.
pub fn read_redirect(f: &mut Fields<'_, '_>) -> Option<Redirect> {
    let Some(v) = f.value("actionHook") else {
        let at = f.at().clone();
        f.problems().add(
            &at,
            "`actionHook` is required: where to fetch the next application",
        );
        return None;
    };
    let at = f.at_key("actionHook");
    let action_hook = read_hook(v, &at, f.problems())?;
    Some(Redirect { action_hook })
}

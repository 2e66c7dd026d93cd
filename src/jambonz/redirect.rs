//! Reading jambonz's `redirect` verb.

use super::fields::Fields;
use super::hook::read_hook;
use crate::app::redirect::Redirect;

/// Reads `redirect`'s properties.
pub(crate) fn read_redirect(f: &mut Fields<'_, '_>) -> Option<Redirect> {
    let Some(v) = f.value("actionHook") else {
        let at = f.at().clone();
        f.problems().add(
            &at,
            "`actionHook` is required: where to fetch the next application",
        );
        return None;
    };
    let at = f.at_key("actionHook");
    let action_hook = read_hook(v, &at, f.problems());
    super::accepted::hook_without_effect(
        f,
        "statusHook",
        "call status goes to [app] call_status_hook, which an application cannot change; ignored",
    );
    let action_hook = action_hook?;
    Some(Redirect { action_hook })
}

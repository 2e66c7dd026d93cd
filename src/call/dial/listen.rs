//! A dial's `listen` (or `stream`): from the bridge to the end of the dial,
//! the caller's channel is streamed (`stereo`: the caller left, the callee
//! right, as the caller hears it). The stream never touches the bridge; it
//! stops when the dial ends. A nested `actionHook` is not posted (the
//! reader says so): the dial's own actionHook reports the end.

use crate::app::Dial;
use crate::call::Call;
use crate::call::listen::Stream;
use crate::call::listen::frames::metadata_frame;

/// Starts the dial's stream, if it has one.
pub(super) fn start(call: &Call, dial: &Dial) -> Option<Stream> {
    let l = dial.listen.as_deref()?;
    let first = metadata_frame(l, &call.fields());
    Some(Stream::start(
        call.socket.commander(),
        call.socket.uuid(),
        l,
        first,
        &call.settings.amd,
        &call.engine.tasks,
    ))
}

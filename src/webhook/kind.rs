//! What each request to the application is for: the label of its logs
//! and metrics.

/// What a request is for, in logs and metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HookKind {
    /// `call_hook`: what to do with a new call.
    Call,
    /// `call_status_hook`.
    Status,
    /// A verb's `actionHook` (dial, gather).
    Action,
    /// `redirect`.
    Redirect,
    /// A dial's `confirmHook`.
    Confirm,
    /// A dial's `dtmfHook`.
    Dtmf,
    /// A dial's `amd` hook.
    Amd,
    /// A `referHook`: a dial's (the callee's REFER) or a `config`'s (the
    /// caller's).
    Refer,
    /// A dial's `onHoldHook`.
    Hold,
    /// An `enqueue`'s `waitHook`.
    Wait,
    /// A `transcribe`'s `transcriptionHook`.
    Transcription,
    /// `error_hook`.
    Error,
}

impl HookKind {
    /// Label for logs and metrics.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            HookKind::Call => "call",
            HookKind::Status => "status",
            HookKind::Action => "action",
            HookKind::Redirect => "redirect",
            HookKind::Confirm => "confirm",
            HookKind::Dtmf => "dtmf",
            HookKind::Amd => "amd",
            HookKind::Refer => "refer",
            HookKind::Hold => "hold",
            HookKind::Wait => "wait",
            HookKind::Transcription => "transcription",
            HookKind::Error => "error",
        }
    }
}

//! A recording's URL: `<public_base_url>/recordings/<RecordingSid>.wav
//! ?Expires=<unix seconds>&Signature=<hex HMAC-SHA256>` over
//! `<RecordingSid>\n<Expires>` with `[recordings] url_secret`. Unguessable
//! without the secret, valid until the recording's retention ends, checked
//! in constant time. Pure: no clock, no files.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// The path prefix recordings are served under.
pub(crate) const PREFIX: &str = "/recordings/";

/// A new RecordingSid: `RE` and 32 hex digits (Twilio's shape), from a
/// random UUID.
pub(crate) fn new_sid() -> String {
    format!("RE{}", uuid::Uuid::new_v4().simple())
}

/// True for a RecordingSid dialbridge makes (nothing else names a file).
pub(crate) fn is_sid(s: &str) -> bool {
    s.len() == 34
        && s.starts_with("RE")
        && s[2..]
            .chars()
            .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
}

/// The file name of recording `sid`.
pub(crate) fn file_name(sid: &str) -> String {
    format!("{sid}.wav")
}

fn mac(secret: &str, sid: &str, expires: u64) -> Option<Hmac<Sha256>> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).ok()?;
    mac.update(format!("{sid}\n{expires}").as_bytes());
    Some(mac)
}

/// The hex signature of `sid` valid until `expires`.
pub(crate) fn signature(secret: &str, sid: &str, expires: u64) -> String {
    match mac(secret, sid, expires) {
        Some(m) => m
            .finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect(),
        // HMAC takes keys of any length: not reached.
        None => String::new(),
    }
}

/// The URL of recording `sid` under `base`, valid until `expires`.
pub(crate) fn signed_url(base: &str, secret: &str, sid: &str, expires: u64) -> String {
    format!(
        "{}{PREFIX}{}?Expires={expires}&Signature={}",
        base.trim_end_matches('/'),
        file_name(sid),
        signature(secret, sid, expires)
    )
}

/// Why a recording URL is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(crate) enum Refused {
    /// Not signed by this installation (tampered, another key, malformed).
    #[error("the recording URL's signature is not valid")]
    BadSignature,
    /// Signed, but past its expiry: the recording's retention is over.
    #[error("the recording URL has expired")]
    Expired,
}

/// Checks a request for `sid` with query values `expires` and `signature`
/// at `now` (unix seconds). The signature is compared in constant time.
pub(crate) fn verify(
    secret: &str,
    sid: &str,
    expires: Option<&str>,
    signature: Option<&str>,
    now: u64,
) -> Result<(), Refused> {
    let expires: u64 = expires
        .and_then(|e| e.parse().ok())
        .ok_or(Refused::BadSignature)?;
    let given = signature.and_then(from_hex).ok_or(Refused::BadSignature)?;
    let mac = mac(secret, sid, expires).ok_or(Refused::BadSignature)?;
    mac.verify_slice(&given)
        .map_err(|_| Refused::BadSignature)?;
    if now >= expires {
        return Err(Refused::Expired);
    }
    Ok(())
}

fn from_hex(s: &str) -> Option<Vec<u8>> {
    if s.len() != 64 || !s.is_ascii() {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "0123456789abcdef";

    #[test]
    fn matches_an_independent_hmac_computation() {
        // python3 -c 'import hmac,hashlib;print(hmac.new(b"0123456789abcdef",
        //   b"RE00000000000000000000000000000000\n1700000000",hashlib.sha256).hexdigest())'
        let sid = "RE00000000000000000000000000000000";
        assert_eq!(
            signature(KEY, sid, 1_700_000_000),
            "4dd71292ff718f2bb827a30d652cfdd1ded146fc7695d9510e39fe630f0b491c"
        );
    }

    #[test]
    fn a_signed_url_verifies_until_it_expires_and_not_after_tampering() {
        let sid = new_sid();
        assert!(is_sid(&sid));
        let url = signed_url("https://pbx.example.com/", KEY, &sid, 2000);
        assert!(url.starts_with(&format!("https://pbx.example.com/recordings/{sid}.wav?")));
        let sig = signature(KEY, &sid, 2000);
        assert_eq!(verify(KEY, &sid, Some("2000"), Some(&sig), 1999), Ok(()));
        assert_eq!(
            verify(KEY, &sid, Some("2000"), Some(&sig), 2000),
            Err(Refused::Expired)
        );
        // A later expiry with the old signature, another recording, another key.
        assert_eq!(
            verify(KEY, &sid, Some("3000"), Some(&sig), 1999),
            Err(Refused::BadSignature)
        );
        let other = new_sid();
        assert_eq!(
            verify(KEY, &other, Some("2000"), Some(&sig), 1999),
            Err(Refused::BadSignature)
        );
        assert_eq!(
            verify("another key 0123", &sid, Some("2000"), Some(&sig), 1999),
            Err(Refused::BadSignature)
        );
        assert_eq!(
            verify(KEY, &sid, None, Some(&sig), 1),
            Err(Refused::BadSignature)
        );
        assert_eq!(
            verify(KEY, &sid, Some("2000"), Some("zz"), 1),
            Err(Refused::BadSignature)
        );
    }

    #[test]
    fn only_dialbridges_sids_name_files() {
        assert!(is_sid("RE0123456789abcdef0123456789abcdef"));
        assert!(!is_sid("RE0123456789abcdef0123456789abcdeF"));
        assert!(!is_sid("../../etc/passwd"));
        assert!(!is_sid("RE0123456789abcdef0123456789abcde"));
    }
}

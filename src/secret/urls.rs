//! URLs as people may see them: a URL's password masked for logs, errors,
//! printed configuration, explanations and problems. Webhook and audio URLs
//! may carry credentials (`https://user:pass@host`).

use std::borrow::Cow;

use url::Url;

use super::MASK;

/// A URL with any password masked and its fragment removed, for logs and
/// errors.
pub(crate) fn shown(url: &Url) -> String {
    let mut u = url.clone();
    mask_password(&mut u);
    u.set_fragment(None);
    u.to_string()
}

/// `text` with the password of the URL it holds masked (`https://user:pw@h`
/// -> `https://user:********@h`), fragment kept, for printed configuration,
/// explanations and problems. Also masks a scheme-relative `//user:pw@h`.
/// Text that holds no password comes back as it is.
pub(crate) fn masked(text: &str) -> Cow<'_, str> {
    if let Ok(mut u) = Url::parse(text)
        && mask_password(&mut u)
    {
        return Cow::Owned(u.to_string());
    }
    if let Some(rest) = text.strip_prefix("//")
        && let Ok(mut u) = Url::parse(&format!("http://{rest}"))
        && mask_password(&mut u)
    {
        let shown = u.to_string();
        return Cow::Owned(format!("//{}", shown.trim_start_matches("http://")));
    }
    Cow::Borrowed(text)
}

/// Masks `url`'s password; true when it had one.
fn mask_password(url: &mut Url) -> bool {
    url.password().is_some() && url.set_password(Some(MASK)).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_lose_their_password_in_logs() {
        let u = Url::parse("https://user:pw@app.example/x#rc=2").unwrap();
        assert_eq!(shown(&u), format!("https://user:{MASK}@app.example/x"));
    }

    #[test]
    fn masked_text_hides_passwords_and_keeps_the_rest() {
        assert_eq!(
            masked("https://user:pw@app.example/call#rc=2"),
            format!("https://user:{MASK}@app.example/call#rc=2")
        );
        assert_eq!(
            masked("//user:pw@evil.example/x"),
            format!("//user:{MASK}@evil.example/x")
        );
        for plain in ["https://user@app.example/x", "/action", "not a url", ""] {
            assert_eq!(masked(plain), plain);
        }
    }
}

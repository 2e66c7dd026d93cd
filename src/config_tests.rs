use super::*;

fn load(toml: &str, env: &[(&str, &str)]) -> Result<Settings, ConfigError> {
    let dir = std::env::temp_dir().join(format!("dialbridge-config-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("dialbridge.toml");
    std::fs::write(&path, toml).expect("write config");
    let env = env.iter().map(|(k, v)| (k.to_string(), v.to_string()));
    let result = Settings::load_with_env(Some(&path), env).map(|(s, _)| s);
    let _ = std::fs::remove_dir_all(&dir);
    result
}

fn problems(err: ConfigError) -> Vec<SettingProblem> {
    match err {
        ConfigError::Invalid { problems, .. } => problems,
        other => panic!("expected invalid settings, got {other}"),
    }
}

#[test]
fn an_empty_file_gives_the_documented_defaults() {
    let s = load("", &[]).expect("defaults are valid");
    assert_eq!(s.freeswitch.port, 8021);
    assert_eq!(s.listener.address, "127.0.0.1:8084");
    assert_eq!(s.http.address, "127.0.0.1:8085");
    assert_eq!(s.app.webhook_timeout_ms, 10_000);
    assert_eq!(s.app.webhook_retries, 1);
    assert_eq!(s.app.reject_status, 503);
    assert_eq!(s.sip.profile, "external");
    assert_eq!(s.registrar.proxy, "sip:127.0.0.1:5070");
    assert!(s.uses_default_esl_password());
}

#[test]
fn environment_overrides_the_file() {
    let s = load(
        "[app]\ncall_hook = \"http://a.example/call\"\n[carriers.Acme]\ngateway = \"acme\"\n",
        &[
            ("DIALBRIDGE__APP__CALL_HOOK", "http://b.example/call"),
            ("DIALBRIDGE__FREESWITCH__PORT", "8022"),
            ("DIALBRIDGE__CARRIERS__ACME__DEFAULT", "true"),
        ],
    )
    .expect("valid");
    assert_eq!(s.app.call_hook().url, "http://b.example/call");
    assert_eq!(s.freeswitch.port, 8022);
    assert!(
        s.carrier(None).is_some(),
        "the env var made a carrier default"
    );
}

#[test]
fn a_problem_set_by_the_environment_names_the_variable() {
    let p =
        problems(load("", &[("DIALBRIDGE__APP__CALL_HOOK", "/relative")]).expect_err("invalid"));
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].key, "app.call_hook");
    assert!(p[0].message.contains("absolute"), "{}", p[0].message);
    assert!(
        p[0].message.contains("DIALBRIDGE__APP__CALL_HOOK"),
        "{}",
        p[0].message
    );
}

#[test]
fn hook_tables_and_secrets() {
    let s = load(
        "[app]\ncall_hook = { url = \"https://app.example/call\", method = \"GET\", \
         username = \"u\", password = \"hook-pass\" }\nwebhook_secret = \"sign-key\"\n\
         [freeswitch]\npassword = \"esl-pass\"\n",
        &[],
    )
    .expect("valid");
    let hook = s.app.call_hook();
    assert_eq!(hook.method, crate::app::Method::Get);
    assert_eq!(
        hook.password.as_ref().map(|p| p.expose()),
        Some("hook-pass")
    );
    let printed = s.to_masked_toml();
    for secret in ["hook-pass", "sign-key", "esl-pass"] {
        assert!(!printed.contains(secret), "{secret} printed:\n{printed}");
    }
    assert!(printed.contains("https://app.example/call"), "{printed}");
    assert!(!s.uses_default_esl_password());
}

#[test]
fn every_invalid_setting_is_named() {
    let p = problems(
        load(
            "[listener]\naddress = \"nowhere\"\nmax_calls = 0\n\
             [app]\nwebhook_timeout_ms = 5\nreject_status = 200\n\
             [sip]\nprofile = \"gateway\"\n\
             [carriers.a]\ngateway = \"x\"\nproxy = \"sip:1.2.3.4\"\ndefault = true\n\
             [carriers.b]\ndefault = true\n\
             [teams]\ndomain = \"bad domain\"\n\
             [log]\nformat = \"xml\"\n",
            &[],
        )
        .expect_err("invalid"),
    );
    let keys: Vec<&str> = p.iter().map(|p| p.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "listener.address",
            "listener.max_calls",
            "app.webhook_timeout_ms",
            "app.reject_status",
            "sip.profile",
            "carriers",
            "carriers.a",
            "carriers.b",
            "teams.domain",
            "log.format",
        ]
    );
}

#[test]
fn unknown_keys_and_wrong_types_are_parse_errors_naming_the_key() {
    let e = load("[app]\ncall_hok = \"http://x/\"\n", &[]).expect_err("unknown key");
    assert!(matches!(e, ConfigError::Parse { .. }), "{e}");
    assert!(e.to_string().contains("call_hok"), "{e}");
    let e = load("[app]\nwebhook_retries = \"many\"\n", &[]).expect_err("wrong type");
    assert!(e.to_string().contains("webhook_retries"), "{e}");
}

#[test]
fn a_missing_explicit_file_is_an_error() {
    let e = Settings::load_with_env(
        Some(Path::new("/nonexistent/dialbridge.toml")),
        std::iter::empty(),
    )
    .expect_err("missing");
    assert!(
        e.to_string().contains("/nonexistent/dialbridge.toml"),
        "{e}"
    );
}

#[test]
fn trunk_lookup_ignores_case_and_finds_the_default() {
    let s = load(
        "[carriers.Twilio]\ngateway = \"tw\"\ndefault = true\n[carriers.SBC]\nproxy = \"sip:203.0.113.5\"\n",
        &[],
    )
    .expect("valid");
    assert_eq!(s.carrier(Some("sbc")).map(|(n, _)| n), Some("SBC"));
    assert_eq!(s.carrier(None).map(|(n, _)| n), Some("Twilio"));
    assert!(s.carrier(Some("nope")).is_none());
    let ctx = s.app_context();
    assert!(ctx.has_default_carrier);
    assert!(ctx.has_carrier("twilio"));
}

#[test]
fn dtmf_hook_bounds_and_play_directories_are_checked() {
    let s = load("", &[]).expect("defaults are valid");
    assert_eq!(
        (
            s.dtmf.hook_rate_per_sec,
            s.dtmf.hook_burst,
            s.dtmf.hook_max_in_flight
        ),
        (5, 10, 4)
    );
    assert!(s.media.allow_paths.is_empty());
    let p = problems(
        load(
            "[dtmf]\nhook_rate_per_sec = 0\nhook_max_in_flight = 1000\n\
             [media]\nallow_paths = [\"sounds\", \"/srv/../etc\", \"/srv/ok/\"]\n",
            &[],
        )
        .expect_err("invalid"),
    );
    let mut keys: Vec<&str> = p.iter().map(|p| p.key.as_str()).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "dtmf.hook_max_in_flight",
            "dtmf.hook_rate_per_sec",
            "media.allow_paths",
            "media.allow_paths"
        ],
        "{p:?}"
    );
}

#[test]
fn play_directories_come_from_the_file_or_a_comma_separated_variable() {
    let s = load(
        "[media]\ncache_dir = \"/var/cache/x/\"\n",
        &[("DIALBRIDGE__MEDIA__ALLOW_PATHS", "/srv/a/,/srv/b")],
    )
    .expect("valid");
    assert_eq!(s.media.allow_paths, ["/srv/a/", "/srv/b"]);
    assert_eq!(
        s.app_context().media_dirs,
        ["/var/cache/x", "/srv/a", "/srv/b"],
        "cache_dir first, trailing slashes dropped"
    );
}

#[test]
fn who_may_connect_and_connection_limits_default_to_loopback_and_bounds() {
    let s = load("", &[]).expect("defaults are valid");
    assert_eq!(s.listener.allow, ["127.0.0.0/8", "::1/128"]);
    assert_eq!(s.listener.max_pending_connects, 1000);
    assert_eq!(s.listener.connect_timeout_ms, 5000);
    assert_eq!(s.http.header_read_timeout_ms, 5000);
    assert_eq!(s.http.idle_timeout_secs, 60);
    assert_eq!(s.http.max_connections, 64);
    let s = load(
        "",
        &[("DIALBRIDGE__LISTENER__ALLOW", "10.0.0.0/8, 192.0.2.7")],
    )
    .expect("an environment variable gives the list comma-separated");
    assert_eq!(s.listener.allow, ["10.0.0.0/8", "192.0.2.7"]);
}

#[test]
fn bad_allow_blocks_and_limits_are_named_with_their_key() {
    let p = problems(
        load(
            "[listener]\nallow = [\"10.0.0.0/8\", \"10.0.0.0/33\", \"10.1.2.3/8\"]\n\
             max_pending_connects = 0\nconnect_timeout_ms = 10\n\
             [http]\nheader_read_timeout_ms = 0\nidle_timeout_secs = 0\nmax_connections = 0\n",
            &[],
        )
        .expect_err("invalid"),
    );
    let keys: Vec<&str> = p.iter().map(|p| p.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "listener.allow",
            "listener.allow",
            "listener.max_pending_connects",
            "listener.connect_timeout_ms",
            "http.header_read_timeout_ms",
            "http.idle_timeout_secs",
            "http.max_connections",
        ]
    );
    assert!(p[0].message.contains("`10.0.0.0/33`"), "{}", p[0].message);
    assert!(
        p[1].message.contains("did you mean 10.0.0.0/8?"),
        "{}",
        p[1].message
    );
    let p = problems(load("[listener]\nallow = []\n", &[]).expect_err("empty"));
    assert_eq!(p[0].key, "listener.allow");
    assert!(
        p[0].message.contains("refuses every call connection"),
        "{}",
        p[0].message
    );
    let e = load("[http]\nheader_timeout_ms = 5\n", &[]).expect_err("unknown key");
    assert!(e.to_string().contains("header_timeout_ms"), "{e}");
}

#[test]
fn a_hook_declares_its_applications_format() {
    let s = load(
        "[app]\ncall_hook = { url = \"https://app.example/rcml\", method = \"GET\", \
         format = \"rcml\" }\ncall_status_hook = { url = \"https://app.example/status\", \
         format = \"rcml\" }\n[registrar]\ndomain = \"sip.example.com\"\n",
        &[],
    )
    .expect("valid");
    assert_eq!(s.app.format(), crate::app::Format::Rcml);
    assert_eq!(s.app.call_hook().method, crate::app::Method::Get);
    assert_eq!(
        s.app_context().registrar_domain.as_deref(),
        Some("sip.example.com")
    );
    assert!(s.to_masked_toml().contains("format = \"rcml\""));
    let undeclared = load("", &[]).expect("valid");
    assert_eq!(undeclared.app.format(), crate::app::Format::Auto);
    let p = problems(
        load(
            "[app]\ncall_hook = { url = \"https://app.example/x\", format = \"twiml\" }\n\
             [registrar]\ndomain = \"bad domain\"\n",
            &[],
        )
        .unwrap_err(),
    );
    let keys: Vec<&str> = p.iter().map(|p| p.key.as_str()).collect();
    assert!(keys.contains(&"app.call_hook"), "{p:?}");
    assert!(keys.contains(&"registrar.domain"), "{p:?}");
}

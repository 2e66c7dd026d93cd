//! `dialbridge check-config`, run as a real binary: the effective
//! configuration with secrets masked, or exit code 2 naming the key and the
//! file.

use std::process::Command;

fn check_config(toml: &str, env: &[(&str, &str)]) -> (i32, String, String) {
    let dir = std::env::temp_dir().join(format!("dialbridge-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(format!("{}.toml", uuid::Uuid::new_v4()));
    std::fs::write(&path, toml).expect("write");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_dialbridge"));
    cmd.args(["check-config", "--config"]).arg(&path);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run dialbridge");
    let _ = std::fs::remove_file(&path);
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn check_config_prints_the_effective_configuration_with_secrets_masked() {
    let (code, stdout, stderr) = check_config(
        "[freeswitch]\npassword = \"esl-secret\"\n[app]\nwebhook_secret = \"sign-secret\"\n\
         call_hook = { url = \"https://app.example/call\", username = \"u\", password = \"hook-secret\" }\n",
        &[("DIALBRIDGE__LISTENER__MAX_CALLS", "77")],
    );
    assert_eq!(code, 0, "{stderr}");
    for secret in ["esl-secret", "sign-secret", "hook-secret"] {
        assert!(!stdout.contains(secret), "{secret} printed:\n{stdout}");
    }
    assert!(stdout.contains("max_calls = 77"), "{stdout}");
    assert!(stdout.contains("password = \"********\""), "{stdout}");
    assert!(
        !stderr.contains("ClueCon"),
        "no default-password warning: {stderr}"
    );
}

#[test]
fn check_config_warns_about_the_default_esl_password() {
    let (code, _, stderr) = check_config("", &[]);
    assert_eq!(code, 0);
    assert!(stderr.contains("\"ClueCon\""), "{stderr}");
}

#[test]
fn check_config_names_the_key_and_the_file_with_exit_code_2() {
    let (code, stdout, stderr) = check_config("[listener]\naddress = \"8084\"\n", &[]);
    assert_eq!(code, 2);
    assert!(stdout.is_empty(), "{stdout}");
    assert!(
        stderr.contains("listener.address: `8084` is not host:port"),
        "{stderr}"
    );
    assert!(stderr.contains(".toml"), "names the file: {stderr}");
    let (code, _, stderr) = check_config("[listener\n", &[]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("configuration error in") && stderr.contains(".toml"),
        "{stderr}"
    );
}

//! `play_and_get_digits`: plays its prompt, then collects the digits the
//! scripted party pressed (caller, or callee on a screening socket, 04a).

use std::time::Duration;

use tokio::time::Instant;

use super::apps::{After, play_ms, wait_or_hangup};
use super::switch::Switch;

/// `min max tries timeout terminators file invalid_file var_name regexp digit_timeout`.
pub async fn play_and_get_digits(sw: &Switch, uuid: &str, arg: &str) -> (String, After) {
    let owned = split_blank(arg);
    let a: Vec<&str> = owned.iter().map(String::as_str).collect();
    let num = |i: usize, d: u64| a.get(i).and_then(|v| v.parse().ok()).unwrap_or(d);
    let (min, max, tries, timeout) = (num(0, 1), num(1, 1).max(1), num(2, 1).max(1), num(3, 5000));
    let terminators = a.get(4).copied().unwrap_or("#");
    let file = a.get(5).copied().unwrap_or("silence_stream://0");
    let var = a.get(7).copied();
    let digit_timeout = num(9, timeout);
    let mut got = String::new();
    for _ in 0..tries {
        if !wait_or_hangup(sw, uuid, sw.ms(play_ms(sw, file))).await {
            return ("_none_".into(), After::new());
        }
        got.clear();
        let mut deadline = Instant::now() + sw.ms(timeout);
        loop {
            let next = {
                let mut core = sw.lock();
                let Some(ch) = core.channels.get_mut(uuid) else {
                    return ("_none_".into(), After::new());
                };
                if !ch.is_up() {
                    return ("_none_".into(), After::new());
                }
                if ch.dtmf_buf.is_empty() {
                    None
                } else {
                    Some(ch.dtmf_buf.remove(0))
                }
            };
            match next {
                Some(d) if terminators.contains(d) => break,
                Some(d) => {
                    got.push(d);
                    deadline = Instant::now() + sw.ms(digit_timeout);
                    if got.len() as u64 >= max {
                        break;
                    }
                }
                None if Instant::now() >= deadline => break,
                None => tokio::time::sleep(Duration::from_millis(5)).await,
            }
        }
        if got.len() as u64 >= min {
            break;
        }
    }
    if let (Some(var), Some(ch)) = (var, sw.lock().channels.get_mut(uuid)) {
        ch.set_var(var, got.clone());
    }
    ("_none_".into(), After::new())
}

/// FreeSWITCH's `switch_separate_string` on blanks
/// (`separate_string_blank_delim` then `cleanup_separated_string`): runs of
/// spaces separate arguments, single quotes group one, a backslash escapes
/// the next character; the quotes and escapes are removed.
pub fn split_blank(arg: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_quotes = false;
    let mut started = false;
    let mut chars = arg.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
                started = true;
            }
            '\'' => {
                in_quotes = !in_quotes;
                started = true;
            }
            ' ' if !in_quotes => {
                if started {
                    out.push(std::mem::take(&mut cur));
                    started = false;
                }
            }
            c => {
                cur.push(c);
                started = true;
            }
        }
    }
    if started {
        out.push(cur);
    }
    out
}

//! `play_and_get_digits`: plays its prompt, then collects the digits the
//! scripted party pressed (caller, or callee on a screening socket, 04a).

use std::time::Duration;

use tokio::time::Instant;

use super::apps::{After, play_ms, wait_or_hangup};
use super::switch::Switch;

/// `min max tries timeout terminators file invalid_file var_name regexp digit_timeout`.
pub async fn play_and_get_digits(sw: &Switch, uuid: &str, arg: &str) -> (String, After) {
    let a: Vec<&str> = arg.split_whitespace().collect();
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

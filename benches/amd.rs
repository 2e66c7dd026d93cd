//! What answering-machine detection costs per call: classifier throughput
//! in samples per second (a call is 8,000 samples/s), fed in 20 ms chunks
//! as FreeSWITCH writes them.
//!
//! `cargo bench --bench amd`
//!
//! Three signals that keep the classifier analysing to the end: 15 s of
//! loud noise (no decision until the 15 s decision timeout), 10 s of
//! word-like bursts (a machine, then waiting for it to stop speaking), and
//! 8 s of "Hello." [pause] and a greeting that goes on (a human, taken
//! back by the second stage, then stopped speaking). Each sample goes
//! through the level and the tone analysis whatever the phase.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use dialbridge::amd::{Amd, AmdParams};
use std::hint::black_box;

/// Deterministic uniform noise of peak `amp`.
fn noise(seconds: usize, amp: i32) -> Vec<i16> {
    let mut s = 1u32;
    (0..seconds * 8000)
        .map(|_| {
            s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            ((s >> 8) as i32 % (2 * amp + 1) - amp) as i16
        })
        .collect()
}

/// 400 ms tone bursts separated by 200 ms of silence.
fn words(seconds: usize) -> Vec<i16> {
    (0..seconds * 8000)
        .map(|i| {
            if i % 4800 < 3200 {
                let t = i as f32 / 8000.0;
                (6000.0 * (t * 180.0 * std::f32::consts::TAU).sin()) as i16
            } else {
                0
            }
        })
        .collect()
}

/// "Hello." (400 ms at 300 ms), 700 ms of pause, then bursts to 5 s.
fn hello_then_greeting(seconds: usize) -> Vec<i16> {
    let mut s = vec![0i16; 300 * 8];
    s.extend(words(1).into_iter().take(400 * 8));
    s.extend(std::iter::repeat_n(0, 700 * 8));
    s.extend(words(4).into_iter().take(3600 * 8));
    s.resize(seconds * 8000, 0);
    s
}

fn bench(c: &mut Criterion) {
    let params = AmdParams::default();
    let mut group = c.benchmark_group("amd");
    for (name, signal) in [
        ("loud_noise_15s", noise(15, 20_000)),
        ("words_10s", words(10)),
        ("hello_then_greeting_8s", hello_then_greeting(8)),
    ] {
        group.throughput(Throughput::Elements(signal.len() as u64));
        group.bench_function(name, |b| {
            b.iter(|| {
                let mut amd = Amd::new(&params);
                let mut events = 0;
                for chunk in black_box(&signal).chunks(160) {
                    events += usize::from(amd.push(chunk).is_some());
                }
                black_box(events)
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

//! What answering-machine detection costs per call: classifier throughput
//! in samples per second (a call is 8,000 samples/s), fed in 20 ms chunks
//! as FreeSWITCH writes them.
//!
//! `cargo bench --bench amd`
//!
//! Two signals that keep the classifier analysing to the end: 15 s of loud
//! noise (no decision until the 15 s decision timeout) and 10 s of
//! word-like bursts (a machine, then waiting for it to stop speaking).

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

fn bench(c: &mut Criterion) {
    let params = AmdParams::default();
    let mut group = c.benchmark_group("amd");
    for (name, signal) in [
        ("loud_noise_15s", noise(15, 20_000)),
        ("words_10s", words(10)),
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

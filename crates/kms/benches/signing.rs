//! Signing one `POST /kms/v2/keys-sym-pos` (HTTP Signature, HmacSHA256): what every request costs before
//! it leaves. `cargo bench -p mpos-kms --bench signing`; benches/run.sh prints the result in ns/op.

use std::hint::black_box;
use std::time::SystemTime;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use mpos_kms::signing::{sign, SignRequest};
use mpos_kms::wire::KeyRequest;
use mpos_kms::SecretString;

/// A REST shared secret of the usual shape (32 random bytes, base64); it only signs this benchmark.
const SECRET: &str = "EA0E/Cgf6AfdkLfP8pIBUPzwhsf9n0VeCMEdDHEU+Ec=";
const KEY_ID: &str = "5f1f1e2c-7d0a-4c8e-9b3a-2e6d4c8a1b07";

fn signing(c: &mut Criterion) {
    let secret = SecretString::new(SECRET.to_string());
    let mut group = c.benchmark_group("signing");
    // One merchant (what `generate <MID>` sends) and a full chunk of 100 (what `generate --all` sends).
    for mids in [1_usize, 100] {
        let mids: Vec<String> = (0..mids).map(|i| format!("bench_store_{i:04}")).collect();
        let body = KeyRequest::for_mids(&mids).to_body();
        group.throughput(Throughput::Elements(1));
        group.bench_function(format!("sign_post_{}_mid", mids.len()), |b| {
            b.iter(|| {
                let signed = sign(black_box(&SignRequest {
                    method: "POST",
                    host: "apitest.cybersource.com",
                    request_target: "/kms/v2/keys-sym-pos",
                    body: &body,
                    merchant_id: "demo_portfolio",
                    portfolio_id: None,
                    key_id: KEY_ID,
                    secret: &secret,
                    date: SystemTime::now(),
                }))
                .expect("the benchmark request signs");
                black_box(signed)
            })
        });
    }
    group.finish();
}

criterion_group!(benches, signing);
criterion_main!(benches);

//! Signing cost per body size, against MD5 + HMAC-SHA1 alone
//! (`cargo bench -p ivvy-bench`).

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use ivvy::ManualClock;
use ivvy::signing::{Credentials, Signer};

const SIZES: [usize; 3] = [30, 1_024, 100 * 1_024];
const TO_SIGN: &str = "post58d244a1885867e985f79aff3231f83bapplication/json/api/1.0/event?action=invitecontacts1.0ivvydate=2025-11-24 16:00:00";

fn main() {
    divan::main();
}

#[divan::bench(args = SIZES)]
fn sign(bencher: divan::Bencher, size: usize) {
    let clock = Arc::new(ManualClock::new(
        UNIX_EPOCH + Duration::from_secs(1_764_000_000),
    ));
    let signer = Signer::new(Credentials::new("key", "secret").expect("valid"), clock);
    let mut request = reqwest::Client::new()
        .post("http://127.0.0.1:9/api/1.0/event?action=inviteContacts")
        .header("content-type", "application/json")
        .body(vec![b'7'; size])
        .build()
        .expect("request");
    bencher.bench_local(|| signer.sign(black_box(&mut request)).expect("signs"));
}

#[divan::bench(args = SIZES)]
fn md5_and_hmac_alone(bencher: divan::Bencher, size: usize) {
    let body = vec![b'7'; size];
    bencher.bench_local(|| {
        (
            ivvy::signing::content_md5(black_box(&body)),
            ivvy::signing::hmac_sha1_hex(b"secret", black_box(TO_SIGN.as_bytes())),
        )
    });
}

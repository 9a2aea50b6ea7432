//! Signing cost per body size, against MD5 + HMAC-SHA1 alone
//! (`cargo bench -p ivvy-bench`).

use std::hint::black_box;
use std::time::{Duration, UNIX_EPOCH};

use ivvy_iws::{Credentials, SignableRequest};

const SIZES: [usize; 3] = [30, 1_024, 100 * 1_024];
const TO_SIGN: &str = "post58d244a1885867e985f79aff3231f83bapplication/json/api/1.0/event?action=invitecontacts1.0ivvydate=2025-11-24 16:00:00";

fn main() {
    divan::main();
}

#[divan::bench(args = SIZES)]
fn sign(bencher: divan::Bencher, size: usize) {
    let now = UNIX_EPOCH + Duration::from_secs(1_764_000_000);
    let credentials = Credentials::new("key", "secret").expect("valid");
    let body = vec![b'7'; size];
    let headers = [("content-type", b"application/json".as_slice())];
    let request = SignableRequest {
        method: "POST",
        path_and_query: "/api/1.0/event?action=inviteContacts",
        headers: &headers,
        body: &body,
    };
    bencher.bench_local(|| ivvy_iws::sign(black_box(&request), &credentials, now).expect("signs"));
}

#[divan::bench(args = SIZES)]
fn md5_and_hmac_alone(bencher: divan::Bencher, size: usize) {
    let body = vec![b'7'; size];
    bencher.bench_local(|| {
        (
            ivvy_iws::content_md5(black_box(&body)),
            ivvy_iws::hmac_sha1_hex(b"secret", black_box(TO_SIGN.as_bytes())),
        )
    });
}

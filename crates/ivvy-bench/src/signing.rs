//! Signing cost against calling the primitives directly:
//! `ivvy-bench signing`.

use std::hint::black_box;
use std::time::{Duration, Instant, UNIX_EPOCH};

use ivvy_iws::{Credentials, SignableRequest};

use crate::stats::{median, report_ratio};
use crate::{KEY, SECRET};

pub fn signing(runs: usize) -> Result<(), String> {
    println!("\n3. signing one request, against MD5 of the body + HMAC-SHA1 of the string to sign");
    let now = UNIX_EPOCH + Duration::from_secs(1_764_000_000);
    let credentials = Credentials::new(KEY, SECRET).map_err(|e| e.to_string())?;
    let to_sign = "post58d244a1885867e985f79aff3231f83bapplication/json/api/1.0/event?action=invitecontacts1.0ivvydate=2025-11-24 16:00:00";
    for (label, size, iterations) in [
        ("30 B", 30, 200_000),
        ("1 KB", 1_024, 100_000),
        ("100 KB", 100 * 1_024, 2_000),
    ] {
        let body = vec![b'7'; size];
        // What the client hands to the signer: the request as it will be sent.
        let headers = [
            ("accept", b"application/json".as_slice()),
            ("content-type", b"application/json".as_slice()),
            ("api-version", b"1.0".as_slice()),
        ];
        let request = SignableRequest {
            method: "POST",
            path_and_query: "/api/1.0/event?action=inviteContacts",
            headers: &headers,
            body: &body,
        };
        // Short interleaved blocks, so both sides see the same machine.
        const BLOCKS: usize = 20;
        let per_block = iterations / BLOCKS;
        let (mut ours, mut direct, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..runs {
            let (mut ours_ns, mut direct_ns) = (0.0, 0.0);
            for _ in 0..BLOCKS {
                let start = Instant::now();
                for _ in 0..per_block {
                    black_box(
                        ivvy_iws::sign(black_box(&request), &credentials, now)
                            .map_err(|e| e.to_string())?,
                    );
                }
                ours_ns += start.elapsed().as_nanos() as f64;

                let start = Instant::now();
                for _ in 0..per_block {
                    let md5 = ivvy_iws::content_md5(black_box(&body));
                    let signature =
                        ivvy_iws::hmac_sha1_hex(SECRET.as_bytes(), black_box(to_sign.as_bytes()));
                    black_box((md5, signature));
                }
                direct_ns += start.elapsed().as_nanos() as f64;
            }
            let n = (per_block * BLOCKS) as f64;
            ours.push(ours_ns / n);
            direct.push(direct_ns / n);
            ratios.push(ours_ns / direct_ns);
        }
        let (ours_m, direct_m) = (median(&ours), median(&direct));
        println!("   {label}: sign {ours_m:.0} ns, MD5 + HMAC-SHA1 alone {direct_m:.0} ns");
        let ratio = median(&ratios);
        report_ratio(
            &format!("signing time, {label} body"),
            ratio,
            "<= 1.5x",
            ratio <= 1.5,
        );
    }
    Ok(())
}

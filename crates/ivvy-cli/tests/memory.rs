//! Peak memory of the whole `ivvy` process against a 1 GB reply and an
//! endless one: the reply cap keeps it small. Alone in its own test binary,
//! so the peak of its children is the peak of these runs only.

mod common;

use common::{code, ivvy, mock, text};
use ivvy_mock::Faults;
use nix::sys::resource::{UsageWho, getrusage};

/// The goal: the whole process stays under this, in KiB.
const LIMIT_KIB: i64 = 64 * 1024;

#[tokio::test]
async fn a_huge_or_endless_reply_keeps_the_process_under_64_mib() {
    for faults in [
        Faults::new().oversized_reply(1 << 30),
        Faults::new().endless_reply(),
    ] {
        let server = mock(faults.clone()).await;
        let output = ivvy(
            Some(&server),
            &["invite", "--event", "4", "--contacts", "1,2,3"],
            None,
        )
        .await;
        assert_eq!(code(&output), 1, "{faults:?}: {}", text(&output.stderr));
        assert!(
            text(&output.stderr).contains("bytes this client reads"),
            "{}",
            text(&output.stderr)
        );
    }
    // ru_maxrss is in KiB on Linux: the largest of the finished children.
    let peak = getrusage(UsageWho::RUSAGE_CHILDREN)
        .expect("rusage")
        .max_rss();
    println!("peak resident memory of ivvy: {peak} KiB");
    assert!(peak > 0 && peak < LIMIT_KIB, "peak {peak} KiB");
}

//! `ivvy ping`: checks the credentials and the clock.

use std::time::SystemTime;

use ivvy_iws::timestamp;

use crate::error::CliError;

/// iVvy refuses requests dated further than this from its clock.
const MAX_SKEW_SECS: i64 = 5 * 60;

pub async fn run(client: &ivvy::Client) -> Result<(), CliError> {
    let server = client.ping().await?;
    let local = client.clock().now();
    let offset = seconds_between(server, local);
    let relation = match offset {
        0 => "in step with iVvy".to_string(),
        s if s > 0 => format!("{s} s ahead of iVvy"),
        s => format!("{} s behind iVvy", -s),
    };
    println!("credentials accepted by {}", client.base_url());
    println!("iVvy's time:  {} UTC", timestamp::format(server));
    println!(
        "local clock:  {} UTC ({relation})",
        timestamp::format(local)
    );
    if offset.abs() > MAX_SKEW_SECS {
        eprintln!(
            "warning: the local clock is more than 5 minutes off iVvy's: this client dates its requests by iVvy's time, but other programs' requests will be refused as stale; set the clock right"
        );
    }
    Ok(())
}

/// Whole seconds from `from` to `to` (negative when `to` is earlier).
fn seconds_between(from: SystemTime, to: SystemTime) -> i64 {
    match to.duration_since(from) {
        Ok(ahead) => i64::try_from(ahead.as_secs()).unwrap_or(i64::MAX),
        Err(behind) => -i64::try_from(behind.duration().as_secs()).unwrap_or(i64::MAX),
    }
}

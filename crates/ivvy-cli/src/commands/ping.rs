//! `ivvy ping`: checks the credentials and the clock.

use time::OffsetDateTime;

use crate::error::CliError;

/// iVvy refuses requests dated further than this from its clock.
const MAX_SKEW_SECS: i64 = 5 * 60;

pub async fn run(client: &ivvy::Client) -> Result<(), CliError> {
    let server = client.ping().await?;
    let local = OffsetDateTime::from(client.clock().now());
    let offset = (local - server).whole_seconds();
    let relation = match offset {
        0 => "in step with iVvy".to_string(),
        s if s > 0 => format!("{s} s ahead of iVvy"),
        s => format!("{} s behind iVvy", -s),
    };
    println!("credentials accepted by {}", client.base_url());
    println!(
        "iVvy's time:  {} UTC",
        ivvy::timestamp::format(server.into())
    );
    println!(
        "local clock:  {} UTC ({relation})",
        ivvy::timestamp::format(local.into())
    );
    if offset.abs() > MAX_SKEW_SECS {
        eprintln!(
            "warning: the local clock is more than 5 minutes off; iVvy will refuse requests as stale"
        );
    }
    Ok(())
}

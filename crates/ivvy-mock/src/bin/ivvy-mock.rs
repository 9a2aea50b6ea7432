//! `ivvy-mock --port N [--key K --secret S] [faults]`: a fake iVvy server.

use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use ivvy_mock::{DEFAULT_KEY, DEFAULT_SECRET, Faults, MockConfig, MockServer};

/// A fake iVvy server on 127.0.0.1 that verifies signatures and keeps state.
#[derive(Debug, Parser)]
#[command(name = "ivvy-mock", version)]
struct Args {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// API key to accept.
    #[arg(long, default_value = DEFAULT_KEY)]
    key: String,
    /// Secret that goes with the key.
    #[arg(long, default_value = DEFAULT_SECRET)]
    secret: String,
    /// Answer every Nth API request with 429.
    #[arg(long, value_name = "N")]
    rate_limit_every: Option<u64>,
    /// Retry-After seconds sent with each 429.
    #[arg(long, value_name = "SECS")]
    retry_after: Option<u64>,
    /// Fail every Nth inviteContacts call with a 500 after doing the work.
    #[arg(long, value_name = "N")]
    fail_after_work_every: Option<u64>,
    /// Answer every Nth API request with an error body and HTTP 200.
    #[arg(long, value_name = "N")]
    error_in_200_every: Option<u64>,
    /// Answer every Nth API request with an HTML 502 page.
    #[arg(long, value_name = "N")]
    html_502_every: Option<u64>,
    /// Delay replies by MIN to MAX milliseconds, varying per request.
    #[arg(long, value_name = "MIN-MAX", value_parser = parse_delay)]
    delay_ms: Option<(Duration, Duration)>,
    /// Refuse inviteContacts calls with more contacts than this.
    #[arg(long, value_name = "N")]
    max_contacts: Option<usize>,
}

fn parse_delay(text: &str) -> Result<(Duration, Duration), String> {
    let (min, max) = text.split_once('-').unwrap_or((text, text));
    let ms = |s: &str| {
        s.trim()
            .parse::<u64>()
            .map(Duration::from_millis)
            .map_err(|e| format!("{s:?}: {e}"))
    };
    let (min, max) = (ms(min)?, ms(max)?);
    if min > max {
        return Err(format!("{text}: MIN is larger than MAX"));
    }
    Ok((min, max))
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let mut faults = Faults::default();
    faults.rate_limit_every = args.rate_limit_every;
    faults.retry_after_secs = args.retry_after;
    faults.fail_after_work_every = args.fail_after_work_every;
    faults.error_in_200_every = args.error_in_200_every;
    faults.html_502_every = args.html_502_every;
    faults.delay = args.delay_ms;
    faults.max_contacts_per_call = args.max_contacts;
    let config = MockConfig::new()
        .port(args.port)
        .credentials(args.key, args.secret)
        .faults(faults);
    let server = match MockServer::start(config).await {
        Ok(server) => server,
        Err(error) => {
            eprintln!("ivvy-mock: {error}");
            return ExitCode::FAILURE;
        }
    };
    println!("fake iVvy server listening on {}", server.base_url());
    println!("IVVY_BASE_URL={}", server.base_url());
    println!("IVVY_API_KEY={}", server.key());
    println!("IVVY_API_SECRET={}", server.secret());
    println!("press Ctrl-C to stop");
    server.run_until_ctrl_c().await;
    ExitCode::SUCCESS
}

//! The fake server's command line, shared by the `ivvy-mock` binary and
//! `ivvy mock` (with the `cli` feature): one set of flags, one way to turn
//! them into a [`MockConfig`], one way to print the environment lines.

use std::io::Write;
use std::time::Duration;

use crate::{DEFAULT_KEY, DEFAULT_SECRET, Faults, MockConfig, MockServer};

/// Flags of a fake server run from the command line.
#[derive(Debug, Clone, clap::Args)]
pub struct MockArgs {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// API key to accept.
    #[arg(long, default_value = DEFAULT_KEY)]
    pub key: String,
    /// Secret that goes with the key.
    #[arg(long, default_value = DEFAULT_SECRET)]
    pub secret: String,
    /// Answer every Nth API request with 429.
    #[arg(long, value_name = "N")]
    pub rate_limit_every: Option<u64>,
    /// Retry-After seconds sent with each 429.
    #[arg(long, value_name = "SECS", alias = "retry-after")]
    pub retry_after_secs: Option<u64>,
    /// Fail every Nth inviteContacts call with a 500 after doing the work.
    #[arg(long, value_name = "N")]
    pub fail_after_work_every: Option<u64>,
    /// Fail every Nth addOrUpdateContact call with a 500 after adding.
    #[arg(long, value_name = "N")]
    pub create_fail_after_work_every: Option<u64>,
    /// Show new invitations and contacts in listings only MS milliseconds
    /// after they are made.
    #[arg(long, value_name = "MS")]
    pub list_lag_ms: Option<u64>,

    /// From API request N on, refuse every request for SECS seconds (429
    /// with the time left as Retry-After; `:date` sends it as an HTTP
    /// date), as a locked account would.
    #[arg(long, value_name = "N:SECS[:date]", value_parser = parse_lockout)]
    pub lockout: Option<crate::faults::Lockout>,

    /// Send replies in this shape too (repeat for more): ids as strings,
    /// text as numbers, odd answer letters, nulls, rows without ids.
    #[arg(long, value_enum, value_name = "SHAPE")]
    pub reply_shape: Vec<crate::ReplyShape>,

    /// Hold inviteContacts and addOrUpdateContact replies this many
    /// milliseconds after the work is done.
    #[arg(long, value_name = "MS")]
    pub reply_after_work_ms: Option<u64>,
    /// Contacts in the account, by the rule in `ivvy_mock::account`.
    #[arg(long, value_name = "N", default_value_t = 250)]
    pub contacts: usize,
    /// Answer every Nth API request with an error body and HTTP 200.
    #[arg(long, value_name = "N")]
    pub error_in_200_every: Option<u64>,
    /// Answer every Nth API request with an HTML 502 page.
    #[arg(long, value_name = "N")]
    pub html_502_every: Option<u64>,
    /// Delay replies by MIN to MAX milliseconds, varying per request.
    #[arg(long, value_name = "MIN-MAX", value_parser = parse_delay)]
    pub delay_ms: Option<(Duration, Duration)>,
    /// Refuse inviteContacts calls with more contacts than this.
    #[arg(long, value_name = "N", alias = "max-contacts")]
    pub max_contacts_per_call: Option<usize>,
    /// Limit all API requests to RPS per second, in bursts of BURST
    /// (default 10); the rest get 429 with Retry-After.
    #[arg(long, value_name = "RPS[/BURST]", value_parser = parse_rate)]
    pub rate_limit: Option<(f64, u32)>,
    /// With --rate-limit: count each batch job as a request, not each
    /// request.
    #[arg(long)]
    pub quota_counts_jobs: bool,
    /// Milliseconds each batch job takes (jobs run one after another).
    #[arg(long, value_name = "MS", default_value_t = 1)]
    pub batch_pace_ms: u64,
    /// Queue every Nth batch run, then answer it with a 500.
    #[arg(long, value_name = "N")]
    pub batch_run_fail_after_queuing_every: Option<u64>,
    /// Refuse every Nth batch run with 24091 (not saved).
    #[arg(long, value_name = "N")]
    pub batch_not_saved_every: Option<u64>,
    /// Every Nth batch job does its work, then fails with a 500.
    #[arg(long, value_name = "N")]
    pub batch_job_fail_after_work_every: Option<u64>,
    /// Stop each batch half way for MS milliseconds.
    #[arg(long, value_name = "MS")]
    pub batch_stall_ms: Option<u64>,
    /// Keep a finished batch's results only MS milliseconds.
    #[arg(long, value_name = "MS")]
    pub batch_results_expire_ms: Option<u64>,
    /// Answer `results` before a batch ends with the jobs finished so far.
    #[arg(long)]
    pub batch_partial_results: bool,
}

fn parse_rate(text: &str) -> Result<(f64, u32), String> {
    let (rate, burst) = text.split_once('/').unwrap_or((text, "10"));
    let rate: f64 = rate.trim().parse().map_err(|e| format!("{rate:?}: {e}"))?;
    let burst: u32 = burst
        .trim()
        .parse()
        .map_err(|e| format!("{burst:?}: {e}"))?;
    if !(rate > 0.0 && rate.is_finite()) || burst == 0 {
        return Err(format!("{text}: the rate and the burst must be above 0"));
    }
    Ok((rate, burst))
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

fn parse_lockout(text: &str) -> Result<crate::faults::Lockout, String> {
    let mut parts = text.split(':');
    let bad = || format!("{text}: give N:SECS or N:SECS:date");
    let after: u64 = parts.next().and_then(|n| n.parse().ok()).ok_or_else(bad)?;
    let secs: u64 = parts.next().and_then(|n| n.parse().ok()).ok_or_else(bad)?;
    let as_date = match parts.next() {
        None => false,
        Some("date") => true,
        Some(_) => return Err(bad()),
    };
    if parts.next().is_some() {
        return Err(bad());
    }
    Ok(crate::faults::Lockout {
        after,
        closed: Duration::from_secs(secs),
        as_date,
    })
}

impl MockArgs {
    /// The server these flags describe.
    pub fn config(&self) -> MockConfig {
        let mut faults = Faults::new();
        faults.rate_limit_every = self.rate_limit_every;
        faults.retry_after_secs = self.retry_after_secs;
        faults.fail_after_work_every = self.fail_after_work_every;
        faults.create_fail_after_work_every = self.create_fail_after_work_every;
        faults.list_lag = self.list_lag_ms.map(Duration::from_millis);
        faults.reply_shapes = self.reply_shape.clone();
        faults.lockout = self.lockout;
        faults.reply_after_work = self.reply_after_work_ms.map(Duration::from_millis);
        faults.error_in_200_every = self.error_in_200_every;
        faults.html_502_every = self.html_502_every;
        faults.delay = self.delay_ms;
        faults.max_contacts_per_call = self.max_contacts_per_call;
        if let Some((rate, burst)) = self.rate_limit {
            faults = faults.rate_limit(rate, burst);
        }
        faults.quota_counts_jobs = self.quota_counts_jobs;
        faults.batch_run_fail_after_queuing_every = self.batch_run_fail_after_queuing_every;
        faults.batch_not_saved_every = self.batch_not_saved_every;
        faults.batch_job_fail_after_work_every = self.batch_job_fail_after_work_every;
        faults.batch_stall = self.batch_stall_ms.map(Duration::from_millis);
        faults.batch_results_expire = self.batch_results_expire_ms.map(Duration::from_millis);
        faults.batch_partial_results = self.batch_partial_results;
        MockConfig::new()
            .batch_pace(Duration::from_millis(self.batch_pace_ms))
            .port(self.port)
            .credentials(self.key.clone(), self.secret.clone())
            .faults(faults)
            .account(crate::Account::generated(self.contacts))
    }
}

/// Starts the server the flags describe, prints its environment lines,
/// and serves until Ctrl-C. Serving goes on when nobody reads the lines.
pub async fn serve(args: &MockArgs) -> Result<(), crate::MockError> {
    let server = MockServer::start(args.config()).await?;
    if let Err(error) = print_env(&server, &mut std::io::stdout().lock()) {
        tracing::warn!(%error, "could not print the server's address");
    }
    server.run_until_ctrl_c().await;
    Ok(())
}

/// Prints where the server listens and the `export` lines that point the
/// `ivvy` command at it.
pub fn print_env(server: &MockServer, out: &mut impl Write) -> std::io::Result<()> {
    writeln!(out, "fake iVvy server listening on {}", server.base_url())?;
    writeln!(out, "export IVVY_BASE_URL={}", server.base_url())?;
    writeln!(out, "export IVVY_API_KEY={}", server.key())?;
    writeln!(out, "export IVVY_API_SECRET={}", server.secret())?;
    writeln!(
        out,
        "(test credentials of the fake server; press Ctrl-C to stop)"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_fault_flag_is_named_as_its_faults_method() {
        use clap::CommandFactory;
        #[derive(clap::Parser)]
        struct Wrapper {
            #[command(flatten)]
            args: MockArgs,
        }
        let methods = include_str!("faults.rs");
        let server_flags = ["port", "key", "secret", "contacts", "batch-pace-ms", "help"];
        let mut checked = 0;
        for arg in Wrapper::command().get_arguments() {
            let Some(flag) = arg.get_long() else { continue };
            if server_flags.contains(&flag) {
                continue;
            }
            let name = flag.trim_end_matches("-ms").replace('-', "_");
            let with_unit = flag.replace('-', "_");
            assert!(
                methods.contains(&format!("pub fn {name}("))
                    || methods.contains(&format!("pub fn {with_unit}(")),
                "--{flag} has no Faults method of its name"
            );
            checked += 1;
        }
        assert!(checked >= 12, "only {checked} fault flags seen");
    }

    #[test]
    fn delays_parse_as_a_range_or_one_value() {
        assert_eq!(
            parse_delay("5-20"),
            Ok((Duration::from_millis(5), Duration::from_millis(20)))
        );
        assert_eq!(
            parse_delay("7"),
            Ok((Duration::from_millis(7), Duration::from_millis(7)))
        );
        assert_eq!(
            parse_delay("20-5"),
            Err("20-5: MIN is larger than MAX".to_string())
        );
    }

    #[test]
    fn rates_parse_with_or_without_a_burst() {
        assert_eq!(parse_rate("20"), Ok((20.0, 10)));
        assert_eq!(parse_rate("100/25"), Ok((100.0, 25)));
        assert!(parse_rate("0").is_err());
        assert!(parse_rate("5/0").is_err());
        assert!(parse_rate("fast").is_err());
    }
}

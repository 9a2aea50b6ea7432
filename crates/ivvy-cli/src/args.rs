//! The command line, as clap parses it.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use ivvy::{EventId, Region};

use crate::export::{self, Field};
use crate::output::{Format, Formulas};
#[cfg(feature = "mock")]
use ivvy_mock::cli::MockArgs;

/// Invite contacts to iVvy events and follow who answered.
///
/// Credentials come from flags or the environment. Prefer the environment
/// for the secret (IVVY_API_SECRET): flags show up in shell history and in
/// the process list.
#[derive(Debug, Parser)]
#[command(name = "ivvy", version, propagate_version = true)]
pub struct Cli {
    /// Log to stderr: -v for progress, -vv for every request (RUST_LOG overrides).
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,

    #[command(flatten)]
    pub connection: Connection,

    #[command(subcommand)]
    pub command: Command,
}

/// Where to connect and with which credentials: global flags, shown under
/// their own heading in every command's help.
#[derive(Debug, Args)]
#[command(next_help_heading = "Connection (for every command that talks to iVvy)")]
pub struct Connection {
    /// iVvy's base URL (https, or http to a loopback address).
    #[arg(long, env = "IVVY_BASE_URL", global = true)]
    pub base_url: Option<String>,

    /// The region whose iVvy servers hold the account.
    #[arg(long, env = "IVVY_REGION", value_enum, global = true)]
    pub region: Option<RegionArg>,

    /// The API key.
    #[arg(long, env = "IVVY_API_KEY", global = true)]
    pub api_key: Option<String>,

    /// The API secret; prefer setting IVVY_API_SECRET in the environment.
    #[arg(long, env = "IVVY_API_SECRET", hide_env_values = true, global = true)]
    pub api_secret: Option<String>,

    /// Seconds allowed for each request, reply included [default: 30].
    #[arg(long, value_name = "SECS", global = true, value_parser = clap::value_parser!(u64).range(1..))]
    pub timeout: Option<u64>,

    /// Send at most this many requests a second (set it at or just below
    /// the account's quota, when known, so no request is refused for it).
    /// Unset, the rate is found from iVvy's 429 replies.
    #[arg(long, value_name = "RPS", global = true)]
    pub max_rps: Option<f64>,

    /// Do not look for the account's rate from 429 replies: send as fast as
    /// --concurrency allows (each 429's Retry-After is waited out either
    /// way).
    #[arg(long, global = true)]
    pub no_adaptive_rate: bool,

    /// The account's quota counts a batch (--batch) as one request: pace
    /// batches by requests, not by their jobs. Unset, each job is taken
    /// to count as a request (iVvy does not say): batches then meet few
    /// refusals for their jobs once the rate is known and while the quota
    /// stays put, but leave some of a request-counting quota unused
    /// (--max-rps counts jobs too). Set it only if iVvy confirms it.
    #[arg(long, global = true)]
    pub quota_counts_requests: bool,

    /// End a listing that passes this many rows with an error [default:
    /// 10000000]: a server whose listing never ends cannot keep a run
    /// reading for ever. Raise it for an event of more.
    #[arg(long, value_name = "ROWS", global = true)]
    pub max_listing_rows: Option<u64>,
}

/// `au`, `us` or `uk`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum RegionArg {
    /// Australia.
    Au,
    /// United States.
    Us,
    /// United Kingdom.
    Uk,
}

impl From<RegionArg> for Region {
    fn from(region: RegionArg) -> Self {
        match region {
            RegionArg::Au => Region::Au,
            RegionArg::Us => Region::Us,
            RegionArg::Uk => Region::Uk,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check the credentials; print iVvy's time and this machine's offset from it.
    Ping,
    /// Invite contacts to an event, each at most once: by contact id, or
    /// people from a CRM export (--people), found by external id or email.
    ///
    /// Requests go only to the base URL: a redirect is an error (exit 1),
    /// never followed. Replies longer than 4 MiB are refused. A 5xx or a
    /// refused connection is retried with back-off; a 429 is re-sent when
    /// the rate found from 429s allows (with --no-adaptive-rate, after its
    /// Retry-After); each wait is shown. A request whose fate is unknown is
    /// never sent again blindly: after --consistency-window the event's
    /// invitations are read, and only contacts still missing are sent
    /// again. When no request succeeds for --max-retry-time the run stops
    /// and reports the rest not invited (exit 3).
    Invite(InviteArgs),
    /// List an event's invitations with each contact's answer.
    Invited(InvitedArgs),
    /// List the account's events (id, code, title, start, status).
    Events(EventsArgs),
    #[cfg(feature = "mock")]
    /// Run the fake iVvy server in the foreground.
    Mock(Box<MockCommand>),
    #[cfg(feature = "mock")]
    /// Invite a few contacts on a built-in fake iVvy server, then list them (no credentials needed).
    Demo(NoConnection),
    /// Print shell completions: ivvy completions bash > /etc/bash_completion.d/ivvy
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff).
    #[command(hide = true)]
    Manpage,
}

/// `ivvy mock`: the fake server's own flags; the client's connection
/// flags are taken but neither used nor shown, so `--key` (the server's)
/// is never listed beside `--api-key` (a client's).
#[cfg(feature = "mock")]
#[derive(Debug, Args)]
pub struct MockCommand {
    #[command(flatten)]
    pub server: MockArgs,
    #[command(flatten)]
    pub _connection: NoConnection,
}

/// The connection flags, hidden, for a command that connects to no iVvy:
/// a subcommand that has an argument of a global's name is not given the
/// global (clap's rule), so these keep the connection flags out of its
/// help. Given anyway, they are ignored.
#[derive(Debug, Args)]
pub struct NoConnection {
    #[arg(long, hide = true)]
    base_url: Option<String>,
    #[arg(long, hide = true)]
    region: Option<String>,
    #[arg(long, hide = true)]
    api_key: Option<String>,
    #[arg(long, hide = true)]
    api_secret: Option<String>,
    #[arg(long, hide = true)]
    timeout: Option<String>,
    #[arg(long, hide = true)]
    max_rps: Option<String>,
    #[arg(long, hide = true)]
    no_adaptive_rate: bool,
    #[arg(long, hide = true)]
    quota_counts_requests: bool,
    #[arg(long, hide = true)]
    max_listing_rows: Option<String>,
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("list").required(true).args(["contacts", "contacts_file", "people"])))]
#[command(group(clap::ArgGroup::new("which_event").required(true).args(["event", "event_code"])))]
pub struct InviteArgs {
    /// The event to invite to.
    #[arg(long, value_parser = parse_event)]
    pub event: Option<EventId>,

    /// The event to invite to, by its code (as `ivvy events` lists it).
    #[arg(long, value_name = "CODE")]
    pub event_code: Option<String>,

    /// People from a CRM export, as the CRM or spreadsheet wrote it: a
    /// header row, then a person a row. Headers are matched ignoring case,
    /// spaces, _ and - (External ID, Email Address, First Name, Surname,
    /// …; see the README), other columns are ignored; --column names any
    /// other. Each row needs an external id or an email. A person is found
    /// by external id, else by email (two contacts with the email: reported
    /// ambiguous, not guessed). `-` reads standard input. At most 64 MiB.
    #[arg(long, value_name = "PATH")]
    pub people: Option<PathBuf>,

    /// With --people: add people who are not in the account as contacts
    /// (rows with an email, a first and a last name), each at most once.
    #[arg(long)]
    pub create_missing: bool,

    /// Contact ids, comma separated: 1,2,3.
    #[arg(long, value_name = "IDS")]
    pub contacts: Option<String>,

    /// A file of contact ids: one per line, or CSV whose first column is the
    /// id (a header row is allowed). `-` reads standard input. At most 64 MiB.
    #[arg(long, value_name = "PATH")]
    pub contacts_file: Option<PathBuf>,

    #[command(flatten)]
    pub read: ReadArgs,

    /// Contacts per request.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u16).range(1..))]
    pub chunk_size: u16,

    /// Requests in flight at once.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub concurrency: u16,

    /// Send the invites, adds and account reads through iVvy's batch
    /// namespace: each request queues up to 50 invites of --chunk-size
    /// contacts, 200 adds or 50 pages, whose progress and results are
    /// then read back (see the README for when it pays).
    /// Every batch's id is journalled before it is waited for.
    #[arg(long, overrides_with = "no_batch")]
    pub batch: bool,

    /// Send each chunk as its own inviteContacts request (the default).
    #[arg(long, overrides_with = "batch")]
    pub no_batch: bool,

    /// Stop the run when no request has succeeded for this many seconds
    /// (rate limits, outages); contacts not yet invited are reported with
    /// the reason, and the exit code is 3.
    #[arg(long, value_name = "SECS", default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..))]
    pub max_retry_time: u64,

    /// After a request whose fate is unknown (5xx, timeout), wait this many
    /// seconds for iVvy's invitation list to catch up before deciding what
    /// to send again; a contact is re-sent only if still missing then.
    #[arg(long, value_name = "SECS", default_value_t = 6)]
    pub consistency_window: u64,

    /// Attempts per request, the first included.
    #[arg(long, value_name = "N", default_value_t = 6, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_attempts: u32,

    /// Do not read the event's invitations first; every contact is sent
    /// (iVvy may then invite a contact twice).
    #[arg(long)]
    pub no_skip_invited: bool,

    /// Read the event's invitations and print what the run would do; send
    /// no invitation.
    #[arg(long)]
    pub dry_run: bool,

    /// Do not ask before inviting more than 1,000 contacts from a terminal.
    #[arg(long, short = 'y')]
    pub yes: bool,

    /// Wait for another run for the same event on this machine to end,
    /// instead of refusing at once.
    #[arg(long)]
    pub wait: bool,

    /// The journal: what each request sent and how it settled, so no later
    /// run invites a contact again [default: one file per account and
    /// event in the state directory].
    #[arg(long, value_name = "PATH", conflicts_with = "no_journal")]
    pub journal: Option<PathBuf>,

    /// Keep no journal: reruns then rely on iVvy's lists alone, which may
    /// lag behind a run that just ended.
    #[arg(long)]
    pub no_journal: bool,

    /// Where journals and run locks are kept [default: ivvy/ in the user's
    /// state directory, e.g. ~/.local/state/ivvy/]; created with mode 0700.
    #[arg(long, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,

    #[command(flatten)]
    pub output: OutputArg,
}

/// How --people and --contacts-file are read.
#[derive(Debug, Args)]
pub struct ReadArgs {
    /// With --people: the header of the column that holds FIELD (externalId,
    /// email, firstName or lastName), e.g. --column externalId="Record ID".
    /// Repeatable, once per field.
    #[arg(long = "column", value_name = "FIELD=HEADER", value_parser = export::parse_column)]
    pub columns: Vec<(Field, String)>,

    /// The file's delimiter [default: comma, semicolon or tab, whichever
    /// the header line has most of].
    #[arg(long, value_enum)]
    pub delimiter: Option<Delimiter>,

    /// The file's encoding when it starts with no byte-order mark, as a
    /// WHATWG label: windows-1252, iso-8859-1, shift_jis, … UTF-8 and
    /// UTF-16 with a byte-order mark are read without it [default: utf-8].
    #[arg(long, value_name = "LABEL", value_parser = export::encoding_for_label)]
    pub encoding: Option<&'static encoding_rs::Encoding>,
}

impl ReadArgs {
    /// The reader's options.
    pub fn options(&self) -> export::ReadOptions {
        export::ReadOptions {
            delimiter: self.delimiter.map(Delimiter::byte),
            encoding: self.encoding,
            columns: self.columns.clone(),
        }
    }
}

/// A delimiter of an input file.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Delimiter {
    /// `,`
    Comma,
    /// `;`, as Excel writes CSV in many European locales.
    Semicolon,
    /// A tab, as Excel's "Unicode Text" is.
    Tab,
}

impl Delimiter {
    fn byte(self) -> u8 {
        match self {
            Delimiter::Comma => b',',
            Delimiter::Semicolon => b';',
            Delimiter::Tab => b'\t',
        }
    }
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("which_event").required(true).args(["event", "event_code"])))]
pub struct InvitedArgs {
    /// The event whose invitations to list.
    #[arg(long, value_parser = parse_event)]
    pub event: Option<EventId>,

    /// The event whose invitations to list, by its code (as `ivvy events`
    /// lists it).
    #[arg(long, value_name = "CODE")]
    pub event_code: Option<String>,

    /// Only the contacts with this answer: yes, no or undecided (or Y, N,
    /// U), in any case.
    #[arg(long, value_name = "ANSWER", value_parser = parse_answer)]
    pub answer: Option<ivvy::Answer>,

    /// The people of a CRM export (read as `invite --people` reads it),
    /// each with their answer: one row per row of the file, in file order,
    /// keyed by the CRM's external id and email, with a status (invited,
    /// not_invited, not_found, ambiguous, no_identity, failed, not_sent)
    /// and the reason when there is no answer. Adds and invites nobody.
    #[arg(long, value_name = "PATH")]
    pub people: Option<PathBuf>,

    #[command(flatten)]
    pub read: ReadArgs,

    /// Only invitations modified at or after TIME (iVvy's modifiedDate):
    /// `yyyy-mm-dd HH:MM:SS` in UTC, or RFC 3339. `last`: only those new
    /// or changed since the previous successful `--since last` run for
    /// this account, event and listing, whose mark is kept in the state
    /// directory and moved on once the output is written in full (a
    /// failed run moves nothing, so the next one repeats its rows). A row
    /// changed in the very second of the mark is not lost: see the README.
    #[arg(long, value_name = "TIME|last", value_parser = parse_since)]
    pub since: Option<Since>,

    /// Where --since last keeps its marks [default: as for invite].
    #[arg(long, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,

    #[command(flatten)]
    pub output: OutputArg,
}

/// `--since`: a time, or the mark of the previous run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Since {
    /// Modified at or after this time.
    Time(std::time::SystemTime),
    /// New or changed since the previous `--since last` run.
    Last,
}

fn parse_since(text: &str) -> Result<Since, String> {
    let text = text.trim();
    if text.eq_ignore_ascii_case("last") {
        return Ok(Since::Last);
    }
    if let Some(at) = ivvy_iws::timestamp::parse(text) {
        return Ok(Since::Time(at));
    }
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .map(|at| Since::Time(at.into()))
        .map_err(|_| {
            format!(
                "{text:?} is not a time: give `yyyy-mm-dd HH:MM:SS` (UTC), RFC 3339 \
                 (2026-11-29T10:00:00+11:00) or `last`"
            )
        })
}

#[derive(Debug, Args)]
pub struct EventsArgs {
    /// Only the event with this code.
    #[arg(long, value_name = "CODE")]
    pub code: Option<String>,

    #[command(flatten)]
    pub output: OutputArg,
}

#[derive(Debug, Args)]
pub struct OutputArg {
    /// Output format [default: table when stdout is a terminal, else json].
    #[arg(long, value_enum)]
    pub output: Option<Format>,

    /// With --output csv: `guard` puts a ' before a cell a spreadsheet
    /// would run as a formula (=, @, + or - not followed by a number,
    /// a tab or CR first; phone numbers and numbers stay as they are);
    /// `keep` writes every cell as it is, for imports by programs.
    #[arg(long, value_enum, default_value = "guard")]
    pub csv_formulas: Formulas,
}

fn parse_answer(text: &str) -> Result<ivvy::Answer, String> {
    text.parse::<ivvy::Answer>().map_err(|e| e.to_string())
}

fn parse_event(text: &str) -> Result<EventId, String> {
    text.parse::<EventId>().map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_takes_ivvys_form_rfc_3339_and_last() {
        let utc = ivvy_iws::timestamp::parse("2026-11-29 10:00:00").expect("time");
        for text in [
            "2026-11-29 10:00:00",
            "2026-11-29 10:00:00 UTC",
            "2026-11-29T10:00:00Z",
            "2026-11-29T21:00:00+11:00",
        ] {
            assert_eq!(parse_since(text), Ok(Since::Time(utc)), "{text}");
        }
        assert_eq!(parse_since("LAST"), Ok(Since::Last));
        let error = parse_since("yesterday").expect_err("refused");
        assert!(error.contains("\"yesterday\" is not a time"), "{error}");
    }
}

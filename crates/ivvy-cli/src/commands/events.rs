//! `ivvy events`: the account's events, written as the pages arrive.

use futures::TryStreamExt;

use crate::args::EventsArgs;
use crate::error::CliError;
use crate::output;
use crate::results::{EventRow, Events, ResultWriter};

pub async fn run(client: &ivvy::Client, args: &EventsArgs) -> Result<(), CliError> {
    let format = output::choose(args.output.output);
    let mut filter = ivvy::Filter::new();
    if let Some(code) = &args.code {
        filter = filter.field("code", code.trim());
    }
    let stdout = std::io::BufWriter::new(std::io::stdout());
    let mut out = ResultWriter::<_, Events>::start(stdout, format, None)?;
    let mut events = std::pin::pin!(client.events(filter));
    let mut read = Ok(());
    loop {
        match events.try_next().await {
            // The server's filter is a first cut; the code is checked here.
            Ok(Some(event))
                if args
                    .code
                    .as_deref()
                    .is_some_and(|c| !c.trim().eq_ignore_ascii_case(event.code.trim())) => {}
            Ok(Some(event)) => out.write([EventRow(&event)])?,
            Ok(None) => break,
            Err(error) => {
                read = Err(error);
                break;
            }
        }
    }
    // The document is closed even when a page failed.
    out.finish()?;
    Ok(read?)
}

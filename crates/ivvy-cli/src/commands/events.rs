//! `ivvy events`: the account's events, written as the pages arrive.

use crate::args::EventsArgs;
use crate::error::CliError;
use crate::output;
use crate::output::ResultWriter;
use crate::output::rows::events::Events;

pub async fn run(client: &ivvy::Client, args: &EventsArgs) -> Result<(), CliError> {
    let format = output::choose(args.output.output);
    let mut filter = ivvy::Filter::new();
    if let Some(code) = &args.code {
        filter = filter.field("code", code.trim());
    }
    // The server's filter is a first cut; the code is checked here.
    let wanted = |event: &ivvy::Event| {
        args.code
            .as_deref()
            .is_none_or(|c| c.trim().eq_ignore_ascii_case(event.code.trim()))
    };
    let stdout = std::io::BufWriter::new(std::io::stdout());
    ResultWriter::<_, Events>::start(stdout, format, args.output.csv_formulas, None)?
        .write_listing(client.events(filter), |out, event| {
            if wanted(&event) {
                out.write([&event])?;
            }
            Ok(())
        })
        .await
}

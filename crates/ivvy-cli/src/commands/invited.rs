//! `ivvy invited`: the event's invitations with the answers, written as the
//! pages arrive.

use crate::args::InvitedArgs;
use crate::commands::event;
use crate::error::CliError;
use crate::output;
use crate::output::ResultWriter;
use crate::output::rows::invited::Invited;

pub async fn run(client: &ivvy::Client, args: &InvitedArgs) -> Result<(), CliError> {
    let event = event::find(client, args.event, args.event_code.as_deref()).await?;
    let format = output::choose(args.output.output);
    let stdout = std::io::BufWriter::new(std::io::stdout());
    ResultWriter::<_, Invited>::start(stdout, format, args.output.csv_formulas, Some(event.get()))?
        .write_listing(
            client.invited_contacts(event, args.answer.clone()),
            |out, contact| out.write([&contact]),
        )
        .await
}

//! `ivvy invited`: the event's invitations with the answers.

use futures::TryStreamExt;

use crate::args::InvitedArgs;
use crate::error::CliError;
use crate::output;

pub async fn run(client: &ivvy::Client, args: &InvitedArgs) -> Result<(), CliError> {
    let format = output::choose(args.output.output);
    let contacts: Vec<ivvy::InvitedContact> = client
        .invited_contacts(args.event, args.answer.map(Into::into))
        .try_collect()
        .await?;
    output::invited(
        &mut std::io::stdout().lock(),
        format,
        args.event.get(),
        &contacts,
    )
}

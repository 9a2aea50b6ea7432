//! `ivvy invited`: the event's invitations with the answers, written as the
//! pages arrive.

use futures::TryStreamExt;

use crate::args::InvitedArgs;
use crate::error::CliError;
use crate::output;
use crate::results::{Invited, ResultWriter};

pub async fn run(client: &ivvy::Client, args: &InvitedArgs) -> Result<(), CliError> {
    let format = output::choose(args.output.output);
    let stdout = std::io::BufWriter::new(std::io::stdout());
    let mut out = ResultWriter::<_, Invited>::start(stdout, format, Some(args.event.get()))?;
    let mut invited =
        std::pin::pin!(client.invited_contacts(args.event, args.answer.map(Into::into)));
    let mut read = Ok(());
    loop {
        match invited.try_next().await {
            Ok(Some(contact)) => out.write([&contact])?,
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

//! iVvy's batch namespace, as thin typed calls: queue inviteContacts jobs
//! (`batch?action=run`), read a batch's progress and its results, and read
//! each job's reply back as the reply of the call it carried. Waiting for
//! a batch and what to do with its results are the batch sender's
//! ([`bulk::batch`](crate::bulk::batch)).

use ivvy_api::types::{
    BatchJob, BatchJobResult, BatchRef, BatchRunRequest, InviteContactsJob,
    InviteContactsJobAction, InviteContactsJobNamespace, InviteContactsReply,
    InviteContactsRequest,
};
use reqwest::StatusCode;

use crate::client::Client;
use crate::error::{ApiError, Error};
use crate::ids::{ContactId, EventId};
use crate::operations::loose;
use crate::transport::call::CallInfo;

/// Jobs one batch may hold (iVvy's page: 24448 beyond).
pub(crate) const MAX_JOBS: usize = 200;

/// iVvy's code for results asked for before the batch has finished.
pub(crate) const NOT_COMPLETED: i64 = 24114;

/// What a job's reply says.
#[derive(Debug)]
pub(crate) enum JobReply {
    /// The call's own reply.
    Invited(InviteContactsReply),
    /// iVvy's error for the job.
    Failed(Error),
}

impl Client {
    /// Queues one inviteContacts job per group of contacts; the batch's
    /// `asyncId`.
    pub(crate) async fn batch_invites(
        &self,
        event: EventId,
        jobs: &[&[ContactId]],
        attempt: u32,
    ) -> Result<String, Error> {
        let body = BatchRunRequest {
            callback_url: None,
            jobs: jobs
                .iter()
                .map(|contacts| {
                    BatchJob::InviteContactsJob(InviteContactsJob {
                        namespace: InviteContactsJobNamespace::Event,
                        action: InviteContactsJobAction::InviteContacts,
                        params: InviteContactsRequest {
                            event: event.non_zero(),
                            contacts: contacts.iter().map(|c| c.non_zero()).collect(),
                        },
                    })
                })
                .collect(),
        };
        let contacts = jobs.iter().map(|j| j.len()).sum();
        let info = CallInfo::new("batch.run", attempt)
            .event(event)
            .contacts(contacts);
        let reply = self.call(info, || self.shared.api.batch_run(&body)).await?;
        if reply.async_id.trim().is_empty() {
            return Err(Error::unusable_reply("the batch run's asyncId is empty"));
        }
        Ok(reply.async_id)
    }

    /// The batch's progress, as a percentage (clamped to 0..=100).
    pub(crate) async fn batch_progress(&self, id: &str, attempt: u32) -> Result<u8, Error> {
        let body = BatchRef { async_: id.into() };
        let info = CallInfo::new("batch.progress", attempt);
        let reply = self
            .call(info, || self.shared.api.batch_progress(&body))
            .await?;
        let percent = loose::count(&reply.progress, "progress")?;
        Ok(u8::try_from(percent.min(100)).unwrap_or(100))
    }

    /// The batch's results so far (every job's, once it has finished).
    pub(crate) async fn batch_results(
        &self,
        id: &str,
        attempt: u32,
    ) -> Result<Vec<BatchJobResult>, Error> {
        let body = BatchRef { async_: id.into() };
        let info = CallInfo::new("batch.results", attempt);
        let reply = self
            .call(info, || self.shared.api.batch_results(&body))
            .await?;
        Ok(reply.results)
    }
}

/// A job's result read as the reply of the inviteContacts it carried, or
/// as iVvy's error for it.
pub(crate) fn job_reply(result: &BatchJobResult) -> JobReply {
    let body = serde_json::Value::Object(result.response.clone());
    if result.response.contains_key("errorCode") {
        let status = result
            .response
            .get("errorCode")
            .and_then(serde_json::Value::as_u64)
            .and_then(|code| u16::try_from(code).ok())
            .and_then(|code| StatusCode::from_u16(code).ok())
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let bytes = body.to_string();
        return JobReply::Failed(match ApiError::from_body(status, bytes.as_bytes()) {
            Some(api) => Error::Api(api),
            None => Error::unusable_reply("a batch job's error body cannot be read"),
        });
    }
    match serde_json::from_value::<InviteContactsReply>(body) {
        Ok(reply) => JobReply::Invited(reply),
        Err(e) => JobReply::Failed(Error::unusable_reply(format!(
            "a batch job's response is not an inviteContacts reply: {e}"
        ))),
    }
}

/// True for iVvy's "batch job not completed" (24114).
pub(crate) fn is_not_completed(error: &Error) -> bool {
    error
        .api()
        .and_then(|api| api.specific_code.as_ref()?.number())
        == Some(NOT_COMPLETED)
}

//! iVvy's batch namespace, as thin typed calls: queue inviteContacts,
//! addOrUpdateContact or getContactList jobs (`batch?action=run`), read a
//! batch's progress and its results, and read each job's reply back as the
//! reply of the call it carried. Waiting for
//! a batch and what to do with its results are the batch sender's
//! ([`bulk::batch`](crate::bulk::batch)).

use ivvy_api::types::{
    AddOrUpdateContactJob, AddOrUpdateContactJobAction, AddOrUpdateContactJobNamespace, BatchJob,
    BatchJobResult, BatchRef, BatchRunRequest, GetContactListJob, GetContactListJobAction,
    GetContactListJobNamespace, GetContactListRequest, InviteContactsJob, InviteContactsJobAction,
    InviteContactsJobNamespace, InviteContactsRequest,
};
use reqwest::StatusCode;
use serde::Deserialize;

use crate::client::Client;
use crate::error::{ApiError, Error};
use crate::ids::{ContactId, EventId};
use crate::operations::contacts::NewContact;
use crate::operations::loose;
use crate::transport::call::CallInfo;

/// Jobs one batch may hold (iVvy's page: 24448 beyond).
pub(crate) const MAX_JOBS: usize = 200;

/// iVvy's code for results asked for before the batch has finished.
pub(crate) const NOT_COMPLETED: i64 = 24114;

/// iVvy's codes for a batch it does not know (progress, results): never
/// queued, or its results expired (iVvy keeps them two days).
const NOT_FOUND: [i64; 2] = [24105, 24115];

impl Client {
    /// Queues one inviteContacts job per group of contacts; the batch's
    /// `asyncId`.
    pub(crate) async fn batch_invites(
        &self,
        event: EventId,
        jobs: &[&[ContactId]],
        attempt: u32,
    ) -> Result<String, Error> {
        let contacts = jobs.iter().map(|j| j.len()).sum();
        let jobs = jobs
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
            .collect();
        let info = CallInfo::new("batch.run", attempt)
            .event(event)
            .contacts(contacts);
        self.batch_run(jobs, info).await
    }

    /// Queues one addOrUpdateContact job (an add, as
    /// [`add_contact`](Client::add_contact) sends it) per new contact; the
    /// batch's `asyncId`.
    pub(crate) async fn batch_adds(
        &self,
        contacts: &[&NewContact],
        attempt: u32,
    ) -> Result<String, Error> {
        let jobs = contacts
            .iter()
            .map(|contact| {
                BatchJob::AddOrUpdateContactJob(AddOrUpdateContactJob {
                    namespace: AddOrUpdateContactJobNamespace::Contact,
                    action: AddOrUpdateContactJobAction::AddOrUpdateContact,
                    params: contact.to_request(),
                })
            })
            .collect();
        self.batch_run(jobs, CallInfo::new("batch.run", attempt))
            .await
    }

    /// Queues one getContactList job per page start (the whole account,
    /// unfiltered, a page of the client's page size each); the batch's
    /// `asyncId`.
    pub(crate) async fn batch_contact_pages(
        &self,
        starts: &[u64],
        attempt: u32,
    ) -> Result<String, Error> {
        let jobs = starts
            .iter()
            .map(|&start| {
                BatchJob::GetContactListJob(GetContactListJob {
                    namespace: GetContactListJobNamespace::Contact,
                    action: GetContactListJobAction::GetContactList,
                    params: GetContactListRequest {
                        start: Some(i64::try_from(start).unwrap_or(i64::MAX)),
                        per_page: Some(self.shared.page_size.into()),
                        filter: serde_json::Map::new(),
                    },
                })
            })
            .collect();
        self.batch_run(jobs, CallInfo::new("batch.run", attempt))
            .await
    }

    /// Queues the jobs (`batch?action=run`); the batch's `asyncId`.
    async fn batch_run(&self, jobs: Vec<BatchJob>, info: CallInfo) -> Result<String, Error> {
        let info = info.jobs(jobs.len());
        let body = BatchRunRequest {
            callback_url: None,
            jobs,
        };
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

/// A job's result read as the reply `T` of the call it carried, or as
/// iVvy's error for it (a response with an `errorCode`), judged as the
/// same error of a direct call would be.
pub(crate) fn job_reply<'r, T: Deserialize<'r>>(result: &'r BatchJobResult) -> Result<T, Error> {
    if result.response.contains_key("errorCode") {
        let status = result
            .response
            .get("errorCode")
            .and_then(serde_json::Value::as_u64)
            .and_then(|code| u16::try_from(code).ok())
            .and_then(|code| StatusCode::from_u16(code).ok())
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let bytes = serde_json::to_vec(&result.response).unwrap_or_default();
        return Err(match ApiError::from_body(status, &bytes) {
            Some(api) => Error::Api(api),
            None => Error::unusable_reply("a batch job's error body cannot be read"),
        });
    }
    // Read in place: a page job's reply holds a page of contacts, and a
    // batch two hundred of them.
    T::deserialize(&result.response).map_err(|e| {
        Error::unusable_reply(format!(
            "the response of batch job {}?action={} cannot be read: {e}",
            crate::transport::excerpt::escaped(&result.namespace),
            crate::transport::excerpt::escaped(&result.action)
        ))
    })
}

/// True for iVvy's "batch not found" (24105, 24115).
pub(crate) fn is_unknown_batch(error: &Error) -> bool {
    error
        .api()
        .and_then(|api| api.specific_code.as_ref()?.number())
        .is_some_and(|code| NOT_FOUND.contains(&code))
}

/// True for iVvy's "batch job not completed" (24114).
pub(crate) fn is_not_completed(error: &Error) -> bool {
    error
        .api()
        .and_then(|api| api.specific_code.as_ref()?.number())
        == Some(NOT_COMPLETED)
}

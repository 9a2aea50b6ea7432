//! The batch namespace: `run` queues up to 200 jobs (calls of other
//! actions) and answers with an `asyncId`; `progress` and `results` read
//! the batch back. Jobs run at the server's batch pace
//! ([`MockConfig::batch_pace`](crate::MockConfig::batch_pace)), in order:
//! a batch's jobs that are due by now are run whenever any API request
//! arrives ([`catch_up`]), so whatever a client reads (invitations,
//! contacts, progress) shows exactly the jobs due by then, as if they ran
//! in the background. Faults: a run that fails after queuing, jobs that
//! fail after their work, progress that stalls, results that expire, and
//! results before the end (see [`Faults`](crate::Faults)).

use std::time::{Duration, Instant};

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::action::Action;
use crate::app::App;
use crate::batches::{Batch, Batches};
use crate::reply::Refusal;

/// iVvy's codes for the batch calls.
pub(crate) const INCORRECT_JOB_FORMAT: u32 = 24092;
pub(crate) const EMPTY_JOB_PARAMETER: u32 = 24093;
pub(crate) const NOT_SAVED: u32 = 24091;
pub(crate) const TOO_MANY_JOBS: u32 = 24448;
pub(crate) const PROGRESS_NOT_FOUND: u32 = 24105;
pub(crate) const NOT_COMPLETED: u32 = 24114;
pub(crate) const RESULTS_NOT_FOUND: u32 = 24115;

/// Jobs a batch may hold, as iVvy's page says.
pub const MAX_JOBS: usize = 200;

/// Checks a run's body as iVvy's batch page describes it, before the
/// schema: the job count (24448, 24093 for none), each job's format
/// (24092) and parameters (24093). Returns the jobs with their actions.
pub(crate) fn check_run(body: &Value) -> Result<Vec<(Action, Value)>, Refusal> {
    let refuse = |code, message: String| Refusal::new(StatusCode::BAD_REQUEST, Some(code), message);
    let Some(jobs) = body.get("jobs").and_then(Value::as_array) else {
        return Err(refuse(
            EMPTY_JOB_PARAMETER,
            "Empty job parameter found: `jobs` must be an array of jobs".into(),
        ));
    };
    if jobs.is_empty() {
        return Err(refuse(
            EMPTY_JOB_PARAMETER,
            "Empty job parameter found: no jobs".into(),
        ));
    }
    if jobs.len() > MAX_JOBS {
        return Err(refuse(
            TOO_MANY_JOBS,
            format!(
                "The maximum number of jobs can be put on a single request is {MAX_JOBS} ({} given)",
                jobs.len()
            ),
        ));
    }
    jobs.iter()
        .enumerate()
        .map(|(i, job)| {
            let text = |key: &str| job.get(key).and_then(Value::as_str);
            let (Some(namespace), Some(action)) = (text("namespace"), text("action")) else {
                return Err(refuse(
                    INCORRECT_JOB_FORMAT,
                    format!("Incorrect Job Format: job {i} needs `namespace` and `action`"),
                ));
            };
            let action = Action::of(namespace, action)
                .filter(|a| a.batchable())
                .ok_or_else(|| {
                    refuse(
                        INCORRECT_JOB_FORMAT,
                        format!("Incorrect Job Format: job {i}: {namespace}?action={action} cannot be batched here"),
                    )
                })?;
            match job.get("params") {
                Some(params @ Value::Object(map)) if !map.is_empty() => Ok((action, params.clone())),
                _ => Err(refuse(
                    EMPTY_JOB_PARAMETER,
                    format!("Empty job parameter found: job {i} has no `params`"),
                )),
            }
        })
        .collect()
}

/// Queues checked jobs; their `asyncId`.
pub(crate) fn queue(app: &App, jobs: Vec<(Action, Value)>, now: Instant) -> String {
    let mut batches = app.batches();
    batches.next += 1;
    // Hex, as iVvy's ids are; unique per server.
    let id = format!("{:032x}", u128::from(batches.next) * 0x9e37_79b9_7f4a_7c15);
    batches.by_id.insert(
        id.clone(),
        Batch {
            jobs,
            results: Vec::new(),
            start: now,
            finished: None,
        },
    );
    id
}

/// Runs every batch's jobs that are due by `now`, in order: a job is due
/// a pace after the one before it, and a stalled batch stops half way for
/// the stall's length.
pub(crate) fn catch_up(app: &App, now: Instant) {
    // One catch-up at a time: the jobs found due are run outside the
    // batches' lock (their handlers take the store's), so without this two
    // requests arriving together would both run them.
    let _running = app.batch_runner.lock().unwrap_or_else(|p| p.into_inner());
    let pace = app.config.batch_pace;
    let faults = &app.config.faults;
    let mut due_jobs = Vec::new();
    {
        let mut batches = app.batches();
        for (id, batch) in &mut batches.by_id {
            let elapsed = now.saturating_duration_since(batch.start);
            let total = batch.jobs.len();
            let due = due_by(elapsed, pace, total, faults.batch_stall);
            if due > batch.results.len() {
                due_jobs.push((id.clone(), batch.results.len(), due));
            }
        }
    }
    for (id, from, to) in due_jobs {
        for index in from..to {
            let job = app.batches().by_id.get(&id).map(|b| b.jobs[index].clone());
            let Some((action, params)) = job else { break };
            let result = run_job(app, action, &params);
            let mut batches = app.batches();
            batches.jobs_run += 1;
            if let Some(batch) = batches.by_id.get_mut(&id) {
                batch.results.push(result);
                if batch.results.len() == batch.jobs.len() {
                    // When its last job was due, not when a request came
                    // to run it: a batch runs in the background.
                    let total = batch.jobs.len();
                    let took = pace
                        .saturating_mul(u32::try_from(total).unwrap_or(u32::MAX))
                        .saturating_add(faults.batch_stall.unwrap_or_default());
                    batch.finished = Some(now.min(batch.start + took));
                }
            }
        }
    }
}

/// How many of `total` jobs are due `elapsed` after the batch was queued.
fn due_by(elapsed: Duration, pace: Duration, total: usize, stall: Option<Duration>) -> usize {
    let ran = |time: Duration| {
        if pace.is_zero() {
            total
        } else {
            usize::try_from(time.as_nanos() / pace.as_nanos())
                .unwrap_or(usize::MAX)
                .min(total)
        }
    };
    match stall {
        Some(stall) => {
            let half = total / 2;
            let first = ran(elapsed).min(half);
            // Time spent before the stall, then the stall, then the rest.
            let before = pace.saturating_mul(u32::try_from(half).unwrap_or(u32::MAX));
            let after = elapsed.saturating_sub(before + stall);
            if elapsed < before + stall {
                first
            } else {
                (half + ran(after)).min(total)
            }
        }
        None => ran(elapsed),
    }
}

/// One job run through its action's handler: its result record. A job
/// the faults fail does its work first (an ambiguous failure).
fn run_job(app: &App, action: Action, params: &Value) -> Value {
    let (namespace, name) = action.namespace_action();
    let checked = app
        .operations
        .get(namespace, name)
        .map_or(Ok(()), |op| op.check_request(params));
    let response = match checked.and_then(|()| super::handle(app, action, params)) {
        Ok(reply) => {
            let n = app.batches().jobs_run + 1;
            if app.config.faults.batch_job_fails(n) {
                Refusal::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    None,
                    "Internal Server Error (after the job's work was done)",
                )
                .body()
            } else {
                reply
            }
        }
        Err(refusal) => refusal.body(),
    };
    json!({ "namespace": namespace, "action": name, "request": params, "response": response })
}

/// `batch?action=run`: queues the jobs. The run fault queues them, then
/// fails.
pub(crate) fn run(app: &App, body: &Value) -> Result<Value, Refusal> {
    let jobs = check_run(body)?;
    let runs = app
        .batch_runs
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        + 1;
    if app.config.faults.batch_not_saved(runs) {
        return Err(Refusal::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            Some(NOT_SAVED),
            "The information was not saved",
        ));
    }
    let id = queue(app, jobs, Instant::now());
    if app.config.faults.batch_run_fails(runs) {
        return Err(Refusal::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            None,
            "Internal Server Error (after the batch was queued)",
        ));
    }
    Ok(json!({ "asyncId": id }))
}

/// The batch, unless unknown or expired.
fn live<'a>(app: &App, batches: &'a Batches, body: &Value, now: Instant) -> Option<&'a Batch> {
    let id = body.get("async").and_then(Value::as_str)?;
    let batch = batches.by_id.get(id)?;
    let expired = match (batch.finished, app.config.faults.batch_results_expire) {
        (Some(at), Some(keep)) => now.saturating_duration_since(at) > keep,
        _ => false,
    };
    (!expired).then_some(batch)
}

/// `batch?action=progress`: the share of jobs done, in percent.
pub(crate) fn progress(app: &App, body: &Value) -> Result<Value, Refusal> {
    let now = Instant::now();
    let batches = app.batches();
    let batch = live(app, &batches, body, now).ok_or_else(|| {
        Refusal::new(
            StatusCode::NOT_FOUND,
            Some(PROGRESS_NOT_FOUND),
            "Could not find batch",
        )
    })?;
    let percent = batch.results.len() * 100 / batch.jobs.len().max(1);
    Ok(json!({ "progress": percent }))
}

/// `batch?action=results`: every job's result once all have run (24114
/// before, or the finished ones with the partial-results fault).
pub(crate) fn results(app: &App, body: &Value) -> Result<Value, Refusal> {
    let now = Instant::now();
    let batches = app.batches();
    let batch = live(app, &batches, body, now).ok_or_else(|| {
        Refusal::new(
            StatusCode::NOT_FOUND,
            Some(RESULTS_NOT_FOUND),
            "Could not find batch",
        )
    })?;
    if batch.finished.is_none() && !app.config.faults.batch_partial_results {
        return Err(Refusal::new(
            StatusCode::BAD_REQUEST,
            Some(NOT_COMPLETED),
            "Batch job not completed",
        ));
    }
    Ok(json!({ "asyncId": body.get("async"), "results": batch.results }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jobs_fall_due_at_the_pace_and_a_stall_holds_half_way() {
        let ms = Duration::from_millis;
        assert_eq!(due_by(ms(0), ms(10), 8, None), 0);
        assert_eq!(due_by(ms(35), ms(10), 8, None), 3);
        assert_eq!(due_by(ms(500), ms(10), 8, None), 8);
        assert_eq!(due_by(ms(0), Duration::ZERO, 8, None), 8);
        let stall = Some(ms(100));
        assert_eq!(due_by(ms(100), ms(10), 8, stall), 4, "stalled at half");
        assert_eq!(due_by(ms(139), ms(10), 8, stall), 4);
        assert_eq!(due_by(ms(150), ms(10), 8, stall), 5);
        assert_eq!(due_by(ms(1_000), ms(10), 8, stall), 8);
    }

    #[test]
    fn a_run_is_checked_as_ivvys_page_says() {
        let code = |body: Value| {
            check_run(&body)
                .map(|_| 0)
                .unwrap_or_else(|r| r.specific_code.unwrap_or(0))
        };
        assert_eq!(code(json!({"jobs": []})), EMPTY_JOB_PARAMETER);
        assert_eq!(code(json!({})), EMPTY_JOB_PARAMETER);
        let job = json!({"namespace": "event", "action": "inviteContacts", "params": {"event": 1, "contacts": [1]}});
        assert_eq!(code(json!({"jobs": vec![job.clone(); 201]})), TOO_MANY_JOBS);
        assert_eq!(code(json!({"jobs": vec![job.clone(); 200]})), 0);
        assert_eq!(
            code(json!({"jobs": [{"action": "inviteContacts"}]})),
            INCORRECT_JOB_FORMAT
        );
        assert_eq!(
            code(
                json!({"jobs": [{"namespace": "batch", "action": "run", "params": {"jobs": []}}]})
            ),
            INCORRECT_JOB_FORMAT
        );
        assert_eq!(
            code(
                json!({"jobs": [{"namespace": "event", "action": "inviteContacts", "params": {}}]})
            ),
            EMPTY_JOB_PARAMETER
        );
    }
}

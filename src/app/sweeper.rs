//! What the sweeper does to reports, one batch at a time, each in the
//! caller's write transaction: escalate what nobody took in time, tell the
//! citizen a fix takes longer than planned, close what the citizen neither
//! confirmed nor reopened, escalate callbacks nobody made. `jobs` runs the
//! batches on a schedule and leaves the writer alone between them.

use chrono::{DateTime, NaiveDateTime, Utc};

use crate::domain::report::{Actor, Status};
use crate::error::{AppError, AppResult};
use crate::notify::plan::{self, Links};
use crate::notify::templates;
use crate::store::{callbacks, escalations, naive, reports, DbConn};

/// Escalates up to `limit` reports whose next escalation is due at `now`,
/// and (with `links`) writes the supervisors' e-mails to the outbox.
pub fn escalate_due(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    policy: escalations::Policy,
    limit: i64,
    links: Option<&Links>,
) -> AppResult<escalations::Outcome> {
    let (outcome, escalated) = escalations::escalate_batch(conn, now, policy, limit)?;
    if let Some(links) = links {
        for (report_id, level) in &escalated {
            if let Some(r) = reports::by_ids(conn, &[*report_id])?.pop() {
                // A reassigned report starts over: its escalation instant tells them apart.
                let cause = format!(
                    "escalated-{}",
                    r.escalated_at
                        .map(|t| t.and_utc().timestamp_micros())
                        .unwrap_or_default()
                );
                plan::escalated(conn, &r, *level, &cause, links)?;
            }
        }
    }
    Ok(outcome)
}

/// Tells the citizens of up to `limit` reports past their category's
/// resolution target that the fix takes longer (once each); returns how many.
pub fn flag_late(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    limit: i64,
    links: &Links,
) -> AppResult<usize> {
    let message = templates::RESOLUTION_LATE;
    let late = reports::claim_late(conn, naive(now), limit, message)?;
    for r in &late {
        plan::changed(conn, r, r.status, Some(message), true, links)?;
    }
    Ok(late.len())
}

/// Closes up to `limit` reports of comune `municipality_id` still resolved
/// since before `resolved_before` (the reopen window has passed: the citizen
/// neither confirmed nor reopened), each with an event and the citizen told.
/// Returns how many were looked at and how many closed (another instance, or
/// a citizen reopening meanwhile, takes the rest).
pub fn close_expired(
    conn: &mut DbConn,
    municipality_id: &str,
    resolved_before: NaiveDateTime,
    now: DateTime<Utc>,
    limit: i64,
    links: &Links,
) -> AppResult<(usize, usize)> {
    let ids = reports::resolved_before(conn, municipality_id, resolved_before, limit)?;
    let mut closed = 0;
    for id in &ids {
        let transition = reports::Transition {
            to: Status::Closed,
            actor: Actor::system(),
            public_message: Some(templates::AUTO_CLOSED.into()),
            internal_note: None,
            data: Some(serde_json::json!({"reason": "reopen_window_passed"})),
            kind: None,
            now,
        };
        match reports::apply_transition(conn, *id, &transition) {
            Ok(updated) => {
                plan::changed(conn, &updated, Status::Closed, None, false, links)?;
                closed += 1;
            }
            // Another instance closed (or someone reopened) it meanwhile.
            Err(AppError::Conflict { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    Ok((ids.len(), closed))
}

/// Escalates (once) up to `limit` callbacks still open past their due time,
/// writing the supervisors' e-mails; returns how many.
pub fn escalate_overdue_callbacks(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    limit: i64,
    links: &Links,
) -> AppResult<usize> {
    let overdue = callbacks::escalate_overdue(conn, naive(now), limit)?;
    for cb in &overdue {
        if let Some(r) = reports::by_ids(conn, &[cb.report_id])?.pop() {
            plan::escalated(conn, &r, 1, &format!("callback-{}", cb.id), links)?;
        }
    }
    Ok(overdue.len())
}

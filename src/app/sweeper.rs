//! What the sweeper does to reports, one batch at a time, each in the
//! caller's write transaction: escalate what nobody took in time, tell the
//! citizen a fix takes longer than planned, close what the citizen neither
//! confirmed nor reopened, escalate callbacks nobody made. `jobs` runs the
//! batches on a schedule and leaves the writer alone between them.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime, Utc};

use super::reports::routing::change_status;
use crate::domain::calendar::{Calendar, DeadlineMode};
use crate::domain::escalation::{next_step, Outcome, Policy};
use crate::domain::ids::MunicipalityId;
use crate::domain::report::{Actor, Status};
use crate::error::{AppError, AppResult};
use crate::notify::plan::{self, Links};
use crate::notify::templates;
use crate::store::{callbacks, escalations, municipalities, naive, reports, utc, DbConn};

/// Escalates up to `limit` reports whose next escalation is due at `now`
/// (each one level up the ladder, the next level scheduled on its comune's
/// calendar), and (with `links`) writes the supervisors' e-mails to the
/// outbox.
pub fn escalate_due(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    policy: Policy,
    limit: i64,
    links: Option<&Links>,
) -> AppResult<Outcome> {
    let candidates = escalations::lock_due(conn, now, limit)?;
    let planned = plan_escalations(conn, candidates, policy)?;
    let won = escalations::claim(conn, naive(now), &planned)?;
    let mut outcome = Outcome::default();
    for &i in &won {
        outcome.add(planned[i].level);
    }
    if let Some(links) = links {
        // The escalated reports in one read, not one per report.
        let levels: HashMap<i64, i32> = won
            .iter()
            .map(|&i| (planned[i].id, planned[i].level))
            .collect();
        let ids: Vec<i64> = won.iter().map(|&i| planned[i].id).collect();
        for r in reports::by_ids(conn, &ids)? {
            // A reassigned report starts over: its escalation instant tells them apart.
            let cause = format!(
                "escalated-{}",
                r.escalated_at
                    .map(|t| t.and_utc().timestamp_micros())
                    .unwrap_or_default()
            );
            plan::escalated(conn, &r, levels[&r.id], &cause, links)?;
        }
    }
    Ok(outcome)
}

/// Each candidate's next step on the ladder, and when the level after is
/// due: that many SLA hours after its take-in deadline, on its comune's
/// calendar in the comune's deadline mode.
fn plan_escalations(
    conn: &mut DbConn,
    candidates: Vec<escalations::Candidate>,
    policy: Policy,
) -> AppResult<Vec<escalations::Escalation>> {
    let mut calendars: HashMap<MunicipalityId, (Calendar, DeadlineMode)> = HashMap::new();
    let mut planned = Vec::with_capacity(candidates.len());
    for c in candidates {
        let step = next_step(c.level, policy.level2_after_hours);
        let next_at = match (step.next_after_hours, c.due_at) {
            (Some(hours), Some(due_at)) => {
                if !calendars.contains_key(&c.municipality_id) {
                    let calendar = municipalities::calendar(conn, &c.municipality_id)?;
                    let mode = municipalities::find(conn, &c.municipality_id)?
                        .map(|m| m.deadline_mode())
                        .unwrap_or(DeadlineMode::WorkingDays);
                    calendars.insert(c.municipality_id.clone(), (calendar, mode));
                }
                let (calendar, mode) = &calendars[&c.municipality_id];
                Some(naive(calendar.deadline(utc(due_at), hours, *mode)))
            }
            _ => None,
        };
        planned.push(escalations::Escalation {
            id: c.id,
            from_level: c.level,
            level: step.level,
            next_at,
            due_at: c.due_at,
            office_id: c.office_id,
        });
    }
    Ok(planned)
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
    for report in reports::by_ids(conn, &ids)? {
        let transition = reports::Transition {
            to: Status::Closed,
            actor: Actor::system(),
            public_message: Some(templates::AUTO_CLOSED.into()),
            internal_note: None,
            data: Some(serde_json::json!({"reason": "reopen_window_passed"})),
            kind: None,
            now,
        };
        match change_status(conn, &report, &transition) {
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

//! The phone-callback queue: for citizens with a phone and no email, the URP
//! calls back when a report is resolved, rejected, or cannot be fixed soon.
//! Every attempt is logged here and on the report's timeline.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::events::{self, NewEvent};
use super::schema::{callback_attempts, callbacks};
use super::StoreResult;
use super::{new_id, DbConn};
use crate::domain::callbacks::{CallbackState, Outcome};
use crate::domain::ids::MunicipalityId;
use crate::domain::report::{Actor, EventKind};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = callbacks)]
pub struct CallbackRow {
    pub id: String,
    pub report_id: i64,
    pub municipality_id: MunicipalityId,
    pub reason: String,
    pub message: Option<String>,
    pub state: CallbackState,
    pub due_at: NaiveDateTime,
    pub attempts: i32,
    pub escalation_level: i32,
    pub created_at: NaiveDateTime,
    pub closed_at: Option<NaiveDateTime>,
    pub handled_by: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = callback_attempts)]
pub struct AttemptRow {
    pub id: String,
    pub callback_id: String,
    pub at: NaiveDateTime,
    pub outcome: Outcome,
    pub note: Option<String>,
    pub user_id: String,
}

/// Opens a callback task unless one for the same report and reason is open.
pub fn open(
    conn: &mut DbConn,
    report_id: i64,
    municipality_id: &str,
    reason: &str,
    message: Option<&str>,
    due_at: NaiveDateTime,
    now: NaiveDateTime,
) -> StoreResult<bool> {
    let exists: bool = diesel::select(diesel::dsl::exists(
        callbacks::table
            .filter(callbacks::report_id.eq(report_id))
            .filter(callbacks::reason.eq(reason))
            .filter(callbacks::state.eq(CallbackState::Open)),
    ))
    .get_result(conn)?;
    if exists {
        return Ok(false);
    }
    diesel::insert_into(callbacks::table)
        .values((
            callbacks::id.eq(new_id()),
            callbacks::report_id.eq(report_id),
            callbacks::municipality_id.eq(municipality_id),
            callbacks::reason.eq(reason),
            callbacks::message.eq(message),
            callbacks::state.eq(CallbackState::Open),
            callbacks::due_at.eq(due_at),
            callbacks::attempts.eq(0),
            callbacks::escalation_level.eq(0),
            callbacks::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(true)
}

/// A municipality's callbacks in `state`, by due time.
pub fn queue(
    conn: &mut DbConn,
    municipality_id: &str,
    state: CallbackState,
    limit: i64,
) -> StoreResult<Vec<CallbackRow>> {
    Ok(callbacks::table
        .filter(callbacks::municipality_id.eq(municipality_id))
        .filter(callbacks::state.eq(state))
        .order((callbacks::due_at, callbacks::id))
        .limit(limit)
        .select(CallbackRow::as_select())
        .load(conn)?)
}

pub fn find(conn: &mut DbConn, id: &str) -> StoreResult<Option<CallbackRow>> {
    if !super::could_match(id) {
        return Ok(None);
    }
    Ok(callbacks::table
        .find(id)
        .select(CallbackRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn attempts(conn: &mut DbConn, callback_id: &str) -> StoreResult<Vec<AttemptRow>> {
    Ok(callback_attempts::table
        .filter(callback_attempts::callback_id.eq(callback_id))
        .order(callback_attempts::at)
        .select(AttemptRow::as_select())
        .load(conn)?)
}

/// Logs the `attempts`-th call (ended with `outcome`) of an open task and
/// moves it to `state`, on the timeline too. Returns the task; `None` if it
/// changed meanwhile (another call logged, or closed): nothing is written
/// then.
#[allow(clippy::too_many_arguments)]
pub fn record_attempt(
    conn: &mut DbConn,
    callback: &CallbackRow,
    user_id: &str,
    outcome: Outcome,
    note: Option<&str>,
    attempts: i32,
    state: CallbackState,
    now: NaiveDateTime,
) -> StoreResult<Option<CallbackRow>> {
    let closed = (state != CallbackState::Open).then_some(now);
    let changed = diesel::update(
        callbacks::table
            .find(&callback.id)
            .filter(callbacks::state.eq(CallbackState::Open))
            .filter(callbacks::attempts.eq(callback.attempts)),
    )
    .set((
        callbacks::attempts.eq(attempts),
        callbacks::state.eq(state),
        callbacks::closed_at.eq(closed),
        callbacks::handled_by.eq(Some(user_id)),
    ))
    .execute(conn)?;
    if changed != 1 {
        return Ok(None);
    }
    diesel::insert_into(callback_attempts::table)
        .values((
            callback_attempts::id.eq(new_id()),
            callback_attempts::callback_id.eq(&callback.id),
            callback_attempts::at.eq(now),
            callback_attempts::outcome.eq(outcome),
            callback_attempts::note.eq(note),
            callback_attempts::user_id.eq(user_id),
        ))
        .execute(conn)?;
    events::append(
        conn,
        NewEvent::new(callback.report_id, now, &Actor::user(user_id), EventKind::CallbackLogged)
            .message(note.unwrap_or_default().to_string())
            .data(serde_json::json!({"callback_id": callback.id, "reason": callback.reason, "outcome": outcome, "attempt": attempts, "state": state})),
    )?;
    find(conn, &callback.id)
}

/// Escalates (once) callbacks still open past their due time; returns them.
pub fn escalate_overdue(
    conn: &mut DbConn,
    now: NaiveDateTime,
    limit: i64,
) -> StoreResult<Vec<CallbackRow>> {
    let due: Vec<CallbackRow> = callbacks::table
        .filter(callbacks::state.eq(CallbackState::Open))
        .filter(callbacks::escalation_level.eq(0))
        .filter(callbacks::due_at.le(now))
        .order(callbacks::due_at)
        .limit(limit)
        .select(CallbackRow::as_select())
        .load(conn)?;
    let mut escalated = Vec::new();
    for c in due {
        let n = diesel::update(
            callbacks::table
                .find(&c.id)
                .filter(callbacks::escalation_level.eq(0))
                .filter(callbacks::state.eq(CallbackState::Open)),
        )
        .set(callbacks::escalation_level.eq(1))
        .execute(conn)?;
        if n == 1 {
            events::append(
                conn,
                NewEvent::new(c.report_id, now, &Actor::system(), EventKind::Escalated)
                    .data(serde_json::json!({"callback_id": c.id, "reason": "callback_overdue", "due_at": c.due_at.and_utc()})),
            )?;
            escalated.push(c);
        }
    }
    Ok(escalated)
}

//! The URP's phone calls to citizens without e-mail: logging a try.

use chrono::NaiveDateTime;

use super::permit;
use crate::domain::callbacks::{self, CallbackState, Outcome};
use crate::domain::permissions::{Action, Scope, StaffActor};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::store::callbacks::{self as store, CallbackRow};
use crate::store::DbConn;

/// Logs a call to the citizen of callback `id`: reaching them closes it as
/// done; a wrong number, or the `max_failed`-th call unanswered, gives up.
/// Returns the callback as it now is.
pub fn attempt(
    conn: &mut DbConn,
    staff: &StaffActor,
    id: &str,
    outcome: &str,
    note: Option<&str>,
    max_failed: i32,
    now: NaiveDateTime,
) -> AppResult<CallbackRow> {
    let cb = store::find(conn, id)?
        .ok_or_else(|| AppError::not_found(ErrorCode::CallbackNotFound, "no such callback"))?;
    permit(
        staff,
        Action::WorkCallbacks,
        Scope::report(&cb.municipality_id, None),
        ErrorCode::CallbackNotFound,
    )?;
    if cb.state != CallbackState::Open {
        return Err(AppError::conflict(
            ErrorCode::CallbackClosed,
            "this callback is already closed",
        ));
    }
    let outcome: Outcome = outcome.parse().map_err(|_| {
        AppError::field(
            "outcome",
            ErrorCode::InvalidOutcome,
            "outcome is reached, no_answer or wrong_number",
        )
    })?;
    let attempts = cb.attempts + 1;
    let state = callbacks::after_attempt(outcome, attempts, max_failed);
    store::record_attempt(
        conn,
        &cb,
        &staff.user_id,
        outcome,
        note,
        attempts,
        state,
        now,
    )?
    .ok_or_else(|| AppError::conflict(ErrorCode::CallbackClosed, "this callback changed meanwhile"))
}

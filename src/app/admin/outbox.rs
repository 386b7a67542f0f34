//! Notifications that could not be delivered, queued again on request.

use chrono::NaiveDateTime;

use super::Admin;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::store::{outbox, reports, DbConn};

/// Queues a dead notification about one of the comune's reports again.
pub fn retry(conn: &mut DbConn, who: &Admin, id: &str) -> AppResult<()> {
    let row = outbox::find(conn, id)?;
    let report = match row.and_then(|r| r.report_id) {
        Some(rid) => reports::by_ids(conn, &[rid])?.pop(),
        None => None,
    };
    if report.is_none_or(|r| r.municipality_id != who.municipality) {
        return Err(no_dead_row());
    }
    retry_any(conn, id, who.at())?;
    who.record(conn, "notification.retried", id, None, None)
}

/// Queues a dead notification again, whoever it is about (the command line's
/// retry of a notification about no report, so of no comune).
pub fn retry_any(conn: &mut DbConn, id: &str, now: NaiveDateTime) -> AppResult<()> {
    if outbox::retry(conn, id, now)? {
        Ok(())
    } else {
        Err(no_dead_row())
    }
}

fn no_dead_row() -> AppError {
    AppError::not_found(
        ErrorCode::OutboxRowNotFound,
        "no dead notification with that id",
    )
}

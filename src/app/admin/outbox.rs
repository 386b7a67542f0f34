//! Notifications that could not be delivered, queued again on request.

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
        return Err(AppError::not_found(
            ErrorCode::OutboxRowNotFound,
            "no dead notification with that id",
        ));
    }
    outbox::retry(conn, id, who.at())?;
    who.record(conn, "notification.retried", id, None, None)
}

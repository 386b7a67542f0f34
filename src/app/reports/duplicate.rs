//! Marking a report as a duplicate of another: it is rejected, its timeline
//! and its citizen point to the original.

use chrono::{DateTime, Utc};

use super::find_for_update;
use crate::domain::permissions::{Action, Scope, StaffActor};
use crate::domain::report::{duplicate_refusal, Actor, Status};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::notify::{plan, templates};
use crate::store::reports::{self, ReportRow};
use crate::store::DbConn;

/// Marks the report `code` as a duplicate of `original_code`, in the
/// caller's write transaction; `actor` is the staff member, `by` what the
/// timeline names.
pub fn mark_duplicate(
    conn: &mut DbConn,
    actor: &StaffActor,
    by: &Actor,
    code: &str,
    original_code: &str,
    now: DateTime<Utc>,
    links: &plan::Links,
) -> AppResult<ReportRow> {
    let first = super::find_by_code(conn, code)?;
    super::permit(
        actor,
        Action::MarkDuplicate,
        Scope::report(&first.municipality_id, first.office_id.as_deref()),
        ErrorCode::ReportNotFound,
    )?;
    let other = reports::by_code(conn, original_code)?
        .filter(|o| o.municipality_id == first.municipality_id)
        .ok_or_else(|| {
            AppError::field(
                "of",
                ErrorCode::UnknownReport,
                format!("no report {original_code} here"),
            )
        })?;
    // Both locked, lower id first, so that "A duplicates B" and "B
    // duplicates A" at the same moment cannot both succeed.
    let (report, original) = if first.id <= other.id {
        let a = find_for_update(conn, code)?;
        (a, find_for_update(conn, original_code)?)
    } else {
        let b = find_for_update(conn, original_code)?;
        (find_for_update(conn, code)?, b)
    };
    super::permit(
        actor,
        Action::MarkDuplicate,
        Scope::report(&report.municipality_id, report.office_id.as_deref()),
        ErrorCode::ReportNotFound,
    )?;
    let refusal = duplicate_refusal(
        report.id,
        &report.municipality_id,
        (
            original.id,
            &original.municipality_id,
            original.status,
            original.duplicate_of,
        ),
    );
    if let Some(why) = refusal {
        return Err(AppError::unprocessable(
            ErrorCode::InvalidDuplicate,
            format!("{}: {why}", original.code),
        ));
    }
    reports::set_duplicate_of(conn, report.id, original.id)?;
    let updated = super::routing::change_status(
        conn,
        &report,
        &reports::Transition {
            to: Status::Rejected,
            actor: by.clone(),
            public_message: Some(templates::already_reported_event(&original.code)),
            internal_note: None,
            data: Some(serde_json::json!({"reason": "duplicate", "duplicate_of": original.code})),
            kind: None,
            now,
        },
    )?;
    let told = templates::already_reported(&original.code);
    plan::changed(conn, &updated, Status::Rejected, Some(&told), false, links)?;
    Ok(updated)
}

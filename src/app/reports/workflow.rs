//! Staff's work on a report: a status change (taking it in, working it,
//! resolving, rejecting), an internal note, re-routing to another category
//! or office. Each runs in the caller's write transaction, checks the
//! staff member's permission on that report, and plans what the citizen or
//! the office hears.

use chrono::{DateTime, Utc};

use super::find_to_act_on;
use super::routing::{change_status, reroute, Reroute};
use crate::domain::permissions::{Action, StaffActor};
use crate::domain::report::{Actor, EventKind, RejectionReason, Status};
use crate::domain::validate;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::notify::plan;
use crate::store::events::{self, NewEvent};
use crate::store::reports::{self, ReportRow};
use crate::store::{catalog, naive, DbConn};

/// The most a staff message or note may hold.
pub const MESSAGE_MAX: usize = 4000;

fn text(field: &'static str, v: Option<String>) -> AppResult<Option<String>> {
    validate::optional_text(field, v.as_deref(), MESSAGE_MAX)
        .map_err(|e| AppError::Validation(vec![e]))
}

/// A status change as staff ask for it.
pub struct TransitionInput {
    pub to: Status,
    pub public_message: Option<String>,
    pub internal_note: Option<String>,
    pub reason: Option<RejectionReason>,
    pub cannot_fix_soon: bool,
}

/// A status change whose fields are checked (before any transaction).
pub struct ValidTransition(TransitionInput);

impl TransitionInput {
    pub fn validate(self) -> AppResult<ValidTransition> {
        let public_message = text("public_message", self.public_message)?;
        let internal_note = text("internal_note", self.internal_note)?;
        if self.to == Status::Rejected && self.reason.is_none() {
            return Err(AppError::field(
                "reason",
                ErrorCode::Required,
                "say why: not_municipal, invalid or duplicate",
            ));
        }
        if self.to == Status::Closed {
            return Err(AppError::field(
                "to",
                ErrorCode::CitizenOnly,
                "a report is closed by its citizen's confirmation",
            ));
        }
        Ok(ValidTransition(TransitionInput {
            public_message,
            internal_note,
            ..self
        }))
    }
}

/// Moves the report `code` (the workflow decides whether it may) and tells
/// its citizen.
pub fn transition(
    conn: &mut DbConn,
    actor: &StaffActor,
    by: &Actor,
    code: &str,
    ValidTransition(t): ValidTransition,
    now: DateTime<Utc>,
    links: &plan::Links,
) -> AppResult<ReportRow> {
    let report = find_to_act_on(conn, actor, Action::Transition, code)?;
    let updated = change_status(
        conn,
        &report,
        &reports::Transition {
            to: t.to,
            actor: by.clone(),
            public_message: t.public_message.clone(),
            internal_note: t.internal_note,
            data: t
                .reason
                .map(|r| serde_json::json!({"reason": r, "cannot_fix_soon": t.cannot_fix_soon})),
            kind: None,
            now,
        },
    )?;
    plan::changed(
        conn,
        &updated,
        t.to,
        t.public_message.as_deref(),
        t.cannot_fix_soon,
        links,
    )?;
    Ok(updated)
}

/// An internal note on the report `code` (checked text).
pub fn add_note(
    conn: &mut DbConn,
    actor: &StaffActor,
    by: &Actor,
    code: &str,
    note: String,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let report = find_to_act_on(conn, actor, Action::AddNote, code)?;
    Ok(events::append(
        conn,
        NewEvent::new(report.id, naive(now), by, EventKind::InternalNote).message(note),
    )?)
}

/// A re-routing as a supervisor asks for it.
pub struct ReassignInput {
    pub category: Option<String>,
    pub office: Option<String>,
    pub reason: String,
}

/// A re-routing whose fields are checked (before any transaction).
pub struct ValidReassign(ReassignInput);

impl ReassignInput {
    pub fn validate(self) -> AppResult<ValidReassign> {
        let reason = validate::required_text("reason", Some(&self.reason), 1000)
            .map_err(|e| AppError::Validation(vec![e]))?;
        if self.category.is_none() && self.office.is_none() {
            return Err(AppError::field(
                "category",
                ErrorCode::Required,
                "give a new category, a new office, or both",
            ));
        }
        Ok(ValidReassign(ReassignInput { reason, ..self }))
    }
}

/// Sends the report `code` to another category and/or office, back to `new`
/// with a fresh take-in deadline; the new office hears of it.
pub fn reassign(
    conn: &mut DbConn,
    actor: &StaffActor,
    by: &Actor,
    code: &str,
    ValidReassign(r): ValidReassign,
    now: DateTime<Utc>,
    links: &plan::Links,
) -> AppResult<ReportRow> {
    let report = find_to_act_on(conn, actor, Action::Reassign, code)?;
    let category = match &r.category {
        None => None,
        Some(c) => {
            let row = catalog::category_by_code(conn, &report.municipality_id, c)?
                .filter(|c| c.active)
                .ok_or_else(|| {
                    AppError::field(
                        "category",
                        ErrorCode::UnknownCategory,
                        format!("no category `{c}` here"),
                    )
                })?;
            if catalog::has_children(conn, &row.id)? {
                return Err(AppError::field(
                    "category",
                    ErrorCode::CategoryIsGroup,
                    "choose a category, not a group",
                ));
            }
            Some(row)
        }
    };
    let office_id = match &r.office {
        None => None,
        Some(o) => Some(
            catalog::office_by_code(conn, &report.municipality_id, o)?
                .filter(|o| o.active)
                .ok_or_else(|| {
                    AppError::field(
                        "office",
                        ErrorCode::UnknownOffice,
                        format!("no office `{o}` here"),
                    )
                })?
                .id,
        ),
    };
    let updated = reroute(
        conn,
        &report,
        Reroute {
            category: category.as_ref(),
            office_id,
            reason: r.reason,
            actor: by.clone(),
            now,
        },
    )?;
    plan::assigned(conn, &updated, links)?;
    Ok(updated)
}

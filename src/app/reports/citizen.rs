//! The citizen's word on a resolved report: it is fixed (the report is
//! closed) or it is not (back to the office, within the comune's window).
//! The tracking token is checked by the caller, on a read, before the write
//! transaction opens.

use chrono::{DateTime, Utc};

use super::find_for_update;
use crate::domain::report::{reopen_window_ends, Actor, EventKind, Status, TransitionNotAllowed};
use crate::domain::validate;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::store::reports::{self, ReportRow};
use crate::store::{municipalities, utc, DbConn};

/// What the citizen says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// It is fixed: close the report.
    Fixed,
    /// It is not: back to the office (a message is required).
    NotFixed,
}

impl Verdict {
    fn to(self) -> Status {
        match self {
            Verdict::Fixed => Status::Closed,
            Verdict::NotFixed => Status::InProgress,
        }
    }
}

/// The citizen's answer, checked (before any transaction).
pub struct Answer {
    verdict: Verdict,
    message: Option<String>,
}

impl Answer {
    pub fn new(verdict: Verdict, message: Option<&str>) -> AppResult<Self> {
        let message = validate::optional_text("message", message, 2000)
            .map_err(|e| AppError::Validation(vec![e]))?;
        if verdict == Verdict::NotFixed && message.is_none() {
            return Err(AppError::field(
                "message",
                ErrorCode::Required,
                "say what is still wrong",
            ));
        }
        Ok(Self { verdict, message })
    }
}

/// Records the citizen's answer on the report `code` (its token already
/// checked): only a resolved report awaits it, and reopening only within
/// the comune's window after the resolution.
pub fn answer(
    conn: &mut DbConn,
    code: &str,
    Answer { verdict, message }: Answer,
    now: DateTime<Utc>,
) -> AppResult<ReportRow> {
    let report = find_for_update(conn, code)?;
    let to = verdict.to();
    let current = report.status;
    if current != Status::Resolved {
        return Err(TransitionNotAllowed { from: current, to }.into());
    }
    if verdict == Verdict::NotFixed {
        let window = municipalities::find(conn, &report.municipality_id)?
            .map(|m| m.reopen_days)
            .unwrap_or(30);
        if let Some(resolved) = report.resolved_at.map(utc) {
            if now > reopen_window_ends(resolved, window) {
                return Err(AppError::conflict(
                    ErrorCode::ReopenWindowClosed,
                    format!("a report can be reopened within {window} days of its resolution"),
                ));
            }
        }
    }
    let kind = match verdict {
        Verdict::Fixed => EventKind::Confirmed,
        Verdict::NotFixed => EventKind::Reopened,
    };
    super::routing::change_status(
        conn,
        &report,
        &reports::Transition {
            to,
            actor: Actor::citizen(),
            public_message: message,
            internal_note: None,
            data: None,
            kind: Some(kind),
            now,
        },
    )
}

//! What a comune's administrator changes — offices, categories, routing
//! zones, staff accounts, API keys, holidays, the dead-letter queue — each
//! change recorded in the audit log in its own transaction, whether it came
//! from the console (`/api/v1/admin/…`) or from a shell (`segnala office …`).

pub mod calendar;
pub mod catalog;
pub mod keys;
pub mod offices;
pub mod outbox;
pub mod users;

use chrono::{DateTime, NaiveDateTime, Utc};
use serde_json::Value;

use crate::domain::ids::MunicipalityId;
use crate::domain::report::Actor;
use crate::domain::validate::{self, FieldError};
use crate::error::{AppError, AppResult};
use crate::store::audit::{self, Change};
use crate::store::{naive, DbConn};

/// Who changes the comune, and when.
#[derive(Debug, Clone)]
pub struct Admin {
    /// The comune changed (ISTAT code): an administrator reaches no other.
    pub municipality: MunicipalityId,
    /// The name the audit log keeps: a username, `apikey:…`, or `cli`.
    pub name: String,
    /// Who the reports' histories name when a change moves a report.
    pub actor: Actor,
    /// Whether platform administrators' accounts are theirs to change.
    pub platform: bool,
    pub now: DateTime<Utc>,
}

impl Admin {
    /// An operator at the server's shell: full powers on the comune, audited as `cli`.
    pub fn cli(municipality: &str) -> Self {
        Self {
            municipality: municipality.into(),
            name: "cli".into(),
            actor: Actor::system(),
            platform: true,
            now: Utc::now(),
        }
    }

    pub fn at(&self) -> NaiveDateTime {
        naive(self.now)
    }

    /// Records one change (`action` such as `office.updated`, `target` the
    /// code or id it touched) in the caller's transaction.
    pub fn record(
        &self,
        conn: &mut DbConn,
        action: &str,
        target: &str,
        before: Option<Value>,
        after: Option<Value>,
    ) -> AppResult<()> {
        Ok(audit::record(
            conn,
            Change {
                municipality_id: &self.municipality,
                actor: &self.name,
                action,
                target,
                before,
                after,
            },
            self.at(),
        )?)
    }
}

/// Required free text of at most `max` characters, trimmed.
pub fn text(field: &'static str, value: &str, max: usize) -> AppResult<String> {
    validate::required_text(field, Some(value), max).map_err(|e| AppError::Validation(vec![e]))
}

/// One field refused.
pub fn invalid(e: FieldError) -> AppError {
    AppError::Validation(vec![e])
}

/// `None` for an absent or empty optional code.
pub fn given(code: Option<String>) -> Option<String> {
    code.filter(|c| !c.trim().is_empty())
}

//! Filing a report, in two steps. [`prepare`] reads what the filing needs
//! from the catalog (the comune, the category and its checks, the calendar,
//! the routing decision, the office) on any connection, outside the write;
//! [`write`] then creates the report (code, deadline, events) and its
//! notifications in the caller's write transaction, in a handful of
//! statements. Intake runs writes one after another (one writer on SQLite,
//! one batch at a time per instance on PostgreSQL), so what a write does not
//! have to read is time every filing saves; the reads run side by side.
//!
//! The catalog read may be a moment older than the write: the report is then
//! filed as it would have been had it arrived that moment earlier (offices
//! and categories are never deleted, only deactivated).

use chrono::Utc;

use crate::domain::calendar::Calendar;
use crate::domain::report::{Actor, ValidReport};
use crate::domain::routing::RouteDecision;
use crate::domain::validate::FieldError;
use crate::error::{AppError, AppResult};
use crate::notify::plan::{self, Facts};
use crate::store::catalog::{self, CategoryRow, OfficeRow};
use crate::store::municipalities::{self, MunicipalitySummary};
use crate::store::reports::{self, CreateReport, ReportRow};
use crate::store::DbConn;

fn unknown_category(code: &str, why: &str) -> AppError {
    AppError::Validation(vec![FieldError::new(
        "category",
        "unknown_category",
        format!("category `{code}` {why}"),
    )])
}

/// Who files, with what extras.
pub struct Filing {
    pub token_hash: String,
    /// For the citizen's first email (the only place the token is written).
    pub token: String,
    pub entered_by: Option<String>,
    pub actor: Actor,
    pub now: chrono::DateTime<Utc>,
    /// Answers to the category's extra questions, already validated.
    pub attributes: Option<serde_json::Value>,
    pub media_url: Option<String>,
}

/// What was filed.
pub struct Filed {
    pub report: ReportRow,
    pub category: CategoryRow,
    pub office: Option<OfficeRow>,
}

/// What a filing read before writing.
pub struct Prepared {
    municipality: MunicipalitySummary,
    category: CategoryRow,
    calendar: Calendar,
    decision: RouteDecision,
    office: Option<OfficeRow>,
}

impl Prepared {
    pub fn category(&self) -> &CategoryRow {
        &self.category
    }
}

/// Reads what filing `valid` in the comune `municipality_id` needs, and
/// checks the category there: offered, public, active, not a group.
pub fn prepare(
    conn: &mut DbConn,
    municipality_id: &str,
    valid: &ValidReport,
) -> AppResult<Prepared> {
    let municipality = municipalities::find(conn, municipality_id)?
        .ok_or_else(|| AppError::internal("located municipality vanished"))?;
    let category = match catalog::category_by_code(conn, &municipality.id, &valid.category)? {
        Some(c) if c.active && c.public => c,
        Some(_) => return Err(unknown_category(&valid.category, "is no longer offered")),
        None if catalog::category_code_exists(conn, &valid.category)? => {
            return Err(AppError::Validation(vec![FieldError::new(
                "category",
                "category_not_in_municipality",
                format!(
                    "category `{}` is not offered in {}",
                    valid.category, municipality.name
                ),
            )]))
        }
        None => return Err(unknown_category(&valid.category, "does not exist")),
    };
    if catalog::has_children(conn, &category.id)? {
        return Err(AppError::Validation(vec![FieldError::new(
            "category",
            "category_is_group",
            format!(
                "`{}` is a group: choose one of its categories",
                category.code
            ),
        )]));
    }
    let calendar = municipalities::calendar(conn, &municipality.id)?;
    let decision = reports::route(conn, &municipality.id, &category, valid.lat, valid.lon)?;
    let office = match &decision.office_id {
        Some(id) => catalog::offices_by_ids(conn, std::slice::from_ref(id))?.pop(),
        None => None,
    };
    Ok(Prepared {
        municipality,
        category,
        calendar,
        decision,
        office,
    })
}

/// Creates the report `p` was prepared for (code, deadline, events) and
/// writes its notifications, in the caller's write transaction.
pub fn write(
    conn: &mut DbConn,
    p: Prepared,
    valid: &ValidReport,
    f: Filing,
    links: &crate::notify::plan::Links,
) -> AppResult<Filed> {
    let row = reports::create(
        conn,
        CreateReport {
            report: valid,
            municipality: &p.municipality,
            category: &p.category,
            calendar: &p.calendar,
            decision: &p.decision,
            token_hash: f.token_hash,
            entered_by: f.entered_by,
            actor: f.actor,
            now: f.now,
            attributes: f.attributes,
            media_url: f.media_url,
        },
    )?;
    let facts = Facts::known(&row, &p.category, p.office.as_ref(), &p.municipality);
    plan::created(conn, &row, &facts, &f.token, links)?;
    Ok(Filed {
        report: row,
        category: p.category,
        office: p.office,
    })
}

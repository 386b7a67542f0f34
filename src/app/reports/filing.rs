//! Filing a report: the category checked in the comune of the point, the
//! report created (code, routing, deadline, events) and its notifications
//! written, in the caller's write transaction.

use chrono::Utc;

use crate::domain::report::Actor;
use crate::domain::validate::FieldError;
use crate::error::{AppError, AppResult};
use crate::store::reports::{self, CreateReport};
use crate::store::{catalog, municipalities};

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
    pub report: crate::store::reports::ReportRow,
    pub category: crate::store::catalog::CategoryRow,
    pub office: Option<crate::store::catalog::OfficeRow>,
}

/// Checks the category in the comune of the point, creates the report (code,
/// routing, deadline, events) and writes its notifications, all in the
/// caller's write transaction. Shared by the REST API and Open311.
pub fn file_report(
    conn: &mut crate::store::DbConn,
    municipality_id: &str,
    valid: &crate::domain::report::ValidReport,
    f: Filing,
    links: &crate::notify::plan::Links,
) -> AppResult<Filed> {
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
    let row = reports::create(
        conn,
        CreateReport {
            report: valid,
            municipality: &municipality,
            category: &category,
            token_hash: f.token_hash,
            entered_by: f.entered_by,
            actor: f.actor,
            now: f.now,
            attributes: f.attributes,
            media_url: f.media_url,
        },
    )?;
    crate::notify::plan::created(conn, &row, &f.token, links)?;
    let office = match &row.office_id {
        Some(id) => catalog::offices_by_ids(conn, std::slice::from_ref(id))?.pop(),
        None => None,
    };
    Ok(Filed {
        report: row,
        category,
        office,
    })
}

//! Reports: filing one, and the lookups every report use case starts from
//! (the comune of a point, a report by code — locked for a change — with
//! what its view needs, the citizen's tracking token).

pub mod citizen;
mod duplicate;
pub mod filing;
pub mod routing;
pub mod workflow;

pub use duplicate::mark_duplicate;
pub use filing::{Filed, Filing};
pub use workflow::{add_note, reassign, transition};

use super::permit;

use std::collections::HashMap;

use crate::domain::ids::{CategoryId, OfficeId, ReportCode};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::store::attachments::AttachmentRow;
use crate::store::catalog::{CategoryRow, OfficeRow};
use crate::store::events::EventRow;
use crate::store::municipalities::TerritoryCache;
use crate::store::reports::ReportRow;
use crate::store::{attachments, catalog, events, DbConn};

/// Everything needed to show one report.
pub struct ReportBundle {
    pub report: ReportRow,
    pub category: CategoryRow,
    pub office: Option<OfficeRow>,
    pub events: Vec<EventRow>,
    pub attachments: Vec<AttachmentRow>,
    pub duplicate_of: Option<ReportCode>,
}

/// The served comune a point lies in, as `(istat, name)`.
pub struct Located {
    pub id: String,
    pub name: String,
}

/// Finds the comune of a point, or a 422 `outside_territory` naming the nearest.
pub fn locate(
    territory: &TerritoryCache,
    conn: &mut DbConn,
    lat: f64,
    lon: f64,
) -> AppResult<Located> {
    let territory = territory.get(conn)?;
    if let Some(area) = territory.locate(lat, lon) {
        return Ok(Located {
            id: area.id.clone(),
            name: area.name.clone(),
        });
    }
    let (message, details) = match territory.nearest(lat, lon) {
        Some((area, metres)) => (
            format!(
                "the point is outside the territory served here; the nearest served municipality is {} ({:.1} km away)",
                area.name,
                metres / 1000.0
            ),
            Some(serde_json::json!({"nearest": {"istat_code": area.id, "name": area.name, "distance_m": metres.round()}})),
        ),
        None => ("no municipality is served here yet".to_string(), None),
    };
    Err(AppError::Unprocessable {
        code: ErrorCode::OutsideTerritory,
        message,
        details,
    })
}

/// Loads a report with everything its view needs.
pub fn bundle(conn: &mut DbConn, report: ReportRow, all_events: bool) -> AppResult<ReportBundle> {
    let category = catalog::categories_by_ids(conn, std::slice::from_ref(&report.category_id))?
        .pop()
        .ok_or_else(|| AppError::internal(format!("report {}: missing category", report.code)))?;
    let office = match &report.office_id {
        Some(id) => catalog::offices_by_ids(conn, std::slice::from_ref(id))?.pop(),
        None => None,
    };
    let events = events::timeline(conn, report.id, all_events)?;
    let attachments = attachments::for_report(conn, report.id)?;
    let duplicate_of = match report.duplicate_of {
        Some(id) => crate::store::reports::by_ids(conn, &[id])?
            .pop()
            .map(|r| r.code),
        None => None,
    };
    Ok(ReportBundle {
        report,
        category,
        office,
        events,
        attachments,
        duplicate_of,
    })
}

/// The offices the `rows` are assigned to, by id.
pub fn offices_of(
    conn: &mut DbConn,
    rows: &[ReportRow],
) -> AppResult<HashMap<OfficeId, catalog::OfficeRow>> {
    by_id(
        rows.iter().filter_map(|r| r.office_id.clone()),
        |ids| catalog::offices_by_ids(conn, ids),
        |o| o.id.clone(),
    )
}

/// Categories of a set of reports, by id.
pub fn categories_of<'a>(
    conn: &mut DbConn,
    category_ids: impl IntoIterator<Item = &'a CategoryId>,
) -> AppResult<HashMap<CategoryId, catalog::CategoryRow>> {
    by_id(
        category_ids.into_iter().cloned(),
        |ids| catalog::categories_by_ids(conn, ids),
        |c| c.id.clone(),
    )
}

/// The rows `load` finds for `ids` (each asked for once), by their `id`.
fn by_id<K: Ord + std::hash::Hash, R>(
    ids: impl IntoIterator<Item = K>,
    load: impl FnOnce(&[K]) -> crate::store::StoreResult<Vec<R>>,
    id: impl Fn(&R) -> K,
) -> AppResult<HashMap<K, R>> {
    let mut ids: Vec<K> = ids.into_iter().collect();
    ids.sort();
    ids.dedup();
    Ok(load(&ids)?.into_iter().map(|r| (id(&r), r)).collect())
}

/// Finds a report by code, or 404 `report_not_found`.
pub fn find_by_code(conn: &mut DbConn, code: &str) -> AppResult<ReportRow> {
    crate::store::reports::by_code(conn, code)?
        .ok_or_else(|| AppError::not_found(ErrorCode::ReportNotFound, format!("no report {code}")))
}

/// The report `code`, locked for the write transaction, if `actor` may do
/// `action` on it (a report they may not know of is 404 `report_not_found`).
pub fn find_to_act_on(
    conn: &mut DbConn,
    actor: &crate::domain::permissions::StaffActor,
    action: crate::domain::permissions::Action,
    code: &str,
) -> AppResult<ReportRow> {
    let report = find_for_update(conn, code)?;
    permit(
        actor,
        action,
        crate::domain::permissions::Scope::report(
            &report.municipality_id,
            report.office_id.as_deref(),
        ),
        ErrorCode::ReportNotFound,
    )?;
    Ok(report)
}

/// Like [`find_by_code`], locking the report for the write transaction.
pub fn find_for_update(conn: &mut DbConn, code: &str) -> AppResult<ReportRow> {
    crate::store::reports::by_code_for_update(conn, code)?
        .ok_or_else(|| AppError::not_found(ErrorCode::ReportNotFound, format!("no report {code}")))
}

/// The citizen's token must match the report: 403 `invalid_token` otherwise.
pub fn require_token(report: &ReportRow, token: &str) -> AppResult<()> {
    if token_matches(report, token) {
        Ok(())
    } else {
        Err(AppError::Forbidden {
            code: ErrorCode::InvalidToken,
            message: "the tracking token does not match this report".into(),
        })
    }
}

/// Checks a citizen's tracking token against the report (constant time).
pub fn token_matches(report: &ReportRow, token: &str) -> bool {
    let given = crate::store::reports::hash_token(token);
    let stored = report.tracking_token_hash.as_bytes();
    given.len() == stored.len()
        && given
            .as_bytes()
            .iter()
            .zip(stored)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

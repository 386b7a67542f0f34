//! Filing a report, in two steps. [`prepare`] reads what the filing needs
//! from the catalog (the comune, the category and its checks, the calendar,
//! the routing decision, the office) on any connection, outside the write;
//! [`write`] then creates the report (code, deadline, events) and its
//! notifications in the caller's write transaction, in a handful of
//! statements. Intake runs writes one after another (one writer on SQLite,
//! one batch at a time per instance on PostgreSQL), so what a write does not
//! have to read is time every filing saves; the reads run side by side.
//!
//! What every filing in a comune under a category reads alike (the comune,
//! the category, the calendar, the routing rule and zones, the offices) is
//! cached per instance until the catalog changes ([`FilingCatalog`]): a
//! filing's reads are then the catalog's version, by primary key.
//!
//! The catalog read may be a moment older than the write: the report is then
//! filed as it would have been had it arrived that moment earlier (offices
//! and categories are never deleted, only deactivated).

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{Datelike, Utc};

use crate::domain::calendar::Calendar;
use crate::domain::ids::OfficeId;
use crate::domain::publication;
use crate::domain::report::{self, Actor, ValidReport};
use crate::domain::routing::{self, CategoryRoute, RouteDecision, Zone};
use crate::domain::validate::FieldError;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::notify::plan::{self, Facts};
use crate::store::batch::Held;
use crate::store::cache::Versioned;
use crate::store::catalog::{self, CategoryRow, OfficeRow};
use crate::store::municipalities::{self, MunicipalitySummary};
use crate::store::reports::{self, CreateReport, ReportRow};
use crate::store::DbConn;

fn unknown_category(code: &str, why: &str) -> AppError {
    AppError::Validation(vec![FieldError::new(
        "category",
        ErrorCode::UnknownCategory,
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

/// What every filing in one comune under one category reads, the same for
/// each: cached per instance while the catalog's version stays the same
/// (see `store::cache`).
pub struct CatalogEntry {
    municipality: MunicipalitySummary,
    category: CategoryRow,
    calendar: Calendar,
    rule: CategoryRoute,
    zones: Vec<Zone>,
    /// The comune's offices, by id (where a rule or a zone may route).
    offices: HashMap<OfficeId, OfficeRow>,
}

/// The catalog as filings read it, by comune and category code.
pub type FilingCatalog = Versioned<(String, String), CatalogEntry>;

/// An empty [`FilingCatalog`], for one instance.
pub fn filing_catalog() -> FilingCatalog {
    Versioned::new("catalog")
}

/// What a filing read before writing.
pub struct Prepared {
    /// The catalog's version `entry` was read at.
    version: i64,
    entry: Arc<CatalogEntry>,
    decision: RouteDecision,
    office: Option<OfficeRow>,
}

impl Prepared {
    pub fn category(&self) -> &CategoryRow {
        &self.entry.category
    }
}

/// Reads what filing `valid` in the comune `municipality_id` needs (from
/// `catalog`, or the database when its version changed), and checks the
/// category there: offered, public, active, not a group.
pub fn prepare(
    catalog: &FilingCatalog,
    conn: &mut DbConn,
    municipality_id: &str,
    valid: &ValidReport,
) -> AppResult<Prepared> {
    let key = (municipality_id.to_string(), valid.category.clone());
    let (version, entry) = catalog.get(conn, &key, |c| {
        load_entry(c, municipality_id, &valid.category)
    })?;
    routed(conn, version, entry, valid)
}

/// `entry` with the routing decision for the point of `valid`.
fn routed(
    conn: &mut DbConn,
    version: i64,
    entry: Arc<CatalogEntry>,
    valid: &ValidReport,
) -> AppResult<Prepared> {
    let decision = routing::route(&entry.rule, valid.lat, valid.lon, &entry.zones);
    let office = match &decision.office_id {
        None => None,
        Some(id) => match entry.offices.get(id) {
            Some(office) => Some(office.clone()),
            None => catalog::offices_by_ids(conn, std::slice::from_ref(id))?.pop(),
        },
    };
    Ok(Prepared {
        version,
        entry,
        decision,
        office,
    })
}

/// `p` as the write transaction sees the catalog, whose version there is
/// `version` (held: see [`write`]): the same when the version has not moved,
/// else read again here — so that a category withdrawn or closed to the
/// public, or an office handed over, while the filing waited is not ignored.
fn current(
    conn: &mut DbConn,
    version: i64,
    p: Prepared,
    valid: &ValidReport,
) -> AppResult<Prepared> {
    if version == p.version {
        return Ok(p);
    }
    let entry = load_entry(conn, &p.entry.municipality.id, &valid.category)?;
    routed(conn, version, Arc::new(entry), valid)
}

/// Reads a [`CatalogEntry`], refusing a category that may not be filed.
fn load_entry(conn: &mut DbConn, municipality_id: &str, code: &str) -> AppResult<CatalogEntry> {
    let municipality = municipalities::find(conn, municipality_id)?
        .ok_or_else(|| AppError::internal("located municipality vanished"))?;
    let category = match catalog::category_by_code(conn, &municipality.id, code)? {
        Some(c) if c.active && c.public => c,
        Some(_) => return Err(unknown_category(code, "is no longer offered")),
        None if catalog::category_code_exists(conn, code)? => {
            return Err(AppError::Validation(vec![FieldError::new(
                "category",
                ErrorCode::CategoryNotInMunicipality,
                format!("category `{code}` is not offered in {}", municipality.name),
            )]))
        }
        None => return Err(unknown_category(code, "does not exist")),
    };
    if catalog::has_children(conn, &category.id)? {
        return Err(AppError::Validation(vec![FieldError::new(
            "category",
            ErrorCode::CategoryIsGroup,
            format!(
                "`{}` is a group: choose one of its categories",
                category.code
            ),
        )]));
    }
    Ok(CatalogEntry {
        calendar: municipalities::calendar(conn, &municipality.id)?,
        rule: catalog::category_route(conn, &category)?,
        zones: catalog::zones(conn, &municipality.id)?,
        offices: catalog::list_offices(conn, &municipality.id)?
            .into_iter()
            .map(|o| (o.id.clone(), o))
            .collect(),
        municipality,
        category,
    })
}

/// Creates the report `p` was prepared for (code, deadline, events) and
/// writes its notifications, in the caller's write transaction, after
/// checking that the catalog has not changed since (see [`current`]).
/// `held` is what the transaction holds: the catalog's version, read
/// holding it (on PostgreSQL a catalog change waits for the commit;
/// SQLite's single writer does the same), and the comune's code numbers.
/// An intake batch reads them once for all its filings (`store::batch`), so
/// each filing only writes the report, its events and its notifications.
pub fn write(
    conn: &mut DbConn,
    held: &mut Held,
    p: Prepared,
    valid: &ValidReport,
    f: Filing,
    links: &crate::notify::plan::Links,
) -> AppResult<Filed> {
    let p = current(conn, held.catalog_version, p, valid)?;
    let (municipality, category) = (&p.entry.municipality, &p.entry.category);
    let (take_in_due, deadline_mode) = super::routing::take_in_deadline(
        &p.entry.calendar,
        municipality,
        category,
        valid.received_at,
    );
    let policy = publication::effective(municipality.publication(), category.publication());
    let year = f.now.with_timezone(&p.entry.calendar.timezone()).year();
    let number = held.next_code_number(conn, &municipality.id, year)?;
    let row = reports::create(
        conn,
        CreateReport {
            report: valid,
            municipality_id: &municipality.id,
            code_prefix: &municipality.code_prefix,
            year,
            number,
            category_id: &category.id,
            decision: &p.decision,
            take_in_due,
            deadline_mode,
            expected_resolution: report::expected_resolution(
                valid.received_at,
                category.resolution_target_days,
            ),
            title: valid
                .title
                .clone()
                .unwrap_or_else(|| category.name(valid.language.as_str()).to_string()),
            publication: publication::on_filing(policy),
            token_hash: f.token_hash,
            entered_by: f.entered_by,
            actor: f.actor,
            now: f.now,
            attributes: f.attributes,
            media_url: f.media_url,
        },
    )?;
    let facts = Facts::known(
        &row,
        Some(&p.entry.category),
        p.office.as_ref(),
        Some(&p.entry.municipality),
    );
    plan::created(conn, &row, &facts, &f.token, links)?;
    Ok(Filed {
        report: row,
        category: p.entry.category.clone(),
        office: p.office,
    })
}

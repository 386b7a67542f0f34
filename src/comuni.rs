//! Serving a new comune, from the command line (`segnala municipality add`)
//! or the platform administrators' console: its boundary from a GeoJSON
//! document (the national file by default), its code prefix, the URP's
//! e-mail, and optionally the starter catalogue of offices and categories.

use chrono::NaiveDateTime;
use serde_json::Value;

use crate::domain::territory::{pick_feature, Boundary, PickedFeature};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::store::municipalities::{self, ImportedMunicipality, MunicipalitySummary};
use crate::store::{catalog, DbConn};

pub struct NewComune {
    /// ISTAT code, as the boundary document names it.
    pub istat: String,
    /// Defaults to the document's name.
    pub name: Option<String>,
    /// The reports' code prefix (`PI-2026-…`); defaults to the province's
    /// abbreviation, or the cadastral code when that is taken.
    pub prefix: Option<String>,
    /// Already validated.
    pub urp_email: Option<String>,
    pub starter: bool,
}

pub struct Served {
    pub municipality: MunicipalitySummary,
    pub province: Option<String>,
    /// Offices and categories of the starter catalogue, when installed.
    pub catalogue: Option<(usize, usize)>,
}

/// Serves (or updates) the comune in the caller's transaction.
pub fn serve(
    conn: &mut DbConn,
    doc: &Value,
    c: NewComune,
    now: NaiveDateTime,
) -> AppResult<Served> {
    let picked = pick_feature(doc, &c.istat)
        .map_err(|e| AppError::unprocessable(ErrorCode::InvalidGeojson, e.to_string()))?;
    let name = c.name.or(picked.name.clone()).ok_or_else(|| {
        AppError::bad_request(
            ErrorCode::NameRequired,
            "the boundary names no comune: give a name",
        )
    })?;
    let prefix = match c.prefix {
        Some(p) => p,
        None => default_prefix(conn, &c.istat, &picked)?,
    };
    if !crate::domain::report::is_code_prefix(&prefix) {
        return Err(AppError::unprocessable(
            ErrorCode::InvalidPrefix,
            "the code prefix must be 1-8 letters or digits",
        ));
    }
    let boundary = Boundary::parse(&picked.geometry)
        .map_err(|e| AppError::unprocessable(ErrorCode::InvalidGeometry, e.to_string()))?;
    if let Some(other) = municipalities::prefix_holder(conn, &prefix, &c.istat)? {
        return Err(AppError::conflict(
            ErrorCode::PrefixTaken,
            format!("the code prefix {prefix} is already used by {other}"),
        ));
    }
    let m = municipalities::upsert(
        conn,
        &ImportedMunicipality {
            id: c.istat.clone(),
            name,
            code_prefix: prefix,
            boundary,
        },
        now,
    )?;
    if let Some(email) = &c.urp_email {
        let mut settings = municipalities::calendar_settings(conn, &m.id)?;
        settings.urp_email = Some(email.clone());
        municipalities::set_calendar_settings(conn, &m.id, &settings, now)?;
    }
    let catalogue = if c.starter {
        if !catalog::list_offices(conn, &m.id)?.is_empty() {
            return Err(AppError::conflict(
                ErrorCode::CatalogueExists,
                format!(
                    "{} already has offices: the starter catalogue is for a new comune",
                    m.name
                ),
            ));
        }
        Some(crate::starter::install(
            conn,
            &m.id,
            c.urp_email.as_deref(),
            now,
        )?)
    } else {
        None
    };
    Ok(Served {
        municipality: m,
        province: picked.province,
        catalogue,
    })
}

/// The province's abbreviation, or the cadastral code when another comune
/// already uses it.
fn default_prefix(conn: &mut DbConn, istat: &str, picked: &PickedFeature) -> AppResult<String> {
    let taken: Vec<String> = municipalities::list(conn)?
        .into_iter()
        .filter(|m| m.id != istat)
        .map(|m| m.code_prefix)
        .collect();
    [picked.province.clone(), picked.catasto.clone()]
        .into_iter()
        .flatten()
        .find(|p| !taken.contains(p))
        .ok_or_else(|| AppError::bad_request(ErrorCode::PrefixRequired, "choose a code prefix"))
}

//! Municipalities: their territory (boundary), calendar and holidays, and the
//! in-memory territory index used to find which comune a point belongs to.

use std::sync::Arc;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::cache::Versioned;
use super::schema::{annual_holidays, holidays, municipalities};
use super::DbConn;
use super::{StoreError, StoreResult};
use crate::domain::calendar::{parse_office_hours, parse_weekdays, Calendar, DeadlineMode};
use crate::domain::ids::MunicipalityId;
use crate::domain::territory::{self, Area, Territory};

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = municipalities)]
pub struct MunicipalityRow {
    pub id: MunicipalityId,
    pub name: String,
    pub code_prefix: String,
    pub boundary: String,
    pub min_lon: f64,
    pub min_lat: f64,
    pub max_lon: f64,
    pub max_lat: f64,
    pub timezone: String,
    pub working_weekdays: String,
    pub office_hours: String,
    pub deadline_mode: String,
    pub reopen_days: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A municipality without its (large) boundary.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = municipalities)]
pub struct MunicipalitySummary {
    pub id: String,
    pub name: String,
    pub code_prefix: String,
    pub min_lon: f64,
    pub min_lat: f64,
    pub max_lon: f64,
    pub max_lat: f64,
    pub timezone: String,
    pub deadline_mode: String,
    pub reopen_days: i32,
    /// How the comune publishes reports (`immediate`, `after_review`, `never`).
    pub publication_policy: String,
}

/// A municipality as the public directory shows it: with its URP's contacts
/// and opening days and hours.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = municipalities)]
pub struct PublicMunicipality {
    #[diesel(embed)]
    pub summary: MunicipalitySummary,
    pub working_weekdays: String,
    pub office_hours: String,
    pub urp_phone: Option<String>,
    pub urp_email: Option<String>,
    pub urp_address: Option<String>,
}

/// The served comuni for the public directory, by name.
pub fn directory(conn: &mut DbConn) -> StoreResult<Vec<PublicMunicipality>> {
    Ok(municipalities::table
        .select(PublicMunicipality::as_select())
        .order(municipalities::name)
        .load(conn)?)
}

impl MunicipalitySummary {
    /// The comune's publication policy (an unknown value counts as `after_review`).
    pub fn publication(&self) -> crate::domain::publication::Policy {
        crate::domain::publication::Policy::stored(&self.publication_policy)
    }

    pub fn deadline_mode(&self) -> DeadlineMode {
        self.deadline_mode
            .parse()
            .unwrap_or(DeadlineMode::WorkingDays)
    }
}

/// What an import brings.
#[derive(Debug, Clone)]
pub struct ImportedMunicipality {
    pub id: String,
    pub name: String,
    pub code_prefix: String,
    pub boundary: territory::Boundary,
}

/// The name of the comune other than `except_id` whose codes start with
/// `prefix`, if any.
pub fn prefix_holder(
    conn: &mut DbConn,
    prefix: &str,
    except_id: &str,
) -> StoreResult<Option<String>> {
    Ok(municipalities::table
        .filter(municipalities::code_prefix.eq(prefix))
        .filter(municipalities::id.ne(except_id))
        .select(municipalities::name)
        .first(conn)
        .optional()?)
}

/// Inserts or replaces a municipality's name, prefix and boundary (calendar
/// settings are kept on re-import).
pub fn upsert(
    conn: &mut DbConn,
    m: &ImportedMunicipality,
    now: NaiveDateTime,
) -> StoreResult<MunicipalitySummary> {
    let [min_lon, min_lat, max_lon, max_lat] = m.boundary.bbox();
    let boundary = m.boundary.geometry().to_string();
    let existing = find(conn, &m.id)?;
    if existing.is_some() {
        diesel::update(municipalities::table.find(&m.id))
            .set((
                municipalities::name.eq(&m.name),
                municipalities::code_prefix.eq(&m.code_prefix),
                municipalities::boundary.eq(&boundary),
                municipalities::min_lon.eq(min_lon),
                municipalities::min_lat.eq(min_lat),
                municipalities::max_lon.eq(max_lon),
                municipalities::max_lat.eq(max_lat),
                municipalities::updated_at.eq(now),
            ))
            .execute(conn)?;
    } else {
        diesel::insert_into(municipalities::table)
            .values(MunicipalityRow {
                id: m.id.clone().into(),
                name: m.name.clone(),
                code_prefix: m.code_prefix.clone(),
                boundary,
                min_lon,
                min_lat,
                max_lon,
                max_lat,
                timezone: "Europe/Rome".into(),
                working_weekdays: "1,2,3,4,5".into(),
                office_hours: "09:00-13:15,14:15-17:00".into(),
                deadline_mode: DeadlineMode::WorkingDays.as_str().into(),
                reopen_days: 30,
                created_at: now,
                updated_at: now,
            })
            .execute(conn)?;
    }
    find(conn, &m.id)?.ok_or_else(|| StoreError::internal("municipality vanished after upsert"))
}

pub fn find(conn: &mut DbConn, id: &str) -> StoreResult<Option<MunicipalitySummary>> {
    if !super::could_match(id) {
        return Ok(None);
    }
    Ok(municipalities::table
        .find(id)
        .select(MunicipalitySummary::as_select())
        .first(conn)
        .optional()?)
}

pub fn list(conn: &mut DbConn) -> StoreResult<Vec<MunicipalitySummary>> {
    Ok(municipalities::table
        .select(MunicipalitySummary::as_select())
        .order(municipalities::name)
        .load(conn)?)
}

/// Which served comune a call is about.
pub enum Chosen {
    One(MunicipalitySummary),
    /// The named comune is not served here.
    NotServed(String),
    /// None was named and none is served yet.
    NoneServed,
    /// None was named and several are served.
    Ambiguous,
}

/// The comune named by `wanted` (an ISTAT code), or the only one served when
/// none is named.
pub fn choose(conn: &mut DbConn, wanted: Option<&str>) -> StoreResult<Chosen> {
    let mut all = list(conn)?;
    Ok(match wanted {
        Some(id) => match all.iter().position(|m| m.id == id) {
            Some(i) => Chosen::One(all.swap_remove(i)),
            None => Chosen::NotServed(id.to_string()),
        },
        None if all.len() == 1 => Chosen::One(all.remove(0)),
        None if all.is_empty() => Chosen::NoneServed,
        None => Chosen::Ambiguous,
    })
}

/// Adds (or renames) a municipal holiday or extra closure; `reopened` marks a
/// national holiday that is a working day here after all.
pub fn set_holiday(
    conn: &mut DbConn,
    municipality_id: &str,
    date: NaiveDate,
    name: &str,
    reopened: bool,
) -> StoreResult<()> {
    let kind = if reopened { "reopened" } else { "closure" };
    diesel::delete(holidays::table.find((municipality_id, date))).execute(conn)?;
    diesel::insert_into(holidays::table)
        .values((
            holidays::municipality_id.eq(municipality_id),
            holidays::date.eq(date),
            holidays::name.eq(name),
            holidays::kind.eq(kind),
        ))
        .execute(conn)?;
    touch(conn, municipality_id)
}

/// Adds (or renames) a holiday on the same day every year (the patron saint).
pub fn set_annual_holiday(
    conn: &mut DbConn,
    municipality_id: &str,
    month: u32,
    day: u32,
    name: &str,
) -> StoreResult<()> {
    let key = (municipality_id, month as i32, day as i32);
    diesel::delete(annual_holidays::table.find(key)).execute(conn)?;
    diesel::insert_into(annual_holidays::table)
        .values((
            annual_holidays::municipality_id.eq(municipality_id),
            annual_holidays::month.eq(month as i32),
            annual_holidays::day.eq(day as i32),
            annual_holidays::name.eq(name),
        ))
        .execute(conn)?;
    touch(conn, municipality_id)
}

pub fn remove_annual_holiday(
    conn: &mut DbConn,
    municipality_id: &str,
    month: u32,
    day: u32,
) -> StoreResult<bool> {
    let n =
        diesel::delete(annual_holidays::table.find((municipality_id, month as i32, day as i32)))
            .execute(conn)?;
    Ok(n > 0)
}

/// The municipality's annual holidays: `(month, day, name)`.
pub fn annual_holidays(
    conn: &mut DbConn,
    municipality_id: &str,
) -> StoreResult<Vec<(u32, u32, String)>> {
    let rows: Vec<(i32, i32, String)> = annual_holidays::table
        .filter(annual_holidays::municipality_id.eq(municipality_id))
        .order((annual_holidays::month, annual_holidays::day))
        .select((
            annual_holidays::month,
            annual_holidays::day,
            annual_holidays::name,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(m, d, n)| (m as u32, d as u32, n))
        .collect())
}

pub fn remove_holiday(
    conn: &mut DbConn,
    municipality_id: &str,
    date: NaiveDate,
) -> StoreResult<bool> {
    let n = diesel::delete(holidays::table.find((municipality_id, date))).execute(conn)?;
    Ok(n > 0)
}

fn touch(conn: &mut DbConn, municipality_id: &str) -> StoreResult<()> {
    diesel::update(municipalities::table.find(municipality_id))
        .set(municipalities::updated_at.eq(chrono::Utc::now().naive_utc()))
        .execute(conn)?;
    Ok(())
}

/// The municipality's working calendar, holidays included.
pub fn calendar(conn: &mut DbConn, municipality_id: &str) -> StoreResult<Calendar> {
    let (tz, weekdays, hours): (String, String, String) = municipalities::table
        .find(municipality_id)
        .select((
            municipalities::timezone,
            municipalities::working_weekdays,
            municipalities::office_hours,
        ))
        .first(conn)?;
    let rows: Vec<(NaiveDate, String)> = holidays::table
        .filter(holidays::municipality_id.eq(municipality_id))
        .select((holidays::date, holidays::kind))
        .load(conn)?;
    let tz = tz.parse::<chrono_tz::Tz>().map_err(|_| {
        StoreError::internal(format!("municipality {municipality_id}: bad timezone {tz}"))
    })?;
    let invalid = |e: crate::domain::calendar::CalendarError| {
        StoreError::internal(format!("municipality {municipality_id}: {e}"))
    };
    let calendar = Calendar::new(
        tz,
        parse_weekdays(&weekdays).map_err(invalid)?,
        parse_office_hours(&hours).map_err(invalid)?,
    )
    .map_err(invalid)?
    .with_closures(rows.iter().filter(|(_, k)| k == "closure").map(|(d, _)| *d))
    .with_annual(
        annual_holidays(conn, municipality_id)?
            .into_iter()
            .map(|(m, d, _)| (m, d)),
    )
    .with_reopened(
        rows.iter()
            .filter(|(_, k)| k == "reopened")
            .map(|(d, _)| *d),
    );
    Ok(calendar)
}

/// Every municipality's boundary, parsed.
pub fn load_areas(conn: &mut DbConn) -> StoreResult<Vec<Area>> {
    let rows: Vec<(String, String, String)> = municipalities::table
        .select((
            municipalities::id,
            municipalities::name,
            municipalities::boundary,
        ))
        .load(conn)?;
    rows.into_iter()
        .map(|(id, name, boundary)| {
            let value: serde_json::Value = serde_json::from_str(&boundary).map_err(|e| {
                StoreError::internal(format!(
                    "municipality {id}: stored boundary is not JSON: {e}"
                ))
            })?;
            let shape = territory::parse_geometry(&value).map_err(|e| {
                StoreError::internal(format!("municipality {id}: stored boundary: {e}"))
            })?;
            Ok(Area { id, name, shape })
        })
        .collect()
}

/// The territory index, rebuilt only when the municipalities change (a
/// [`Versioned`] value: see `store::cache`).
pub struct TerritoryCache(Versioned<(), Territory>);

impl Default for TerritoryCache {
    fn default() -> Self {
        Self(Versioned::new("territory"))
    }
}

impl TerritoryCache {
    pub fn get(&self, conn: &mut DbConn) -> StoreResult<Arc<Territory>> {
        let (_, territory) = self.0.get(conn, &(), |c| -> StoreResult<_> {
            Ok(Territory::new(load_areas(c)?))
        })?;
        Ok(territory)
    }
}

/// A municipality's calendar settings as stored.
#[derive(Debug, Clone, Queryable, serde::Serialize)]
pub struct CalendarSettings {
    pub timezone: String,
    pub working_weekdays: String,
    pub office_hours: String,
    pub deadline_mode: String,
    pub reopen_days: i32,
    /// The URP's contacts, shown to citizens with the office hours.
    pub urp_phone: Option<String>,
    pub urp_email: Option<String>,
    pub urp_address: Option<String>,
    /// How the comune publishes reports (`immediate`, `after_review`, `never`).
    pub publication_policy: String,
}

pub fn calendar_settings(
    conn: &mut DbConn,
    municipality_id: &str,
) -> StoreResult<CalendarSettings> {
    municipalities::table
        .find(municipality_id)
        .select((
            municipalities::timezone,
            municipalities::working_weekdays,
            municipalities::office_hours,
            municipalities::deadline_mode,
            municipalities::reopen_days,
            municipalities::urp_phone,
            municipalities::urp_email,
            municipalities::urp_address,
            municipalities::publication_policy,
        ))
        .first(conn)
        .optional()?
        // Asked for the comune of a signed-in staff member or of a row
        // that names it: its absence is a broken invariant, not a 404.
        .ok_or_else(|| StoreError::internal(format!("no municipality {municipality_id}")))
}

pub fn set_calendar_settings(
    conn: &mut DbConn,
    municipality_id: &str,
    s: &CalendarSettings,
    now: NaiveDateTime,
) -> StoreResult<()> {
    diesel::update(municipalities::table.find(municipality_id))
        .set((
            municipalities::timezone.eq(&s.timezone),
            municipalities::working_weekdays.eq(&s.working_weekdays),
            municipalities::office_hours.eq(&s.office_hours),
            municipalities::deadline_mode.eq(&s.deadline_mode),
            municipalities::reopen_days.eq(s.reopen_days),
            municipalities::urp_phone.eq(&s.urp_phone),
            municipalities::urp_email.eq(&s.urp_email),
            municipalities::urp_address.eq(&s.urp_address),
            municipalities::publication_policy.eq(&s.publication_policy),
            municipalities::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Municipal holidays and closures: `(date, name, kind)`.
pub fn holidays(
    conn: &mut DbConn,
    municipality_id: &str,
) -> StoreResult<Vec<(NaiveDate, String, String)>> {
    Ok(holidays::table
        .filter(holidays::municipality_id.eq(municipality_id))
        .order(holidays::date)
        .select((holidays::date, holidays::name, holidays::kind))
        .load(conn)?)
}

/// A comune's publication policy (`after_review` for an unknown comune).
pub fn publication_policy(
    conn: &mut DbConn,
    municipality_id: &str,
) -> StoreResult<crate::domain::publication::Policy> {
    Ok(find(conn, municipality_id)?
        .map(|m| m.publication())
        .unwrap_or(crate::domain::publication::Policy::AfterReview))
}

//! The comune's own holidays and closures (national holidays are known).

use chrono::{Datelike, NaiveDate};
use serde_json::json;

use super::{text, Admin};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::store::{municipalities, DbConn};

/// A holiday or closure as typed.
pub struct HolidayInput {
    pub date: NaiveDate,
    pub name: String,
    /// A national holiday that is a working day here.
    pub reopened: bool,
    /// The same day every year (the patron saint); the year is ignored.
    pub every_year: bool,
}

/// Adds (or renames) a holiday.
pub fn add_holiday(conn: &mut DbConn, who: &Admin, h: HolidayInput) -> AppResult<()> {
    let name = text("name", &h.name, 120)?;
    if h.every_year && h.reopened {
        return Err(AppError::field(
            "every_year",
            ErrorCode::InvalidHoliday,
            "a yearly holiday cannot be a reopened national holiday",
        ));
    }
    let m = &who.municipality;
    if h.every_year {
        municipalities::set_annual_holiday(conn, m, h.date.month(), h.date.day(), &name)?;
    } else {
        municipalities::set_holiday(conn, m, h.date, &name, h.reopened)?;
    }
    let after = json!({"name": name, "reopened": h.reopened, "every_year": h.every_year});
    who.record(
        conn,
        "holiday.added",
        &h.date.to_string(),
        None,
        Some(after),
    )
}

/// Removes the holiday of that date (or the yearly one of that day).
pub fn remove_holiday(
    conn: &mut DbConn,
    who: &Admin,
    date: NaiveDate,
    every_year: bool,
) -> AppResult<()> {
    let m = &who.municipality;
    let removed = if every_year {
        municipalities::remove_annual_holiday(conn, m, date.month(), date.day())?
    } else {
        municipalities::remove_holiday(conn, m, date)?
    };
    if !removed {
        return Err(AppError::not_found(
            ErrorCode::HolidayNotFound,
            "no municipal holiday or closure that day",
        ));
    }
    who.record(
        conn,
        "holiday.removed",
        &date.to_string(),
        Some(json!({"every_year": every_year})),
        None,
    )
}

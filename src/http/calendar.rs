//! The municipal calendar, for admins: `GET/PUT /api/v1/admin/calendar`
//! (time zone, working weekdays, office hours, default deadline mode, the
//! URP's contacts shown to citizens),
//! `POST /api/v1/admin/holidays` and `DELETE /api/v1/admin/holidays/{date}`.

use actix_web::{delete, get, post, put, web, HttpResponse};
use chrono::{Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::auth::Staff;
use super::AppState;
use crate::app::admin::calendar::{self as admin_calendar, HolidayInput};
use crate::domain::calendar::{
    format_office_hours, iso_weekdays, parse_office_hours, parse_weekdays, Calendar, DeadlineMode,
};
use crate::domain::holidays::national_holidays;
use crate::domain::permissions::Action;
use crate::domain::publication::Policy;
use crate::domain::validate::{self, Email, Phone};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::store::municipalities::{self, CalendarSettings};
use crate::store::{moderation, naive};

#[derive(Serialize, ToSchema)]
pub struct HolidayView {
    pub date: NaiveDate,
    pub name: String,
    /// `national`, `closure` (municipal) or `reopened` (a national holiday worked here).
    pub kind: String,
}

#[derive(Serialize, ToSchema)]
pub struct CalendarView {
    pub timezone: String,
    /// ISO weekdays, 1 = Monday … 7 = Sunday.
    pub working_weekdays: Vec<u32>,
    /// e.g. `09:00-13:15,14:15-17:00`.
    pub office_hours: String,
    /// `working_days`, `business_hours` or `calendar`.
    pub deadline_mode: String,
    /// Days after resolution during which a citizen may reopen.
    pub reopen_days: i32,
    /// The URP's contacts, shown on every citizen page with the office hours.
    pub urp_phone: Option<String>,
    pub urp_email: Option<String>,
    pub urp_address: Option<String>,
    /// How reports are published unless their category says otherwise.
    pub publication_policy: Policy,
    /// This year's and next year's holidays, national and municipal.
    pub holidays: Vec<HolidayView>,
}

fn view(conn: &mut crate::store::DbConn, municipality_id: &str) -> AppResult<CalendarView> {
    let settings = municipalities::calendar_settings(conn, municipality_id)?;
    let local = municipalities::holidays(conn, municipality_id)?;
    let annual = municipalities::annual_holidays(conn, municipality_id)?;
    let year = Utc::now().year();
    let mut holidays: Vec<HolidayView> = (year..=year + 1)
        .flat_map(national_holidays)
        .filter(|(d, _)| !local.iter().any(|(ld, _, _)| ld == d))
        .map(|(date, name)| HolidayView {
            date,
            name: name.to_string(),
            kind: "national".into(),
        })
        .collect();
    holidays.extend(
        local
            .into_iter()
            .map(|(date, name, kind)| HolidayView { date, name, kind }),
    );
    holidays.extend((year..=year + 1).flat_map(|y| {
        annual.iter().filter_map(move |(m, d, name)| {
            Some(HolidayView {
                date: NaiveDate::from_ymd_opt(y, *m, *d)?,
                name: name.clone(),
                kind: "annual".into(),
            })
        })
    }));
    holidays.sort_by_key(|h| h.date);
    let weekdays = parse_weekdays(&settings.working_weekdays).map_err(AppError::internal)?;
    Ok(CalendarView {
        timezone: settings.timezone,
        working_weekdays: iso_weekdays(&weekdays),
        office_hours: settings.office_hours,
        deadline_mode: settings.deadline_mode,
        reopen_days: settings.reopen_days,
        urp_phone: settings.urp_phone,
        urp_email: settings.urp_email,
        urp_address: settings.urp_address,
        publication_policy: Policy::stored(&settings.publication_policy),
        holidays,
    })
}

#[utoipa::path(
    get,
    path = "/api/v1/admin/calendar",
    tag = "admin",
    security(("bearer" = [])),
    responses((status = 200, description = "The municipality's calendar", body = CalendarView), (status = 403, description = "Not an admin or supervisor", body = crate::error::ErrorEnvelope))
)]
#[get("/admin/calendar")]
pub async fn get_calendar(state: web::Data<AppState>, staff: Staff) -> AppResult<HttpResponse> {
    staff.require_any_here(&[Action::Administer, Action::Supervise])?;
    let m = staff.actor.municipality_id.clone();
    Ok(HttpResponse::Ok().json(state.read(move |c| view(c, &m)).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CalendarUpdate {
    /// IANA time zone, e.g. `Europe/Rome`.
    pub timezone: Option<String>,
    /// ISO weekdays, 1 = Monday … 7 = Sunday.
    #[serde(default, deserialize_with = "crate::http::dto::whole::option_vec")]
    #[schema(value_type = Option<Vec<u32>>)]
    pub working_weekdays: Option<Vec<u32>>,
    pub office_hours: Option<String>,
    pub deadline_mode: Option<String>,
    #[serde(default, deserialize_with = "crate::http::dto::whole::option")]
    #[schema(minimum = 0, maximum = 365)]
    pub reopen_days: Option<i32>,
    /// The URP's phone, shown to citizens; empty clears it.
    pub urp_phone: Option<String>,
    /// The URP's email, shown to citizens; empty clears it.
    pub urp_email: Option<String>,
    /// The URP's street address (at most 200 characters); empty clears it.
    pub urp_address: Option<String>,
    /// How reports are published unless their category says otherwise.
    pub publication_policy: Option<Policy>,
}

fn nonempty(v: &str) -> Option<&str> {
    Some(v.trim()).filter(|v| !v.is_empty())
}

/// Validates an update against the current settings; pure.
fn merged(current: CalendarSettings, u: CalendarUpdate) -> AppResult<CalendarSettings> {
    let invalid =
        |field: &'static str, e: String| AppError::field(field, ErrorCode::InvalidCalendar, e);
    let mut s = current;
    if let Some(tz) = u.timezone {
        tz.parse::<chrono_tz::Tz>()
            .map_err(|_| invalid("timezone", format!("unknown time zone `{tz}`")))?;
        s.timezone = tz;
    }
    if let Some(days) = u.working_weekdays {
        let text = days
            .iter()
            .map(|d| d.to_string())
            .collect::<Vec<_>>()
            .join(",");
        parse_weekdays(&text).map_err(|e| invalid("working_weekdays", e.to_string()))?;
        s.working_weekdays = text;
    }
    if let Some(hours) = u.office_hours {
        let parsed =
            parse_office_hours(&hours).map_err(|e| invalid("office_hours", e.to_string()))?;
        s.office_hours = format_office_hours(&parsed);
    }
    if let Some(mode) = u.deadline_mode {
        mode.parse::<DeadlineMode>()
            .map_err(|e| invalid("deadline_mode", e.to_string()))?;
        s.deadline_mode = mode;
    }
    if let Some(days) = u.reopen_days {
        if !(0..=365).contains(&days) {
            return Err(invalid("reopen_days", "reopen_days must be 0-365".into()));
        }
        s.reopen_days = days;
    }
    // Contacts: a present empty value clears.
    if let Some(v) = u.urp_phone {
        s.urp_phone = nonempty(&v)
            .map(|v| Phone::parse("urp_phone", v).map(Phone::into_string))
            .transpose()
            .map_err(|e| AppError::Validation(vec![e]))?;
    }
    if let Some(v) = u.urp_email {
        s.urp_email = nonempty(&v)
            .map(|v| Email::parse("urp_email", v).map(Email::into_string))
            .transpose()
            .map_err(|e| AppError::Validation(vec![e]))?;
    }
    if let Some(v) = u.urp_address {
        s.urp_address = validate::optional_text("urp_address", Some(&v), 200)
            .map_err(|e| AppError::Validation(vec![e]))?;
    }
    if let Some(policy) = u.publication_policy {
        s.publication_policy = policy.as_str().to_string();
    }
    // The whole must make a valid calendar.
    let tz = s
        .timezone
        .parse::<chrono_tz::Tz>()
        .map_err(|_| invalid("timezone", "bad time zone".into()))?;
    Calendar::new(
        tz,
        parse_weekdays(&s.working_weekdays)
            .map_err(|e| invalid("working_weekdays", e.to_string()))?,
        parse_office_hours(&s.office_hours).map_err(|e| invalid("office_hours", e.to_string()))?,
    )
    .map_err(|e| invalid("working_weekdays", e.to_string()))?;
    Ok(s)
}

#[utoipa::path(
    put,
    path = "/api/v1/admin/calendar",
    tag = "admin",
    security(("bearer" = [])),
    request_body = CalendarUpdate,
    responses(
        (status = 200, description = "Updated; new deadlines follow it (existing ones are kept). A new publication policy applies to new reports; into `never`, existing reports of the categories that follow it are withheld, and out of it they wait for a review", body = CalendarView),
        (status = 403, description = "Not an admin", body = crate::error::ErrorEnvelope),
        (status = 422, description = "Invalid calendar", body = crate::error::ErrorEnvelope),
    )
)]
#[put("/admin/calendar")]
pub async fn put_calendar(
    state: web::Data<AppState>,
    staff: Staff,
    body: web::Json<CalendarUpdate>,
) -> AppResult<HttpResponse> {
    let who = staff.admin()?;
    let m = who.municipality.clone();
    let update = body.into_inner();
    let v = state
        .write(move |c| {
            let before = municipalities::calendar_settings(c, &m)?;
            let settings = merged(before.clone(), update)?;
            let now = naive(Utc::now());
            municipalities::set_calendar_settings(c, &m, &settings, now)?;
            who.record(
                c,
                "calendar.updated",
                &m,
                serde_json::to_value(&before).ok(),
                serde_json::to_value(&settings).ok(),
            )?;
            // A new policy reaches the reports of the categories that follow it.
            if settings.publication_policy != before.publication_policy {
                let policy = Policy::stored(&settings.publication_policy);
                let following = moderation::categories_following_comune(c, &m)?;
                moderation::apply_policy(c, &following, policy)?;
            }
            view(c, &m)
        })
        .await?;
    Ok(HttpResponse::Ok().json(v))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HolidayRequest {
    pub date: NaiveDate,
    pub name: String,
    /// A national holiday that is a working day here (a change in the law).
    #[serde(default)]
    pub reopened: bool,
    /// The same day and month every year (the patron saint); the year of
    /// `date` is ignored.
    #[serde(default)]
    pub every_year: bool,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HolidayRemoval {
    /// Remove the yearly holiday on that day and month.
    #[serde(default)]
    pub every_year: bool,
}

#[utoipa::path(
    post,
    path = "/api/v1/admin/holidays",
    tag = "admin",
    security(("bearer" = [])),
    request_body = HolidayRequest,
    responses((status = 201, description = "Added (or renamed)", body = CalendarView), (status = 403, description = "Not an admin", body = crate::error::ErrorEnvelope))
)]
#[post("/admin/holidays")]
pub async fn add_holiday(
    state: web::Data<AppState>,
    staff: Staff,
    body: web::Json<HolidayRequest>,
) -> AppResult<HttpResponse> {
    let who = staff.admin()?;
    let b = body.into_inner();
    let holiday = HolidayInput {
        date: b.date,
        name: b.name,
        reopened: b.reopened,
        every_year: b.every_year,
    };
    let v = state
        .write(move |c| {
            admin_calendar::add_holiday(c, &who, holiday)?;
            view(c, &who.municipality)
        })
        .await?;
    Ok(HttpResponse::Created().json(v))
}

#[utoipa::path(
    delete,
    path = "/api/v1/admin/holidays/{date}",
    tag = "admin",
    security(("bearer" = [])),
    params(("date" = String, Path, description = "YYYY-MM-DD"), HolidayRemoval),
    responses((status = 204, description = "Removed"), (status = 404, description = "No municipal holiday that day", body = crate::error::ErrorEnvelope))
)]
#[delete("/admin/holidays/{date}")]
pub async fn remove_holiday(
    state: web::Data<AppState>,
    staff: Staff,
    date: web::Path<String>,
    query: web::Query<HolidayRemoval>,
) -> AppResult<HttpResponse> {
    let who = staff.admin()?;
    let date = NaiveDate::parse_from_str(&date, "%Y-%m-%d")
        .map_err(|_| AppError::not_found(ErrorCode::HolidayNotFound, "no such date"))?;
    let every_year = query.every_year;
    state
        .write(move |c| admin_calendar::remove_holiday(c, &who, date, every_year))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

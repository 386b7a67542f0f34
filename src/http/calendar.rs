//! The municipal calendar, for admins: `GET/PUT /api/v1/admin/calendar`
//! (time zone, working weekdays, office hours, default deadline mode, the
//! URP's contacts shown to citizens),
//! `POST /api/v1/admin/holidays`, `DELETE /api/v1/admin/holidays/{date}`, and
//! `PATCH /api/v1/admin/categories/{code}` (SLA hours, deadline mode, target).

use actix_web::{delete, get, patch, post, put, web, HttpResponse};
use chrono::{Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::auth::Staff;
use super::AppState;
use crate::domain::calendar::{
    format_office_hours, iso_weekdays, parse_office_hours, parse_weekdays, Calendar, DeadlineMode,
};
use crate::domain::holidays::national_holidays;
use crate::domain::permissions::Action;
use crate::domain::publication::{effective, Policy};
use crate::domain::validate::{self, FieldError};
use crate::error::{AppError, AppResult};
use crate::store::municipalities::{self, CalendarSettings};
use crate::store::{catalog, moderation, naive};

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
    let scope_ok = staff.require_here(Action::Administer);
    scope_ok.or_else(|_| staff.require_here(Action::Supervise))?;
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
    let invalid = |field: &'static str, e: String| AppError::field(field, "invalid_calendar", e);
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
    // Contacts: a present empty value clears; the field errors name the field.
    let renamed =
        |field: &'static str| move |e: FieldError| AppError::field(field, e.code, e.message);
    if let Some(v) = u.urp_phone {
        s.urp_phone = nonempty(&v)
            .map(validate::phone)
            .transpose()
            .map_err(renamed("urp_phone"))?;
    }
    if let Some(v) = u.urp_email {
        s.urp_email = nonempty(&v)
            .map(validate::email)
            .transpose()
            .map_err(renamed("urp_email"))?;
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
    staff.require_here(Action::Administer)?;
    let (m, actor) = (staff.actor.municipality_id.clone(), staff.name());
    let update = body.into_inner();
    let v = state
        .write(move |c| {
            let before = municipalities::calendar_settings(c, &m)?;
            let settings = merged(before.clone(), update)?;
            let now = naive(Utc::now());
            municipalities::set_calendar_settings(c, &m, &settings, now)?;
            audited(
                c,
                &m,
                &actor,
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
    staff.require_here(Action::Administer)?;
    let b = body.into_inner();
    let name = crate::domain::validate::required_text("name", Some(&b.name), 120)
        .map_err(|e| AppError::Validation(vec![e]))?;
    if b.every_year && b.reopened {
        return Err(AppError::field(
            "every_year",
            "invalid_holiday",
            "a yearly holiday cannot be a reopened national holiday",
        ));
    }
    let (m, actor) = (staff.actor.municipality_id.clone(), staff.name());
    let v = state
        .write(move |c| {
            let after = serde_json::json!({"name": name, "reopened": b.reopened, "every_year": b.every_year});
            audited(c, &m, &actor, "holiday.added", &b.date.to_string(), None, Some(after))?;
            if b.every_year {
                municipalities::set_annual_holiday(c, &m, b.date.month(), b.date.day(), &name)?;
            } else {
                municipalities::set_holiday(c, &m, b.date, &name, b.reopened)?;
            }
            view(c, &m)
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
    staff.require_here(Action::Administer)?;
    let date = NaiveDate::parse_from_str(&date, "%Y-%m-%d")
        .map_err(|_| AppError::not_found("holiday_not_found", "no such date"))?;
    let (m, actor) = (staff.actor.municipality_id.clone(), staff.name());
    let every_year = query.every_year;
    let removed = state
        .write(move |c| {
            let removed = if every_year {
                municipalities::remove_annual_holiday(c, &m, date.month(), date.day())?
            } else {
                municipalities::remove_holiday(c, &m, date)?
            };
            if removed {
                let before = serde_json::json!({"every_year": every_year});
                audited(
                    c,
                    &m,
                    &actor,
                    "holiday.removed",
                    &date.to_string(),
                    Some(before),
                    None,
                )?;
            }
            Ok(removed)
        })
        .await?;
    if removed {
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(AppError::not_found(
            "holiday_not_found",
            "no municipal holiday or closure that day",
        ))
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CategoryUpdate {
    #[serde(default, deserialize_with = "crate::http::dto::whole::option")]
    #[schema(minimum = 1, maximum = 720)]
    pub take_in_sla_hours: Option<i32>,
    #[serde(default, deserialize_with = "crate::http::dto::whole::option")]
    #[schema(minimum = 1, maximum = 3650)]
    pub resolution_target_days: Option<i32>,
    /// `working_days`, `business_hours`, `calendar`, or null for the municipality's default.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub deadline_mode: Option<Option<String>>,
    pub active: Option<bool>,
    /// Default office code.
    pub office: Option<String>,
    /// Replaces the category's public-message templates.
    pub message_templates: Option<Vec<crate::domain::templates::MessageTemplate>>,
    /// `immediate`, `after_review`, `never`, or null for the comune's policy.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<Policy>)]
    pub publication: Option<Option<String>>,
}

/// Absent → `None`; `null` → `Some(None)`; a value → `Some(Some(v))`.
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

#[utoipa::path(
    patch,
    path = "/api/v1/admin/categories/{code}",
    tag = "admin",
    security(("bearer" = [])),
    params(("code" = String, Path, description = "Category code")),
    request_body = CategoryUpdate,
    responses((status = 200, description = "Updated"), (status = 404, description = "No such category", body = crate::error::ErrorEnvelope), (status = 422, description = "Invalid values", body = crate::error::ErrorEnvelope))
)]
#[patch("/admin/categories/{code}")]
pub async fn update_category(
    state: web::Data<AppState>,
    staff: Staff,
    code: web::Path<String>,
    body: web::Json<CategoryUpdate>,
) -> AppResult<HttpResponse> {
    staff.require_here(Action::Administer)?;
    let b = body.into_inner();
    if let Some(Some(mode)) = &b.deadline_mode {
        mode.parse::<DeadlineMode>().map_err(|e| {
            AppError::field("deadline_mode", "invalid_deadline_mode", e.to_string())
        })?;
    }
    if let Some(Some(policy)) = &b.publication {
        policy.parse::<Policy>().map_err(|_| {
            AppError::field(
                "publication",
                "invalid_publication",
                "use immediate, after_review, never, or null for the comune's policy",
            )
        })?;
    }
    let templates = b
        .message_templates
        .clone()
        .map(crate::domain::templates::validate)
        .transpose()
        .map_err(|e| AppError::Validation(vec![e]))?;
    let m = staff.actor.municipality_id.clone();
    let actor = staff.name();
    let code = code.into_inner();
    // The category's own policy after the change, if the change sets one.
    let own_policy: Option<Option<Policy>> = b
        .publication
        .as_ref()
        .map(|p| p.as_deref().map(Policy::stored));
    state
        .write(move |c| {
            let category = catalog::category_by_code(c, &m, &code)?.ok_or_else(|| {
                AppError::not_found("category_not_found", format!("no category `{code}`"))
            })?;
            let office_id = match &b.office {
                None => None,
                Some(o) => Some(
                    catalog::office_by_code(c, &m, o)?
                        .ok_or_else(|| {
                            AppError::field("office", "unknown_office", format!("no office `{o}`"))
                        })?
                        .id,
                ),
            };
            catalog::update_category(
                c,
                &category.id,
                &catalog::CategoryChanges {
                    take_in_sla_hours: b.take_in_sla_hours,
                    resolution_target_days: b.resolution_target_days,
                    deadline_mode: b.deadline_mode,
                    active: b.active,
                    default_office_id: office_id,
                    message_templates: templates,
                    publication: b.publication,
                },
            )?;
            // Into `never`, its reports are withheld; out of it, they wait for a review.
            if let Some(own) = own_policy {
                let policy = effective(municipalities::publication_policy(c, &m)?, own);
                moderation::apply_policy(c, std::slice::from_ref(&category.id), policy)?;
            }
            let after = catalog::category_by_code(c, &m, &code)?
                .ok_or_else(|| AppError::internal("the category went away"))?;
            let (before, after) = (audited_category(&category), audited_category(&after));
            audited(
                c,
                &m,
                &actor,
                "category.updated",
                &code,
                Some(before),
                Some(after),
            )?;
            Ok(())
        })
        .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({"updated": true})))
}

/// What the audit log keeps of a category.
fn audited_category(c: &catalog::CategoryRow) -> serde_json::Value {
    serde_json::json!({
        "code": c.code,
        "name_it": c.name_it,
        "default_office_id": c.default_office_id,
        "take_in_sla_hours": c.take_in_sla_hours,
        "resolution_target_days": c.resolution_target_days,
        "deadline_mode": c.deadline_mode,
        "active": c.active,
        "publication": c.publication_policy,
        "message_templates": c.message_templates,
    })
}

/// Records a change of the calendar or a category in the audit log.
fn audited(
    conn: &mut crate::store::DbConn,
    municipality: &str,
    actor: &str,
    action: &str,
    target: &str,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
) -> AppResult<()> {
    crate::store::audit::record(
        conn,
        crate::store::audit::Change {
            municipality_id: municipality,
            actor,
            action,
            target,
            before,
            after,
        },
        naive(Utc::now()),
    )
}
